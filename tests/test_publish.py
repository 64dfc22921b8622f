"""`ccbkg publish` against real stores (Oxigraph server, Virtuoso) that the tests start.

Each store gets the release, answers the bundled queries as the embedded engine does (with
their defaults and with a parameter bound, on a fresh store and again once it has been used),
takes it again without change, and keeps the previous release intact when a publish breaks
half-way: a dropped connection, a rejected batch, a killed server, a lost or missing switch.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pyoxigraph as ox
import pytest

from ccbkg.checks import fastshacl
from ccbkg.core.errors import CcbkgError
from ccbkg.core.namespaces import GRAPH, SH
from ccbkg.core.progress import Progress
from ccbkg.core.terms import rdflib_graph
from ccbkg.stores import publish as pub
from ccbkg.stores import virtuoso as virtuoso_text
from ccbkg.stores.http_client import PASSWORD_ENV, USER_ENV, HttpClient, StoreError
from ccbkg.stores.profiles import endpoints
from tests.conftest import REPO, assert_no_traceback, run_cli
from tests.stores import (
    FaultProxy,
    StoreUnderTest,
    VirtuosoServer,
    bundled_query_names,
    changed_release,
    compare_bundled_query,
    free_port,
)
from tests.test_queries import COUNTRIES, FIRST_SELECTIVE, PER_COUNTRY

pytest_plugins = ("tests.conftest_stores",)

BASE = pub.DEFAULT_GRAPH_BASE
STAGING = BASE + pub.STAGING

pytestmark = pytest.mark.slow


# ------------------------------------------------------------------------ without a server


def test_parts_keep_the_release_blank_nodes_and_digest_them_whatever_their_labels():
    """Publish puts the blank nodes the release keeps (the ontology's class expressions, the
    shapes' lists and paths) into the store as blank nodes, as the bulk loader does; the
    digest does not depend on their labels."""
    from ccbkg.rdf.dataset import open_release

    release_parts = pub.parts_of(open_release(None, REPO).quads())  # canonical N-Quads
    again = pub.parts_of(_reparsed())  # new blank node labels
    assert [(p.target, p.count, p.digest) for p in again] == [
        (p.target, p.count, p.digest) for p in release_parts]
    assert {p.target for p in release_parts} >= {BASE + "ontology", BASE + "data/japan",
                                                 BASE + "shapes"}
    blank = {p.target for p in release_parts if p.has_blank_nodes}
    assert blank >= {BASE + "ontology", BASE + "shapes"}, blank
    assert not any(p.target.startswith(BASE + "data/") for p in release_parts
                   if p.target in blank), blank
    released = {q.triple for q in open_release(None, REPO).quads()}
    assert {t for p in release_parts for t in p.triples} == released  # nothing renamed
    one = release_parts[[p.target for p in release_parts].index(BASE + "ontology")]
    relabelled = [ox.Triple(ox.BlankNode() if isinstance(t.subject, ox.BlankNode) else t.subject,
                            t.predicate, t.object) for t in one.triples]
    assert pub.digest(relabelled) != one.digest  # the digest sees the structure, not labels


def _reparsed() -> list[ox.Quad]:
    """The release made from the sources again, each blank node under a new label."""
    from ccbkg.rdf.dataset import open_release

    fresh: dict[ox.BlankNode, ox.BlankNode] = {}

    def new(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> object:
        return fresh.setdefault(term, ox.BlankNode()) if isinstance(term, ox.BlankNode) else term

    return [ox.Quad(new(q.subject), q.predicate, new(q.object), q.graph_name)  # type: ignore[arg-type]
            for q in open_release(None, REPO).quads()]


def test_graph_base_renames_targets_and_staging(release_quads: list[ox.Quad]):
    kg = pub.BASE + "kg/"
    parts = pub.parts_of(release_quads, kg)
    assert {p.target for p in parts} >= {kg + "ontology", kg + "data/japan"}
    assert all(p.staging.startswith(kg + ".staging/") for p in parts)
    for wrong in (pub.BASE + "kg", "http://example.org/kg/"):
        with pytest.raises(CcbkgError, match="must be under"):
            pub.parts_of(release_quads, wrong)


def test_digest_compares_literals_by_value():
    s, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    boolean = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
    decimal = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
    assert pub.digest([ox.Triple(s, p, ox.Literal("true", datatype=boolean))]) == pub.digest(
        [ox.Triple(s, p, ox.Literal("1", datatype=boolean))])
    assert pub.digest([ox.Triple(s, p, ox.Literal("2.50", datatype=decimal))]) == pub.digest(
        [ox.Triple(s, p, ox.Literal("2.5", datatype=decimal))])
    assert pub.digest([ox.Triple(s, p, ox.Literal("a "))]) != pub.digest(
        [ox.Triple(s, p, ox.Literal("a"))])


class _Answers:
    """A client whose every request is answered with the next of the bodies given."""

    def __init__(self, *bodies: bytes) -> None:
        self.bodies = list(bodies)

    def request(self, method: str, url: str, **_: object) -> object:
        return type("Answer", (), {"body": self.bodies.pop(0)})()


def test_a_graph_read_back_in_another_spelling_is_the_same_graph():
    """What a store sends back is compared as lines, and a line the release does not have is
    parsed and written again (another version of the store may escape otherwise, end lines
    with CR LF, or write a number or boolean in another spelling): the same triples are
    verified and need no change; one changed word is one line deleted and one added."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    s, p = (ox.NamedNode(f"http://example.org/{n}") for n in "sp")
    g = ox.NamedNode(pub.DEFAULT_GRAPH_BASE + "g")
    objects = [ox.NamedNode("http://example.org/o"), ox.Literal("caf\u00e9\nbar"),
               ox.Literal("5", datatype=ox.NamedNode(xsd + "nonNegativeInteger")),
               ox.Literal("true", datatype=ox.NamedNode(xsd + "boolean")),
               ox.Literal("2.50", datatype=ox.NamedNode(xsd + "decimal"))]
    (part,) = pub.parts_of([ox.Quad(s, p, o, g) for o in objects], BASE)
    spo = "<http://example.org/s> <http://example.org/p>"
    same = (f"{spo} <http://example.org/o> .\r\n{spo} \"caf\\u00E9\\nbar\" .\n"
            f"{spo} \"5\"^^<{xsd}integer> .\n{spo} \"1\"^^<{xsd}boolean> .\n"
            f"{spo} \"2.5\"^^<{xsd}decimal> .\n").encode()
    where = endpoints("oxigraph", "http://127.0.0.1:9/query")
    store = pub._Store(where, _Answers(same, same))  # type: ignore[arg-type]
    held = store.read(part.target, part.line_set)
    assert len(held) == part.count and set(held) != part.line_set
    assert pub._difference([part], {part.target: set(held)}) == ([], {})
    store.verify(part, part.target, "published graph")

    other = same.replace(b"bar", b"baz")
    store = pub._Store(where, _Answers(other, other, b"<s> is not N-Triples\n"))  # type: ignore[arg-type]
    removals, additions = pub._difference([part], {part.target: set(store.read(
        part.target, part.line_set))})
    assert len(removals) == 1 and "baz" in removals[0] and "bar" not in removals[0]
    assert [line for lines in additions.values() for line in lines] == [
        line for line in part.lines if b"bar" in line]
    with pytest.raises(CcbkgError, match="holds other triples than the release"):
        store.verify(part, part.target, "published graph")
    with pytest.raises(StoreError, match="not N-Triples"):
        store.read(part.target, part.line_set)


def test_store_profiles():
    ox_ = endpoints("oxigraph", "http://127.0.0.1:7878/query")
    assert (ox_.query, ox_.update, ox_.gsp) == (
        "http://127.0.0.1:7878/query", "http://127.0.0.1:7878/update",
        "http://127.0.0.1:7878/store")
    virt = endpoints("virtuoso", "http://h:8890/sparql", authenticated=True)
    assert (virt.query, virt.update, virt.gsp) == (
        "http://h:8890/sparql", "http://h:8890/sparql-auth", "http://h:8890/sparql-graph-crud-auth")
    generic = endpoints("generic", "http://h/ds/sparql", update="http://h/ds/update")
    assert (generic.query, generic.update, generic.gsp) == (
        "http://h/ds/sparql", "http://h/ds/update", None)
    with pytest.raises(CcbkgError, match="credentials") as caught:
        endpoints("generic", "http://user:hunter2@h/sparql")
    assert "hunter2" not in str(caught.value)


def test_virtuoso_load_script_text():
    """One procedure (isql-vt goes on after a failed statement): every file read before any
    graph is cleared, then the clearing, the loads, and the loader's errors raised."""
    script = pub.virtuoso_load_script(
        [BASE + "ontology", BASE + "data/japan"], {"ccbkg.nq": BASE + "default"})
    order = ["file_to_string_output (path, 0, 1);",
             "delete from DB.DBA.RDF_QUAD where G = iri_to_id (kept[i]);",
             "ld_add (path, files[i + 1]);", "rdf_loader_run ();", "signal ('CCBK2'"]
    assert [script.index(step) for step in order] == sorted(script.index(s) for s in order)
    assert ("SELECT DB.DBA.CCBKG_LOAD ('$U{CCBKG_DIST}', 'https://w3id.org/ccbkg/graph/', "
            "vector ('https://w3id.org/ccbkg/graph/data/japan', "
            "'https://w3id.org/ccbkg/graph/ontology'),\n  vector ('ccbkg.nq', "
            "'https://w3id.org/ccbkg/graph/default'));") in script
    assert script.rstrip().splitlines()[-2:] == ["DROP PROCEDURE DB.DBA.CCBKG_LOAD;",
                                                  "checkpoint;"]


def test_unreachable_endpoint_is_one_line_exit_2():
    port = free_port()  # nothing listens there
    result = run_cli("publish", "--store", "oxigraph", "--endpoint", f"http://127.0.0.1:{port}",
                     "--root", str(REPO), "--quiet")
    assert result.code == 2, result
    assert_no_traceback(result)
    assert result.err.count("\n") == 1 and "refused the connection" in result.err, result.err


def test_timeout_is_one_line_exit_2():
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/sparql"
        result = run_cli("publish", "--endpoint", url, "--timeout", "0.5", "--root", str(REPO),
                         "--quiet")
    assert result.code == 2, result
    assert_no_traceback(result)
    assert "no answer within 0.5 s" in result.err and result.err.count("\n") == 1, result.err


class _EmptyLanguage(BaseHTTPRequestHandler):
    """A SPARQL endpoint whose every answer has a row pyoxigraph cannot read: an empty
    language tag, as Virtuoso 7.2.5 wrote one."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
            {"x": {"type": "literal", "xml:lang": "", "value": "Japan"}}]}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_unreadable_row_is_one_line_exit_2():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EmptyLanguage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = run_cli("publish", "--endpoint",
                         f"http://127.0.0.1:{server.server_address[1]}/sparql",
                         "--root", str(REPO), "--quiet")
    finally:
        server.shutdown()
        server.server_close()
    assert result.code == 2, result
    assert_no_traceback(result)
    assert "internal error" not in result.err and "not SPARQL results" in result.err, result.err


class _Fixed(BaseHTTPRequestHandler):
    """Answers every request with the status and headers set on the server."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        self.server.seen.append((self.command, self.path))  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status, headers = self.server.answer  # type: ignore[attr-defined]
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _answer


@pytest.fixture
def fixed_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fixed)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_redirect_is_refused_not_followed(fixed_server: ThreadingHTTPServer):
    port = fixed_server.server_address[1]
    fixed_server.answer = (307, [("Location", f"http://127.0.0.1:{port}/elsewhere")])  # type: ignore[attr-defined]
    client = HttpClient(timeout=5)
    with pytest.raises(StoreError, match=r"redirect \(HTTP 307\) to http://127\.0\.0\.1"):
        client.request("POST", f"http://127.0.0.1:{port}/update", body=b"update=CLEAR+ALL",
                       idempotent=False)
    assert fixed_server.seen == [("POST", "/update")]  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", [
    ["publish", "--store", "generic", "--quiet", "--endpoint", "http://192.0.2.10/sparql"],
    ["publish", "--store", "generic", "--quiet", "--endpoint", "https://192.0.2.10/sparql",
     "--update-endpoint", "http://192.0.2.10/update"],
    ["query", "run", "forums", "--endpoint", "http://192.0.2.10/sparql"]])
