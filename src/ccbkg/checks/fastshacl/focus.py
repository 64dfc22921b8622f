"""Focus sets: the nodes a shape validates, written as SPARQL patterns over the data.

Inserting into a pyoxigraph store costs several microseconds a quad, so sets are kept as the
patterns that select them (a class and its subclasses, the values of a path from another set)
and joined into each query. The sets a SPARQL target selects, which are costly to compute
and used by many queries, are kept in a scratch named graph of the store, and so are the
value nodes of shapes nested `engine.KEPT_DEPTH` deep, whose patterns would otherwise nest
one in another.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from itertools import count

_NS = "urn:ccbkg:fastshacl:"
ANCHOR = f"<{_NS}set>"
MEMBER = f"<{_NS}member>"
_names = count()


def fresh(stem: str = "v") -> str:
    """A variable name no other part of a query uses (without the ?)."""
    return f"_{stem}{next(_names)}"


class FocusSet(ABC):
    """A set of nodes, with `size` exact or an upper bound (0 only when surely empty), and
    `depth`, how many paths from a kept set its pattern follows."""

    size: int
    depth: int = 0

    @abstractmethod
    def members(self, var: str = "this") -> str:
        """A group graph pattern binding ?var to each member once (and no other variable)."""

    @abstractmethod
    def probe(self, var: str = "this") -> str | None:
        """A pattern that matches when the bound ?var is a member, for use inside EXISTS;
        None when the set has no cheap one (then it is joined through `members`)."""


@dataclass
class StoredSet(FocusSet):
    """Members kept in a scratch named graph of the store."""

    graph: str
    size: int

    def members(self, var: str = "this") -> str:
        return f"GRAPH <{self.graph}> {{ {ANCHOR} {MEMBER} ?{var} }}"

    def probe(self, var: str = "this") -> str:
        return self.members(var)


@dataclass
class PatternSet(FocusSet):
    """Members selected by patterns written for a variable name: `select` binds it to each
    member (with `distinct`, once and with no helper variable), `test` matches a bound one."""

    select: Callable[[str], str]
    test: Callable[[str], str] | None
    size: int
    distinct: bool
    depth: int = 0

    def members(self, var: str = "this") -> str:
        if self.distinct:
            return self.select(var)
        return f"{{ SELECT DISTINCT ?{var} WHERE {{ {self.select(var)} }} }}"

    def probe(self, var: str = "this") -> str | None:
        return self.test(var) if self.test is not None else None
