"""The store matrix (issue 15): every bundled query, raw and with each parameter bound, gives
the expected rows in order in Jena TDB2 (Fuseki's engine) loaded by `tdb2.tdbloader` as
docs/stores.md says, and in Virtuoso after the bulk loader (`load-virtuoso.sql`); a new
release into TDB2 leaves exactly that release; what TDB2 holds validates against the shapes.

The Oxigraph server (union default graph on and off) and `ccbkg publish` on Virtuoso are
tested in test_publish.py and test_store_settings.py; the RDFS and OWL 2 RL closures in
test_inference.py. Jena runs through tests/jena/RunCommand.java: the command classes that
Jena's shell scripts run, with the same arguments, one JVM for many runs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from ccbkg.core.namespaces import GRAPH
from ccbkg.query.catalogue import bind, find
from ccbkg.query.parameters import with_values
from ccbkg.rdf.dataset import RELEASE_FILE
from ccbkg.stores.publish import virtuoso_load_script
from tests.conftest import REPO, run_cli
from tests.stores import (
    StoreUnderTest,
    TdbEndpoint,
    VirtuosoServer,
    changed_release,
    compare_bundled_query,
    jena_classpath,
)
from tests.test_queries import _one_value_each, expected_for
from tests.test_queries_raw import NAMES, QUERIES, expected, rows
from tests.test_store_settings import one_line_exit

pytest_plugins = ("tests.conftest_stores",)

ASSEMBLER = REPO / "docs" / "stores" / "fuseki-ccbkg.ttl"
SHIPPED_LOCATION = '"/var/lib/fuseki/databases/ccbkg"'
# How docs/stores.md has the union default graph set, besides the database's location: the
# shipped Fuseki assembler file, or the setting on tdb2.tdbquery's command line.
RECIPES = ("assembler", "set")
DATA_GRAPHS = (f"CONSTRUCT {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
               f'FILTER(STRSTARTS(STR(?g), "{GRAPH["data/"]}")) }}')

# Each per-country listing for Albania, each other listing for the first value of its column.
BOUND = [(n, p, v) for n, p, v in _one_value_each() if p and v]
Job = tuple[Path, str, list[str]]


def run_jena(classpath: str, work: Path, jobs: list[Job]) -> None:
    """Run Jena commands in order in one JVM, each one's output into its file."""
    listing = work / "jobs.tsv"
    listing.write_text("".join("\t".join([str(out), command, *args]) + "\n"
                               for out, command, args in jobs), encoding="utf-8")
    done = subprocess.run(
        ["java", "-cp", classpath, str(REPO / "tests" / "jena" / "RunCommand.java"),
         str(listing)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]


def classpath_or_skip(work: Path) -> str:
    classpath = jena_classpath(work / "classes")
    if classpath is None:
        pytest.skip("Java or Debian's libapache-jena-java is not installed "
                    "(apt-get install default-jre-headless libapache-jena-java)")
    return classpath


def assembler_for(database: Path, work: Path) -> Path:
    """The shipped assembler file with its database location changed, as a user would."""
    text = ASSEMBLER.read_text(encoding="utf-8")
    assert text.count(SHIPPED_LOCATION) == 1, ASSEMBLER
    copy = work / "fuseki-ccbkg.ttl"
    copy.write_text(text.replace(SHIPPED_LOCATION, json.dumps(str(database))), encoding="utf-8")
    return copy


def assert_conforms(data: Path) -> None:
    """`ccbkg check --data` finds no Violation and no Warning in the file against the shipped
    shapes."""
    result = run_cli("check", "-q", "--only", "syntax,shapes", "--format", "json",
                     "--data", str(data))
    assert result.code == 0, result.out[-2000:]
    counts = json.loads(result.out)["counts"]
    assert counts["error"] == 0 and counts["warning"] == 0, counts


def tdbquery_options(recipe: str, database: Path, assembler: Path) -> list[str]:
    """tdb2.tdbquery's arguments, before the query, for a recipe ("off": the union not set)."""
    where = ["--desc", str(assembler)] if recipe == "assembler" else ["--loc", str(database)]
    on = ["--set", "tdb:unionDefaultGraph=true"] if recipe == "set" else []
    return [*where, *on, "--results=CSV"]


@pytest.fixture(scope="module")
def tdb2(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One JVM: the release loaded by tdb2.tdbloader, its data graphs read back (data.nq), then
    every bundled query run by tdb2.tdbquery with the union off, through the assembler file and
    with `--set` (in that order: `--set` stays for the runs after it), each raw and with each
    parameter bound (answers/RECIPE/NAME.csv). Returns the folder."""
    work = tmp_path_factory.mktemp("tdb2")
    classpath = classpath_or_skip(work)
    database, answers = work / "database", work / "answers"
    bound = work / "bound"  # each query with one parameter bound, as `ccbkg query run` does
    bound.mkdir()
    files = {name: QUERIES / f"{name}.rq" for name in NAMES}
    for name, param, value in BOUND:
        info = find(name, REPO)
        files[f"{name}--{param}"] = bound / f"{name}--{param}.rq"
        files[f"{name}--{param}"].write_text(
            with_values(info.text, bind(info, {param: value})), encoding="utf-8")
    assembler = assembler_for(database, work)
    jobs: list[Job] = [
        (work / "load.log", "tdb2.tdbloader", ["--loc", str(database), str(dist / RELEASE_FILE)]),
        (work / "data.nq", "tdb2.tdbquery", ["--loc", str(database), "--results=NQ", DATA_GRAPHS])]
    for recipe in ("off", *RECIPES):
        (answers / recipe).mkdir(parents=True)
        jobs += [(answers / recipe / f"{name}.csv", "tdb2.tdbquery",
                  [*tdbquery_options(recipe, database, assembler), "--query", str(path)])
                 for name, path in files.items() if recipe != "off" or name in NAMES]
    run_jena(classpath, work, jobs)
    return work


@pytest.mark.slow  # one JVM for every query: some 35 s of CPU, as Jena plans some slowly
@pytest.mark.parametrize("recipe", RECIPES)
@pytest.mark.parametrize("name", NAMES)
def test_raw_query_in_jena_tdb2(recipe: str, name: str, tdb2: Path) -> None:
    got = rows((tdb2 / "answers" / recipe / f"{name}.csv").read_text(encoding="utf-8"))
    assert got == expected(name)


@pytest.mark.slow
@pytest.mark.parametrize("recipe", RECIPES)
@pytest.mark.parametrize(("name", "param", "value"), BOUND)
def test_bound_query_in_jena_tdb2(recipe: str, name: str, param: str, value: str,
                                  tdb2: Path) -> None:
    """Each per-country listing for Albania, each other listing for the first value of its
    selective column: the VALUES block ccbkg writes gives Jena the expected rows."""
    answer = tdb2 / "answers" / recipe / f"{name}--{param}.csv"
    assert rows(answer.read_text(encoding="utf-8")) == expected_for(name, value, param)


@pytest.mark.slow
def test_without_the_union_every_query_reads_an_empty_default_graph(tdb2: Path) -> None:
    """What docs/stores.md warns of: tdb2.tdbloader puts the release's quads in named graphs,
    and with the union off each bundled query answers its header alone, without an error."""
    for name in NAMES:
        got = rows((tdb2 / "answers" / "off" / f"{name}.csv").read_text(encoding="utf-8"))
        assert got == expected(name)[:1], name
        assert len(expected(name)) > 1, name


@pytest.mark.slow
def test_the_data_read_back_from_tdb2_validates(tdb2: Path, release_quads: list[ox.Quad],
                                                tmp_path: Path) -> None:
    """The data graphs read back (a CONSTRUCT through tdb2.tdbquery) are the release's, with
    their datatypes as released, and `ccbkg check --data` finds no Violation or Warning in
    them; the same file with one passage offset made negative fails that offset's shape."""
    read_back = tdb2 / "data.nq"
    data = [q for q in release_quads if q.graph_name.value.startswith(str(GRAPH["data/"]))]
    assert len(data) > 500
    assert set(ox.parse(path=str(read_back), format=ox.RdfFormat.N_QUADS)) == set(data)
    assert_conforms(read_back)
    offset = '"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>'
    lines = read_back.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if offset in line)
    lines[at] = lines[at].replace('> "', '> "-', 1).replace(offset, offset.replace(
        "nonNegativeInteger", "integer"))
    broken = tmp_path / "broken.nq"
    broken.write_text("".join(lines), encoding="utf-8")
    failed = run_cli("check", "-q", "--only", "syntax,shapes", "--data", str(broken))
    assert failed.code == 1 and "ccbsh:TextPositionSelector-start" in failed.out, failed


@pytest.fixture(scope="module")
def tdb2_endpoint(tdb2: Path) -> Iterator[TdbEndpoint]:
    """The module's TDB2 database behind a query endpoint, the union default graph off."""
    server = TdbEndpoint(tdb2 / "database", classpath_or_skip(tdb2)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.slow
def test_ccbkg_refuses_a_tdb2_default_graph_that_is_not_the_union(
        tdb2_endpoint: TdbEndpoint, dist: Path) -> None:
    """Where ccbkg asks TDB2 (as Fuseki serves it without the assembler file), a bundled query
    and publish stop with exit 2 and name the setting, instead of an empty answer; publish
    before it changes anything. A query of the user's own is answered as it is."""
    endpoint = tdb2_endpoint.query
    bundled = run_cli("query", "run", "forums", "--endpoint", endpoint, "--format", "csv")
    one_line_exit(bundled, 2, "tdb2:unionDefaultGraph", "default graph does not show")
    publish = run_cli("publish", "--store", "generic", "--endpoint", endpoint,
                      "--update-endpoint", endpoint.replace("/query", "/update"),
                      "--gsp-endpoint", endpoint.replace("/query", "/data"), "--dist", str(dist))
    one_line_exit(publish, 2, "tdb2:unionDefaultGraph", "nothing was changed")
    own = run_cli("query", "run", "--endpoint", endpoint, "--format", "csv", "--sparql",
                  "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert own.code == 0 and int(own.out.split()[1]) > 1000, own


def new_release(quads: list[ox.Quad]) -> list[ox.Quad]:
    """A modified release: the Canada file removed, the Japan file changed (and the ontology)."""
    return [q for q in changed_release(quads) if q.graph_name != ox.NamedNode(GRAPH["data/canada"])]


def canonical(quads: list[ox.Quad]) -> ox.Dataset:
    """The quads with their blank nodes named from the content, to compare two datasets."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


@pytest.mark.slow
def test_a_new_release_into_tdb2_leaves_exactly_that_release(
        release_quads: list[ox.Quad], tmp_path: Path) -> None:
    """docs/stores.md's recipe for a new release: load it into a fresh location, then swap the
    folders. What tdb2.tdbdump reads back is exactly the new release, datatypes and all;
    loading it over the old database instead (what the recipe avoids) keeps Canada."""
    classpath = classpath_or_skip(tmp_path)
    old, new = tmp_path / "old.nq", tmp_path / "new.nq"
    old.write_bytes(ox.serialize(release_quads, format=ox.RdfFormat.N_QUADS) or b"")
    second = new_release(release_quads)
    new.write_bytes(ox.serialize(second, format=ox.RdfFormat.N_QUADS) or b"")
    live, fresh, over = tmp_path / "tdb2", tmp_path / "tdb2.new", tmp_path / "loaded-over"

    def load(database: Path, release: Path) -> Job:
        return tmp_path / "load.log", "tdb2.tdbloader", ["--loc", str(database), str(release)]

    run_jena(classpath, tmp_path, [load(live, old), load(over, old), load(fresh, new),
                                   load(over, new)])
    live.rename(tmp_path / "tdb2.old")
    fresh.rename(live)
    shutil.rmtree(tmp_path / "tdb2.old")
    run_jena(classpath, tmp_path, [(tmp_path / f"{d.name}.dump.nq", "tdb2.tdbdump",
                                    ["--loc", str(d)]) for d in (live, over)])

    def dumped(database: Path) -> list[ox.Quad]:
        return list(ox.parse(path=str(tmp_path / f"{database.name}.dump.nq"),
                             format=ox.RdfFormat.N_QUADS))

    assert canonical(dumped(live)) == canonical(second)
    canada = ox.NamedNode(GRAPH["data/canada"])
    assert not any(q.graph_name == canada for q in dumped(live))
    removed = set(release_quads) - set(second)  # Canada's graph and one ontology triple
    assert removed and removed <= set(dumped(over))


@pytest.fixture(scope="module")
def bulk_loaded(virtuoso: StoreUnderTest, release_quads: list[ox.Quad]) -> StoreUnderTest:
    """The Virtuoso of this module loaded by the release's load-virtuoso.sql through isql-vt,
    as docs/stores.md says (the release folder inside DirsAllowed)."""
    server = virtuoso.server
    assert isinstance(server, VirtuosoServer)
    folder = server.folder / "dist"
    folder.mkdir()
    (folder / RELEASE_FILE).write_bytes(
        ox.serialize(release_quads, format=ox.RdfFormat.N_QUADS) or b"")
    graphs = sorted({q.graph_name.value for q in release_quads})
    script = folder / "load-virtuoso.sql"
    script.write_text(virtuoso_load_script(graphs, {RELEASE_FILE: str(GRAPH["default"])}),
                      encoding="utf-8")
    done = subprocess.run(
        ["isql-vt", f"127.0.0.1:{server.sql_port}", "dba", server.password, str(script),
         "-u", f"CCBKG_DIST='{folder}'"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and "Error" not in done.stdout + done.stderr, done.stdout[-2000:]
    return virtuoso


@pytest.mark.slow
@pytest.mark.parametrize(("name", "param", "value"), [(n, None, None) for n in NAMES] + BOUND)
def test_bundled_query_on_virtuoso_after_the_bulk_loader(
        name: str, param: str | None, value: str | None, bulk_loaded: StoreUnderTest,
        release_store: ox.Store) -> None:
    """Raw (the file's text as it is), and with each parameter bound, on the query endpoint."""
    values = {param: value} if param and value else None
    assert compare_bundled_query(bulk_loaded.server.query, name, release_store, values) is None


@pytest.mark.slow
def test_the_data_read_back_from_virtuoso_after_the_bulk_loader_validates(
        bulk_loaded: StoreUnderTest, release_quads: list[ox.Quad], tmp_path: Path) -> None:
    """Each data graph read back (a CONSTRUCT on the query endpoint) passes `ccbkg check --data`
    with no Violation or Warning, as it does after publish (test_publish.py)."""
    graphs = sorted({q.graph_name.value for q in release_quads
                     if q.graph_name.value.startswith(str(GRAPH["data/"]))})
    assert len(graphs) >= 5, graphs
    read = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g))
            for g in graphs for t in bulk_loaded.construct(g)]
    read_back = tmp_path / "data.nq"
    read_back.write_bytes(ox.serialize(read, format=ox.RdfFormat.N_QUADS) or b"")
    assert len(read) > 500
    assert_conforms(read_back)
