"""What the ontology entails for the instance data, shipped as the named graph
`<https://w3id.org/ccbkg/graph/inferred>` so that a store without a reasoner answers questions
asked with a superclass, a superproperty or an inverse (`?x a ccb:PolicyDocument`).

A small subset of RDFS and OWL, computed from the ontology's own axioms between IRIs: a typed
node gets every superclass (rdfs:subClassOf, transitively; RDFS rule rdfs9), a statement every
superproperty (rdfs:subPropertyOf; rdfs7) and every inverse (owl:inverseOf; OWL 2 RL prp-inv),
until nothing new follows. Only what the release does not already state is kept: a store whose
default graph is the union of the named graphs would otherwise count a triple once per graph.
Nothing else (no domain and range typing, no owl:Thing): the graph answers the questions users
ask by the ontology's hierarchy, not every consequence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph as ox

from ccbkg.core.namespaces import GRAPH, OWL, RDFS
from ccbkg.core.terms import RDF_TYPE
from ccbkg.project.layout import Role
from ccbkg.project.load import LoadedProject

INFERRED_GRAPH = str(GRAPH["inferred"])
_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
_SUBPROPERTY = ox.NamedNode(str(RDFS.subPropertyOf))
_INVERSE = ox.NamedNode(str(OWL.inverseOf))


def inferred_graph(loaded: LoadedProject) -> Iterator[ox.Quad]:
    """What the project's ontology and vocabularies entail for its data, in the inferred
    graph (as the release ships it, and as `query run` and `serve --root` hold it)."""
    graph = ox.NamedNode(INFERRED_GRAPH)
    for q in entailed(loaded.quads(Role.ONTOLOGY, Role.VOCAB), loaded.quads(Role.DATA)):
        yield ox.Quad(q.subject, q.predicate, q.object, graph)


def entailed(schema: Iterable[ox.Quad], data: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """The triples (in the default graph) that the schema's class and property hierarchies and
    inverses entail for the data and that neither states, in no particular order, one at a
    time. The statements are followed as numbers (each term numbered once, a statement its
    three numbers in one integer): a fifth of the memory of term objects, at 10,000x gigabytes."""
    axioms = [(q.subject, q.predicate, q.object) for q in schema
              if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode)]
    classes = _ancestors((s, o) for s, p, o in axioms if p == _SUBCLASS)
    properties = _ancestors((s, o) for s, p, o in axioms if p == _SUBPROPERTY)
    inverses: dict[ox.NamedNode, set[ox.NamedNode]] = {}
    for s, p, o in axioms:
        if p == _INVERSE:
            inverses.setdefault(s, set()).add(o)
            inverses.setdefault(o, set()).add(s)
    terms = _Terms()
    number = terms.number
    # Only the statements a rule can follow from or give are kept, in one pass over the data.
    given = {RDF_TYPE, *(q for up in properties.values() for q in up),
             *(q for inverse in inverses.values() for q in inverse)}
    known = {_key(number(s), number(p), number(o)) for s, p, o in axioms}
    todo: list[int] = []
    for q in data:
        p = q.predicate
        if p in given or p in properties or p in inverses:
            fact = _key(number(q.subject), number(p), number(q.object))
            known.add(fact)
            todo.append(fact)
    up_classes = {number(c): [number(a) for a in up] for c, up in classes.items()}
    up_properties = {number(p): [number(a) for a in up] for p, up in properties.items()}
    inverse_of = {number(p): [number(i) for i in inverse] for p, inverse in inverses.items()}
    type_ = number(RDF_TYPE)
    named, term = terms.named, terms.terms
    while todo:
        fact = todo.pop()
        subject, predicate, obj = fact >> 2 * _BITS, (fact >> _BITS) & _MASK, fact & _MASK
        if predicate == type_:
            follows = [_key(subject, predicate, c) for c in up_classes.get(obj, ())]
        else:
            follows = [_key(subject, q, obj) for q in up_properties.get(predicate, ())]
            if named[obj] and named[subject]:
                follows += [_key(obj, q, subject) for q in inverse_of.get(predicate, ())]
        for triple in follows:
            if triple not in known:
                known.add(triple)
                todo.append(triple)
                yield ox.Quad(term[triple >> 2 * _BITS], term[(triple >> _BITS) & _MASK],
                              term[triple & _MASK])


_BITS = 32  # a term's number in a statement's integer
_MASK = (1 << _BITS) - 1


def _key(s: int, p: int, o: int) -> int:
    """A statement's three numbers as one integer."""
    return (s << 2 * _BITS) | (p << _BITS) | o


class _Terms:
    """Terms numbered in the order first met, and which are IRIs."""

    def __init__(self) -> None:
        self.numbers: dict[object, int] = {}
        self.terms: list[Any] = []
        self.named = bytearray()  # 1 for an IRI, by number

    def number(self, term: object) -> int:
        found = self.numbers.get(term)
        if found is None:
            found = self.numbers[term] = len(self.terms)
            self.terms.append(term)
            self.named.append(isinstance(term, ox.NamedNode))
        return found


def _ancestors(
    edges: Iterable[tuple[ox.NamedNode, ox.NamedNode]],
) -> dict[ox.NamedNode, set[ox.NamedNode]]:
    """Each node's strict ancestors along the edges (child, parent), transitively; a cycle
    leaves a node out of its own set."""
    parents: dict[ox.NamedNode, set[ox.NamedNode]] = {}
    for child, parent in edges:
        if child != parent:
            parents.setdefault(child, set()).add(parent)
    found: dict[ox.NamedNode, set[ox.NamedNode]] = {}
    for node, direct in parents.items():
        seen: set[ox.NamedNode] = set()
        stack = list(direct)
        while stack:
            up = stack.pop()
            if up not in seen and up != node:
                seen.add(up)
                stack.extend(parents.get(up, ()))
        found[node] = seen
    return found
