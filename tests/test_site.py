"""The static site (dist/site/): complete, linked, accessible, offline, and right in a real
browser.

The static tests read the generated files. The browser tests drive headless Chromium (Debian
package `chromium`) over the DevTools protocol on a pipe (--remote-debugging-pipe: no
websocket library needed): every page and diagram is loaded from file:// at desktop and phone
width, and console errors, failed loads, horizontal overflow and image sizes are collected.
Screenshots of the country profiles are written to build/screenshots/ (or $CCBKG_SCREENSHOTS)
with Chromium's --screenshot. Without Chromium those tests are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import csv
import html
import json
import os
import random
import re
import select
import shutil
import struct
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

import ccbkg.site as site_module
from ccbkg.core.namespaces import CCB, OA
from ccbkg.project.layout import Project, Role
from ccbkg.project.load import load
from ccbkg.rdf.void import Release
from ccbkg.site import diagrams, site_files, write_site
from ccbkg.site.diagrams import Event, Rows
from ccbkg.site.links import node_target
from ccbkg.site.profile import INLINE
from ccbkg.site.source_page import Placed, highlighted, overlaps
from ccbkg.site.view import PLAIN_NAMES, Dated, written_date, written_number
from tests.conftest import REPO, copy_sources, run_cli

DATA_NS = "https://w3id.org/ccbkg/id/"
IN_YEAR = URIRef("http://www.w3.org/2006/time#inXSDgYear")
PROFILES = ("JPN", "ALB", "CAN")
SCREENSHOTS = Path(os.environ.get("CCBKG_SCREENSHOTS", REPO / "build" / "screenshots"))
CHROMIUM = os.environ.get("CCBKG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
PHONE = (390, 844)
DESKTOP = (1280, 900)


# ------------------------------------------------------------------------------ the build


@pytest.fixture(scope="session")
def site(built: Path) -> Path:
    return built / "site"


@pytest.fixture(scope="session")
def data() -> Graph:
    sources = load(Project.discover(REPO))
    return sources.graph(Role.ONTOLOGY, Role.VOCAB, Role.DATA)


def pages(site: Path) -> list[Path]:
    found = sorted(site.rglob("*.html"))
    assert len(found) > 40, f"only {len(found)} pages in {site}"
    return found


def page_of(site: Path, iri: str) -> Path:
    """The page that shows an instance IRI: its own, or its country's page of facts."""
    return site / node_target(iri).partition("#")[0]


def anchor_of(iri: str) -> str:
    """Where on its page an instance IRI is shown ("" at the top of a page of its own)."""
    return node_target(iri).partition("#")[2]


# ------------------------------------------------------------------------------ HTML parsing


@dataclass
class Parsed:
    """What the checks need from one HTML file."""

    ids: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (tag.attr, value)
    headings: list[int] = field(default_factory=list)
    images: list[dict[str, str | None]] = field(default_factory=list)
    scripts: int = 0
    handlers: list[str] = field(default_factory=list)
    lang: str | None = None
    title: str = ""
    viewport: bool = False
    text_by_class: dict[str, str] = field(default_factory=dict)
    source_text: str = ""


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = Parsed()
        self._in_title = False
        self._stack: list[tuple[str, list[str]]] = []
        self._in_source = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.out.ids.append(str(a["id"]))
        for key in ("href", "src"):
            if a.get(key) is not None:
                self.out.links.append((f"{tag}.{key}", str(a[key])))
        self.out.handlers += [k for k in a if k.startswith("on")]
        if re.fullmatch(r"h[1-6]", tag):
            self.out.headings.append(int(tag[1]))
        if tag == "img":
            self.out.images.append(a)
        if tag == "script":
            self.out.scripts += 1
        if tag == "html":
            self.out.lang = a.get("lang")
        if tag == "title":
            self._in_title = True
        if tag == "meta" and a.get("name") == "viewport":
            self.out.viewport = True
        classes = (a.get("class") or "").split()
        if (tag == "div" and "source-text" in classes) or self._in_source:
            self._in_source += 1
        if tag not in ("img", "meta", "link", "br", "input"):
            self._stack.append((tag, classes))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if self._stack:
            self._stack.pop()
        if self._in_source:
            self._in_source -= 1

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.out.title += data
        if self._in_source:
            in_marker = any(t == "a" and "pm" in c for t, c in self._stack)
            if not in_marker:
                self.out.source_text += data
            for _, classes in self._stack:
                for c in classes:
                    if c.startswith("c-"):
                        self.out.text_by_class[c] = self.out.text_by_class.get(c, "") + data


def parse(path: Path) -> Parsed:
    """The page parsed (once while the file stays the same: many nodes share a page)."""
    stat = path.stat()
    return _parsed(path, stat.st_mtime_ns, stat.st_size)


@cache
def _parsed(path: Path, _mtime: int, _size: int) -> Parsed:
    parser = _Parser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.out


# ------------------------------------------------------------------------------ static checks


def test_site_has_index_references_profiles_source_and_diagrams(site: Path) -> None:
    for name in ("index.html", "ontology.html", "shapes.html", "resources.html", "style.css",
                 "diagrams/ontology.svg", "diagrams/agreements.svg", "diagrams/timeline.svg"):
        assert (site / name).is_file(), name
    for code in PROFILES:
        assert (site / "id" / "country" / f"{code}.html").is_file()
    index = (site / "index.html").read_text(encoding="utf-8")
    for needle in ("Downloads", "Licence", "How to cite", "Version and changes",
                   "Example queries", "../ontology/ccb.ttl", "../data/ccbkg-data.ttl",
                   "creativecommons.org/licenses/by/4.0"):
        assert needle in index, needle


def test_every_link_and_anchor_resolves(site: Path) -> None:
    dist = site.parent
    cache: dict[Path, set[str]] = {}
    broken = []
    checked = 0
    for page in [*pages(site), *sorted(site.rglob("*.svg"))]:
        for attr, value in parse(page).links:
            if value.startswith(("http://", "https://", "mailto:")):
                assert attr == "a.href", f"{page}: {attr}={value} loads from the network"
                continue
            assert not value.startswith(("/", "file:", "//")), f"{page}: {value} is not relative"
            parts = urlsplit(value)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            checked += 1
            if not target.is_file() or dist.resolve() not in target.parents:
                broken.append(f"{page.relative_to(site)}: {value}")
                continue
            if parts.fragment and target.suffix == ".html":
                if target not in cache:
                    cache[target] = set(parse(target).ids)
                if unquote(parts.fragment) not in cache[target]:
                    broken.append(f"{page.relative_to(site)}: {value} (no such anchor)")
    assert checked > 1000
    assert broken == []


