"""SHACL validation of the data against the shipped data shapes.

Two engines give the same results: `fast` (the default, `ccbkg.checks.fastshacl` on pyoxigraph) and
`pyshacl` (the reference). When the shapes use a feature the fast engine lacks, it declines and
pyshacl validates instead; the stage notes say so.
"""

from __future__ import annotations

from rdflib import Graph

from ccbkg.checks import fastshacl
from ccbkg.checks.pyshacl_engine import (
    refused_sparql,
    result_findings,
    run_shacl,
    shape_finding,
)
from ccbkg.core.findings import Finding, Severity, StageResult
from ccbkg.core.memory import release_free_memory
from ccbkg.project.layout import Role
from ccbkg.project.load import LoadedProject

STAGE = "shapes"
ENGINES = ("fast", "pyshacl")
# The ontology and vocabularies are in the data graph so that sh:class follows rdfs:subClassOf
# and scheme membership can be checked; the shapes target instances only.
VALIDATED = (Role.DATA, Role.ONTOLOGY, Role.VOCAB)


def validate(loaded: LoadedProject, engine: str = "fast") -> tuple[StageResult, Graph | None]:
    """Validate data + ontology + vocabularies against shapes/*.ttl; returns the SHACL report."""
    result = StageResult(STAGE)
    if not loaded.of(Role.SHAPES):
        result.findings.append(Finding(STAGE, Severity.ERROR, "no data shapes (shapes/*.ttl): "
                                       "validation would check nothing"))
        return result, None
    if not loaded.of(Role.DATA):
        result.findings.append(Finding(STAGE, Severity.ERROR, "no data to validate"))
        return result, None
    findings, note, report = run_engine(loaded, VALIDATED, Role.SHAPES, stage=STAGE,
                                        located=(Role.DATA,), engine=engine)
    result.findings.extend(findings)
    result.notes.append(note)
    # the engine's store, freed on its threads
    release_free_memory(loaded.size(*VALIDATED))
    return result, report


def run_engine(
    loaded: LoadedProject, data: tuple[Role, ...], shapes: Role, *, stage: str,
    located: tuple[Role, ...], engine: str,
) -> tuple[list[Finding], str, Graph | None]:
    """Validate the files of the data roles against those of the shapes role.

    Returns the located findings, a note on what ran, and the SHACL report graph. The fast
    engine runs unless `engine` is "pyshacl" or it declines a feature the shapes use.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}; choose from {', '.join(ENGINES)}")
    triples = loaded.size(*data)
    refused = refused_sparql(loaded.graph(shapes), stage=stage, loaded=loaded, role=shapes)
    if refused:
        return refused, "not run: SPARQL in the shapes that no engine may run", None
    declined = ""
    if engine == "fast":
        shapes_graph = loaded.graph(shapes)
        try:
            run = fastshacl.validate(loaded.triples(*data), shapes_graph)
        except fastshacl.Unsupported as exc:
            declined = f"the fast engine declined ({exc}); "
        except fastshacl.ShapesError as exc:  # a shape no engine can use
            return [shape_finding(shapes_graph, exc.node, f"this shape cannot be used: {exc}",
                                  stage=stage, loaded=loaded, role=shapes)], \
                "not run: a shape cannot be used", None
        else:
            findings = result_findings(run.rows, shapes_graph, loaded, stage, located)
            return (findings, f"{triples} triples validated by the fast engine; "
                              f"{len(findings)} results", run.report)
    shacl = run_shacl(loaded.graph(*data), loaded.graph(shapes), stage=stage,
                      loaded=loaded, roles=located)
    return (shacl.findings, f"{declined}{triples} triples validated by pyshacl; "
                            f"{len(shacl.findings)} results", shacl.report)

