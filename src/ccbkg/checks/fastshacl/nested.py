"""The constraint components that take other shapes or compare paths: sh:node, sh:property,
the logical ones, the qualified counts, sh:closed, the property pair comparisons and sh:sparql.

Nested shapes are validated once for the set of all value nodes, not once per value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from ccbkg.checks.fastshacl import inline, sparql
from ccbkg.checks.fastshacl.batch import Batch
from ccbkg.checks.fastshacl.errors import Unsupported
from ccbkg.checks.fastshacl.focus import FocusSet, fresh
from ccbkg.checks.fastshacl.model import Shape
from ccbkg.checks.fastshacl.params import const, one, optional_integer
from ccbkg.checks.fastshacl.paths import exists
from ccbkg.checks.fastshacl.results import Outcome, Result, Term
from ccbkg.checks.fastshacl.store import SURROGATE
from ccbkg.core.terms import to_oxigraph

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.validator import Validator

Handler = Callable[["Validator", Shape, FocusSet, Batch], list[Outcome]]


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


def _nested_nonconforming(e: Validator, node: Node, values: FocusSet) -> set[Term]:
    return e.validate(e.shapes.shape(node), values).nonconforming


def logical(parameter: URIRef) -> Handler:
    """sh:not, sh:and, sh:or, sh:xone (SHACL 4.6.1, 4.6.2, 4.6.3, 4.6.4, logical): the value
    nodes' conformance to the member shapes, counted."""
    component = {SH["not"]: SH.NotConstraintComponent, SH["and"]: SH.AndConstraintComponent,
                 SH["or"]: SH.OrConstraintComponent, SH.xone: SH.XoneConstraintComponent}[parameter]

    def handler(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
        values = e.values(s, focus)
        out = []
        for operand in s.values(parameter):
            if parameter == SH["not"]:
                members = [operand]
            elif parameter == SH.xone:
                members = e.shapes.items(operand)
            else:
                members = list(set(e.shapes.items(operand)))
            bad = inline.violation(e, parameter, members)
            if bad is not None:
                out.append(batch.values(s, component, bad("?value")))
                continue
            failing = [_nested_nonconforming(e, m, values) for m in members]
            if parameter == SH["or"] and failing and not set.intersection(*failing):
                continue
            if parameter == SH["and"] and not set().union(*failing):
                continue

            def violates(t: Term, failing: list[set[Term]] = failing) -> bool:
                conforming = sum(1 for f in failing if t not in f)
                if parameter == SH["not"]:
                    return conforming == 1
                if parameter == SH["and"]:
                    return conforming < len(failing)
                if parameter == SH["or"]:
                    return conforming == 0
                return conforming != 1

            fn = e.function(violates, cache=False)
            out.append(batch.values(s, component, f"{fn}(?value)"))
        return out
    return handler


def node(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    """sh:node (SHACL 4.7.1, shape-based): every value conforms to the node shape."""
    values = e.values(s, focus)
    out = []
    for target in _shapes(e, s, SH.node, paths=False):
        by_origin, pairs = _touched(e, s, focus, e.validate(target, values))
        if not pairs:
            continue
        results = [Result(focus=f, shape=s, component=SH.NodeConstraintComponent, origin=f,
                          value=v, details=tuple(by_origin.get(v, [])))
                   for f, v in pairs]
        out.append(Outcome(results, {r.origin for r in results}))
    return out


def property_(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    """sh:property (SHACL 4.7.2, shape-based): the values are validated against the property
    shape; its results are the parent's."""
    values = e.values(s, focus)
    children = list(_shapes(e, s, SH.property, paths=True))
    out = []
    for nested in e.validate_all(children, values):
        if s.path is None:
            out.append(nested)
            continue
        by_origin, pairs = _touched(e, s, focus, nested)
        if not pairs:
            continue
        results: list[Result] = []
        nonconforming: set[Term] = set()
        for f, v in pairs:
            results.extend(replace(r, origin=f) for r in by_origin.get(v, []))
            if v in nested.nonconforming:
                nonconforming.add(f)
        out.append(Outcome(results, nonconforming))
    return out


def _shapes(e: Validator, s: Shape, parameter: URIRef, *, paths: bool) -> Iterator[Shape]:
    """The shapes a parameter names, which must (or must not) have a path."""
    for node in s.values(parameter):
        shape = e.shapes.shape(node)
        if shape.is_property != paths:
            raise Unsupported(f"{parameter.n3()} points to a shape {'without' if paths else 'with'}"
                              " sh:path")
        yield shape


def _touched(e: Validator, s: Shape, focus: FocusSet, nested: Outcome,
             ) -> tuple[dict[Term, list[Result]], list[tuple[Term, Term]]]:
    """The results of a nested validation of the value nodes by value node, and the (focus,
    value) pairs whose value has results or does not conform."""
    by_origin: dict[Term, list[Result]] = defaultdict(list)
    for r in nested.results:
        by_origin[r.origin].append(r)
    touched = nested.nonconforming | set(by_origin)
    if not touched:
        return by_origin, []
    query = (f"SELECT ?this ?value WHERE {{ {e.value_pattern(s, focus)} "
             f"FILTER({e.member(touched)}(?value)) }}")
    return by_origin, [(f, v) for f, v in e.rows(query, "value") if v is not None]


def qualified(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    """sh:qualifiedValueShape with sh:qualifiedMinCount / sh:qualifiedMaxCount and
    sh:qualifiedValueShapesDisjoint (SHACL 4.7.3, shape-based)."""
    if s.path is None:
        return []  # pyshacl ignores sh:qualifiedValueShape on node shapes
    low = optional_integer(s, SH.qualifiedMinCount)
    high = optional_integer(s, SH.qualifiedMaxCount)
    if low is None and high is None:
        raise Unsupported("sh:qualifiedValueShape without a count")
    disjoint = any(isinstance(d, Literal) and d.value is True
                   for d in s.values(SH.qualifiedValueShapesDisjoint))
    values = e.values(s, focus)
    out = []
    for q in s.values(SH.qualifiedValueShape):
        siblings = _siblings(e, s, q) if disjoint else []
        qualifies = _qualifies(e, q, siblings)
        if qualifies is not None and (low or 0) <= 1 and (high is None or high <= 1):
            checks = _qualified_checks(e, s, batch, qualifies, low, high)
            if checks is not None:
                out += checks
                continue
        if qualifies is not None:
            test = f"FILTER({qualifies('?value')})"
        else:
            failing = _nested_nonconforming(e, q, values)
            sets = [_nested_nonconforming(e, sib, values) for sib in siblings]
            if failing or sets:
                def qualified(t: Term, f: set[Term] = failing, sb: list[set[Term]] = sets) -> bool:
                    return t not in f and all(t in x for x in sb)

                test = f"FILTER({e.function(qualified, cache=False)}(?value))"
            else:
                test = ""
        counted = "COUNT(DISTINCT ?value)"
        conditions = [f"{counted} < {low}"] if low is not None else []
        conditions += [f"{counted} > {high}"] if high is not None else []
        query = (f"SELECT ?this ({counted} AS ?n) WHERE {{ {focus.members()} "
                 f"OPTIONAL {{ ?this {e.path(s)} ?value {test} }} }} "
                 f"GROUP BY ?this HAVING ({' || '.join(conditions)})")
        results = []
        for row in e.select(query):
            n = int(row["n"].value)
            this = row["this"]
            if high is not None and n > high:
                results.append(Result(focus=this, shape=s, origin=this,
                                      component=SH.QualifiedMaxCountConstraintComponent))
            if low is not None and n < low:
                results.append(Result(focus=this, shape=s, origin=this,
                                      component=SH.QualifiedMinCountConstraintComponent))
        out.append(Outcome(results, {r.origin for r in results}))
    return out


def _qualifies(e: Validator, q: Node, siblings: list[Node]) -> inline.Test | None:
    """A test true when a node conforms to q and to none of the sibling shapes, or None when
    they cannot be inlined."""
    found = [inline.conformance(e, n) for n in [q, *siblings]]
    tests = [t for t in found if t is not None]
    if len(tests) < len(found):
        return None
    return lambda v: " && ".join([f"({tests[0](v)})", *(f"!({t(v)})" for t in tests[1:])])


def _qualified_checks(e: Validator, s: Shape, batch: Batch, qualifies: inline.Test,
                      low: int | None, high: int | None) -> list[Outcome] | None:
    """Counts of qualifying values of at most one as checks of each focus node: one
    qualifying value (high 0), two distinct ones (high 1), none (low 1)."""
    assert s.path is not None
    g, path = e.shapes.graph, s.path

    def some(body: inline.Test) -> str | None:
        return exists(g, path, "?this", body, lambda: "?" + fresh("q"))

    checks: list[tuple[Node, str | None]] = []
    if high == 0:
        checks.append((SH.QualifiedMaxCountConstraintComponent, some(qualifies)))
    elif high == 1:
        checks.append((SH.QualifiedMaxCountConstraintComponent, some(
            lambda a: f"({qualifies(a)}) && " + (some(
                lambda b: f"!sameTerm({a}, {b}) && ({qualifies(b)})") or "false"))))
    if low == 1:
        found = some(qualifies)
        checks.append((SH.QualifiedMinCountConstraintComponent, f"!{found}" if found else None))
    if any(bad is None for _, bad in checks):
        return None
    return [batch.every(s, c, bad) for c, bad in checks]  # type: ignore[arg-type]


def _siblings(e: Validator, s: Shape, q: Node) -> list[Node]:
    g = e.shapes.graph
    found: set[Node] = set()
    for parent in g.subjects(SH.property, s.node):
        for sibling_shape in g.objects(parent, SH.property):
            for sibling in g.objects(sibling_shape, SH.qualifiedValueShape):
                if sibling != q:
                    found.add(sibling)
    return sorted(found, key=lambda n: n.n3())


def sparql_constraint(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    """sh:sparql (SHACL 5, SPARQL-based constraints): the SELECT's solutions are results."""
    out = []
    for node in s.values(SH.sparql):
        results = sparql.evaluate(e, s, node, focus)
        out.append(Outcome(results, {r.origin for r in results}))
    return out
