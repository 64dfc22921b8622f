"""The JSON-LD files: compacted with the shipped context (its own w3id IRI), usable as plain
JSON, and the same triples as their N-Triples twins when read by pyld entirely offline."""

from __future__ import annotations

import inspect
import io
import json
import re
import sys
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from pyld import jsonld
from rdflib import RDF, Graph, URIRef

from ccbkg.core.namespaces import CCB
from ccbkg.project.layout import Project, Role
from ccbkg.project.load import load
from ccbkg.rdf import jsonld as ccbkg_jsonld
from ccbkg.rdf.jsonld import (
    CONTEXT_IRI,
    compacted,
    compacted_part,
    country_documents,
    offline_loader,
)
from ccbkg.rdf.jsonld_nodes import json_bytes
from ccbkg.rdf.serialize import Part, merged, write
from ccbkg.rdf.skolem import released
from ccbkg.stores.htaccess import read_rules
from ccbkg.stores.site_server import SiteServer
from tests import kept
from tests.conftest import REPO
from tests.test_redirects import HTACCESS
from tests.test_siteserver import get

sys.path.insert(0, str(REPO / "scripts"))
from synthesize import synthesize

# Keys that must contain ':' (none: every property the release uses has a short key).
PREFIXED_KEYS: set[str] = set()


def _documents(dist: Path) -> list[Path]:
    found = sorted(p for p in dist.rglob("*.jsonld") if p.name != "context.jsonld")
    assert len(found) >= 4 and any("site" in p.parts for p in found), found
    return found


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {k for k in value if k != "@context"}.union(
            *(_keys(v) for k, v in value.items() if k != "@context"))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value))
    return set()


@pytest.fixture(scope="module")
def shipped(built: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((built / "context.jsonld").read_text(encoding="utf-8"))
    return doc


def test_each_document_round_trips_offline_to_its_ntriples_twin(
        built: Path, shipped: dict[str, Any]) -> None:
    for path in _documents(built):
        doc = json.loads(path.read_text(encoding="utf-8"))
        nquads = jsonld.to_rdf(doc, {"format": "application/n-quads",
                                     "documentLoader": offline_loader(shipped)})
        # isomorphic when equal with canonical (RDFC-1.0) blank node labels
        got = kept.canonical(ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS))
        twin = kept.canonical(ox.parse(path=path.with_suffix(".nt"),
                                       format=ox.RdfFormat.N_TRIPLES))
        assert got.quads and got.quads == twin.quads, path


def test_documents_are_compacted_with_the_context_iri(built: Path) -> None:
    types = 0
    for path in _documents(built):
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(doc, dict) and doc["@context"] == CONTEXT_IRI, path
        keys = _keys(doc)
        assert {k for k in keys if ":" in k} == PREFIXED_KEYS, path
        assert "type" not in keys, path
        types += json.dumps(doc).count('"@type"')
    assert types > 100


def test_context_gives_short_keys_for_ccb_and_reused_terms(shipped: dict[str, Any]) -> None:
    ctx = shipped["@context"]
    assert ctx["citesPassage"] == {"@id": "ccb:citesPassage", "@type": "@id"}
    assert ctx["label"] == "rdfs:label" and ctx["prefLabel"] == "skos:prefLabel"
    assert all(":" not in key for key in ctx)


def test_the_loader_refuses_every_other_document(shipped: dict[str, Any]) -> None:
    doc = {"@context": "https://example.org/context.jsonld", "@id": "https://example.org/x",
           "https://example.org/p": "v"}
    with pytest.raises(jsonld.JsonLdError) as caught:
        jsonld.to_rdf(doc, {"format": "application/n-quads",
                            "documentLoader": offline_loader(shipped)})
    causes, error = [], caught.value
    while error is not None:
        causes.append(str(error))
        error = getattr(error, "cause", None) or error.__cause__
    assert any("ccbkg loads no remote document (https://example.org/context.jsonld)" in c
               for c in causes), causes


@pytest.mark.slow
def test_the_context_iri_is_served(built: Path, shipped: dict[str, Any]) -> None:
    server = SiteServer(built, read_rules(HTACCESS), "0.0.0", "127.0.0.1", 0)
    server.start()
    try:
        status, headers, _ = get(server, CONTEXT_IRI.removeprefix("https://w3id.org"))
        assert status == 302, status
        status, headers, body = get(server, headers["location"])
    finally:
        server.stop()
    assert status == 200 and headers["content-type"] == "application/ld+json"
    assert json.loads(body) == shipped


