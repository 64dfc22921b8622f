"""The sdist and the wheel as a user gets them: built, accepted by twine, and the wheel
pip-installed (offline, from the wheelhouse) into a bare virtual environment, where its `ccbkg`
works outside the checkout on the data the wheel ships."""

from __future__ import annotations

import shutil
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
from tests.wheelhouse import offline_env


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


@pytest.fixture(scope="module")
def bare(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment without system site packages, with the wheel and its `java` extra
    pip-installed from the wheelhouse and no network; its bin/."""
    venv = tmp_path_factory.mktemp("bare")
    env = offline_env(venv)
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    done = subprocess.run([*pip, "install", "--no-compile", f"{wheel}[java]"], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    consistent = subprocess.run([*pip, "check"], env=env, capture_output=True, text=True,
                                timeout=60, check=False)
    assert consistent.returncode == 0, consistent.stdout + consistent.stderr
    return venv / "bin"


@pytest.mark.slow  # pip-installs ccbkg into a new virtual environment
def test_the_wheel_installs_into_a_bare_venv_with_its_data(bare: Path, tmp_path: Path) -> None:
    """The installed ccbkg is the venv's own, not the checkout's, and finds its data there."""
    proc = subprocess.run(
        [str(bare / "python"), "-c",
         "import sys, ccbkg.project.layout as p; print(p.default_root()); print(*sys.path)"],
        cwd=tmp_path, env=offline_env(tmp_path), capture_output=True, text=True, timeout=60,
        check=False)
    root, path = proc.stdout.splitlines()
    site = bare.parent / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    assert Path(root) == site / "site-packages" / "ccbkg" / "data", proc.stderr
    assert str(REPO) not in path and str(Path(sys.executable).parent.parent) not in path, path


@pytest.mark.slow  # pip-installs ccbkg, runs the reasoner, and serve starts a server
def test_installed_ccbkg_checks_builds_queries_and_serves(bare: Path, tmp_path: Path) -> None:
    """The console script of the bare venv, outside the checkout, on the data the wheel ships,
    with a PATH of that venv alone: no system java (HermiT runs on the `java` extra's JRE),
    no other ccbkg, no oxigraph but the venv's."""
    env = offline_env(tmp_path) | {"PATH": str(bare)}

    def ccbkg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(bare / "ccbkg"), *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300, check=False)

    checked = ccbkg("check", "--no-cache")  # HermiT itself on the extra's JRE
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "PASSED: 0 errors" in checked.stdout and "reason " in checked.stdout, checked.stdout
    assert "HermiT ran on ccbkg's Java" in checked.stdout, checked.stdout
    dist = tmp_path / "dist"
    built = ccbkg("build", "--quiet", "--out", str(dist))
    assert built.returncode == 0, built.stdout + built.stderr
    assert (dist / "ccbkg.nq").is_file() and (dist / "site" / "index.html").is_file()
    answer = ccbkg("query", "run", "timeline", "--format", "csv")
    assert answer.returncode == 0 and answer.stdout.count("\n") > 3, answer.stderr
    port, site_port = free_port(), free_port()
    server = subprocess.Popen(
        [str(bare / "ccbkg"), "serve", "--dist", str(dist), "--port", str(port),
         "--site-port", str(site_port), "--quiet"], cwd=tmp_path, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        query = f"http://127.0.0.1:{port}/query?query=" + quote("ASK { GRAPH ?g { ?s ?p ?o } }")
        page = f"http://127.0.0.1:{site_port}/site/index.html"
        for url, expected in ((query, b"true"), (page, b"<h1")):
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                try:
                    with urllib.request.urlopen(url, timeout=5) as got:
                        assert expected in got.read(), url
                        break
                except OSError:
                    assert time.monotonic() < deadline, f"ccbkg serve did not answer {url}"
                    time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=20)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow  # pip-installs ccbkg into a new virtual environment
def test_installed_ccbkg_never_changes_the_data_installed_with_it(bare: Path,
                                                                  tmp_path: Path) -> None:
    """Each command that writes into a source tree, run by the installed ccbkg from a folder
    of the user's without --root, refuses (exit 2, naming --root) and leaves the installed data
    byte for byte (an upgrade or uninstall would delete what it wrote there); with --root on a
    copy it writes into the copy, and run inside a copy it works on that copy (as git finds
    its repository)."""
    site = bare.parent / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    data = site / "site-packages" / "ccbkg" / "data"
    before = _files(data)
    assert "instances/sources.ttl" in before
    text = tmp_path / "a new text.txt"
    text.write_text("Examplia adopted a national cybersecurity strategy in 2021.\n")
    env = offline_env(tmp_path) | {"PATH": str(bare)}

    def ccbkg(*args: str, cwd: Path = tmp_path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(bare / "ccbkg"), *args], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=300, check=False)

    seed = next(iter(sorted(data.glob("instances/sources/*.txt")))).name
    for args in (("source", "add", str(text), "--title", "A new text"),
                 ("passage", "add", seed, "cyber"), ("new", "country", "EST"),
                 ("draft", seed), ("query", "freeze")):
        done = ccbkg(*args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "is the data installed with ccbkg, which ccbkg never changes" in done.stderr, args
        assert "--root" in done.stderr and "Traceback" not in done.stderr, done.stderr
        assert done.stdout == "", (args, done.stdout)
    assert _files(data) == before
    tree = tmp_path / "my tree"
    for name in ("ontology", "shapes", "instances", "queries"):
        shutil.copytree(data / name, tree / name)
    added = ccbkg("source", "add", str(text), "--title", "A new text", "--root", str(tree))
    assert added.returncode == 0, added.stdout + added.stderr
    assert len(list((tree / "instances" / "sources").glob("*.txt"))) == 2
    inside = ccbkg("new", "country", "EST", cwd=tree / "instances")
    assert inside.returncode == 0 and (tree / "instances" / "estonia.ttl").is_file(), inside
    (tree / "instances" / "broken.ttl").write_text("this is not Turtle\n")
    checked = ccbkg("check", "--only", "syntax", cwd=tree / "instances" / "sources")
    assert checked.returncode == 1 and "instances/broken.ttl:1" in checked.stdout, checked
    assert _files(data) == before
