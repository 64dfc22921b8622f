"""SPARQL-based constraints (SHACL 5): sh:sparql with a SELECT validator."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rdflib.namespace import SH

from ccbkg.checks.fastshacl import sparql
from ccbkg.checks.fastshacl.batch import Batch
from ccbkg.checks.fastshacl.focus import FocusSet
from ccbkg.checks.fastshacl.model import Shape
from ccbkg.checks.fastshacl.results import Outcome

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.validator import Validator


def sparql_constraint(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    """sh:sparql (SHACL 5, SPARQL-based constraints): the SELECT's solutions are results."""
    out = []
    for node in s.values(SH.sparql):
        results = sparql.evaluate(e, s, node, focus)
        out.append(Outcome(results, {r.origin for r in results}))
    return out
