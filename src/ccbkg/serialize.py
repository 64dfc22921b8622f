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
    """The quads with blank nodes relabelled canonically (RDFC-1.0) and in a total order.

    RDFC-1.0 labels a blank node from the quads that mention blank nodes only, so just those
    are canonicalised; a graph without blank nodes is only sorted.
    """
    plain = [q for q in quads if not _has_blank(q)]
    if len(plain) < len(quads):
        dataset = ox.Dataset(q for q in quads if _has_blank(q))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        plain.extend(dataset)
    return sorted(set(plain), key=_order)


def _has_blank(q: ox.Quad) -> bool:
    return isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)


class Ordered:
    """Quads put in canonical order once, then written in any number of formats."""

    def __init__(self, quads: list[ox.Quad]) -> None:
        self.quads = canonical(quads)
        self._triples: list[ox.Triple] | None = None

    def triples(self) -> list[ox.Triple]:
        """The distinct triples, sorted (for the formats without graphs)."""
        if self._triples is None:
            self._triples = sorted({q.triple for q in self.quads}, key=str)
        return self._triples

    def write(self, extension: str) -> bytes:
        """The bytes of one format; graph-less formats get the triples only."""
        fmt = FORMATS[extension]
        items = self.quads if extension in _GRAPH_FORMATS else self.triples()
        prefixes = PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG,
                                       ox.RdfFormat.RDF_XML) else None
        return ox.serialize(items, format=fmt, prefixes=prefixes) or b""


def to_bytes(quads: list[ox.Quad], extension: str) -> bytes:
    """Serialise quads deterministically in one format (see `Ordered` for several)."""
    return Ordered(quads).write(extension)


def _order(q: ox.Quad) -> tuple[str, str]:
    return (str(q.graph_name), str(q))
