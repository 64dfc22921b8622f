"""Inference, both ways.

- The bundled queries give the same answers in a store that reasons: on the release plus its
  RDFS closure (Jena's `riot --rdfs`) and plus its OWL 2 RL closure (owlrl), raw and with each
  parameter bound, exactly the expected results; no row multiplies because a node gains
  inferred types or superproperties. The same without the release's own inferred graph.
- The release ships the entailments (graph/inferred, inferred/ in every format, marked in
  VoID), so a store without a reasoner answers `?x a ccb:PolicyDocument`; all of it is what
  the reasoners infer too.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import pytest

from ccbkg.core.namespaces import GRAPH, ID
from ccbkg.project.query_headers import QueryInfo
from ccbkg.query.catalogue import bind
from ccbkg.query.catalogue import catalogue as bundled_queries
from ccbkg.query.render import render
from ccbkg.query.run import run_embedded
from ccbkg.rdf.inferred import INFERRED_GRAPH
from tests.conftest import REPO
from tests.stores import owl_rl_closure, rdfs_closure, with_entailments
from tests.test_queries import EXPECTED, _one_value_each, csv_rows, expected_for

pytest_plugins = ("tests.conftest_stores",)

CCB = "https://w3id.org/ccbkg/ontology#"
INFERRED = ox.NamedNode(INFERRED_GRAPH)
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


@pytest.fixture(scope="session")
def closure_triples(release_quads: list[ox.Quad],
                    tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[ox.Triple]]:
    """The RDFS and OWL 2 RL closures of the release, computed once per run (Jena's in a
    thread while owlrl works)."""
    with ThreadPoolExecutor(1) as pool:
        jena = pool.submit(rdfs_closure, release_quads, tmp_path_factory.mktemp("rdfs"))
        owl_rl = owl_rl_closure(release_quads)
        rdfs = jena.result()
    if rdfs is None:
        pytest.skip("Java or Debian's libapache-jena-java is not installed "
                    "(apt-get install default-jre-headless libapache-jena-java)")
    return {"rdfs": set(rdfs), "owl-rl": set(owl_rl)}


@pytest.fixture(scope="session")
def closures(release_quads: list[ox.Quad],
             closure_triples: dict[str, set[ox.Triple]]) -> dict[str, ox.Store]:
    """The release with each closure added, and the release without its inferred graph."""
    return {"rdfs": with_entailments(release_quads, closure_triples["rdfs"]),
            "owl-rl": with_entailments(release_quads, closure_triples["owl-rl"]),
            "no-inferred-graph": with_entailments(
                [q for q in release_quads if q.graph_name != INFERRED], set())}


@pytest.fixture(scope="module")
def catalogue() -> dict[str, QueryInfo]:
    return {q.name: q for q in bundled_queries(REPO)}


@pytest.mark.parametrize("kind", ["rdfs", "owl-rl"])
def test_the_closure_adds_what_a_reasoner_would(kind: str,
                                                closures: dict[str, ox.Store]) -> None:
    """The closures are real: superclass types and superproperties the asserted triples do not
    state (so the tests below would see rows multiply if a query counted them), and more
    than the inferred graph has (domain and range types)."""
    ask = f"ASK {{ ?x a <{CCB}PolicyDocument> ; <{CCB}hasObjective> ?o . ?o a <{CCB}Objective> }}"
    assert closures[kind].query(ask, use_default_graph_as_union=True)
    assert not closures["no-inferred-graph"].query(ask, use_default_graph_as_union=True)
    ask = f"ASK {{ GRAPH <urn:x-test:entailed> {{ ?x a ?c FILTER STRSTARTS(STR(?x), '{ID}') }} }}"
    assert closures[kind].query(ask)


@pytest.mark.parametrize("kind", ["rdfs", "owl-rl", "no-inferred-graph"])
@pytest.mark.parametrize(("name", "param", "value"), _one_value_each())
def test_bundled_queries_answer_the_same_with_a_closure(
    kind: str, name: str, param: str | None, value: str | None,
    closures: dict[str, ox.Store], catalogue: dict[str, QueryInfo],
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
        results = run_embedded(store, info.text, bind(info, {param: value}))
        assert csv_rows(render(results, "csv")) == expected_for(name, value, param)



def test_policy_documents_without_a_reasoner(closures: dict[str, ox.Store],
                                             release_store: ox.Store) -> None:
    """`?x a ccb:PolicyDocument` gives the strategies, regulations and papers in a store that
    does not reason once the release is loaded, and nothing without the inferred graph."""
    documents = f"SELECT ?x WHERE {{ ?x a <{CCB}PolicyDocument> }} ORDER BY ?x"
    kinds = (f"SELECT DISTINCT ?x WHERE {{ ?x a/<{RDFS}subClassOf>+ <{CCB}PolicyDocument> }} "
             "ORDER BY ?x")
    got = [r["x"] for r in release_store.query(documents, use_default_graph_as_union=True)]
    assert got == [r["x"] for r in release_store.query(kinds, use_default_graph_as_union=True)]
    assert {n.value.split("/")[-2] for n in got} >= {"strategy", "regulation", "government-paper"}
    assert not list(closures["no-inferred-graph"].query(documents,
                                                        use_default_graph_as_union=True))


@pytest.mark.parametrize("kind", ["rdfs", "owl-rl"])
def test_the_inferred_graph_is_what_the_reasoners_infer(
        kind: str, closure_triples: dict[str, set[ox.Triple]],
        release_quads: list[ox.Quad]) -> None:
    """Nothing in graph/inferred that Jena's RDFS reasoner or owlrl would not infer, and
    nothing the release already states (a union default graph would count it twice)."""
    inferred = [q for q in release_quads if q.graph_name == INFERRED]
    stated = {ox.Triple(q.subject, q.predicate, q.object) for q in release_quads
              if q.graph_name != INFERRED}
    assert len(inferred) > 100
    assert not {ox.Triple(q.subject, q.predicate, q.object) for q in inferred} & stated
    if kind == "rdfs":  # Jena's RDFS reasoner knows no owl:inverseOf
        inferred = [q for q in inferred if not q.predicate.value.endswith("holdsPosition")]
    missing = [q for q in inferred
               if ox.Triple(q.subject, q.predicate, q.object) not in closure_triples[kind]]
    assert not missing, missing[:5]


def test_the_inferred_graph_is_shipped_and_described(built: Path) -> None:
    """inferred/ in every RDF format, the same triples as graph/inferred of ccbkg.nq; void.ttl
    says it is inferred, from which graphs."""
    release = [q for q in ox.parse(path=built / "ccbkg.nq", format=ox.RdfFormat.N_QUADS)
               if q.graph_name == INFERRED]
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in release}
    assert len(triples) > 100
    for ext, fmt in (("ttl", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES),
                     ("rdf", ox.RdfFormat.RDF_XML)):
        got = {ox.Triple(q.subject, q.predicate, q.object)
               for q in ox.parse(path=built / "inferred" / f"ccbkg-inferred.{ext}", format=fmt)}
        assert got == triples, ext
    void = ox.Store()
    void.load(path=built / "void.ttl", format=ox.RdfFormat.TURTLE)
    assert void.query(f"""ASK {{
        <{INFERRED_GRAPH}> <http://purl.org/dc/terms/conformsTo>
            <http://www.w3.org/ns/entailment/RDFS> ;
          <http://www.w3.org/ns/prov#wasDerivedFrom> <{GRAPH["ontology"]}>,
            <{GRAPH["data/albania"]}> ;
          <http://rdfs.org/ns/void#dataDump> ?file ;
          <http://rdfs.org/ns/void#triples> {len(triples)} .
        FILTER (STRENDS(STR(?file), "inferred/ccbkg-inferred.jsonld")) }}""")
