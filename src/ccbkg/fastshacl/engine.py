"""Set-based SHACL validation on a pyoxigraph store.

Each shape's focus nodes are computed once and kept in a scratch named graph; each constraint is
one SPARQL query over all focus nodes that returns only the violations. Where SPARQL and pyshacl
disagree on a detail (literal equality after normalisation, Python regular expressions, rdflib's
datatype checks, literal ordering) the test runs in Python through a custom SPARQL function, on
rdflib terms, with pyshacl's own rules. Nested shapes (sh:node, sh:property, the logical and
qualified constraints) are validated once for the set of all value nodes, not once per value.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal
from itertools import count

import pyoxigraph as ox
from pyshacl.rdfutil.compare import compare_literal
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from ccbkg.fastshacl import sparql
from ccbkg.fastshacl.errors import Unsupported
from ccbkg.fastshacl.model import Shape, ShapesGraph
from ccbkg.fastshacl.paths import is_predicate, path_pattern, predicates, sparql_path
from ccbkg.fastshacl.results import Result, Term
from ccbkg.terms import RDF_LANG_STRING, XSD_STRING, to_oxigraph, to_rdflib

_NS = "urn:ccbkg:fastshacl:"
ANCHOR = ox.NamedNode(_NS + "set")
MEMBER = ox.NamedNode(_NS + "member")
TRUE = ox.Literal("true", datatype=ox.NamedNode(str(XSD.boolean)))
FALSE = ox.Literal("false", datatype=ox.NamedNode(str(XSD.boolean)))
NODE_KINDS = {
    SH.IRI: "isIRI(?value)", SH.BlankNode: "isBlank(?value)", SH.Literal: "isLiteral(?value)",
    SH.BlankNodeOrIRI: "!isLiteral(?value)", SH.BlankNodeOrLiteral: "!isIRI(?value)",
    SH.IRIOrLiteral: "!isBlank(?value)",
}
ALLOWED_WITH_WARNINGS = frozenset({SH.Info, SH.Warning})
SURROGATE = _NS + "dt:"
Predicate = Callable[[Node], bool]


@dataclass
class FocusSet:
    """A set of focus nodes kept in a scratch graph of the store."""

    graph: ox.NamedNode
    size: int

    def pattern(self, var: str = "this") -> str:
        """A group graph pattern that binds ?var to each member once."""
        return f"GRAPH <{self.graph.value}> {{ <{ANCHOR.value}> <{MEMBER.value}> ?{var} }}"


@dataclass
class Outcome:
    """The results of a shape over a focus set and the focus nodes that do not conform."""

    results: list[Result]
    nonconforming: set[Term]


class Engine:
    """Validates the data in a store against a shapes graph."""

    def __init__(self, store: ox.Store, shapes: ShapesGraph, *, allowed: frozenset[Node],
                 restore: dict[Term, Term] | None = None,
                 prefixes: dict[str, str] | None = None) -> None:
        self.store = store
        self.shapes = shapes
        self.allowed = allowed
        self.restored = restore or {}
        self.prefixes = prefixes or {}
        self.functions: dict[ox.NamedNode, Callable[..., ox.Literal | None]] = {}
        self._ids = count()
        self._values: dict[tuple[int, str], FocusSet] = {}
        self._subclasses: dict[str, str] = {}
        self._counts: dict[Node, int] = {}
        self._shared: dict[tuple[str, tuple[tuple[str, str], ...]], FocusSet] = {}
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
        return _const(node)

    def rdf(self, term: Term) -> Node:
        """The rdflib term pyshacl would see for a term of the store."""
        return to_rdflib(self.restored.get(term, term))

    def run(self, threads: int = 1) -> tuple[bool, list[Result]]:
        """Validate every shape that has targets; returns (conforms, results).

        With threads > 1 the shapes are validated side by side (pyoxigraph evaluates queries
        without holding Python's GIL); the results keep the order of the shapes.
        """
        todo = [s for s in self.shapes.shapes if s.has_targets and not s.deactivated]

        def one(shape: Shape) -> Outcome:
            return self.validate(shape, self.targets(shape))

        if threads > 1:
            with ThreadPoolExecutor(threads) as pool:
                outcomes = list(pool.map(one, todo))
        else:
            outcomes = [one(s) for s in todo]
        results = [r for o in outcomes for r in o.results]
        return not any(o.nonconforming for o in outcomes), results

    def select(self, query: str, **options: object) -> Iterator[ox.QuerySolution]:
        """Run a SELECT query with the engine's Python functions available."""
        self.queries += 1
        solutions = self.store.query(query, custom_functions=self.functions, **options)  # type: ignore[arg-type]
        assert isinstance(solutions, ox.QuerySolutions)
        return iter(solutions)

    def function(self, test: Callable[[Term], bool], cache: bool = True) -> str:
        """Register a Python test as a SPARQL function; returns the call on ?value."""
        name = ox.NamedNode(f"{_NS}fn/{next(self._ids)}")
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

    def member(self, nodes: set[Term]) -> str:
        """A SPARQL function name that tests membership in a Python set."""
        return self.function(lambda t: t in nodes, cache=False)

    # ------------------------------------------------------------------ focus sets

    def new_set(self) -> ox.NamedNode:
        """A fresh scratch graph name."""
        return ox.NamedNode(f"{_NS}set/{next(self._ids)}")

    def materialize(self, where: str, var: str = "this",
                    prefixes: dict[str, str] | None = None) -> FocusSet:
        """Keep the distinct bindings of ?var in `where` as a focus set."""
        graph = self.new_set()
        head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (prefixes or {}).items())
        self.store.update(f"{head}INSERT {{ GRAPH <{graph.value}> {{ <{ANCHOR.value}> "
                          f"<{MEMBER.value}> ?{var} }} }} WHERE {{ {where} }}")
        self.queries += 1
        size = sum(1 for _ in self.store.quads_for_pattern(None, None, None, graph))
        return FocusSet(graph, size)

    def shared(self, select: str, var: str, prefixes: dict[str, str]) -> FocusSet:
        """The values of ?var selected by a sub-SELECT block, computed once per run."""
        key = (" ".join(select.split()), tuple(sorted(prefixes.items())))
        if key not in self._shared:
            self._shared[key] = self.materialize(select, var=var, prefixes=prefixes)
        return self._shared[key]

    def explicit(self, nodes: Iterable[Term]) -> FocusSet:
        """A focus set of given terms."""
        graph = self.new_set()
        quads = [ox.Quad(ANCHOR, MEMBER, n, graph) for n in set(nodes)]
        self.store.extend(quads)
        return FocusSet(graph, len(quads))

    def members(self, focus: FocusSet) -> list[Term]:
        """The focus nodes of a set."""
        return [q.object for q in self.store.quads_for_pattern(ANCHOR, MEMBER, None, focus.graph)]

    def targets(self, shape: Shape) -> FocusSet:
        """The focus nodes of a shape's target declarations (SHACL 2.1.3, SHACL-AF 5.1)."""
        parts: list[str] = []
        for node in shape.target_nodes:
            parts.append(f"VALUES ?this {{ {self.stored(node)} }}")
        for cls in shape.target_classes:
            parts.append(f"?this <{RDF.type}> ?class VALUES ?class {{ {self.subclasses(cls)} }}")
        for p in shape.target_subjects_of:
            parts.append(f"?this {_const(p)} ?any")
        for p in shape.target_objects_of:
            parts.append(f"?any {_const(p)} ?this")
        prefixes: dict[str, str] = {}
        for target in shape.sparql_targets:
            own, body = sparql.split_prologue(target.select)
            declared = {**self.prefixes, **target.prefixes, **own}
            prefixes.update(declared)
            parts.append(f"{{ {sparql.optimise_target(self, body, declared)} }}")
        where = " UNION ".join(f"{{ {p} }}" for p in parts)
        return self.materialize(where, prefixes=prefixes)

    def subclasses(self, cls: Node) -> str:
        """The class and its subclasses in the data, as SPARQL terms (for VALUES)."""
        key = _const(cls)
        if key not in self._subclasses:
            found = {str(row["c"]) for row in self.select(
                f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* {key} FILTER(isIRI(?c)) }}")}
            self._subclasses[key] = " ".join(sorted(found | {key}))
        return self._subclasses[key]

    def path(self, shape: Shape) -> str:
        """The shape's path in SPARQL syntax."""
        assert shape.path is not None
        return sparql_path(self.shapes.graph, shape.path)

    def value_pattern(self, shape: Shape, focus: FocusSet) -> str:
        """A pattern binding ?this (focus) and ?value (each value node, once).

        When the path's predicates have fewer triples than there are focus nodes, the triples
        come first and each is kept when its subject is a focus node; otherwise each focus
        node looks up its values.
        """
        f = focus.pattern()
        if shape.path is None:
            return f"{f} BIND(?this AS ?value)"
        steps = path_pattern(self.shapes.graph, shape.path, "?this", "?value", self.fresh)
        if self.cardinality(shape.path) < focus.size * self.steps(shape.path):
            body = f"{steps} FILTER EXISTS {{ {f} }}"
        else:
            body = f"{f} {steps}"
        if is_predicate(shape.path):
            return body
        return f"{{ SELECT DISTINCT ?this ?value WHERE {{ {body} }} }}"

    def fresh(self) -> str:
        """A new variable name for the inner steps of a path."""
        return f"?_step{next(self._ids)}"

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
                row = next(self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{p}> ?o }}"))
                self._counts[p] = int(row["n"].value)
            total += self._counts[p]
        return total

    def values(self, shape: Shape, focus: FocusSet) -> FocusSet:
        """The value nodes of a shape as a focus set (for nested shapes)."""
        if shape.path is None:
            return focus
        key = (id(shape), focus.graph.value)
        if key not in self._values:
            self._values[key] = self.materialize(self.value_pattern(shape, focus), var="value")
        return self._values[key]

    # ------------------------------------------------------------------ shapes

    def validate(self, shape: Shape, focus: FocusSet) -> Outcome:
        """Validate the focus nodes against a shape (SHACL 3.4)."""
        if shape.deactivated or focus.size == 0:
            return Outcome([], set())
        per_constraint: list[Outcome] = []
        for parameter, handler in _HANDLERS.items():
            if parameter in shape.params:
                per_constraint.extend(handler(self, shape, focus))
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

    def violating_values(self, shape: Shape, focus: FocusSet, condition: str,
                         component: Node) -> Outcome:
        """One result per (focus, value) pair whose value meets `condition` (a violation)."""
        query = (f"SELECT ?this ?value WHERE {{ {self.value_pattern(shape, focus)} "
                 f"FILTER({condition}) }}")
        return self.direct(shape, self.rows(query, "value"), component)

    def python_values(self, shape: Shape, focus: FocusSet, ok: Predicate,
                      component: Node) -> Outcome:
        """Violations of a per-value test written in Python on rdflib terms."""
        fn = self.function(lambda t: not ok(self.rdf(t)))
        return self.violating_values(shape, focus, f"{fn}(?value)", component)

    def text_values(self, shape: Shape, focus: FocusSet, ok: Callable[[str | None], bool],
                    component: Node) -> Outcome:
        """Violations of a test on pyshacl's string of each value (None for a blank node)."""
        fn = self.function(lambda t: not ok(self.text(t)), cache=False)
        return self.violating_values(shape, focus, f"{fn}(?value)", component)

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


