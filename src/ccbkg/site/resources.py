"""One page per instance IRI (at the path of the IRI) and its RDF in four formats beside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
from markupsafe import Markup
from rdflib import Literal, URIRef
from rdflib.term import Node

from ccbkg.core.namespaces import CCB, DCTERMS, RDF, RDFS, SKOS
from ccbkg.rdf.jsonld import compacted
from ccbkg.rdf.serialize import Ordered
from ccbkg.site.cite import cite_box
from ccbkg.site.context import Site, passage_anchor, shorten
from ccbkg.site.links import page_path, relative, split_fragment
from ccbkg.site.markup import Page, html, join, link, table
from ccbkg.site.view import sort_key

RDF_FILES = (("ttl", "Turtle", "text/turtle"), ("nt", "N-Triples", "application/n-triples"),
             ("rdf", "RDF/XML", "application/rdf+xml"), ("jsonld", "JSON-LD",
                                                         "application/ld+json"))
_FIRST = (RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, DCTERMS.title,
          DCTERMS.description)
_LAST = (SKOS.editorialNote, CCB.citesPassage)
PROSE = (SKOS.editorialNote, DCTERMS.description, RDFS.comment)  # written words, not data

Extra = Callable[[Site, str, URIRef], Markup]


def resource_page(site: Site, iri: URIRef, extra: Extra | None = None) -> Page:
    """The page of one instance IRI; extra adds sections (a profile, a source text)."""
    path = page_path(str(iri))
    view = site.view
    label = view.label(iri)
    kinds = join((site.term(path, t) for t in sorted(view.types(iri), key=str)), ", ")
    stem = path.rsplit("/", 1)[-1].removesuffix(".html")
    formats = join((link(f"{stem}.{ext}", name) for ext, name, _ in RDF_FILES), " · ")
    head = join(html('<link rel="alternate" type="{}" href="{}.{}">\n', media, stem, ext)
                for ext, _, media in RDF_FILES)
    body = [html("<h1>{}</h1>\n", label),
            html('<p class="kind">{} · <code class="iri">{}</code><br>This description as {}'
                 "</p>\n", kinds or "Resource", str(iri), formats)]
    description = view.text(iri, DCTERMS.description)
    if description:
        body.append(html('<p class="lead">{}</p>\n', view.plain(description)))
    if extra is not None:
        body.append(extra(site, path, iri))
    body.append(html('<h2 id="properties">Properties</h2>\n{}',
                     properties_table(site, path, iri)))
    parts = view.fragments.get(str(iri), [])
    if parts:
        body.append(Markup('<h2 id="parts">Parts</h2>\n'))
        for part in parts:
            fragment = split_fragment(str(part))[1]
            body.append(html('<section id="{}"><h3>{}</h3>\n<p><code class="iri">{}</code></p>\n'
                             "{}</section>\n", fragment, view.label(part), str(part),
                             properties_table(site, path, part)))
    body.append(sources_section(site, path, iri))
    body.append(cite_box(site, iri))
    body.append(referenced_by(site, path, iri))
    return Page(path, label, join(body), head=head,
                description=shorten(description or label, 200))


def properties_table(site: Site, path: str, node: Node) -> Markup:
    """Every property of a node with its values, in a readable order."""
    props = site.view.properties(node)

    def order(p: URIRef) -> tuple[int, str, str]:
        rank = _FIRST.index(p) if p in _FIRST else len(_FIRST) + (_LAST.index(p) + 1 if p in
                                                                  _LAST else 0)
        return rank, site.view.label(p).lower(), str(p)

    rows = []
    for p in sorted(props, key=order):
        values = sorted(props[p], key=lambda v: (site.view.label(v).lower(), sort_key(v)))
        cells = join((_value(site, path, node, p, v) for v in values), "<br>")
        rows.append((site.prop(path, p), cells))
    return table(("Property", "Value"), rows, cls="data props-table")


def _value(site: Site, path: str, node: Node, p: URIRef, value: Node) -> Markup:
    if isinstance(value, URIRef) and site.view.is_a(value, CCB.Passage):
        target = site.passage_target(value)
        quote = site.exact(value)
        extra = Markup()
        if target is not None:
            extra = html(" ({})", link(relative(path, target), "in the source"))
        return site.term(path, value) + extra + (
            html('<br><q class="quote">{}</q>', shorten(quote, 160)) if quote else Markup())
    if isinstance(value, Literal) and p in PROSE:
        return html("{}", site.view.plain(str(value)))
    return site.link_value(path, node, p, value)


def sources_section(site: Site, path: str, node: Node) -> Markup:
    """The passages a node cites, quoted in full, linked to the source text."""
    passages = site.passages(node)
    if not passages:
        return Markup()
    items = []
    for p in passages:
        target = site.passage_target(p)
        where = html(" · {}", link(relative(path, target), "read it in the source")) \
            if target else ""
        offsets = site.offsets(p)
        at = f" (characters {offsets[0]}–{offsets[1]})" if offsets else ""
        items.append(html('<li><blockquote class="quote">{}</blockquote><p>{}{}{}</p></li>\n',
                          site.exact(p) or "", site.term(path, p), at, where))
    return html('<h2 id="sources">Sources</h2>\n<p>The words of the source this description '
                'rests on.</p>\n<ol class="passages">\n{}</ol>\n', join(items))


def referenced_by(site: Site, path: str, iri: URIRef) -> Markup:
    """The nodes that point at this one (or at its parts)."""
    rows: list[tuple[str, Markup, Markup]] = []
    targets = [iri, *site.view.fragments.get(str(iri), [])]
    for target in targets:
        for s, p in site.view.incoming(target):
            if split_fragment(str(s))[0] == str(iri):
                continue
            key = f"{site.view.label(s).lower()}\x00{s}\x00{p}"
            rows.append((key, site.term(path, s), site.prop(path, p)))
    if not rows:
        return Markup()
    rows.sort()
    return html('<h2 id="referenced-by">Referenced by</h2>\n{}',
                table(("Node", "Property"), [(r[1], r[2]) for r in rows]))


def passage_note(site: Site, path: str, passage: URIRef) -> Markup:
    """On a passage page: the quote and where it is in the source."""
    target = site.passage_target(passage)
    quote = site.exact(passage) or ""
    where = html("<p>{} (anchor <code>#{}</code>).</p>\n",
                 link(relative(path, target), "Read the passage in the source text"),
                 passage_anchor(passage)) if target else ""
    return html('<blockquote class="quote big">{}</blockquote>\n{}', quote, where)


def description_files(quads: list[ox.Quad], pages: set[str],
                      shipped: dict[str, Any]) -> dict[str, bytes]:
    """Each page's triples (its own and its #parts') as Turtle, N-Triples, RDF/XML, JSON-LD
    (compacted with the shipped context)."""
    by_page: dict[str, list[ox.Quad]] = {}
    for q in quads:
        if isinstance(q.subject, ox.NamedNode):
            base = split_fragment(q.subject.value)[0]
            if base in pages:
                by_page.setdefault(base, []).append(ox.Quad(q.subject, q.predicate, q.object))
    out: dict[str, bytes] = {}
    for base, found in sorted(by_page.items()):
        stem = page_path(base).removesuffix(".html")
        ordered = Ordered(found)
        for ext, _, _ in RDF_FILES:
            out[f"{stem}.{ext}"] = compacted(ordered.write("nt"), shipped) if ext == "jsonld" \
                else ordered.write(ext)
    return out
