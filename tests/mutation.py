"""Mutants of the real instance data: one curator mistake of one kind on one node each.

The generator reads what the shapes require (per target class: required properties,
datatypes, classes of values, scheme-valued properties) and, for every node a kind of mistake
applies to, writes that mistake into a copy of the node's triples.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH, SKOS

CCB = "https://w3id.org/ccbkg/ontology#"
ID = "https://w3id.org/ccbkg/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
TYPE = ox.NamedNode(str(RDF.type))
LABEL = ox.NamedNode(str(RDFS.label))
CITES = ox.NamedNode(CCB + "citesPassage")
PARTY = ox.NamedNode(CCB + "party")
AGREEMENT = ox.NamedNode(CCB + "Agreement")
IDENTIFIERS = {ox.NamedNode("https://schema.org/sameAs"), ox.NamedNode(CCB + "iso3166Alpha3")}
TIME = "http://www.w3.org/2006/time#"
DATE_PROPERTIES = {TIME + "inXSDgYear", TIME + "inXSDgYearMonth", TIME + "inXSDDate"}
KINDS = (
    "drop-required-property", "wrong-datatype", "malformed-date", "dangling-reference",
    "misspelled-predicate", "missing-provenance", "missing-english-label",
    "duplicate-english-label", "object-of-wrong-class", "value-outside-scheme",
    "agreement-with-itself", "literal-for-iri",
)

Triple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]


@dataclass
class Rules:
    """What the shapes and the ontology say about classes and properties."""

    required: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    datatypes: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    classes: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    superclasses: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def of(self, types: set[str]) -> set[str]:
        """The types with all their superclasses."""
        out = set(types)
        for t in types:
            out |= self.superclasses.get(t, set())
        return out


@dataclass(frozen=True)
class Mutant:
    """One mistake: which node, which kind, and the triples removed and added."""

    node: str
    kind: str
    remove: frozenset[Triple]
    add: frozenset[Triple]


def rules(shapes: Graph, ontology: Graph) -> Rules:
    """Collect, per targeted class, the simple-path property constraints of the shapes."""
    found = Rules()
    for cls in ontology.subjects(RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")):
        found.superclasses[str(cls)] = {str(c) for c in ontology.transitive_objects(
            cls, RDFS.subClassOf) if isinstance(c, URIRef)}
    for shape, cls in shapes.subject_objects(SH.targetClass):
        for prop in _property_shapes(shapes, shape):
            path = shapes.value(prop, SH.path)
            if not isinstance(path, URIRef):
                continue
            count = shapes.value(prop, SH.minCount)
            severity = shapes.value(prop, SH.severity)
            if count is not None and int(str(count)) >= 1 and \
                    severity in (None, SH.Violation):
                found.required[str(cls)].add(str(path))
            datatype = shapes.value(prop, SH.datatype)
            if datatype is not None:
                found.datatypes[str(cls)][str(path)] = str(datatype)
            klass = shapes.value(prop, SH["class"])
            if klass is not None:
                found.classes[str(cls)][str(path)] = str(klass)
    return found


def _property_shapes(shapes: Graph, shape: object) -> Iterator[object]:
    yield from shapes.objects(shape, SH.property)  # type: ignore[arg-type]
    for node in shapes.objects(shape, SH.node):  # type: ignore[arg-type]
        yield from shapes.objects(node, SH.property)


def mutants(quads: list[ox.Quad], found: Rules, concepts: dict[str, str]) -> Iterator[Mutant]:
    """Every applicable mistake of every kind on every node of the data.

    concepts maps each SKOS concept IRI to its scheme IRI.
    """
    by_node: dict[str, list[Triple]] = defaultdict(list)
    types: dict[str, set[str]] = defaultdict(set)
    for q in quads:
        if isinstance(q.subject, ox.NamedNode):
            by_node[q.subject.value].append((q.subject, q.predicate, q.object))
            if q.predicate == TYPE and isinstance(q.object, ox.NamedNode):
                types[q.subject.value].add(q.object.value)
    described = set(by_node)
    other_class = {iri: t for iri, t in types.items()}
    for node in sorted(by_node):
        triples = by_node[node]
        node_types = found.of(types[node])
        for kind, make in _MAKERS.items():
            change = make(node, triples, node_types, found, concepts, described, other_class)
            if change is not None:
                remove, add = change
                yield Mutant(node, kind, frozenset(remove), frozenset(add))


Change = tuple[list[Triple], list[Triple]] | None
Maker = Callable[
    [str, list[Triple], set[str], Rules, dict[str, str], set[str], dict[str, set[str]]], Change]


def _drop_required(node: str, triples: list[Triple], types: set[str], found: Rules,
                   *_: object) -> Change:
    required = sorted({p for t in types for p in found.required.get(t, set())}
                      - {str(RDF.type)})
    for prop in required:
        gone = [t for t in triples if t[1].value == prop]
        if gone:
            return gone, []
    return None


def _wrong_datatype(node: str, triples: list[Triple], types: set[str], found: Rules,
                    *_: object) -> Change:
    for s, p, o in triples:
        wanted = next((found.datatypes[t][p.value] for t in sorted(types)
                       if p.value in found.datatypes.get(t, {})), None)
        if wanted and isinstance(o, ox.Literal) and not o.language:
            other = XSD + ("boolean" if wanted != XSD + "boolean" else "string")
            lexical = "true" if other == XSD + "boolean" else o.value
            return [(s, p, o)], [(s, p, ox.Literal(lexical, datatype=ox.NamedNode(other)))]
    return None


def _malformed_date(node: str, triples: list[Triple], *_: object) -> Change:
    for s, p, o in triples:
        if p.value in DATE_PROPERTIES and isinstance(o, ox.Literal):
            return [(s, p, o)], [(s, p, ox.Literal(o.value + "-13", datatype=o.datatype))]
    return None


def _dangling(node: str, triples: list[Triple], *_: object) -> Change:
    for s, p, o in triples:
        if p != TYPE and isinstance(o, ox.NamedNode) and o.value.startswith(ID) and \
                "#" not in o.value:
            return [(s, p, o)], [(s, p, ox.NamedNode(o.value + "-does-not-exist"))]
    return None


def _misspelled(node: str, triples: list[Triple], *_: object) -> Change:
    for s, p, o in triples:
        if p.value.startswith(CCB) and len(p.value) > len(CCB) + 2:
            local = p.value[len(CCB):]
            typo = local[:-2] + local[-1] + local[-2]
            if typo != local:
                return [(s, p, o)], [(s, ox.NamedNode(CCB + typo), o)]
    return None


def _missing_provenance(node: str, triples: list[Triple], *_: object) -> Change:
    if any(t[1] in IDENTIFIERS for t in triples):
        return None  # reference entities carry their own source (Wikidata, ISO 3166)
    gone = [t for t in triples if t[1] == CITES]
    return (gone, []) if gone else None


def _english_labels(triples: list[Triple]) -> list[Triple]:
    return [t for t in triples if t[1] == LABEL and isinstance(t[2], ox.Literal)
            and t[2].language == "en"]


def _missing_label(node: str, triples: list[Triple], *_: object) -> Change:
    labels = _english_labels(triples)
    return (labels, []) if labels else None


def _duplicate_label(node: str, triples: list[Triple], *_: object) -> Change:
    labels = _english_labels(triples)
    if not labels:
        return None
    s, p, o = labels[0]
    assert isinstance(o, ox.Literal)
    return [], [(s, p, ox.Literal(o.value + " (second label)", language="en"))]


def _wrong_class(node: str, triples: list[Triple], types: set[str], found: Rules,
                 concepts: dict[str, str], described: set[str],
                 other_class: dict[str, set[str]]) -> Change:
    for s, p, o in triples:
        wanted = next((found.classes[t][p.value] for t in sorted(types)
                       if p.value in found.classes.get(t, {})), None)
        if wanted is None or not isinstance(o, ox.NamedNode):
            continue
        for candidate in sorted(other_class):
            if "#" in candidate or candidate == o.value:
                continue
            if wanted not in found.of(other_class[candidate]) and \
                    not (other_class[candidate] & {wanted}):
                return [(s, p, o)], [(s, p, ox.NamedNode(candidate))]
    return None


def _outside_scheme(node: str, triples: list[Triple], types: set[str], found: Rules,
                    concepts: dict[str, str], *_: object) -> Change:
    for s, p, o in triples:
        if isinstance(o, ox.NamedNode) and o.value in concepts:
            scheme = concepts[o.value]
            other = next((c for c in sorted(concepts) if concepts[c] != scheme), None)
            if other is not None:
                return [(s, p, o)], [(s, p, ox.NamedNode(other))]
    return None


def _agreement_with_itself(node: str, triples: list[Triple], types: set[str],
                           *_: object) -> Change:
    if AGREEMENT.value not in types:
        return None
    parties = sorted((t for t in triples if t[1] == PARTY), key=lambda t: str(t[2]))
    if len(parties) < 2:
        return None
    return parties[1:], []


def _literal_for_iri(node: str, triples: list[Triple], *_: object) -> Change:
    for s, p, o in triples:
        if p != TYPE and p.value.startswith(CCB) and isinstance(o, ox.NamedNode):
            return [(s, p, o)], [(s, p, ox.Literal(o.value))]
    return None


_MAKERS: dict[str, Maker] = {
    "drop-required-property": _drop_required,
    "wrong-datatype": _wrong_datatype,
    "malformed-date": _malformed_date,
    "dangling-reference": _dangling,
    "misspelled-predicate": _misspelled,
    "missing-provenance": _missing_provenance,
    "missing-english-label": _missing_label,
    "duplicate-english-label": _duplicate_label,
    "object-of-wrong-class": _wrong_class,
    "value-outside-scheme": _outside_scheme,
    "agreement-with-itself": _agreement_with_itself,
    "literal-for-iri": _literal_for_iri,
}
assert tuple(_MAKERS) == KINDS


def scheme_members(vocab: Graph) -> dict[str, str]:
    """Each concept of the vocabularies with its scheme."""
    return {str(c): str(s) for c, s in vocab.subject_objects(SKOS.inScheme)}