# ---------------------------------------------------------------------- constraint components

def _min_count(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
    n = _integer(s, SH.minCount)
    if s.path is None:
        raise Unsupported("sh:minCount on a node shape")
    if n == 0:
        return []
    f = focus.pattern()
    if n == 1 and is_predicate(s.path):
        query = f"SELECT ?this WHERE {{ {f} FILTER NOT EXISTS {{ ?this {e.path(s)} ?value }} }}"
    elif n == 1:
        query = f"SELECT ?this WHERE {{ {f} MINUS {{ ?this {e.path(s)} ?value }} }}"
    else:
        query = (f"SELECT ?this WHERE {{ {f} OPTIONAL {{ ?this {e.path(s)} ?value }} }} "
                 f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})")
    return [e.direct(s, e.rows(query), SH.MinCountConstraintComponent)]


def _max_count(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
    n = _integer(s, SH.maxCount)
    if s.path is None:
        raise Unsupported("sh:maxCount on a node shape")
    query = (f"SELECT ?this WHERE {{ {e.value_pattern(s, focus)} }} GROUP BY ?this "
             f"HAVING (COUNT(DISTINCT ?value) > {n})")
    return [e.direct(s, e.rows(query), SH.MaxCountConstraintComponent)]


def _class(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
    out = []
    for c in s.values(SH["class"]):
        query = (f"SELECT ?this ?value WHERE {{ {e.value_pattern(s, focus)} MINUS {{ "
                 f"?value <{RDF.type}> ?class VALUES ?class {{ {e.subclasses(c)} }} }} }}")
        out.append(e.direct(s, e.rows(query, "value"), SH.ClassConstraintComponent))
    return out


def _datatype(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
    rule = _one(s, SH.datatype)
    if rule == RDFS.Literal:
        ok = "isLiteral(?value)"
    elif rule == RDFS.Datatype:
        ok = f"isLiteral(?value) && datatype(?value) NOT IN (<{XSD.string}>, <{RDF.langString}>)"
    elif rule == XSD.string:
        ok = f"isLiteral(?value) && datatype(?value) = <{XSD.string}>"
    elif rule == RDF.langString:
        ok = 'isLiteral(?value) && lang(?value) != ""'
    else:
        fn = e.function(lambda t: _well_typed(e.rdf(t), rule))
        ok = (f"isLiteral(?value) && IF(datatype(?value) = {_const(rule)} || "
              f"STRSTARTS(STR(datatype(?value)), \"{SURROGATE}\"), {fn}(?value), false)")
    return [e.violating_values(s, focus, f"!({ok})", SH.DatatypeConstraintComponent)]


def _well_typed(lit: Node, rule: Node) -> bool:
    """pyshacl's test for a literal whose datatype IRI is the rule's."""
    if not isinstance(lit, Literal) or lit.datatype != rule or \
            getattr(lit, "ill_typed", None) is True:
        return False
    value = lit.value
    checks: dict[Node, Callable[[object], bool]] = {
        XSD.integer: lambda v: isinstance(v, int), XSD.float: lambda v: isinstance(v, float),
        XSD.decimal: lambda v: isinstance(v, Decimal), XSD.boolean: lambda v: isinstance(v, bool),
        XSD.date: lambda v: isinstance(v, date), XSD.time: lambda v: isinstance(v, time),
        XSD.dateTime: lambda v: isinstance(v, datetime),
    }
    check = checks.get(rule)
    return check(value) if check is not None else True


def _node_kind(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
    rule = _one(s, SH.nodeKind)
    ok = NODE_KINDS.get(rule, "false")  # type: ignore[call-overload]
    return [e.violating_values(s, focus, f"!({ok})", SH.NodeKindConstraintComponent)]


def _in(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
    allowed: set[Node] = set()
    for item in e.shapes.items(_one(s, SH["in"])):
        allowed.add(item)
    return [e.python_values(s, focus, lambda v: v in allowed, SH.InConstraintComponent)]


def _has_value(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
    out = []
    for wanted in s.values(SH.hasValue):
        fn = e.function(lambda t, w=wanted: e.rdf(t) == w)  # type: ignore[misc]
        if s.path is None:
            query = f"SELECT ?this WHERE {{ {focus.pattern()} FILTER(!{fn}(?this)) }}"
        else:
            query = (f"SELECT ?this WHERE {{ {focus.pattern()} MINUS "
                     f"{{ ?this {e.path(s)} ?value FILTER({fn}(?value)) }} }}")
        out.append(e.direct(s, e.rows(query), SH.HasValueConstraintComponent))
    return out


def _text(v: Node) -> str:
    """pyshacl's string of a value node for the string-based constraints."""
    if isinstance(v, Literal):
        if v.value is not None and v.datatype in (None, RDF.langString, XSD.string):
            return str(v.value)
        return str(v)
    return str(v)


def _pattern(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
    flags = 0
    given = s.values(SH.flags)
    if given and isinstance(given[0], Literal):
        text = str(given[0].value).lower()
        flags |= re.I if "i" in text else 0
        flags |= re.M if "m" in text else 0
    out = []
    for p in s.values(SH.pattern):
        if not isinstance(p, Literal):
            raise Unsupported("sh:pattern must be a literal")
        regex = re.compile(str(p), flags)

        def ok(v: str | None, rx: re.Pattern[str] = regex) -> bool:
            return v is not None and rx.search(v) is not None

        out.append(e.text_values(s, focus, ok, SH.PatternConstraintComponent))
    return out


def _length(parameter: URIRef) -> Callable[[Engine, Shape, FocusSet], list[Outcome]]:
    """sh:minLength / sh:maxLength in SPARQL: the store keeps every literal in the lexical
    form rdflib gives it (see load_store), so STR and STRLEN see what pyshacl sees."""
    def handler(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
        bound = _integer(s, parameter)
        if parameter == SH.minLength:
            if bound == 0:
                return [Outcome([], set())]
            bad = f"isBlank(?value) || STRLEN(STR(?value)) < {bound}"
            component = SH.MinLengthConstraintComponent
        else:
            bad = f"isBlank(?value) || STRLEN(STR(?value)) > {bound}"
            component = SH.MaxLengthConstraintComponent
        return [e.violating_values(s, focus, bad, component)]
    return handler


def _language_in(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
    """pyshacl's test: the tag, or its first subtag, lower-cased, is in the list (or "*")."""
    wanted = sorted({str(i.value).lower() for i in e.shapes.items(_one(s, SH.languageIn))
                     if isinstance(i, Literal)})
    if "*" in wanted:
        ok = 'isLiteral(?value) && lang(?value) != ""'
    else:
        tags = ", ".join(Literal(w).n3() for w in wanted) or '""'
        ok = (f'isLiteral(?value) && lang(?value) != "" && (LCASE(lang(?value)) IN ({tags}) || '
              f'LCASE(STRBEFORE(lang(?value), "-")) IN ({tags}))')
    return [e.violating_values(s, focus, f"!({ok})", SH.LanguageInConstraintComponent)]


def _unique_lang(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
    flag = _one(s, SH.uniqueLang)
    if s.path is None:
        raise Unsupported("sh:uniqueLang on a node shape")
    if not (isinstance(flag, Literal) and flag.value is True):
        return []
    query = (f"SELECT ?this ?lang WHERE {{ {e.value_pattern(s, focus)} "
             f"FILTER(isLiteral(?value) && lang(?value) != \"\") "
             f"BIND(LCASE(lang(?value)) AS ?lang) }} "
             f"GROUP BY ?this ?lang HAVING (COUNT(DISTINCT ?value) > 1)")
    return [e.direct(s, e.rows(query), SH.UniqueLangConstraintComponent)]


def _range(parameter: URIRef) -> Callable[[Engine, Shape, FocusSet], list[Outcome]]:
    components = {
        SH.minExclusive: (SH.MinExclusiveConstraintComponent, lambda c: c > 0),
        SH.minInclusive: (SH.MinInclusiveConstraintComponent, lambda c: c >= 0),
        SH.maxExclusive: (SH.MaxExclusiveConstraintComponent, lambda c: c < 0),
        SH.maxInclusive: (SH.MaxInclusiveConstraintComponent, lambda c: c <= 0),
    }
    component, accept = components[parameter]

    def handler(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
        out = []
        for bound in s.values(parameter):
            if not isinstance(bound, Literal):
                raise Unsupported(f"{parameter.n3()} must be a literal")

            def ok(v: Node, b: Literal = bound) -> bool:
                if not isinstance(v, Literal):
                    return False
                if isinstance(b.value, str) != isinstance(v.value, str):
                    return False
                try:
                    return bool(accept(compare_literal(v, b)))  # type: ignore[no-untyped-call]
                except (TypeError, NotImplementedError):
                    return False

            out.append(e.python_values(s, focus, ok, component))
        return out
    return handler


def _pairs(e: Engine, s: Shape, focus: FocusSet) -> dict[Term, set[Node]]:
    """Each focus node with its value nodes, as rdflib terms."""
    found: dict[Term, set[Node]] = defaultdict(set)
    for this, value in e.rows(f"SELECT ?this ?value WHERE {{ {e.value_pattern(s, focus)} }}",
                              "value"):
        assert value is not None
        found[this].add(e.rdf(value))
    return found


def _objects(e: Engine, focus: FocusSet, predicate: Node) -> dict[Term, set[Node]]:
    found: dict[Term, set[Node]] = defaultdict(set)
    query = f"SELECT ?this ?value WHERE {{ {focus.pattern()} ?this {_const(predicate)} ?value }}"
    for this, value in e.rows(query, "value"):
        assert value is not None
        found[this].add(e.rdf(value))
    return found


def _pair_constraint(parameter: URIRef) -> Callable[[Engine, Shape, FocusSet], list[Outcome]]:
    component = {SH.equals: SH.EqualsConstraintComponent,
                 SH.disjoint: SH.DisjointConstraintComponent,
                 SH.lessThan: SH.LessThanConstraintComponent,
                 SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent}[parameter]

    def handler(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
        if parameter in (SH.lessThan, SH.lessThanOrEquals) and s.path is None:
            raise Unsupported(f"{parameter.n3()} on a node shape")
        values = _pairs(e, s, focus)
        out = []
        for other in s.values(parameter):
            if not isinstance(other, URIRef):
                raise Unsupported(f"{parameter.n3()} needs an IRI")
            compared = _objects(e, focus, other)
            found: list[tuple[Term, Term | None]] = []
            foci = set(values) | set(compared) if parameter == SH.equals else set(values)
            for f in foci:
                mine, theirs = values.get(f, set()), compared.get(f, set())
                if parameter == SH.equals:
                    bad = list(mine - theirs) + list(theirs - mine)
                elif parameter == SH.disjoint:
                    bad = list(mine & theirs)
                else:
                    bad = _not_less(mine, theirs, strict=parameter == SH.lessThan)
                found.extend((f, _back(b)) for b in bad)
            out.append(e.direct(s, found, component))
        return out
    return handler


def _not_less(mine: set[Node], theirs: set[Node], *, strict: bool) -> list[Node]:
    """pyshacl's lessThan / lessThanOrEquals: one entry per failing (value, other) pair."""
    bad: list[Node] = []
    for v in mine:
        if isinstance(v, BNode):
            raise Unsupported("sh:lessThan on a blank node")
        vv: object = str(v) if isinstance(v, URIRef) else v
        v_str = isinstance(v, URIRef) or (isinstance(v, Literal) and isinstance(v.value, str))
        if isinstance(v, Literal) and isinstance(v.value, str):
            vv = v.value
        for o in theirs:
            if isinstance(o, BNode):
                raise Unsupported("sh:lessThan on a blank node")
            oo: object = str(o) if isinstance(o, URIRef) else o
            o_str = isinstance(o, URIRef) or (isinstance(o, Literal) and isinstance(o.value, str))
            if isinstance(o, Literal) and isinstance(o.value, str):
                oo = o.value
            if v_str != o_str:
                bad.append(v)
                continue
            try:
                less = vv < oo if strict else vv <= oo  # type: ignore[operator]
            except TypeError as exc:
                raise Unsupported(f"pyshacl cannot compare {v.n3()} with {o.n3()}") from exc
            if not less:
                bad.append(v)
    return bad


def _closed(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
    flag = _one(s, SH.closed)
    if not (isinstance(flag, Literal) and bool(flag.value)):
        return []
    allowed: set[Node] = set()
    for lst in s.values(SH.ignoredProperties):
        allowed |= set(e.shapes.items(lst))
    for p in s.values(SH.property):
        path = e.shapes.shape(p).path
        if path is not None:
            allowed.add(path)
    fn = e.function(lambda t: e.rdf(t) in allowed)
    query = (f"SELECT ?this ?p ?o WHERE {{ {e.value_pattern(s, focus)} ?value ?p ?o "
             f"FILTER(!{fn}(?p) && !(?p = <{RDF.type}> && ?o = <{RDFS.Resource}>)) }}")
    results = [Result(focus=row["this"], shape=s, component=SH.ClosedConstraintComponent,
                      origin=row["this"], value=row["o"], path=row["p"])
               for row in e.select(query)]
    return [Outcome(results, {r.origin for r in results})]


def _nested_nonconforming(e: Engine, node: Node, values: FocusSet) -> set[Term]:
    return e.validate(e.shapes.shape(node), values).nonconforming


def _logical(parameter: URIRef) -> Callable[[Engine, Shape, FocusSet], list[Outcome]]:
    component = {SH["not"]: SH.NotConstraintComponent, SH["and"]: SH.AndConstraintComponent,
                 SH["or"]: SH.OrConstraintComponent, SH.xone: SH.XoneConstraintComponent}[parameter]

    def handler(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
        values = e.values(s, focus)
        out = []
        for operand in s.values(parameter):
            if parameter == SH["not"]:
                members = [operand]
            elif parameter == SH.xone:
                members = e.shapes.items(operand)
            else:
                members = list(set(e.shapes.items(operand)))
            failing = [_nested_nonconforming(e, m, values) for m in members]
            if parameter == SH["or"] and failing and not set.intersection(*failing):
                continue
            if parameter == SH["and"] and not set().union(*failing):
                continue

            def violates(t: Term, failing: list[set[Term]] = failing) -> bool:
                conforming = sum(1 for f in failing if t not in f)
                if parameter == SH["not"]:
                    return conforming == 1
                if parameter == SH["and"]:
                    return conforming < len(failing)
                if parameter == SH["or"]:
                    return conforming == 0
                return conforming != 1

            fn = e.function(violates, cache=False)
            out.append(e.violating_values(s, focus, f"{fn}(?value)", component))
        return out
    return handler


def _node(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
    values = e.values(s, focus)
    out = []
    for node in s.values(SH.node):
        target = e.shapes.shape(node)
        if target.is_property:
            raise Unsupported("sh:node points to a property shape")
        nested = e.validate(target, values)
        by_origin: dict[Term, list[Result]] = defaultdict(list)
        for r in nested.results:
            by_origin[r.origin].append(r)
        bad = nested.nonconforming | set(by_origin)
        if not bad:
            continue
        query = (f"SELECT ?this ?value WHERE {{ {e.value_pattern(s, focus)} "
                 f"FILTER({e.member(bad)}(?value)) }}")
        results = [Result(focus=f, shape=s, component=SH.NodeConstraintComponent, origin=f,
                          value=v, details=tuple(by_origin.get(v, [])))  # type: ignore[arg-type]
                   for f, v in e.rows(query, "value")]
        out.append(Outcome(results, {r.origin for r in results}))
    return out


def _property(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
    values = e.values(s, focus)
    out = []
    for node in s.values(SH.property):
        child = e.shapes.shape(node)
        if not child.is_property:
            raise Unsupported("sh:property points to a shape without sh:path")
        nested = e.validate(child, values)
        if s.path is None:
            out.append(nested)
            continue
        by_origin: dict[Term, list[Result]] = defaultdict(list)
        for r in nested.results:
            by_origin[r.origin].append(r)
        touched = nested.nonconforming | set(by_origin)
        if not touched:
            continue
        query = (f"SELECT ?this ?value WHERE {{ {e.value_pattern(s, focus)} "
                 f"FILTER({e.member(touched)}(?value)) }}")
        results: list[Result] = []
        nonconforming: set[Term] = set()
        for f, v in e.rows(query, "value"):
            assert v is not None
            results.extend(replace(r, origin=f) for r in by_origin.get(v, []))
            if v in nested.nonconforming:
                nonconforming.add(f)
        out.append(Outcome(results, nonconforming))
    return out


def _qualified(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
    if s.path is None:
        return []  # pyshacl ignores sh:qualifiedValueShape on node shapes
    low = _optional_integer(s, SH.qualifiedMinCount)
    high = _optional_integer(s, SH.qualifiedMaxCount)
    if low is None and high is None:
        raise Unsupported("sh:qualifiedValueShape without a count")
    disjoint = any(isinstance(d, Literal) and d.value is True
                   for d in s.values(SH.qualifiedValueShapesDisjoint))
    values = e.values(s, focus)
    out = []
    for q in s.values(SH.qualifiedValueShape):
        failing = _nested_nonconforming(e, q, values)
        siblings = [_nested_nonconforming(e, sib, values)
                    for sib in (_siblings(e, s, q) if disjoint else [])]
        if failing or siblings:
            def qualified(t: Term, f: set[Term] = failing, sb: list[set[Term]] = siblings) -> bool:
                return t not in f and all(t in x for x in sb)

            qualifies = e.function(qualified, cache=False)
            test = f"FILTER({qualifies}(?value))"
        else:
            test = ""
        counted = "COUNT(DISTINCT ?value)"
        conditions = [f"{counted} < {low}"] if low is not None else []
        conditions += [f"{counted} > {high}"] if high is not None else []
        query = (f"SELECT ?this ({counted} AS ?n) WHERE {{ {focus.pattern()} "
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


def _siblings(e: Engine, s: Shape, q: Node) -> list[Node]:
    g = e.shapes.graph
    found: set[Node] = set()
    for parent in g.subjects(SH.property, s.node):
        for sibling_shape in g.objects(parent, SH.property):
            for sibling in g.objects(sibling_shape, SH.qualifiedValueShape):
                if sibling != q:
                    found.add(sibling)
    return sorted(found, key=lambda n: n.n3())


def _sparql(e: Engine, s: Shape, focus: FocusSet) -> list[Outcome]:
    out = []
    for node in s.values(SH.sparql):
        results = sparql.evaluate(e, s, node, focus)
        out.append(Outcome(results, {r.origin for r in results}))
    return out


# ---------------------------------------------------------------------- helpers

def _const(node: Node) -> str:
    """A shapes-graph term as a SPARQL constant (blank nodes cannot be one)."""
    if isinstance(node, BNode):
        raise Unsupported("a blank node where a SPARQL constant is needed")
    return node.n3()


def _back(node: Node) -> Term:
    """An rdflib term back as a pyoxigraph term."""
    return to_oxigraph(node)


def rewritten(literals: list[ox.Literal]) -> dict[ox.Literal, ox.Literal]:
    """The literals a pyoxigraph store gives back in another form, with that form."""
    probe = ox.Store()
    p = ox.NamedNode(_NS + "probe")
    probe.bulk_extend(ox.Quad(ox.NamedNode(f"{_NS}probe/{i}"), p, lit)
                      for i, lit in enumerate(literals))
    out: dict[ox.Literal, ox.Literal] = {}
    for q in probe.quads_for_pattern(None, p, None):
        original = literals[int(q.subject.value.rsplit("/", 1)[1])]  # type: ignore[union-attr]
        if q.object != original:
            out[original] = q.object  # type: ignore[assignment]
    return out


def _one(s: Shape, parameter: URIRef) -> Node:
    found = s.values(parameter)
    if len(found) != 1:
        raise Unsupported(f"{parameter.n3()} needs exactly one value on {s.node.n3()}")
    return found[0]


def _integer(s: Shape, parameter: URIRef) -> int:
    value = _one(s, parameter)
    if not (isinstance(value, Literal) and isinstance(value.value, int)) or value.value < 0:
        raise Unsupported(f"{parameter.n3()} needs a non-negative integer")
    return value.value


def _optional_integer(s: Shape, parameter: URIRef) -> int | None:
    return _integer(s, parameter) if s.values(parameter) else None


_HANDLERS: dict[URIRef, Callable[[Engine, Shape, FocusSet], list[Outcome]]] = {
    SH["class"]: _class, SH.datatype: _datatype, SH.nodeKind: _node_kind,
    SH.minCount: _min_count, SH.maxCount: _max_count,
    SH.minExclusive: _range(SH.minExclusive), SH.minInclusive: _range(SH.minInclusive),
    SH.maxExclusive: _range(SH.maxExclusive), SH.maxInclusive: _range(SH.maxInclusive),
    SH.minLength: _length(SH.minLength), SH.maxLength: _length(SH.maxLength),
    SH.pattern: _pattern, SH.languageIn: _language_in, SH.uniqueLang: _unique_lang,
    SH.equals: _pair_constraint(SH.equals), SH.disjoint: _pair_constraint(SH.disjoint),
    SH.lessThan: _pair_constraint(SH.lessThan),
    SH.lessThanOrEquals: _pair_constraint(SH.lessThanOrEquals),
    SH["not"]: _logical(SH["not"]), SH["and"]: _logical(SH["and"]),
    SH["or"]: _logical(SH["or"]), SH.xone: _logical(SH.xone),
    SH.node: _node, SH.property: _property, SH.qualifiedValueShape: _qualified,
    SH.closed: _closed, SH.hasValue: _has_value, SH["in"]: _in, SH.sparql: _sparql,
}