def test_no_javascript_and_nothing_remote(site: Path) -> None:
    for page in pages(site):
        parsed = parse(page)
        assert parsed.scripts == 0, page
        assert parsed.handlers == [], page
    for svg in site.rglob("*.svg"):
        text = svg.read_text(encoding="utf-8")
        assert "<script" not in text and "http://" not in text.replace(
            "http://www.w3.org/2000/svg", ""), svg
    css = (site / "style.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css


def test_pages_are_accessible_in_structure(site: Path) -> None:
    problems = []
    for page in pages(site):
        p = parse(page)
        name = page.relative_to(site).as_posix()
        if p.headings.count(1) != 1 or p.headings[0] != 1:
            problems.append(f"{name}: needs exactly one h1, first")
        for before, after in zip(p.headings, p.headings[1:], strict=False):
            if after > before + 1:
                problems.append(f"{name}: h{before} followed by h{after}")
        if p.lang != "en" or not p.title.strip() or not p.viewport:
            problems.append(f"{name}: lang, title or viewport missing")
        if len(set(p.ids)) != len(p.ids):
            problems.append(f"{name}: duplicate ids")
        for img in p.images:
            if not (img.get("alt") or "").strip():
                problems.append(f"{name}: image {img.get('src')} without alt text")
    assert problems == []


def test_diagrams_are_accessible_svg(site: Path) -> None:
    svgs = sorted(site.rglob("*.svg"))
    assert len(svgs) >= 4
    ns = {"svg": "http://www.w3.org/2000/svg"}
    for svg in svgs:
        root = ET.parse(svg).getroot()
        assert root.get("role") == "img" and root.get("aria-label"), svg
        title = root.find("svg:title", ns)
        assert title is not None and (title.text or "").strip(), svg
        assert float(root.get("width", "0")) > 100 and float(root.get("height", "0")) > 100
    referenced = {v for page in pages(site) for a, v in parse(page).links if a == "img.src"}
    assert {Path(v).name for v in referenced} >= {s.name for s in svgs}


def test_every_resource_is_shown_on_a_page_with_its_rdf(site: Path, data: Graph) -> None:
    subjects = {str(s) for s in data.subjects() if str(s).startswith(DATA_NS)}
    assert len(subjects) > 100
    for iri in sorted(subjects):
        page = page_of(site, iri)
        assert page.is_file(), iri
        if anchor_of(iri):
            assert anchor_of(iri) in parse(page).ids, iri
        for ext in ("ttl", "nt", "rdf", "jsonld"):
            assert page.with_suffix(f".{ext}").is_file(), f"{iri}: no .{ext}"
    assert anchor_of(DATA_NS + "agreement/alb-ncirc-mou-2013#time") == \
        "agreement-alb-ncirc-mou-2013.time"
    description = Graph().parse(site / "id" / "facts" / "alb.ttl")
    mou = URIRef(DATA_NS + "agreement/alb-ncirc-mou-2013")
    assert set(description.predicate_objects(mou)) == set(data.predicate_objects(mou))


def test_resource_page_lists_every_property_with_labels(site: Path, data: Graph) -> None:
    mou = URIRef(DATA_NS + "agreement/alb-ncirc-mou-2013")
    text = html.unescape(page_of(site, str(mou)).read_text(encoding="utf-8"))
    for p, o in data.predicate_objects(mou):
        label = PLAIN_NAMES.get(p) or data.value(p, RDFS.label) or data.value(p, SKOS.prefLabel)
        if label is not None:  # capitalised as a heading
            assert str(label)[:1].upper() + str(label)[1:] in text, p
        if isinstance(o, Literal):
            assert str(o) in text, o
        else:
            olabel = data.value(o, RDFS.label) or data.value(o, SKOS.prefLabel) or \
                data.value(o, IN_YEAR)
            assert olabel is not None and str(olabel) in text, o


def test_ontology_page_describes_every_term(site: Path, data: Graph) -> None:
    parsed = parse(site / "ontology.html")
    text = html.unescape((site / "ontology.html").read_text(encoding="utf-8"))
    terms = [t for t in data.subjects(RDF.type, None) if str(t).startswith(str(CCB))
             and str(t) != str(CCB)]
    assert len(terms) > 60
    for term in terms:
        local = str(term)[len(str(CCB)):]
        assert local in parsed.ids, local
        for p in (RDFS.label, SKOS.definition):
            value = data.value(term, p)
            assert value is not None and str(value) in text, (local, p)
    concepts = list(data.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 20
    for c in concepts:
        scheme, key = str(c)[len("https://w3id.org/ccbkg/scheme/"):].split("/")
        assert f"{scheme}-{key}" in parsed.ids, c
    # examples from the data
    assert 'href="id/country/JPN.html"' in (site / "ontology.html").read_text(encoding="utf-8")


def test_shapes_page_explains_every_shape_in_words(site: Path) -> None:
    shapes = load(Project.discover(REPO)).graph(Role.SHAPES)
    parsed = parse(site / "shapes.html")
    text = html.unescape((site / "shapes.html").read_text(encoding="utf-8"))
    sh = "http://www.w3.org/ns/shacl#"
    node_shapes = list(shapes.subjects(RDF.type, URIRef(sh + "NodeShape")))
    assert len(node_shapes) > 10
    for shape in node_shapes:
        local = str(shape).rsplit("#", 1)[-1]
        assert local in parsed.ids, local
        message = shapes.value(shape, URIRef(sh + "message"))
        if message is not None:  # a value check fills in is in italics, not {?value}
            shown = re.sub(r"\{[?$](\w+)\}", r"<var>\1</var>", str(message))
            assert shown in text, local
    assert not re.search(r"\{[?$]\w+\}", text), "a raw placeholder is shown"
    assert "at least 1 value" in text and "each value is a" in text
    # complex paths in SPARQL form, as `ccbkg check` shows them, each term linked
    assert "ccb:party|ccb:signatory" in re.sub(r"<[^>]+>", "", text)


AGENT_LINKS = ("jurisdiction", "heldBy", "speaker", "funder", "signatory", "party",
               "participant", "collaborator", "actor", "responsibleAgent", "introducedBy",
               "country", "nationalCsirtOf")


@pytest.mark.parametrize("code", PROFILES)
def test_profile_links_every_fact_to_its_passages(site: Path, data: Graph, code: str) -> None:
    country = URIRef(f"{DATA_NS}country/{code}")
    page = page_of(site, str(country))
    parsed = parse(page)
    hrefs = {v for _, v in parsed.links}
    facts = {s for p in AGENT_LINKS for s in data.subjects(CCB[p], country)}
    facts |= {m for p in ("member",) for m in data.subjects(
        URIRef("http://www.w3.org/ns/org#" + p), country)}
    assert len(facts) >= 5, code
    for fact in facts:
        rel = os.path.relpath(page_of(site, str(fact)), page.parent)
        rel += f"#{anchor_of(str(fact))}" if anchor_of(str(fact)) else ""
        assert rel in hrefs, f"{code}: {fact} not linked"
        for passage in data.objects(fact, CCB.citesPassage):
            source = data.value(passage, OA.hasSource)
            anchor = str(passage)[len(DATA_NS):].replace("/", "-")
            target = os.path.relpath(page_of(site, str(source)), page.parent) + "#" + anchor
            assert target in hrefs, f"{code}: {fact} does not link {passage} on the source page"
    for section in ("strategies", "authorities", "agreements", "exercises", "forums",
                    "programmes", "positions", "timeline"):
        assert section in parsed.ids, f"{code}: no {section} section"


def test_albania_profile_shows_agreements_with_status_date_and_counterparties(
        site: Path, data: Graph) -> None:
    text = html.unescape(page_of(site, DATA_NS + "country/ALB").read_text(encoding="utf-8"))
    agreements = list(data.subjects(CCB.party, URIRef(DATA_NS + "country/ALB")))
    assert len(agreements) >= 5
    for a in agreements:
        assert str(data.value(a, RDFS.label)) in text
        status = data.value(a, CCB.agreementStatus)
        assert str(data.value(status, SKOS.prefLabel)) in text
        for party in data.objects(a, CCB.party):
            assert str(data.value(party, RDFS.label)) in text
    assert "2013" in text and "agreements-alb.svg" in text


def test_profile_forums_list_every_forum_the_bundled_query_gives(site: Path) -> None:
    """Each profile's forums section names every forum, organisation and alliance that
    `ccbkg query run forums` gives for the country (statements, initiatives, memberships, ...),
    with the fact it rests on; Canada's OEWG statements and OSCE initiatives among them."""
    result = run_cli("query", "run", "forums", "--format", "csv")
    assert result.code == 0, result.err
    expected: dict[str, set[tuple[str, str]]] = {}
    for row in csv.DictReader(result.out.splitlines()):
        expected.setdefault(row["country"], set()).add((row["forum"], row["node"]))
    assert {"oewg", "osce"} <= {f.rsplit("/", 1)[1] for f, _ in expected[DATA_NS + "country/CAN"]}
    for code in PROFILES:
        text = page_of(site, DATA_NS + f"country/{code}").read_text(encoding="utf-8")
        section = text.partition('<section id="forums">')[2].partition("</section>")[0]
        assert section, f"{code}: no forums section"
        titles = set(re.findall(r'title="([^"]+)"', section))
        for forum, node in sorted(expected[DATA_NS + f"country/{code}"]):
            assert {forum, node} <= titles, f"{code}: {forum} through {node} not listed"
    canada = page_of(site, DATA_NS + "country/CAN").read_text(encoding="utf-8")
    assert "Forums and memberships" not in canada.partition('<p class="none">')[2].partition(
        "</p>")[0]


def test_japan_profile_quotes_its_statements(site: Path, data: Graph) -> None:
    text = html.unescape(page_of(site, DATA_NS + "country/JPN").read_text(encoding="utf-8"))
    quotes = [str(q) for s in data.subjects(CCB.speaker, URIRef(DATA_NS + "country/JPN"))
              for q in data.objects(s, CCB.quote)]
    assert quotes
    for q in quotes:
        assert q in text


def test_a_hedged_link_shows_its_hedge_on_the_link(site: Path, data: Graph) -> None:
    """Issue 18: a hedge ("reportedly") qualifies the link it hedges. The document's page and
    the country profile show the qualified link's words before the link's target; the
    profile shows no row of its own for the qualified link."""
    regulation = URIRef(DATA_NS + "regulation/alb-electricity-cybersecurity-2020")
    (inclusion,) = data.objects(regulation, CCB.qualifiedPartOfInitiative)
    target = data.value(inclusion, CCB.initiative)
    assert (regulation, CCB.partOfInitiative, target) in data
    shown = (f"part of initiative (reportedly; only the first of many planned initiatives) "
             f"{data.value(target, RDFS.label)}").lower()
    for page in (page_of(site, str(regulation)), page_of(site, DATA_NS + "country/ALB")):
        words = " ".join(" ".join(prose(page).words).split()).lower()
        assert shown in words, page
    profile = " ".join(prose(page_of(site, DATA_NS + "country/ALB")).words).lower()
    assert "qualified part of initiative" not in profile


def test_source_page_keeps_the_text_and_anchors_every_passage(site: Path, data: Graph) -> None:
    for doc in data.subjects(RDF.type, CCB.SourceDocument):
        name = str(data.value(doc, CCB.fileName))
        text = (REPO / "instances" / "sources" / name).read_text(encoding="utf-8")
        parsed = parse(page_of(site, str(doc)))
        assert parsed.source_text == text
        passages = list(data.subjects(OA.hasSource, doc))
        assert len(passages) > 10
        for p in passages:
            assert str(p)[len(DATA_NS):].replace("/", "-") in parsed.ids, p
        # each passage's highlighted pieces spell its exact quote
        numbered = sorted(passages, key=lambda p: (_offsets(data, p)[0], -_offsets(data, p)[1],
                                                   str(p)))
        for n, p in enumerate(numbered, start=1):
            start, end = _offsets(data, p)
            assert parsed.text_by_class.get(f"c-{n}") == text[start:end], p
        assert (site / "sources" / name).read_bytes() == (
            REPO / "instances" / "sources" / name).read_bytes()


NAV = ["Home", "Countries", "Compare", "By framework", "Over time", "Sources", "Ontology",
       "Shapes", "Resources"]
# A prefixed name of a vocabulary the graph uses, as it would stand in prose.
CURIE_IN_PROSE = re.compile(r"\b(ccb|xsd|skos|time|org|prov|schema|dcterms|oa|rdfs|owl|rdf):"
                            r"[A-Za-z]")


class _Prose(HTMLParser):
    """The words of a page's main content a reader reads as prose: no code, IRIs or BibTeX."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.nav: list[str] = []
        self._skip = 0
        self._in = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("code", "pre", "style", "title"):
            self._skip += 1
        if tag == "nav" and dict(attrs).get("aria-label") == "Site":
            self._in = "nav"
        if tag == "main":
            self._in = "main"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "pre", "style", "title"):
            self._skip -= 1
        if (tag, self._in) in (("nav", "nav"), ("main", "main")):
            self._in = ""

    def handle_data(self, data: str) -> None:
        if self._in == "nav" and data.strip():
            self.nav.append(data.strip())
        elif self._in == "main" and not self._skip:
            self.words.append(data)


def prose(page: Path) -> _Prose:
    parser = _Prose()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_navigation_is_the_same_short_list_on_every_page(site: Path) -> None:
    navs = {page.relative_to(site).as_posix(): prose(page).nav for page in pages(site)}
    assert {name: nav for name, nav in navs.items() if nav != NAV} == {}
    countries = parse(site / "countries.html")
    sources = (site / "sources.html").read_text(encoding="utf-8")
    for code in PROFILES:
        assert f"id/country/{code}.html" in {v for _, v in countries.links}, code
    assert "Bibliographic record" not in sources and "SHA-256 of the file" in sources


def test_the_pages_across_countries_are_one_tap_away_and_the_home_contents_in_page_order(
        site: Path) -> None:
    """The comparison, the facts by framework and the as-of page were linked from the footer
    only (27 phone screens down the home page); the home page's contents listed its sections
    in another order than the page's; a profile marked no item of the navigation."""
    index = parse(site / "index.html")
    for target in ("comparison.html", "frameworks.html", "as-of.html"):
        assert target in {v for _, v in index.links}, target
    text = (site / "index.html").read_text(encoding="utf-8")
    toc = re.findall(r'<a href="#([a-z]+)">', text.partition('aria-label="On this page"')[2]
                     .partition("</nav>")[0])
    assert toc == re.findall(r'<h2 id="([a-z]+)">', text), toc
    for page, current in (("id/country/ALB.html", "Countries"), ("comparison.html", "Compare"),
                          ("as-of.html", "Over time"), ("index.html", "Home")):
        marked = re.findall(r'aria-current="page">([^<]+)<', (site / page).read_text("utf-8"))
        assert marked == [current], (page, marked)
    comparison = (site / "comparison.html").read_text(encoding="utf-8")
    assert '<a href="id/country/JPN.html#norms">3</a>' in comparison
    for code in PROFILES:  # each count leads to a section that lists facts
        page = (site / "id" / "country" / f"{code}.html").read_text(encoding="utf-8")
        for section in set(re.findall(rf'href="id/country/{code}\.html#([a-z]+)"',
                                      comparison)):
            assert f'<section id="{section}">' in page, (code, section)
        # Japan's norms counted 2 (the principles it introduced and the one it opposes) and
        # linked to a section that listed 2 others (the principles it introduced)
        norms = re.search(rf'<a href="id/country/{code}\.html#norms">(\d+)</a>', comparison)
        badge = re.search(r'<a href="#norms">Norms and principles</a> \((\d+)\)', page)
        assert (norms and norms[1]) == (badge and badge[1]), code
    # a country with no profile: its counts lead to the facts that involve it
    assert '<a href="id/country/SRB.html#involved">1</a>' in comparison
    assert '<section id="involved">' in (site / "id/country/SRB.html").read_text("utf-8")


def test_a_country_without_a_profile_says_so_and_lists_the_facts_that_involve_it(
        site: Path) -> None:
    """Kosovo's page (linked from the comparison) was a bare table of properties: nothing
    said why it had no profile, nor named Albania's MoU with Kosovo's national CERT."""
    kosovo = html.unescape((site / "id" / "country" / "kosovo.html").read_text("utf-8"))
    assert "No profile of Kosovo: the sources curated so far do not describe what it does" \
        in kosovo
    involved = kosovo.partition('<section id="involved">')[2].partition("</section>")[0]
    assert "MoU between Albania and the National CERT of Kosovo" in involved, involved
    assert 'id="profile"' not in (site / "id" / "country" / "ALB.html").read_text("utf-8")


def test_reference_pages_read_as_english(site: Path) -> None:
    """"each value is a org:Organization" (16 times), a lone " · " opening a line of the term
    indexes on a phone, a page titled "Resources keyed “ise-…”" for the Ise-Shima
    Principles, and a profile's Sources (the country's own five passages) under a lead that
    counted twelve."""
    shapes = (site / "shapes.html").read_text(encoding="utf-8")
    assert not re.search(r"is a <a [^>]*>[aeiou]", shapes)
    assert "each value is in the class" in shapes
    for page in ("shapes.html", "ontology.html"):
        text = (site / page).read_text(encoding="utf-8")
        indexes = re.findall(r'<p class="term-index">(.*?)</p>', text, re.S)
        assert indexes and not any("·" in i for i in indexes), page
    ise = (site / "id" / "facts" / "ise.html").read_text(encoding="utf-8")
    assert "<h1>Enhancement of cooperation on CCB; Ise-Shima Principles</h1>" in ise, ise
    albania = (site / "id" / "country" / "ALB.html").read_text(encoding="utf-8")
    assert "(its properties above; each fact of the profile cites its own passages, linked " \
        "from it)" in albania
    # "says who?": the seed text's record gives no author, publisher, date or address
    sources = (site / "sources.html").read_text(encoding="utf-8")
    for field_name in ("Author", "Publisher", "Published", "Web address"):
        assert f'<dt>{field_name}</dt><dd><span class="none">not recorded</span></dd>' in \
            sources.replace("\n", ""), field_name


def test_every_source_has_its_bibliographic_record(site: Path, data: Graph) -> None:
    for doc in data.subjects(RDF.type, CCB.SourceDocument):
        text = html.unescape(page_of(site, str(doc)).read_text(encoding="utf-8"))
        assert 'id="bibliographic"' in text
        for p in (URIRef("http://purl.org/dc/terms/title"), CCB.fileName, CCB.sha256):
            assert str(data.value(doc, p)) in text, (doc, p)


def test_every_resource_page_has_a_cite_box_with_its_iri_and_passages(
        site: Path, data: Graph) -> None:
    """Each node with a page of its own, and each fact in its section of its country's page,
    has a "Cite this" box naming its IRI and its passages, headed "Cite this resource" on a
    page of its own (a country, an organisation: "Cite this fact" there read oddly) and
    "Cite this fact" in a fact's section."""
    checked = 0
    nodes = sorted({str(s) for s in data.subjects() if str(s).startswith(DATA_NS)
                    and "#" not in str(s)})
    grouped = 0
    for iri in nodes:
        page, _, anchor = node_target(iri).partition("#")
        text = html.unescape((site / page).read_text(encoding="utf-8"))
        if anchor:
            grouped += 1
            text = text.partition(f'<section class="node" id="{anchor}">')[2]
            assert text, f"{iri}: no section #{anchor} on {page}"
            box = text.partition('<section class="cite-box">')[2].partition("</section>")[0]
            assert box.startswith("<h3>Cite this fact</h3>"), (iri, box[:40])
        else:
            box = text.partition('<section class="cite-box" id="cite">')[2].partition(
                "</section>")[0]
            assert box.startswith("<h2>Cite this resource</h2>"), (iri, box[:40])
        assert box, f"{iri}: no cite box"
        assert box.count(iri) >= 3, f"{iri}: the IRI is not in the IRI line, text and BibTeX"
        assert f"url = {{{iri}}}" in box and "@misc{ccbkg-" in box, iri
        for passage in data.objects(URIRef(iri), CCB.citesPassage):
            assert box.count(str(passage)) == 2, f"{iri}: {passage} not cited in both forms"
            checked += 1
    assert checked > 50 and grouped > 50


def test_notes_and_labels_speak_plain_words(site: Path) -> None:
    found = []
    for page in [*sorted((site / "id").rglob("*.html")), site / "index.html",
                 site / "countries.html", site / "sources.html"]:
        words = " ".join(prose(page).words)
        for bad in [*CURIE_IN_PROSE.findall(words), *re.findall(r"has time|in XSD", words)]:
            found.append(f"{page.relative_to(site)}: {bad}")
    assert found == []
    mou = " ".join(" ".join(prose(site / "id" / "facts" / "alb.html").words).split())
    assert "Date 2013" in mou and "Year 2013" in mou


@pytest.mark.parametrize(("lexical", "written"), [
    ("27700000", "27,700,000"), ("-1234567", "-1,234,567"), ("-0.5", "-0.5"), ("12.50", "12.50"),
    ("0", "0"), ("1e6", "1e6"), ("-", "-")])
def test_a_number_has_its_thousands_apart_and_keeps_its_sign(lexical: str, written: str) -> None:
    assert written_number(lexical) == written


@pytest.mark.parametrize(("lexical", "written"), [
    ("2013", "2013"), ("2016-05", "May 2016"), ("2022-05-04", "4 May 2022"),
    ("2016-13", "2016-13"), ("not a date", "not a date")])
def test_a_date_reads_at_its_precision(lexical: str, written: str) -> None:
    assert written_date(lexical) == written


def test_dates_and_amounts_read_as_readers_write_them(site: Path) -> None:
    """Dates were shown as the data writes them ("2016-05 (year and month)") and amounts with
    no thousands apart ("$27.7M (27700000)")."""
    japan = " ".join(" ".join(prose(site / "id" / "country" / "JPN.html").words).split())
    assert "May 2016" in japan and "2016-05" not in japan, japan
    canada = " ".join(" ".join(prose(site / "id" / "country" / "CAN.html").words).split())
    assert "$27.7M (27,700,000)" in canada and "27700000" not in canada
    page = (site / "id" / "country" / "JPN.html").read_text(encoding="utf-8")
    assert '<time datetime="2016-05">May 2016</time>' in page


def test_a_profiles_sections_add_up_to_its_total(site: Path) -> None:
    """The forums section's count was of forums, the others' of facts: Canada's sections
    added up to 13 under a lead of 11 facts."""
    for code in PROFILES:
        page = (site / "id" / "country" / f"{code}.html").read_text(encoding="utf-8")
        total = int(re.search(r"The graph records (\d+) facts", page)[1])  # type: ignore[index]
        toc = page[page.index('aria-label="Profile sections"'):]
        toc = toc[:toc.index("</nav>")]
        badges = re.findall(r">([^<>]+)</a> \(([^)]*)\)", toc)
        facts = 0
        for heading, badge in badges:
            if heading == "Timeline":
                continue
            counted = re.match(r"(\d+)(?: facts?)?(?:, \d+ forums?)?$", badge)
            if counted is None:
                assert re.fullmatch(r"\d+ forums?", badge), (code, heading, badge)
                continue
            facts += int(counted[1])
        assert facts == total, (code, badges)


def test_a_dates_qualifier_stands_beside_it_on_timelines_and_the_as_of_page(
        site: Path, data: Graph) -> None:
    """Albania's "Since 2017" was shown as "2017" on its timeline and the as-of page, as if
    the change had happened that year (the fact cards said it). Only words that name the
    date's year stand beside it: "first-ever" (of Albania's 2020 regulation) qualifies the
    regulation, and read "Date given: 2020 first-ever"."""
    when = URIRef("http://www.w3.org/2006/time#hasTime")
    qualified = [(s, str(q)) for s, q in data.subject_objects(CCB.qualifierAsStated)
                 if data.value(s, when) is not None]
    of_date = [(s, w) for s, w in qualified if re.search(r"\b(19|20)\d\d\b", w)]
    other = [(s, w) for s, w in qualified if (s, w) not in of_date]
    assert of_date and other, qualified
    as_of = html.unescape((site / "as-of.html").read_text(encoding="utf-8"))
    albania = html.unescape((site / "id" / "country" / "ALB.html").read_text(encoding="utf-8"))
    for node, words in of_date:
        assert f"<q>{words}</q>" in as_of, (node, words)
    for node, words in other:
        assert f"<q>{words}</q>" not in as_of, (node, words)
    timeline = albania.partition('<section id="timeline">')[2]
    assert '<time datetime="2017">2017</time> <q>Since 2017</q>' in timeline
    assert "<q>first-ever</q>" not in timeline


def test_profiles_show_the_notes_and_hedges_of_every_fact_and_value_they_show(
        site: Path, data: Graph) -> None:
    """The agreements table left out each agreement's notes ("Currently" refers to the
    source's unstated date) and its "currently negotiating", and an amount or objective shown
    inside a fact left out its own notes (the source names no currency for "$27.7M"): a
    reader took the MoUs as under negotiation today and the amount as US dollars. Every
    editorial note of a fact a profile shows, and of a value shown inside one, is on that
    profile."""
    for code in ("ALB", "CAN", "JPN"):
        page = html.unescape((site / "id" / "country" / f"{code}.html").read_text("utf-8"))
        country = URIRef(f"{DATA_NS}country/{code}")
        facts = set(data.subjects(None, country))
        values = {o for f in facts for o in data.objects(f)  # shown inside a fact only
                  if any((o, RDF.type, c) in data for c in INLINE)}
        for node in facts | values:
            for note in data.objects(node, SKOS.editorialNote):
                assert str(note) in page, (code, node, note)  # "Note: " but in a Notes column
    albania = html.unescape((site / "id" / "country" / "ALB.html").read_text("utf-8"))
    table = albania.partition('<table class="data agreements"')[2].partition("</table>")[0]
    assert ">Notes</th>" in table
    assert "<q>currently negotiating</q>" in table
    assert '"Currently" refers to the unstated date of the source' in table
    assert "Note: " not in table  # the column says so ("Notes: Note: …" on a phone's card)
    canada = html.unescape((site / "id" / "country" / "CAN.html").read_text("utf-8"))
    assert "Note: The source writes \"$27.7M\" and does not name the currency" in canada


def test_empty_profile_sections_are_one_line(site: Path) -> None:
    text = (site / "id" / "country" / "ALB.html").read_text(encoding="utf-8")
    assert text.count('<p class="none">Nothing recorded for Albania under:') == 1
    assert '<span id="norms">Norms and principles</span>' in text
    assert '<h2>Norms and principles</h2>' not in text
    assert "The source records none" not in text


def test_release_line_and_footer_agree_with_the_changelog(site: Path) -> None:
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    version = re.search(r"versionInfo \"([^\"]+)\"",
                        (REPO / "ontology" / "ccb.ttl").read_text(encoding="utf-8"))
    assert version is not None
    heading = next(line[3:].strip() for line in changelog.splitlines()
                   if line.startswith("## ") and line[3:].split(" ", 1)[0] == version.group(1))
    index = html.unescape((site / "index.html").read_text(encoding="utf-8"))
    assert f"Release <strong>{heading}</strong>" in index
    assert f"ccbkg {heading}." in index
    assert f"<p>This is release {heading}.</p>" in index


def test_the_home_pages_long_lists_are_folded(site: Path) -> None:
    """On a phone the changelog and the list of files were some twenty screens of the home
    page: each is folded under a line that says what it holds."""
    index = (site / "index.html").read_text(encoding="utf-8")
    changes = index.partition('<h2 id="changes">')[2].partition("<h2 ")[0]
    assert "<details><summary>The changelog</summary>" in changes
    assert changes.index("<details>") < changes.index("<h3>") < changes.index("</details>")
    downloads = index.partition('<h2 id="downloads">')[2].partition("<h2 ")[0]
    folded = re.search(r"<details><summary>The (\d+) files</summary>", downloads)
    assert folded is not None
    assert downloads.index("<details>") < downloads.index("<table") < downloads.index(
        "</details>")
    assert int(folded[1]) == downloads.count("<tr role=\"row\">") - 1 > 10  # the header row aside


def test_ontology_diagram_alt_text_tells_only_what_is_drawn(site: Path) -> None:
    page = (site / "ontology.html").read_text(encoding="utf-8")
    alt = html.unescape(re.search(r'<img src="diagrams/ontology.svg" alt="([^"]+)"', page)[1])
    svg = (site / "diagrams" / "ontology.svg").read_text(encoding="utf-8")
    arrowheads = re.findall(r'<marker [^>]*><path [^>]*fill="([^"]+)"', svg)
    assert arrowheads and "none" not in arrowheads and "#ffffff" not in arrowheads
    assert "hollow" not in alt, "the diagram draws no hollow arrowheads"
    assert "⊑" in alt and "⊑ " in svg and "labelled arrows" in alt and 'class="rel"' in svg


def test_diagrams_link_their_nodes_and_pages_link_the_full_size_diagram(site: Path) -> None:
    ns = {"svg": "http://www.w3.org/2000/svg"}
    for name, target in (("ontology.svg", "../ontology.html#"),
                         ("agreements.svg", "../id/country/"),
                         ("timeline.svg", "../id/")):
        root = ET.parse(site / "diagrams" / name).getroot()
        links = [a.get("href") or "" for a in root.iter(f"{{{ns['svg']}}}a")]
        assert len(links) >= 3 and all(h.startswith("../") for h in links), name
        assert any(h.startswith(target) for h in links), name
    for page in pages(site):
        text = page.read_text(encoding="utf-8")
        for src in re.findall(r'<img src="([^"]+\.svg)"', text):
            assert f'<a href="{src}"' in text, f"{page}: {src} is not linked full size"


def test_every_cut_diagram_label_keeps_its_full_text_and_a_link(site: Path) -> None:
    """A label a diagram shortens (…) is inside a link whose <title> (the tooltip) has the
    whole text: the timeline's labels can be read in full and followed (issue 19)."""
    svg = "{http://www.w3.org/2000/svg}"
    cut = 0
    for path in sorted((site / "diagrams").glob("*.svg")):
        root = ET.parse(path).getroot()
        parents = {child: parent for parent in root.iter() for child in parent}
        for text in root.iter(f"{svg}text"):
            shown = text.text or ""
            if not shown.endswith("…"):
                continue
            cut += 1
            a = parents.get(text)
            while a is not None and a.tag != f"{svg}a":
                a = parents.get(a)
            assert a is not None and a.get("href"), f"{path.name}: {shown!r} is not a link"
            full = a.findtext(f"{svg}title") or ""
            assert full.startswith(shown[:-1]) and len(full) >= len(shown), \
                f"{path.name}: {shown!r} has no tooltip with its full text ({full!r})"
    assert cut >= 3, "no cut label found: the probe reads nothing"


def _offsets(data: Graph, passage: Any) -> tuple[int, int]:
    for sel in data.objects(passage, OA.hasSelector):
        start, end = data.value(sel, OA.start), data.value(sel, OA.end)
        if start is not None and end is not None:
            return int(str(start)), int(str(end))
    raise AssertionError(f"{passage}: no offsets")


def test_overlapping_and_nested_passages_render_as_flat_marks() -> None:
    text = "Alpha beta gamma delta epsilon."
    spans = [(0, 16), (6, 22), (11, 16), (23, 31)]  # overlap, nested, disjoint
    placed = [Placed(n, URIRef(f"{DATA_NS}passage/p{n}"), a, b, True)
              for n, (a, b) in enumerate(spans, start=1)]
    markup, css = highlighted(text, placed)
    parser = _Parser()
    parser.feed(f'<div class="source-text">{markup}</div>')
    assert parser.out.source_text == text
    for p in placed:
        assert parser.out.text_by_class[f"c-{p.number}"] == text[p.start:p.end]
        assert f'id="passage-p{p.number}"' in markup
        assert f'[id="passage-p{p.number}"]:target ~ .c-{p.number}' in css
    assert 'class="hl d3 c-1 c-2 c-3"' in markup  # three passages cover "gamma"
    assert overlaps(placed) == 3
    assert markup.count("<mark") == 5  # cut at every start and end; " " at 22 is unmarked


def test_overlapping_passage_in_the_data_keeps_the_source_page_right(tmp_path: Path) -> None:
    root = copy_sources(tmp_path / "src")
    text = (root / "instances" / "sources" / "000_311875a826843e54.txt").read_text("utf-8")
    start, end = 60, 140  # across the end of passage 1 and the start of passage 2
    exact = text[start:end]
    with (root / "instances" / "sources.ttl").open("a", encoding="utf-8") as handle:
        handle.write(
            "\npassage:test-overlap a ccb:Passage ;\n"
            '    rdfs:label "A test passage across two others"@en ;\n'
            "    oa:hasSource src:311875a826843e54 ;\n"
            "    oa:hasSelector <https://w3id.org/ccbkg/id/passage/test-overlap#quote>, "
            "<https://w3id.org/ccbkg/id/passage/test-overlap#position> .\n"
            "<https://w3id.org/ccbkg/id/passage/test-overlap#quote> a oa:TextQuoteSelector ;\n"
            f"    oa:exact {json.dumps(exact, ensure_ascii=False)} .\n"
            "<https://w3id.org/ccbkg/id/passage/test-overlap#position> "
            "a oa:TextPositionSelector ;\n"
            f'    oa:start "{start}"^^xsd:nonNegativeInteger ; '
            f'oa:end "{end}"^^xsd:nonNegativeInteger .\n')
    sources = load(Project.discover(root))
    assert not sources.result.findings, sources.result.findings
    files = dict(site_files(sources, Release.from_ontology(sources.quads(Role.ONTOLOGY)), {}))
    out = tmp_path / "site"
    for name, blob in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(blob)
    parsed = parse(out / "id" / "source" / "311875a826843e54.html")
    assert parsed.source_text == text
    assert "passage-test-overlap" in parsed.ids
    assert exact in parsed.text_by_class.values()
    assert "d2" in (out / "id" / "source" / "311875a826843e54.html").read_text("utf-8")


def test_site_files_are_outside_sha256sums_and_void(built: Path) -> None:
    sums = (built / "SHA256SUMS").read_text(encoding="utf-8")
    assert "site/" not in sums
    assert "/site/" not in (built / "void.ttl").read_text(encoding="utf-8")


def test_redirect_table_targets_are_documented(built: Path) -> None:
    with (REPO / "tests" / "fixtures" / "redirects.csv").open(encoding="utf-8") as handle:
        assert any("site/id/country/JPN.html" in r["location"] for r in csv.DictReader(handle))


# ------------------------------------------------------------------------------ the browser


def _chromium_or_skip() -> str:
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"headless Chromium not found at {CHROMIUM}: install the Debian package "
                    "`chromium` (or set CCBKG_CHROMIUM) to run the browser tests")
    return CHROMIUM


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (fds 3 and 4)."""

    def __init__(self, binary: str, profile: Path) -> None:
        cmd_read, self._cmd_write = os.pipe()
        self._res_read, res_write = os.pipe()

        def wire() -> None:  # in the child: commands on fd 3, answers on fd 4
            a, b = os.dup(cmd_read), os.dup(res_write)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.proc = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe"],
            preexec_fn=wire, close_fds=False, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(cmd_read)
        os.close(res_write)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=True)

    def _read(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._res_read], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._res_read, 1 << 16)
            if not chunk:
                raise EOFError("Chromium closed the pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        found: dict[str, Any] = json.loads(message)
        return found

    def call(self, method: str, params: dict[str, Any] | None = None, *, session: bool = False,
             timeout: float = 30) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._cmd_write, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read(timeout)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            self.events.append(answer)

    def load(self, url: str, size: tuple[int, int]) -> None:
        """Load a page at a viewport size and wait for its load event."""
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": size[0], "height": size[1], "deviceScaleFactor": 1,
                   "mobile": size[0] < 600}, session=True)
        self.events.clear()
        self.call("Page.navigate", {"url": url}, session=True)
        deadline = time.monotonic() + 30
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._read(deadline - time.monotonic()))

    def visit(self, url: str, size: tuple[int, int], expression: str) -> tuple[Any, list[str]]:
        """Load a page; the value of expression (run by DevTools) and the errors seen."""
        self.load(url, size)
        value = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                          session=True)["result"].get("value")
        return json.loads(value) if isinstance(value, str) else value, self.errors()

    def dom_without_scripts(self, url: str) -> str:
        """The page's DOM as rendered with JavaScript switched off."""
        self.call("Emulation.setScriptExecutionDisabled", {"value": True}, session=True)
        try:
            self.load(url, DESKTOP)
            root = self.call("DOM.getDocument", session=True)["root"]["nodeId"]
            found: str = self.call("DOM.getOuterHTML", {"nodeId": root},
                                   session=True)["outerHTML"]
            return found
        finally:
            self.call("Emulation.setScriptExecutionDisabled", {"value": False}, session=True)

    def axe(self, url: str, sizes: tuple[tuple[int, int], ...]) -> list[str]:
        """The serious and critical accessibility violations axe-core finds in a page, laid
        out at each size in turn (one load)."""
        self.load(url, sizes[0])
        self.call("Runtime.evaluate", {"expression": AXE.read_text(encoding="utf-8")},
                  session=True)
        violations: list[str] = []
        for i, size in enumerate(sizes):
            self.call("Emulation.setDeviceMetricsOverride",
                      {"width": size[0], "height": size[1], "deviceScaleFactor": 1,
                       "mobile": size[0] < 600}, session=True)
            found = self.call("Runtime.evaluate",
                              {"expression": AXE_RUN % AXE_OPTIONS[min(i, 1)],
                               "awaitPromise": True, "returnByValue": True}, session=True)
            value = found["result"].get("value")
            assert isinstance(value, str), found
            violations += [f"at {size[0]}px: {v}" for v in json.loads(value)]
        return violations

    def errors(self) -> list[str]:
        found = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(f"uncaught: {params['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error",
                                                                                 "assert"):
                found.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(f"{params['entry']['text']} {params['entry'].get('url', '')}")
            elif method == "Network.loadingFailed":
                found.append(f"failed to load: {params.get('errorText')}")
        return found

    def close(self) -> None:
        with contextlib.suppress(EOFError, TimeoutError, OSError, RuntimeError):
            self.call("Browser.close", timeout=10)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._cmd_write)
        os.close(self._res_read)


