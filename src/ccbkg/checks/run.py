"""The checks, in order, over the project loaded once: syntax, lint, reason, shapes, provenance."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from rdflib import Graph

from ccbkg.checks import STAGES
from ccbkg.checks.causes import one_per_cause
from ccbkg.checks.lint import lint
from ccbkg.checks.provenance import check_provenance
from ccbkg.checks.reason import reason
from ccbkg.checks.shapes import validate
from ccbkg.core.findings import CheckReport, StageResult
from ccbkg.core.memory import release_free_memory
from ccbkg.core.progress import Progress
from ccbkg.project.layout import Project
from ccbkg.project.load import LoadedProject, load

SIDE_BY_SIDE = ("reason", "shapes", "provenance")
_LABELS = {
    "syntax": "Parsing the project files strictly",
    "lint": "Linting the ontology",
    "reason": "Reasoning with HermiT",
    "shapes": "Validating data against SHACL shapes",
    "provenance": "Checking quotes, offsets and citations",
}


@dataclass
class CheckOutcome:
    """The report, the loaded project (for the build) and the SHACL report graph."""

    report: CheckReport
    loaded: LoadedProject
    shacl_report: Graph | None


def run_checks(
    project: Project, *, only: tuple[str, ...] = STAGES, progress: Progress | None = None,
    shacl_engine: str = "fast", keep: bool = True,
) -> CheckOutcome:
    """Load once and run the selected stages; later stages are skipped on syntax errors.

    shacl_engine chooses the SHACL validator of the lint and data shapes: "fast" (default) or
    "pyshacl" (the reference). keep: the reasoner reads and keeps its verdicts in the cache
    (--no-cache turns it off).
    """
    progress = progress or Progress(quiet=True)
    report = CheckReport()
    started = time.perf_counter()
    with progress.step(_LABELS["syntax"]):
        loaded = load(project)
    loaded.result.seconds = time.perf_counter() - started
    report.stages.append(loaded.result)
    shacl_report: Graph | None = None

    def shapes(s: LoadedProject) -> StageResult:
        nonlocal shacl_report
        result, shacl_report = validate(s, engine=shacl_engine)
        return result

    runners: dict[str, Callable[[LoadedProject], StageResult]] = {
        "lint": lambda s: lint(s, engine=shacl_engine),
        "reason": lambda s: reason(s, keep=keep), "shapes": shapes,
        "provenance": check_provenance,
    }
    selected = [stage for stage in STAGES[1:] if stage in only]
    if loaded.result.errors:
        report.stages += [StageResult(stage, ran=False, notes=[
            "not run: fix the syntax errors first"]) for stage in selected]
        return CheckOutcome(report, loaded, shacl_report)

    def timed(stage: str) -> StageResult:
        started = time.perf_counter()
        result = runners[stage](loaded)
        # What the stage freed is given back: freed on a thread beside SHACL, it would stay in
        # that thread's malloc arena, where SHACL's threads cannot reuse it.
        release_free_memory(loaded.size(), collect=False)
        result.seconds = time.perf_counter() - started
        return result

    results: dict[str, StageResult] = {}
    if "lint" in selected:
        with progress.step(_LABELS["lint"]):
            results["lint"] = timed("lint")
    # SHACL runs in pyoxigraph, outside Python's lock, so the Python stages run beside it.
    beside = [stage for stage in SIDE_BY_SIDE if stage in selected and stage != "shapes"]
    pool = ThreadPoolExecutor(1, thread_name_prefix="ccbkg-check")
    try:
        pending = pool.submit(lambda: {stage: timed(stage) for stage in beside})
        with progress.spinner("Checking " + ", ".join(
                s for s in SIDE_BY_SIDE if s in selected) + " side by side"):
            if "shapes" in selected:
                results["shapes"] = timed("shapes")
            results.update(pending.result())
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    for stage in selected:
        if stage != "lint":
            aside = results[stage].aside
            progress.done(_LABELS[stage] + (f": {aside}" if aside else ""),
                          results[stage].seconds)
        report.stages.append(results[stage])
    one_per_cause(report, loaded)
    return CheckOutcome(report, loaded, shacl_report)
