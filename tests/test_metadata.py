"""Ontology metadata as FOOPS! and OOPS! read it, in every graph of the release: creators and
publishers are IRIs with a label (in the ontology's graph, or void.ttl's), never strings; every
vocabulary and the ontology have an owl:versionIRI; void.ttl gives every graph a licence."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

DCT = "http://purl.org/dc/terms/"
NAMES = ("http://www.w3.org/2000/01/rdf-schema#label", "http://xmlns.com/foaf/0.1/name")


def test_agents_versions_and_licences_in_every_graph(built: Path) -> None:
    store = ox.Store()
    store.load(path=built / "ccbkg.nq", format=ox.RdfFormat.N_QUADS)
    graphs = {g.value for g in store.named_graphs()}
    assert len(graphs) > 10
    agents = 0
    for quad in store.quads_for_pattern(None, None, None, None):
        if quad.predicate.value not in (DCT + "creator", DCT + "publisher"):
            continue
        assert isinstance(quad.object, ox.NamedNode), (quad.graph_name, quad.subject, quad.object)
        named = [q for name in NAMES for q in store.quads_for_pattern(
            quad.object, ox.NamedNode(name), None, None)]
        assert named, f"{quad.object} ({quad.graph_name}) has no label"
        agents += 1
    assert agents > 10
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    schemes = list(store.quads_for_pattern(None, a, ox.NamedNode(
        "http://www.w3.org/2004/02/skos/core#ConceptScheme"), None))
    ontologies = list(store.quads_for_pattern(None, a, ox.NamedNode(
        "http://www.w3.org/2002/07/owl#Ontology"), None))
    assert len(schemes) >= 8 and ontologies
    for quad in [*schemes, *ontologies]:
        version = list(store.quads_for_pattern(quad.subject, ox.NamedNode(
            "http://www.w3.org/2002/07/owl#versionIRI"), None, None))
        assert version, f"{quad.subject} has no owl:versionIRI"
    void = ox.NamedNode("https://w3id.org/ccbkg/graph/void")
    for graph in graphs:
        licensed = list(store.quads_for_pattern(ox.NamedNode(graph), ox.NamedNode(
            DCT + "license"), None, void))
        assert licensed, f"void.ttl gives no licence for {graph}"
