"""Where each IRI is shown in the site, and relative links between pages (file:// safe).

A country's facts are sections of one page per country: an instance IRI whose key starts
with three lower-case letters (the country's ISO alpha-3 code, digits allowed after them) and a
hyphen, https://w3id.org/ccbkg/id/agreement/alb-x, is the section #agreement-alb-x of
id/facts/alb.html (the w3id rules send it there by the same pattern, `GROUPED`). Every other
instance IRI (a country, a shared organisation or forum, a source) has its own page at the path
of the IRI: https://w3id.org/ccbkg/id/forum/g7 is id/forum/g7.html. A #part is a section of its
node (#time on a page of its own, #agreement-alb-x.time on a country's page). Ontology terms,
reused terms and SKOS concepts are anchors on ontology.html; shapes are anchors on shapes.html.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache

from rdflib import URIRef
from rdflib.term import Node

from ccbkg.core.namespaces import BASE, CCB, DATASET_IRI, ONTOLOGY_IRI
from ccbkg.site.view import DATA_NS, SCHEME_NS, curie

SHAPES_NS = BASE + "shapes#"
SHAPES_IRI = BASE + "shapes"
ONTOLOGY_PAGE = "ontology.html"
SHAPES_PAGE = "shapes.html"
INDEX_PAGE = "index.html"
FACTS_FOLDER = "id/facts"
# The path of an instance IRI after id/ when the node is a section of a country's page:
# <type>/<code>-<rest>; w3id/.htaccess has the same pattern.
GROUPED = re.compile(r"([a-z][a-z0-9-]*)/([a-z]{3}[0-9]*)(-[A-Za-z0-9-]*)")


def split_fragment(iri: str) -> tuple[str, str]:
    """The IRI without its fragment, and the fragment ("" when there is none)."""
    base, _, fragment = iri.partition("#")
    return base, fragment


def page_path(iri: str) -> str:
    """The page of an instance IRI (without fragment): id/facts/<code>.html for a country's
    fact, else id/<type>/<key>.html."""
    return place(iri)[0]


@lru_cache(maxsize=1 << 18)
def place(iri: str) -> tuple[str, str]:
    """The page of an instance IRI (without fragment) and its anchor there ("" for a page of
    its own)."""
    rest = iri[len(DATA_NS):]
    grouped = GROUPED.fullmatch(rest)
    if grouped is None:
        return iri[len(BASE):] + ".html", ""
    kind, code, key = grouped.groups()
    return f"{FACTS_FOLDER}/{code}.html", f"{kind}-{code}{key}"


def node_target(iri: str) -> str:
    """The site path, with anchor, that shows an instance IRI (fragment included)."""
    base, fragment = split_fragment(iri)
    page, anchor = place(base)
    if anchor and fragment:
        return f"{page}#{anchor}.{fragment}"
    return page + (f"#{anchor or fragment}" if anchor or fragment else "")


def term_anchor(term: Node) -> str | None:
    """The anchor of an ontology term, reused term, concept scheme or concept."""
    value = str(term)
    if value.startswith(str(CCB)):
        return value[len(str(CCB)):] or None
    if value.startswith(SCHEME_NS):
        rest = value[len(SCHEME_NS):]
        scheme, _, key = rest.partition("/")
        return f"{scheme}-{key}" if key else f"scheme-{scheme}"
    short = curie(term)
    if short != value and ":" in short:
        return short.replace(":", "-", 1)
    return None


def relative(from_path: str, to_path: str) -> str:
    """A link from one site page to another, relative so that it works from file://."""
    path, _, fragment = to_path.partition("#")
    rel = _relpath(path, posixpath.dirname(from_path)) if path else ""
    return rel + (f"#{fragment}" if fragment else "")


@lru_cache(maxsize=65536)
def _relpath(path: str, start: str) -> str:
    """posixpath.relpath for normalised site-relative paths, without touching the disk."""
    here = start.split("/") if start else []
    there = path.split("/")
    common = 0
    while common < min(len(here), len(there) - 1) and here[common] == there[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:])


class Linker:
    """Knows which IRIs have a page or an anchor in this site."""

    def __init__(self, pages: set[str], ontology_terms: set[str], shapes: set[str]) -> None:
        self.pages = pages  # instance IRIs without fragment that have a page
        self.ontology_terms = ontology_terms  # IRIs with an anchor on the ontology page
        self.shapes = shapes  # IRIs of shapes with an anchor on the shapes page

    def target(self, term: Node) -> str | None:
        """The site path (with #anchor) that shows the term, or None."""
        if not isinstance(term, URIRef):
            return None
        value = str(term)
        if value == ONTOLOGY_IRI:
            return ONTOLOGY_PAGE
        if value == SHAPES_IRI:
            return SHAPES_PAGE
        if value == DATASET_IRI:
            return INDEX_PAGE
        if split_fragment(value)[0] in self.pages:
            return node_target(value)
        if value in self.ontology_terms:
            anchor = term_anchor(term)
            return f"{ONTOLOGY_PAGE}#{anchor}" if anchor else ONTOLOGY_PAGE
        if value in self.shapes:
            return f"{SHAPES_PAGE}#{value[len(SHAPES_NS):]}"
        return None

    def href(self, from_path: str, term: Node) -> str | None:
        """A link from a page to the term: relative inside the site, else the web IRI."""
        target = self.target(term)
        if target is not None:
            return relative(from_path, target)
        value = str(term)
        if isinstance(term, URIRef) and value.startswith(("http://", "https://")) and \
                not value.startswith(DATA_NS):
            return value
        return None