PAGE_PROBE = """JSON.stringify({
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  scrolledInside: [...document.querySelectorAll('.scroll, table, pre')]
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.className || e.tagName),
  h1: document.querySelectorAll('h1').length,
  mainText: (document.querySelector('main') || document.body).innerText.length,
  images: [...document.images].map(i => [i.getAttribute('src'), i.naturalWidth,
                                         i.naturalHeight, i.getBoundingClientRect().width])
})"""
SVG_PROBE = """(() => {
  const boxes = [...document.querySelectorAll('text')].map(t => [t.textContent,
                                                                 t.getBoundingClientRect()]);
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [s, a] = boxes[i], [u, b] = boxes[j];
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1 && h > 2) overlaps.push(s + ' / ' + u);
    }
  }
  // An arrow (a path or line with a marker at its end) must not run through an arrow's label
  // (text.rel) nor through a box (a rect other than the background; where an arrow starts
  // and ends, it touches its boxes' edges): every point 1 unit apart along it, against the
  // label's or the box's area in SVG units (a box's less a unit all round).
  const labels = [...document.querySelectorAll('text.rel')].map(t => [t.textContent,
                                                                       t.getBBox()]);
  const width = document.documentElement.getBBox().width;
  const rects = [...document.querySelectorAll('rect')].map(r => r.getBBox())
    .filter(b => b.width < width - 1 && b.width > 2 && b.height > 2)
    .map(b => ['box at ' + Math.round(b.x) + ',' + Math.round(b.y),
               {x: b.x + 1, y: b.y + 1, width: b.width - 2, height: b.height - 2}]);
  const arrows = [...document.querySelectorAll('path[marker-end], line[marker-end]')];
  const crossed = [];
  for (const e of arrows) {
    const length = e.getTotalLength();
    for (const [s, b] of [...labels, ...rects]) {
      for (let d = 0; d <= length; d += 1) {
        const p = e.getPointAtLength(d);
        if (p.x > b.x && p.x < b.x + b.width && p.y > b.y && p.y < b.y + b.height) {
          crossed.push(s + ' crossed by ' + (e.getAttribute('d') || '').slice(0, 40));
          break;
        }
      }
    }
  }
  return JSON.stringify({
    width: document.documentElement.getBoundingClientRect().width,
    height: document.documentElement.getBoundingClientRect().height,
    title: (document.querySelector('title') || {}).textContent || '',
    texts: boxes.length, overlaps: overlaps, arrows: arrows.length, labels: labels.length,
    rects: rects.length, crossed: crossed});
})()"""
AXE = REPO / "tests" / "vendor" / "axe-core" / "axe.min.js"
# Colour contrast (the costly rule) is checked at the first width only: the stylesheet's
# colours are the same at every width.
AXE_OPTIONS = ("{resultTypes: ['violations']}",
               "{resultTypes: ['violations'], rules: {'color-contrast': {enabled: false}}}")
