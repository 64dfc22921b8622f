"""Shape-based constraint components (SHACL 4.7): sh:node, sh:property,
sh:qualifiedValueShape. Nested shapes are validated once for the set of all value nodes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ccbkg.checks.fastshacl import inline
from ccbkg.checks.fastshacl.batch import Batch
from ccbkg.checks.fastshacl.constraints.logical import nonconforming_of
from ccbkg.checks.fastshacl.errors import Unsupported
from ccbkg.checks.fastshacl.focus import FocusSet, fresh
from ccbkg.checks.fastshacl.model import Shape
from ccbkg.checks.fastshacl.params import optional_integer
from ccbkg.checks.fastshacl.paths import exists
from ccbkg.checks.fastshacl.results import Outcome, Result, Term

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.validator import Validator


def node(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    """sh:node (SHACL 4.7.1, shape-based): every value conforms to the node shape."""
    values = e.values(s, focus)
    out = []
    for target in _shapes(e, s, SH.node, paths=False):
        if e.cut(s, SH.node, target.node):
            continue
        with e.nested(s, SH.node):
            nested = e.validate(target, values)
        by_origin, pairs = _touched(e, s, focus, nested)
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
    children = [c for c in _shapes(e, s, SH.property, paths=True)
                if not e.cut(s, SH.property, c.node)]
    with e.nested(s, SH.property):
        validated = e.validate_all(children, values)
    out = []
    for nested in validated:
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
        if e.cut(s, SH.qualifiedValueShape, q):
            continue
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
            with e.nested(s, SH.qualifiedValueShape):
                failing = nonconforming_of(e, q, values)
                sets = [nonconforming_of(e, sib, values) for sib in siblings]
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
