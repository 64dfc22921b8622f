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

from collections.abc import Iterable

import pyoxigraph as ox

from ccbkg.core.namespaces import GRAPH, OWL, RDF, RDFS

INFERRED_GRAPH = str(GRAPH["inferred"])
_TYPE = ox.NamedNode(str(RDF.type))
_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
_SUBPROPERTY = ox.NamedNode(str(RDFS.subPropertyOf))
_INVERSE = ox.NamedNode(str(OWL.inverseOf))


def entailed(schema: Iterable[ox.Quad], data: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The triples (in the default graph) that the schema's class and property hierarchies and
    inverses entail for the data and that neither states, in no particular order."""
    axioms = [(q.subject, q.predicate, q.object) for q in schema
              if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode)]
    classes = _ancestors((s, o) for s, p, o in axioms if p == _SUBCLASS)
    properties = _ancestors((s, o) for s, p, o in axioms if p == _SUBPROPERTY)
    inverses: dict[ox.NamedNode, set[ox.NamedNode]] = {}
    for s, p, o in axioms:
        if p == _INVERSE:
            inverses.setdefault(s, set()).add(o)
            inverses.setdefault(o, set()).add(s)
    # Only the statements a rule can follow from or give are kept, in one pass over the data.
    given = {_TYPE, *(q for up in properties.values() for q in up),
             *(q for inverse in inverses.values() for q in inverse)}
    known = {ox.Triple(*axiom) for axiom in axioms}
    todo: list[ox.Triple] = []
    for q in data:
        p = q.predicate
        if p in given or p in properties or p in inverses:
            fact = ox.Triple(q.subject, p, q.object)
            known.add(fact)
            todo.append(fact)
    found: list[ox.Quad] = []
    while todo:
        s, p, o = todo.pop()
        if p == _TYPE:
            follows = [ox.Triple(s, p, c) for c in classes.get(o, ())] \
                if isinstance(o, ox.NamedNode) else []
        else:
            follows = [ox.Triple(s, q, o) for q in properties.get(p, ())]
            if isinstance(o, ox.NamedNode) and isinstance(s, ox.NamedNode):
                follows += [ox.Triple(o, q, s) for q in inverses.get(p, ())]
        for triple in follows:
            if triple not in known:
                known.add(triple)
                todo.append(triple)
                found.append(ox.Quad(triple.subject, triple.predicate, triple.object))
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
