"""The constraints that look at each (focus node, value node) pair, in one query for all the
shapes with the same path on the same focus nodes (the property shapes of a node shape).

Each such constraint is a SPARQL expression on ?this and ?value that is true when the pair
violates it. One query enumerates the pairs once, binds every expression and keeps the rows
where one is true; an expression that raises an error counts as false, as it would in a FILTER
of its own. With sh:minCount 1 the query enumerates the focus nodes with their values
optional, and a focus node without any comes out as a row without ?value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib.namespace import SH
from rdflib.term import Node

from ccbkg.checks.fastshacl.focus import FocusSet, fresh
from ccbkg.checks.fastshacl.model import Shape
from ccbkg.checks.fastshacl.paths import is_predicate, path_pattern
from ccbkg.checks.fastshacl.results import Outcome, Result, Term

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.validator import Validator

#: What a constraint component does for a shape: add its checks to the shape's batch (or run
#: its own queries) and return the outcomes.
Handler = Callable[["Validator", Shape, FocusSet, "Batch"], list[Outcome]]


@dataclass
class _Check:
    shape: Shape
    outcome: Outcome
    component: Node
    bad: str
    per_focus: bool
    key: str | None
    every: bool = False  # a test of the focus node alone (on ?this, not ?value)


class Batch:
    """Collects the pair constraints of shapes with one path over a focus set; `run` fills
    their outcomes."""

    def __init__(self, engine: Validator, shape: Shape, focus: FocusSet) -> None:
        self.engine = engine
        self.shape = shape  # the first shape, for the path they share
        self.focus = focus
        self._checks: list[_Check] = []
        self._missing: dict[Shape, Outcome] = {}

    def values(self, s: Shape, component: Node, bad: str) -> Outcome:
        """One result for each (focus, value) pair where `bad` is true."""
        return self._add(s, component, bad, per_focus=False, key=None)

    def foci(self, s: Shape, component: Node, bad: str, key: str | None = None) -> Outcome:
        """One result (without a value) for each focus node, or each distinct `key` of a
        focus node, with a value where `bad` is true."""
        return self._add(s, component, bad, per_focus=True, key=key)

    def every(self, s: Shape, component: Node, bad: str) -> Outcome:
        """One result for each focus node, with values or not, where `bad` (on ?this) is
        true."""
        outcome = self._add(s, component, bad, per_focus=True, key=None)
        self._checks[-1].every = True
        return outcome

    def missing(self, s: Shape) -> Outcome:
        """One sh:minCount result for each focus node without a value."""
        return self._missing.setdefault(s, Outcome([], set()))

    def _add(self, s: Shape, component: Node, bad: str, *, per_focus: bool,
             key: str | None) -> Outcome:
        check = _Check(s, Outcome([], set()), component, bad, per_focus, key)
        self._checks.append(check)
        return check.outcome

    def run(self) -> None:
        """Run the queries and fill in the outcomes. Where sh:minCount needs every focus node
        with its values (or without), one query does all; else the checks of the focus node
        alone run on the focus nodes, the others on the pairs."""
        every = [c for c in self._checks if c.every]
        pairs = [c for c in self._checks if not c.every]
        e, s = self.engine, self.shape
        if self._missing and self._checks:
            assert s.path is not None
            steps = path_pattern(e.shapes.graph, s.path, "?this", "?value",
                                 lambda: "?" + fresh("step"))
            where = f"{self.focus.members()} OPTIONAL {{ {steps} }}"
            self._run_checks(pairs, where, "BOUND(?value) && ", every)
            return
        if every:
            self._run_checks([], self.focus.members(), "", every)
        if pairs:
            self._run_checks(pairs, e.value_pattern(s, self.focus, distinct=False), "", [])
        elif self._missing:
            self._run_missing()

    def _run_missing(self) -> None:
        e, s = self.engine, self.shape
        assert s.path is not None
        f = self.focus.members()
        if is_predicate(s.path):
            query = f"SELECT ?this WHERE {{ {f} FILTER NOT EXISTS {{ ?this {e.path(s)} ?value }} }}"
        else:
            query = f"SELECT ?this WHERE {{ {f} MINUS {{ ?this {e.path(s)} ?value }} }}"
        foci = [row["this"] for row in e.select(query)]
        for shape, outcome in self._missing.items():
            self._fill(shape, outcome, foci, SH.MinCountConstraintComponent)

    def _run_checks(self, pairs: list[_Check], where: str, guard: str,
                    every: list[_Check]) -> None:
        """The checks over the rows of `where`; `guard` makes the pair checks false where
        ?value is unbound (the focus nodes without values, which sh:minCount reports)."""
        checks = pairs + every
        missing = bool(self._missing) and bool(guard)
        binds = []
        for i, c in enumerate(checks):
            binds.append(f"BIND({'' if c.every else guard}({c.bad}) AS ?b{i})")
            if c.key is not None:
                binds.append(f"BIND(({c.key}) AS ?k{i})")
        wanted = ["!BOUND(?value)"] if missing else []
        wanted += [f"?b{i}" for i in range(len(checks))]
        names = " ".join(f"?b{i}" + (f" ?k{i}" if c.key is not None else "")
                         for i, c in enumerate(checks))
        query = (f"SELECT DISTINCT ?this ?value {names} WHERE {{ {where} {' '.join(binds)} "
                 f"FILTER({' || '.join(wanted)}) }}")
        rows = [(row["this"], row["value"], [(row[f"b{i}"], row[f"k{i}"] if c.key else None)
                                             for i, c in enumerate(checks)])
                for row in self.engine.select(query)]
        if missing:
            for shape, outcome in self._missing.items():
                self._fill(shape, outcome, [t for t, v, _ in rows if v is None],
                           SH.MinCountConstraintComponent)
        for i, c in enumerate(checks):
            hits = [(t, v, flags[i][1]) for t, v, flags in rows
                    if flags[i][0] is not None and flags[i][0].value == "true"]
            if c.per_focus:
                seen = dict.fromkeys((t, k) for t, _, k in hits)
                self._fill(c.shape, c.outcome, [t for t, _ in seen], c.component)
            else:
                self._fill(c.shape, c.outcome, [t for t, _, _ in hits], c.component,
                           [v for _, v, _ in hits])

    def _fill(self, shape: Shape, outcome: Outcome, foci: list[Term], component: Node,
              values: list[Term | None] | None = None) -> None:
        for n, f in enumerate(foci):
            outcome.results.append(Result(focus=f, shape=shape, component=component,
                                          origin=f, value=values[n] if values else None))
        outcome.nonconforming.update(foci)
