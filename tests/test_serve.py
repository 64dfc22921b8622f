"""`ccbkg serve` as a user runs it: a subprocess that prints its URL and stops on Ctrl-C."""

from __future__ import annotations

import http.client
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from tests.conftest import REPO, assert_no_traceback, run_cli
from tests.stores import free_port, port_open

pytest_plugins = ("tests.conftest_stores",)
pytestmark = pytest.mark.slow

GRAPH = "https://w3id.org/ccbkg/graph/"
JAPAN = "https://w3id.org/ccbkg/id/country/JPN"


@dataclass
class Served:
    """A running `ccbkg serve` and what it printed."""

    process: subprocess.Popen[str]
    lines: list[str]
    endpoint: str
    port: int
    scratch: Path


def _reader(stream: Iterator[str], out: queue.Queue[str | None]) -> None:
    for line in stream:
        out.put(line)
    out.put(None)


Start = Callable[..., Served]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Start]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, seconds: float = 90, tmp: Path | None = None) -> Served:
        scratch = tmp or tmp_path / f"tmp{len(started)}"
        scratch.mkdir(exist_ok=True)
        env = {**os.environ, "TMPDIR": str(scratch), "COLUMNS": "200"}
        process = subprocess.Popen(
            [sys.executable, "-m", "ccbkg", "serve", *args], cwd=tmp_path, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started.append(process)
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_reader, args=(process.stdout, lines), daemon=True).start()
        seen: list[str] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            seen.append(line)
            if line.startswith("Press Ctrl-C"):
                endpoint = next(x.split(": ", 1)[1].strip() for x in seen
                                if x.startswith("SPARQL endpoint: "))
                port = int(endpoint.rsplit(":", 1)[1].split("/")[0])
                return Served(process, seen, endpoint, port, scratch)
        process.kill()
        raise AssertionError("serve did not print its endpoint:\n" + "".join(seen))

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def bait() -> Iterator[tuple[str, list[str]]]:
    """A web server on 127.0.0.1 that records every request: what the store must not reach."""
    seen: list[str] = []

    class Record(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            body = b"<urn:x:bait> <urn:x:p> <urn:x:o> .\n"
            self.send_response(200)
            self.send_header("Content-Type", "application/n-triples")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Record)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def _post(port: int, path: str, form: dict[str, str],
          headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """A raw form POST (as a web page can send one), headers exactly as given."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        given = headers or {}
        conn.putrequest("POST", path, skip_host="Host" in given)
        body = urlencode(form).encode()
        for name, value in {"Content-Type": "application/x-www-form-urlencoded",
                            "Content-Length": str(len(body)), **given}.items():
            conn.putheader(name, value)
        conn.endheaders(body)
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


def _select(endpoint: str, query: str) -> list[dict[str, dict[str, str]]]:
    wrapper = SPARQLWrapper(endpoint)
    wrapper.setQuery(query)
    wrapper.setReturnFormat(JSON)
    return wrapper.queryAndConvert()["results"]["bindings"]


def _stop(served: Served) -> None:
    served.process.send_signal(signal.SIGINT)
    code = served.process.wait(timeout=30)
    assert code == 0, "".join(served.lines)
    assert not port_open(served.port), "the port is still open after Ctrl-C"
    assert list(served.scratch.iterdir()) == [], "the temporary store was left behind"


def test_serve_sources_read_only_until_ctrl_c(serve: Start, release_quads: list[ox.Quad]):
    port = free_port()
    served = serve("--root", str(REPO), "--port", str(port))
    assert served.endpoint == f"http://127.0.0.1:{port}/query"
    text = "".join(served.lines)
    assert "the project files in" in text and "read-only" in text and "curl -s" in text, text
    assert "No documentation site" in text, text
    graphs = {r["g"]["value"]: int(r["n"]["value"]) for r in _select(
        served.endpoint,
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    expected: dict[str, int] = {}
    for q in release_quads:
        expected[q.graph_name.value] = expected.get(q.graph_name.value, 0) + 1
    assert graphs == expected
    assert {GRAPH + "ontology", GRAPH + "shapes", GRAPH + "data/japan"} <= set(graphs)
    union = _select(served.endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(union[0]["n"]["value"]) == len({q.triple for q in release_quads})
    update = SPARQLWrapper(served.endpoint.replace("/query", "/update"))
    update.setMethod(POST)
    update.setQuery("INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }")
    with pytest.raises((SPARQLWrapperException, urllib.error.HTTPError)):
        update.query()
    _stop(served)


def test_serve_removes_what_a_killed_serve_left_and_keeps_a_running_ones(
        serve: Start, dist: Path) -> None:
    """`ccbkg serve` killed with kill -9 left its temporary store (the whole release) in the
    temporary folder, and no later serve removed it. The next serve removes a killed one's
    folder (its lock is free) and never a running one's."""
    first = serve("--dist", str(dist), "--port", "0")
    (running,) = first.scratch.iterdir()
    older = first.scratch / "ccbkg-serve-0ld3r"  # a serve's from before the lock: kept
    (older / "store").mkdir(parents=True)
    killed = serve("--dist", str(dist), "--port", "0", tmp=first.scratch)
    (left,) = set(first.scratch.iterdir()) - {running, older}
    killed.process.kill()
    killed.process.wait(timeout=10)
    assert (left / "store").is_dir()
    second = serve("--dist", str(dist), "--port", "0", tmp=first.scratch)
    assert not left.exists() and (running / "store").is_dir()
    second.process.send_signal(signal.SIGINT)
    assert second.process.wait(timeout=30) == 0
    assert sorted(first.scratch.iterdir()) == sorted([running, older])
    shutil.rmtree(older)
    _stop(first)


def test_serve_never_fetches_a_service(serve: Start, dist: Path,
                                       bait: tuple[str, list[str]]):
    served = serve("--dist", str(dist), "--port", "0")
    url, seen = bait
    status, body = _post(served.port, "/query", {
        "query": f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}"},
        {"Accept": "text/csv"})
    assert seen == [], f"the store fetched {seen} ({status} {body[:200]!r})"
    assert b"bait" not in body
    _stop(served)


def test_serve_a_built_site_beside_the_endpoint(serve: Start, built: Path):
    """With --port 0 the site gets a free port too: it took 7879 whatever --port said, so a
    second server, or anything else on 7879, stopped it (held here while it starts)."""
    with socket.socket() as held:
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        held.bind(("127.0.0.1", 7879))
        held.listen()
        served = serve("--dist", str(built), "--port", "0")
    text = "".join(served.lines)
    site = next(x.split(": ", 1)[1].strip() for x in served.lines
                if x.startswith("Documentation site: "))
    base = site.removesuffix("/site/index.html")
    assert site.startswith("http://127.0.0.1:") and "curl -sL" in text, text
    with urllib.request.urlopen(site, timeout=10) as page:
        assert page.status == 200 and b"<h1" in page.read()
    request = urllib.request.Request(f"{base}/ccbkg/id/country/JPN",
                                     headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(request, timeout=10) as answer:  # follows the 303
        assert answer.url == f"{base}/site/id/country/JPN.ttl"
        assert answer.headers["Content-Type"].startswith("text/turtle")
    rows = _select(served.endpoint, f"SELECT ?p WHERE {{ <{JAPAN}> ?p ?o }} LIMIT 1")
    assert len(rows) == 1, "the endpoint beside the site does not serve the data"
    _stop(served)
    assert not port_open(int(base.rsplit(":", 1)[1])), "the site port is still open"


def test_serve_a_build_writable(serve: Start, dist: Path, bait: tuple[str, list[str]]):
    served = serve("--dist", str(dist), "--port", "0", "--writable")
    text = "".join(served.lines)
    assert f"{dist / 'ccbkg.nq'}" in text and "writable" in text, text
    update = SPARQLWrapper(served.endpoint.replace("/query", "/update"))
    update.setMethod(POST)
    update.setQuery("INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> <urn:x:o> } }")
    update.query()
    assert _select(served.endpoint, "SELECT * WHERE { <urn:x:s> <urn:x:p> <urn:x:o> }") == [{}]
    with urllib.request.urlopen(served.endpoint.removesuffix("query"), timeout=10) as editor:
        assert editor.status == 200, "the query editor is not reachable through the guard"
    own = f"http://127.0.0.1:{served.port}"
    drop = {"update": "DROP GRAPH <urn:x:g>"}
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                    {"Host": f"evil.example:{served.port}"}):
        status, _ = _post(served.port, "/update", drop, headers)
        assert status == 403, headers
    assert _select(served.endpoint, "SELECT * WHERE { <urn:x:s> <urn:x:p> <urn:x:o> }") == [{}]
    url, seen = bait
    status, body = _post(served.port, "/update", {
        "update": f"LOAD <{url}/data.nt> INTO GRAPH <urn:x:loaded>"}, {"Origin": own})
    assert seen == [] and status >= 400, f"the store fetched {seen} ({status} {body[:200]!r})"
    assert _post(served.port, "/update", drop, {"Origin": own})[0] == 204
    assert _select(served.endpoint, "SELECT * WHERE { <urn:x:s> <urn:x:p> <urn:x:o> }") == []
    _stop(served)


@pytest.mark.parametrize(("args", "says"), [
    (["--bind", "0"], "not an address to listen on"),
    (["--bind", "127.1"], "not an address to listen on"),
    (["--bind", "no-such-host.invalid"], "does not resolve"),
    (["--bind", "::", "--writable"], "--writable is only for this machine"),
])  # with the cases serve-bind-* of tests/bad_inputs/cases.toml
def test_serve_a_bad_or_open_bind_is_refused_at_once(dist: Path, args: list[str], says: str):
    start = time.monotonic()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "ccbkg", "serve", "--dist", str(dist), "--port", "0",
             "--site-port", "0", *args], capture_output=True, text=True, timeout=20,
            check=False, env={**os.environ, "COLUMNS": "200"})
    except subprocess.TimeoutExpired:
        raise AssertionError(f"serve {args} did not stop within 20 s") from None
    assert result.returncode == 2, result
    assert says in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert time.monotonic() - start < 15


