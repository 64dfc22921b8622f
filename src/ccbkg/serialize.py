"""Deterministic RDF writing: the same graph gives the same bytes, build after build."""

from __future__ import annotations

import pyoxigraph as ox

from ccbkg.namespaces import PREFIXES

FORMATS: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "rdf": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}
MEDIA_TYPES: dict[str, str] = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "nq": "application/n-quads",
    "trig": "application/trig",
    "rdf": "application/rdf+xml",
    "jsonld": "application/ld+json",
}
_GRAPH_FORMATS = {"nq", "trig"}


def canonical(quads: list[ox.Quad]) -> list[ox.Quad]:
    """The quads with blank nodes relabelled canonically (RDFC-1.0) and in a total order."""
    if any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object)):
        dataset = ox.Dataset(quads)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        quads = list(dataset)
    return sorted(set(quads), key=_order)


def to_bytes(quads: list[ox.Quad], extension: str) -> bytes:
    """Serialise quads deterministically; graph-less formats get their triples only."""
    fmt = FORMATS[extension]
    ordered = canonical(quads)
    items: list[ox.Quad] | list[ox.Triple]
    if extension in _GRAPH_FORMATS:
        items = ordered
    else:
        items = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in ordered}, key=_order)
    prefixes = PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG,
                                   ox.RdfFormat.RDF_XML) else None
    data = ox.serialize(items, format=fmt, prefixes=prefixes)
    return data or b""


def _order(q: ox.Quad | ox.Triple) -> tuple[str, str, str, str]:
    graph = str(q.graph_name) if isinstance(q, ox.Quad) else ""
    return (graph, str(q.subject), str(q.predicate), str(q.object))
