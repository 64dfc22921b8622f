"""Guards that must hold everywhere: no network, no vacuous checks."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccbkg.core import netguard
from tests.conftest import REPO, assert_no_traceback, run_cli


def _guarded(code: str) -> subprocess.CompletedProcess[str]:
    """code run in a fresh interpreter after the network guard is installed."""
    prologue = "import socket, sys\nfrom ccbkg.core import netguard\nnetguard.install()\n"
    return subprocess.run([sys.executable, "-c", prologue + code], capture_output=True,
                          text=True, timeout=60, check=False)


def test_network_guard_refuses_remote_hosts() -> None:
    code = (
        "try:\n"
        "    socket.create_connection(('192.0.2.1', 80), timeout=1)\n"
        "except netguard.NetworkRefused as exc:\n"
        "    print('refused:', exc); sys.exit(0)\n"
        "sys.exit(3)\n"
    )
    proc = _guarded(code)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "refused: network access to 192.0.2.1 refused" in proc.stdout


def test_network_guard_allows_loopback() -> None:
    code = (
        "server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen()\n"
        "socket.create_connection(server.getsockname(), timeout=1).close()\n"
        "print('ok')\n"
    )
    proc = _guarded(code)
    assert proc.stdout.strip() == "ok", proc.stderr


def test_an_endpoint_the_user_names_is_reached_at_the_addresses_its_host_resolves_to() -> None:
    # The resolver is replaced, and the connections are the audit events the guard sees: no
    # packet leaves the machine.
    code = (
        "socket.getaddrinfo = lambda host, port, *a, **k: [\n"
        "    (socket.AF_INET, socket.SOCK_STREAM, 6, '', ('192.0.2.7', port))]\n"
        "def reached(address):\n"
        "    try:\n"
        "        sys.audit('socket.connect', None, (address, 443))\n"
        "    except netguard.NetworkRefused:\n"
        "        return False\n"
        "    return True\n"
        "before = reached('192.0.2.7')\n"
        "netguard.allow_endpoint('https://store.example/sparql')\n"
        "print(before, reached('192.0.2.7'), reached('192.0.2.8'))\n"
    )
    proc = _guarded(code)
    assert proc.stdout.split() == ["False", "True", "False"], proc.stdout + proc.stderr


def test_lint_without_rules_fails_instead_of_passing(scratch: Path) -> None:
    shutil.rmtree(scratch / "shapes" / "lint")
    shutil.rmtree(scratch / "queries" / "checks")
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,lint", "--quiet")
    assert result.code == 1
    assert_no_traceback(result)
    assert "the lint would check nothing" in result.out


def test_validation_without_shapes_fails_instead_of_passing(scratch: Path) -> None:
    for shapes in (scratch / "shapes").glob("*.ttl"):
        shapes.unlink()
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,shapes", "--quiet")
    assert result.code == 1
    assert "validation would check nothing" in result.out


# ------------------------------------------------------------------ deadlines (f-network)


@pytest.fixture
def drip() -> Iterator[str]:
    """A server on 127.0.0.1 that answers every request one byte every 0.25 s, for a minute."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def answer(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" + b"x" * 240:
                if stop.wait(0.25):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/sparql"
    stop.set()
    server.close()


