"""A store set up otherwise than the README says never gives an empty answer with exit 0:
publish and `query run --endpoint` probe the default graph (issue 15)."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import CliResult, assert_no_traceback, run_cli
from tests.stores import FaultProxy, OxigraphServer, StoreUnderTest

pytest_plugins = ("tests.conftest_stores",)


@pytest.fixture(scope="module")
def no_union(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """An Oxigraph server with its default settings: the default graph is a graph of its own."""
    server = OxigraphServer(tmp_path_factory.mktemp("plain") / "store", union=False).start()
    try:
        yield server
    finally:
        server.stop()


def one_line_exit(result: CliResult, code: int, *needles: str) -> None:
    assert result.code == code, result
    err = result.err  # progress lines, then one error line
    last = err.rstrip("\n").rsplit("\n", 1)[-1]
    assert err.count("ccbkg: error:") == 1 and last.startswith("ccbkg: error:"), err
    assert all(n in last for n in needles), err
    assert_no_traceback(result)


@pytest.mark.slow
def test_a_default_graph_that_is_not_the_union_is_refused(no_union: OxigraphServer,
                                                          dist: Path) -> None:
    endpoint = no_union.query
    # A store that holds no ccbkg release (a user's own store) is queried as it is.
    empty = run_cli("query", "run", "forums", "--endpoint", endpoint, "--format", "csv")
    assert empty.code == 0, empty.err
    first = run_cli("publish", "--store", "oxigraph", "--endpoint", no_union.base,
                    "--dist", str(dist))
    one_line_exit(first, 2, "--union-default-graph", "tdb2:unionDefaultGraph",
                   "published and verified in the named graphs")
    again = run_cli("publish", "--store", "oxigraph", "--endpoint", no_union.base,
                    "--dist", str(dist))
    one_line_exit(again, 2, "--union-default-graph", "nothing was changed")
    bundled = run_cli("query", "run", "forums", "--endpoint", endpoint, "--format", "csv")
    one_line_exit(bundled, 2, "--union-default-graph", "default graph does not show")
    own = run_cli("query", "run", "--endpoint", endpoint, "--format", "csv", "--sparql",
                  "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert own.code == 0 and int(own.out.split()[1]) > 1000, own


@pytest.mark.slow
def test_publish_fails_when_the_query_endpoint_does_not_see_the_release(
        oxigraph: StoreUnderTest, dist: Path) -> None:
    """The graph store holds the release, but the query endpoint (behind a proxy that answers
    every probe with no rows) does not show it: exit 1, said so."""
    def policy(n: int, method: str, path: str, body: bytes) -> str:
        return "no-rows" if path.startswith("/query") and b"Ontology" in body else "forward"

    with FaultProxy(oxigraph.server.base, policy) as proxy:
        result = run_cli("publish", "--store", "oxigraph", "--endpoint", proxy.base,
                         "--dist", str(dist))
    one_line_exit(result, 1, "shows no ontology header",
                   "does not answer from the published graphs")
    assert any(a == "no-rows" for _, _, _, a in proxy.log)


@pytest.mark.slow
def test_a_release_graph_outside_the_graph_base_is_refused_and_a_users_graph_kept(
        oxigraph: StoreUnderTest, dist: Path, tmp_path: Path) -> None:
    """A release holding a graph outside the graph base kept that graph's IRI as where to
    publish it: a user's graph of that name was replaced, exit 0, although publish writes
    only under --graph-base (docs/stores.md)."""
    mine = "http://example.org/mine"
    body = urlencode({"update": f"INSERT DATA {{ GRAPH <{mine}> {{ <http://example.org/a> "
                                f"<http://example.org/b> 1, 2 }} }}"}).encode()
    with urllib.request.urlopen(oxigraph.server.base + "/update", body, timeout=30):
        pass
    (tmp_path / "ccbkg.nq").write_bytes((dist / "ccbkg.nq").read_bytes() + (
        f"<http://example.org/a> <http://example.org/b> \"theirs\" <{mine}> .\n").encode())
    result = run_cli("publish", "--store", "oxigraph", "--endpoint", oxigraph.server.base,
                     "--dist", str(tmp_path))
    one_line_exit(result, 2, "the release has 1 graph(s) outside https://w3id.org/ccbkg/graph/",
                  f"<{mine}>")
    kept = run_cli("query", "run", "--endpoint", oxigraph.server.query, "--format", "csv",
                   "--sparql", f"SELECT ?o WHERE {{ GRAPH <{mine}> {{ ?s ?p ?o }} }} ORDER BY ?o")
    assert kept.code == 0 and kept.out.split() == ["o", "1", "2"], kept


@pytest.mark.slow
def test_a_publish_while_another_runs_is_refused_and_changes_nothing(
        oxigraph: StoreUnderTest, dist: Path) -> None:
    """Two publishes into one store at once each switched in a difference from what they had
    read, and left a store holding neither release. A second publish (or --recover) on this
    machine is refused while one runs: here the test holds the lock the first would hold."""
    from ccbkg.stores import publish as pub

    where = oxigraph.endpoints()
    assert run_cli("publish", "--store", "oxigraph", "--endpoint", oxigraph.server.base,
                   "--dist", str(dist), "--quiet").code == 0
    localhost = oxigraph.server.base.replace("127.0.0.1", "localhost")
    with pub.one_at_a_time(where):  # as a running publish does
        for base, command in ((oxigraph.server.base, ["--dist", str(dist)]),
                              (oxigraph.server.base, ["--recover"]),
                              (localhost + "/", ["--dist", str(dist)])):  # the same store
            result = run_cli("publish", "--store", "oxigraph", "--endpoint", base, *command)
            one_line_exit(result, 2, "another ccbkg publish to http://", "is running on this "
                          "machine", "nothing was changed")
        with pub.one_at_a_time(where):  # the same process may take it again
            pass
    again = run_cli("publish", "--store", "oxigraph", "--endpoint", oxigraph.server.base,
                    "--dist", str(dist), "--quiet")
    assert again.code == 0, again


@pytest.mark.slow
def test_the_publish_lock_holds_whatever_the_environment_and_the_address(
        oxigraph: StoreUnderTest, dist: Path, tmp_path: Path) -> None:
    """The lock lived in the cache folder, so a second publish with another CCBKG_CACHE_DIR
    (or HOME: cron and a shell, sudo) ran beside the first, and so did one naming the store
    as 0.0.0.0 or by the machine's name: the store held both releases. It is one folder of
    the machine's, and every address of the machine is one host."""
    from ccbkg.stores import publish as pub

    port = oxigraph.server.port
    with pub.one_at_a_time(oxigraph.endpoints()):
        for base in (f"http://0.0.0.0:{port}", f"http://{socket.gethostname()}:{port}",
                     f"http://[::ffff:127.0.0.1]:{port}"):
            result = run_cli("publish", "--store", "oxigraph", "--endpoint", base, "--dist",
                             str(dist), env={"CCBKG_CACHE_DIR": str(tmp_path / "other")})
            one_line_exit(result, 2, "is running on this machine", "nothing was changed")


