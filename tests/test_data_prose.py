"""The project's own notes and descriptions speak plain words: no prefixed names (ccb:country)
and no internal keys (alb-nato) in the prose of instances/*.ttl and ontology/vocab/*.ttl
(issue 19, point 4)."""

from __future__ import annotations

import re

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from ccbkg.core.namespaces import BASE, PREFIXES
from tests.conftest import REPO

PROSE = (SKOS.editorialNote, SKOS.scopeNote, SKOS.definition, DCTERMS.description,
         RDFS.comment)


def _data() -> Graph:
    graph = Graph()
    for path in [*sorted((REPO / "instances").glob("*.ttl")),
                 *sorted((REPO / "ontology" / "vocab").glob("*.ttl"))]:
        graph.parse(path, format="turtle")
    return graph


def _keys(graph: Graph, source_words: str) -> set[str]:
    """The last path segment of every project IRI (the key a curator wrote) that has a hyphen
    or a digit (`alb-nato`, `cbm-05`), less those that are also a word of the sources (such as
    `capacity-building`): those read as words, not as keys."""
    keys = {str(t).partition("#")[0].rstrip("/").rsplit("/", 1)[-1]
            for t in graph.all_nodes() if isinstance(t, URIRef) and str(t).startswith(BASE)}
    return {k for k in keys
            if re.search(r"[-0-9]", k) and not re.search(_word(k), source_words)}


def _word(text: str) -> str:
    """A pattern for `text` standing as a whole token (not inside a longer key or a path)."""
    return rf"(?<![\w-]){re.escape(text)}(?![\w-])"


def test_prose_in_the_data_names_no_prefixed_name_or_internal_key() -> None:
    graph = _data()
    sources = " ".join(p.read_text(encoding="utf-8")
                       for p in sorted((REPO / "instances" / "sources").iterdir()))
    prefixes = set(PREFIXES) | {p for p, _ in graph.namespaces() if p}
    curie = re.compile(rf"(?<![\w/.-])(?:{'|'.join(map(re.escape, sorted(prefixes)))}):"
                       r"[A-Za-z_][\w-]*")
    key = re.compile("|".join(_word(k) for k in sorted(_keys(graph, sources), key=len,
                                                           reverse=True)))
    checked, found = 0, []
    for prop in PROSE:
        for node, text in graph.subject_objects(prop):
            assert isinstance(text, Literal)
            checked += 1
            for bad in [*curie.findall(str(text)), *key.findall(str(text))]:
                found.append(f"{node.n3(graph.namespace_manager)}: {bad!r} in {str(text)!r}")
    assert checked > 50, "no notes read: the data moved?"
    assert found == [], "\n".join(found)


def test_the_probe_finds_a_prefixed_name_and_a_key() -> None:
    graph = _data()
    keys = _keys(graph, "")
    assert "alb-nato" in keys and "jpn-g7" in keys
    assert re.search(_word("alb-nato"), "see membership alb-nato)")
    assert not re.search(_word("alb-nato"), "id/membership/alb-nato-2")