def _timed(*args: str, limit: float) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run the CLI; fail (rather than wait) if it is still running after `limit` seconds."""
    started = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-m", "ccbkg", *args], cwd=REPO,
                              capture_output=True, text=True, timeout=limit, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {limit} s: ccbkg {' '.join(args)}")
    return time.monotonic() - started, proc


@pytest.mark.parametrize("command", [
    ("query", "run", "timeline", "--endpoint"),
    ("publish", "--quiet", "--retries", "0", "--endpoint"),
])
def test_a_server_that_trickles_its_answer_is_cut_off_at_the_deadline(
    drip: str, command: tuple[str, ...]
) -> None:
    """--timeout is a deadline for the whole request, not for each read of the socket."""
    seconds, proc = _timed(*command, drip, "--timeout", "0.5", limit=15)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert seconds < 0.5 + 4, f"took {seconds:.1f} s"
    line = proc.stderr.strip()
    assert "\n" not in line
    assert drip in line and "no answer within 0.5 s, the deadline for the whole request" in line


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
HUNGRY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a"
_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "started = time.monotonic()\n"
    "proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "print(proc.returncode, round(time.monotonic() - started, 2),\n"
    "      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)\n"
    "print(proc.stderr, end='')\n"
)


def _measured(*args: str) -> tuple[int, float, int, str]:
    """Exit code, wall time and peak memory (MiB, of ccbkg and its children) of a CLI run."""
    proc = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "ccbkg", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=True)
    head, _, err = proc.stdout.partition("\n")
    code, seconds, mib = head.split()
    return int(code), float(seconds), int(mib), err


@pytest.fixture(scope="module")
def baseline() -> tuple[int, float, int, str]:
    """A quick query's run: the time and memory ccbkg takes to start and load the sources."""
    return _measured("query", "run", "--sparql", "ASK {}")


@pytest.mark.parametrize(("text", "limits", "message"), [
    (RUNAWAY, ("--timeout", "0.5"),
     r"the query gave no answer within 0\.5 s and was stopped; .* raise --timeout"),
    (HUNGRY, ("--timeout", "20", "--max-memory", "200"),
     r"the query needed more than 200 MiB of memory and was stopped; .* raise --max-memory"),
])
def test_an_embedded_query_stops_at_its_deadline_and_memory_limit(
    text: str, limits: tuple[str, ...], message: str, baseline: tuple[int, float, int, str]
) -> None:
    code, seconds, mib, err = _measured("query", "run", "--sparql", text, *limits)
    assert code == 2, err
    assert "Traceback" not in err
    assert re.fullmatch(f"ccbkg: error: {message}\n", err), err
    assert seconds < baseline[1] + 2 + 3, f"took {seconds:.1f} s"
    assert mib < baseline[2] + 200 + 150, f"peaked at {mib} MiB"


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE {\n  ?s ?p ?o .\n  sErViCe<http://x/>{ ?s ?p ?o } }",
    "SELECT * WHERE { ?s ex:a\\#b ?o . SERVICE <http://x/> { } }",
    "SELECT * WHERE { ?s ?p \"\"\"a\"\"b\"\"\" . SERVICE <http://x/> { } }",
    "SELECT * WHERE { ?s ?p 'it\\'s' SERVICE ?where { } }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o<?s) SERVICE <http://x/> { } }",
    "LOAD SILENT <http://x/d.ttl>",
    "SELECT * WHERE { ?s ?p ?o # a comment ends at a carriage return\rSERVICE <http://x/> { } }",
    "SELECT * WHERE { ?s ex:café ?o . SERVICE <http://x/> { } }",
    "SELECT * WHERE { ?s ?p 'x'@en-GB SERVICE <http://x/> { } }",
])
def test_the_sparql_guard_finds_service_and_load(text: str) -> None:
    assert netguard.network_use(text) is not None, text


@pytest.mark.parametrize("end", ["\n", "\r", "\r\n"])
def test_the_sparql_guard_counts_lines_as_every_finding_does(end: str) -> None:
    """The guard counted LF only: in a file whose lines end with CR it put a SERVICE on line
    1, where the loader's other findings (and an editor) count line 3."""
    text = end.join(["SELECT * WHERE {", "  ?s ?p ?o .", "  SERVICE <http://x/> { } }"])
    assert netguard.network_use(text) == ("SERVICE", 3, 3)


@pytest.mark.parametrize("text", [
    'SELECT ("SERVICE <x> {}" AS ?a) WHERE { } # SERVICE <x> {}',
    "PREFIX service: <http://e/>\nSELECT ?service WHERE { ?s service:LOAD <http://e/SERVICE> }",
    "SELECT * WHERE { ?s ?p \"\"\"x\nSERVICE <y> {}\"\"\"@en, 'a'@service, _:LOAD }",
    "PREFIX : <http://e/>\nSELECT ?1SERVICE WHERE { ?1SERVICE :LOAD :SERVICE, ex:a:LOAD }",
])
def test_the_sparql_guard_ignores_the_words_in_names_strings_and_comments(text: str) -> None:
    assert netguard.network_use(text) is None, text


