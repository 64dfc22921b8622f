"""The wheel carries the data, so an installed ccbkg works outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "--wheel-dir", str(out), str(REPO)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (found,) = out.glob("ccbkg-*.whl")
    return found


def test_wheel_ships_every_source_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = [p.relative_to(REPO).as_posix() for d in ("ontology", "shapes", "instances",
                                                         "queries")
                for p in (REPO / d).rglob("*") if p.is_file()]
    assert len(expected) > 20
    expected += ["w3id/.htaccess", "CHANGELOG.md"]  # the site server's rules, the site's changes
    missing = [e for e in expected if f"ccbkg/data/{e}" not in names]
    assert missing == []
    package = [p.relative_to(REPO / "src").as_posix() for p in (REPO / "src" / "ccbkg").rglob("*")
               if p.is_file() and p.suffix in (".py", ".css", ".ttl", ".html")]
    assert "ccbkg/cli/__init__.py" in package
    assert "ccbkg/checks/fastshacl/w3c-earl.ttl" in package  # the build ships it
    assert sorted(set(package) - names) == []  # every module of every subpackage


def test_installed_wheel_checks_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run(
        [sys.executable, "-c", "import ccbkg.project.layout as p; print(p.default_root())"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.stdout.strip() == str(site / "ccbkg" / "data"), proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "ccbkg", "check", "--quiet", "--only", "syntax,provenance"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
