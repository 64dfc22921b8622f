"""What every page generator needs: the graph view, the link map and term rendering."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from functools import cached_property

from markupsafe import Markup
from rdflib import Literal, URIRef
from rdflib.term import Node

from ccbkg.core.namespaces import CCB, OA, XSD
from ccbkg.core.terms import RDF_LANG_STRING
from ccbkg.rdf.void import Release
from ccbkg.site.links import Linker, page_path, relative, split_fragment
from ccbkg.site.markup import html, join, link
from ccbkg.site.view import (
    DATA_NS,
    DATATYPE_WORDS,
    DATE_TYPES,
    NUMBER_TYPES,
    PLAIN_NAMES,
    View,
    curie,
    sort_key,
    written_date,
    written_number,
)

# A fact's evidence is shown whole (the passages are sentences, at most 274 characters in the
# data): cut shorter, the quotes lost the names and years that prove the fact.
CITED_CHARS = 600


@dataclass
class Site:
    """The graph and its link map, shared by the page generators."""

    view: View  # ontology + vocabularies + data
    shapes: View
    linker: Linker
    release: Release
    profiles: list[URIRef]  # countries with a profile page
    texts: dict[str, bytes] = field(default_factory=dict)  # source file name -> its bytes
    diagram_sizes: dict[str, tuple[int, int]] = field(default_factory=dict)  # site path -> size
    cache: dict[str, dict[Node, set[Node]]] = field(default_factory=dict)
    codes: dict[str, URIRef] = field(default_factory=dict)  # lower-case alpha-3 -> country
    # Links to the terms of the vocabularies, by the linking page's folder (links are
    # relative to it), the term and how it is shown (short, label, or property name: None).
    vocabulary_links: dict[tuple[str, Node, bool | None], Markup] = field(default_factory=dict)
    # Each passage's offsets and quoted words, found once (a fact's section shows them thrice).
    _offsets: dict[Node, tuple[int, int] | None] = field(default_factory=dict, init=False)
    _exact: dict[Node, str | None] = field(default_factory=dict, init=False)
    fact_counts: dict[Node, int] = field(default_factory=dict, init=False)  # see fact_count

    @cached_property
    def _profiled(self) -> frozenset[Node]:
        return frozenset(self.profiles)

    def has_profile(self, country: Node) -> bool:
        """Whether a country has a profile page (profiles is set before any page is made)."""
        return country in self._profiled

    def country_of_code(self, code: str) -> URIRef | None:
        """The country whose ISO alpha-3 code is code (in any case), or None."""
        if not self.codes:
            self.codes.update((text.lower(), c) for c in self.view.instances(CCB.Country)
                              if isinstance(c, URIRef)
                              and (text := self.view.text(c, CCB.iso3166Alpha3)))
        return self.codes.get(code.lower())

    # ------------------------------------------------------------------ terms

    def term(self, from_path: str, term: Node, *, short: bool = False) -> Markup:
        """A term as HTML: a link with its label for an IRI, the value for a literal."""
        if isinstance(term, Literal):
            return literal(term)
        if not isinstance(term, URIRef):
            return html('<span class="bnode">{}</span>', self.view.label(term))
        if str(term).startswith(DATA_NS):
            text = curie(term) if short else self.view.label(term)
            return link(self.linker.href(from_path, term), text, title=str(term))
        key = (posixpath.dirname(from_path), term, short)  # a term of a vocabulary: kept
        found = self.vocabulary_links.get(key)
        if found is None:
            text = curie(term) if short else self.view.label(term)
            found = self.vocabulary_links[key] = link(self.linker.href(from_path, term), text,
                                                      title=str(term))
        return found

    def link_value(self, from_path: str, s: Node, p: URIRef, value: Node) -> Markup:
        """A value of `s p`, with the source's hedge on that link before it ("(reportedly)
        Albania's planned initiatives")."""
        shown = self.term(from_path, value)
        hedges = self.view.hedges(s, p, value)
        if not hedges:
            return shown
        return html('<span class="hedge">({})</span> {}', "; ".join(hedges), shown)

    def terms(self, from_path: str, values: list[Node], sep: str = ", ") -> Markup:
        """Several terms, sorted by label (passages, whose labels hold commas, take "; ")."""
        ordered = sorted(values, key=lambda v: (self.view.label(v).lower(), sort_key(v)))
        return join((self.term(from_path, v) for v in ordered), sep)

    def prop(self, from_path: str, p: URIRef) -> Markup:
        """A property name as a link to its definition; a reader's name for a property of
        another vocabulary ("Kind", "Name", "Date") as words, with its IRI on hover (its
        definition is a W3C specification, no help to a reader)."""
        if p in PLAIN_NAMES:
            return html('<span title="{}">{}</span>', str(p), PLAIN_NAMES[p])
        key = (posixpath.dirname(from_path), p, None)
        found = self.vocabulary_links.get(key)
        if found is None:
            found = self.vocabulary_links[key] = link(self.linker.href(from_path, p),
                                                      self.view.property_name(p), title=str(p))
        return found

    # ------------------------------------------------------------------ provenance

    def passage_target(self, passage: Node) -> str | None:
        """Where a passage is highlighted: its source page and anchor."""
        source = self.view.value(passage, OA.hasSource)
        if not isinstance(source, URIRef) or str(source) not in self.linker.pages:
            return None
        return f"{page_path(str(source))}#{passage_anchor(passage)}"

    def passages(self, node: Node) -> list[Node]:
        """The passages a node cites, in source order."""
        return sorted(self.view.objects(node, CCB.citesPassage),
                      key=lambda p: (self.offsets(p) or (1 << 62, 0), str(p)))

    def offsets(self, passage: Node) -> tuple[int, int] | None:
        """The (start, end) code-point offsets of a passage in its source text."""
        if passage not in self._offsets:
            self._offsets[passage] = self._find_offsets(passage)
        return self._offsets[passage]

    def _find_offsets(self, passage: Node) -> tuple[int, int] | None:
        for selector in self.view.objects(passage, OA.hasSelector):
            start, end = self.view.value(selector, OA.start), self.view.value(selector, OA.end)
            if isinstance(start, Literal) and isinstance(end, Literal):
                try:
                    return int(start), int(end)
                except ValueError:
                    return None
        return None

    def exact(self, passage: Node) -> str | None:
        """The quoted words of a passage."""
        if passage not in self._exact:
            self._exact[passage] = self._find_exact(passage)
        return self._exact[passage]

    def _find_exact(self, passage: Node) -> str | None:
        for selector in self.view.objects(passage, OA.hasSelector):
            found = self.view.text(selector, OA.exact)
            if found is not None:
                return found
        return None

    def cites(self, from_path: str, node: Node) -> Markup:
        """A "Source:" line linking a fact to the passages it cites, on the source page."""
        links = self.cite_links(from_path, node)
        return html('<p class="sources">Source: {}</p>\n', links) if links else Markup()

    def cite_links(self, from_path: str, node: Node) -> Markup:
        """Links from a fact to the passages it cites, on the source page."""
        items = []
        for p in self.passages(node):
            quote = self.exact(p) or self.view.label(p)
            items.append(link(
                _relative_or_none(from_path, self.passage_target(p)),
                f"“{shorten(quote, CITED_CHARS)}”", title=self.view.label(p), cls="cite"))
        return join(items, "; ")


def literal(value: Literal) -> Markup:
    """A literal as HTML: with its language, and its datatype when it is not plain text."""
    if value.language:
        return html('<span lang="{}">{}</span>', value.language, str(value))
    if value.datatype in DATE_TYPES:
        return html('<time datetime="{}">{}</time>', str(value), written_date(str(value)))
    if value.datatype in NUMBER_TYPES:
        return html("{}", written_number(str(value)))
    if value.datatype is not None and value.datatype not in (XSD.string,) and \
            str(value.datatype) != RDF_LANG_STRING:
        word = DATATYPE_WORDS.get(value.datatype) or curie(value.datatype).partition(":")[2]
        return html('{} <span class="dt">({})</span>', str(value), word)
    return html("{}", str(value))


def passage_anchor(passage: Node) -> str:
    """The id of a passage on its source page: its IRI path with '/' as '-'."""
    value, _ = split_fragment(str(passage))
    return value.removeprefix(DATA_NS).replace("/", "-")


def shorten(text: str, limit: int) -> str:
    """Text on one line, cut at a word boundary with an ellipsis when too long."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def _relative_or_none(from_path: str, target: str | None) -> str | None:
    return relative(from_path, target) if target is not None else None
