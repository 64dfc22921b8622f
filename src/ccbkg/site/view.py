"""An indexed, read-only view of the graph for the site: labels, types, links both ways, dates."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import cast

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ccbkg.core.namespaces import (
    BASE,
    CCB,
    DCTERMS,
    OA,
    ORG,
    OWL,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SKOS,
    TIME,
    XSD,
)
from ccbkg.core.terms import OxTerm, to_rdflib
from ccbkg.core.termtext import curie as curie

DATA_NS = BASE + "id/"
SCHEME_NS = BASE + "scheme/"
DATE_PROPERTIES = (TIME.inXSDDate, TIME.inXSDgYearMonth, TIME.inXSDgYear)
_DATE_RE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")

# A node involves a country when it reaches the country through these links, directly or
# through an organisation, document or set that does (the bundled timeline query's paths).
INVOLVES = (CCB.jurisdiction, CCB.country, CCB.nationalCsirtOf, CCB.party, CCB.signatory,
            CCB.introducedBy, CCB.responsibleAgent, CCB.ledBy, CCB.speaker, CCB.heldBy,
            CCB.funder, CCB.participant, CCB.collaborator, CCB.actor, CCB.actingThrough,
            ORG.member, ORG.originalOrganization, ORG.resultingOrganization)
# ... and a part involves what its whole involves (objectives of a strategy, principles of a set).
PARTS = (CCB.hasObjective, CCB.hasCentralObjective, CCB.hasCoreComponent, CCB.includesPrinciple,
         CCB.amount)
# A country "has facts" (gets a profile) when it acts in one: it has jurisdiction, signs, holds,
# says, funds, leads, takes part, collaborates, joins or introduces. Being a counterparty or
# having a national CSIRT on record is not enough.
ACTS = (CCB.jurisdiction, CCB.country, CCB.signatory, CCB.introducedBy, CCB.responsibleAgent,
        CCB.ledBy, CCB.speaker, CCB.heldBy, CCB.funder, CCB.participant, CCB.collaborator,
        CCB.actor, ORG.member)

# Names for the standard terms that the ontology does not label.
COMMON_NAMES = {str(RDF.type): "type", str(RDFS.label): "label", str(RDFS.comment): "comment",
                str(SKOS.prefLabel): "preferred label", str(SKOS.altLabel): "also called",
                str(SKOS.definition): "definition", str(SKOS.editorialNote): "editorial note",
                str(SKOS.notation): "notation", str(SKOS.inScheme): "in scheme",
                str(SKOS.broader): "broader", str(SKOS.scopeNote): "scope note"}

# What a reader calls the properties of other vocabularies that every page shows.
PLAIN_NAMES = {
    TIME.hasTime: "Date", TIME.inXSDDate: "Date", TIME.inXSDgYear: "Year",
    TIME.inXSDgYearMonth: "Month", RDF.type: "Kind", RDFS.label: "Name", SKOS.prefLabel: "Name",
    SKOS.editorialNote: "Note", DCTERMS.description: "Description", DCTERMS.title: "Title",
    DCTERMS.source: "Source", OA.hasSource: "Source document",
    OA.hasSelector: "Where in the source", OA.exact: "Quote", OA.prefix: "Text before",
    OA.suffix: "Text after", OA.start: "Starts at character", OA.end: "Ends at character",
    # W3C ORG's labels spell it "organization"; the site writes British English throughout
    ORG.originalOrganization: "Original organisation",
    ORG.resultingOrganization: "Resulting organisation",
}
# What a value of each datatype is, in words (shown after values that are not plain text).
DATATYPE_WORDS = {XSD.gYear: "year", XSD.gYearMonth: "year and month", XSD.date: "date",
                  XSD.dateTime: "date and time", XSD.decimal: "number", XSD.integer: "number",
                  XSD.nonNegativeInteger: "number", XSD.boolean: "yes or no",
                  XSD.anyURI: "web address"}
_CURIE = re.compile(r"\b([a-z][a-z0-9]*):([A-Za-z][A-Za-z0-9_]*)\b")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
DATE_TYPES = (XSD.gYear, XSD.gYearMonth, XSD.date)
NUMBER_TYPES = (XSD.decimal, XSD.integer, XSD.nonNegativeInteger)


def written_date(lexical: str) -> str:
    """A date as a reader writes it, at the precision given: 2013, May 2016, 4 May 2022 (any
    other text as it is)."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", lexical)
    if match is None or not 1 <= int(match[2] or 1) <= 12:
        return lexical
    year, month, day = match.groups()
    if month is None:
        return year
    named = f"{MONTH_NAMES[int(month) - 1]} {year}"
    return named if day is None else f"{int(day)} {named}"


