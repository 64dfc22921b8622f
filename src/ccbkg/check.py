"""Run the checks in order over sources loaded once: syntax, lint, reason, shapes, provenance."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rdflib import Graph

from ccbkg.findings import Report, StageResult
from ccbkg.lint import lint
from ccbkg.load import Sources, load
from ccbkg.progress import Progress
from ccbkg.project import Project
from ccbkg.provenance import check_provenance
from ccbkg.reason import reason
from ccbkg.validate import validate

STAGES = ("syntax", "lint", "reason", "shapes", "provenance")
_LABELS = {
    "syntax": "Parsing sources strictly",
    "lint": "Linting the ontology",
    "reason": "Reasoning with HermiT",
    "shapes": "Validating data against SHACL shapes",
    "provenance": "Checking quotes, offsets and citations",
}


@dataclass
class CheckOutcome:
    """The report, the loaded sources (for the build) and the SHACL report graph."""

    report: Report
    sources: Sources
    shacl_report: Graph | None


def run_checks(
    project: Project, *, only: tuple[str, ...] = STAGES, progress: Progress | None = None,
    shacl_engine: str = "fast",
) -> CheckOutcome:
    """Load once and run the selected stages; later stages are skipped on syntax errors.

    shacl_engine chooses the SHACL validator of the lint and data shapes: "fast" (default) or
    "pyshacl" (the reference).
    """
    progress = progress or Progress(quiet=True)
    report = Report()
    started = time.perf_counter()
    with progress.step(_LABELS["syntax"]):
        sources = load(project)
    sources.result.seconds = time.perf_counter() - started
    report.stages.append(sources.result)
    shacl_report: Graph | None = None

    def shapes(s: Sources) -> StageResult:
        nonlocal shacl_report
        result, shacl_report = validate(s, engine=shacl_engine)
        return result

    runners: dict[str, Callable[[Sources], StageResult]] = {
        "lint": lambda s: lint(s, engine=shacl_engine), "reason": reason, "shapes": shapes,
        "provenance": check_provenance,
    }
    for stage in STAGES[1:]:
        if stage not in only:
            continue
        if sources.result.errors:
            report.stages.append(StageResult(stage, ran=False, notes=[
                "not run: fix the syntax errors first"]))
            continue
        started = time.perf_counter()
        with progress.step(_LABELS[stage]):
            result = runners[stage](sources)
        result.seconds = time.perf_counter() - started
        report.stages.append(result)
    return CheckOutcome(report, sources, shacl_report)
