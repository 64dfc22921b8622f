"""The static documentation site (dist/site/): index, ontology and shapes references, country
profiles, the source text with its passages, a page per country of its facts, a page per other
resource, and SVG diagrams.

Every link is relative, so the site works from file:// and from any web server; nothing is
fetched from the network and there is no JavaScript. The output depends only on the project
and the release (never the clock), so two builds are byte-identical.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from markupsafe import Markup
from rdflib import URIRef
from rdflib.term import Node

from ccbkg.core.memory import release_free_memory
from ccbkg.core.namespaces import CCB
from ccbkg.core.processes import CORES, forked, processes_for
from ccbkg.project.layout import Role
from ccbkg.project.load import LoadedProject
from ccbkg.project.query_headers import parse_header
from ccbkg.rdf.jsonld import context as jsonld_context
from ccbkg.rdf.void import Release
from ccbkg.site import diagrams
from ccbkg.site.asof import as_of_page
from ccbkg.site.bundled import BundledQueries
from ccbkg.site.comparison import comparison_page
from ccbkg.site.context import Site
from ccbkg.site.diagrams import Drawing, Event
from ccbkg.site.frameworks import frameworks_page
from ccbkg.site.home import (
    COUNTRIES_PAGE,
    QUERY_FOLDER,
    SOURCES_PAGE,
    Example,
    countries_page,
    downloads,
    index_page,
    release_words,
    resources_page,
    sources_page,
)
from ccbkg.site.links import Linker, place, relative, split_fragment
from ccbkg.site.markup import Frame, Page, figure, html
from ccbkg.site.ontology_ref import anchored_terms, ontology_page
from ccbkg.site.profile import (
    INLINE,
    at_a_glance,
    counterparty_section,
    forums_by_country,
    identity,
    network_file,
    profile_countries,
    profile_section,
)
from ccbkg.site.resources import (
    Described,
    Extra,
    description_batches,
    description_files,
    descriptions_by_page,
    facts_page,
    passage_note,
    resource_page,
)
from ccbkg.site.shapes_ref import shape_iris, shapes_page
from ccbkg.site.source_page import TEXT_FOLDER, cited_documents, source_section
from ccbkg.site.view import View, sort_key

__all__ = ["site_files", "write_site"]

DIAGRAMS = "diagrams"
# The cross-country timeline and the network of every agreement are drawn up to this many
# countries with a profile (a lane or a hub each); above, nobody could read them, and each
# country's profile has its own network and timeline.
WHOLE_GRAPH_COUNTRIES = 40
# Pages rendered by one job: few enough that what waits to be written stays small (about
# 2 MiB of pages), enough that sending them costs nothing next to rendering them.
PAGES_PER_JOB = 200


def write_site(loaded: LoadedProject, out: Path, release: Release,
               artefacts: Mapping[str, bytes] | None = None) -> list[str]:
    """Write the site into out (a new folder) and return the written paths, relative to out.

    artefacts are the release files beside the site (name relative to dist/ -> bytes); the
    index links and describes them. Each file is written as soon as it is made, so that the
    site is never all in memory at once (16 GiB of pages at 10,000x).
    """
    written = []
    folders: set[Path] = set()
    for name, data in site_files(loaded, release, artefacts or {}):
        path = out / name
        if path.parent not in folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            folders.add(path.parent)
        path.write_bytes(data)
        written.append(name)
    return sorted(written)


def site_files(loaded: LoadedProject, release: Release,
               artefacts: Mapping[str, bytes]) -> Iterator[tuple[str, bytes]]:
    """Every file of the site as (path relative to the site folder, bytes): the diagrams,
    queries and texts first, then the pages and descriptions as the pool renders them."""
    view = View(loaded.triples(Role.ONTOLOGY, Role.VOCAB, Role.DATA))
    shapes = View(loaded.triples(Role.SHAPES))
    pages = {split_fragment(str(n))[0] for n in view.data_nodes}
    linker = Linker(pages, anchored_terms(view), shape_iris(shapes))
    site = Site(view, shapes, linker, release, [],
                texts={p.name: read for p, read in loaded.source_texts().items()
                       if isinstance(read, bytes)})  # the bytes the checks verified
    site.profiles = profile_countries(site)
    out: dict[str, bytes] = {"style.css": files("ccbkg.site").joinpath("style.css").read_bytes()}

    def draw(name: str, drawing: Drawing | None) -> None:
        if drawing is not None:
            out[name] = drawing.svg.encode("utf-8")
            site.diagram_sizes[name] = (drawing.width, drawing.height)

    def href(node: Node) -> str | None:
        """A link from a diagram (all lie in the diagrams folder) to a node in this site."""
        target = linker.target(node)
        return relative(f"{DIAGRAMS}/any.svg", target) if target is not None else None

    draw(f"{DIAGRAMS}/ontology.svg", diagrams.ontology_diagram(view, href))
    agreements = view.instances(CCB.Agreement)
    whole = len(site.profiles) <= WHOLE_GRAPH_COUNTRIES
    if whole:
        draw(f"{DIAGRAMS}/agreements.svg", diagrams.network_diagram(
            view, agreements, "Agreements: who has an agreement with whom", href))
        draw(f"{DIAGRAMS}/timeline.svg", diagrams.timeline_diagram(
            timeline_events(site), [view.label(c) for c in site.profiles] + ["Other"],
            "Cross-country timeline of dated facts", href))
    every = set(agreements)
    for country in site.profiles:
        own = sorted(every & view.involved_cached(country), key=sort_key)
        draw(network_file(site, country), diagrams.network_diagram(
            view, own, f"Agreements of {view.label(country)}", href))

    examples = _examples(loaded)
    for ex in examples:
        out[f"{QUERY_FOLDER}/{ex.name}.rq"] = ex.text.encode("utf-8")
    for name, data in sorted(site.texts.items()):
        out[f"{TEXT_FOLDER}/{name}"] = data
    changelog_file = loaded.project.root / "CHANGELOG.md"
    changelog = loaded.project.read_text(changelog_file) \
        if os.path.lexists(changelog_file) else None
    documents = cited_documents(site)
    bundled = BundledQueries(loaded)

    static: list[Callable[[], Page]] = [  # the pages of the site as a whole
        lambda: index_page(site, artefacts, examples, changelog, _pictures(site), documents),
        lambda: ontology_page(site, site.diagram_sizes.get(f"{DIAGRAMS}/ontology.svg"),
                              downloads("ontology.html", artefacts, "ontology/")),
        lambda: shapes_page(site, _file_order(loaded, Role.SHAPES),
                            downloads("shapes.html", artefacts, "shapes/")),
        lambda: resources_page(site), lambda: countries_page(site),
        lambda: sources_page(site, documents),
    ]
    frame = _frame(site, release_words(site, changelog))
    # The pages of the bundled queries' answers are made here, so that their store (4 GiB at
    # 10,000x) is freed before the processes that render the rest are forked; side by side,
    # as pyoxigraph evaluates a query without holding Python's lock.
    with ThreadPoolExecutor(CORES) as threads:
        asked = threads.submit(bundled.rows, "forums")
        made = [threads.submit(make, site, bundled)
                for make in (comparison_page, frameworks_page, as_of_page)]
        forums = forums_by_country(asked.result())
        for page in (m.result() for m in made):
            out[page.path] = frame.render(page)
    del bundled, asked
    release_free_memory(loaded.size())

    def profile_extra(site: Site, path: str, iri: URIRef) -> Markup:
        """A country's identity and profile sections, with its forums from the query."""
        return identity(site, path, iri) + profile_section(site, path, iri,
                                                           forums.get(iri, []))

    sources = frozenset(documents)

    def extra(node: URIRef) -> Extra | None:
        if site.has_profile(node):
            return profile_extra
        if view.is_a(node, CCB.Country):
            return counterparty_section
        if node in sources:
            return source_section
        if any(view.is_a(node, c) for c in (CCB.Organisation, CCB.Forum, CCB.Initiative,
                                             CCB.Event)):
            return at_a_glance
        return passage_note if view.is_a(node, CCB.Passage) else None

    jobs: dict[str, list[URIRef]] = {}  # page -> the nodes it shows
    for iri in sorted(pages):
        jobs.setdefault(place(iri)[0], []).append(URIRef(iri))
    shipped = json.loads(artefacts["context.jsonld"]) if "context.jsonld" in artefacts else \
        jsonld_context(loaded.quads(Role.ONTOLOGY),
                       loaded.triples(Role.ONTOLOGY, Role.VOCAB, Role.SHAPES, Role.DATA))
    described = descriptions_by_page(loaded.triples(Role.DATA), pages)
    yield from out.items()
    yield from _in_processes(_Work(site, frame, extra, static, jobs, described, shipped),
                             processes_for(loaded.size()))