AXE_RUN = """axe.run(document, %s).then(r => JSON.stringify(
  r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
   .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(
     n => n.target.join(' ')).join(', '))))"""
# One page of each type: the accessibility engine runs on these at both widths.
PAGE_TYPES = ("index.html", "countries.html", "sources.html", "ontology.html", "shapes.html",
              "resources.html", "id/country/ALB.html", "id/source/311875a826843e54.html",
              "id/facts/alb.html", "id/organisation/nato.html")


@dataclass
class Visit:
    """One page loaded at one size."""

    page: str
    size: tuple[int, int]
    probe: dict[str, Any]
    errors: list[str]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    binary = _chromium_or_skip()
    profile = Path(tempfile.mkdtemp(prefix="ccbkg-chromium-"))
    started = Browser(binary, profile)
    try:
        yield started
    finally:
        started.close()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def visits(site: Path, browser: Browser) -> list[Visit]:
    found: list[Visit] = []
    for page in pages(site):
        for size in (DESKTOP, PHONE):
            probe, errors = browser.visit(page.as_uri(), size, PAGE_PROBE)
            found.append(Visit(page.relative_to(site).as_posix(), size, probe, errors))
    for svg in sorted(site.rglob("*.svg")):
        probe, errors = browser.visit(svg.as_uri(), DESKTOP, SVG_PROBE)
        found.append(Visit(svg.relative_to(site).as_posix(), DESKTOP, probe, errors))
    return found