@pytest.mark.slow
def test_a_read_before_the_switch_cut_short_switches_nothing(
        oxigraph: StoreUnderTest, dist: Path, tmp_path: Path) -> None:
    """The switch carries the difference from what a Graph Store GET read: a read cut short
    after a whole line left what it missed in the store beside the new release (readers saw
    both). Each read is held to the store's count of the graph."""
    assert run_cli("publish", "--store", "oxigraph", "--endpoint", oxigraph.server.base,
                   "--dist", str(dist), "--quiet").code == 0
    lines = (dist / "ccbkg.nq").read_bytes().splitlines(keepends=True)
    (tmp_path / "ccbkg.nq").write_bytes(b"".join(
        line for line in lines if b"/graph/data/japan>" not in line or b"Ise" not in line))

    def policy(n: int, method: str, path: str, body: bytes) -> str:
        return "half-lines" if method == "GET" and path.startswith("/store") else "forward"

    with FaultProxy(oxigraph.server.base, policy) as proxy:
        result = run_cli("publish", "--store", "oxigraph", "--endpoint", proxy.base,
                         "--dist", str(tmp_path))
    one_line_exit(result, 2, "before the switch gave", "where the store counts",
                  "nothing was switched, the published graphs are unchanged")
    assert any(a == "half-lines" for _, _, _, a in proxy.log)
    japan = sum(b"/graph/data/japan>" in line for line in lines)
    held = run_cli("query", "run", "--endpoint", oxigraph.server.query, "--format", "csv",
                   "--sparql", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH "
                   "<https://w3id.org/ccbkg/graph/data/japan> { ?s ?p ?o } }")
    assert held.code == 0 and held.out.split() == ["n", str(japan)], (held, japan)


