"""What the constraint modules (`constraints/`, batch, components, inline, values, sparql)
ask of the engine, as a Protocol: they depend on this, and `engine.Engine` implements it, so
the modules sit below the engine instead of importing it back."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib.term import Node

from ccbkg.checks.fastshacl.choices import Choices
from ccbkg.checks.fastshacl.focus import FocusSet
from ccbkg.checks.fastshacl.model import Shape, ShapesGraph
from ccbkg.checks.fastshacl.results import Outcome, Term


class Validator(Protocol):
    """The validation engine as the constraint components see it (see `engine.Engine`)."""

    store: ox.Store
    shapes: ShapesGraph
    choices: Choices
    allowed: frozenset[Node]
    prefixes: dict[str, str]
    queries: int

    def rdf(self, term: Term) -> Node: ...

    def select(self, query: str, **options: Any) -> list[ox.QuerySolution]: ...

    def function(self, test: Callable[[Term], bool], cache: bool = True) -> str: ...

    def regex_ok(self, pattern: str) -> bool: ...

    def member(self, nodes: set[Term]) -> str: ...

    def shared(self, select: str, var: str, prefixes: dict[str, str]) -> FocusSet: ...

    def members(self, focus: FocusSet) -> list[Term]: ...

    def subclasses(self, cls: Node) -> list[str]: ...

    def path(self, shape: Shape) -> str: ...

    def value_pattern(self, shape: Shape, focus: FocusSet, this: str = "this",
                      value: str = "value", *, distinct: bool = True) -> str: ...

    def values(self, shape: Shape, focus: FocusSet) -> FocusSet: ...

    def validate(self, shape: Shape, focus: FocusSet) -> Outcome: ...

    def nested(self, shape: Shape, parameter: Node) -> AbstractContextManager[None]: ...

    def cut(self, shape: Shape, parameter: Node, other: Node) -> bool: ...

    def validate_all(self, shapes: list[Shape], focus: FocusSet) -> list[Outcome]: ...

    def direct(self, shape: Shape, rows: Iterable[tuple[Term, Term | None]],
               component: Node) -> Outcome: ...

    def rows(self, query: str, *names: str) -> list[tuple[Term, Term | None]]: ...

    def text(self, term: Term) -> str | None: ...