@pytest.mark.slow
def test_browser_reports_errors_of_a_broken_page(browser: Browser, tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html lang="en"><title>x</title><h1>x</h1>'
                    '<img src="missing.svg" alt="x"><script>undefinedFunction()</script>')
    _, errors = browser.visit(page.as_uri(), DESKTOP, "1")
    assert any("missing.svg" in e or "ERR_FILE_NOT_FOUND" in e for e in errors), errors
    assert any(e.startswith("uncaught") for e in errors), errors


@pytest.mark.slow
def test_browser_loads_every_page_without_console_errors(visits: list[Visit]) -> None:
    assert len(visits) > 100
    errors = [f"{v.page} at {v.size[0]}px: {e}" for v in visits for e in v.errors]
    assert errors == []


@pytest.mark.slow
def test_browser_renders_each_page_with_one_h1_and_content(visits: list[Visit]) -> None:
    for v in visits:
        if v.page.endswith(".html"):
            assert v.probe["h1"] == 1, v.page
            assert v.probe["mainText"] > 100, v.page


@pytest.mark.slow
def test_browser_pages_never_scroll_sideways_on_a_phone_or_a_desktop(
        visits: list[Visit]) -> None:
    wide = [f"{v.page} at {v.size[0]}px: {v.probe['scrollWidth']}px" for v in visits
            if v.page.endswith(".html") and v.probe["scrollWidth"] > v.probe["innerWidth"] + 1]
    assert wide == [], "pages scroll sideways"
    hidden = [f"{v.page}: {v.probe['scrolledInside']}" for v in visits
              if v.size == PHONE and v.page.endswith(".html") and v.probe["scrolledInside"]]
    assert hidden == [], "at 390px, tables must be cards: nothing may hide off to the side"


