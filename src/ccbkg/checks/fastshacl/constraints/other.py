"""Other constraint components (SHACL 4.8): sh:closed, sh:hasValue, sh:in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from ccbkg.checks.fastshacl.batch import Batch
from ccbkg.checks.fastshacl.focus import FocusSet
from ccbkg.checks.fastshacl.model import Shape
from ccbkg.checks.fastshacl.params import one
from ccbkg.checks.fastshacl.results import Outcome, Result
from ccbkg.checks.fastshacl.valuetest import Bad, equal, in_python

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.validator import Validator


def closed(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    """sh:closed with sh:ignoredProperties (SHACL 4.8.1, other): no other properties."""
    flag = one(s, SH.closed)
    if not (isinstance(flag, Literal) and bool(flag.value)):
        return []
    allowed: set[Node] = set()
    for lst in s.values(SH.ignoredProperties):
        allowed |= set(e.shapes.items(lst))
    for p in s.values(SH.property):
        path = e.shapes.shape(p).path
        if path is not None:
            allowed.add(path)
    fn = e.function(lambda t: e.rdf(t) in allowed)
    query = (f"SELECT ?this ?p ?o WHERE {{ {e.value_pattern(s, focus)} ?value ?p ?o "
             f"FILTER(!{fn}(?p) && !(?p = <{RDF.type}> && ?o = <{RDFS.Resource}>)) }}")
    results = [Result(focus=row["this"], shape=s, component=SH.ClosedConstraintComponent,
                      origin=row["this"], value=row["o"], path=row["p"])
               for row in e.select(query)]
    return [Outcome(results, {r.origin for r in results})]


def has_value(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    """sh:hasValue (SHACL 4.8.2, other): the term is among the values."""
    out = []
    for wanted in s.values(SH.hasValue):
        same = equal(e, wanted)
        if s.path is None:
            query = f"SELECT ?this WHERE {{ {focus.members()} FILTER(!{same('?this')}) }}"
        else:
            query = (f"SELECT ?this WHERE {{ {focus.members()} MINUS "
                     f"{{ ?this {e.path(s)} ?value FILTER({same('?value')}) }} }}")
        out.append(e.direct(s, e.rows(query), SH.HasValueConstraintComponent))
    return out


def in_(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
    """sh:in (SHACL 4.8.3, other): one of the listed terms."""
    allowed = set(e.shapes.items(one(s, SH["in"])))
    return [in_python(e, lambda v: v in allowed)]
