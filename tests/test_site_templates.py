"""The site's HTML comes from templates that escape by default: text from the graph, however
hostile, is shown as text on every page type and never becomes markup."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ccbkg.project.layout import Project, Role
from ccbkg.project.load import load
from ccbkg.rdf.void import Release
from ccbkg.site import write_site
from tests.conftest import copy_sources

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
# Every label and preferred label of the ontology, vocabularies, shapes and data.
LABEL = re.compile(r'((?:rdfs:label|skos:prefLabel|sh:name|dcterms:title)\s+)"(?!")')
PAGE_TYPES = {
    "home": "index.html",
    "ontology reference": "ontology.html",
    "shapes reference": "shapes.html",
    "all resources": "resources.html",
    "country profile": "id/country/ALB.html",
    "source document": "id/source/311875a826843e54.html",
    "a country's facts (its agreements, passages...)": "id/facts/alb.html",
    "shared organisation": "id/organisation/nato.html",
}


class _Elements(HTMLParser):
    """The elements of a page with their attribute names, and its text as a browser reads it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, [name for name, _ in attrs]))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(page: str) -> _Elements:
    parser = _Elements()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built, as `ccbkg build` builds it, from sources whose every label starts with
    a script element and an image with an event handler."""
    root = copy_sources(tmp_path_factory.mktemp("hostile") / "src")
    changed = 0
    for path in [*root.glob("ontology/**/*.ttl"), *root.glob("shapes/**/*.ttl"),
                 *root.glob("instances/**/*.ttl")]:
        text = path.read_text(encoding="utf-8")
        new, n = LABEL.subn(lambda m: m.group(1) + '"' + HOSTILE.replace('"', '\\"') + " ",
                            text)
        path.write_text(new, encoding="utf-8")
        changed += n
    assert changed > 300, changed
    sources = load(Project.discover(root))
    assert not sources.result.findings, sources.result.findings[:3]
    out = root.parent / "site"
    write_site(sources, out, Release.from_ontology(sources.quads(Role.ONTOLOGY)))
    return out


@pytest.mark.parametrize("kind", sorted(PAGE_TYPES))
def test_a_label_with_a_script_element_renders_as_text(hostile_site: Path, kind: str) -> None:
    page = (hostile_site / PAGE_TYPES[kind]).read_text(encoding="utf-8")
    found = parsed(page)
    assert HOSTILE in "".join(found.text), f"{kind}: the hostile label is not shown as text"
    assert [t for t, _ in found.found if t == "script"] == [], f"{kind}: a label became markup"
    assert [(t, a) for t, a in found.found if any(n.startswith("on") for n in a)] == [], kind


def test_no_page_or_diagram_of_the_hostile_site_carries_markup_from_a_label(
        hostile_site: Path) -> None:
    files = [*hostile_site.rglob("*.html"), *hostile_site.rglob("*.svg")]
    assert len(files) > 40
    bad = [f.relative_to(hostile_site).as_posix() for f in files
           if "<script" in f.read_text(encoding="utf-8").lower()]
    assert bad == []
