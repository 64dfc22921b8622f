"""No blank nodes in the release: each replaced by a stable IRI under the dataset's namespace.

The IRIs (`https://w3id.org/ccbkg/.well-known/genid/<hash>`, RDF 1.1 section 3.5) depend only on
the graph's name and content, so two builds stay byte-identical and `publish`, the bulk loader
and a user's `LOAD` give a store the same nodes. Two kinds of blank node stay (docs/stores.md):
the ontology's, as OWL 2 DL requires its class expressions (owl:Restriction, owl:unionOf
lists) to be blank nodes and OWL parsers (OWL API, HermiT) reject the ontology otherwise; and
the cells of RDF lists (the shapes' sh:in, sh:or, sh:languageIn), which JSON-LD writes as
@list and SHACL and OWL tools read as lists only when they are blank nodes, and the nodes of
SHACL property paths (sh:inversePath, sequences), which SHACL reads as a predicate when an IRI.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pyoxigraph as ox

from ccbkg.core.namespaces import BASE, GRAPH, RDF, SH
from ccbkg.rdf.serialize import canonicalised

GENID = f"{BASE}.well-known/genid/"
KEEPS_BLANK_NODES = str(GRAPH["ontology"])  # OWL class expressions (see above)
_LIST = (ox.NamedNode(str(RDF.first)), ox.NamedNode(str(RDF.rest)))
_PATH = ox.NamedNode(str(SH.path))


def skolemise(graph: str, triples: Sequence[ox.Triple | ox.Quad], *,
              keep_structure: bool = False) -> list[ox.Triple]:
    """Blank nodes replaced by IRIs under GENID that depend only on the graph's content (with
    keep_structure, but the cells of RDF lists and SHACL property paths).

    The labels come from canonicalisation of the graph (`serialize.canonicalised`), salted
    with the graph's name and canonical content, so the same release gives the same IRIs on
    every run.
    """
    if not any(isinstance(t, ox.BlankNode) for tr in triples for t in (tr.subject, tr.object)):
        return [ox.Triple(t.subject, t.predicate, t.object) for t in triples]
    canonical = [ox.Triple(q.subject, q.predicate, q.object) for q in canonicalised(triples)]
    salt = hashlib.sha256(graph.encode() + b"\n" + "".join(sorted(
        f"{t} .\n" for t in canonical)).encode()).hexdigest()

    cells = _structure(canonical) if keep_structure else set()

    def iri(term: ox.BlankNode) -> ox.NamedNode | ox.BlankNode:
        if term in cells:
            return term
        return ox.NamedNode(GENID + hashlib.sha256(
            f"{salt} {term.value}".encode()).hexdigest()[:32])

    out: list[ox.Triple] = []
    for t in canonical:
        s = iri(t.subject) if isinstance(t.subject, ox.BlankNode) else t.subject
        o = iri(t.object) if isinstance(t.object, ox.BlankNode) else t.object
        out.append(ox.Triple(s, t.predicate, o))
    return out


def released(graph: str, quads: Sequence[ox.Quad]) -> list[ox.Quad]:
    """A graph's triples as the release ships them (in the default graph): skolemised but for
    the ontology's blank nodes, the cells of RDF lists and SHACL property paths."""
    if graph == KEEPS_BLANK_NODES:
        return list(quads)
    return [ox.Quad(t.subject, t.predicate, t.object)
            for t in skolemise(graph, quads, keep_structure=True)]


def _structure(triples: Sequence[ox.Triple]) -> set[ox.BlankNode]:
    """The blank nodes that must stay blank: cells of RDF lists, and every node of a SHACL
    property path (a path that is an IRI is a predicate)."""
    below: dict[ox.BlankNode, list[ox.BlankNode]] = {}
    todo: list[ox.BlankNode] = []
    keep: set[ox.BlankNode] = set()
    for t in triples:
        if isinstance(t.subject, ox.BlankNode) and t.predicate in _LIST:
            keep.add(t.subject)
        if isinstance(t.object, ox.BlankNode):
            if t.predicate == _PATH:
                todo.append(t.object)
            elif isinstance(t.subject, ox.BlankNode):
                below.setdefault(t.subject, []).append(t.object)
    while todo:  # each path node once (below.pop), list cells included
        node = todo.pop()
        keep.add(node)
        todo.extend(below.pop(node, ()))
    return keep
