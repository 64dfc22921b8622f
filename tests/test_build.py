"""The release build: complete, parseable, round-tripping, reproducible and atomic."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, VOID

from ccbkg.load import format_for
from ccbkg.namespaces import DATASET_IRI, GRAPH
from tests.conftest import REPO, assert_no_traceback, run_cli

RDFLIB_FORMATS = {".ttl": "turtle", ".nt": "nt", ".rdf": "xml", ".jsonld": "json-ld",
                  ".trig": "trig", ".nq": "nquads"}
OX_FORMATS = {".rdf": ox.RdfFormat.RDF_XML, ".jsonld": ox.RdfFormat.JSON_LD}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build") / "dist"
    result = run_cli("build", "--root", str(REPO), "--out", str(out), "--quiet")
    assert result.code == 0, result.out + result.err
    assert_no_traceback(result)
    return out


def _artefacts(dist: Path, *suffixes: str) -> list[Path]:
    found = sorted(p for p in dist.rglob("*")
                   if p.suffix in suffixes and p.name != "context.jsonld")
    assert found, f"no {suffixes} artefacts in {dist}"
    return found


def test_build_writes_every_artefact(dist: Path) -> None:
    names = {p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file()}
    for ext in ("ttl", "nt", "rdf", "jsonld"):
        assert f"ontology/ccb.{ext}" in names
    for ext in ("ttl", "nt", "jsonld"):
        assert f"data/ccbkg-data.{ext}" in names
    assert {"ccbkg.trig", "ccbkg.nq", "context.jsonld", "void.ttl", "SHA256SUMS",
            "reports/check.txt", "reports/check.json", "reports/shacl-report.ttl",
            "shapes/ccb.shapes.ttl", "load-virtuoso.sql"} <= names
    vocabularies = sorted((REPO / "ontology" / "vocab").glob("*.ttl"))
    assert vocabularies
    for vocab in vocabularies:
        assert f"vocab/{vocab.stem}.ttl" in names


def test_sha256sums_match_the_files(dist: Path) -> None:
    lines = (dist / "SHA256SUMS").read_text().splitlines()
    assert len(lines) > 10
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest, name


def test_two_builds_are_byte_identical(dist: Path, tmp_path: Path) -> None:
    again = tmp_path / "dist"
    result = run_cli("build", "--root", str(REPO), "--out", str(again), "--quiet")
    assert result.code == 0, result.err
    first = {p.relative_to(dist): p.read_bytes() for p in dist.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_no_site_builds_the_same_release_without_the_site(dist: Path, tmp_path: Path) -> None:
    bare = tmp_path / "dist"
    result = run_cli("build", "--root", str(REPO), "--out", str(bare), "--quiet", "--no-site")
    assert result.code == 0, result.err
    assert not (bare / "site").exists() and (dist / "site" / "index.html").is_file()
    with_site = {p.relative_to(dist): p.read_bytes() for p in dist.rglob("*")
                 if p.is_file() and p.relative_to(dist).parts[0] not in ("site", "screenshots")}
    without = {p.relative_to(bare): p.read_bytes() for p in bare.rglob("*") if p.is_file()}
    assert with_site == without


@pytest.mark.parametrize("part", ["ontology/ccb", "data/ccbkg-data"])
def test_each_serialisation_round_trips_to_the_same_graph(dist: Path, part: str) -> None:
    files = sorted(dist.glob(f"{part}.*"))
    assert len(files) >= 3
    graphs = [Graph().parse(f, format=RDFLIB_FORMATS[f.suffix]) for f in files]
    for f, g in zip(files[1:], graphs[1:], strict=True):
        assert len(g) == len(graphs[0]) > 0, f
        assert isomorphic(g, graphs[0]), f"{f.name} differs from {files[0].name}"


def test_every_rdf_artefact_parses_with_rdflib_and_pyoxigraph(dist: Path) -> None:
    for path in _artefacts(dist, *RDFLIB_FORMATS):
        fmt = OX_FORMATS.get(path.suffix) or format_for(path)
        assert fmt is not None, path
        ox_quads = list(ox.parse(path.read_bytes(), format=fmt))
        if path.suffix in (".trig", ".nq"):
            rdflib_quads = len(Dataset().parse(path, format=RDFLIB_FORMATS[path.suffix]))
        else:
            rdflib_quads = len(Graph().parse(path, format=RDFLIB_FORMATS[path.suffix]))
        assert len(ox_quads) == rdflib_quads > 0, path


def test_trig_has_a_named_graph_per_part(dist: Path) -> None:
    quads = list(ox.parse((dist / "ccbkg.trig").read_bytes(), format=ox.RdfFormat.TRIG))
    graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    expected = {str(GRAPH["ontology"]), str(GRAPH["shapes"])}
    expected |= {str(GRAPH[f"data/{p.stem}"]) for p in (REPO / "instances").glob("*.ttl")}
    expected |= {str(GRAPH[f"vocab/{p.stem}"]) for p in (REPO / "ontology/vocab").glob("*.ttl")}
    assert graphs == expected
    assert all(isinstance(q.graph_name, ox.NamedNode) for q in quads)


def test_void_counts_and_partitions(dist: Path) -> None:
    void = Graph().parse(dist / "void.ttl")
    data = Graph().parse(dist / "data" / "ccbkg-data.nt", format="nt")
    ds = URIRef(DATASET_IRI)
    assert (ds, RDF.type, VOID.Dataset) in void
    assert int(void.value(ds, VOID.triples)) == len(data)  # type: ignore[arg-type]
    classes = {void.value(p, VOID["class"]) for p in void.objects(ds, VOID.classPartition)}
    assert classes == set(data.objects(None, RDF.type))
    assert len(list(void.objects(ds, URIRef("http://www.w3.org/ns/dcat#distribution")))) > 10


def test_jsonld_context_names_ontology_terms(dist: Path) -> None:
    context = json.loads((dist / "context.jsonld").read_text())["@context"]
    assert context["ccb"] == "https://w3id.org/ccbkg/ontology#"
    assert context["citesPassage"] == {"@id": "ccb:citesPassage", "@type": "@id"}


def test_failed_build_leaves_previous_dist_untouched(scratch: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    assert run_cli("build", "--root", str(scratch), "--out", str(out), "--quiet").code == 0
    before = (out / "SHA256SUMS").read_bytes()
    (scratch / "instances" / "broken.ttl").write_text("<https://example.org/a> <b> .\n")
    result = run_cli("build", "--root", str(scratch), "--out", str(out), "--quiet")
    assert result.code == 1
    assert_no_traceback(result)
    assert "nothing was built" in result.err
    assert (out / "SHA256SUMS").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "src"]


def test_unwritable_output_is_a_runtime_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run_cli("build", "--root", str(REPO), "--out", str(blocker / "dist"), "--quiet")
    assert result.code == 2
    assert_no_traceback(result)
    assert "cannot write" in result.err
