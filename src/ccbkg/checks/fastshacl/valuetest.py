"""Value tests, the pieces the constraint components build SPARQL from: `Bad` (an
expression true when the node in a variable violates a constraint), a term equal to another
as pyshacl compares them, a test run in Python, and "another value exists".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rdflib.term import Node

from ccbkg.checks.fastshacl.focus import fresh
from ccbkg.checks.fastshacl.model import Shape
from ccbkg.checks.fastshacl.paths import exists

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.validator import Validator


Bad = Callable[[str], str]


def equal(e: Validator, wanted: Node) -> Bad:
    """A test that is true when the node is the given term (rdflib's equality, as pyshacl's
    sh:hasValue)."""
    fn = e.function(lambda t: e.rdf(t) == wanted)
    return lambda v: f"{fn}({v})"


def in_python(e: Validator, ok: Callable[[Node], bool]) -> Bad:
    """A test that is true when a Python test on the node's rdflib term fails."""
    fn = e.function(lambda t: not ok(e.rdf(t)))
    return lambda v: f"{fn}({v})"


def other_value(e: Validator, s: Shape, body: Callable[[str], str]) -> str | None:
    """An expression true when a value of ?this makes body true (None for repeating paths)."""
    assert s.path is not None
    return exists(e.shapes.graph, s.path, "?this", body, lambda: "?" + fresh("other"))
