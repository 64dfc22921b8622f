"""SHACL validation of the data against the shipped data shapes.

Two engines give the same results: `fast` (the default, `ccbkg.checks.fastshacl` on pyoxigraph) and
`pyshacl` (the reference). When the shapes use a feature the fast engine lacks, it declines and
pyshacl validates instead; the stage notes say so.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from ccbkg.checks import fastshacl
from ccbkg.checks.fastshacl.paths import shown_path
from ccbkg.checks.pyshacl_engine import SEVERITIES, network_findings, run_shacl
from ccbkg.core.findings import Finding, Severity, StageResult
from ccbkg.core.namespaces import BASE, CCB, OWL, RDF
from ccbkg.project.layout import RDF_ROLES, Role
from ccbkg.project.load import LoadedProject, shown_node

STAGE = "shapes"
ENGINES = ("fast", "pyshacl")
# The ontology and vocabularies are in the data graph so that sh:class follows rdfs:subClassOf
# and scheme membership can be checked; the shapes target instances only.
VALIDATED = (Role.DATA, Role.ONTOLOGY, Role.VOCAB)
# The results of this shape get the declared term their term may be a typo of. It is looked up
# here, once per check, and not in the shape's SPARQL, where it scanned every node per result.
TYPO_SHAPE = BASE + "shapes#UndeclaredTermShape"
_PROPERTY_KINDS = frozenset(str(k) for k in (OWL.ObjectProperty, OWL.DatatypeProperty,
                                             OWL.AnnotationProperty))


def validate(sources: LoadedProject, engine: str = "fast") -> tuple[StageResult, Graph | None]:
    """Validate data + ontology + vocabularies against shapes/*.ttl; returns the SHACL report."""
    result = StageResult(STAGE)
    if not sources.of(Role.SHAPES):
        result.findings.append(Finding(STAGE, Severity.ERROR, "no data shapes (shapes/*.ttl): "
                                       "validation would check nothing"))
        return result, None
    if not sources.of(Role.DATA):
        result.findings.append(Finding(STAGE, Severity.ERROR, "no data to validate"))
        return result, None
    findings, note, report = run_engine(sources, VALIDATED, Role.SHAPES, stage=STAGE,
                                        located=(Role.DATA,), engine=engine)
    result.findings.extend(with_typo_hints(findings, sources))
    result.notes.append(note)
    return result, report


def with_typo_hints(findings: list[Finding], sources: LoadedProject) -> list[Finding]:
    """The findings, each result of TYPO_SHAPE with "Did you mean <term>?" after its first
    sentence for each declared ccb: term of the same kind spelled alike (case, - and _, and z/s
    aside: ccb:Organization -> ccb:Organisation); a result with two such terms is one finding
    per term."""
    if not any(f.shape == TYPO_SHAPE for f in findings):
        return findings
    properties: dict[str, set[str]] = defaultdict(set)
    classes: dict[str, set[str]] = defaultdict(set)
    for q in (q for f in sources.of(*VALIDATED) for q in f.quads):
        s, o = q.subject, q.object
        if q.predicate.value == str(RDF.type) and isinstance(s, ox.NamedNode) and \
                isinstance(o, ox.NamedNode) and s.value.startswith(str(CCB)):
            if o.value in _PROPERTY_KINDS:
                properties[_spelling(s.value)].add(s.value)
            elif o.value == str(OWL.Class):
                classes[_spelling(s.value)].add(s.value)
    out = []
    for f in findings:
        if f.shape != TYPO_SHAPE:
            out.append(f)
            continue
        typed = f.path == str(RDF.type)
        term = (f.value if typed else f.path) or ""
        head, sep, tail = f.message.partition("(a typo?).")
        for candidate in sorted((classes if typed else properties).get(_spelling(term), ())) \
                or [""]:
            hint = f" Did you mean <{candidate}>?" if candidate else ""
            out.append(dataclasses.replace(f, message=head + sep + hint + tail if sep
                                           else f.message + hint))
    return out


def _spelling(iri: str) -> str:
    """An IRI as the typo hint compares it."""
    return re.sub("[-_]", "", iri.lower().replace("z", "s"))


def run_engine(
    sources: LoadedProject, data: tuple[Role, ...], shapes: Role, *, stage: str,
    located: tuple[Role, ...], engine: str,
) -> tuple[list[Finding], str, Graph | None]:
    """Validate the files of the data roles against those of the shapes role.

    Returns the located findings, a note on what ran, and the SHACL report graph. The fast
    engine runs unless `engine` is "pyshacl" or it declines a feature the shapes use.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}; choose from {', '.join(ENGINES)}")
    triples = sum(len(f.quads) for f in sources.of(*data))
    refused = network_findings(sources.graph(shapes), stage=stage, sources=sources, role=shapes)
    if refused:
        return refused, "not run: the shapes use SERVICE or LOAD", None
    declined = ""
    if engine == "fast":
        shapes_graph = sources.graph(shapes)
        try:
            run = fastshacl.validate((q for f in sources.of(*data) for q in f.quads),
                                     shapes_graph)
        except fastshacl.Unsupported as exc:
            declined = f"the fast engine declined ({exc}); "
        else:
            findings = _findings(run.rows, shapes_graph, sources, stage, located)
            return (findings, f"{triples} triples validated by the fast engine; "
                              f"{len(findings)} results", run.report)
    shacl = run_shacl(sources.graph(*data), sources.graph(shapes), stage=stage,
                      sources=sources, roles=located)
    return (shacl.findings, f"{declined}{triples} triples validated by pyshacl; "
                            f"{len(shacl.findings)} results", shacl.report)


def _findings(rows: list[fastshacl.Row], shapes: Graph, sources: LoadedProject, stage: str,
              located: tuple[Role, ...]) -> list[Finding]:
    """Findings located in the sources, exactly as `ccbkg.checks.pyshacl_engine` makes them
    from pyshacl."""
    files = sources.of(*(located or RDF_ROLES))

    def where(iri: str) -> tuple[str | None, int | None]:
        found = next((f for f in files if iri in f.subject_lines), None)
        return (found.display, found.subject_lines[iri]) if found else (None, None)

    findings = []
    for row in rows:
        messages = sorted(str(m) for m in row.messages)
        blank_or_iri = isinstance(row.focus, URIRef | BNode)
        file, line = where(str(row.focus)) if blank_or_iri else (None, None)
        value = shown_node(str(row.value), *where(str(row.value))) \
            if isinstance(row.value, BNode) else _show(row.value)
        findings.append(Finding(
            stage=stage, severity=SEVERITIES.get(row.severity, Severity.ERROR)
            if isinstance(row.severity, URIRef) else Severity.ERROR,
            message=messages[0] if messages else "SHACL constraint not met",
            file=file, line=line, path=shown_path(shapes, row.path),
            node=shown_node(str(row.focus), file, line) if blank_or_iri else _show(row.focus),
            value=value, shape=_show(row.shape), component=_show(row.component),
        ))
    findings.sort(key=lambda f: (f.file or "", f.line or 0, f.node or "", f.shape or "",
                                 f.path or "", f.value or ""))
    return findings


def _show(node: Node | None) -> str | None:
    if node is None:
        return None
    return str(node) if isinstance(node, URIRef) else node.n3()
