"""Property pair constraint components (SHACL 4.5): sh:equals, sh:disjoint, sh:lessThan,
sh:lessThanOrEquals.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import SH, XSD
from rdflib.term import Node

from ccbkg.checks.fastshacl.batch import Batch, Handler
from ccbkg.checks.fastshacl.errors import Unsupported
from ccbkg.checks.fastshacl.focus import FocusSet, fresh
from ccbkg.checks.fastshacl.model import Shape
from ccbkg.checks.fastshacl.params import const
from ccbkg.checks.fastshacl.paths import exists
from ccbkg.checks.fastshacl.results import Outcome, Term
from ccbkg.checks.fastshacl.store import SURROGATE
from ccbkg.core.terms import to_oxigraph

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.validator import Validator


def _pairs(e: Validator, s: Shape, focus: FocusSet, only: str) -> dict[Term, set[Node]]:
    """Each focus node that passes the filter `only` with its value nodes, as rdflib terms."""
    found: dict[Term, set[Node]] = defaultdict(set)
    query = f"SELECT ?this ?value WHERE {{ {e.value_pattern(s, focus)} FILTER({only}) }}"
    for this, value in e.rows(query, "value"):
        assert value is not None
        found[this].add(e.rdf(value))
    return found


def _objects(e: Validator, focus: FocusSet, predicate: Node, only: str) -> dict[Term, set[Node]]:
    found: dict[Term, set[Node]] = defaultdict(set)
    query = (f"SELECT ?this ?value WHERE {{ {focus.members()} ?this {const(predicate)} ?value "
             f"FILTER({only}) }}")
    for this, value in e.rows(query, "value"):
        assert value is not None
        found[this].add(e.rdf(value))
    return found


def pair_constraint(parameter: URIRef) -> Handler:
    """sh:equals, sh:disjoint, sh:lessThan, sh:lessThanOrEquals (SHACL 4.5.1, 4.5.2, 4.5.3,
    4.5.4, property pair) with pyshacl's comparisons in Python, for the focus nodes a query
    finds suspect (all others surely pass)."""
    component = {SH.equals: SH.EqualsConstraintComponent,
                 SH.disjoint: SH.DisjointConstraintComponent,
                 SH.lessThan: SH.LessThanConstraintComponent,
                 SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent}[parameter]

    def handler(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
        if parameter in (SH.lessThan, SH.lessThanOrEquals) and s.path is None:
            raise Unsupported(f"{parameter.n3()} on a node shape")
        out = []
        for other in s.values(parameter):
            if not isinstance(other, URIRef):
                raise Unsupported(f"{parameter.n3()} needs an IRI")
            suspects = {row["this"] for row in e.select(_suspects(e, s, focus, parameter, other))}
            if not suspects:
                out.append(Outcome([], set()))
                continue
            only = f"{e.member(suspects)}(?this)"
            values, compared = _pairs(e, s, focus, only), _objects(e, focus, other, only)
            found: list[tuple[Term, Term | None]] = []
            foci = set(values) | set(compared) if parameter == SH.equals else set(values)
            for f in foci:
                mine, theirs = values.get(f, set()), compared.get(f, set())
                if parameter == SH.equals:
                    bad = list(mine - theirs) + list(theirs - mine)
                elif parameter == SH.disjoint:
                    bad = list(mine & theirs)
                else:
                    bad = _not_less(mine, theirs, strict=parameter == SH.lessThan)
                found.extend((f, to_oxigraph(b)) for b in bad)
            out.append(e.direct(s, found, component))
        return out
    return handler


def _suspects(e: Validator, s: Shape, focus: FocusSet, parameter: URIRef, other: URIRef) -> str:
    """A query for the focus nodes that may fail a pair constraint: a value and an object of
    `other` that are not surely in order (non-negative integers compared in SPARQL), that may
    be equal (the same term, or literals of the same lexical form), or a value or object
    without the same term on the other side."""
    values = e.value_pattern(s, focus)
    if parameter in (SH.lessThan, SH.lessThanOrEquals):
        types = ", ".join(f"<{t}>" for d in (XSD.integer, XSD.nonNegativeInteger)
                          for t in (d, SURROGATE + d))
        def number(v: str) -> str:
            return f'isLiteral({v}) && datatype({v}) IN ({types}) && REGEX(STR({v}), "^[0-9]+$")'
        op = "<" if parameter == SH.lessThan else "<="
        ordered = (f"{number('?value')} && {number('?other')} && "
                   f"<{XSD.integer}>(STR(?value)) {op} <{XSD.integer}>(STR(?other))")
        return (f"SELECT DISTINCT ?this WHERE {{ {values} ?this <{other}> ?other "
                f"FILTER(!COALESCE({ordered}, false)) }}")
    if parameter == SH.disjoint:
        return (f"SELECT DISTINCT ?this WHERE {{ {values} ?this <{other}> ?other FILTER("
                f"sameTerm(?value, ?other) || (isLiteral(?value) && isLiteral(?other) && "
                f"STR(?value) = STR(?other))) }}")
    assert s.path is not None or parameter == SH.equals
    among = exists(e.shapes.graph, s.path, "?this", lambda v: f"sameTerm({v}, ?other)",
                   lambda: "?" + fresh("v")) if s.path is not None else "sameTerm(?this, ?other)"
    if among is None:
        return f"SELECT DISTINCT ?this WHERE {{ {focus.members()} }}"
    return (f"SELECT DISTINCT ?this WHERE {{ {{ {values} FILTER NOT EXISTS {{ ?this <{other}> "
            f"?value }} }} UNION {{ {focus.members()} ?this <{other}> ?other "
            f"FILTER(!{among}) }} }}")


def _not_less(mine: set[Node], theirs: set[Node], *, strict: bool) -> list[Node]:
    """pyshacl's lessThan / lessThanOrEquals: one entry per failing (value, other) pair."""
    bad: list[Node] = []
    for v in mine:
        vv, v_str = _comparable(v)
        for o in theirs:
            oo, o_str = _comparable(o)
            if v_str != o_str:
                bad.append(v)
                continue
            try:
                less = vv < oo if strict else vv <= oo  # type: ignore[operator]
            except TypeError as exc:
                raise Unsupported(f"pyshacl cannot compare {v.n3()} with {o.n3()}") from exc
            if not less:
                bad.append(v)
    return bad


def _comparable(n: Node) -> tuple[object, bool]:
    """A node as pyshacl's sh:lessThan compares it, and whether that is a string."""
    if isinstance(n, BNode):
        raise Unsupported("sh:lessThan on a blank node")
    if isinstance(n, URIRef):
        return str(n), True
    if isinstance(n, Literal) and isinstance(n.value, str):
        return n.value, True
    return n, False