def written_number(lexical: str) -> str:
    """A number with its thousands apart (27,700,000); any other text as it is."""
    whole, dot, fraction = lexical.partition(".")
    sign, digits = ("-", whole[1:]) if whole.startswith("-") else ("", whole)
    if not digits.isdigit() or (dot and not fraction.isdigit()):
        return lexical
    return f"{sign}{int(digits):,}{dot}{fraction}"


@dataclass(frozen=True)
class Dated:
    """A date as the source gives it: the lexical value and its precision."""

    value: str
    precision: str  # gYear, gYearMonth or date

    @property
    def sort_key(self) -> str:
        """Sorts years before months before days within the same year."""
        return self.value

    @property
    def year(self) -> int:
        """The year, for placing the date on an axis."""
        return int(self.value[:4])

    @property
    def extent(self) -> tuple[float, float]:
        """Where in its year the date may lie, as fractions of the year: the whole year for a
        year only, the month for a month, a point for a day (vague stays vague on an axis)."""
        if self.precision == "gYear":
            return 0.0, 1.0
        month = int(self.value[5:7])
        if self.precision == "gYearMonth":
            return (month - 1) / 12, month / 12
        at = (month - 1 + (int(self.value[8:10]) - 1) / 31) / 12
        return at, at


_TYPE = RDF.type  # (rdflib makes it anew at each use)
_Term = ox.NamedNode | ox.BlankNode | ox.Literal
# The order of sort_key's type names, for pyoxigraph's terms.
_RANK = {ox.BlankNode: 0, ox.Literal: 1, ox.NamedNode: 2}
_BITS = 40  # bits of a term's number in a packed triple (a trillion distinct terms)
_MASK = (1 << _BITS) - 1


def _in_order(packed: Iterable[int], terms: list[_Term]) -> list[int]:
    """Packed triples in sort_key's order of their terms; triples whose terms differ in a
    literal's language or datatype only keep their order (the sort is stable)."""
    place = _places(terms)
    return sorted(packed, key=lambda k: (place[k >> 2 * _BITS] << 2 * _BITS)
                  | (place[(k >> _BITS) & _MASK] << _BITS) | place[k & _MASK])


def _places(terms: list[_Term]) -> list[int]:
    """Each term's place in sort_key's order (type name, then text); terms that differ in
    language or datatype only share a place."""
    keys = [(_RANK[type(term)], term.value) for term in terms]
    place = [0] * len(terms)
    rank, last = -1, None
    for i in sorted(range(len(terms)), key=keys.__getitem__):
        if keys[i] != last:
            rank, last = rank + 1, keys[i]
        place[i] = rank
    return place


def sort_key(term: Node) -> str:
    """A total, stable order for terms."""
    return f"{type(term).__name__}:{term}"


