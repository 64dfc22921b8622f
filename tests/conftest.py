"""Shared fixtures: the repository, a scratch copy of it, and the CLI as a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.rdflib_queries import compile_once

compile_once()

REPO = Path(__file__).resolve().parents[1]
W3C = REPO / "tests" / "w3c"  # the W3C test suites, shipped with the repository
SOURCE_DIRS = ("ontology", "shapes", "instances", "queries")


@dataclass
class CliResult:
    """What a CLI run printed and returned."""

    code: int
    out: str
    err: str


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> CliResult:
    """Run `python -m ccbkg` in a subprocess (as a user would) and capture everything."""
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "ccbkg", *args], cwd=cwd or REPO, env=full_env,
        capture_output=True, text=True, timeout=300, check=False,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def copy_sources(dest: Path) -> Path:
    """A scratch copy of the authored sources that a test may break."""
    for name in SOURCE_DIRS:
        shutil.copytree(REPO / name, dest / name)
    return dest


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A writable copy of the repository's sources."""
    return copy_sources(tmp_path / "src")


def assert_no_traceback(result: CliResult) -> None:
    """The CLI must never show a Python traceback."""
    assert "Traceback" not in result.err, result.err
    assert "Traceback" not in result.out, result.out