def test_serve_port_in_use_is_one_line_exit_2(serve: Start, dist: Path):
    first = serve("--dist", str(dist), "--port", "0")
    result = run_cli("serve", "--dist", str(dist), "--port", str(first.port), "--quiet")
    assert result.code == 2, result
    assert_no_traceback(result)
    assert f"cannot listen on 127.0.0.1:{first.port}" in result.err, result.err
    assert result.err.count("\n") == 1, result.err
    _stop(first)


def test_serve_public_passes_the_bind_check():
    """--public lets a network --bind through (the taken port stops it before it listens)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--root", str(REPO), "--bind", "0.0.0.0", "--public",
                         "--port", str(port), "--quiet")
    assert result.code == 2, result
    assert f"cannot listen on 0.0.0.0:{port}" in result.err, result.err


def test_serve_missing_build_is_one_line_exit_2(tmp_path: Path):
    result = run_cli("serve", "--dist", str(tmp_path / "nowhere"), "--quiet")
    assert result.code == 2, result
    assert_no_traceback(result)
    assert "ccbkg build" in result.err and result.err.count("\n") == 1, result.err


def test_serve_a_damaged_release_names_the_line_oxigraph_could_not_read(dist: Path,
                                                                         tmp_path: Path):
    """`oxigraph load`'s own line (file, line, column), not the last line of a Rust stack
    trace (RUST_BACKTRACE set in the user's shell)."""
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    lines = (dist / "ccbkg.nq").read_bytes().splitlines(keepends=True)
    lines[9] = b"this is not N-Quads\n"
    (damaged / "ccbkg.nq").write_bytes(b"".join(lines))
    result = run_cli("serve", "--dist", str(damaged), "--port", str(free_port()), "--quiet",
                     env={**os.environ, "RUST_BACKTRACE": "1"})
    assert result.code == 2, result.err
    assert result.err == (f"ccbkg: error: oxigraph load failed: Error while loading file "
                          f"{damaged / 'ccbkg.nq'}: Parser error at line 10 between columns 1 "
                          "and 5: The subject of a triple must be an IRI or a blank node\n")


def test_serve_help_names_the_options():
    result = run_cli("serve", "--help")
    assert result.code == 0
    for option in ("--bind", "--public", "--port", "--site-port", "--writable", "--dist",
                   "--root", "--quiet"):
        assert option in result.out
    result = run_cli("publish", "--help")
    assert result.code == 0
    for option in ("--endpoint", "--graph-base", "--store", "--update-endpoint",
                   "--gsp-endpoint", "--timeout", "--dist", "--root", "--quiet"):
        assert option in result.out
