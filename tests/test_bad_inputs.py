"""The catalogue of bad inputs (tests/bad_inputs/cases.toml), each run through the real CLI.

Every case must exit with its code, print a message that locates the problem, write nothing,
show no traceback and ask nothing of the decoy server.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import threading
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from typing import Any

import pytest

from tests.conftest import assert_no_traceback, copy_sources, run_cli

CATALOGUE = Path(__file__).parent / "bad_inputs"
FILES = CATALOGUE / "files"
DEFAULT_ARGS = ("build", "--root", "$root", "--out", "$out")
MIN_CASES = 30


@dataclass(frozen=True)
class Case:
    """One bad input: how to make it, how to run it and what the CLI must answer."""

    id: str
    why: str
    exit: int
    message: str
    args: tuple[str, ...] = DEFAULT_ARGS
    out: str = "$tmp/dist"
    write: dict[str, str] = field(default_factory=dict)
    copy: dict[str, str] = field(default_factory=dict)
    append: dict[str, str] = field(default_factory=dict)
    sparse: dict[str, int] = field(default_factory=dict)
    fifo: tuple[str, ...] = ()
    symlink: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    readonly: tuple[str, ...] = ()
    prebuild: bool = False
    java: bool = False
    absent: tuple[str, ...] = ()
    xfail: str | None = None


def _load() -> tuple[str, list[Case]]:
    manifest = tomllib.loads((CATALOGUE / "cases.toml").read_text(encoding="utf-8"))
    cases = []
    for raw in manifest["case"]:
        tuples = {k: tuple(v) for k, v in raw.items() if isinstance(v, list)}
        cases.append(Case(**{**raw, **tuples}))
    return manifest["prefixes"], cases


PREFIXES, CASES = _load()


def _params() -> Iterator[Any]:
    for case in CASES:
        marks = []
        if case.xfail:
            marks.append(pytest.mark.xfail(strict=True, reason=case.xfail))
        if case.java:
            marks += [pytest.mark.slow, pytest.mark.skipif(shutil.which("java") is None,
                                                            reason="the build runs HermiT on Java")]
        if case.readonly:
            marks.append(pytest.mark.skipif(os.geteuid() == 0,
                                            reason="root writes into read-only folders"))
        yield pytest.param(case, id=case.id, marks=marks)


class _Server(ThreadingHTTPServer):
    """Answers /401/, /404/, /500/ with that status, never answers /hang/, logs the rest."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.decoy_requests: list[str] = []
        self.stop = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        first = self.path.split("/")[1]
        if first == "hang":
            self.server.stop.wait(60)
            return
        if first in ("401", "404", "500"):
            status = int(first)
        else:
            self.server.decoy_requests.append(f"{self.command} {self.path}")
            status = 404
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    """The local HTTP server behind $server."""
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.stop.set()
    srv.shutdown()
    srv.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _listing(folder: Path) -> list[str] | None:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else None


def _make(case: Case, root: Path, fill: Callable[[str], str]) -> None:
    """Add, replace, append to and create the files of a case in the scratch copy."""
    for rel, text in case.write.items():
        (root / fill(rel)).write_text(fill(text), encoding="utf-8")
    for rel, name in case.copy.items():
        shutil.copyfile(FILES / name, root / rel)
    for rel, text in case.append.items():
        with (root / rel).open("a", encoding="utf-8") as handle:
            handle.write(fill(text))
    for rel, size in case.sparse.items():
        with (root / rel).open("wb") as handle:
            handle.truncate(size)
    for rel in case.readonly:
        (root / rel).mkdir(mode=0o555)
    for rel in case.fifo:
        os.mkfifo(root / rel)
    for rel, target in case.symlink.items():
        link = root / fill(rel)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(fill(target))


@pytest.fixture(scope="module")
def prebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build of the project, copied for each case that needs a build before it (a build
    is the same bytes from any copy of the project)."""
    root = copy_sources(tmp_path_factory.mktemp("prebuilt") / "src")
    out = root.parent / "dist"
    built = run_cli("build", "--root", str(root), "--out", str(out))
    assert built.code == 0, built.out + built.err
    return out


@pytest.mark.parametrize("case", list(_params()))
def test_bad_input(case: Case, tmp_path: Path, server: _Server,
                   request: pytest.FixtureRequest) -> None:
    root = copy_sources(tmp_path / "src")
    values = {"root": str(root), "tmp": str(tmp_path), "server": server.url,
              "closed": f"http://127.0.0.1:{_closed_port()}/sparql", "prefixes": PREFIXES}
    out = Path(Template(case.out).substitute(values))
    values["out"] = str(out)

    def fill(text: str) -> str:
        return Template(text).substitute(values)

    before = None
    if case.prebuild:
        shutil.copytree(request.getfixturevalue("prebuilt"), out, symlinks=True)
        before = _hashes(out)
    _make(case, root, fill)
    siblings = _listing(out.parent)
    server.decoy_requests.clear()
    try:
        result = run_cli(*(fill(a) for a in case.args), env=case.env)
    finally:
        for rel in case.readonly:
            (root / rel).chmod(0o755)
    shown = result.out + result.err

    assert_no_traceback(result)
    assert server.decoy_requests == [], "the decoy server was asked for something"
    for secret in case.absent:
        assert secret not in shown
    if before is None:
        assert not out.exists(), f"{out} was written"
    else:
        assert _hashes(out) == before, f"the previous build in {out} changed"
    assert _listing(out.parent) == siblings, f"something was left beside {out}"
    assert result.code == case.exit, shown
    assert re.search(case.message, shown, re.MULTILINE), shown


def test_catalogue_is_complete_and_has_no_dead_fixtures() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) >= MIN_CASES
    assert len(set(ids)) == len(ids), "case ids must be unique"
    used = {name for c in CASES for name in c.copy.values()}
    assert {p.name for p in FILES.iterdir()} == used, "every file in files/ is used, and exists"
    for case in CASES:
        re.compile(case.message)
        assert case.why.strip() and "\n" not in case.why, case.id
