"""SHACL validation of the data against the shipped data shapes."""

from __future__ import annotations

from rdflib import Graph

from ccbkg.findings import Finding, Severity, StageResult
from ccbkg.load import Sources
from ccbkg.project import Role
from ccbkg.shacl import run_shacl

STAGE = "shapes"
# The ontology and vocabularies are in the data graph so that sh:class follows rdfs:subClassOf
# and scheme membership can be checked; the shapes target instances only.
VALIDATED = (Role.DATA, Role.ONTOLOGY, Role.VOCAB)


def validate(sources: Sources) -> tuple[StageResult, Graph | None]:
    """Validate data + ontology + vocabularies against shapes/*.ttl; returns the SHACL report."""
    result = StageResult(STAGE)
    if not sources.of(Role.SHAPES):
        result.findings.append(Finding(STAGE, Severity.ERROR, "no data shapes (shapes/*.ttl): "
                                       "validation would check nothing"))
        return result, None
    if not sources.of(Role.DATA):
        result.findings.append(Finding(STAGE, Severity.ERROR, "no data to validate"))
        return result, None
    run = run_shacl(sources.graph(*VALIDATED), sources.graph(Role.SHAPES), stage=STAGE,
                    sources=sources, roles=(Role.DATA,))
    result.findings.extend(run.findings)
    result.notes.append(f"{len(sources.graph(*VALIDATED))} triples validated; "
                        f"{len(run.findings)} results")
    return result, run.report