class View:
    """Forward and backward links of one graph, with labels and the class hierarchy."""

    def __init__(self, quads: Iterable[ox.Quad]) -> None:
        """The graph of the triples of quads (whatever their graph), each once."""
        self._ancestor_cache: dict[Node, frozenset[Node]] = {}
        self._involved_cache: dict[Node, frozenset[Node]] = {}
        self._labels: dict[Node, str] = {}
        self._out: dict[Node, dict[URIRef, list[Node]]] = defaultdict(lambda: defaultdict(list))
        self._in: dict[Node, list[tuple[Node, URIRef]]] = defaultdict(list)
        # Each distinct term gets a number and each triple is one integer of its three numbers,
        # so that the triples are told apart and sorted without a Python tuple and three
        # strings each (at 10,000x, 11 million triples: gigabytes).
        ids: dict[OxTerm, int] = {}
        number = ids.setdefault
        packed = dict.fromkeys(  # each triple once, in the order of the quads
            (number(q.subject, len(ids)) << 2 * _BITS) | (number(q.predicate, len(ids)) << _BITS)
            | number(q.object, len(ids)) for q in quads)
        terms = cast("list[_Term]", list(ids))  # (no RDF-star quoted triples in the data)
        del ids
        triples = _in_order(packed, terms)
        del packed
        converted = [to_rdflib(term) for term in terms]
        del terms
        for k in triples:
            rs, rp, ro = (converted[k >> 2 * _BITS], converted[(k >> _BITS) & _MASK],
                          converted[k & _MASK])
            assert isinstance(rp, URIRef)
            self._out[rs][rp].append(ro)
            self._in[ro].append((rs, rp))

    @cached_property
    def graph(self) -> Graph:
        """The triples as an rdflib graph (made when first asked for)."""
        graph = Graph()
        for s, props in self._out.items():
            for p, values in props.items():
                for o in values:
                    graph.add((s, p, o))
        return graph

    # ------------------------------------------------------------------ basic access

    def objects(self, s: Node, p: URIRef) -> list[Node]:
        """The values of p on s, in a stable order."""
        return list(self._out.get(s, {}).get(p, ()))

    def value(self, s: Node, p: URIRef) -> Node | None:
        """The first value of p on s, or None."""
        values = self.objects(s, p)
        return values[0] if values else None

    def properties(self, s: Node) -> dict[URIRef, list[Node]]:
        """Every property of s with its values."""
        return dict(self._out.get(s, {}))

    def subjects(self, p: URIRef, o: Node) -> list[Node]:
        """The subjects that have o as a value of p."""
        return [s for s, q in self._in.get(o, ()) if q == p]

    def incoming(self, o: Node) -> list[tuple[Node, URIRef]]:
        """Every (subject, property) that points at o."""
        return list(self._in.get(o, ()))

    def text(self, s: Node, p: URIRef) -> str | None:
        """A literal value, English first."""
        values = [v for v in self.objects(s, p) if isinstance(v, Literal)]
        for v in values:
            if v.language in (None, "en"):
                return str(v)
        return str(values[0]) if values else None

    def texts(self, s: Node, p: URIRef) -> list[str]:
        """All literal values of p, as strings."""
        return [str(v) for v in self.objects(s, p) if isinstance(v, Literal)]

    def items(self, node: Node) -> list[Node]:
        """The members of an RDF list."""
        found: list[Node] = []
        seen: set[Node] = set()
        at: Node | None = node if isinstance(node, BNode | URIRef) else None
        while at is not None and at not in seen:
            seen.add(at)
            item = self.value(at, RDF.first)
            if item is not None:
                found.append(item)
            at = self.value(at, RDF.rest)
        return found

    def pairs(self, p: URIRef) -> list[tuple[Node, Node]]:
        """Every (subject, value) of p."""
        return self._by_predicate.get(p, [])

    @cached_property
    def _by_predicate(self) -> dict[URIRef, list[tuple[Node, Node]]]:
        found: dict[URIRef, list[tuple[Node, Node]]] = defaultdict(list)
        for s, props in self._out.items():
            for p, values in props.items():
                found[p].extend((s, o) for o in values)
        return dict(found)

    # ------------------------------------------------------------------ names

    def label(self, term: Node) -> str:
        """The English label, else any label, else a common name, else a short name."""
        found = self._labels.get(term)
        if found is None:
            found = self._labels[term] = self._label(term)
        return found

    def _label(self, term: Node) -> str:
        for p in (RDFS.label, SKOS.prefLabel, *DATE_PROPERTIES):
            found = self.text(term, p)
            if found:
                return found
        common = COMMON_NAMES.get(str(term))
        if common:
            return common
        _, sep, fragment = str(term).partition("#")
        for t in sorted(self.types(term), key=str):  # an unlabelled part: its kind
            kind = self.text(t, RDFS.label)
            if kind and sep and str(term).startswith(DATA_NS):
                return f"{kind} #{fragment}"
        return curie(term)

    def property_name(self, p: Node) -> str:
        """A property as a reader names it, capitalised as a heading: plain words for the
        common ones, else its label."""
        found = PLAIN_NAMES.get(URIRef(str(p))) or self.label(p)
        if found == curie(p) and ":" in found:  # no label: its local name in words
            found = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", found.partition(":")[2]).lower()
        return found[:1].upper() + found[1:]

    def plain(self, text: str) -> str:
        """Prose with each prefixed name of a known vocabulary (ccb:country) replaced by the
        term's label, so that notes speak words rather than RDF."""
        def word(m: re.Match[str]) -> str:
            ns = PREFIXES.get(m.group(1))
            return self.label(URIRef(ns + m.group(2))) if ns else m.group(0)
        return _CURIE.sub(word, text)

    def alt_labels(self, term: Node) -> list[str]:
        """Other names (skos:altLabel)."""
        return self.texts(term, SKOS.altLabel)

    def definition(self, term: Node) -> str | None:
        """What a term means: skos:definition, else rdfs:comment, else dcterms:description."""
        for p in (SKOS.definition, RDFS.comment):
            found = self.text(term, p)
            if found:
                return found
        return None

    # ------------------------------------------------------------------ classes

    def types(self, s: Node) -> list[URIRef]:
        """The asserted classes of s."""
        return [t for t in self._out.get(s, {}).get(_TYPE, ()) if isinstance(t, URIRef)]

    def supers(self, cls: Node) -> list[Node]:
        """Direct superclasses."""
        return [c for c in self.objects(cls, RDFS.subClassOf) if isinstance(c, URIRef)]

    def subs(self, cls: Node) -> list[Node]:
        """Direct subclasses."""
        return sorted((c for c in self.subjects(RDFS.subClassOf, cls) if isinstance(c, URIRef)),
                      key=sort_key)

    def ancestors(self, cls: Node) -> frozenset[Node]:
        """The class and all its superclasses."""
        cache = self._ancestor_cache
        if cls not in cache:
            cache[cls] = frozenset(_reach(cls, self.supers))
        return cache[cls]

    def is_a(self, s: Node, cls: URIRef) -> bool:
        """Whether s has cls or a subclass of it as a type."""
        return any(cls in self.ancestors(t) for t in self.types(s))

    def instances(self, cls: URIRef) -> list[Node]:
        """Nodes typed with cls or a subclass, in a stable order."""
        found = {s for c in self.descendants(cls) for s in self.subjects(RDF.type, c)}
        return sorted(found, key=sort_key)

    def descendants(self, cls: Node) -> set[Node]:
        """The class and all its subclasses."""
        return _reach(cls, self.subs)

    def sub_properties(self, prop: Node) -> list[Node]:
        """Direct sub-properties."""
        return sorted(self.subjects(RDFS.subPropertyOf, prop), key=sort_key)

    def members(self, node: Node) -> list[Node]:
        """A class expression as named classes (owl:unionOf expanded)."""
        if isinstance(node, URIRef):
            return [node]
        union = self.value(node, OWL.unionOf)
        return self.items(union) if union is not None else []

    # ------------------------------------------------------------------ data

    @cached_property
    def data_nodes(self) -> list[URIRef]:
        """Every described IRI in the data namespace, fragments included."""
        return sorted((s for s in self._out if isinstance(s, URIRef)
                       and str(s).startswith(DATA_NS)), key=str)

    @cached_property
    def fragments(self) -> dict[str, list[URIRef]]:
        """For each data IRI, the described IRIs that are its #parts."""
        found: dict[str, list[URIRef]] = defaultdict(list)
        for node in self.data_nodes:
            base, sep, _ = str(node).partition("#")
            if sep:
                found[base].append(node)
        return dict(found)

    def date(self, s: Node) -> Dated | None:
        """The node's own date (time:hasTime), at the precision stated."""
        instant = self.value(s, TIME.hasTime)
        if instant is None:
            return None
        for p in DATE_PROPERTIES:
            v = self.value(instant, p)
            if isinstance(v, Literal) and _DATE_RE.match(str(v)):
                return Dated(str(v), str(p).removeprefix(str(TIME) + "inXSD").replace(
                    "Date", "date"))
        return None

    def dated(self, s: Node) -> tuple[Dated, Node] | None:
        """The date of a node and the node that carries it: its own, else (for a norm) that
        of the event it, or the set it belongs to, was introduced at."""
        own = self.date(s)
        if own is not None:
            return own, s
        seen: set[Node] = set()
        stack = [s]
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            for event in self.objects(n, CCB.introducedAt):
                found = self.date(event)
                if found is not None:
                    return found, event
            stack.extend(self.subjects(CCB.includesPrinciple, n))
        return None

    @cached_property
    def qualified_forms(self) -> dict[Node, list[URIRef]]:
        """For each property, the properties whose nodes qualify its links (the PROV-O
        qualification pattern: `q prov:unqualifiedForm p` in the ontology)."""
        found: dict[Node, list[URIRef]] = defaultdict(list)
        for q in sorted(self.subjects(RDF.type, OWL.ObjectProperty), key=sort_key):
            if not isinstance(q, URIRef):
                continue
            for p in self.objects(q, PROV.unqualifiedForm):
                found[p].append(q)
        return dict(found)

    def is_qualified_form(self, p: Node) -> bool:
        """Whether p links to nodes that qualify another property's links."""
        return any(p in qs for qs in self.qualified_forms.values())

    def hedges(self, s: Node, p: Node, o: Node) -> list[str]:
        """The source's words that qualify the link `s p o` (`ccb:qualifierAsStated` of each
        node that qualifies it and names o), in the order of the passages they cite."""
        found: list[str] = []
        for q in self.qualified_forms.get(p, ()):
            for node in self.objects(s, q):
                names = (v for k, vs in self.properties(node).items() if k != RDF.type
                         for v in vs)
                if o in names:
                    quoted = " ".join(self.text(selector, OA.exact) or ""
                                      for passage in self.objects(node, CCB.citesPassage)
                                      for selector in self.objects(passage, OA.hasSelector))
                    words = self.texts(node, CCB.qualifierAsStated)
                    found.extend(sorted(words, key=lambda w: (w not in quoted, quoted.find(w),
                                                              w)))
        return found

    def involved(self, country: Node) -> set[Node]:
        """The nodes that involve a country (see INVOLVES and PARTS)."""
        found: set[Node] = set()
        frontier = [country]
        while frontier:
            node = frontier.pop()
            nxt: list[Node] = [s for s, p in self.incoming(node) if p in INVOLVES]
            nxt.extend(o for p in PARTS for o in self.objects(node, p))
            for n in nxt:
                if n not in found and n != country:
                    found.add(n)
                    frontier.append(n)
        return found

    def acts(self, country: Node) -> bool:
        """Whether a country acts in at least one fact (and so gets a profile)."""
        return any(p in ACTS for _, p in self.incoming(country))

    def involved_cached(self, country: Node) -> frozenset[Node]:
        """involved(), computed once per country."""
        if country not in self._involved_cache:
            self._involved_cache[country] = frozenset(self.involved(country))
        return self._involved_cache[country]

    def walk(self, start: Node, p: URIRef) -> Iterator[Node]:
        """start, then each node reached by following p repeatedly (no repeats)."""
        return _walk(start, lambda n: self.objects(n, p))


def _reach(start: Node, step: Callable[[Node], Iterable[Node]]) -> set[Node]:
    """start and every node reachable from it by repeating step."""
    return set(_walk(start, step))


def _walk(start: Node, step: Callable[[Node], Iterable[Node]]) -> Iterator[Node]:
    """start, then each node reached by repeating step, depth first, each once."""
    seen: set[Node] = set()
    stack = [start]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            yield node
            stack.extend(step(node))