OPENED_PROBE = """(() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  return JSON.stringify([...document.querySelectorAll('pre')]
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => e.className + ': ' + e.textContent.slice(0, 60)));
})()"""


@pytest.mark.slow
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_browser_opened_boxes_of_code_never_scroll_sideways(
        site: Path, browser: Browser, size: tuple[int, int]) -> None:
    """The queries' SPARQL ("Show the SPARQL"), BibTeX and other boxes of code, opened: a
    query's header comments are lines of up to a thousand characters, which scrolled
    sideways on a desktop."""
    for page in ("index.html", "id/facts/alb.html", "id/country/ALB.html"):
        wide, errors = browser.visit((site / page).as_uri(), size, OPENED_PROBE)
        assert errors == [] and wide == [], (page, wide)
    assert any(len(line) > 200 for q in (REPO / "queries").glob("*.rq")
               for line in q.read_text(encoding="utf-8").splitlines()), \
        "no query has a line long enough to test"


@pytest.mark.slow
@pytest.mark.parametrize("size", [(667, 375), (768, 1024)], ids=["landscape phone", "tablet"])
def test_browser_tables_are_cards_on_a_landscape_phone_and_a_tablet(
        site: Path, browser: Browser, size: tuple[int, int]) -> None:
    """Between a phone and a desktop, the agreements and comparison tables hid columns (the
    evidence among them) off to the side of their box, with no sign that they scrolled."""
    for name in ("id/country/ALB.html", "id/country/CAN.html", "comparison.html"):
        probe, errors = browser.visit((site / name).as_uri(), size, PAGE_PROBE)
        assert errors == [] and probe["scrolledInside"] == [], (name, probe["scrolledInside"])


@pytest.mark.slow
def test_browser_no_text_overlaps_text_in_any_diagram(visits: list[Visit]) -> None:
    svgs = [v for v in visits if v.page.endswith(".svg")]
    assert len(svgs) >= 4 and all(v.probe["texts"] > 5 for v in svgs)
    assert {v.page: v.probe["overlaps"][:5] for v in svgs if v.probe["overlaps"]} == {}


@pytest.mark.slow
def test_browser_no_arrow_runs_through_an_arrow_label_or_a_box_in_any_diagram(
        visits: list[Visit]) -> None:
    ontology = next(v for v in visits if v.page == "diagrams/ontology.svg")
    assert ontology.probe["arrows"] > 10 and ontology.probe["labels"] > 10, ontology.probe
    assert ontology.probe["rects"] > 20, ontology.probe
    svgs = [v for v in visits if v.page.endswith(".svg")]
    assert {v.page: v.probe["crossed"][:5] for v in svgs if v.probe["crossed"]} == {}


@pytest.mark.slow
def test_browser_overlap_probe_finds_text_over_text(browser: Browser, tmp_path: Path) -> None:
    svg = tmp_path / "bad.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200">'
                   '<title>t</title><text x="10" y="50">first label</text>'
                   '<text x="30" y="52">second label</text>'
                   '<text x="10" y="150">apart</text></svg>')
    probe, _ = browser.visit(svg.as_uri(), DESKTOP, SVG_PROBE)
    assert probe["overlaps"] == ["first label / second label"], probe


@pytest.mark.slow
def test_browser_crossing_probe_finds_an_arrow_through_a_label_or_a_box(
        browser: Browser, tmp_path: Path) -> None:
    svg = tmp_path / "bad.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200">'
                   '<title>t</title><defs><marker id="m"><path d="M0,0 L4,2 L0,4 z"/></marker>'
                   '</defs><rect width="300" height="200" fill="#fff"/>'
                   '<text class="rel" x="20" y="60">crossed label</text>'
                   '<text class="rel" x="150" y="150">clear label</text>'
                   '<rect x="40" y="110" width="60" height="20"/>'
                   '<rect x="200" y="10" width="60" height="20"/>'
                   '<rect x="50" y="180" width="40" height="15"/>'
                   '<path d="M60,10 C60,40 70,80 70,180" stroke="black" fill="none" '
                   'marker-end="url(#m)"/></svg>')
    probe, _ = browser.visit(svg.as_uri(), DESKTOP, SVG_PROBE)
    assert probe["arrows"] == 1 and probe["labels"] == 2 and probe["rects"] == 3, probe
    assert [c.split(" crossed by ")[0] for c in probe["crossed"]] == ["crossed label",
                                                                     "box at 40,110"], probe


@pytest.mark.slow
def test_browser_accessibility_check_finds_a_violation_in_a_bad_page(
        browser: Browser, tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><title>x</title><h1>x</h1><img src="x.png">'
                    '<p style="color:#eee;background:#fff">faint</p>')
    found = browser.axe(page.as_uri(), (DESKTOP,))
    assert any(v.startswith("at 1280px: image-alt") for v in found), found
    assert any("color-contrast" in v for v in found), found


@pytest.mark.slow
def test_browser_accessibility_check_passes_every_page_type_at_390_and_1280px(
        site: Path, browser: Browser) -> None:
    found = {name: browser.axe((site / name).as_uri(), (PHONE, DESKTOP)) for name in PAGE_TYPES}
    assert {name: v for name, v in found.items() if v} == {}


@pytest.mark.slow
def test_browser_renders_the_diagrams_with_a_size(visits: list[Visit]) -> None:
    svgs = [v for v in visits if v.page.endswith(".svg")]
    assert len(svgs) >= 4
    for v in svgs:
        assert v.probe["width"] > 100 and v.probe["height"] > 100 and v.probe["title"], v.page
    shown = 0
    for v in visits:
        if v.page.endswith(".html"):
            for src, width, height, box in v.probe["images"]:
                assert width > 0 and height > 0 and box > 0, f"{v.page}: {src} at {v.size}"
                shown += 1
                # on a phone a diagram keeps its size and scrolls in its frame: shrunk to the
                # phone's width, the timeline's labels were 4 px high
                if v.size == PHONE and src.endswith(".svg"):
                    assert box >= width - 1, f"{v.page}: {src} shrunk to {box}px of {width}"
    assert shown >= 8


@pytest.mark.slow
def test_browser_shows_pages_with_javascript_switched_off(site: Path, browser: Browser) -> None:
    dom = browser.dom_without_scripts((site / "id" / "country" / "ALB.html").as_uri())
    assert "<h1>Albania</h1>" in dom
    assert 'id="agreements"' in dom and "Under negotiation" in dom


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", head[16:24])
    return width, height


@pytest.mark.slow
@pytest.mark.parametrize("code", PROFILES)
def test_browser_screenshots_of_each_country_profile(site: Path, tmp_path: Path,
                                                     code: str) -> None:
    binary = _chromium_or_skip()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = site / "id" / "country" / f"{code}.html"
    for suffix, size in (("", (1280, 2400)), ("-phone", PHONE)):
        shot = SCREENSHOTS / f"{code.lower()}{suffix}.png"
        shot.unlink(missing_ok=True)
        result = subprocess.run(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
             f"--window-size={size[0]},{size[1]}", f"--screenshot={shot}", page.as_uri()],
            capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr[-2000:]
        assert shot.is_file() and shot.stat().st_size > 20_000, shot
        assert _png_size(shot) == size


# ---------------------------------------------------------------- research views (h-research)


def test_comparison_page_keeps_none_apart_from_not_yet_curated(site: Path) -> None:
    page = (site / "comparison.html").read_text(encoding="utf-8")
    page = page[page.index("<main"):]
    row = page[page.index('href="id/country/ALB.html"'):]
    row = row[:row.index("</tr>")]
    assert '<td data-label="Agreements" role="cell"><a href="id/country/ALB.html#agreements">' \
        '8</a></td>' \
        in row and "none in the sources" in row
    serbia = page[page.index('href="id/country/SRB.html"'):]
    assert "not yet curated" in serbia[:serbia.index("</tr>")]
    # Japan's norms count one it opposes, as the query's description says: the page says so
    # too (it read as norms Japan supports)
    assert "or holds a position on, for or against" in page


def test_frameworks_page_lists_every_framework_with_passages(site: Path) -> None:
    page = (site / "frameworks.html").read_text(encoding="utf-8")
    for scheme in ("gfce-themes", "osce-cbms", "cmm-dimensions", "itu-gci-pillars"):
        assert f'<h2><a href="ontology.html#scheme-{scheme}"' in page, scheme
    rows = re.findall(r"<tr role=\"row\"><td[ >].*?</tr>", page)
    # each fact with the source's words it rests on, linked to where the source says them
    # (the passages' labels, editors' summaries, read as quotes)
    assert rows and all(re.search(r'<a href="id/source/[^"]+#passage-[^"]+" title="[^"]+" '
                                  r'class="cite">“', r) for r in rows), rows[:2]
    assert "CMM-D1" in page and "GCI-Organizational" in page


