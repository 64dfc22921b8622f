"""Validation results as the engine produces them, before they become a report graph."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Literal
from rdflib.term import Node

from ccbkg.checks.fastshacl.model import Shape

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(frozen=True, eq=False)
class Result:
    """One validation result; `origin` is the focus node of the shape that collected it."""

    focus: Term
    shape: Shape
    component: Node
    origin: Term
    value: Term | None = None
    path: Node | Term | None = None
    constraint: Node | None = None
    bindings: tuple[tuple[str, Term], ...] | None = None
    details: tuple[Result, ...] = field(default_factory=tuple)
    extra_messages: tuple[Literal, ...] = ()

    @property
    def severity(self) -> Node:
        """The severity of the shape that produced the result."""
        return self.shape.severity


@dataclass
class Outcome:
    """The results of a shape over a focus set and the focus nodes that do not conform."""

    results: list[Result]
    nonconforming: set[Term]
