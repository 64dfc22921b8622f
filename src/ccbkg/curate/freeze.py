"""`query freeze`: the expected results of the bundled queries, regenerated from the project.

Each bundled query's `# expected:` file (queries/expected/NAME.csv) is written from the
embedded store with the query's default parameters, by the same CSV writer the tests compare
with (`render`).
"""

from __future__ import annotations

from pathlib import Path

from ccbkg.checks.run import run_checks
from ccbkg.core.errors import CcbkgError
from ccbkg.core.findings import Severity
from ccbkg.project.layout import Project
from ccbkg.query.catalogue import bind, catalogue
from ccbkg.query.render import render
from ccbkg.query.run import embedded_store, run_embedded
from ccbkg.release.atomic import write_files

#: The stages whose errors mean the data is not what a release would hold (the reasoner's
#: verdict is left to `ccbkg check`, which the expected answers do not depend on).
CHECKED = ("syntax", "shapes", "provenance")


def freeze(root: Path | None) -> list[tuple[str, bool]]:
    """Write every bundled query's expected CSV, all or none; each file (as shown) and whether
    it changed. Data that fails the checks is refused: its answers are not the ones to
    expect."""
    project = Project.to_change(root)
    errors = run_checks(project, only=CHECKED).report.count(Severity.ERROR)
    if errors:
        raise CcbkgError(f"the data fails `ccbkg check --only {','.join(CHECKED)}` "
                         f"({Severity.ERROR.counted(errors)}): expected answers are frozen "
                         "from data that passes; fix it first")
    store = embedded_store(project.root).store
    written = []
    changes: dict[Path, bytes] = {}
    for info in catalogue(project.root):
        if info.expected is None or info.path is None:
            continue
        target = (info.path.parent / info.expected).resolve()
        if not target.is_relative_to(project.root / "queries"):
            raise CcbkgError(f"{project.display(info.path)}: `# expected: {info.expected}` "
                             "points outside queries/")
        results = run_embedded(store, info.text, bind(info, {}),
                                     where=f"query {info.name}")
        data = render(results, "csv").encode("utf-8")
        changed = not target.is_file() or target.read_bytes() != data
        if changed:
            changes[target] = data
        written.append((project.display(target), changed))
    write_files(changes)  # every file or none: nothing is written before all are answered
    return written