def test_as_of_page_adds_up_by_year_and_keeps_undated_apart(site: Path) -> None:
    page = (site / "as-of.html").read_text(encoding="utf-8")
    sections = re.split(r'<h2 id="', page[page.index("<main"):])[1:]
    years = [s[:s.index('"')] for s in sections]
    assert years == ["y2013", "y2015", "y2016", "y2017", "y2018", "y2020", "undated"]
    by_year = {y: s for y, s in zip(years, sections, strict=True)}
    ncirc = 'href="id/facts/alb.html#agreement-alb-ncirc-mou-2013"'
    # each year lists what is dated in it (every earlier year's facts again made the page
    # some 12,000 px long on a phone for 11 dated facts), and says how many held by its end
    assert [y for y in years if ncirc in by_year[y]] == ["y2013"]
    assert 'href="id/facts/jpn.html#strategy-jpn-cybersecurity-strategy-2018"' \
        in by_year["y2018"]
    assert 'href="id/facts/alb.html#membership-alb-nato"' in by_year["undated"]
    dated = held = 0
    for year in years[:-1]:
        new, cumulative = map(int, re.search(  # type: ignore[union-attr]
            r"(\d+) facts? dated in \d{4}; (\d+) held by its end", by_year[year]).groups())
        dated += new
        held = cumulative
        assert held == dated, year
    # which country each fact is about
    assert '<th scope="col" role="columnheader">Countries</th>' in by_year["y2013"]
    row = by_year["y2013"][by_year["y2013"].index(ncirc):]
    assert 'href="id/country/ALB.html"' in row[:row.index("</tr>")]
    assert 'class="cite">“' in row[:row.index("</tr>")]  # the source's words, not a label


def test_the_as_of_years_taken_from_one_answer_are_the_query_s_answers_for_those_dates() -> None:
    """The as-of page asks the bundled query once (for 9999-12-31) and takes each year's facts
    from that answer by the query's date rule: the same facts, dates and passages as the
    query gives for that date, at every boundary of every date the sources give."""
    from datetime import date, timedelta

    from ccbkg.site.asof import _facts, held_by
    from ccbkg.site.bundled import BundledQueries

    bundled = BundledQueries(load(Project.discover(REPO)))
    everything = bundled.rows("as-of", date="9999-12-31")
    given = {r["since"].value for r in everything if "since" in r}
    assert {len(g) for g in given} >= {4, 7}, given  # years and months at least
    days: set[str] = set()
    for since in given:  # its first day, the day before, a day within, its last day
        first = date.fromisoformat((since + "-01-01")[:10])
        after = first.replace(year=first.year + 1) if len(since) == 4 else \
            (first + timedelta(days=31)).replace(day=1) if len(since) == 7 else first
        days |= {str(first), str(first - timedelta(days=1)), str(first + timedelta(days=14)),
                 str(max(first, after - timedelta(days=1)))}
    for day in sorted(days):
        asked = {k: v for k, v in _facts(bundled.rows("as-of", date=day)).items() if k[0]}
        assert _facts(held_by(everything, day)) == asked, day


# ---------------------------------------------------------------- rendering in processes (h-site)


