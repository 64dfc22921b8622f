"""No blank nodes in the released files but the ontology's, the cells of RDF lists and the
nodes of SHACL property paths (docs/stores.md): the shapes' other nodes, the VoID description,
the data, the inferred graph and the reports have stable IRIs instead. (JSON-LD is left out:
tests/test_build.py checks that each .jsonld is the same graph as its .nt.)"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from ccbkg.core.namespaces import GRAPH, RDF, SH
from ccbkg.rdf.skolem import GENID

FORMATS = {".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS, ".ttl": ox.RdfFormat.TURTLE,
           ".trig": ox.RdfFormat.TRIG, ".rdf": ox.RdfFormat.RDF_XML}
# The ontology's class expressions stay blank nodes (OWL 2 DL), in each file that holds them.
WITH_THE_ONTOLOGY = ("ontology/", "validation/", "ccbkg.nq", "ccbkg.trig")


LIST = (ox.NamedNode(str(RDF.first)), ox.NamedNode(str(RDF.rest)))
PATH = ox.NamedNode(str(SH.path))


def _blank_nodes(quads: list[ox.Quad]) -> set[ox.BlankNode]:
    """The blank nodes of the quads that are neither cells of an RDF list nor nodes of a SHACL
    property path."""
    allowed = {q.subject for q in quads if q.predicate in LIST}
    todo = [q.object for q in quads if q.predicate == PATH]
    seen = set()
    while todo:
        node = todo.pop()
        if isinstance(node, ox.BlankNode) and node not in seen:
            seen.add(node)
            todo.extend(q.object for q in quads if q.subject == node)
    allowed |= seen
    return {t for q in quads for t in (q.subject, q.object)
            if isinstance(t, ox.BlankNode) and t not in allowed}


def test_no_blank_nodes_outside_the_ontology(built: Path) -> None:
    files = sorted(p for p in built.rglob("*") if p.suffix in FORMATS
                   and p.relative_to(built).parts[0] != "site")
    assert len(files) > 30
    ontology = ox.NamedNode(GRAPH["ontology"])
    for path in files:
        name = path.relative_to(built).as_posix()
        fmt = FORMATS[path.suffix]
        quads = list(ox.parse(path=path, format=fmt, base_iri="https://w3id.org/ccbkg/"))
        if name.startswith(WITH_THE_ONTOLOGY):
            quads = [q for q in quads if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)
                     and q.graph_name != ontology]
        blank = sorted(map(str, _blank_nodes(quads)))
        assert not blank, (name, blank[:3])


def test_the_shapes_are_skolemised_under_the_dataset_namespace(built: Path) -> None:
    shapes = list(ox.parse(path=built / "shapes" / "ccb.shapes.nt",
                           format=ox.RdfFormat.N_TRIPLES))
    assert any(q.subject.value.startswith(GENID) for q in shapes
               if isinstance(q.subject, ox.NamedNode))
    release = {q.triple for q in ox.parse(path=built / "ccbkg.nq", format=ox.RdfFormat.N_QUADS)
               if q.graph_name == ox.NamedNode(GRAPH["shapes"])}
    assert release == {q.triple for q in shapes}
