"""Cardinality constraint components (SHACL 4.2): sh:minCount, sh:maxCount."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rdflib.namespace import SH

from ccbkg.checks.fastshacl.batch import Batch
from ccbkg.checks.fastshacl.errors import Unsupported
from ccbkg.checks.fastshacl.focus import FocusSet
from ccbkg.checks.fastshacl.model import Shape
from ccbkg.checks.fastshacl.params import integer
from ccbkg.checks.fastshacl.results import Outcome
from ccbkg.checks.fastshacl.valuetest import other_value

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.validator import Validator


def min_count(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    """sh:minCount (SHACL 4.2.1, cardinality): fewer than n distinct values."""
    n = integer(s, SH.minCount)
    if s.path is None:
        raise Unsupported("sh:minCount on a node shape")
    if n == 0:
        return []
    if n == 1:
        return [batch.missing(s)]
    query = (f"SELECT ?this WHERE {{ {focus.members()} OPTIONAL {{ ?this {e.path(s)} ?value }} }} "
             f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})")
    return [e.direct(s, e.rows(query), SH.MinCountConstraintComponent)]


def max_count(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    """sh:maxCount (SHACL 4.2.2, cardinality): more than n distinct values; for n = 0 and 1,
    a value (other than this one) exists."""
    n = integer(s, SH.maxCount)
    if s.path is None:
        raise Unsupported("sh:maxCount on a node shape")
    if n == 0:
        return [batch.foci(s, SH.MaxCountConstraintComponent, "true")]
    other = other_value(e, s, lambda o: f"!sameTerm({o}, ?value)")
    if n == 1 and other is not None:
        return [batch.foci(s, SH.MaxCountConstraintComponent, other)]
    query = (f"SELECT ?this WHERE {{ {e.value_pattern(s, focus)} }} GROUP BY ?this "
             f"HAVING (COUNT(DISTINCT ?value) > {n})")
    return [e.direct(s, e.rows(query), SH.MaxCountConstraintComponent)]
