"""The release's own description (void.ttl): DCAT-AP 3.0 shapes, consistent VoID counts, and
files that download with the checksum and media type it states."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, SH, VOID, XSD

from ccbkg.core.namespaces import DATASET_IRI, GRAPH
from ccbkg.rdf.void import Release
from ccbkg.stores.htaccess import read_rules
from ccbkg.stores.site_server import SiteServer
from tests.conftest import REPO, assert_no_traceback, run_cli
from tests.test_redirects import HTACCESS
from tests.test_siteserver import get

# DCAT 3's dcat:version, which rdflib's closed DCAT namespace does not list yet.
DCAT_VERSION = URIRef(str(DCAT) + "version")

SHAPES = REPO / "shapes" / "lint" / "dcat-ap.shapes.ttl"
INVALID = REPO / "tests" / "fixtures" / "dcat-ap" / "invalid.ttl"
SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA = "http://www.iana.org/assignments/media-types/"
DS = URIRef(DATASET_IRI)
VOID_GRAPH = URIRef(GRAPH["void"])


@pytest.fixture(scope="module")
def void(built: Path) -> Graph:
    return Graph().parse(built / "void.ttl")


def _results(data: Graph, shapes: Graph | None = None) -> Graph:
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes or Graph().parse(SHAPES),
                                    inference="none")
    assert isinstance(report, Graph)
    return report


def test_void_has_no_dcat_ap_result(void: Graph) -> None:
    report = _results(void)
    messages = sorted(str(report.value(r, SH.resultMessage))
                      for r in report.subjects(RDF.type, SH.ValidationResult))
    assert messages == []
    for cls in (DCAT.Catalog, DCAT.Dataset, DCAT.Distribution, SPDX.Checksum):
        assert (None, RDF.type, cls) in void, f"no {cls} to validate"


def test_every_dcat_ap_shape_can_fail() -> None:
    shapes = Graph().parse(SHAPES)
    report = _results(Graph().parse(INVALID), shapes)
    failed = {report.value(r, SH.sourceShape) for r in report.subjects(RDF.type,
                                                                       SH.ValidationResult)}
    every = set(shapes.objects(None, SH.property))
    assert len(every) > 25
    assert sorted(str(shapes.value(p, SH.path)) for p in every - failed) == []
    for shape in every:
        assert "DCAT-AP 3.0.0 §" in str(shapes.value(shape, SH.description)), shape


def test_dataset_counts_are_the_union_of_its_subsets(built: Path, void: Graph) -> None:
    store = Dataset()
    store.parse(built / "ccbkg.nq", format="nquads")
    graphs = {g.identifier: {(s, p, o) for s, p, o in g} for g in store.graphs()
              if len(g)}
    assert VOID_GRAPH in graphs
    union = set().union(*(t for g, t in graphs.items() if g != VOID_GRAPH))
    assert int(void.value(DS, VOID.triples)) == len(union)  # type: ignore[arg-type]
    subsets = set(void.objects(DS, VOID.subset))
    assert subsets == set(graphs) - {VOID_GRAPH}
    for graph in subsets:
        assert int(void.value(graph, VOID.triples)) == len(graphs[graph]), graph  # type: ignore[arg-type]
    classes = {void.value(p, VOID["class"]) for p in void.objects(DS, VOID.classPartition)}
    assert classes == {o for _, p, o in union if p == RDF.type}
    # VoID 4.6: an entity's IRI is in the dataset's void:uriSpace (every typed subject, the
    # ontology's terms and blank nodes included, was counted)
    space = str(void.value(DS, VOID.uriSpace))
    assert space == "https://w3id.org/ccbkg/id/"
    entities = {s for s, p, _ in union if p == RDF.type and str(s).startswith(space)}
    assert int(void.value(DS, VOID.entities)) == len(entities) > 100  # type: ignore[arg-type]
    # DCAT-AP 3: a byte size is an xsd:nonNegativeInteger (it was an xsd:integer)
    sizes = list(void.objects(None, DCAT.byteSize))
    assert sizes and {s.datatype for s in sizes} == {XSD.nonNegativeInteger}  # type: ignore[union-attr]


def test_void_is_a_named_graph_of_the_full_dumps(built: Path, void: Graph) -> None:
    for name, fmt in (("ccbkg.nq", "nquads"), ("ccbkg.trig", "trig")):
        store = Dataset()
        store.parse(built / name, format=fmt)
        assert isomorphic(store.graph(VOID_GRAPH), void), name
    dumps = {str(o).rsplit("/", 1)[-1] for o in void.objects(DS, VOID.dataDump)}
    assert dumps == {"ccbkg.nq", "ccbkg.trig"}


def test_licence_and_version_on_everything_described(built: Path, void: Graph) -> None:
    version = Release.from_ontology(list(ox.parse(path=built / "ontology" / "ccb.ttl",
                                                  format=ox.RdfFormat.TURTLE))).version
    nodes = {DS, *void.objects(DS, VOID.subset), *void.objects(DS, DCAT.distribution),
             VOID_GRAPH}
    assert len(nodes) > 40
    for node in nodes:
        assert void.value(node, DCTERMS.license) is not None, node
        assert void.value(node, DCAT_VERSION) == Literal(version), node
        assert void.value(node, OWL.versionInfo) in (None, Literal(version)), node


def test_every_file_is_a_distribution_with_its_media_type(built: Path, void: Graph) -> None:
    listed = {line.split("  ", 1)[1] for line in (built / "SHA256SUMS").read_text().splitlines()}
    described = {str(void.value(d, DCTERMS.title)) for d in void.objects(DS, DCAT.distribution)}
    assert described == listed - {"void.ttl"}
    media = {str(void.value(d, DCTERMS.title)): str(void.value(d, DCAT.mediaType))
             for d in void.objects(DS, DCAT.distribution)}
    assert media["load-virtuoso.sql"] == IANA + "application/sql"
    assert media["data/ccbkg-data.rdf"] == IANA + "application/rdf+xml"


@pytest.fixture(scope="module")
def server(built: Path, void: Graph) -> Iterator[SiteServer]:
    version = str(void.value(DS, DCAT_VERSION))
    running = SiteServer(built, read_rules(HTACCESS), version, "127.0.0.1", 0)
    running.start()
    yield running
    running.stop()


@pytest.mark.slow
def test_every_download_url_gives_the_stated_bytes(built: Path, void: Graph,
                                                   server: SiteServer) -> None:
    sums = dict(reversed(line.split("  ", 1))
                for line in (built / "SHA256SUMS").read_text().splitlines())
    urls = sorted(void.objects(None, DCAT.downloadURL))
    assert len(urls) == len(set(void.objects(DS, DCAT.distribution))) > 40
    for url in urls:
        dist = void.value(None, DCAT.downloadURL, url)
        status, headers, _ = get(server, str(url).removeprefix("https://w3id.org"))
        assert status == 302, url
        status, headers, body = get(server, headers["location"])
        assert status == 200, url
        assert IANA + headers["content-type"].split(";")[0] == str(
            void.value(dist, DCAT.mediaType)), url
        checksum = void.value(dist, SPDX.checksum)
        digest = hashlib.sha256(body).hexdigest()
        if checksum is None:  # ccbkg.nq and ccbkg.trig hold this description
            assert str(void.value(dist, DCTERMS.title)) in ("ccbkg.nq", "ccbkg.trig")
            assert sums[str(void.value(dist, DCTERMS.title))] == digest, url
            continue
        assert void.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert void.value(checksum, SPDX.checksumValue) == Literal(digest,
                                                                   datatype=XSD.hexBinary), url
        assert int(void.value(dist, DCAT.byteSize)) == len(body), url  # type: ignore[arg-type]


def test_sparql_endpoint_only_when_configured(void: Graph, tmp_path: Path) -> None:
    assert void.value(DS, VOID.sparqlEndpoint) is None
    bad = run_cli("build", "--root", str(REPO), "--out", str(tmp_path / "bad"), "--no-site",
                  "--sparql-endpoint", "ftp://example.org/sparql")
    assert bad.code == 2 and "--sparql-endpoint" in bad.err and "ftp://" in bad.err, bad.err
    assert_no_traceback(bad)
    assert not (tmp_path / "bad").exists()
    out = tmp_path / "dist"
    result = run_cli("build", "--root", str(REPO), "--out", str(out), "--quiet", "--no-site",
                     "--force", "--sparql-endpoint", "https://example.org/ccbkg/sparql")
    assert result.code in (0, 1), result.err
    described = Graph().parse(out / "void.ttl")
    assert described.value(DS, VOID.sparqlEndpoint) == URIRef("https://example.org/ccbkg/sparql")
