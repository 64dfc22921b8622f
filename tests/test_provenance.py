"""Provenance, re-checked independently of the tool: quotes at their offsets, checksums."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ccbkg.namespaces import CCB, OA
from tests.conftest import REPO, SHARED, assert_no_traceback, run_cli

SOURCES = REPO / "instances" / "sources"


def _graph() -> Graph:
    graph = Graph()
    for path in sorted((REPO / "instances").glob("*.ttl")):
        graph.parse(path, format="turtle")
    assert len(graph) > 100
    return graph


def test_shipped_source_is_the_seed_and_its_checksum_is_recorded() -> None:
    graph = _graph()
    documents = list(graph.subjects(RDF.type, CCB.SourceDocument))
    assert len(documents) == 1
    (doc,) = documents
    name = str(graph.value(doc, CCB.fileName))
    shipped = (SOURCES / name).read_bytes()
    assert hashlib.sha256(shipped).hexdigest() == str(graph.value(doc, CCB.sha256))
    seed = SHARED / "seed" / name
    if seed.is_file():
        assert seed.read_bytes() == shipped


def test_every_quote_is_at_its_offsets() -> None:
    graph = _graph()
    text = next(SOURCES.glob("*.txt")).read_text(encoding="utf-8")
    passages = list(graph.subjects(RDF.type, CCB.Passage))
    assert len(passages) > 20
    for passage in passages:
        selectors = list(graph.objects(passage, OA.hasSelector))
        quote = next(s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in graph)
        position = next(s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in graph)
        exact = str(graph.value(quote, OA.exact))
        start = int(graph.value(position, OA.start))  # type: ignore[arg-type]
        end = int(graph.value(position, OA.end))  # type: ignore[arg-type]
        assert exact and text[start:end] == exact, passage
        prefix = graph.value(quote, OA.prefix)
        suffix = graph.value(quote, OA.suffix)
        if prefix is not None:
            assert text[:start].endswith(str(prefix)), passage
        if suffix is not None:
            assert text[end:].startswith(str(suffix)), passage


def test_every_cited_passage_exists() -> None:
    graph = _graph()
    cited = set(graph.objects(None, CCB.citesPassage))
    assert cited
    for passage in cited:
        assert (passage, RDF.type, CCB.Passage) in graph, passage


def test_wrong_offset_is_reported_with_the_right_one(scratch: Path) -> None:
    sources = scratch / "instances" / "sources.ttl"
    text = sources.read_text()
    match = re.search(r"oa:start \"(\d+)\"", text)
    assert match is not None
    start = int(match.group(1))
    sources.write_text(text.replace(match.group(0), f'oa:start "{start + 1}"', 1))
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,provenance", "--quiet")
    assert result.code == 1
    assert_no_traceback(result)
    assert "oa:exact is not the text at" in result.out
    assert f"set oa:start {start}" in result.out


def test_uncited_node_is_reported(scratch: Path) -> None:
    (scratch / "instances" / "zz-uncited.ttl").write_text(
        "@prefix ccb: <https://w3id.org/ccbkg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/ccbkg/id/organisation/nobody> a ccb:Organisation ;\n"
        '    rdfs:label "Nobody"@en .\n')
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,provenance", "--quiet")
    assert result.code == 1
    assert "instances/zz-uncited.ttl:3" in result.out
    assert "cites no passage" in result.out


def test_citing_nodes_cover_the_instances() -> None:
    graph = _graph()
    exempt = {CCB.Passage, CCB.SourceDocument, OA.TextQuoteSelector, OA.TextPositionSelector}
    typed = {s for s, t in graph.subject_objects(RDF.type)
             if isinstance(s, URIRef) and "#" not in s and t not in exempt}
    citing = set(graph.subjects(CCB.citesPassage, None))
    uncited = {s for s in typed - citing
               if graph.value(s, URIRef("https://schema.org/sameAs")) is None
               and graph.value(s, CCB.iso3166Alpha3) is None}
    assert uncited == set()