def test_credentials_are_never_offered_in_clear_to_another_host(command: list[str]) -> None:
    """`query run --endpoint` refused to send CCBKG_STORE_* over http to another host, but
    `publish` (docs/queries.md: "the same as for ccbkg publish") offered them to any URL it
    was given: now the one HTTP client refuses, before any request, for every command."""
    result = run_cli(*command, "--root", str(REPO),
                     env={USER_ENV: "alice", PASSWORD_ENV: "s3cr3t-pw"})
    assert result.code == 2, result
    assert_no_traceback(result)
    assert "credentials are only sent over https (or to this machine), not to " \
        "http://192.0.2.10/" in result.err, result.err
    assert "s3cr3t-pw" not in result.err + result.out


@pytest.mark.parametrize("command", ["publish", "serve"])
def test_a_release_file_cut_short_after_the_build_is_refused(
        built: Path, tmp_path: Path, command: str) -> None:
    """`ccbkg.nq` cut in half (a copy that stopped part-way) was published, "verified", exit
    0, with the graphs it lacked dropped from the store: the SHA256SUMS beside it said
    otherwise and was not read. The release is checked against it before the store is asked
    (here none is listening) or a server started."""
    for name in ("ccbkg.nq", "SHA256SUMS"):
        (tmp_path / name).write_bytes((built / name).read_bytes())
    data = (built / "ccbkg.nq").read_bytes()
    (tmp_path / "ccbkg.nq").write_bytes(data[:data.index(b"\n", len(data) // 2) + 1])
    args = ["--endpoint", "http://127.0.0.1:9/"] if command == "publish" else ["--port", "0"]
    result = run_cli(command, *args, "--dist", str(tmp_path))
    assert result.code == 2, result
    assert_no_traceback(result)
    assert f"{tmp_path / 'ccbkg.nq'}: does not match its checksum in " \
        f"{tmp_path / 'SHA256SUMS'} (the file was changed or cut short after the build)" \
        in result.err, result.err
    (tmp_path / "ccbkg.nq").unlink()
    os.mkfifo(tmp_path / "ccbkg.nq")  # a named pipe was "no such file"
    fifo = run_cli(command, *args, "--dist", str(tmp_path))
    assert fifo.code == 2 and "is not a regular file" in fifo.err, fifo


def test_credentials_never_shown(fixed_server: ThreadingHTTPServer):
    port = fixed_server.server_address[1]
    fixed_server.answer = (401, [("WWW-Authenticate", 'Basic realm="store"')])  # type: ignore[attr-defined]
    result = run_cli("publish", "--endpoint", f"http://127.0.0.1:{port}/sparql", "--root",
                     str(REPO), "--quiet", env={USER_ENV: "alice", PASSWORD_ENV: "s3cr3t-pw"})
    assert result.code == 2, result
    assert_no_traceback(result)
    assert "HTTP 401" in result.err and "refused the credentials" in result.err, result.err
    assert "s3cr3t-pw" not in result.err + result.out


class _Slow(_Fixed):
    """Answers 204 after the delay set on the server."""

    def _answer(self) -> None:
        time.sleep(self.server.delay)  # type: ignore[attr-defined]
        super()._answer()

    do_GET = do_POST = _answer


def test_a_request_may_wait_longer_than_the_client_timeout():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    server.seen, server.answer, server.delay = [], (204, []), 0.6  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/update"
    try:
        client = HttpClient(timeout=0.3, retries=0)
        with pytest.raises(StoreError, match=r"no answer within 0\.3 s"):
            client.request("POST", url, body=b"update=", idempotent=False)
        assert client.request("POST", url, body=b"update=", idempotent=False,
                              timeout=3).status == 204
    finally:
        server.shutdown()
        server.server_close()


def test_the_switch_waits_in_proportion_to_the_release():
    waited: list[float | None] = []

    class Store:
        client = HttpClient(timeout=2)
        sql_staged = False

        def update(self, request: str, *, idempotent: bool, what: str,
                   timeout: float | None = None) -> None:
            waited.append(timeout)

    for size, expected in ((10, 2.0), (250_000, 5.0)):
        part = pub.Part("p", "urn:x:g", "urn:x:staging", [b'<urn:x:s> <urn:x:p> "o" .'] * size)
        assert pub._switch(Store(), [part], Progress(quiet=True)) == []  # type: ignore[arg-type]
        assert waited[-1] == expected
    assert "per 100,000 triples" in " ".join(run_cli("publish", "--help").out.split())


def test_only_idempotent_requests_are_retried(fixed_server: ThreadingHTTPServer):
    port = fixed_server.server_address[1]
    fixed_server.answer = (503, [("Retry-After", "0")])  # type: ignore[attr-defined]
    waits: list[float] = []
    client = HttpClient(timeout=5, retries=3, backoff=0.25, sleep=waits.append)
    url = f"http://127.0.0.1:{port}/query"
    with pytest.raises(StoreError, match="HTTP 503"):
        client.request("GET", url, idempotent=True)
    assert waits == [0.25, 0.5, 1.0]
    with pytest.raises(StoreError, match="HTTP 503"):
        client.request("POST", url, body=b"update=", idempotent=False)
    assert len(fixed_server.seen) == 5  # type: ignore[attr-defined]
    fixed_server.answer = (500, [])  # type: ignore[attr-defined]
    with pytest.raises(StoreError, match="HTTP 500"):
        client.request("GET", url, idempotent=True)
    assert len(fixed_server.seen) == 6  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- against stores


@pytest.fixture(scope="module")
def published(store: StoreUnderTest, release_parts: list[pub.Part], dist: Path) -> StoreUnderTest:
    """The store with the release published once by the CLI."""
    result = run_cli("publish", "--store", store.kind, "--endpoint", store.server.base,
                     "--dist", str(dist), env=store.env)
    assert result.code == 0, result.err
    assert_no_traceback(result)
    assert f"{len(release_parts)} graphs, {sum(p.count for p in release_parts)} triples" in \
        result.out, result.out
    for part in release_parts:
        assert f"{part.target}" in result.out
    if store.password:
        assert store.password not in result.out + result.err
    return store


def _assert_release(store: StoreUnderTest, parts: list[pub.Part]) -> None:
    """Every target holds exactly its part, and no staging graph is left."""
    for part in parts:
        assert store.state(part.target) == (part.count, part.digest), part.target
    assert store.graphs(STAGING) == set()


def test_publish_loads_every_graph(published: StoreUnderTest, release_parts: list[pub.Part]):
    _assert_release(published, release_parts)


def test_the_release_read_back_validates(published: StoreUnderTest, release_parts: list[pub.Part],
                                         release_quads: list[ox.Quad]):
    """The data, ontology and vocabularies read back from the store conform to the shipped
    shapes: no Violation, no Warning (Oxigraph returns "93"^^xsd:nonNegativeInteger as
    "93"^^xsd:integer; the shapes accept that form of the same value)."""
    premises = (str(GRAPH["ontology"]), str(GRAPH["vocab/"]), str(GRAPH["data/"]))
    read = [t for p in release_parts if p.target.startswith(premises)
            for t in published.construct(p.target)]
    assert len(read) > 1000
    shipped = ox.NamedNode(GRAPH["shapes"])
    shapes = rdflib_graph(q for q in release_quads if q.graph_name == shipped)
    report = fastshacl.validate(read, shapes).report
    failed = sorted((str(report.value(n, SH.focusNode)),
                     str(report.value(n, SH.sourceConstraintComponent)), str(severity))
                    for severity in (SH.Violation, SH.Warning)
                    for n in report.subjects(SH.resultSeverity, severity))
    assert not failed, failed[:5]


QUERIES = bundled_query_names()


def _selective_forms() -> list[tuple[str, dict[str, str]]]:
    """Each bundled query with an optional parameter, bound: the per-country listings for
    Albania and Japan, the whole-graph listings for the first value of their selective column
    (as tests/test_queries.py checks them on the embedded store)."""
    forms = [(n, {"country": c}) for n in PER_COUNTRY for c in COUNTRIES[:2]]
    # the empty text finds every node: Virtuoso 7.2 takes CONTAINS("abc", "") for false
    return forms + [(n, {p: v}) for n, (p, v) in FIRST_SELECTIVE.items()] + [
        ("find-by-label", {"text": ""})]


SELECTIVE_FORMS = _selective_forms()


def test_the_bundled_queries_are_there():
    assert len(QUERIES) >= 10, QUERIES
    assert len(SELECTIVE_FORMS) >= 2 * len(PER_COUNTRY) + 7


@pytest.mark.parametrize("name", QUERIES)
def test_bundled_query_matches(published: StoreUnderTest, release_store: ox.Store, name: str):
    problem = compare_bundled_query(published.server.query, name, release_store)
    assert problem is None, problem


@pytest.mark.parametrize(("name", "values"), SELECTIVE_FORMS,
                         ids=[f"{n}-{next(iter(v.values())).rsplit('/', 1)[-1]}"
                              for n, v in SELECTIVE_FORMS])
def test_bundled_query_bound_matches(published: StoreUnderTest, release_store: ox.Store,
                                     name: str, values: dict[str, str]):
    problem = compare_bundled_query(published.server.query, name, release_store, values)
    assert problem is None, problem


def test_publish_again_changes_nothing(published: StoreUnderTest,
                                       release_quads: list[ox.Quad],
                                       release_parts: list[pub.Part]):
    where = published.endpoints()
    summary = pub.publish(release_quads, where, published.client(where))
    assert summary.graphs == {p.target: p.count for p in release_parts}
    _assert_release(published, release_parts)


def _loads(method: str, path: str, body: bytes) -> bool:
    """Whether a request stages triples (GSP POST or INSERT DATA into a staging graph, or
    Virtuoso's staging procedure)."""
    return method == "POST" and ("graph=" in path or b"INSERT+DATA" in body
                                 or "sql%3ACCBKG_STAGE%28" in path)


def test_connection_dropped_half_way_keeps_previous(published: StoreUnderTest,
                                                    release_quads: list[ox.Quad],
                                                    release_parts: list[pub.Part], dist: Path):
    loads: list[int] = []
    switches: list[bytes] = []

    def policy(n: int, method: str, path: str, body: bytes) -> str:
        if _is_switch(published.kind, body) and published.kind == "oxigraph":
            switches.append(body)
            return "drop"  # nothing is loaded before the switch: it carries the release
        if _loads(method, path, body):
            loads.append(n)
        return "drop" if len(loads) > len(release_parts) // 2 else "forward"

    with FaultProxy(published.server.base, policy) as proxy:
        result = run_cli("publish", "--store", published.kind, "--endpoint", proxy.base,
                         "--dist", str(dist), "--retries", "1", "--quiet", env=published.env)
    assert_no_traceback(result)
    if published.kind == "oxigraph":  # the store had this release: no switch is sent at all
        assert result.code == 0 and not any(_is_switch("oxigraph", body) for body in switches)
    else:
        assert result.code == 2, result
        assert result.err.count("\n") == 1, result.err
        assert "connection was dropped" in result.err, result.err
        assert "unchanged" in result.err, result.err
        assert len(loads) > len(release_parts) // 2 + 1  # it did retry the dropped batch
    for part in release_parts:
        assert published.state(part.target) == (part.count, part.digest)
    # the next publish clears what the broken one left in staging
    where = published.endpoints()
    pub.publish(release_quads, where, published.client(where))
    _assert_release(published, release_parts)


def test_rejected_batch_keeps_previous(published: StoreUnderTest,
                                       release_quads: list[ox.Quad],
                                       release_parts: list[pub.Part]):
    loads: list[int] = []

    def policy(n: int, method: str, path: str, body: bytes) -> str:
        if _loads(method, path, body):
            loads.append(n)
            if len(loads) == 7:
                return "reject"
        return "forward"

    with FaultProxy(published.server.base, policy) as proxy:
        where = published.endpoints(proxy.base, batch=250, atomic=False)  # staged
        with pytest.raises(CcbkgError, match=r"HTTP 500.*published graphs are unchanged"):
            pub.publish(changed_release(release_quads), where, published.client(where))
    _assert_release(published, release_parts)


def test_server_killed_mid_load_keeps_previous(published: StoreUnderTest,
                                               release_quads: list[ox.Quad],
                                               release_parts: list[pub.Part]):
    loads: list[int] = []

    def policy(n: int, method: str, path: str, body: bytes) -> str:
        if _loads(method, path, body):
            loads.append(n)
            if len(loads) == 5:
                published.server.kill()
        return "forward"

    with FaultProxy(published.server.base, policy) as proxy:
        where = published.endpoints(proxy.base, batch=250, atomic=False)  # staged
        with pytest.raises(CcbkgError, match="published graphs are unchanged"):
            pub.publish(changed_release(release_quads), where, published.client(where, retries=2))
    assert published.server.process is not None and published.server.process.poll() is not None
    published.restart()
    for part in release_parts:
        assert published.state(part.target) == (part.count, part.digest)
    where = published.endpoints()
    pub.publish(release_quads, where, published.client(where))
    _assert_release(published, release_parts)


def test_lost_switch_answer_is_confirmed_by_reading_back(published: StoreUnderTest,
                                                         release_quads: list[ox.Quad],
                                                         release_parts: list[pub.Part]):
    def policy(n: int, method: str, path: str, body: bytes) -> str:
        return "lose-answer" if _is_switch(published.kind, body) else "forward"

    second = pub.parts_of(changed_release(release_quads))
    with FaultProxy(published.server.base, policy) as proxy:
        where = published.endpoints(proxy.base)
        summary = pub.publish(changed_release(release_quads), where, published.client(where))
    assert summary.notes and "verified" in summary.notes[0]
    _assert_release(published, second)
    where = published.endpoints()
    pub.publish(release_quads, where, published.client(where))
    _assert_release(published, release_parts)


def test_switch_that_never_arrives_keeps_previous(published: StoreUnderTest,
                                                  release_quads: list[ox.Quad],
                                                  release_parts: list[pub.Part]):
    def policy(n: int, method: str, path: str, body: bytes) -> str:
        return "drop" if _is_switch(published.kind, body) else "forward"

    with FaultProxy(published.server.base, policy) as proxy:
        where = published.endpoints(proxy.base)
        with pytest.raises(CcbkgError, match="could not be confirmed"):
            pub.publish(changed_release(release_quads), where, published.client(where))
    for part in release_parts:
        assert published.state(part.target) == (part.count, part.digest)
    # the staging graphs stay (the switch may still be running); the next publish clears them
    where = published.endpoints()
    pub.publish(release_quads, where, published.client(where))
    _assert_release(published, release_parts)


def test_not_found_is_one_line_exit_2(published: StoreUnderTest):
    result = run_cli("publish", "--endpoint", published.server.base + "/no-such-endpoint",
                     "--root", str(REPO), "--quiet", env=published.env)
    assert result.code == 2, result
    assert_no_traceback(result)
    assert "not found (HTTP 404)" in result.err and result.err.count("\n") == 1, result.err


def test_bundled_queries_match_on_a_used_store(published: StoreUnderTest,
                                                release_store: ox.Store):
    """After every publish above (twice, broken half-way, restarted), the store's statistics
    and plans are those of a used store: the answers must not change (Virtuoso's did)."""
    if published.kind != "virtuoso":
        pytest.skip("Oxigraph plans a query without store statistics: used = fresh")
    problems = [compare_bundled_query(published.server.query, name, release_store)
                for name in QUERIES]
    problems += [compare_bundled_query(published.server.query, name, release_store, values)
                 for name, values in SELECTIVE_FORMS]
    assert [p for p in problems if p] == []


# ------------------------------------------------------------------------- Virtuoso only


def test_virtuoso_wrong_password_is_one_line_exit_2(virtuoso: StoreUnderTest, dist: Path):
    result = run_cli("publish", "--store", "virtuoso", "--endpoint", virtuoso.server.base,
                     "--dist", str(dist), "--quiet",
                     env={USER_ENV: "dba", PASSWORD_ENV: "wrong-password-123"})
    assert result.code == 2, result
    assert_no_traceback(result)
    assert "HTTP 401" in result.err and result.err.count("\n") == 1, result.err
    assert "wrong-password-123" not in result.err + result.out


# Publish leaves the store holding exactly the release: graphs under the graph base that the
# release no longer has are dropped in the switch; other graphs are never touched.
STALE = pub.DEFAULT_GRAPH_BASE + "data/atlantis"  # a country file since removed
OUTSIDE = "http://example.org/someone-elses-graph"


def _insert(store: StoreUnderTest, graph: str) -> None:
    _update(store, f"INSERT DATA {{ GRAPH <{graph}> {{ "
                   "<http://example.org/s> <http://example.org/p> 1 } }")


def _update(store: StoreUnderTest, request: str) -> None:
    where = store.endpoints()
    store.client(where).request(
        "POST", where.update, idempotent=True, what="changing the store",
        body=urlencode({"update": request}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"})


def _graphs(store: StoreUnderTest) -> set[str]:
    return store.graphs(pub.DEFAULT_GRAPH_BASE) | store.graphs(OUTSIDE)


def test_virtuoso_bulk_load_script(virtuoso: StoreUnderTest, release_quads: list[ox.Quad],
                                   release_parts: list[pub.Part], dist: Path):
    """The isql script of the build loads every named graph with the bulk loader, replaces on a
    second run, and drops the graphs under the graph base that the release no longer has (a
    country removed); graphs elsewhere stay. Each graph, blank nodes included, is the one
    publish puts in (the same digest)."""
    server = virtuoso.server
    assert isinstance(server, VirtuosoServer)
    _insert(virtuoso, STALE)
    _insert(virtuoso, OUTSIDE)
    japan = BASE + "data/japan"
    without_japan = [q for q in release_quads if q.graph_name.value != japan]
    for run, quads in enumerate((release_quads, release_quads, without_japan)):
        folder = server.folder / f"bulk-{run}"
        folder.mkdir()
        (folder / "ccbkg.nq").write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
        expected: dict[str, set[ox.Triple]] = {}
        for q in quads:
            expected.setdefault(q.graph_name.value, set()).add(q.triple)
        script = folder / "load-virtuoso.sql"
        script.write_text(pub.virtuoso_load_script(sorted(expected),
                                                   {"ccbkg.nq": BASE + "default"}))
        done = subprocess.run(
            ["isql-vt", f"127.0.0.1:{server.sql_port}", "dba", server.password, str(script),
             "-u", f"CCBKG_DIST='{folder}'"],
            capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0 and "Error" not in done.stdout + done.stderr, done.stdout
        assert _graphs(virtuoso) == set(expected) | {OUTSIDE}, run
        for graph, triples in expected.items():
            got = virtuoso.construct(graph)
            assert len(got) == len(triples), graph
            # the same graph as publish puts in, blank nodes included (compared canonically)
            assert pub.digest(got) == pub.digest(triples), graph
    assert japan not in _graphs(virtuoso)
    _update(virtuoso, f"DROP SILENT GRAPH <{OUTSIDE}>")
    _publish_py(virtuoso, dist)
    assert _holds(virtuoso, release_parts)


def test_the_virtuoso_load_script_given_a_wrong_folder_leaves_the_store_as_it_was(
        virtuoso: StoreUnderTest, release_quads: list[ox.Quad],
        release_parts: list[pub.Part], dist: Path) -> None:
    """The script cleared every graph of the release before the loader found no file (a typo
    in CCBKG_DIST, or a folder outside DirsAllowed): the store was left empty, and isql-vt
    printed nothing and exited 0. Now the files are read first; a file the loader cannot
    parse is named in an error that says what the store holds."""
    server = virtuoso.server
    assert isinstance(server, VirtuosoServer)
    _publish_py(virtuoso, dist)
    graphs = sorted({q.graph_name.value for q in release_quads})
    script = server.folder / "load-virtuoso.sql"
    script.write_text(pub.virtuoso_load_script(graphs, {"ccbkg.nq": BASE + "default"}))
    # not under DirsAllowed (the server's folder, and its database folder as ".")
    outside = Path(tempfile.mkdtemp(prefix="ccbkg-not-allowed-", dir="/var/tmp"))
    try:
        (outside / "ccbkg.nq").write_bytes(
            ox.serialize(release_quads, format=ox.RdfFormat.N_QUADS) or b"")
        broken = server.folder / "broken"
        broken.mkdir()
        (broken / "ccbkg.nq").write_text('<http://example.org/s> <http://example.org/p> "cut')
        for folder, said in ((server.folder / "no such folder", "cannot read"),
                             (outside, "cannot read"), (broken, "the bulk loader failed")):
            done = subprocess.run(
                ["isql-vt", f"127.0.0.1:{server.sql_port}", "dba", server.password,
                 str(script), "-u", f"CCBKG_DIST='{folder}'"],
                capture_output=True, text=True, timeout=60, check=False)
            shown = done.stdout + done.stderr
            assert f"ccbkg: {said}" in shown, (folder, shown[-2000:])
            if said == "cannot read":
                assert "nothing was cleared or loaded" in shown
                assert _holds(virtuoso, release_parts), folder
            else:
                assert "are cleared or partly loaded" in shown
    finally:
        shutil.rmtree(outside, ignore_errors=True)
    _publish_py(virtuoso, dist)
    assert _holds(virtuoso, release_parts)


def test_graphs_the_release_no_longer_has_are_dropped_in_the_switch(
    published: StoreUnderTest, release_quads: list[ox.Quad], release_parts: list[pub.Part],
):
    store = published
    _insert(store, STALE)
    _insert(store, OUTSIDE)
    where = store.endpoints()
    targets = {p.target for p in release_parts}

    kept = pub.publish(release_quads, where, store.client(where), prune=False)
    assert _graphs(store) == targets | {STALE, OUTSIDE}
    assert not any(STALE in note for note in kept.notes)

    summary = pub.publish(release_quads, where, store.client(where))
    assert _graphs(store) == targets | {OUTSIDE}
    assert any(STALE in note and "no longer has" in note for note in summary.notes), \
        summary.notes
    for part in release_parts:
        assert store.state(part.target) == (part.count, part.digest), part.target
    assert store.graphs(pub.DEFAULT_GRAPH_BASE + pub.STAGING) == set()
    _update(store, f"DROP SILENT GRAPH <{OUTSIDE}>")
    assert _graphs(store) == targets


def test_a_generic_store_gets_the_release_with_its_blank_nodes(oxigraph: StoreUnderTest,
                                                              dist: Path,
                                                              release_parts: list[pub.Part]):
    """The generic path (staging graphs, verified, then MOVE) on a real store, by INSERT DATA
    and by the Graph Store protocol, published twice each: every graph as released, the
    ontology's blank nodes as blank nodes, none added twice."""
    base = oxigraph.server.base
    ontology = BASE + "ontology"
    for gsp in ((), ("--gsp-endpoint", f"{base}/store")):
        for _ in range(2):
            result = run_cli("publish", "--store", "generic", "--endpoint", f"{base}/query",
                             "--update-endpoint", f"{base}/update", *gsp, "--dist", str(dist),
                             "--quiet", env=oxigraph.env)
            assert result.code == 0, result.err
            assert _holds(oxigraph, release_parts), gsp
            held = oxigraph.construct(ontology)
            assert any(isinstance(t.subject, ox.BlankNode) for t in held)
            assert len(held) == next(p.count for p in release_parts if p.target == ontology)


def test_the_cli_keeps_other_graphs_when_asked(oxigraph: StoreUnderTest, dist: Path,
                                               release_parts: list[pub.Part]):
    _insert(oxigraph, STALE)
    args = ("publish", "--store", "oxigraph", "--endpoint", oxigraph.server.base,
            "--dist", str(dist))
    kept = run_cli(*args, "--keep-other-graphs", env=oxigraph.env)
    assert kept.code == 0, kept.err
    assert STALE in oxigraph.graphs(pub.DEFAULT_GRAPH_BASE)
    dropped = run_cli(*args, env=oxigraph.env)
    assert dropped.code == 0, dropped.err
    assert_no_traceback(dropped)
    assert f"Note: dropped 1 graph(s) under {pub.DEFAULT_GRAPH_BASE}" in dropped.out
    assert oxigraph.graphs(pub.DEFAULT_GRAPH_BASE) == {p.target for p in release_parts}


def test_a_graph_the_switch_leaves_alone_is_verified_by_the_read_before_it(
        oxigraph: StoreUnderTest, release_quads: list[ox.Quad]):
    """Republishing reads each graph once when nothing changed (the read before the switch
    verified it, and the switch leaves it alone), and again only the graphs it changed."""
    where = oxigraph.endpoints()
    pub.publish(release_quads, where, oxigraph.client(where))
    parts = pub.parts_of(release_quads)

    def reads(quads: list[ox.Quad]) -> Counter[str]:
        with FaultProxy(oxigraph.server.base, lambda *_: "forward") as proxy:
            proxied = oxigraph.endpoints(proxy.base)
            pub.publish(quads, proxied, oxigraph.client(proxied))
        return Counter(parse_qs(path.split("?", 1)[1])["graph"][0]
                       for _, method, path, _ in proxy.log if method == "GET" and "graph=" in path)

    assert reads(release_quads) == Counter({p.target: 1 for p in parts})
    japan = BASE + "data/japan"
    extra = ox.Quad(ox.NamedNode("https://w3id.org/ccbkg/id/country/JPN"),
                    ox.NamedNode("http://example.org/p"), ox.Literal("added"), ox.NamedNode(japan))
    assert reads([*release_quads, extra]) == Counter(
        {p.target: 2 if p.target == japan else 1 for p in parts})
    pub.publish(release_quads, where, oxigraph.client(where))


def _switch_operations(store: StoreUnderTest, quads: list[ox.Quad]) -> set[tuple[str, str, int]]:
    """Publish quads through a proxy; the operations of the switch request it sent:
    (verb, graph, number of triples), ADD for a Graph Store POST; none when it sent none."""
    bodies: list[bytes] = []

    def policy(n: int, method: str, path: str, body: bytes) -> str:
        if _is_switch(store.kind, body):
            bodies.append(body)
        return "forward"

    with FaultProxy(store.server.base, policy) as proxy:
        where = store.endpoints(proxy.base)
        pub.publish(quads, where, store.client(where))
    if not bodies:
        return set()
    (body,) = bodies
    found: set[tuple[str, str, int]] = set()
    if body.startswith(pub.SWITCH_MARK.encode()):  # a Graph Store POST of N-Quads
        added = Counter(q.graph_name.value for q in ox.parse(body, format=ox.RdfFormat.N_QUADS))
        return {("ADD", graph, n) for graph, n in added.items()}
    text = parse_qs(body.decode("ascii"))["update"][0]
    assert text.startswith(pub.SWITCH_MARK), text[:200]
    for operation in filter(None, text[len(pub.SWITCH_MARK):].split(" ;\n")):
        lines = operation.split("\n")
        verb, graph = lines[0].split()[0], lines[0].split("<", 1)[1].split(">", 1)[0]
        found.add((verb, graph, max(0, len(lines) - 2)))
    return found


def test_a_switch_applied_whose_answer_is_lost_is_verified(
        oxigraph: StoreUnderTest, release_quads: list[ox.Quad],
        release_parts: list[pub.Part]) -> None:
    """The switch reached the store and was applied, and its answer was lost: publish looks,
    finds every graph switched, and says so (exit 0)."""
    where = oxigraph.endpoints()
    pub.publish(release_quads, where, oxigraph.client(where))

    def policy(n: int, method: str, path: str, body: bytes) -> str:
        return "lose-answer" if _is_switch("oxigraph", body) else "forward"

    second = changed_release(release_quads)
    with FaultProxy(oxigraph.server.base, policy) as proxy:
        proxied = oxigraph.endpoints(proxy.base)
        summary = pub.publish(second, proxied, oxigraph.client(proxied))
    assert any(a == "lose-answer" for _, _, _, a in proxy.log)
    assert any("but every graph was verified" in note for note in summary.notes), summary
    _assert_release(oxigraph, pub.parts_of(second))
    pub.publish(release_quads, where, oxigraph.client(where))
    _assert_release(oxigraph, release_parts)


def test_oxigraph_switch_carries_only_the_difference(oxigraph: StoreUnderTest, dist: Path,
                                                     release_quads: list[ox.Quad],
                                                     release_parts: list[pub.Part]):
    """Republishing sends what changed, in one update: from a release to one with one triple
    more in Japan and one fewer in the ontology and back; the same release again sends no
    switch at all (so a read-only store takes it). A graph holding blank nodes (the
    ontology's class expressions: DELETE DATA cannot name a stored one) is dropped and
    refilled when it changed, and left alone when not."""
    _publish_py(oxigraph, dist)
    japan, ontology = BASE + "data/japan", BASE + "ontology"
    _update(oxigraph, f"INSERT DATA {{ GRAPH <{ontology}> {{ _:b <http://example.org/p> 1 }} }}")
    second = pub.parts_of(changed_release(release_quads))
    first = {p.target: set(p.triples) for p in release_parts}
    then = {p.target: set(p.triples) for p in second}
    assert _switch_operations(oxigraph, changed_release(release_quads)) == {
        ("DROP", ontology, 0), ("INSERT", ontology, len(then[ontology])), ("INSERT", japan, 1)}
    _assert_release(oxigraph, second)
    assert _switch_operations(oxigraph, release_quads) == {
        ("DELETE", japan, 1), ("DROP", ontology, 0), ("INSERT", ontology, len(first[ontology]))}
    assert _switch_operations(oxigraph, release_quads) == set()
    _assert_release(oxigraph, release_parts)
    # only additions: one Graph Store POST of N-Quads (a SPARQL update is limited in size)
    extra = ox.Quad(ox.NamedNode("https://w3id.org/ccbkg/id/country/JPN"), ox.NamedNode("http://example.org/p"),
                    ox.Literal("added"), ox.NamedNode(japan))
    assert _switch_operations(oxigraph, [*release_quads, extra]) == {("ADD", japan, 1)}
    _assert_release(oxigraph, pub.parts_of([*release_quads, extra]))
    assert _switch_operations(oxigraph, release_quads) == {("DELETE", japan, 1)}
    _assert_release(oxigraph, release_parts)
    # into an empty store, graphs with blank nodes too: nothing to drop, one Graph Store POST
    # (a 1000x release as a SPARQL update is over Oxigraph's 128 MiB limit)
    _update(oxigraph, "DROP ALL")
    assert _switch_operations(oxigraph, release_quads) == {
        ("ADD", p.target, p.count) for p in release_parts}
    _assert_release(oxigraph, release_parts)


# ----------------------------------------------- faults during a publish of a 20x release
# A reader of the default graph sees one whole release at every read; a store killed (kill -9)
# or a publish interrupted (SIGINT) at any point leaves exactly the old release or the new one,
# and the next publish leaves exactly the new one.

_SNAPSHOT = ("SELECT ?t ?c WHERE { { SELECT (COUNT(*) AS ?t) WHERE { ?s ?p ?o } } "
             "{ SELECT (COUNT(DISTINCT ?x) AS ?c) WHERE { ?x a <https://w3id.org/ccbkg/ontology#"
             "Country> } } }")


def _snapshot(store: StoreUnderTest) -> tuple[int, int]:
    """(triples, countries) in the default graph, read in one query."""
    request = urllib.request.Request(
        store.server.query, data=urlencode({"query": _SNAPSHOT}).encode(),
        headers={"Accept": "application/sparql-results+json",
                 "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        row = json.loads(answer.read())["results"]["bindings"][0]
    return int(row["t"]["value"]), int(row["c"]["value"])


class _Reader(threading.Thread):
    """Reads the default graph's snapshot over and over until stopped (a dead server aside)."""

    def __init__(self, store: StoreUnderTest) -> None:
        super().__init__(daemon=True)
        self.store, self.seen, self.halt = store, [], threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            try:
                self.seen.append(_snapshot(self.store))
            except (OSError, http.client.HTTPException, KeyError, ValueError):
                time.sleep(0.05)

    def stop(self) -> list[tuple[int, int]]:
        self.halt.set()
        self.join(timeout=60)
        return list(self.seen)


def _holds(store: StoreUnderTest, parts: list[pub.Part]) -> bool:
    """The store holds exactly this release under the graph base: its graphs, and no other."""
    return store.graphs(BASE) == {p.target for p in parts} and all(
        store.state(p.target) == (p.count, p.digest) for p in parts)


def _publish_py(store: StoreUnderTest, dist: Path) -> None:
    from ccbkg.rdf.dataset import open_release

    where = store.endpoints()
    pub.publish(open_release(dist, None).quads(), where, store.client(where, timeout=120))


@pytest.fixture(scope="module")
def releases(published: StoreUnderTest, dist: Path, big_dist: Path,
             release_parts: list[pub.Part], big_parts: list[pub.Part],
             ) -> dict[tuple[int, int], list[pub.Part]]:
    """The default graph's snapshot with the real release and with the 20x one → its parts
    (the store is left with the real release)."""
    found = {}
    for folder, parts in ((big_dist, big_parts), (dist, release_parts)):
        _publish_py(published, folder)
        assert _holds(published, parts)
        found[_snapshot(published)] = parts
    assert len(found) == 2, found
    return found


_SWITCH_MARK = urlencode({"update": pub.SWITCH_MARK}).encode()


def _is_switch(kind: str, body: bytes) -> bool:
    """Whether a request is the switch (Virtuoso's switch procedure, or the SPARQL update
    that moves the staging graphs or, on Oxigraph, carries the difference, or there the
    N-Quads of what it adds)."""
    return (b"sql%3ACCBKG_SWITCH%28" in body or body.startswith(_SWITCH_MARK)
            or body.startswith(pub.SWITCH_MARK.encode()))


# (store, fault, point): Oxigraph loads nothing before the switch; Virtuoso stages outside
# its graphs and switches in one logged transaction.
FAULTS = [("oxigraph", "kill", "switch"), ("oxigraph", "kill", "verify"),
          ("oxigraph", "sigint", "switch"), ("oxigraph", "sigint", "verify"),
          ("virtuoso", "kill", "load"), ("virtuoso", "kill", "switch"),
          ("virtuoso", "sigint", "switch"), ("virtuoso", "kill", "verify")]


@pytest.mark.parametrize(("kind", "fault", "point"), [
    pytest.param(*f, id="-".join(f)) for f in FAULTS])
def test_fault_leaves_one_whole_release(published: StoreUnderTest, big_dist: Path,
                                        releases: dict[tuple[int, int], list[pub.Part]],
                                        release_parts: list[pub.Part],
                                        big_parts: list[pub.Part], dist: Path, kind: str,
                                        fault: str, point: str):
    store = published
    if store.kind != kind:
        pytest.skip(f"tried on {kind}")
    process: list[subprocess.Popen[str]] = []
    fired, switched = threading.Event(), threading.Event()

    def strike() -> None:
        if fault == "kill":
            store.server.kill()
        else:
            process[0].send_signal(signal.SIGINT)

    def policy(n: int, method: str, path: str, body: bytes) -> str:
        switch = _is_switch(store.kind, body)
        hit = {"load": _loads(method, path, body), "switch": switch,
               "verify": switched.is_set() and not switch}[point]
        if switch:
            switched.set()
        if hit and not fired.is_set():
            fired.set()
            if point == "switch" and fault == "kill":  # in the middle of the transaction
                threading.Timer(0.15, strike).start()
            else:  # before the request reaches the store
                strike()
        return "forward"

    reader = _Reader(store)
    reader.start()
    with FaultProxy(store.server.base, policy) as proxy:
        process.append(subprocess.Popen(
            [sys.executable, "-m", "ccbkg", "publish", "--store", store.kind, "--endpoint",
             proxy.base, "--dist", str(big_dist), "--quiet", "--retries", "1"],
            cwd=REPO, env={**os.environ, **store.env}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True))
        out, err = process[0].communicate(timeout=240)
    assert fired.is_set(), ("the fault never struck", err)
    if fault == "kill":
        store.restart()
    seen = reader.stop()
    code = process[0].returncode
    assert code == (130 if fault == "sigint" else 2), (code, out, err)
    assert "Traceback" not in err and "half-written" not in err, err
    # nothing staged where readers look: they only ever see one whole release
    assert seen and set(seen) <= set(releases), (set(seen) - set(releases), releases)
    assert _holds(store, release_parts) or _holds(store, big_parts), store.graphs(BASE)
    if "nothing was switched" in err or "published graphs are unchanged" in err:
        assert all(store.state(p.target) == (p.count, p.digest) for p in release_parts)
    again = run_cli("publish", "--store", store.kind, "--endpoint", store.server.base,
                    "--dist", str(big_dist), "--quiet", env=store.env)
    assert again.code == 0, again.err
    assert _holds(store, big_parts)
    _publish_py(store, dist)
    assert _holds(store, release_parts)


def test_readers_never_see_a_mixed_release(published: StoreUnderTest, big_dist: Path,
                                           dist: Path,
                                           releases: dict[tuple[int, int], list[pub.Part]],
                                           release_parts: list[pub.Part]):
    """Two readers, each reading the default graph in a tight loop, during four switches between
    the real release and the 20x one. Virtuoso's read committed isolation gives a query that
    runs while the switch writes a mix (seen before the switch took the server into atomic
    mode: the new release's triple count with the old release's countries)."""
    readers = [_Reader(published), _Reader(published)]
    for reader in readers:
        reader.start()
    for folder in (big_dist, dist, big_dist, dist):
        _publish_py(published, folder)
    seen = [snapshot for reader in readers for snapshot in reader.stop()]
    assert set(seen) == set(releases), (set(seen) - set(releases), releases)
    assert _holds(published, release_parts)


def test_virtuoso_staging_is_invisible(virtuoso: StoreUnderTest, big_dist: Path, dist: Path,
                                       big_parts: list[pub.Part]):
    """Nothing staged shows in the default graph; the staged text goes as request bodies of
    N-Triples of bounded size (not through the SPARQL compiler), the whole release once."""
    _publish_py(virtuoso, dist)
    before = _snapshot(virtuoso)
    during: list[tuple[int, int]] = []
    staged: list[bytes] = []

    def policy(n: int, method: str, path: str, body: bytes) -> str:
        if "CCBKG_STAGE" in path and body:
            staged.append(body)
        if _is_switch("virtuoso", body) and not during:
            during.append(_snapshot(virtuoso))  # everything staged, nothing switched yet
            return "reject"
        return "forward"

    with FaultProxy(virtuoso.server.base, policy) as proxy:
        result = run_cli("publish", "--store", "virtuoso", "--endpoint", proxy.base, "--dist",
                         str(big_dist), "--quiet", env=virtuoso.env)
    assert result.code == 2 and during, result.err
    assert during == [before]
    assert staged and max(len(body) for body in staged) <= virtuoso_text.CHUNK_BYTES
    sent = sum(len(list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))) for body in set(staged))
    assert sent == sum(p.count for p in big_parts)


def test_virtuoso_procedures_refuse_the_public_endpoint(virtuoso: StoreUnderTest, dist: Path,
                                                        release_parts: list[pub.Part]):
    """The procedures publish defines cannot be called by the anonymous SPARQL user."""
    _publish_py(virtuoso, dist)
    for call in (f'sql:CCBKG_SWITCH("D {BASE}data/japan")', 'sql:CCBKG_STAGE("urn:x", 0)',
                 "sql:CCBKG_SETUP()", f'sql:CCBKG_READ("{BASE}data/japan", 0, 10)'):
        request = urllib.request.Request(
            virtuoso.server.query, data=urlencode({"query": f"SELECT ({call} AS ?v) WHERE {{}}"}
                                                  ).encode(),
            headers={"Accept": "application/sparql-results+json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert b"No permission to execute procedure" in refused.value.read(), call
    assert _holds(virtuoso, release_parts)


def test_virtuoso_publish_is_durable(virtuoso: StoreUnderTest, dist: Path, big_dist: Path,
                                     big_parts: list[pub.Part]):
    """Killed right after publish said 0, Virtuoso restarts with the release (a checkpoint)."""
    _publish_py(virtuoso, dist)
    result = run_cli("publish", "--store", "virtuoso", "--endpoint", virtuoso.server.base,
                     "--dist", str(big_dist), "--quiet", env=virtuoso.env)
    assert result.code == 0, result.err
    virtuoso.server.kill()
    virtuoso.restart()
    assert _holds(virtuoso, big_parts)


def test_graph_base_outside_the_namespace_is_refused_before_the_store():
    port = free_port()  # nothing listens: a refusal would say "refused the connection"
    for base in ("https://", "https://example.org/customer/", "https://w3id.org/ccbkg"):
        result = run_cli("publish", "--endpoint", f"http://127.0.0.1:{port}/sparql",
                         "--graph-base", base, "--root", str(REPO), "--quiet")
        assert result.code == 2, result
        assert_no_traceback(result)
        assert "--graph-base must be under https://w3id.org/ccbkg/" in result.err, result.err


def test_dry_run_changes_nothing(published: StoreUnderTest, big_dist: Path, dist: Path,
                                 big_parts: list[pub.Part]):
    _insert(published, STALE)
    _insert(published, OUTSIDE)
    graphs = _graphs(published)
    before = {g: published.state(g) for g in graphs}
    result = run_cli("publish", "--store", published.kind, "--endpoint", published.server.base,
                     "--dist", str(big_dist), "--dry-run", env=published.env)
    assert result.code == 0, result.err
    assert f"  drop {STALE}" in result.out and OUTSIDE not in result.out, result.out
    assert all(f"  load {p.target} ({p.count} triples)" in result.out for p in big_parts)
    assert _graphs(published) == graphs
    assert {g: published.state(g) for g in graphs} == before
    both = run_cli("publish", "--store", published.kind, "--endpoint", published.server.base,
                   "--dist", str(big_dist), "--dry-run", "--recover", env=published.env)
    assert both.code == 2 and "--recover: not allowed with argument --dry-run" in both.err
    assert {g: published.state(g) for g in _graphs(published)} == before
    listed = run_cli("publish", "--store", published.kind, "--endpoint", published.server.base,
                     "--dist", str(big_dist), env=published.env)  # the drops come first
    assert listed.code == 0 and listed.out.index(f"  drop {STALE}") < listed.out.index(
        "Published"), listed.out
    _update(published, f"DROP SILENT GRAPH <{OUTSIDE}>")
    _publish_py(published, dist)


def test_recover_drops_what_an_interrupted_publish_left(published: StoreUnderTest,
                                                        release_parts: list[pub.Part]):
    left = [STAGING + "data/japan", STAGING + "0123456789abcdef"]  # as older versions named them
    for graph in left:
        _insert(published, graph)
    result = run_cli("publish", "--store", published.kind, "--endpoint", published.server.base,
                     "--recover", env=published.env)
    assert result.code == 0, result.err
    assert all(g in result.out for g in left), result.out
    assert published.graphs(STAGING) == set()
    assert _holds(published, release_parts)


def test_a_virtuoso_switch_of_text_not_staged_says_so(virtuoso: StoreUnderTest) -> None:
    """The switch's error handler left Virtuoso's atomic mode even when it had not entered
    it: a staged text that was not what was sent (checked before) surfaced as "SR109: Cannot
    free global server lock", hiding the switch's own message."""
    where = virtuoso.endpoints()
    store = pub._Store(where, virtuoso.client(where))
    store.define_procedures()
    spec = f"L {'0' * 32} https://w3id.org/ccbkg/graph/data/japan"
    with pytest.raises(StoreError, match="is not what was sent") as caught:
        store.call(f"sql:CCBKG_SWITCH({ox.Literal(spec)})", "switching the graphs",
                   idempotent=False)
    assert "SR109" not in str(caught.value)