def _types(value: Any) -> set[str]:
    nodes = value if isinstance(value, list) else [value]
    return {t for n in nodes for t in ([n["@type"]] if isinstance(n["@type"], str)
                                        else n["@type"])}


def test_each_country_has_a_framed_document(built: Path) -> None:
    """data/country/<key>.jsonld: the country at the top, the nodes that point at it nested by
    the property they point with (round-tripped to its .nt twin by the test above)."""
    data = Graph().parse(built / "data" / "ccbkg-data.nt", format="nt")
    countries = {str(c).rsplit("/", 1)[-1] for c in data.subjects(
        RDF.type, URIRef("https://w3id.org/ccbkg/ontology#Country"))}
    folder = built / "data" / "country"
    assert {p.stem for p in folder.glob("*.jsonld")} == countries and len(countries) >= 10
    assert {p.stem for p in folder.glob("*.nt")} == countries
    albania = json.loads((folder / "ALB.jsonld").read_text(encoding="utf-8"))
    assert albania["@id"] == "id:country/ALB" and albania["@type"] == "Country"
    assert albania["label"] == {"@language": "en", "@value": "Albania"}
    nested = albania["@reverse"]
    assert _types(nested["nationalCsirtOf"]) == {"CSIRT"}
    assert _types(nested["party"]) == {"MemorandumOfUnderstanding"}
    assert "GovernmentPaper" in _types(nested["jurisdiction"])
    japan = json.loads((folder / "JPN.jsonld").read_text(encoding="utf-8"))
    assert _types(japan["@reverse"]["jurisdiction"]) == {"NationalCybersecurityStrategy"}
def test_a_country_document_holds_its_nodes_those_pointing_at_it_and_those_they_name(
        built: Path) -> None:
    """Each country's N-Triples are what this SPARQL selects from the release's data."""
    store = ox.Store()
    store.load(path=built / "data" / "ccbkg-data.nt", format=ox.RdfFormat.N_TRIPLES)
    for path in sorted((built / "data" / "country").glob("*.nt")):
        country = f"https://w3id.org/ccbkg/id/country/{path.stem}"
        selected = store.query(f"""
            CONSTRUCT {{ ?s ?p ?o }} WHERE {{
              {{ BIND(<{country}> AS ?r) }} UNION {{ ?r ?via <{country}> }}
              ?r (<urn:x>|!<urn:x>)? ?s
              FILTER(!isLiteral(?s))
              ?s ?p ?o }}""")
        written = set(ox.parse(path=path, format=ox.RdfFormat.N_TRIPLES))
        assert {ox.Quad(t.subject, t.predicate, t.object) for t in selected} == written, path
        assert len(written) > 10, path