@dataclass(frozen=True)
class _Work:
    """What the page and description jobs need; the pool's processes inherit it (fork)."""

    site: Site
    frame: Frame
    extra: Callable[[URIRef], Extra | None]
    static: list[Callable[[], Page]]  # the other pages
    pages: dict[str, list[URIRef]]  # page path -> the nodes it shows
    described: dict[str, Described]  # page path without .html -> its triples
    shipped: dict[str, Any]  # the JSON-LD context

    def job(self, job: tuple[str, list[str]]) -> dict[str, bytes]:
        """Pages with their frame, or the description files of a batch of pages."""
        kind, names = job
        if kind == "rdf":
            return description_files({stem: self.described[stem].quads() for stem in names},
                                     self.shipped)
        if kind == "static":
            page = self.static[int(names[0])]()
            return {page.path: self.frame.render(page)}
        out = {}
        for name in names:
            nodes = self.pages[name]
            page = facts_page(self.site, name, nodes, self.extra) if place(str(nodes[0]))[1] \
                else resource_page(self.site, nodes[0], self.extra(nodes[0]))
            out[page.path] = self.frame.render(page)
        return out


def _in_processes(work: _Work, processes: int) -> Iterator[tuple[str, bytes]]:
    """The pages and the descriptions, rendered in a pool of that many processes (forked, so
    they share the graph view instead of pickling it), each file given as soon as its job is
    done (the order of the files differs from run to run; each file's bytes do not)."""
    # One job is a batch of descriptions (some 20,000 triples: megabytes of files) or a few
    # pages, so that what a job gives back, and what waits to be written, stays small; the
    # descriptions first, so that the pool does not end on its largest jobs.
    pages = sorted(work.pages)
    size = max(1, min(len(pages) // (processes * 8), PAGES_PER_JOB))
    jobs: list[tuple[str, list[str]]] = [("static", [str(i)]) for i in range(len(work.static))]
    jobs += [("rdf", stems) for stems in description_batches(work.described)]
    jobs += [("page", pages[i:i + size]) for i in range(0, len(pages), size)]
    with forked(work.job, processes if len(jobs) > 1 else 1) as pool:
        for found in pool.as_done(jobs):
            yield from found.items()


def timeline_events(site: Site) -> list[Event]:
    """Every dated fact, in the lane of each profile country it involves (else "Other")."""
    view = site.view
    lanes_of: dict[Node, list[str]] = {}  # node -> the profile countries it involves
    for country in site.profiles:
        for node in view.involved_cached(country):
            lanes_of.setdefault(node, []).append(view.label(country))
    events = []
    for node in view.data_nodes:
        if "#" in str(node) or any(view.is_a(node, c) for c in INLINE):
            continue
        found = view.dated(node)
        if found is None:
            continue
        for lane in lanes_of.get(node) or ["Other"]:
            events.append(Event(found[0], view.label(node), lane, node))
    return events


def _pictures(site: Site) -> list[Markup]:
    out = []
    if len(site.profiles) > WHOLE_GRAPH_COUNTRIES:
        out.append(html("<p>With {} countries the cross-country timeline and the network of "
                        "every agreement are not drawn (they are drawn up to {}); each "
                        "country's profile has its own.</p>\n", len(site.profiles),
                        WHOLE_GRAPH_COUNTRIES))
    size = site.diagram_sizes.get(f"{DIAGRAMS}/timeline.svg")
    if size:
        out.append(figure(
            f"{DIAGRAMS}/timeline.svg",
            "Timeline with one lane per country: each dated fact with its label, a dot at its "
            "day or a bar over the year or month when the source gives no more. The country "
            "profiles list the same facts under Timeline.",
            "Dated facts across countries, at the precision the source gives.",
            width=size[0], height=size[1]))
    size = site.diagram_sizes.get(f"{DIAGRAMS}/agreements.svg")
    if size:
        out.append(figure(
            f"{DIAGRAMS}/agreements.svg",
            "Network of agreements: the party with most agreements in the centre, a line to each "
            "counterparty; solid green lines are signed agreements, dashed orange lines "
            "agreements under negotiation. The country profiles list them in tables.",
            "Who has an agreement with whom, signed or under negotiation.",
            width=size[0], height=size[1]))
    return out


def _examples(loaded: LoadedProject) -> list[Example]:
    out = []
    for q in loaded.queries:
        if q.file.role is not Role.QUERY:
            continue
        info = parse_header(q.text, q.file.path.stem, strict=False)
        out.append(Example(info.name, info.title or info.name, info.question, info.description,
                           [f"{p.name} ({p.type.value}, default {p.default}): {p.description}"
                            for p in info.params], q.text))
    return sorted(out, key=lambda e: e.name)


def _file_order(loaded: LoadedProject, role: Role) -> dict[str, int]:
    """Where each subject IRI first appears in the files of a role (the authored order)."""
    order: dict[str, int] = {}
    for f in loaded.of(role):
        for q in f.quads():
            if isinstance(q.subject, ox.NamedNode):
                order.setdefault(q.subject.value, len(order))
    return order


def _frame(site: Site, release: str) -> Frame:
    """The frame of every page; its navigation is the same however large the graph grows."""
    nav = [("index.html", "Home"), (COUNTRIES_PAGE, "Countries"), ("comparison.html", "Compare"),
           ("frameworks.html", "By framework"), ("as-of.html", "Over time"),
           (SOURCES_PAGE, "Sources"), ("ontology.html", "Ontology"), ("shapes.html", "Shapes"),
           ("resources.html", "Resources")]
    footer = html("ccbkg {}. Ontology, vocabularies, shapes and data under CC BY 4.0. "
                  "Generated offline by <code>ccbkg build</code>.", release)
    return Frame("ccbkg", tuple(nav), footer, (
        ("index.html#downloads", "Downloads"), ("index.html#cite", "How to cite"),
        ("index.html#licence", "Licence")), within=(("id/country/", COUNTRIES_PAGE),))
