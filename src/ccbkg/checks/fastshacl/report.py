"""Results as a SHACL validation report graph, triple for triple what pyshacl writes.

The messages are the shape's sh:message values, or pyshacl's default message of the constraint
component; SHACL-SPARQL messages get their {?var} placeholders filled as pyshacl fills them.
Blank nodes of the shapes graph (anonymous property shapes, paths) are copied into the report
under their own identifiers, as pyshacl does, so the report stands on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox
from pyshacl.rdfutil.clone import clone_blank_node
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ccbkg.checks.fastshacl.results import Result, Term
from ccbkg.checks.fastshacl.text import Describe, graph_describer, namespaces, stringify
from ccbkg.core.terms import to_rdflib

# pyshacl's default messages of the components that compare values with an operator: the
# value range components (with the bound) and the property pair components (with the property).
_COMPARED = {SH.MinExclusiveConstraintComponent: (SH.minExclusive, ">"),
             SH.MinInclusiveConstraintComponent: (SH.minInclusive, ">="),
             SH.MaxExclusiveConstraintComponent: (SH.maxExclusive, "<"),
             SH.MaxInclusiveConstraintComponent: (SH.maxInclusive, "<="),
             SH.EqualsConstraintComponent: (SH.equals, "!="),
             SH.DisjointConstraintComponent: (SH.disjoint, "=="),
             SH.LessThanConstraintComponent: (SH.lessThan, "<="),
             SH.LessThanOrEqualsConstraintComponent: (SH.lessThanOrEquals, "<")}
_PROPERTY_PAIRS = frozenset({SH.EqualsConstraintComponent, SH.DisjointConstraintComponent,
                             SH.LessThanConstraintComponent,
                             SH.LessThanOrEqualsConstraintComponent})


@dataclass(frozen=True)
class Row:
    """One top-level result of the report (not its sh:detail results) with rdflib terms."""

    focus: Node
    path: Node | None
    value: Node | None
    shape: Node
    component: Node
    severity: Node
    messages: tuple[Literal, ...]


class ValidationReportWriter:
    """Writes results into a report graph; `describe` reads blank nodes of the data."""

    def __init__(self, shapes: Graph, describe: Callable[[Term], list[tuple[Term, Term]]],
                 restore: Callable[[Term], Term] = lambda t: t) -> None:
        self.sg = shapes
        self.restore = restore
        self.sg_manager = shapes.namespace_manager
        self.data_manager = namespaces()
        self._describe_data = describe
        self.graph = Graph(store="SimpleMemory", bind_namespaces="core")
        for prefix, ns in shapes.namespace_manager.namespaces():
            self.graph.namespace_manager.bind(prefix, ns)
        self._data_blank: Describe = self._data_pairs
        self._cloned: set[tuple[str, str]] = set()
        self.rows: list[Row] = []

    def write(self, conforms: bool, results: list[Result]) -> Graph:
        """The report graph for a validation."""
        report = BNode()
        self.graph.add((report, RDF.type, SH.ValidationReport))
        self.graph.add((report, SH.conforms, Literal(conforms)))
        for r in results:
            self.graph.add((report, SH.result, self.result(r)))
        return self.graph

    def result(self, r: Result, *, detail: bool = False) -> BNode:
        """Add one result (and its sh:detail results); returns its node. Only top-level
        results become rows, as only they are results of the report (pyshacl's too)."""
        node = BNode()
        focus = self._data_side(r.focus)
        value = self._data_side(r.value) if r.value is not None else None
        path = self.path(r)
        messages = self.messages(r)
        triples = [(node, RDF.type, SH.ValidationResult),
                   (node, SH.sourceConstraintComponent, self._shape_side(r.component)),
                   (node, SH.sourceShape, self._shape_side(r.shape.node)),
                   (node, SH.resultSeverity, r.severity), (node, SH.focusNode, focus)]
        if value is not None:
            triples.append((node, SH.value, value))
        if path is not None:
            triples.append((node, SH.resultPath, self._shape_side(path)))
        if r.constraint is not None:
            triples.append((node, SH.sourceConstraint, self._shape_side(r.constraint)))
        triples.extend((node, SH.resultMessage, m) for m in messages)
        triples.extend((node, SH.detail, self.result(d, detail=True)) for d in r.details)
        self.graph.addN((s, p, o, self.graph) for s, p, o in triples)
        if not detail:
            self.rows.append(Row(focus, path, value, r.shape.node, r.component, r.severity,
                                 tuple(messages)))
        return node

    def path(self, r: Result) -> Node | None:
        """The result path: the one found (sh:closed, SPARQL ?path) or the shape's."""
        if r.path is None:
            return r.shape.path
        return r.path if isinstance(r.path, Node) else to_rdflib(r.path)

    def messages(self, r: Result) -> list[Literal]:
        """The result messages, as pyshacl makes them."""
        own = list(r.shape.messages)
        if r.bindings is not None:
            out: list[Literal] = []
            for m in r.extra_messages:
                if m not in own:
                    out.append(Literal(self._fill(str(m.value), r)))
            return out + [Literal(self._fill(str(m.value), r)) for m in own]
        if own:
            return own
        return [Literal(m) for m in self.generic(r)]

    def _fill(self, text: str, r: Result) -> str:
        assert r.bindings is not None
        for name, value in r.bindings:
            text = re.sub(f"{{[?$]{name}}}", str(to_rdflib(self.restore(value))), text)
        return text

    # ------------------------------------------------------------------ default messages

    def generic(self, r: Result) -> list[str]:
        """pyshacl's default message of the constraint component (SHACL gives none)."""
        s = r.shape
        sg = self.sg
        c = r.component

        def shape_text(n: Node) -> str:
            return stringify(n, self.sg_manager, graph_describer(sg))

        def data_text(t: Term | Node | None) -> str:
            if t is None:
                return "None"
            node = t if isinstance(t, Node) else to_rdflib(self.restore(t))
            return stringify(node, self.data_manager, self._data_blank)

        def objs(p: URIRef) -> list[Node]:
            return list(sg.objects(s.node, p))

        path_text = shape_text(s.path) if s.path is not None else None
        focus, value = data_text(r.focus), data_text(r.value)

        def listed(p: URIRef, one: str, many: str, sep: str = ", ") -> str:
            rules = objs(p)
            if len(rules) < 2:
                return one.format(shape_text(rules[0]))
            return many.format(sep.join(shape_text(x) for x in rules))

        def lists(p: URIRef, text: str) -> str:
            rules = objs(p)
            parts = [" , ".join(shape_text(i) for i in sg.items(x)) for x in rules]
            joined = parts[0] if len(parts) < 2 else " and ".join(f"({x})" for x in parts)
            return text.format(value, joined)

        if c == SH.MinCountConstraintComponent:
            return [f"Less than {objs(SH.minCount)[0]} values on {focus}->{path_text}"]
        if c == SH.MaxCountConstraintComponent:
            return [f"More than {objs(SH.maxCount)[0]} values on {focus}->{path_text}"]
        if c == SH.ClassConstraintComponent:
            return [listed(SH["class"], "Value does not have class {}",
                           "Value class is not in classes ({})")]
        if c == SH.DatatypeConstraintComponent:
            return [f"Value is not Literal with datatype {shape_text(objs(SH.datatype)[0])}"]
        if c == SH.NodeKindConstraintComponent:
            return [f"Value is not of Node Kind {shape_text(objs(SH.nodeKind)[0])}"]
        if c == SH.InConstraintComponent:
            members: set[Node] = set()
            for item in sg.items(objs(SH["in"])[0]):
                members.add(item)
            return [f"Value {value} not in list {[shape_text(x) for x in members]}"]
        if c == SH.HasValueConstraintComponent:
            the_set = [shape_text(x) for x in set(objs(SH.hasValue))]
            if path_text is not None:
                return [f"Node {focus}->{path_text} does not contain a value in the set: "
                        f"{the_set}"]
            return [f"Node {focus} value is not a in the set of values: {the_set}"]
        if c == SH.PatternConstraintComponent:
            patterns = [str(p.value) if isinstance(p, Literal) else str(p)
                        for p in objs(SH.pattern)]
            if len(patterns) < 2:
                return [f"Value does not match pattern '{patterns[0]}'"]
            return ["Value does not match every pattern in ('{}')".format("', '".join(patterns))]
        if c == SH.MinLengthConstraintComponent:
            return [f"String length not >= {data_text(objs(SH.minLength)[0])}"]
        if c == SH.MaxLengthConstraintComponent:
            return [f"String length not <= {data_text(objs(SH.maxLength)[0])}"]
        if c == SH.LanguageInConstraintComponent:
            return [f"String language is not in {shape_text(objs(SH.languageIn)[0])}"]
        if c == SH.UniqueLangConstraintComponent:
            return ["More than one String shares the same Language"]
        if c in _COMPARED:
            p, op = _COMPARED[c]  # type: ignore[index]
            if c not in _PROPERTY_PAIRS:
                return [listed(p, f"Value is not {op} {{}}", f"Value is not {op} in ({{}})")]
            rules = list(set(objs(p)))
            named = shape_text(rules[0]) if len(rules) < 2 else \
                ", ".join(shape_text(x) for x in rules)
            return [f"Value of {focus}->{named} {op} {value}"]
        if c == SH.NotConstraintComponent:
            nots = objs(SH["not"])
            if len(nots) == 1:
                return [f"Node {value} must not conform to shape {shape_text(nots[0])}"]
            return [f"Node {value} must not conform to any shapes in "
                    f"{' , '.join(shape_text(n) for n in nots)}"]
        if c == SH.AndConstraintComponent:
            return [lists(SH["and"], "Node {} must conform to all shapes in {}")]
        if c == SH.OrConstraintComponent:
            return [lists(SH["or"], "Node {} must conform to one or more shapes in {}")]
        if c == SH.XoneConstraintComponent:
            return [lists(SH.xone, "Node {} must conform to exactly one shape in {}")]
        if c == SH.NodeConstraintComponent:
            nodes = objs(SH.node)
            if len(nodes) < 2:
                text = f"Value does not conform to Shape {shape_text(nodes[0])}."
            else:
                text = "Value must conform to every Shape in ('{}').".format(
                    "', '".join(shape_text(n) for n in nodes))
            return [text + " See details for more information."]
        if c in (SH.QualifiedMinCountConstraintComponent, SH.QualifiedMaxCountConstraintComponent):
            shapes = set(objs(SH.qualifiedValueShape))
            shapes_string = ",".join(shape_text(x) for x in shapes)
            counts = ""
            low, high = objs(SH.qualifiedMinCount), objs(SH.qualifiedMaxCount)
            if low and isinstance(low[0], Literal):
                counts += f" MinCount {low[0].value}"
            if high and isinstance(high[0], Literal):
                counts += f" MaxCount {high[0].value}"
            if len(shapes) > 1:
                return [f"Focus node does not conform to shapes{counts}: ({shapes_string})"]
            return [f"Focus node does not conform to shape{counts}: {shapes_string}"]
        if c == SH.ClosedConstraintComponent:
            return [f"Node {focus} is closed. It cannot have value: {value}"]
        return []

    # ------------------------------------------------------------------ terms

    def _shape_side(self, node: Node) -> Node:
        if isinstance(node, BNode):
            key = ("shapes", str(node))
            if key not in self._cloned:
                self._cloned.add(key)
                clone_blank_node(self.sg, node, self.graph, keepid=True)
            return BNode(str(node))
        return node

    def _data_side(self, term: Term) -> Node:
        node = to_rdflib(self.restore(term))
        if isinstance(node, BNode):
            key = ("data", str(node))
            if key not in self._cloned:
                self._cloned.add(key)
                closure = Graph()
                self._collect(term, closure, set())
                clone_blank_node(closure, node, self.graph, keepid=True)
        return node

    def _collect(self, term: Term, into: Graph, seen: set[Term]) -> None:
        if term in seen:
            return
        seen.add(term)
        for p, o in self._describe_data(term):
            into.add((to_rdflib(term), to_rdflib(p), to_rdflib(o)))
            if isinstance(o, ox.BlankNode):
                self._collect(o, into, seen)

    def _data_pairs(self, node: BNode) -> list[tuple[Node, Node]]:
        pairs = self._describe_data(ox.BlankNode(str(node)))
        return [(to_rdflib(p), to_rdflib(o)) for p, o in pairs]
