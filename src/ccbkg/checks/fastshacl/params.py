"""Reading constraint parameters of a shape, refusing what this engine cannot take."""

from __future__ import annotations

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from ccbkg.checks.fastshacl.errors import Unsupported
from ccbkg.checks.fastshacl.model import Shape


def const(node: Node) -> str:
    """A shapes-graph term as a SPARQL constant (blank nodes cannot be one)."""
    if isinstance(node, BNode):
        raise Unsupported("a blank node where a SPARQL constant is needed")
    return node.n3()


def one(s: Shape, parameter: URIRef) -> Node:
    """The single value of a parameter."""
    found = s.values(parameter)
    if len(found) != 1:
        raise Unsupported(f"{parameter.n3()} needs exactly one value on {s.node.n3()}")
    return found[0]


def integer(s: Shape, parameter: URIRef) -> int:
    """The value of a parameter that must be a non-negative integer."""
    value = one(s, parameter)
    if not (isinstance(value, Literal) and isinstance(value.value, int)) or value.value < 0:
        raise Unsupported(f"{parameter.n3()} needs a non-negative integer")
    return value.value


def optional_integer(s: Shape, parameter: URIRef) -> int | None:
    """The value of an optional non-negative integer parameter."""
    return integer(s, parameter) if s.values(parameter) else None
