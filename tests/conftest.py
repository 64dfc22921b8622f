"""Shared fixtures: the repository, a scratch copy of it, and the CLI as a subprocess."""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import kept
from tests.rdflib_queries import compiled_once
from tests.warm_cli import WarmCli

REPO = Path(__file__).resolve().parents[1]
W3C = REPO / "tests" / "w3c"  # the W3C test suites, shipped with the repository
SOURCE_DIRS = ("ontology", "shapes", "instances", "queries")
# Fixtures (module, name) that start a server (Oxigraph, Virtuoso, `ccbkg serve`, the site
# server) or the browser: every test that uses one must be marked slow, so that `make test-fast`
# leaves it out. The reasoner's tests are marked by module (test_reason.py) and by case
# (bad_inputs cases with java = true).
SLOW_FIXTURES = frozenset({
    ("tests.conftest_stores", "oxigraph"), ("tests.conftest_stores", "virtuoso"),
    ("tests.conftest_stores", "store"), ("tests.test_queries", "server"),
    ("tests.test_serve", "serve"), ("tests.test_siteserver", "server"),
    ("tests.test_siteserver", "quick"), ("tests.test_site", "browser"),
    ("tests.test_site", "visits"), ("tests.test_store_settings", "no_union"),
    ("tests.test_store_matrix", "tdb2_endpoint"),
})


# The run's scratch files (copies of the project, builds, sites: a few hundred MB) go to a
# RAM-backed folder when the machine has one with room to spare and TMPDIR does not name
# another: on this project's 2-core machine `make test-fast` took 77 s there against 89 s on
# disk (a third less system time). Setting TMPDIR keeps them where it says.
RAM_FOLDER = Path("/dev/shm")
RAM_FOLDER_ROOM = 4 * 2**30


def _scratch_root() -> Path | None:
    """The RAM-backed folder for the run's scratch files, or None to leave TMPDIR's choice."""
    if "TMPDIR" in os.environ:
        return None
    try:
        room = os.statvfs(RAM_FOLDER)
    except OSError:
        return None
    if room.f_bavail * room.f_frsize < RAM_FOLDER_ROOM or not os.access(
            RAM_FOLDER, os.W_OK | os.X_OK):
        return None
    return RAM_FOLDER


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """A run started with Ctrl-C ignored (a background job of a shell without job control)
    would pass that on to the CLIs the tests interrupt; they get Ctrl-C as from a terminal.
    The scratch files go to a RAM-backed folder when there is one (`_scratch_root`): TMPDIR
    names it for pytest's temporary folders, the workers and every process the tests start,
    so this runs before pytest's own plugins make their folders."""
    root = _scratch_root()
    if root is not None:
        os.environ["TMPDIR"] = str(root)
        tempfile.tempdir = None  # read TMPDIR again
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_sessionstart(session: pytest.Session) -> None:
    """The reference tools' answers are kept in pytest's cache folder (tests/kept.py), which
    pytest's cache plugin has made by now (not when `pytest_configure` above runs)."""
    cache = getattr(session.config, "cache", None)  # None with -p no:cacheprovider
    if cache is not None:
        kept.FOLDER = cache.mkdir("ccbkg-kept")


