"""`ccbkg publish` against real stores (Oxigraph server, Virtuoso) that the tests start.

Each store gets the release, answers the bundled queries as the embedded engine does (with
their defaults and with a parameter bound, on a fresh store and again once it has been used),
takes it again without change, and keeps the previous release intact when a publish breaks
half-way: a dropped connection, a rejected batch, a killed server, a lost or missing switch.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest

from ccbkg.core.errors import CcbkgError
from ccbkg.core.progress import Progress
from ccbkg.stores import publish as pub
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


def test_skolemised_release_is_stable_and_has_no_blank_nodes():
    from ccbkg.rdf.dataset import open_release

    release_parts = pub.parts_of(open_release(None, REPO).quads())  # canonical N-Quads
    again = pub.parts_of(_reparsed())  # a fresh parse of the sources: new blank node labels
    assert [(p.target, p.count, p.digest) for p in again] == [
        (p.target, p.count, p.digest) for p in release_parts]
    assert {p.target for p in release_parts} >= {BASE + "ontology", BASE + "data/japan",
                                                 BASE + "shapes"}
    triples = [t for p in release_parts for t in p.triples]
    assert triples, "the release is empty"
    assert not [t for t in triples
                if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)]
    genids = {t.subject.value for t in triples if t.subject.value.startswith(pub.GENID)}
    assert genids, "no blank node was skolemised (the release has some)"


def _reparsed() -> list[ox.Quad]:
    from ccbkg.project.layout import Project, Role
    from ccbkg.project.load import load

    return load(Project.discover(REPO)).quads(Role.ONTOLOGY, Role.VOCAB, Role.SHAPES, Role.DATA)


def test_graph_base_renames_targets_and_staging(release_quads: list[ox.Quad]):
    parts = pub.parts_of(release_quads, "http://example.org/kg/")
    assert {p.target for p in parts} >= {"http://example.org/kg/ontology",
                                         "http://example.org/kg/data/japan"}
    assert all(p.staging.startswith("http://example.org/kg/.staging/") for p in parts)
    with pytest.raises(CcbkgError, match="must end with"):
        pub.parts_of(release_quads, "http://example.org/kg")


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
    script = pub.virtuoso_load_script(
        [BASE + "ontology", BASE + "data/japan"], {"ccbkg.nq": BASE + "default"})
    assert script.index("SPARQL CLEAR GRAPH <https://w3id.org/ccbkg/graph/data/japan>;") < \
        script.index("ld_add('$U{CCBKG_DIST}/ccbkg.nq', 'https://w3id.org/ccbkg/graph/default');")
    assert "DELETE FROM DB.DBA.load_list WHERE ll_file = '$U{CCBKG_DIST}/ccbkg.nq';" in script
    assert script.rstrip().splitlines()[-3:-1] == ["rdf_loader_run();", "checkpoint;"]


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

        def update(self, request: str, *, idempotent: bool, what: str,
                   timeout: float | None = None) -> None:
            waited.append(timeout)

    triple = ox.Triple(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("o"))
    for size, expected in ((10, 2.0), (250_000, 5.0)):
        part = pub.Part("p", "urn:x:g", "urn:x:staging", [triple] * size, "digest")
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


QUERIES = bundled_query_names()


def _selective_forms() -> list[tuple[str, dict[str, str]]]:
    """Each bundled query with an optional parameter, bound: the per-country listings for
    Albania and Japan, the whole-graph listings for the first value of their selective column
    (as tests/test_queries.py checks them on the embedded store)."""
    forms = [(n, {"country": c}) for n in PER_COUNTRY for c in COUNTRIES[:2]]
    return forms + [(n, {p: v}) for n, (p, v) in FIRST_SELECTIVE.items()]


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
    """Whether a request adds triples to a staging graph (GSP POST or INSERT DATA)."""
    return method == "POST" and ("graph=" in path or b"INSERT+DATA" in body)


def test_connection_dropped_half_way_keeps_previous(published: StoreUnderTest,
                                                    release_quads: list[ox.Quad],
                                                    release_parts: list[pub.Part], dist: Path):
    loads: list[int] = []

    def policy(n: int, method: str, path: str, body: bytes) -> str:
        if _loads(method, path, body):
            loads.append(n)
        return "drop" if len(loads) > len(release_parts) // 2 else "forward"

    with FaultProxy(published.server.base, policy) as proxy:
        result = run_cli("publish", "--store", published.kind, "--endpoint", proxy.base,
                         "--dist", str(dist), "--retries", "1", "--quiet", env=published.env)
    assert result.code == 2, result
    assert_no_traceback(result)
    assert result.err.count("\n") == 1, result.err
    assert "connection was dropped" in result.err and "unchanged" in result.err, result.err
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
        where = published.endpoints(proxy.base, batch=250)
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
        where = published.endpoints(proxy.base, batch=250)
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
        return "lose-answer" if b"MOVE+SILENT" in body else "forward"

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
        return "drop" if b"MOVE+SILENT" in body else "forward"

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


def test_virtuoso_bulk_load_script(virtuoso: StoreUnderTest, release_quads: list[ox.Quad]):
    """The isql script for the build loads every named graph with the bulk loader."""
    server = virtuoso.server
    assert isinstance(server, VirtuosoServer)
    folder = server.folder / "bulk"
    folder.mkdir()
    base = "http://example.org/bulk/"
    quads = [ox.Quad(q.subject, q.predicate, q.object,
                     ox.NamedNode(base + q.graph_name.value[len(BASE):]))
             for q in release_quads]
    (folder / "ccbkg.nq").write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
    expected: dict[str, set[ox.Triple]] = {}
    for q in quads:
        expected.setdefault(q.graph_name.value, set()).add(q.triple)
    script = folder / "load-virtuoso.sql"
    script.write_text(pub.virtuoso_load_script(sorted(expected), {"ccbkg.nq": base + "default"}))
    for _ in range(2):  # a second run replaces, it does not add
        done = subprocess.run(
            ["isql-vt", f"127.0.0.1:{server.sql_port}", "dba", server.password, str(script),
             "-u", f"CCBKG_DIST={folder}"],
            capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0 and "Error" not in done.stdout + done.stderr, done.stdout
    for graph, triples in expected.items():
        got = virtuoso.construct(graph)
        assert len(got) == len(triples), graph
        if not any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
                   for t in triples):
            assert pub.digest(got) == pub.digest(triples), graph


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
