"""Publish leaves the store holding exactly the release: graphs under the graph base that the
release no longer has are dropped in the switch; other graphs are never touched."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest

from ccbkg import publish as pub
from tests.conftest import assert_no_traceback, run_cli
from tests.stores import StoreUnderTest

pytest_plugins = ("tests.conftest_stores",)

STALE = pub.DEFAULT_GRAPH_BASE + "data/atlantis"  # a country file since removed
OUTSIDE = "http://example.org/someone-elses-graph"


def _insert(store: StoreUnderTest, graph: str) -> None:
    where = store.endpoints()
    store.client(where).request(
        "POST", where.update, idempotent=True, what="adding a graph",
        body=urlencode({"update": f"INSERT DATA {{ GRAPH <{graph}> {{ "
                                  "<http://example.org/s> <http://example.org/p> 1 } }"}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"})


def _graphs(store: StoreUnderTest) -> set[str]:
    return store.graphs(pub.DEFAULT_GRAPH_BASE) | store.graphs(OUTSIDE)


@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
def test_graphs_the_release_no_longer_has_are_dropped_in_the_switch(
    kind: str, request: pytest.FixtureRequest, release_quads: list[ox.Quad],
    release_parts: list[pub.Part],
):
    store: StoreUnderTest = request.getfixturevalue(kind)
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
