"""Every bundled query, run as it is with no ccbkg code around it, gives its documented
default answer (queries/expected/NAME.csv): here in pyoxigraph, on the release with the default
graph as the union of the named graphs; in Jena TDB2 (Fuseki's engine) and other stores in
test_store_matrix.py."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.conftest import REPO, assert_no_traceback, run_cli

pytest_plugins = ("tests.conftest_stores",)

QUERIES = REPO / "queries"
NAMES = sorted(p.stem for p in QUERIES.glob("*.rq"))


def rows(text: str) -> list[list[str]]:
    """The rows of a SPARQL 1.1 CSV answer, header first, in their order."""
    return list(csv.reader(io.StringIO(text)))


def expected(name: str) -> list[list[str]]:
    return rows((QUERIES / "expected" / f"{name}.csv").read_text(encoding="utf-8"))


def test_every_query_is_checked() -> None:
    assert len(NAMES) == 22, NAMES
    assert sorted(p.stem for p in (QUERIES / "expected").glob("*.csv")) == NAMES


@pytest.fixture(scope="module")
def release(dist: Path) -> ox.Store:
    """The release file loaded into pyoxigraph as it is."""
    store = ox.Store()
    store.bulk_load(path=str(dist / "ccbkg.nq"), format=ox.RdfFormat.N_QUADS)
    return store


@pytest.mark.parametrize("name", NAMES)
def test_raw_query_in_pyoxigraph(name: str, release: ox.Store) -> None:
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    answer = release.query(text, use_default_graph_as_union=True)
    assert isinstance(answer, ox.QuerySolutions)
    got = answer.serialize(format=ox.QueryResultsFormat.CSV).decode("utf-8")
    assert rows(got) == expected(name)


@pytest.mark.parametrize(("old", "new", "says"), [
    ('VALUES ?text { "NATO" }', 'VALUES ?text { "OTAN" }', 'VALUES ?text { "NATO" }'),
    ('VALUES ?text { "NATO" }\n', "", 'VALUES ?text { "NATO" }'),
    ("WHERE {\n", 'WHERE {\n  VALUES ?kind { <https://w3id.org/ccbkg/ontology#Alliance> }\n',
     "?kind is optional"),
])
def test_a_default_that_differs_from_the_header_is_refused(
        old: str, new: str, says: str, scratch: Path) -> None:
    """The header documents the default; the query must give the same one, or run as it is
    it would answer something else."""
    path = scratch / "queries" / "find-by-label.rq"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    result = run_cli("query", "run", "find-by-label", "--root", str(scratch))
    assert result.code == 2, result
    assert "find-by-label.rq" in result.err and says in result.err, result.err
    assert_no_traceback(result)


def test_a_bound_value_replaces_the_default(scratch: Path) -> None:
    result = run_cli("query", "run", "find-by-label", "--param", "text=ALCIRT", "--format",
                     "csv", "--root", str(scratch))
    assert result.code == 0, result.err
    got = rows(result.out)
    assert got[0] == expected("find-by-label")[0] and len(got) > 1
    assert {r[0] for r in got[1:]} == {"ALCIRT"}