# Seconds each test took (setup, call and teardown) when it last ran, kept in pytest's cache:
# the next run starts the longest files first (a file's weight is the sum of its tests'), so
# that no worker is left with a long file at the end while the other idles (make passes
# --no-loadscope-reorder to xdist). Kept by test, not by file: a run of a few tests of a file
# (`-k`, one test) updates those tests only, instead of making the whole file look short.
SECONDS_BY_TEST = "ccbkg/seconds-by-test"
_SECONDS: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Add up the seconds of each test (in the process that reports: xdist's controller)."""
    _SECONDS[report.nodeid] = _SECONDS.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Keep this run's seconds by test for the next run's order (those of files that are gone
    are dropped)."""
    cache = getattr(session.config, "cache", None)
    if cache is not None and _SECONDS and not hasattr(session.config, "workerinput"):
        known = {**cache.get(SECONDS_BY_TEST, {}),
                 **{test: round(t, 3) for test, t in _SECONDS.items()}}
        cache.set(SECONDS_BY_TEST, {test: t for test, t in sorted(known.items())
                                    if (REPO / test.split("::", 1)[0]).is_file()})


def pytest_collection_finish(session: pytest.Session) -> None:
    """What the imports and the collection made lives as long as the run: the cyclic collector
    leaves it alone from now on (`gc.freeze`), instead of walking it again in each full
    collection (seconds of a run's CPU)."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(trylast=True)  # after `-m` and `-k` have deselected
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order the test files longest first (by the seconds of their tests kept from the last
    runs; a test not seen yet counts 0.05 s), each file's tests in their order. Refuse to run
    when a test that starts a server or the browser is not marked slow."""
    cache = getattr(config, "cache", None)
    seconds = cache.get(SECONDS_BY_TEST, {}) if cache is not None else {}
    weight: Counter[str] = Counter()
    for item in items:
        weight[item.nodeid.split("::", 1)[0]] += seconds.get(item.nodeid, 0.05)
    items.sort(key=lambda item: -weight[item.nodeid.split("::", 1)[0]])  # stable
    unmarked = []
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        used = {(defs[-1].func.__module__, defs[-1].argname)  # the definition in effect
                for defs in (info.name2fixturedefs.values() if info else ()) if defs}
        if used & SLOW_FIXTURES and item.get_closest_marker("slow") is None:
            unmarked.append(item.nodeid)
    if unmarked:
        raise pytest.UsageError("these tests start a server or the browser but are not marked "
                                "slow (pytest.mark.slow): " + ", ".join(unmarked))


def _run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of this test run, shared by its xdist workers (each has a folder of
    its own inside it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextlib.contextmanager
def _run_lock(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    """A folder of the run's, made by the first worker that asks while the others wait."""
    folder = _run_folder(tmp_path_factory) / name
    with (_run_folder(tmp_path_factory) / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        folder.mkdir(mode=0o700, exist_ok=True)
        yield folder


@pytest.fixture(scope="session", autouse=True)
def page_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """ccbkg keeps pages of the bundled queries (docs/queries.md) and HermiT's verdicts in a
    cache folder: the tests' go to a folder of this run (its workers share it: ccbkg writes
    each entry whole), never into the user's home.

    HermiT's verdicts are also kept from run to run with the reference tools' answers
    (tests/kept.py): a verdict is named by the digest of the files it is about, so a run on
    unchanged files starts with it and runs no reasoner for them (a fresh clone, as on CI,
    runs it; test_reason.py runs HermiT itself, with no cache)."""
    with _run_lock(tmp_path_factory, "cache") as folder:
        os.environ["CCBKG_CACHE_DIR"] = str(folder)
        verdicts = folder / "reasoner"
        earlier = kept.FOLDER / "reasoner" if kept.FOLDER is not None else None
        if earlier is not None and not verdicts.exists():
            verdicts.mkdir(mode=0o700)
            for entry in earlier.glob("*.json"):
                shutil.copyfile(entry, verdicts / entry.name)
    yield
    if earlier is not None:
        for entry in verdicts.glob("*.json"):
            if not (earlier / entry.name).exists():
                kept.keep_file(entry, earlier / entry.name)


@pytest.fixture(scope="module")
def compiled_sparql() -> Iterator[None]:
    """rdflib compiles each SPARQL text once for the module's tests (tests/rdflib_queries.py):
    for the modules that run pyshacl in-process on hundreds of fixtures."""
    with compiled_once():
        yield


@dataclass
class CliResult:
    """What a CLI run printed and returned."""

    code: int
    out: str
    err: str


WARM = WarmCli()


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            fresh: bool = False, umask: int | None = None) -> CliResult:
    """Run `python -m ccbkg` in a process of its own (as a user would, with that umask when
    given) and capture everything.

    The process is forked from one that has imported ccbkg already (tests/warm_cli.py), unless
    the run needs a new interpreter: `fresh`, or a PYTHON* variable in `env`."""
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    if fresh or any(name.startswith("PYTHON") for name in env or {}):
        proc = subprocess.run(
            [sys.executable, "-m", "ccbkg", *args], cwd=cwd or REPO, env=full_env,
            capture_output=True, text=True, timeout=300, check=False,
            preexec_fn=None if umask is None else lambda: os.umask(umask),
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)
    with tempfile.TemporaryDirectory(prefix="ccbkg-cli-") as captured:
        out, err = Path(captured) / "out", Path(captured) / "err"
        code = WARM.run(list(args), cwd or REPO, full_env, out, err, umask)
        return CliResult(code, out.read_text(errors="replace"), err.read_text(errors="replace"))


@pytest.fixture(scope="session", autouse=True)
def _warm_cli_server() -> Iterator[None]:
    """Stop the warm CLI server at the end of the worker's session."""
    yield
    WARM.close()


def copy_sources(dest: Path) -> Path:
    """A scratch copy of the authored files that a test may break."""
    for name in SOURCE_DIRS:
        shutil.copytree(REPO / name, dest / name)
    return dest


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A writable copy of the repository's authored files."""
    return copy_sources(tmp_path / "src")


def assert_no_traceback(result: CliResult) -> None:
    """The CLI must never show a Python traceback."""
    assert "Traceback" not in result.err, result.err
    assert "Traceback" not in result.out, result.out


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/ built by the CLI as a user would, once per test run (defined here, and only here,
    so that every module shares it; the first worker that needs it builds it, the others wait
    for it): the real data passes every check. Tests copy it before they change anything."""
    with _run_lock(tmp_path_factory, "build") as folder:
        out = folder / "dist"
        if not (folder / "complete").exists():
            result = run_cli("build", "--root", str(REPO), "--out", str(out), "--quiet")
            assert_no_traceback(result)
            assert result.code == 0, result.out + result.err
            assert (out / "site" / "index.html").is_file(), result.err
            (folder / "complete").touch()
    return out

