"""The constraints of one shape that look at each (focus node, value node) pair, in one query.

Each such constraint is a SPARQL expression on ?this and ?value that is true when the pair
violates it. One query enumerates the pairs once, binds every expression and keeps the rows
where one is true; an expression that raises an error counts as false, as it would in a FILTER
of its own. With sh:minCount 1 the query enumerates the focus nodes with their values
optional, and a focus node without any comes out as a row without ?value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib.namespace import SH
from rdflib.term import Node

from ccbkg.fastshacl.focus import FocusSet, fresh
from ccbkg.fastshacl.model import Shape
from ccbkg.fastshacl.paths import is_predicate, path_pattern
from ccbkg.fastshacl.results import Outcome, Result, Term

if TYPE_CHECKING:
    from ccbkg.fastshacl.engine import Engine


@dataclass
class _Check:
    outcome: Outcome
    component: Node
    bad: str
    per_focus: bool
    key: str | None
    every: bool = False


class Batch:
    """Collects the pair constraints of a shape over a focus set; `run` fills their outcomes."""

    def __init__(self, engine: Engine, shape: Shape, focus: FocusSet) -> None:
        self.engine = engine
        self.shape = shape
        self.focus = focus
        self._checks: list[_Check] = []
        self._missing: Outcome | None = None

    def values(self, component: Node, bad: str) -> Outcome:
        """One result for each (focus, value) pair where `bad` is true."""
        return self._add(component, bad, per_focus=False, key=None)

    def foci(self, component: Node, bad: str, key: str | None = None) -> Outcome:
        """One result (without a value) for each focus node, or each distinct `key` of a
        focus node, with a value where `bad` is true."""
        return self._add(component, bad, per_focus=True, key=key)

    def every(self, component: Node, bad: str) -> Outcome:
        """One result for each focus node, with values or not, where `bad` (on ?this) is
        true."""
        outcome = self._add(component, bad, per_focus=True, key=None)
        self._checks[-1].every = True
        return outcome

    def missing(self) -> Outcome:
        """One sh:minCount result for each focus node without a value."""
        if self._missing is None:
            self._missing = Outcome([], set())
        return self._missing

    def _add(self, component: Node, bad: str, *, per_focus: bool, key: str | None) -> Outcome:
        check = _Check(Outcome([], set()), component, bad, per_focus, key)
        self._checks.append(check)
        return check.outcome

    def run(self) -> None:
        """Run the query and fill in the outcomes."""
        if self._checks:
            self._run_checks()
        elif self._missing is not None:
            self._run_missing(self._missing)

    def _run_missing(self, outcome: Outcome) -> None:
        e, s = self.engine, self.shape
        assert s.path is not None
        f = self.focus.members()
        if is_predicate(s.path):
            query = f"SELECT ?this WHERE {{ {f} FILTER NOT EXISTS {{ ?this {e.path(s)} ?value }} }}"
        else:
            query = f"SELECT ?this WHERE {{ {f} MINUS {{ ?this {e.path(s)} ?value }} }}"
        foci = [row["this"] for row in e.select(query)]
        self._fill(outcome, foci, SH.MinCountConstraintComponent)

    def _run_checks(self) -> None:
        e, s = self.engine, self.shape
        wanted = []
        if self._missing is None and all(c.every for c in self._checks):
            where, guard = self.focus.members(), ""
        elif self._missing is not None or any(c.every for c in self._checks):
            assert s.path is not None
            steps = path_pattern(e.shapes.graph, s.path, "?this", "?value",
                                 lambda: "?" + fresh("step"))
            where = f"{self.focus.members()} OPTIONAL {{ {steps} }}"
            guard = "BOUND(?value) && "
            wanted += ["!BOUND(?value)"] if self._missing is not None else []
        else:
            where, guard = e.value_pattern(s, self.focus, distinct=False), ""
        binds = []
        for i, c in enumerate(self._checks):
            binds.append(f"BIND({'' if c.every else guard}({c.bad}) AS ?b{i})")
            if c.key is not None:
                binds.append(f"BIND(({c.key}) AS ?k{i})")
        wanted += [f"?b{i}" for i in range(len(self._checks))]
        names = " ".join(f"?b{i}" + (f" ?k{i}" if c.key is not None else "")
                         for i, c in enumerate(self._checks))
        query = (f"SELECT DISTINCT ?this ?value {names} WHERE {{ {where} {' '.join(binds)} "
                 f"FILTER({' || '.join(wanted)}) }}")
        rows = [(row["this"], row["value"], [(row[f"b{i}"], row[f"k{i}"] if c.key else None)
                                             for i, c in enumerate(self._checks)])
                for row in e.select(query)]
        if self._missing is not None:
            self._fill(self._missing, [t for t, v, _ in rows if v is None],
                       SH.MinCountConstraintComponent)
        for i, c in enumerate(self._checks):
            hits = [(t, v, flags[i][1]) for t, v, flags in rows
                    if flags[i][0] is not None and flags[i][0].value == "true"]
            if c.per_focus:
                seen = dict.fromkeys((t, k) for t, _, k in hits)
                self._fill(c.outcome, [t for t, _ in seen], c.component)
            else:
                self._fill(c.outcome, [t for t, _, _ in hits], c.component, [v for _, v, _ in hits])

    def _fill(self, outcome: Outcome, foci: list[Term], component: Node,
              values: list[Term | None] | None = None) -> None:
        for n, f in enumerate(foci):
            outcome.results.append(Result(focus=f, shape=self.shape, component=component,
                                          origin=f, value=values[n] if values else None))
        outcome.nonconforming.update(foci)