def test_an_embedded_query_stopped_at_its_deadline_leaves_no_process_behind() -> None:
    marker = f"# stray-check-{os.getpid()}-{time.monotonic_ns()}"
    code, _, _, err = _measured("query", "run", "--sparql", f"{RUNAWAY}\n{marker}",
                                "--timeout", "0.5")
    assert code == 2, err

    def command(process: Path) -> str:
        try:
            return (process / "cmdline").read_text(errors="replace")
        except OSError:
            return ""

    assert [p.name for p in Path("/proc").iterdir()
            if p.name.isdigit() and marker in command(p)] == []


@settings(max_examples=150, deadline=None)
@given(literal=st.text(), comment=st.text().map(lambda t: re.sub("[\r\n]", " ", t)),
       fetch=st.booleans())
def test_the_sparql_guard_reads_strings_and_comments_as_sparql_does(
    literal: str, comment: str, fetch: bool
) -> None:
    """Any literal (written by pyoxigraph) or comment holds no keyword; a real SERVICE after
    them is always found, and the text is a query pyoxigraph parses."""
    service = "SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }" if fetch else ""
    text = (f"SELECT * WHERE {{ ?s ?p {ox.Literal(literal)} . # {comment}\n"
            f"  {service} }}")
    assert (netguard.network_use(text) is not None) == fetch, text
    if not fetch:
        netguard.query(ox.Store(), text)


def test_the_rows_of_a_select_read_in_one_thread_may_be_freed_in_another(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """pyoxigraph's results object may only be freed by the thread that made it; the rows
    `netguard.select` gives back are read in that thread, so a thread pool may hand them on
    (as the SHACL engine's threads and `ccbkg check`'s stages do)."""
    import gc
    from concurrent.futures import ThreadPoolExecutor

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"),
                      ox.Literal("x")))
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    with ThreadPoolExecutor(1) as pool:
        names, rows = pool.submit(netguard.select, store, "SELECT ?s ?o { ?s ?p ?o }").result()
    assert names == ["s", "o"] and [row["o"] for row in rows] == [ox.Literal("x")]
    del rows
    gc.collect()
    assert unraisable == []
    with pytest.raises(netguard.NotSelect, match="the check must be a SELECT query"):
        netguard.select(store, "ASK { ?s ?p ?o }", where="the check")


def test_a_traceback_kept_by_a_function_of_the_query_does_not_keep_its_results(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A Python function the query calls may leave a traceback behind (rdflib logs a literal
    it cannot convert with its traceback, which a log handler keeps). The traceback's frames
    reach the frame of `netguard.select`; the results object must not be among what they keep,
    or it is freed later in another thread ("is unsendable, but is being dropped on another
    thread", seen once on CI)."""
    import gc
    import logging

    kept: list[logging.LogRecord] = []

    class Keeping(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            kept.append(record)

    logger = logging.getLogger("tests.query-function")
    logger.propagate = False
    monkeypatch.setattr(logger, "handlers", [Keeping()])

    def logs_a_failure(term: ox.NamedNode) -> ox.Literal:
        try:
            int(term.value)
        except ValueError:  # as rdflib logs a literal it cannot convert
            logger.warning("cannot convert %s", term.value, exc_info=True)
        return ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"),
                      ox.Literal("x")))
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    function = ox.NamedNode("http://example.org/logs-a-failure")
    worker = threading.Thread(target=netguard.select, args=(
        store, "SELECT ?s { ?s ?p ?o FILTER(<http://example.org/logs-a-failure>(?s)) }"),
        kwargs={"custom_functions": {function: logs_a_failure}})
    worker.start()
    worker.join()
    assert len(kept) == 1 and kept[0].exc_info is not None
    kept.clear()  # the record and its traceback freed in this thread
    gc.collect()
    assert unraisable == []
