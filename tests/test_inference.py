"""The bundled queries give the same answers in a store that reasons: on the release plus its
RDFS closure (Jena's `riot --rdfs`) and plus its OWL 2 RL closure (owlrl), raw and with each
parameter bound, exactly the expected results; no row multiplies because a node gains inferred
types or superproperties."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pyoxigraph as ox
import pytest

from ccbkg import query
from tests.conftest import REPO
from tests.stores import owl_rl_closure, rdfs_closure, with_entailments
from tests.test_queries import EXPECTED, _one_value_each, csv_rows, expected_for

pytest_plugins = ("tests.conftest_stores",)

CCB = "https://w3id.org/ccbkg/ontology#"


@pytest.fixture(scope="session")
def closures(release_quads: list[ox.Quad],
             tmp_path_factory: pytest.TempPathFactory) -> dict[str, ox.Store]:
    """The release with each closure added, computed once per run (Jena's in a thread while
    owlrl works)."""
    with ThreadPoolExecutor(1) as pool:
        jena = pool.submit(rdfs_closure, release_quads, tmp_path_factory.mktemp("rdfs"))
        owl_rl = owl_rl_closure(release_quads)
        rdfs = jena.result()
    if rdfs is None:
        pytest.skip("Java or Debian's libapache-jena-java is not installed "
                    "(apt-get install default-jre-headless libapache-jena-java)")
    return {"rdfs": with_entailments(release_quads, rdfs),
            "owl-rl": with_entailments(release_quads, owl_rl)}


@pytest.fixture(scope="module")
def catalogue() -> dict[str, query.QueryInfo]:
    return {q.name: q for q in query.catalogue(REPO)}


@pytest.mark.parametrize("kind", ["rdfs", "owl-rl"])
def test_the_closure_adds_what_a_reasoner_would(kind: str, closures: dict[str, ox.Store],
                                                release_store: ox.Store) -> None:
    """The closures are real: superclass types and superproperties the release does not state
    (so the tests below would see rows multiply if a query counted them)."""
    ask = f"ASK {{ ?x a <{CCB}PolicyDocument> ; <{CCB}hasObjective> ?o . ?o a <{CCB}Objective> }}"
    assert closures[kind].query(ask, use_default_graph_as_union=True)
    assert not release_store.query(ask, use_default_graph_as_union=True)


@pytest.mark.parametrize("kind", ["rdfs", "owl-rl"])
@pytest.mark.parametrize(("name", "param", "value"), _one_value_each())
def test_bundled_queries_answer_the_same_with_a_closure(
    kind: str, name: str, param: str | None, value: str | None,
    closures: dict[str, ox.Store], catalogue: dict[str, query.QueryInfo],
) -> None:
    """The raw .rq file (its defaults in VALUES) and each optional parameter bound."""
    store = closures[kind]
    info = catalogue[name]
    if param is None or value is None:
        answer = store.query(info.text, use_default_graph_as_union=True)
        assert isinstance(answer, ox.QuerySolutions)
        got = answer.serialize(format=ox.QueryResultsFormat.CSV).decode("utf-8")
        assert csv_rows(got) == csv_rows((EXPECTED / f"{name}.csv").read_text("utf-8"))
    else:
        results = query.run_embedded(store, info.text, query.bind(info, {param: value}))
        assert csv_rows(query.render(results, "csv")) == expected_for(name, value, param)

