"""A fast SHACL validator on pyoxigraph that reports what pyshacl reports.

pyshacl validates one focus node at a time in Python over rdflib; at a million triples that
takes minutes. Here every constraint of every shape is one SPARQL query over all focus nodes at
once on pyoxigraph, and the results are written into the same report graph pyshacl writes
(same focus nodes, paths, values, source shapes, components, severities and messages). pyshacl
stays the reference: the tests compare the two on every shape fixture, on mutants and on the
W3C SHACL test suite, and Jena's SHACL engine, which shares no code with either, on the same
graphs. Where this engine follows pyshacl rather than the specification is written down in
`choices`; the constraint components are in `constraints`, one module per section of SHACL.
Shapes that use a feature this engine lacks raise `Unsupported`, and the caller validates with
pyshacl instead.

Supported: SHACL Core (all constraint components, all property paths, all target types) and
SHACL-SPARQL constraints (sh:sparql with SELECT, $this and $PATH), plus SHACL-AF SPARQL targets.
Not supported: SPARQL-based constraint components (sh:ConstraintComponent), ASK validators,
SHACL rules, node expressions and SHACL-JS.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF, SH

from ccbkg.checks.fastshacl.choices import PYSHACL, SPEC, Choices
from ccbkg.checks.fastshacl.engine import ALLOWED_WITH_WARNINGS, Engine
from ccbkg.checks.fastshacl.errors import ShapesError, Unsupported
from ccbkg.checks.fastshacl.model import ShapesGraph
from ccbkg.checks.fastshacl.report import Row, ValidationReportWriter
from ccbkg.checks.fastshacl.results import Result, Term
from ccbkg.checks.fastshacl.store import load_store
from ccbkg.core.processes import CORES

__all__ = ["PYSHACL", "SPEC", "WORTH_THREADS", "Choices", "Result", "Row", "ShapesError",
           "ShapesGraph", "Unsupported", "Validation", "load_store", "validate"]

# Below this many triples a second thread costs more CPU than it saves time (the real graph's
# 2,700 validated triples: 0.07-0.085 s in one thread, 0.084-0.087 s and a third more CPU in two;
# 14,000 as fast either way; 47,000 a fifth faster in two).
WORTH_THREADS = 20_000


@dataclass
class Validation:
    """The outcome: conformance, the results and pyshacl's report graph for them."""

    conforms: bool
    results: list[Result]
    report: Graph
    rows: list[Row]
    queries: int


def validate(
    data: Iterable[ox.Quad | ox.Triple], shapes: Graph | ShapesGraph, *, advanced: bool = True,
    allow_warnings: bool = True, allow_infos: bool = False,
    prefixes: dict[str, str] | None = None, threads: int | None = None,
    choices: Choices = PYSHACL,
) -> Validation:
    """Validate the data triples (graph names are ignored) against a shapes graph.

    The options mean what pyshacl's options of the same names mean; the defaults are the ones
    ccbkg validates with. `prefixes` are the data graph's prefixes, which pyshacl lets SPARQL
    constraints use undeclared (default: those rdflib binds in a new graph). `threads`
    validates that many shapes side by side (default: 1 below WORTH_THREADS triples, else 2,
    or 1 on a one-core machine). Raises Unsupported when the shapes need a feature this engine
    lacks, and ShapesError when the shapes are not valid SHACL (where pyshacl raises too).
    `choices` says where to follow pyshacl (`PYSHACL`, the default) or the specification
    (`SPEC`); see `choices`. `shapes` may be a ShapesGraph read before (with its own
    `advanced`), to validate many graphs against the same shapes without reading them again.
    """
    graph = shapes.graph if isinstance(shapes, ShapesGraph) else shapes
    _check_supported(graph)
    model = shapes if isinstance(shapes, ShapesGraph) else ShapesGraph(graph, advanced=advanced)
    store, restore, size = load_store(data)
    allowed = ALLOWED_WITH_WARNINGS if allow_warnings else (
        frozenset({SH.Info}) if allow_infos else frozenset())
    if prefixes is None:
        prefixes = {p: str(ns) for p, ns in Graph().namespace_manager.namespaces()}
    engine = Engine(store, model, allowed=allowed,
                    restore=restore, prefixes=prefixes, choices=choices)
    conforms, results = engine.run(threads or (CORES if size >= WORTH_THREADS else 1))

    def describe(term: Term) -> list[tuple[Term, Term]]:
        if isinstance(term, ox.Literal):
            return []
        return [(q.predicate, engine.restore(q.object))
                for q in store.quads_for_pattern(term, None, None, ox.DefaultGraph())]

    writer = ValidationReportWriter(graph, describe, engine.restore)
    report = writer.write(conforms, results)
    return Validation(conforms, results, report, writer.rows, engine.queries)


def _check_supported(shapes: Graph) -> None:
    for kind in (SH.ConstraintComponent, SH.SPARQLRule, SH.TripleRule, SH.JSConstraint):
        if (None, RDF.type, kind) in shapes:
            raise Unsupported(f"the shapes declare a {kind.n3()}, which fastshacl lacks")
    for p in (SH.parameter, SH.rule, SH.js, SH.ask):
        if (None, p, None) in shapes:
            raise Unsupported(f"the shapes use {p.n3()}, which fastshacl lacks")
