"""Conversion between pyoxigraph terms (fast parsing, stores) and rdflib terms (pyshacl)."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ccbkg.core.namespaces import OWL, RDF, XSD_NS

XSD_STRING = XSD_NS + "string"
RDF_LANG_STRING = str(RDF.langString)
RDF_TYPE = ox.NamedNode(str(RDF.type))  # as pyoxigraph terms, for code that reads quads
OWL_IMPORTS = ox.NamedNode(str(OWL.imports))

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph


def to_rdflib(term: OxTerm) -> Node:
    """The rdflib term for a pyoxigraph term (RDF 1.1: plain literals are xsd:string)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unsupported RDF term {term!r}")


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term for an rdflib term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported RDF term {term!r}")


def rdflib_graph(quads: Iterable[ox.Quad | ox.Triple], graph: Graph | None = None) -> Graph:
    """Add the triples of quads to an rdflib graph (a new one unless given)."""
    target = graph if graph is not None else Graph()
    add = target.add
    cache: dict[OxTerm, Node] = {}
    for q in quads:
        s, p, o = q.subject, q.predicate, q.object
        rs = cache.get(s) or cache.setdefault(s, to_rdflib(s))
        rp = cache.get(p) or cache.setdefault(p, to_rdflib(p))
        ro = cache.get(o) or cache.setdefault(o, to_rdflib(o))
        add((rs, rp, ro))
    return target


def oxigraph_quads(graph: Graph) -> list[ox.Quad]:
    """The triples of an rdflib graph as pyoxigraph quads in the default graph (the inverse of
    `rdflib_graph`)."""
    return [ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]
            for s, p, o in graph]


def statement(path: Node | None, value: Node | None) -> tuple[str, str] | None:
    """A SHACL result's property and value as N-Triples terms (predicate, object), when
    the path is one property and the value a term the source wrote (not a blank node), so that
    the triple can be found in the file; else None."""
    if not isinstance(path, URIRef) or not isinstance(value, URIRef | Literal):
        return None
    return f"<{path}>", str(to_oxigraph(value))
