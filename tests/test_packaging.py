"""The wheel carries the data, so an installed ccbkg works outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import REPO
from tests.stores import free_port


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel `python -m build` makes (the wheel from the sdist), both
    accepted by `twine check --strict`; the wheel."""
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (sdist,) = out.glob("ccbkg-*.tar.gz")
    (found,) = out.glob("ccbkg-*.whl")
    twine = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(found)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert twine.returncode == 0 and twine.stdout.count("PASSED") == 2, twine.stdout
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


@pytest.mark.slow  # the build runs the reasoner, and serve starts a server
def test_installed_wheel_builds_queries_and_serves(wheel: Path, tmp_path: Path) -> None:
    """The wheel's ccbkg, outside the checkout, on the data it ships: build, query run, serve.

    The tests run offline, so the wheel is unpacked onto the path of this environment's
    dependencies instead of being pip-installed into a new virtual environment.
    """
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}

    def ccbkg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ccbkg", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300, check=False)

    built = ccbkg("build", "--quiet", "--no-site", "--out", str(tmp_path / "dist"))
    assert built.returncode == 0, built.stdout + built.stderr
    assert (tmp_path / "dist" / "ccbkg.nq").is_file()
    answer = ccbkg("query", "run", "timeline", "--format", "csv")
    assert answer.returncode == 0 and answer.stdout.count("\n") > 3, answer.stderr
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ccbkg", "serve", "--dist", str(tmp_path / "dist"), "--port",
         str(port), "--quiet"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}/query?query=" + quote("ASK { GRAPH ?g { ?s ?p ?o } }")
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                with urllib.request.urlopen(url, timeout=5) as got:
                    assert b"true" in got.read()
                    break
            except OSError:
                assert time.monotonic() < deadline, "ccbkg serve did not answer"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=20)