def test_compacted_reads_n_triples_as_pyld_does() -> None:
    """`compacted` parses N-Triples with pyoxigraph (pyld's parser is quadratic in the
    triples) and gives the bytes pyld's own N-Quads parser gives on N-Triples as the release
    writes them (UTF-8, lowercase language tags), for every kind of term and a triple twice."""
    nt = "\n".join([
        '<https://w3id.org/ccbkg/id/a> <http://www.w3.org/2000/01/rdf-schema#label> '
        '"A \\"quoted\\" label\\nwith é"@en-gb .',  # as pyoxigraph writes it
        '<https://w3id.org/ccbkg/id/a> <https://w3id.org/ccbkg/ontology#startYear> '
        '"2017"^^<http://www.w3.org/2001/XMLSchema#gYear> .',
        '<https://w3id.org/ccbkg/id/a> <http://www.w3.org/2004/02/skos/core#note> "plain" .',
        '<https://w3id.org/ccbkg/id/a> <http://www.w3.org/2004/02/skos/core#note> "plain" .',
        '<https://w3id.org/ccbkg/id/a> <http://www.w3.org/ns/oa#hasSelector> _:s .',
        '_:s <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/oa#X> .',
        '_:s <http://www.w3.org/ns/oa#items> _:l .',
        '_:l <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "1" .',
        '_:l <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> '
        '<http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .', ""]).encode()
    doc = {"@context": {"label": "http://www.w3.org/2000/01/rdf-schema#label",
                        "ccb": "https://w3id.org/ccbkg/ontology#"}}
    by_pyld = jsonld.compact(jsonld.from_rdf(nt.decode(), {"format": "application/n-quads"}),
                             CONTEXT_IRI, {"documentLoader": offline_loader(doc)})
    expected = (json.dumps(by_pyld, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    assert compacted(nt, doc) == expected.encode()
    assert "@list" in expected and "en-gb" in expected and expected.count('"plain"') == 1


@pytest.mark.parametrize("batch", [1, 2, 7])
def test_a_large_part_compacted_in_batches_gives_the_same_bytes(
        built: Path, shipped: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
        batch: int) -> None:
    monkeypatch.setattr(ccbkg_jsonld, "_SUBJECTS", batch)
    for stem in ("data/ccbkg-data", "inferred/ccbkg-inferred"):
        nt = (built / f"{stem}.nt").read_bytes()
        part = Part("", nt.splitlines())
        assert _compacted_part(part, shipped) == (built / f"{stem}.jsonld").read_bytes() \
            == compacted(nt, shipped), stem
    # a subject whose IRI starts another's: the lines sort "<a/b>" first, pyld "a" first
    lines = sorted(f'<http://example.org/{s}> <http://www.w3.org/2000/01/rdf-schema#label> '
                   f'"{s}" .'.encode() for s in ("a", "a/b", "a-c", "a/b/c", "b"))
    nt = b"".join(line + b"\n" for line in lines)
    assert _compacted_part(Part("", lines), shipped) == compacted(nt, shipped)


def _compacted_part(part: Part, doc: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    compacted_part(part, doc, out)
    return out.getvalue()


def _by_pyld(part: Part, doc: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> bytes:
    """compacted_part with every batch compacted by pyld itself."""
    with monkeypatch.context() as patched:
        patched.setattr(ccbkg_jsonld, "_compactor", lambda doc: None)
        return _compacted_part(part, doc)


EDGE_CASES = """
@prefix ccb: <https://w3id.org/ccbkg/ontology#> .
@prefix id: <https://w3id.org/ccbkg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix schema: <http://schema.org/> .
id:a a ccb:Country, ccb:Organisation, <http://example.org/Unknown> ;
    rdfs:label "A"@en, "A"@fr, "plain", "typed"^^xsd:token ;
    rdfs:seeAlso ccb:Country, id:b, <http://example.org/x>, "a literal" ;
    ccb:jurisdiction id:b ;
    <http://example.org/p> id:b, 3, "2020-01-01"^^xsd:date ;
    schema:sameAs <http://www.wikidata.org/entity/Q1> ;
    skos:note "n\\u00e9\\n\\"q\\""@en-GB .
id:b rdfs:label "B" ; a "not an IRI" ; ccb:startDate "2020"^^xsd:gYear, "2020-02"^^xsd:gYearMonth,
    "2020-02-03"^^xsd:date, "x" .
<http://example.org/x> rdfs:label "X" ; <http://example.org/p> true, 1.5, 2.0e0 .
"""


@pytest.mark.parametrize("batch", [1, 3])
def test_the_fast_compaction_is_pyld_s_on_every_kind_of_value(
        shipped: dict[str, Any], monkeypatch: pytest.MonkeyPatch, batch: int) -> None:
    """Terms and prefixed names as keys, IRIs that are terms, in no namespace or in several,
    strings plain, typed and tagged, several types, a type that is a literal, one property
    with IRIs and literals: the same bytes as pyld's compaction, whatever the batch."""
    monkeypatch.setattr(ccbkg_jsonld, "_SUBJECTS", batch)
    assert ccbkg_jsonld._compactor(shipped) is not None  # else both ways are pyld's
    part = Part.of("", list(ox.parse(EDGE_CASES.encode(), format=ox.RdfFormat.TURTLE)))
    assert len(part.lines) > 25
    fast = _compacted_part(part, shipped)
    assert fast == _by_pyld(part, shipped, monkeypatch)
    assert b'"@language": "fr"' in fast and b"http://example.org/p" in fast


def test_the_fast_compaction_is_pyld_s_on_a_larger_graph(
        shipped: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The data of a 3x synthetic tree (its own countries and facts), compacted both ways."""
    sys.path.insert(0, str(REPO / "scripts"))
    from synthesize import synthesize

    synthesize(REPO, tmp_path / "three", 3, copies_per_file=2)
    data = load(Project.discover(tmp_path / "three")).quads(Role.DATA)
    part = Part.of("", [ox.Quad(q.subject, q.predicate, q.object) for q in data])
    assert len(part.lines) >= 3 * len(load(Project.discover(REPO)).quads(Role.DATA))
    assert _compacted_part(part, shipped) == _by_pyld(part, shipped, monkeypatch)


def test_the_site_s_descriptions_are_pyld_s(built: Path, shipped: dict[str, Any],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The JSON-LD descriptions of the site's pages, compacted together and shared out by page:
    the same documents with the fast compaction as with pyld's."""
    pages = sorted((built / "site").rglob("*.nt"))
    assert len(pages) > 20, pages
    ntriples = b"".join(p.read_bytes() for p in pages)
    assert b"_:" not in ntriples  # else both ways would be pyld's

    def document(iri: str) -> str:
        return iri.rsplit("/", 1)[0]

    fast = ccbkg_jsonld.compacted_documents(ntriples, shipped, document)
    with monkeypatch.context() as patched:
        patched.setattr(ccbkg_jsonld, "_compactor", lambda doc: None)
        assert ccbkg_jsonld.compacted_documents(ntriples, shipped, document) == fast
    assert len(fast) > 5


@cache
def _jsonld_code() -> str:
    """The code of ccbkg.rdf.jsonld, part of the key of pyld's kept framings."""
    return inspect.getsource(ccbkg_jsonld)


def _pyld_frame(ntriples: bytes, frame: dict[str, Any], doc: dict[str, Any]) -> Any:
    """pyld's framing of the N-Triples (through ccbkg's processor, which only remembers each
    IRI's compaction), kept between runs (tests/kept.py) under pyld's version, that module's
    code and the input."""
    def make() -> Any:
        expanded = jsonld.from_rdf(ccbkg_jsonld._dataset(ntriples), {})
        return ccbkg_jsonld._Processor().frame(expanded, frame,
                                               {"documentLoader": offline_loader(doc)})
    return kept.kept_json(["pyld-frame", version("PyLD"), _jsonld_code(), ntriples,
                           json.dumps(frame, sort_keys=True), json.dumps(doc, sort_keys=True)],
                          make)


def _framed_by_pyld(data: Part, doc: dict[str, Any]) -> dict[str, tuple[bytes, bytes]]:
    """The reference for `country_documents`: each country's framed document as pyld frames
    it (the frame: the country, and under "@reverse" the properties that point at it) and
    its N-Triples, by the key of its document."""
    out = {}
    typed = f" <{RDF.type}> <{CCB}Country> .".encode()
    countries = {line[:-len(typed)].decode()[1:-1] for line in data.lines
                 if line.endswith(typed)}
    graph = ox.Store()
    graph.bulk_extend(q for q in data.triples())
    for country in countries:
        node = ox.NamedNode(country)
        nodes = {node} | {q.subject for q in graph.quads_for_pattern(None, None, node)}
        named = {q.object for r in nodes for q in graph.quads_for_pattern(r, None, None)
                 if not isinstance(q.object, ox.Literal)}
        part = Part.of("", [q for s in nodes | named
                            for q in graph.quads_for_pattern(s, None, None)])
        pointing = sorted({q.predicate.value for q in part.triples() if q.object == node})
        ntriples = write([part], "nt")
        frame = {"@context": CONTEXT_IRI, "@id": country, "@reverse": {p: {} for p in pointing}}
        framed = ccbkg_jsonld._once(_pyld_frame(ntriples, frame, doc), set())
        ccbkg_jsonld._drop_back_links(framed)
        out[country.rstrip("/").rsplit("/", 1)[-1]] = (
            (json.dumps(framed, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode(),
            ntriples)
    return out


def _assert_framed_as_pyld_frames(data: Part, doc: dict[str, Any]) -> int:
    got = {key: (framed, ntriples) for key, framed, ntriples in country_documents(data, doc)}
    expected = _framed_by_pyld(data, doc)
    assert list(got) == sorted(got) and got.keys() == expected.keys()
    for key, (framed, ntriples) in expected.items():
        assert got[key][0] == framed, key
        assert got[key][1] == ntriples, key
    return len(got)


def test_country_documents_are_framed_as_pyld_frames_them(built: Path,
                                                          shipped: dict[str, Any]) -> None:
    """`country_documents` builds each framed document itself: the same bytes as pyld's
    framing (the reference, here) for every country of the real data."""
    data = Part("", (built / "data" / "ccbkg-data.nt").read_bytes().splitlines())
    assert _assert_framed_as_pyld_frames(data, shipped) == 10


def test_country_documents_of_ten_copies_are_framed_as_pyld_frames_them(
        tmp_path: Path, shipped: dict[str, Any]) -> None:
    """The same on synthetic data ten times the real data (agreements re-wired across copies,
    countries past the first copy's)."""
    synthesize(REPO, tmp_path / "tree", 10)
    loaded = load(Project.discover(tmp_path / "tree"))
    data = merged([Part.of(f.file.graph_iri, released(f.file.graph_iri, list(f.quads())))
                   for f in loaded.of(Role.DATA)])
    assert _assert_framed_as_pyld_frames(data, shipped) == 100


def test_json_bytes_are_json_dumps_bytes() -> None:
    value = {"b": [{}, [], "é\n\"\\\u0001", {"z": None, "a": [True, 1.5, -2]}], "a": {"k": "v"},
             "": ["x"]}
    assert json_bytes(value) == (json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)
                                 + "\n").encode()


CORNER_CASES = """
country/ZZZ a ccb:Country ; rdfs:label "Zed"@en , "Zède"@fr ; ccb:country country/ZZZ ;
    rdfs:seeAlso <http://example.org/page> , "see" ; ccb:party agreement/a .
country/YYY a ccb:Country .
agreement/a a ccb:Agreement , ccb:MemorandumOfUnderstanding ; ccb:concerns ccb:Country ;
    ccb:party country/ZZZ , country/YYY ; ccb:startYear "2017"^^xsd:gYear ;
    ccb:endYear "2019"^^xsd:gYear ; ccb:citesPassage passage/p ; rdfs:comment ccb:Agreement .
development/d ccb:actor country/ZZZ ; ccb:country country/ZZZ ; ccb:aspectOf agreement/a ;
    ccb:citesPassage passage/p .
passage/p a ccb:Passage ; ccb:aspectOf development/d , passage/p ; oa:hasSource source/s .
"""


def test_country_documents_are_framed_as_pyld_frames_them_in_corner_cases(
        shipped: dict[str, Any]) -> None:
    """Cycles, a node named from two nested nodes and by itself, a country naming another,
    two types, a class as a value (a term), an IRI no prefix shortens, a property with both
    IRIs and literals, and terms typed with a datatype, "@vocab" or a language."""
    prefixes = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in shipped["@context"].items()
                       if p in ("ccb", "rdfs", "xsd", "oa"))
    turtle = (prefixes + "@base <https://w3id.org/ccbkg/id/> .\n"
              + re.sub(r"(?<![\w:/<])((?:country|agreement|development|passage|source)/\w+)",
                       r"<\1>", CORNER_CASES))
    data = Part.of("", list(ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE)))
    doc = {"@context": {**shipped["@context"],
                        "startYear": {"@id": "ccb:startYear", "@type": "xsd:gYear"},
                        "comment": {"@id": "rdfs:comment", "@type": "@vocab"},
                        "labelFr": {"@id": "rdfs:label", "@language": "fr"}}}
    assert _assert_framed_as_pyld_frames(data, doc) == 2


def test_compact_iris_are_pyld_s_with_prefix_terms_of_every_kind() -> None:
    """The compactor's compact IRIs against pyld's, on a context with nested namespaces, a term
    with a colon, a term that is not a prefix, and @prefix true and false."""
    doc = {"@context": {
        "ex": "http://example.org/", "exa": "http://example.org/a/",
        "ex:special": "http://example.org/special", "name": "http://example.org/name",
        "weird": "http://example.org/w", "w": "http://example.org/w#",
        "long": {"@id": "http://example.org/lo", "@prefix": True},
        "nop": {"@id": "http://example.org/n/", "@prefix": False}}}
    compactor = ccbkg_jsonld._compactor(doc)
    assert compactor is not None
    active = compactor._ctx
    for rest in ("a/b", "special", "name", "w#x", "wx", "long", "lox", "", "n/x"):
        for vocab in (False, True):
            iri = "http://example.org/" + rest
            assert compactor.iri(iri, vocab) == jsonld.JsonLdProcessor()._compact_iri(
                active, iri, vocab=vocab, base=None if vocab else ""), (iri, vocab)


RELEASED_CONTEXTS = sorted((REPO / "tests" / "fixtures" / "context").glob("released-*.jsonld"))


def test_the_released_contexts_are_kept() -> None:
    """The test below compares each; an empty folder would leave it nothing to compare."""
    assert [p.name for p in RELEASED_CONTEXTS][:1] == ["released-0.1.0.jsonld"]


@pytest.mark.parametrize("released", RELEASED_CONTEXTS, ids=[p.stem for p in RELEASED_CONTEXTS])
def test_the_context_only_grows_so_files_of_earlier_releases_keep_their_triples(
        built: Path, released: Path) -> None:
    """Files of every release name the one context IRI, which serves the latest context: a
    term dropped or mapped elsewhere would silently drop or change an older file's triples.
    Each term of a released context maps the same in the context built now."""
    then = json.loads(released.read_text(encoding="utf-8"))["@context"]
    now = json.loads((built / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    assert len(then) > 100
    changed = {term: (value, now.get(term)) for term, value in then.items()
               if now.get(term) != value}
    assert changed == {}, "a term of a released context was dropped or remapped"
