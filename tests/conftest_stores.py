"""Fixtures for the store tests: an Oxigraph and a Virtuoso server per test module.

A test module uses them with `pytest_plugins = ("tests.conftest_stores",)`. Where Virtuoso is
not installed its tests are skipped with the reason, never passed silently.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from ccbkg.rdf.dataset import RELEASE_FILE, open_release
from ccbkg.stores.publish import Part, parts_of
from tests.conftest import REPO
from tests.stores import OxigraphServer, StoreUnderTest, VirtuosoServer, virtuoso_missing

STORE_KINDS = ("oxigraph", "virtuoso")


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreUnderTest]:
    """An Oxigraph server with a persistent folder, union default graph."""
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "store").start()
    try:
        yield StoreUnderTest("oxigraph", server)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreUnderTest]:
    """A private Virtuoso with a random dba password (skipped, with the reason, if missing)."""
    reason = virtuoso_missing()
    if reason:
        pytest.skip(reason)
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso")).start()
    try:
        server.set_password(f"ccbkg-{secrets.token_hex(8)}")
        yield StoreUnderTest("virtuoso", server, password=server.password)
    finally:
        server.stop()


@pytest.fixture(scope="module", params=STORE_KINDS)
def store(request: pytest.FixtureRequest) -> StoreUnderTest:
    """Each store in turn."""
    found: StoreUnderTest = request.getfixturevalue(request.param)
    return found


@pytest.fixture(scope="session")
def release_quads() -> list[ox.Quad]:
    """The release quads from the repository's sources."""
    return open_release(None, REPO).quads()


@pytest.fixture(scope="session")
def release_store(release_quads: list[ox.Quad]) -> ox.Store:
    """The release in pyoxigraph, the reference for the stores' answers."""
    store = ox.Store()
    store.extend(release_quads)
    return store


@pytest.fixture(scope="session")
def release_parts(release_quads: list[ox.Quad]) -> list[Part]:
    """The release made from the repository's sources, as publish splits it."""
    return parts_of(release_quads)


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory, release_quads: list[ox.Quad]) -> Path:
    """A release folder with just ccbkg.nq (what `--dist` reads), made from the sources."""
    folder = tmp_path_factory.mktemp("dist")
    (folder / RELEASE_FILE).write_bytes(
        ox.serialize(release_quads, format=ox.RdfFormat.N_QUADS) or b"")
    return folder


@pytest.fixture(scope="session")
def big_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release 20 times the real one (scripts/synthesize.py), big enough that publishing it
    takes seconds: a release folder with just ccbkg.nq."""
    root = tmp_path_factory.mktemp("synthetic") / "src"
    subprocess.run([sys.executable, str(REPO / "scripts" / "synthesize.py"), "--scale", "20",
                    "--out", str(root)], check=True, capture_output=True, timeout=120)
    folder = tmp_path_factory.mktemp("big-dist")
    (folder / RELEASE_FILE).write_bytes(ox.serialize(
        open_release(None, root).quads(), format=ox.RdfFormat.N_QUADS) or b"")
    return folder


@pytest.fixture(scope="session")
def big_parts(big_dist: Path) -> list[Part]:
    """The 20x release as publish splits it."""
    return parts_of(open_release(big_dist, None).quads())
