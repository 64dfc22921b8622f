"""Conformance to a small shape as one SPARQL expression, instead of a nested validation.

sh:not, sh:and, sh:or, sh:xone and sh:qualifiedValueShape ask whether value nodes conform to
other shapes. When such a shape only has value tests (see `values`), counts of at most one,
sh:hasValue and other shapes of the same kind, along paths that do not repeat, conformance is
an expression on the node, and the parent's constraint is one more test in its batch: no
query over the value nodes, no set of them in Python. Each test is made a plain boolean (an
error counts as passing, as it does in a FILTER of its own). A node conforms when no
constraint gives it a result; that is the engine's rule only when no severity in the shape is
allowed, so other shapes are not inlined.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rdflib import URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ccbkg.checks.fastshacl import values
from ccbkg.checks.fastshacl.focus import fresh
from ccbkg.checks.fastshacl.model import Shape
from ccbkg.checks.fastshacl.params import integer
from ccbkg.checks.fastshacl.paths import exists
from ccbkg.checks.fastshacl.valuetest import equal

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.validator import Validator

Test = Callable[[str], str]
_DEPTH = 6
_LOGICAL = (SH["not"], SH["and"], SH["or"], SH.xone)


def conformance(e: Validator, node: Node, depth: int = 0) -> Test | None:
    """A test true when a node conforms to the shape at `node`, or None."""
    s = e.shapes.shape(node)
    if s.deactivated:
        return lambda v: "true"
    if depth > _DEPTH or s.severity in e.allowed or node in e.shapes.recursive:
        return None
    return _focus(e, s, depth) if s.path is not None else _node(e, s, depth)


def violation(e: Validator, parameter: Node, members: list[Node], depth: int = 0) -> Test | None:
    """A test true when a node violates sh:not, sh:and, sh:or or sh:xone of the members."""
    found = [conformance(e, m, depth + 1) for m in members]
    tests = [t for t in found if t is not None]
    if len(tests) < len(found):
        return None
    if not tests:
        return lambda v: "false" if parameter == SH["and"] else "true"
    if parameter == SH["not"]:
        return lambda v: f"({tests[0](v)})"
    if parameter == SH.xone:
        return lambda v: "(" + " + ".join(f"IF({t(v)}, 1, 0)" for t in tests) + ") != 1"
    joiner = " && " if parameter == SH["and"] else " || "
    return lambda v: "!(" + joiner.join(f"({t(v)})" for t in tests) + ")"


def _node(e: Validator, s: Shape, depth: int) -> Test | None:
    """The constraints of a node shape on the node itself."""
    tests: list[Test] = []
    for parameter in s.params:
        if parameter == SH.hasValue:
            tests += [equal(e, w) for w in s.values(SH.hasValue)]
            continue
        found = _value(e, s, parameter, depth)
        if found is None:
            return None
        tests += found
    return _all(tests)


def _focus(e: Validator, s: Shape, depth: int) -> Test | None:
    """The constraints of a property shape on a focus node: its counts, sh:hasValue, and
    the tests of each value node."""
    g, path = e.shapes.graph, s.path
    if exists(g, path, "?x", None, _var) is None:  # type: ignore[arg-type]
        return None

    def some(x: str, body: Test | None) -> str:
        return exists(g, path, x, body, _var) or "false"  # type: ignore[arg-type]

    tests: list[Test] = []
    on_values: list[Test] = []
    for parameter in s.params:
        if parameter in (SH.minCount, SH.maxCount):
            n = integer(s, parameter)
            if n > 1:
                return None
            if parameter == SH.minCount and n == 1:
                tests.append(lambda x: some(x, None))
            elif parameter == SH.maxCount and n == 0:
                tests.append(lambda x: f"!{some(x, None)}")
            elif parameter == SH.maxCount:
                tests.append(lambda x: "!" + some(x, lambda a: some(
                    x, lambda b: f"!sameTerm({a}, {b})")))
        elif parameter == SH.hasValue:
            tests += [_with(some, equal(e, w)) for w in s.values(SH.hasValue)]
        else:
            found = _value(e, s, parameter, depth)
            if found is None:
                return None
            on_values += found
    if on_values:
        every = _all(on_values)
        tests.append(lambda x: "!" + some(x, lambda v: f"!({every(v)})"))
    return _all(tests)


def _value(e: Validator, s: Shape, parameter: URIRef, depth: int) -> list[Test] | None:
    """The constraints that test one node (the focus of a node shape, or a value)."""
    if parameter == SH.flags:
        return []
    if parameter in values.COMPONENTS:
        return [_passes(bad) for bad in values.tests(e, s, parameter)]
    if parameter in (SH.node, SH.property):
        out = []
        for node in s.values(parameter):
            test = conformance(e, node, depth + 1)
            if test is None or (e.shapes.shape(node).path is not None) != (
                    parameter == SH.property):
                return None
            out.append(test)
        return out
    if parameter in _LOGICAL:
        out = []
        for operand in s.values(parameter):
            members = [operand] if parameter == SH["not"] else (
                e.shapes.items(operand) if parameter == SH.xone
                else list(set(e.shapes.items(operand))))
            bad = violation(e, parameter, members, depth)
            if bad is None:
                return None
            out.append(_not(bad))
        return out
    return None


def _with(some: Callable[[str, Test | None], str], body: Test) -> Test:
    return lambda x: some(x, body)


def _passes(bad: Test) -> Test:
    """A value test as a plain boolean that an error makes true."""
    return lambda v: f"!COALESCE({bad(v)}, false)"


def _not(test: Test) -> Test:
    return lambda v: f"!({test(v)})"


def _all(tests: list[Test]) -> Test:
    return lambda v: " && ".join(f"({t(v)})" for t in tests) or "true"


def _var() -> str:
    return "?" + fresh("v")