@pytest.mark.slow
def test_a_users_own_graph_typing_a_country_does_not_fail_the_check_of_what_queries_see(
        oxigraph: StoreUnderTest, dist: Path) -> None:
    """A store holding a graph of the user's own with `<…/france> a ccb:Country` failed
    every publish with exit 1: "shows 11 countries where the release has 10 … a cache, a
    proxy?". Only the release's countries are counted."""
    mine = "http://example.org/user-countries"

    def update(text: str) -> None:
        with urllib.request.urlopen(oxigraph.server.base + "/update",
                                    urlencode({"update": text}).encode(), timeout=30):
            pass

    update(f"INSERT DATA {{ GRAPH <{mine}> {{ <http://example.org/france> a "
           "<https://w3id.org/ccbkg/ontology#Country> } }")
    try:
        result = run_cli("publish", "--store", "oxigraph", "--endpoint", oxigraph.server.base,
                         "--dist", str(dist), "--quiet")
        assert result.code == 0, result
    finally:
        update(f"DROP GRAPH <{mine}>")


@pytest.mark.slow
@pytest.mark.parametrize("step,needle,says", [
    ("read", "GET /store", "nothing was switched, the published graphs are unchanged"),
    ("visible", "COUNT%28DISTINCT", "the new release is switched in and verified in its named "
     "graphs; whether queries on the default graph see it was not checked")])
def test_a_store_failing_at_each_step_is_said_to_hold_what_it_holds(
        oxigraph: StoreUnderTest, dist: Path, step: str, needle: str, says: str) -> None:
    """An HTTP 500 before the switch, or at the check that queries see the release after it
    was switched and verified, gave the store's error alone: neither "nothing was switched"
    nor "switched and verified" (the help promises the message says which)."""
    def policy(n: int, method: str, path: str, body: bytes) -> str:
        asked = f"{method} {path}".encode() + b" " + body
        return "reject" if needle.encode() in asked else "forward"

    with FaultProxy(oxigraph.server.base, policy) as proxy:
        result = run_cli("publish", "--store", "oxigraph", "--endpoint", proxy.base,
                         "--dist", str(dist), "--retries", "0")
    one_line_exit(result, 2, "HTTP 500", says)
    assert any(a == "reject" for _, _, _, a in proxy.log), step


@pytest.mark.slow
def test_a_read_only_store_is_named_as_such_and_an_unchanged_release_needs_no_write(
        tmp_path: Path, dist: Path) -> None:
    """`oxigraph serve-read-only`: publish said "the store needs credentials" and threw the
    server's "The server is read-only" away; and a republish of the release the store held
    already sent an empty switch, so it failed there too."""
    store = OxigraphServer(tmp_path / "store").start()
    try:
        assert run_cli("publish", "--store", "oxigraph", "--endpoint", store.base,
                       "--dist", str(dist), "--quiet").code == 0
    finally:
        store.stop()
    read_only = OxigraphServer(tmp_path / "store", read_only=True).start()
    try:
        same = run_cli("publish", "--store", "oxigraph", "--endpoint", read_only.base,
                       "--dist", str(dist), "--quiet")
        assert same.code == 0, same
        changed = tmp_path / "changed"
        changed.mkdir()
        (changed / "ccbkg.nq").write_bytes((dist / "ccbkg.nq").read_bytes() + (
            b"<https://w3id.org/ccbkg/id/x> <https://w3id.org/ccbkg/ontology#p> \"x\" "
            b"<https://w3id.org/ccbkg/graph/data/extra> .\n"))
        refused = run_cli("publish", "--store", "oxigraph", "--endpoint", read_only.base,
                          "--dist", str(changed))
        one_line_exit(refused, 2, "read-only", "nothing was switched")
    finally:
        read_only.stop()


@pytest.mark.slow
def test_a_kept_graph_of_a_removed_country_does_not_fail_the_check_of_what_queries_see(
        oxigraph: StoreUnderTest, dist: Path, tmp_path: Path) -> None:
    """With --keep-other-graphs, a country's graph the release no longer has stays in the
    store, and its country was counted with the release's: exit 1, blaming a cache."""
    country = ("<https://w3id.org/ccbkg/id/country/zz> "
               "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
               "<https://w3id.org/ccbkg/ontology#Country> "
               "<https://w3id.org/ccbkg/graph/data/zz> .\n")
    (tmp_path / "ccbkg.nq").write_bytes((dist / "ccbkg.nq").read_bytes() + country.encode())
    base = ["publish", "--store", "oxigraph", "--endpoint", oxigraph.server.base, "--quiet"]
    assert run_cli(*base, "--dist", str(tmp_path)).code == 0
    kept = run_cli(*base, "--dist", str(dist), "--keep-other-graphs")
    assert kept.code == 0, kept
    assert run_cli(*base, "--dist", str(dist)).code == 0  # drops it
