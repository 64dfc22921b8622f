"""Every bundled query, run as it is with no ccbkg code around it, gives its documented
default answer (queries/expected/NAME.csv): in pyoxigraph, and in Jena TDB2 (Fuseki's
engine), each on the release with the default graph as the union of the named graphs."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest

from ccbkg.query.catalogue import bind, find
from ccbkg.query.parameters import with_values
from tests.conftest import REPO, assert_no_traceback, run_cli
from tests.stores import jena_classpath
from tests.test_queries import _one_value_each, expected_for

pytest_plugins = ("tests.conftest_stores",)

QUERIES = REPO / "queries"
NAMES = sorted(p.stem for p in QUERIES.glob("*.rq"))
BOUND = [(n, p, v) for n, p, v in _one_value_each() if p and v]


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


@pytest.fixture(scope="module")
def jena_answers(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every bundled query run as it is by Jena TDB2 in one JVM (tests/jena/RunQueries.java)."""
    work = tmp_path_factory.mktemp("jena")
    classpath = jena_classpath(work / "classes")
    if classpath is None:
        pytest.skip("Java or Debian's libapache-jena-java is not installed "
                    "(apt-get install default-jre-headless libapache-jena-java)")
    out = work / "answers"
    out.mkdir()
    bound = work / "bound"  # each query with one parameter bound, as `ccbkg query run` does
    bound.mkdir()
    for name, param, value in BOUND:
        info = find(name, REPO)
        (bound / f"{name}--{param}.rq").write_text(
            with_values(info.text, bind(info, {param: value})), encoding="utf-8")
    done = subprocess.run(
        ["java", "-cp", classpath, str(REPO / "tests" / "jena" / "RunQueries.java"),
         str(dist / "ccbkg.nq"), str(out), *(str(QUERIES / f"{n}.rq") for n in NAMES),
         *(str(bound / f"{n}--{p}.rq") for n, p, _ in BOUND)],
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.mark.slow  # one JVM for every query: some 17 s of CPU, as Jena plans some slowly
@pytest.mark.parametrize("name", NAMES)
def test_raw_query_in_jena_tdb2(name: str, jena_answers: Path) -> None:
    got = rows((jena_answers / f"{name}.csv").read_text(encoding="utf-8"))
    assert got == expected(name)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "param", "value"), BOUND)
def test_bound_query_in_jena_tdb2(name: str, param: str, value: str, jena_answers: Path) -> None:
    """Each per-country listing for Albania, each other listing for the first value of its
    selective column: the VALUES block ccbkg writes gives Jena the expected rows."""
    got = rows((jena_answers / f"{name}--{param}.csv").read_text(encoding="utf-8"))
    assert got == expected_for(name, value, param)


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
