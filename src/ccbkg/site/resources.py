"""The page of an instance IRI, or its section on a country's page of facts, and each page's RDF
in four formats beside it."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from markupsafe import Markup
from rdflib import Literal, URIRef
from rdflib.term import Node

from ccbkg.core.file_types import SHIPPED_SYNTAXES
from ccbkg.core.namespaces import CCB, DCTERMS, RDF, RDFS, SKOS
from ccbkg.rdf.jsonld import compacted_documents
from ccbkg.rdf.serialize import Ordered
from ccbkg.site.cite import cite_box
from ccbkg.site.context import Site, passage_anchor, shorten
from ccbkg.site.links import node_target, page_path, place, relative, split_fragment
from ccbkg.site.markup import Page, html, join, link, table, ul
from ccbkg.site.view import sort_key

_FIRST = (RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, DCTERMS.title,
          DCTERMS.description)
_LAST = (SKOS.editorialNote, CCB.citesPassage)
JSONLD_BATCH = 20_000  # triples compacted together: the context is processed once a batch
PACK_EVERY = 1 << 24  # bytes of the pages' N-Triples that wait before they are compressed
PROSE = (SKOS.editorialNote, DCTERMS.description, RDFS.comment)  # written words, not data

Extra = Callable[[Site, str, URIRef], Markup]


def resource_page(site: Site, iri: URIRef, extra: Extra | None = None) -> Page:
    """The page of one instance IRI; extra adds sections (a profile, a source text)."""
    path = page_path(str(iri))
    label = site.view.label(iri)
    description = site.view.text(iri, DCTERMS.description)
    body = [html("<h1>{}</h1>\n", label), _kind_line(site, path, iri, _formats(path)),
            describe(site, path, iri, extra, level=2)]
    return Page(path, label, join(body), head=_alternates(path),
                description=shorten(description or label, 200))


def facts_page(site: Site, path: str, nodes: list[URIRef], extra: Callable[[URIRef], Extra | None]
               ) -> Page:
    """A country's page of facts: each node a section at its anchor (`#<type>-<key>`), with
    its properties, parts, passages and "Cite this" box; extra(node) adds to a section."""
    view = site.view
    code = path.rsplit("/", 1)[-1].removesuffix(".html")
    country = site.country_of_code(code)
    title = (f"Facts of {view.label(country)}" if country is not None else
             "; ".join(view.label(n) for n in nodes) if len(nodes) <= 3 else
             f"Resources whose keys start with “{code}-”")
    toc = ul(link(f"#{place(str(n))[1]}", view.label(n)) for n in nodes)
    profile = html(" Its {} groups them by kind.", link(
        relative(path, node_target(str(country))), f"profile of {view.label(country)}")) \
        if country is not None and site.has_profile(country) else ""
    body = [html("<h1>{}</h1>\n", title),
            html('<p class="lead">Each in full, at its own anchor: its properties, the passages '
                 "it rests on and how to cite it.{}</p>\n", profile),
            html("<p>These descriptions as {}</p>\n", _formats(path)),
            html('<nav aria-label="On this page" class="toc">{}</nav>\n', toc)]
    for node in nodes:
        anchor = place(str(node))[1]
        body.append(html('<section class="node" id="{}"><h2>{}</h2>\n{}{}</section>\n', anchor,
                         view.label(node), _kind_line(site, path, node, None),
                         describe(site, path, node, extra(node), level=3)))
    return Page(path, title, join(body), head=_alternates(path),
                description=f"{title} in the ccbkg graph, each with its sources.")


def _formats(path: str) -> Markup:
    stem = path.rsplit("/", 1)[-1].removesuffix(".html")
    return join((link(f"{stem}.{s.file_extension}", s.name) for s in SHIPPED_SYNTAXES), " · ")


def _alternates(path: str) -> Markup:
    stem = path.rsplit("/", 1)[-1].removesuffix(".html")
    return join(html('<link rel="alternate" type="{}" href="{}.{}">\n', s.media_type, stem,
                     s.file_extension) for s in SHIPPED_SYNTAXES)


def _kind_line(site: Site, path: str, iri: URIRef, formats: Markup | None) -> Markup:
    kinds = join((site.term(path, t) for t in sorted(site.view.types(iri), key=str)), ", ")
    described = html("<br>This description as {}", formats) if formats is not None else ""
    return html('<p class="kind">{} · <code class="iri">{}</code>{}</p>\n',
                kinds or "Resource", str(iri), described)


def describe(site: Site, path: str, iri: URIRef, extra: Extra | None, level: int) -> Markup:
    """What a resource page or a fact's section shows below its heading; sections are headed
    at level (2 on a page of its own, 3 in a fact's section, whose subsections have no ids)."""
    view = site.view
    own = level == 2
    body: list[Markup | str] = []
    description = view.text(iri, DCTERMS.description)
    if description:
        body.append(html('<p class="lead">{}</p>\n', view.plain(description)))
    if extra is not None:
        body.append(extra(site, path, iri))
    body.append(html("{}{}", _heading(level, "properties" if own else "", "Properties"),
                     properties_table(site, path, iri)))
    parts = view.fragments.get(str(iri), [])
    if parts:
        body.append(_heading(level, "parts" if own else "", "Parts"))
        for part in parts:
            body.append(html('<section id="{}"><h{}>{}</h{}>\n<p><code class="iri">{}</code></p>'
                             "\n{}</section>\n", node_target(str(part)).partition("#")[2],
                             level + 1, view.label(part), level + 1, str(part),
                             properties_table(site, path, part)))
    body.append(sources_section(site, path, iri, level))
    body.append(cite_box(site, iri, level, "cite" if own else ""))
    body.append(referenced_by(site, path, iri, level))
    return join(body)


def _heading(level: int, anchor: str, text: str) -> Markup:
    if anchor:
        return html('<h{} id="{}">{}</h{}>\n', level, anchor, text, level)
    return html("<h{}>{}</h{}>\n", level, text, level)


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


def sources_section(site: Site, path: str, node: Node, level: int = 2) -> Markup:
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
    profile = isinstance(node, URIRef) and site.has_profile(node)
    return html('{}<p>The words of the source this description rests on{}.</p>\n'
                '<ol class="passages">\n{}</ol>\n',
                _heading(level, "sources" if level == 2 else "", "Sources"),
                " (its properties above; each fact of the profile cites its own passages, "
                "linked from it)" if profile else "", join(items))


def referenced_by(site: Site, path: str, iri: URIRef, level: int = 2) -> Markup:
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
    return html("{}{}", _heading(level, "referenced-by" if level == 2 else "",
                                 "What refers to it"),
                table(("Fact or resource", "Refers to it as"), [(r[1], r[2]) for r in rows]))


def passage_note(site: Site, path: str, passage: URIRef) -> Markup:
    """On a passage page: the quote and where it is in the source."""
    target = site.passage_target(passage)
    quote = site.exact(passage) or ""
    where = html("<p>{} (anchor <code>#{}</code>).</p>\n",
                 link(relative(path, target), "Read the passage in the source text"),
                 passage_anchor(passage)) if target else ""
    return html('<blockquote class="quote big">{}</blockquote>\n{}', quote, where)


@dataclass
class Described:
    """The triples one page describes, as compressed N-Triples until a rendering process reads
    them (as Python quads they took 5 GiB of the build's process at 10,000x)."""

    size: int = 0  # triples
    packed: list[bytes] = field(default_factory=list)  # compressed pieces
    waiting: list[bytes] = field(default_factory=list)  # N-Triples not compressed yet

    def add(self, triples: list[ox.Quad]) -> int:
        """Add triples (in the default graph); returns the bytes now waiting for `pack`."""
        text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        self.waiting.append(text)
        self.size += len(triples)
        return len(text)

    def pack(self) -> None:
        """Compress what waits."""
        if self.waiting:
            self.packed.append(zlib.compress(b"".join(self.waiting), 1))
            self.waiting = []

    def quads(self) -> list[ox.Quad]:
        """The triples (in the order they were added)."""
        text = b"".join([*map(zlib.decompress, self.packed), *self.waiting])
        return list(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))


