"""The shapes graph read into shapes, targets and constraint parameters (SHACL 1.0 section 2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from ccbkg.checks.fastshacl.errors import Unsupported

SH_SEVERITY = SH.severity
# The constraint parameters this engine evaluates, in the order pyshacl does not care about.
CORE_PARAMETERS = frozenset({
    SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.minExclusive,
    SH.minInclusive, SH.maxExclusive, SH.maxInclusive, SH.minLength, SH.maxLength, SH.pattern,
    SH.languageIn, SH.uniqueLang, SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals,
    SH["not"], SH["and"], SH["or"], SH.xone, SH.node, SH.property, SH.qualifiedValueShape,
    SH.closed, SH.hasValue, SH["in"], SH.sparql,
})
# Parameters that belong to a constraint above and are read with it.
COMPANION_PARAMETERS = frozenset({
    SH.flags, SH.ignoredProperties, SH.qualifiedMinCount, SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint,
})
# SHACL Advanced Features and SHACL-JS that this engine does not implement.
UNSUPPORTED_PARAMETERS = frozenset({SH.expression, SH.rule, SH.js})
SHAPE_EXPECTING = (SH.property, SH.node, SH["not"], SH.qualifiedValueShape)
LIST_OF_SHAPES = (SH["and"], SH["or"], SH.xone)


@dataclass
class SparqlTarget:
    """An sh:target with a SPARQL SELECT (SHACL-AF 5.1) and the prefixes it declares."""

    node: Node
    select: str
    prefixes: dict[str, str]


@dataclass(eq=False)
class Shape:
    """A node or property shape with everything needed to validate against it."""

    node: Node
    path: Node | None
    severity: Node
    messages: list[Literal]
    deactivated: bool
    params: dict[URIRef, list[Node]]
    target_nodes: list[Node] = field(default_factory=list)
    target_classes: list[Node] = field(default_factory=list)
    target_subjects_of: list[Node] = field(default_factory=list)
    target_objects_of: list[Node] = field(default_factory=list)
    sparql_targets: list[SparqlTarget] = field(default_factory=list)

    @property
    def is_property(self) -> bool:
        """True for a property shape (one with sh:path)."""
        return self.path is not None

    @property
    def has_targets(self) -> bool:
        """True when the shape selects focus nodes of its own."""
        return bool(self.target_nodes or self.target_classes or self.target_subjects_of
                    or self.target_objects_of or self.sparql_targets)

    def values(self, parameter: URIRef) -> list[Node]:
        """The values of a constraint parameter on this shape."""
        return self.params.get(parameter, [])


class ShapesGraph:
    """The shapes of a shapes graph, found the way pyshacl finds them."""

    def __init__(self, graph: Graph, *, advanced: bool = True) -> None:
        self.graph = graph
        self.advanced = advanced
        self._shapes: dict[Node, Shape] = {}
        for node in sorted(self._shape_nodes(), key=_key):
            self._shapes[node] = self._read(node)

    @property
    def shapes(self) -> list[Shape]:
        """All shapes, in a stable order."""
        return list(self._shapes.values())

    def shape(self, node: Node) -> Shape:
        """The shape at a node (a value of sh:node, sh:property, ...)."""
        found = self._shapes.get(node)
        if found is None:
            found = self._shapes[node] = self._read(node)
        return found

    def items(self, node: Node) -> list[Node]:
        """The members of an RDF list in the shapes graph."""
        return list(self.graph.items(node))

    @cached_property
    def recursive(self) -> frozenset[Node]:
        """The shapes that refer to themselves through other shapes (sh:node, sh:property,
        sh:not, sh:and, sh:or, sh:xone, sh:qualifiedValueShape), whose validation SHACL
        leaves undefined (3.4.1)."""
        g = self.graph
        refers: dict[Node, set[Node]] = {}
        for p in SHAPE_EXPECTING:
            for s, o in g.subject_objects(p):
                refers.setdefault(s, set()).add(o)
        for p in LIST_OF_SHAPES:
            for s, lst in g.subject_objects(p):
                refers.setdefault(s, set()).update(self.items(lst))
        found: set[Node] = set()
        for start in refers:
            todo, seen = list(refers[start]), set()
            while todo:
                node = todo.pop()
                if node == start:
                    found.add(start)
                    break
                if node not in seen:
                    seen.add(node)
                    todo.extend(refers.get(node, ()))
        return frozenset(found)

    def _shape_nodes(self) -> set[Node]:
        g = self.graph
        nodes: set[Node] = set(g.subjects(RDF.type, SH.NodeShape))
        nodes |= set(g.subjects(RDF.type, SH.PropertyShape))
        for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
                  SH.property, SH.node):
            nodes |= set(g.subjects(p, None))
        if self.advanced:
            nodes |= set(g.subjects(SH.target, None))
        for p in SHAPE_EXPECTING:
            nodes |= set(g.objects(None, p))
        for p in LIST_OF_SHAPES:
            for lst in g.objects(None, p):
                nodes |= set(self.items(lst))
        return {n for n in nodes if isinstance(n, URIRef | BNode)}

    def _read(self, node: Node) -> Shape:
        g = self.graph
        paths = list(g.objects(node, SH.path))
        if len(paths) > 1:
            raise Unsupported(f"shape {node.n3()} has more than one sh:path")
        deactivated = [d for d in g.objects(node, SH.deactivated)]
        severities = list(g.objects(node, SH_SEVERITY))
        params: dict[URIRef, list[Node]] = {}
        for p, o in g.predicate_objects(node):
            if p in UNSUPPORTED_PARAMETERS:
                raise Unsupported(f"shape {node.n3()} uses {p.n3()}, which fastshacl lacks")
            if p in CORE_PARAMETERS or p in COMPANION_PARAMETERS:
                params.setdefault(p, []).append(o)  # type: ignore[arg-type]
        for p in params:
            params[p].sort(key=_key)
        shape = Shape(
            node=node,
            path=paths[0] if paths else None,
            severity=severities[0] if severities else SH.Violation,
            messages=[m for m in g.objects(node, SH.message)
                      if isinstance(m, Literal)],
            deactivated=bool(deactivated and isinstance(deactivated[0], Literal)
                             and deactivated[0].value),
            params=params,
        )
        shape.target_nodes = sorted(g.objects(node, SH.targetNode), key=_key)
        shape.target_classes = sorted(g.objects(node, SH.targetClass), key=_key)
        if self._is_class(node):
            shape.target_classes.append(node)
        shape.target_subjects_of = sorted(g.objects(node, SH.targetSubjectsOf), key=_key)
        shape.target_objects_of = sorted(g.objects(node, SH.targetObjectsOf), key=_key)
        if self.advanced:
            for target in sorted(g.objects(node, SH.target), key=_key):
                shape.sparql_targets.append(self._sparql_target(target))
        return shape

    def _is_class(self, node: Node) -> bool:
        """pyshacl's implicit class targets: the shape is typed rdfs:Class or a subclass of it."""
        classes = set(self.graph.subjects(RDFS.subClassOf, RDFS.Class)) | {RDFS.Class}
        return any(t in classes for t in self.graph.objects(node, RDF.type))

    def _sparql_target(self, target: Node) -> SparqlTarget:
        selects = list(self.graph.objects(target, SH.select))
        if not selects:
            raise Unsupported(f"sh:target {target.n3()} is not a SPARQL target (no sh:select)")
        return SparqlTarget(target, str(selects[0]), self.prefixes(target))

    def prefixes(self, node: Node) -> dict[str, str]:
        """The prefixes declared for a SPARQL-based node (`declared_prefixes`)."""
        return declared_prefixes(self.graph, node)


def declared_prefixes(g: Graph, node: Node) -> dict[str, str]:
    """The prefixes declared for a SPARQL-based node (sh:prefixes/sh:declare), as pyshacl."""
    onts = set(g.subjects(RDF.type, URIRef("http://www.w3.org/2002/07/owl#Ontology")))
    global_declares: set[Node] = set()
    for o in onts:
        global_declares |= set(g.objects(o, SH.declare))
    found: dict[str, str] = {}
    for holder in g.objects(node, SH.prefixes):
        own = set(g.objects(holder, SH.declare))
        declares = own if (own and holder in onts) else (global_declares | own)
        for dec in declares:
            prefix = list(g.objects(dec, SH.prefix))
            namespace = list(g.objects(dec, SH.namespace))
            if not prefix or not namespace:
                raise Unsupported("an sh:declare lacks sh:prefix or sh:namespace")
            found[str(prefix[0])] = str(namespace[0])
    return found


def _key(node: Node) -> str:
    return node.n3()
