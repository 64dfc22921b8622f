"""Set-based SHACL validation on a pyoxigraph store.

Each shape's focus nodes are a pattern joined into its queries (see `focus`). The constraints
that test each value node, and the counts, share one query per shape (see `batch` and
`components`); the others take a query each (see `nested`). Queries return only violations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import count
from threading import Lock, local
from typing import Any

import pyoxigraph as ox
from rdflib import Literal
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from ccbkg.checks.fastshacl import sparql
from ccbkg.checks.fastshacl.batch import Batch
from ccbkg.checks.fastshacl.choices import PYSHACL, Choices
from ccbkg.checks.fastshacl.components import HANDLERS
from ccbkg.checks.fastshacl.errors import ShapesError, Unsupported
from ccbkg.checks.fastshacl.focus import ANCHOR, MEMBER, FocusSet, PatternSet, StoredSet, fresh
from ccbkg.checks.fastshacl.model import Shape, ShapesGraph
from ccbkg.checks.fastshacl.params import const
from ccbkg.checks.fastshacl.paths import is_predicate, path_pattern, predicates, sparql_path
from ccbkg.checks.fastshacl.results import Outcome, Result, Term
from ccbkg.checks.fastshacl.store import NS, SURROGATE, rewritten
from ccbkg.core import netguard
from ccbkg.core.terms import RDF_LANG_STRING, XSD_STRING, to_oxigraph, to_rdflib

TRUE = ox.Literal("true", datatype=ox.NamedNode(str(XSD.boolean)))
FALSE = ox.Literal("false", datatype=ox.NamedNode(str(XSD.boolean)))
ALLOWED_WITH_WARNINGS = frozenset({SH.Info, SH.Warning})
#: The value nodes of nested shapes are kept as patterns joined into each query, until this
#: many paths deep: then they are kept in the store, so that the queries of deeply nested or
#: recursive shapes (shacl-shacl's lists of shapes of lists) do not grow with the depth.
KEPT_DEPTH = 2
#: Shapes nested deeper than this on the data (recursive shapes, see `Choices.recursion_cut`)
#: are left to pyshacl, which stops with an error at the same depth (its
#: max_validation_depth); shacl-shacl on a shapes graph nests 12 deep.
MAX_NESTING = 15


class Engine:
    """Validates the data in a store against a shapes graph."""

    def __init__(self, store: ox.Store, shapes: ShapesGraph, *, allowed: frozenset[Node],
                 restore: dict[Term, Term] | None = None,
                 prefixes: dict[str, str] | None = None, choices: Choices = PYSHACL) -> None:
        self.store = store
        self.shapes = shapes
        self.choices = choices
        self.allowed = allowed
        self.restored = restore or {}
        self.prefixes = prefixes or {}
        self.functions: dict[ox.NamedNode, Callable[..., ox.Literal | None]] = {}
        self._ids = count()
        self._values: dict[tuple[int, int], FocusSet] = {}
        self._subclasses: dict[str, list[str]] = {}
        self._counts: dict[Node, int] = {}
        self._sizes: dict[str, int] = {}
        self._regexes: dict[str, bool] = {}
        self._shared: dict[tuple[str, tuple[tuple[str, str], ...]], FocusSet] = {}
        self._locks: dict[tuple[str, tuple[tuple[str, str], ...]], Lock] = {}
        self._nesting = local()
        self.queries = 0

    # ------------------------------------------------------------------ running

    def restore(self, term: Term) -> Term:
        """The data's own term for a term of the store (see `load_store`)."""
        return self.restored.get(term, term)

    def stored(self, node: Node) -> str:
        """A shapes-graph term as SPARQL text for the term the store holds for it."""
        term = to_oxigraph(node)
        if isinstance(term, ox.Literal) and term.datatype.value not in (XSD_STRING,
                                                                        RDF_LANG_STRING):
            alias = ox.Literal(term.value, datatype=ox.NamedNode(SURROGATE + term.datatype.value))
            if alias in self.restored or rewritten([term]):
                self.restored[alias] = term
                return str(alias)
        return const(node)

    def rdf(self, term: Term) -> Node:
        """The rdflib term pyshacl would see for a term of the store."""
        return to_rdflib(self.restored.get(term, term))

    def run(self, threads: int = 1) -> tuple[bool, list[Result]]:
        """Validate every shape that has targets; returns (conforms, results).

        With threads > 1 the shapes are validated side by side (pyoxigraph evaluates queries
        without holding Python's GIL), those with SPARQL targets (the costliest) first; the
        results keep the order of the shapes.
        """
        todo = [s for s in self.shapes.shapes if s.has_targets and not s.deactivated]
        first = sorted(range(len(todo)), key=lambda n: not todo[n].sparql_targets)

        def one(n: int) -> Outcome:
            try:
                return self.validate(todo[n], self.targets(todo[n]))
            except re.error as exc:  # a sh:pattern that is no regular expression
                raise ShapesError(f"a sh:pattern is not a regular expression ({exc})",
                                  todo[n].node) from None
            except ValueError as exc:  # rdflib: a list that loops back on itself (a path)
                raise ShapesError(str(exc), todo[n].node) from None

        if threads > 1:
            with ThreadPoolExecutor(threads) as pool:
                done = dict(zip(first, pool.map(one, first), strict=True))
        else:
            done = {n: one(n) for n in first}
        outcomes = [done[n] for n in range(len(todo))]
        results = [r for o in outcomes for r in o.results]
        return not any(o.nonconforming for o in outcomes), results

    def select(self, query: str, **options: Any) -> list[ox.QuerySolution]:
        """The rows of a SELECT query run with the engine's Python functions available.

        The rows are read at once (`netguard.select`): the engine validates shapes in threads,
        and pyoxigraph's results object may only be freed by the thread that made it."""
        self.queries += 1
        return netguard.select(self.store, query, custom_functions=self.functions,
                               **options)[1]

    def function(self, test: Callable[[Term], bool], cache: bool = True) -> str:
        """Register a Python test as a SPARQL function; returns its name in SPARQL."""
        name = ox.NamedNode(f"{NS}fn/{next(self._ids)}")
        memo: dict[Term, ox.Literal] = {}

        def call(term: Term) -> ox.Literal:
            if cache:
                hit = memo.get(term)
                if hit is not None:
                    return hit
            out = TRUE if test(term) else FALSE
            if cache:
                memo[term] = out
            return out

        self.functions[name] = call
        return f"<{name.value}>"

    def regex_ok(self, pattern: str) -> bool:
        """Whether pyoxigraph's REGEX takes a pattern (it gives an error, not false, if not)."""
        if pattern not in self._regexes:
            row = self.select(f"SELECT (REGEX(\"\", {ox.Literal(pattern)}) AS ?ok) {{}}")[0]
            self._regexes[pattern] = row["ok"] is not None
        return self._regexes[pattern]

    def member(self, nodes: set[Term]) -> str:
        """A SPARQL function name that tests membership in a Python set."""
        return self.function(lambda t: t in nodes, cache=False)

    # ------------------------------------------------------------------ focus sets

    def materialize(self, where: str, var: str = "this",
                    prefixes: dict[str, str] | None = None) -> StoredSet:
        """Keep the distinct bindings of ?var in `where` in a scratch graph."""
        graph = f"{NS}set/{next(self._ids)}"
        head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (prefixes or {}).items())
        netguard.update(self.store, f"{head}INSERT {{ GRAPH <{graph}> {{ {ANCHOR} {MEMBER} "
                                    f"?{var} }} }} WHERE {{ {where} }}")
        self.queries += 1
        stored = StoredSet(graph, 0)
        stored.size = self.count(stored.members())
        return stored

    def count(self, where: str) -> int:
        """How many solutions a pattern has."""
        row = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")[0]
        return int(row["n"].value)

    def shared(self, select: str, var: str, prefixes: dict[str, str]) -> FocusSet:
        """The values of ?var selected by a sub-SELECT block, computed once per run (a thread
        that needs one another thread is computing waits for it)."""
        key = (" ".join(select.split()), tuple(sorted(prefixes.items())))
        with self._locks.setdefault(key, Lock()):
            if key not in self._shared:
                self._shared[key] = self.materialize(select, var=var, prefixes=prefixes)
        return self._shared[key]

    def members(self, focus: FocusSet) -> list[Term]:
        """The focus nodes of a set."""
        return [row["this"] for row in self.select(f"SELECT ?this WHERE {{ {focus.members()} }}")]

    def targets(self, shape: Shape) -> FocusSet:
        """The focus nodes of a shape's target declarations (SHACL 2.1.3, SHACL-AF 5.1).

        A SPARQL target is computed once into a scratch graph (a target that is a single
        sub-SELECT shares the set other targets hoist from it); the other targets stay
        patterns: given nodes, a class and its subclasses, the subjects or objects of a
        predicate.
        """
        if shape.sparql_targets:
            return self._sparql_targets(shape)
        parts: list[tuple[Callable[[str], str], bool]] = []
        nodes = " ".join(sorted({self.stored(n) for n in shape.target_nodes}))
        if nodes:
            parts.append((lambda v: f"VALUES ?{v} {{ {nodes} }}", True))
        for cls in shape.target_classes:
            parts.append(self._instances(cls))
        for p in shape.target_subjects_of:
            parts.append((_triple("?{v}", const(p), "?{fresh}"), False))
        for p in shape.target_objects_of:
            parts.append((_triple("?{fresh}", const(p), "?{v}"), False))
        if not parts:
            return PatternSet(lambda v: "FILTER(false)", lambda v: "FILTER(false)", 0, True)
        if len(parts) == 1:
            where, distinct = parts[0]
        else:
            def where(v: str) -> str:
                return " UNION ".join(f"{{ {w(v)} }}" for w, _ in parts)
            distinct = False
        found = PatternSet(where, where, 0, distinct)
        key = " ".join(found.members("this").split())
        key = re.sub(r"\?_[a-z]+\d+", "?_", key)
        if key not in self._sizes:
            self._sizes[key] = self.count(found.members())
        found.size = self._sizes[key]
        return found

    def _instances(self, cls: Node) -> tuple[Callable[[str], str], bool]:
        """A pattern for the instances of a class and its subclasses, and whether it binds
        each of them once."""
        classes = self.subclasses(cls)
        if len(classes) == 1:
            return (lambda v: f"?{v} <{RDF.type}> {classes[0]} ."), True

        def where(v: str) -> str:
            c = fresh("class")
            return f"?{v} <{RDF.type}> ?{c} VALUES ?{c} {{ {' '.join(classes)} }}"
        return where, False

    def _sparql_targets(self, shape: Shape) -> FocusSet:
        parts: list[str] = []
        for node in shape.target_nodes:
            parts.append(f"VALUES ?this {{ {self.stored(node)} }}")
        for cls in shape.target_classes:
            parts.append(f"?this <{RDF.type}> ?class VALUES ?class {{ "
                         f"{' '.join(self.subclasses(cls))} }}")
        for p in shape.target_subjects_of:
            parts.append(f"?this {const(p)} ?any")
        for p in shape.target_objects_of:
            parts.append(f"?any {const(p)} ?this")
        prefixes: dict[str, str] = {}
        for target in shape.sparql_targets:
            own, body = sparql.split_prologue(target.select)
            declared = {**self.prefixes, **target.prefixes, **own}
            prefixes.update(declared)
            block = sparql.single_block(body)
            if block is not None and len(shape.sparql_targets) == 1 and not parts:
                return self.shared(block, "this", declared)
            parts.append(f"{{ {sparql.optimise_target(self, body, declared)} }}")
        where = " UNION ".join(f"{{ {p} }}" for p in parts)
        return self.materialize(where, prefixes=prefixes)

    def subclasses(self, cls: Node) -> list[str]:
        """The class and its subclasses in the data, as SPARQL terms (for VALUES)."""
        key = const(cls)
        if key not in self._subclasses:
            found = {str(row["c"]) for row in self.select(
                f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* {key} FILTER(isIRI(?c)) }}")}
            self._subclasses[key] = sorted(found | {key})
        return self._subclasses[key]

    def path(self, shape: Shape) -> str:
        """The shape's path in SPARQL syntax."""
        assert shape.path is not None
        return sparql_path(self.shapes.graph, shape.path)

    def value_pattern(self, shape: Shape, focus: FocusSet, this: str = "this",
                      value: str = "value", *, distinct: bool = True) -> str:
        """A pattern binding ?this (focus) and ?value (each value node, once unless not
        `distinct`).

        When the path's predicates have fewer triples than there are focus nodes, the triples
        come first and each is kept when its subject is a focus node; otherwise each focus
        node looks up its values.
        """
        if shape.path is None:
            return f"{focus.members(this)} BIND(?{this} AS ?{value})"
        steps = path_pattern(self.shapes.graph, shape.path, f"?{this}", f"?{value}",
                             lambda: "?" + fresh("step"))
        probe = focus.probe(this)
        if probe and self.cardinality(shape.path) < focus.size * self.steps(shape.path):
            body = f"{steps} FILTER EXISTS {{ {probe} }}"
        else:
            body = f"{focus.members(this)} {steps}"
        if is_predicate(shape.path) or not distinct:
            return body
        return f"{{ SELECT DISTINCT ?{this} ?{value} WHERE {{ {body} }} }}"

    def steps(self, path: Node) -> int:
        """How many lookups a focus node makes for the first step of a path."""
        found = predicates(self.shapes.graph, path)
        return len(found) if found else 1

    def cardinality(self, path: Node) -> int:
        """How many triples the first step of a path can use (large when it repeats)."""
        found = predicates(self.shapes.graph, path)
        if found is None:
            return 1 << 62
        total = 0
        for p in found:
            if p not in self._counts:
                row = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{p}> ?o }}")[0]
                self._counts[p] = int(row["n"].value)
            total += self._counts[p]
        return total

    def values(self, shape: Shape, focus: FocusSet) -> FocusSet:
        """The value nodes of a shape as a focus set (for nested shapes)."""
        path = shape.path
        if path is None:
            return focus
        key = (id(shape), id(focus))
        if key not in self._values:
            def select(v: str) -> str:
                return self.value_pattern(shape, focus, this=fresh("focus"), value=v)

            bound = self.cardinality(path)
            size = min(bound, focus.size * self.steps(path)) if bound else 0
            found: FocusSet = PatternSet(select, None, size, False, focus.depth + 1)
            if found.depth >= KEPT_DEPTH and size:
                found = self.materialize(found.members())
            self._values[key] = found
        return self._values[key]

    # ------------------------------------------------------------------ shapes

    def validate(self, shape: Shape, focus: FocusSet) -> Outcome:
        """Validate the focus nodes against a shape (SHACL 3.4)."""
        return self.validate_all([shape], focus)[0]

    def validate_all(self, shapes: list[Shape], focus: FocusSet) -> list[Outcome]:
        """Validate the focus nodes against each shape; the pair constraints of shapes with
        the same path share one query (see `batch`)."""
        if focus.size and len(self._path()) >= MAX_NESTING:
            raise Unsupported(f"shapes nested {MAX_NESTING} deep on the data (recursive "
                              "shapes)")
        batches: dict[str, Batch] = {}
        prepared: list[list[Outcome] | None] = []
        for shape in shapes:
            if shape.deactivated or focus.size == 0:
                prepared.append(None)
                continue
            path = self.path(shape) if shape.path is not None else ""
            batch = batches.setdefault(path, Batch(self, shape, focus))
            per_constraint: list[Outcome] = []
            for parameter, handler in HANDLERS.items():
                if parameter in shape.params:
                    per_constraint.extend(handler(self, shape, focus, batch))
            prepared.append(per_constraint)
        for batch in batches.values():
            batch.run()
        return [self._outcome(shape, found) if found is not None else Outcome([], set())
                for shape, found in zip(shapes, prepared, strict=True)]

    def _path(self) -> list[tuple[Node, Node]]:
        """The shapes being validated in this thread, outermost first, each with the
        parameter of its constraint that is validating the next one (sh:node, ...)."""
        if not hasattr(self._nesting, "path"):
            self._nesting.path = []
        path: list[tuple[Node, Node]] = self._nesting.path
        return path

    @contextmanager
    def nested(self, shape: Shape, parameter: Node) -> Iterator[None]:
        """Within a constraint of a shape that validates value nodes against other shapes."""
        path = self._path()
        path.append((shape.node, parameter))
        try:
            yield
        finally:
            path.pop()

    def cut(self, shape: Shape, parameter: Node, other: Node) -> bool:
        """Whether pyshacl counts the other shape, named by the parameter of a constraint of
        the shape, as conforming without validating it: the path of shapes to it repeats a
        step (see `Choices.recursion_cut`)."""
        if not self.choices.recursion_cut or other not in self.shapes.recursive:
            return False
        path = [*self._path(), (shape.node, parameter)]
        alternating = len(path) > 1 and {path[-2][1], parameter} == {SH.node, SH.property}
        if len(path) < (6 if alternating else 3):
            return False
        return any(node == shape.node and kind == parameter and path[n + 1][0] == other
                   for n, (node, kind) in enumerate(path[:-1]))

    def _outcome(self, shape: Shape, per_constraint: list[Outcome]) -> Outcome:
        """A shape's results, and the focus nodes that do not conform (a result whose
        severity is allowed does not count)."""
        results = [r for o in per_constraint for r in o.results]
        nonconforming: set[Term] = set()
        if shape.severity not in self.allowed:
            for o in per_constraint:
                if not self.allowed:
                    nonconforming |= o.nonconforming
                    continue
                bad = {r.origin for r in o.results if r.severity not in self.allowed}
                nonconforming |= o.nonconforming & bad
        return Outcome(results, nonconforming)

    def direct(self, shape: Shape, rows: Iterable[tuple[Term, Term | None]],
               component: Node) -> Outcome:
        """Results with focus (and value) from query rows, for constraints on the shape itself."""
        results = [Result(focus=f, shape=shape, component=component, origin=f, value=v)
                   for f, v in rows]
        return Outcome(results, {r.origin for r in results})

    def rows(self, query: str, *names: str) -> list[tuple[Term, Term | None]]:
        """(?this, ?value) pairs of a query (value None when not selected)."""
        out: list[tuple[Term, Term | None]] = []
        for row in self.select(query):
            this = row["this"]
            value = row[names[0]] if names else None
            out.append((this, value))
        return out

    def text(self, term: Term) -> str | None:
        """The string pyshacl's string-based constraints see for a value node."""
        term = self.restored.get(term, term)
        if isinstance(term, ox.NamedNode):
            return term.value
        if not isinstance(term, ox.Literal):
            return None
        if term.language or term.datatype.value == XSD_STRING:
            return term.value
        return _text(to_rdflib(term))


def _text(v: Node) -> str:
    """pyshacl's string of a value node for the string-based constraints."""
    if isinstance(v, Literal):
        if v.value is not None and v.datatype in (None, RDF.langString, XSD.string):
            return str(v.value)
        return str(v)
    return str(v)


def _triple(s: str, p: str, o: str) -> Callable[[str], str]:
    """A triple pattern written for a variable name ({v}) with a fresh helper ({fresh})."""
    return lambda v: f"{s} {p} {o} .".format(v=v, fresh=fresh())