def test_the_site_is_the_same_rendered_in_a_pool_or_in_one_process(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages and descriptions come out of the pool of processes in the same bytes as
    from one process, so a build stays byte-identical whatever the machine."""
    sources = load(Project.discover(REPO))
    release = Release.from_ontology(sources.quads(Role.ONTOLOGY))
    monkeypatch.setenv("CCBKG_PROCESSES", "2")
    pooled = dict(site_files(sources, release, {}))
    monkeypatch.setenv("CCBKG_PROCESSES", "1")
    alone = dict(site_files(sources, release, {}))
    assert len(alone) > 200 and alone == pooled


@pytest.mark.parametrize("processes", ["1", "2"])
def test_the_site_is_written_as_it_is_rendered(processes: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """write_site writes each page as soon as it is rendered, never holding the whole site
    (16 GiB of pages at 10,000x): as the jobs go on, their pages are on disk already."""
    sources = load(Project.discover(REPO))
    out, log = tmp_path / "site", tmp_path / "on-disk.txt"
    render = site_module._Work.job

    def job(self: site_module._Work, item: tuple[str, list[str]]) -> dict[str, bytes]:
        pages = sum(1 for _ in out.rglob("*.html")) if out.exists() else 0
        with log.open("a") as noted:  # (a file: the pool's processes write it too)
            noted.write(f"{pages}\n")
        return render(self, item)

    monkeypatch.setattr(site_module._Work, "job", job)
    monkeypatch.setattr(site_module, "PAGES_PER_JOB", 1)
    monkeypatch.setenv("CCBKG_PROCESSES", processes)
    written = write_site(sources, out, Release.from_ontology(sources.quads(Role.ONTOLOGY)))
    pages = sum(1 for name in written if name.endswith(".html"))
    on_disk = [int(line) for line in log.read_text().split()]
    assert len(on_disk) > 40, "the site has too few jobs to tell"
    if processes == "1":  # each job runs when the writer asks for the next file
        assert on_disk[-1] >= pages - 2, on_disk[-5:]
    else:  # the writer does not wait for the pool to finish
        assert max(on_disk) > 0, on_disk[-5:]


def test_a_job_of_the_pool_is_one_batch_of_descriptions_or_a_few_pages(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """What one rendering job gives back stays small: each batch of descriptions (megabytes
    of files) is a job of its own, never sent with others (at 10,000x two hundred of them in
    one chunk took gigabytes), and a job renders at most PAGES_PER_JOB pages."""
    from ccbkg.core.processes import Forked

    sent: list[tuple[str, list[str]]] = []  # (a process is given one job at a time)
    as_done = Forked.as_done

    def recorded(self: Forked[Any, Any], items: Any) -> Any:
        sent.extend(items)
        return as_done(self, items)

    monkeypatch.setattr(Forked, "as_done", recorded)
    monkeypatch.setattr(site_module, "PAGES_PER_JOB", 3)
    monkeypatch.setenv("CCBKG_PROCESSES", "2")
    sources = load(Project.discover(REPO))
    files = dict(site_files(sources, Release.from_ontology(sources.quads(Role.ONTOLOGY)), {}))
    kinds = [kind for kind, _ in sent]
    assert kinds.count("rdf") >= 1 and kinds.index("rdf") < kinds.index("page")
    pages = [names for kind, names in sent if kind == "page"]
    shown = sorted(n for names in pages for n in names)
    assert shown == sorted(n for n in files if n.endswith(".html") and n.startswith("id/"))
    # (fewer a job where there are few pages, so that each process gets several jobs)
    assert max(map(len, pages)) == min(3, len(shown) // 16) > 1


def test_the_timeline_puts_each_label_in_the_first_row_free_at_its_place() -> None:
    """The timeline's rows (a min-tree, for lanes of thousands of labels) choose the row a
    scan of every row would: the lowest one whose last label ends before the new one."""
    rng = random.Random(3)
    for _ in range(50):
        ends: list[float] = []
        rows = Rows()
        for _ in range(rng.randrange(1, 300)):
            start = rng.uniform(0, 100)
            end = start + rng.uniform(1, 40)
            scan = next((i for i, e in enumerate(ends) if e <= start), len(ends))
            ends[scan:scan + 1] = [end]
            assert rows.first_free(start) == scan
            rows.set(scan, end)
        assert rows.count == len(ends)


def test_the_timeline_draws_a_year_or_a_month_over_its_whole_span_and_a_day_as_a_dot(
        ) -> None:
    """A date the source gives as a year was drawn as a dot at 1 January, as if the day were
    known; vague stays vague on the axis: a bar over the year, a bar over the month, a dot for
    a day, each where the axis puts that time."""
    events = [Event(Dated(value, precision), label, "A", URIRef(f"urn:x:{label}"))
              for value, precision, label in (("2017", "gYear", "year"),
                                              ("2018-07", "gYearMonth", "month"),
                                              ("2019-07-01", "date", "day"))]
    drawing = diagrams.timeline_diagram(events, ["A"], "T", lambda node: None)
    assert drawing is not None
    root = ET.fromstring(drawing.svg)
    ns = "{http://www.w3.org/2000/svg}"
    ticks = {t.text: float(t.get("x", "nan")) for t in root.iter(f"{ns}text")
             if (t.text or "").isdigit()}
    year = ticks["2018"] - ticks["2017"]
    bars = sorted((float(r.get("x", "nan")), float(r.get("width", "nan")))
                  for r in root.iter(f"{ns}rect") if r.get("fill") == diagrams.PALE_BLUE)
    assert bars == [pytest.approx((ticks["2017"], year), abs=0.1),
                    pytest.approx((ticks["2018"] + year / 2, year / 12), abs=0.1)]
    dots = [float(c.get("cx", "nan")) for c in root.iter(f"{ns}circle")]
    assert dots == [pytest.approx(ticks["2019"] + year / 2, abs=0.1)]


def test_a_norm_a_country_holds_a_position_on_is_among_its_norms(tmp_path: Path) -> None:
    """A country that only holds a position on a norm has a norms count on the comparison,
    which linked to its profile's #norms: "Nothing recorded … under Norms and principles"; the
    norm is now listed there, as it is counted."""
    root = copy_sources(tmp_path / "src")
    canada = root / "instances" / "canada.ttl"
    text = canada.read_text(encoding="utf-8")
    canada.write_text(text.replace("position:can-multistakeholder-ccb a ccb:Position ;\n",
                                   "position:can-multistakeholder-ccb a ccb:Position ;\n"
                                   "    ccb:concerns principle:cbdr-ccb ;\n"), encoding="utf-8")
    sources = load(Project.discover(root))
    files = dict(site_files(sources, Release.from_ontology(sources.quads(Role.ONTOLOGY)), {}))
    comparison = files["comparison.html"].decode()
    assert '<td data-label="Norms" role="cell"><a href="id/country/CAN.html#norms">1</a>' \
        in comparison
    canada_page = files["id/country/CAN.html"].decode()
    norms = canada_page[canada_page.index('<section id="norms">'):]
    assert "principle/cbdr-ccb" in norms[:norms.index("</section>")]


def test_above_the_limit_of_countries_the_whole_graph_diagrams_are_left_out_and_said_so(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Past WHOLE_GRAPH_COUNTRIES (3 countries here, as at 1x), the cross-country timeline and
    the network of every agreement are not drawn, the home page says why, and each country
    keeps its own network."""
    monkeypatch.setattr(site_module, "WHOLE_GRAPH_COUNTRIES", 2)
    sources = load(Project.discover(REPO))
    files = dict(site_files(sources, Release.from_ontology(sources.quads(Role.ONTOLOGY)), {}))
    assert "diagrams/timeline.svg" not in files and "diagrams/agreements.svg" not in files
    assert "diagrams/agreements-alb.svg" in files
    home = " ".join(files["index.html"].decode().split())
    assert "With 3 countries the cross-country timeline and the network of every agreement " \
        "are not drawn (they are drawn up to 2)" in home


# ---------------------------------------------------------------- memory before the pool (issue 21)


@pytest.mark.parametrize("pack_every", [1, 1 << 40])
def test_descriptions_wait_compressed_and_give_back_each_page_s_triples(
        pack_every: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each page's triples are kept as compressed N-Triples until its description is written
    (compressed after every subject, or never): read back, they are the page's triples."""
    import pyoxigraph as ox

    from ccbkg.site import resources
    from ccbkg.site.links import page_path, split_fragment

    monkeypatch.setattr(resources, "PACK_EVERY", pack_every)
    sources = load(Project.discover(REPO))
    quads = list(sources.triples(Role.DATA))
    pages = {split_fragment(q.subject.value)[0] for q in quads
             if isinstance(q.subject, ox.NamedNode)}
    described = resources.descriptions_by_page(quads, pages)
    expected: dict[str, set[ox.Triple]] = {}
    for q in quads:
        if isinstance(q.subject, ox.NamedNode):
            stem = page_path(split_fragment(q.subject.value)[0]).removesuffix(".html")
            expected.setdefault(stem, set()).add(q.triple)
    assert len(expected) >= 40
    assert {stem: {q.triple for q in d.quads()} for stem, d in described.items()} == expected
    assert sum(d.size for d in described.values()) == sum(map(len, expected.values()))
    kept = [piece for d in described.values() for piece in (*d.packed, *d.waiting)]
    assert all(isinstance(piece, bytes) for piece in kept)
    assert all(d.packed and not d.waiting for d in described.values()) == (pack_every == 1)


def test_the_bundled_queries_store_is_freed_before_the_pool_is_forked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages of the bundled queries' answers are made before the rendering processes are
    forked, and their store (4 GiB at 10,000x) is gone by then, not copied into each."""
    import weakref

    from ccbkg.site.bundled import BundledQueries

    stores: list[weakref.ref[object]] = []
    made = BundledQueries.__init__

    def init(self: BundledQueries, loaded: object) -> None:
        made(self, loaded)  # type: ignore[arg-type]
        stores.append(weakref.ref(self))

    alive_at_the_pool: list[int] = []
    pool = site_module._in_processes

    def in_processes(work: object, processes: int) -> Iterator[tuple[str, bytes]]:
        alive_at_the_pool.append(sum(1 for ref in stores if ref() is not None))
        return pool(work, processes)  # type: ignore[arg-type]

    monkeypatch.setattr(BundledQueries, "__init__", init)
    monkeypatch.setattr(site_module, "_in_processes", in_processes)
    sources = load(Project.discover(REPO))
    files = dict(site_files(sources, Release.from_ontology(sources.quads(Role.ONTOLOGY)), {}))
    assert {"comparison.html", "frameworks.html", "as-of.html"} <= set(files)
    assert len(stores) == 1 and alive_at_the_pool == [0]


def test_a_facts_evidence_is_its_whole_quote_and_counts_are_in_the_right_number(
        site: Path) -> None:
    """Cut at 90 characters, the quotes beside the facts lost the names and years that prove
    them (the MoUs with the CERTs of Kosovo, North Macedonia and Romania); and "1 documents"."""
    albania = html.unescape((site / "id" / "country" / "ALB.html").read_text(encoding="utf-8"))
    cited = re.findall(r'<a [^>]*class="cite"[^>]*>“([^”]*)”</a>', albania)
    assert cited and not any(quote.endswith("…") for quote in cited), cited
    assert any("(Kosovo, North Macedonia, Romania)" in quote for quote in cited), cited
    sources = (site / "sources.html").read_text(encoding="utf-8")
    assert "1 document is cited" in sources and "1 documents" not in sources


def test_the_home_page_lists_its_sections_at_the_top(site: Path) -> None:
    """On a phone the example queries came some fifty screens down the home page, with no
    link to them: the page lists its sections before the first."""
    page = (site / "index.html").read_text(encoding="utf-8")
    toc = page.index('<nav aria-label="On this page"')
    assert toc < page.index('<h2 id="explore">')
    assert '<a href="#queries">Example queries</a>' in page[toc:page.index("</nav>", toc)]


@pytest.mark.parametrize("name", ["frameworks.html", "as-of.html"])
def test_lists_of_passages_are_separated_by_semicolons(site: Path, name: str) -> None:
    """Passage labels hold commas ("ACCBP, primarily in Latin America"): a list of them
    joined with commas could not be read."""
    page = (site / name).read_text(encoding="utf-8")
    assert re.search(r'</a>; <a href="[^"]*#passage-', page), name
    assert not re.search(r'#passage-[^"]*"[^>]*>[^<]*</a>, <a href="[^"]*#passage-', page), name


def test_several_values_of_a_property_are_a_list_not_joined_by_semicolons(site: Path) -> None:
    """Japan's strategy's core components were joined by "; ", and the note on one of them (a
    paragraph) left a semicolon alone at the start of a line on a phone."""
    page = (site / "id" / "country" / "JPN.html").read_text(encoding="utf-8")
    cell = page[page.index("Has core component"):]
    cell = cell[:cell.index("</ul>")]
    assert cell.count("<li>") == 3 and '<ul class="values">' in cell, cell
    assert "</p>; " not in page and "</p>\n; " not in page


def test_tables_keep_their_roles_for_screen_readers_when_shown_as_cards(site: Path) -> None:
    """On a phone the tables become cards (display: block), and browsers then stop presenting
    them as tables: no column header was read with a cell. Each part names its role."""
    page = (site / "comparison.html").read_text(encoding="utf-8")
    table = page[page.index("<table"):page.index("</table>")]
    assert 'role="table"' in table and 'role="columnheader"' in table
    assert table.count('<tr role="row">') == table.count("<tr") > 10
    assert table.count('role="cell"') == table.count("<td") > 50


def test_the_home_pages_numbers_say_what_they_count(site: Path) -> None:
    """"countries with a profile 3" stood beside "Country 10" in the table of classes, and
    "facts and other described resources 122" beside profiles of 47 facts: the numbers now say
    what they count, the facts add up to the profiles', and the one source document is told."""
    page = html.unescape((site / "index.html").read_text(encoding="utf-8"))
    numbers = dict(re.findall(r'<td data-label="What" role="cell">([^<]+)</td>'
                              r'<td data-label="How many" role="cell">([\d,]+)</td>', page))
    profiles = sum(int(re.search(r"The graph records (\d+) facts", (  # type: ignore[union-attr]
        site / "id" / "country" / f"{code}.html").read_text(encoding="utf-8"))[1])
        for code in PROFILES)
    assert numbers["facts in their profiles"] == str(profiles), numbers
    assert numbers["countries with a profile (of 10 the sources name)"] == str(len(PROFILES))
    assert numbers["source documents they rest on"] == "1"
    assert re.fullmatch(r"\d{1,3}(,\d{3})+", numbers["statements about them (RDF triples)"])


HINT_PROBE = """(() => JSON.stringify([...document.querySelectorAll('figure.diagram')].map(f => ({
  wider: f.querySelector('a').scrollWidth > f.querySelector('a').clientWidth + 1,
  hint: getComputedStyle(f.querySelector('.scroll-hint')).display !== 'none'}))))()"""


@pytest.mark.slow
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_browser_a_diagram_wider_than_a_phone_says_it_scrolls(
        site: Path, browser: Browser, size: tuple[int, int]) -> None:
    """On a phone the timeline and the agreements network keep their size and scroll in their
    frame, with nothing to say so (the first view showed empty rows and cut labels). The
    caption says so on a phone, and not on a desktop."""
    figures, errors = browser.visit((site / "index.html").as_uri(), size, HINT_PROBE)
    assert errors == [] and figures, figures
    assert all(f["hint"] == (size == PHONE) for f in figures), figures
    assert any(f["wider"] for f in figures) == (size == PHONE), figures


def test_what_refers_to_a_resource_is_told_in_plain_words(site: Path) -> None:
    """The table of what points at a resource was headed "Referenced by: Node | Property"."""
    page = (site / "id" / "country" / "JPN.html").read_text(encoding="utf-8")
    assert "What refers to it</h2>" in page and ">Refers to it as</th>" in page
    assert ">Node</th>" not in page and "Referenced by" not in page


def test_a_bodys_page_says_at_a_glance_what_the_facts_say_of_it(site: Path) -> None:
    """NATO's page was a list of its own properties: nowhere did it say that Albania is a
    member or that it leads Cyber Coalition."""
    page = html.unescape((site / "id" / "organisation" / "nato.html").read_text("utf-8"))
    glance = page[page.index('<ul class="glance"'):]
    glance = glance[:glance.index("</ul>")]
    words = " ".join(re.sub(r"<[^>]+>", "", glance).split())
    assert "Members: Albania (Albania's membership of NATO)" in words, words
    assert "Leads: Cyber Coalition" in words, words


def test_a_readers_name_for_another_vocabularys_property_is_not_a_link_to_its_spec(
        site: Path) -> None:
    """"Kind ↗" and "Name ↗" led a reader to the W3C RDF and RDFS specifications."""
    page = (site / "id" / "organisation" / "nato.html").read_text(encoding="utf-8")
    assert 'href="http://www.w3.org/1999/02/22-rdf-syntax-ns#type"' not in page
    assert 'href="http://www.w3.org/2000/01/rdf-schema#label"' not in page
    assert '<span title="http://www.w3.org/1999/02/22-rdf-syntax-ns#type">Kind</span>' in page


def test_an_exercises_page_says_at_a_glance_who_takes_part(site: Path) -> None:
    """Cyber Coalition's page named Albania only under "What refers to it" (a researcher's
    audit: who takes part in NATO's exercise was not to be found at a glance)."""
    page = html.unescape((site / "id" / "exercise" / "cyber-coalition.html").read_text("utf-8"))
    glance = page[page.index('<ul class="glance"'):]
    glance = glance[:glance.index("</ul>")]
    words = " ".join(re.sub(r"<[^>]+>", "", glance).split())
    assert "Taking part: Albania (" in words, words