def descriptions_by_page(quads: Iterable[ox.Quad], pages: set[str]) -> dict[str, Described]:
    """The triples each page describes (those of every node it shows, #parts included), by
    the page's path without .html."""
    by_page: dict[str, Described] = {}
    # The parser gives a file's quads subject by subject: the page is found once a subject,
    # and the triples of the subjects in a row that one page shows are added at once.
    subject, found = "", None
    run: list[ox.Quad] = []
    waiting: list[Described] = []  # the pages with triples waiting to be compressed
    size = 0  # their bytes

    def add() -> None:
        nonlocal size
        if found is not None and run:
            if not found.waiting:
                waiting.append(found)
            size += found.add(run)
            if size > PACK_EVERY:
                for d in waiting:
                    d.pack()
                waiting.clear()
                size = 0

    for q in quads:
        if not isinstance(q.subject, ox.NamedNode):
            continue
        if q.subject.value != subject:
            subject = q.subject.value
            base = split_fragment(subject)[0]
            page = by_page.setdefault(page_path(base).removesuffix(".html"), Described()) \
                if base in pages else None
            if page is not found:
                add()
                found, run = page, []
        if found is not None:
            run.append(q if isinstance(q.graph_name, ox.DefaultGraph) else
                       ox.Quad(q.subject, q.predicate, q.object))
    add()
    return by_page


def description_batches(by_page: dict[str, Described]) -> list[list[str]]:
    """The pages in batches of about JSONLD_BATCH triples, whose JSON-LD is compacted at once."""
    batches: list[list[str]] = [[]]
    size = 0
    for stem in sorted(by_page):
        if size >= JSONLD_BATCH:
            batches.append([])
            size = 0
        batches[-1].append(stem)
        size += by_page[stem].size
    return [b for b in batches if b]


def description_files(by_page: dict[str, list[ox.Quad]], shipped: dict[str, Any]
                      ) -> dict[str, bytes]:
    """Each page's triples as Turtle, N-Triples, RDF/XML and JSON-LD (all pages' JSON-LD
    compacted with the shipped context at once, so the context is processed once)."""
    out: dict[str, bytes] = {}
    for stem, found in sorted(by_page.items()):
        ordered = Ordered(found)
        for syntax in SHIPPED_SYNTAXES:
            if syntax is not ox.RdfFormat.JSON_LD:
                out[f"{stem}.{syntax.file_extension}"] = ordered.write(syntax.file_extension)
    documents = compacted_documents(
        b"".join(out[f"{stem}.nt"] for stem in sorted(by_page)), shipped,
        lambda iri: page_path(split_fragment(iri)[0]).removesuffix(".html"))
    out.update((f"{stem}.jsonld", document) for stem, document in documents.items())
    return out
