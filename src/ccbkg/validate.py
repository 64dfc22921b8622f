"""SHACL validation of the data against the shipped data shapes.

Two engines give the same results: `fast` (the default, `ccbkg.fastshacl` on pyoxigraph) and
`pyshacl` (the reference). When the shapes use a feature the fast engine lacks, it declines and
pyshacl validates instead; the stage notes say so.
"""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.term import Node

from ccbkg import fastshacl
from ccbkg.findings import Finding, Severity, StageResult
from ccbkg.load import Sources
from ccbkg.project import Role
from ccbkg.shacl import SEVERITIES, run_shacl

STAGE = "shapes"
ENGINES = ("fast", "pyshacl")
# The ontology and vocabularies are in the data graph so that sh:class follows rdfs:subClassOf
# and scheme membership can be checked; the shapes target instances only.
VALIDATED = (Role.DATA, Role.ONTOLOGY, Role.VOCAB)


def validate(sources: Sources, engine: str = "fast") -> tuple[StageResult, Graph | None]:
    """Validate data + ontology + vocabularies against shapes/*.ttl; returns the SHACL report."""
    result = StageResult(STAGE)
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}; choose from {', '.join(ENGINES)}")
    if not sources.of(Role.SHAPES):
        result.findings.append(Finding(STAGE, Severity.ERROR, "no data shapes (shapes/*.ttl): "
                                       "validation would check nothing"))
        return result, None
    if not sources.of(Role.DATA):
        result.findings.append(Finding(STAGE, Severity.ERROR, "no data to validate"))
        return result, None
    triples = sum(len(f.quads) for f in sources.of(*VALIDATED))
    if engine == "fast":
        try:
            run = fastshacl.validate((q for f in sources.of(*VALIDATED) for q in f.quads),
                                     sources.graph(Role.SHAPES))
        except fastshacl.Unsupported as exc:
            result.notes.append(f"the fast engine declined ({exc}); validated with pyshacl")
        else:
            result.findings.extend(_findings(run.rows, sources))
            result.notes.append(f"{triples} triples validated by the fast engine; "
                                f"{len(result.findings)} results")
            return result, run.report
    shacl = run_shacl(sources.graph(*VALIDATED), sources.graph(Role.SHAPES), stage=STAGE,
                      sources=sources, roles=(Role.DATA,))
    result.findings.extend(shacl.findings)
    result.notes.append(f"{triples} triples validated by pyshacl; {len(shacl.findings)} results")
    return result, shacl.report


def _findings(rows: list[fastshacl.Row], sources: Sources) -> list[Finding]:
    """Findings located in the sources, exactly as `ccbkg.shacl` makes them from pyshacl."""
    findings = []
    for row in rows:
        messages = sorted(str(m) for m in row.messages)
        file, line = sources.where(str(row.focus), Role.DATA) \
            if isinstance(row.focus, URIRef) else (None, None)
        findings.append(Finding(
            stage=STAGE, severity=SEVERITIES.get(row.severity, Severity.ERROR)
            if isinstance(row.severity, URIRef) else Severity.ERROR,
            message=messages[0] if messages else "SHACL constraint not met",
            file=file, line=line, node=_show(row.focus), path=_show(row.path),
            value=_show(row.value), shape=_show(row.shape), component=_show(row.component),
        ))
    findings.sort(key=lambda f: (f.file or "", f.line or 0, f.node or "", f.shape or "",
                                 f.path or "", f.value or ""))
    return findings


def _show(node: Node | None) -> str | None:
    if node is None:
        return None
    return str(node) if isinstance(node, URIRef) else node.n3()
