"""The constraints of a shape's own focus and value nodes, as checks of its `Batch`.

Each handler adds its tests to the shape's batch (one query for all of them) and returns the
outcomes the batch fills in: the value tests of `values`, the counts, sh:uniqueLang and
sh:hasValue. `HANDLERS` lists every component in the order results are reported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.namespace import SH

from ccbkg.checks.fastshacl import nested, values
from ccbkg.checks.fastshacl.batch import Batch
from ccbkg.checks.fastshacl.errors import Unsupported
from ccbkg.checks.fastshacl.focus import FocusSet, fresh
from ccbkg.checks.fastshacl.model import Shape
from ccbkg.checks.fastshacl.params import integer, one
from ccbkg.checks.fastshacl.paths import exists
from ccbkg.checks.fastshacl.results import Outcome

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.validator import Validator

Handler = Callable[["Validator", Shape, FocusSet, Batch], list[Outcome]]


def _values(parameter: URIRef) -> Handler:
    """A handler that adds the parameter's value tests to the batch."""
    def handler(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
        component = values.COMPONENTS[parameter]
        return [batch.values(s, component, bad("?value")) for bad in values.tests(e, s, parameter)]
    return handler


def _min_count(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
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


def _max_count(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    """sh:maxCount (SHACL 4.2.2, cardinality): more than n distinct values; for n = 0 and 1,
    a value (other than this one) exists."""
    n = integer(s, SH.maxCount)
    if s.path is None:
        raise Unsupported("sh:maxCount on a node shape")
    if n == 0:
        return [batch.foci(s, SH.MaxCountConstraintComponent, "true")]
    other = _other_value(e, s, lambda o: f"!sameTerm({o}, ?value)")
    if n == 1 and other is not None:
        return [batch.foci(s, SH.MaxCountConstraintComponent, other)]
    query = (f"SELECT ?this WHERE {{ {e.value_pattern(s, focus)} }} GROUP BY ?this "
             f"HAVING (COUNT(DISTINCT ?value) > {n})")
    return [e.direct(s, e.rows(query), SH.MaxCountConstraintComponent)]


def _other_value(e: Validator, s: Shape, body: Callable[[str], str]) -> str | None:
    """An expression true when a value of ?this makes body true (None for repeating paths)."""
    assert s.path is not None
    return exists(e.shapes.graph, s.path, "?this", body, lambda: "?" + fresh("other"))


def _has_value(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    """sh:hasValue (SHACL 4.8.2, other): the term is among the values."""
    out = []
    for wanted in s.values(SH.hasValue):
        same = values.equal(e, wanted)
        if s.path is None:
            query = f"SELECT ?this WHERE {{ {focus.members()} FILTER(!{same('?this')}) }}"
        else:
            query = (f"SELECT ?this WHERE {{ {focus.members()} MINUS "
                     f"{{ ?this {e.path(s)} ?value FILTER({same('?value')}) }} }}")
        out.append(e.direct(s, e.rows(query), SH.HasValueConstraintComponent))
    return out


def _unique_lang(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    """sh:uniqueLang (SHACL 4.4.5, string-based): one result per focus node and language
    (lower-cased) with two or more values."""
    flag = one(s, SH.uniqueLang)
    if s.path is None:
        raise Unsupported("sh:uniqueLang on a node shape")
    if not (isinstance(flag, Literal) and flag.value is True):
        return []
    other = _other_value(e, s, lambda o: f"isLiteral({o}) && !sameTerm({o}, ?value) && "
                                         f"LCASE(lang({o})) = LCASE(lang(?value))")
    if other is not None:
        return [batch.foci(s, SH.UniqueLangConstraintComponent,
                           f'isLiteral(?value) && lang(?value) != "" && {other}',
                           key="LCASE(lang(?value))")]
    query = (f"SELECT ?this ?lang WHERE {{ {e.value_pattern(s, focus)} "
             f"FILTER(isLiteral(?value) && lang(?value) != \"\") "
             f"BIND(LCASE(lang(?value)) AS ?lang) }} "
             f"GROUP BY ?this ?lang HAVING (COUNT(DISTINCT ?value) > 1)")
    return [e.direct(s, e.rows(query), SH.UniqueLangConstraintComponent)]


HANDLERS: dict[URIRef, Handler] = {
    SH["class"]: _values(SH["class"]), SH.datatype: _values(SH.datatype),
    SH.nodeKind: _values(SH.nodeKind), SH.minCount: _min_count, SH.maxCount: _max_count,
    SH.minExclusive: _values(SH.minExclusive), SH.minInclusive: _values(SH.minInclusive),
    SH.maxExclusive: _values(SH.maxExclusive), SH.maxInclusive: _values(SH.maxInclusive),
    SH.minLength: _values(SH.minLength), SH.maxLength: _values(SH.maxLength),
    SH.pattern: _values(SH.pattern), SH.languageIn: _values(SH.languageIn),
    SH.uniqueLang: _unique_lang,
    SH.equals: nested.pair_constraint(SH.equals), SH.disjoint: nested.pair_constraint(SH.disjoint),
    SH.lessThan: nested.pair_constraint(SH.lessThan),
    SH.lessThanOrEquals: nested.pair_constraint(SH.lessThanOrEquals),
    SH["not"]: nested.logical(SH["not"]), SH["and"]: nested.logical(SH["and"]),
    SH["or"]: nested.logical(SH["or"]), SH.xone: nested.logical(SH.xone),
    SH.node: nested.node, SH.property: nested.property_, SH.qualifiedValueShape: nested.qualified,
    SH.closed: nested.closed, SH.hasValue: _has_value, SH["in"]: _values(SH["in"]),
    SH.sparql: nested.sparql_constraint,
}
