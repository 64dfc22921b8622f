"""The w3id redirect rules (w3id/.htaccess), evaluated offline against an expected-URL table.

ccbkg.stores.htaccess evaluates the mod_rewrite subset the file uses (the same code `ccbkg serve`
answers IRIs with). Every target in the latest/ and release/<version>/ folders must exist in a
fresh dist/ (and its #anchor in the page).
"""

from __future__ import annotations

import csv
import http.client
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox
import pytest

from ccbkg.core.namespaces import CCB, GRAPH
from ccbkg.project.layout import Project, Role
from ccbkg.project.load import load
from ccbkg.rdf.skolem import skolemise
from ccbkg.rdf.void import Release
from ccbkg.site.links import node_target
from ccbkg.site.view import DATA_NS
from ccbkg.stores.htaccess import (
    PREFIX,
    RULES_FILE,
    TARGET_HOST,
    RewriteError,
    evaluate,
    parse,
    read_rules,
    target_of,
)
from ccbkg.stores.site_server import SiteServer
from tests.conftest import REPO, run_cli

HTACCESS = REPO / RULES_FILE
TABLE = REPO / "tests" / "fixtures" / "redirects.csv"
HOST = TARGET_HOST
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def rows() -> list[dict[str, str]]:
    """The expected redirects."""
    with TABLE.open(newline="", encoding="utf-8") as handle:
        found = list(csv.DictReader(handle))
    assert found, "no rows in redirects.csv"
    return found


RULES = read_rules(HTACCESS)


def test_the_rules_parse_and_every_rule_redirects() -> None:
    assert len(RULES) > 20
    assert all(r.status in (302, 303) for r in RULES)


@pytest.mark.parametrize("row", rows(), ids=lambda r: f"{r['path']} [{r['accept'][:24]}]")
def test_each_expected_redirect(row: dict[str, str]) -> None:
    status, location = evaluate(RULES, row["path"], row["accept"])
    assert (str(status) if status else "none", location) == (row["status"], row["location"])


def test_the_table_covers_every_format_for_ontology_version_and_instances() -> None:
    wanted = {"text/html", "text/turtle", "application/rdf+xml", "application/ld+json",
              "application/n-triples"}
    table = rows()
    for path in ("/ccbkg/ontology", "/ccbkg/ontology/0.1.0", "/ccbkg/id/country/JPN",
                 "/ccbkg/id/agreement/alb-ncirc-mou-2013", "/ccbkg/shapes",
                 "/ccbkg/shapes/0.1.0"):  # the shapes' RDF/XML and JSON-LD went to the page
        accepts = {r["accept"] for r in table if r["path"] == path}
        missing = [w for w in wanted if not any(w in a for a in accepts)]
        assert not missing, f"{path}: no row for {missing}"


def test_every_rule_is_used_by_some_row() -> None:
    used = set()
    for row in rows():
        local = row["path"][len(PREFIX):]
        for rule in RULES:
            if rule.pattern.search(local) and evaluate([rule], row["path"], row["accept"])[0]:
                used.add(rule.line)
                break
    unused = [r.line for r in RULES if r.line not in used]
    assert not unused, f"rules on lines {unused} are never exercised by redirects.csv"


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.update(v for k, v in attrs if k == "id" and v)


def _dist_file(dist: Path, version: str, location: str) -> tuple[Path, str] | None:
    """The dist file a Location on the hosting target points at (None if elsewhere)."""
    if not location.startswith(HOST):
        return None
    rest = location[len(HOST):]
    for folder in ("latest/", f"release/{version}/"):
        if rest.startswith(folder):
            parts = urlsplit(rest[len(folder):])
            return dist / parts.path, parts.fragment
    return None


def test_every_target_exists_in_the_built_dist(built: Path) -> None:
    version = Release.from_ontology(load(Project.discover(REPO)).quads(Role.ONTOLOGY)).version
    checked = 0
    for row in rows():
        found = _dist_file(built, version, row["location"])
        if found is None:
            continue
        path, fragment = found
        assert path.is_file(), f"{row['path']} [{row['accept']}] -> {row['location']}: no {path}"
        if fragment:
            parser = _Ids()
            parser.feed(path.read_text(encoding="utf-8"))
            assert fragment in parser.ids, f"{row['location']}: no id {fragment!r} in the page"
        checked += 1
    assert checked > 30


def test_every_resource_page_is_reachable_through_its_iri(built: Path) -> None:
    """A page of its own is where its IRI leads; a country's page of facts has its RDF beside
    it (its sections are reached through their IRIs: see the test of every minted IRI)."""
    pages = sorted((built / "site" / "id").rglob("*.html"))
    facts = [p for p in pages if p.parent.name == "facts"]
    assert len(pages) > 30 and {p.stem for p in facts} >= {"alb", "can", "jpn"}
    for page in pages:
        rel = page.relative_to(built / "site").as_posix().removesuffix(".html")
        for accept, ext in ((BROWSER, "html"), ("text/turtle", "ttl"),
                            ("application/rdf+xml", "rdf"), ("application/ld+json", "jsonld"),
                            ("application/n-triples", "nt")):
            if page not in facts:
                status, location = evaluate(RULES, PREFIX + rel, accept)
                assert status == 303 and location == f"{HOST}latest/site/{rel}.{ext}", rel
            assert (built / "site" / f"{rel}.{ext}").is_file(), f"{rel}.{ext} is not built"


@pytest.mark.parametrize(("path", "accept", "location"), [
    # a country code with digits after it (the synthetic countries beyond the ISO codes)
    ("id/agreement/qzx2000-cyp-mou-x2000", BROWSER,
     "facts/qzx2000.html#agreement-qzx2000-cyp-mou-x2000"),
    ("id/agreement/qzx2000-cyp-mou-x2000", "application/n-triples", "facts/qzx2000.nt"),
    ("id/forum-use/jpn-g7.jsonld", BROWSER, "facts/jpn.jsonld"),
    # not a country's fact: upper case, four letters, no hyphen after the code, two letters
    ("id/agreement/ALB-cyp", BROWSER, "agreement/ALB-cyp.html"),
    ("id/country/ALB-x2000", "text/turtle", "country/ALB-x2000.ttl"),
    ("id/organisation/osce-cbm", BROWSER, "organisation/osce-cbm.html"),
    ("id/organisation/nato", BROWSER, "organisation/nato.html"),
    ("id/event/g7-ise-shima-summit-2016", BROWSER, "event/g7-ise-shima-summit-2016.html"),
])
def test_a_countrys_facts_go_to_its_page_and_nothing_else_does(path: str, accept: str,
                                                                 location: str) -> None:
    """The pattern of src/ccbkg/site/links.py (GROUPED), as the rules apply it."""
    assert evaluate(RULES, PREFIX + path, accept) == (303, f"{HOST}latest/site/id/{location}")
    shown = node_target(DATA_NS + path.removesuffix(".jsonld").removeprefix("id/"))
    if location.endswith(".html") or "#" in location:
        assert shown == f"id/{location}"
    else:
        assert shown.partition("#")[0].removesuffix(".html") == f"id/{location}".rpartition(".")[0]


def test_the_evaluator_follows_apache_on_conditions() -> None:
    rules = parse("RewriteEngine on\n"
                  "RewriteCond %{HTTP_ACCEPT} text/turtle [NC,OR]\n"
                  "RewriteCond %{HTTP_ACCEPT} application/x-turtle\n"
                  "RewriteCond %{HTTP_ACCEPT} !text/html\n"
                  "RewriteRule ^a/(.*)$ https://h/$1.ttl [R=303,L]\n"
                  "RewriteRule ^a/(.*)$ https://h/p#$1 [R=303,L]\n")
    assert evaluate(rules, "/ccbkg/a/x", "TEXT/TURTLE") == (303, "https://h/x.ttl")
    assert evaluate(rules, "/ccbkg/a/x", "application/x-turtle") == (303, "https://h/x.ttl")
    assert evaluate(rules, "/ccbkg/a/x", "text/turtle, text/html") == (303, "https://h/p%23x")
    assert evaluate(rules, "/ccbkg/b", "text/turtle") == (None, "")


@pytest.mark.parametrize(("text", "words"), [
    ("RewriteCond %{HTTP_HOST} x [NC]\nRewriteRule ^a$ https://h/ [R=303,L]\n", "HTTP_ACCEPT"),
    ("RewriteRule ^a$ https://h/ [R=303]\n", "must end with [L]"),
    ("RewriteRule ^a$ https://h/ [R=303,L,QSA]\n", "not evaluated"),
    ("RewriteRule ^a$ https://h/ [R=200,L]\n", "not a redirect status"),
    ("RewriteRule ^(a$ https://h/ [R=303,L]\n", "bad pattern"),
    ("Redirect 301 / https://h/\n", "cannot evaluate"),
    ("RewriteCond %{HTTP_ACCEPT} text/turtle\n", "no RewriteRule"),
])
def test_rules_outside_the_subset_are_refused_with_their_line(text: str, words: str) -> None:
    with pytest.raises(RewriteError, match=re.escape(words)):
        parse(text, "x.htaccess")


def _minted(dist: Path) -> set[str]:
    """Every IRI under https://w3id.org/ccbkg/ in the release: the terms of ccbkg.nq (every
    graph, void.ttl's included) and of every Turtle file (the site's resources, the reports,
    the validation bundle), every JSON-LD string that is an IRI (the context's own, its
    namespaces) and the IRIs of the load script."""
    base = "https://w3id.org" + PREFIX
    found: set[str] = set()
    files = [(dist / "ccbkg.nq", ox.RdfFormat.N_QUADS),
             *((p, ox.RdfFormat.TURTLE) for p in sorted(dist.rglob("*.ttl")))]
    for path, fmt in files:
        for quad in ox.parse(path=path, format=fmt):
            found.update(t.value for t in (quad.subject, quad.predicate, quad.object,
                                            quad.graph_name) if isinstance(t, ox.NamedNode))
    for path in dist.rglob("*.jsonld"):  # the strings that are IRIs, not prose
        found.update(s for s in _strings(json.loads(path.read_bytes()))
                     if re.fullmatch(r"https://\S+", s))
    found.update(re.findall(r"<(https://[^>]*)>", (dist / "load-virtuoso.sql").read_text()))
    return {iri for iri in found if iri.startswith(base)}


def _strings(value: object) -> Iterator[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_every_iri_the_release_mints_dereferences(built: Path) -> None:
    """Each IRI under https://w3id.org/ccbkg/ of the release is redirected, for a browser and
    for Turtle, to a file the release has (a page with the #anchor, when the target has one)."""
    version = Release.from_ontology(load(Project.discover(REPO)).quads(Role.ONTOLOGY)).version
    minted = _minted(built)
    skolem = skolemise(str(GRAPH["data/x"]), [ox.Triple(
        ox.BlankNode("b"), ox.NamedNode(f"{CCB}name"), ox.Literal("x"))])[0].subject.value
    minted.add(skolem)  # the IRIs the build gives blank nodes, for any graph
    local = {iri[len("https://w3id.org/ccbkg/"):] for iri in minted}
    for kind in ("graph/ontology", "graph/data/", "graph/void", "dataset/distribution/",
                 ".well-known/genid/", "dataset/partition/class/", "dataset/partition/property/",
                 "id/country/", "scheme/stances/", "release/", "ontology#", "shapes#"):
        assert any(rel.startswith(kind) for rel in local), kind
    assert "https://w3id.org/ccbkg/context.jsonld" in minted
    failed = []
    anchors: dict[Path, set[str]] = {}  # the ids of each page, read once
    for iri in sorted(minted):
        path = unquote(urlsplit(iri).path)  # as Apache matches it: decoded, no #fragment
        if "%2f" in urlsplit(iri).path.lower():
            failed.append(f"{iri}: an encoded slash, which Apache refuses by default")
            continue
        for accept in (BROWSER, "text/turtle"):
            status, location = evaluate(RULES, path, accept)
            found = _dist_file(built, version, location) if status else None
            if found is None or not found[0].is_file():
                failed.append(f"{iri} [{accept[:11]}] -> {status} {location}")
            elif found[1]:
                if found[0] not in anchors:
                    parser = _Ids()
                    parser.feed(found[0].read_text(encoding="utf-8"))
                    anchors[found[0]] = set(parser.ids)
                if found[1] not in anchors[found[0]]:
                    failed.append(f"{iri} -> {location}: no such anchor")
    assert not failed, f"{len(failed)} of {len(minted)} IRIs: " + "; ".join(failed[:10])


@pytest.mark.slow  # starts the site server
def test_the_target_host_is_chosen_at_build_time(tmp_path: Path) -> None:
    """`build --w3id-target URL` writes the rules with that host into dist/w3id/.htaccess, and
    the site server (as `ccbkg serve` starts it) maps that host's targets onto the release."""
    out = tmp_path / "dist"
    bad = run_cli("build", "-q", "--no-site", "--out", str(out), "--w3id-target", "ftp://x/")
    assert bad.code == 2 and "not an http(s) URL: 'ftp://x/'" in bad.err, bad.err
    host = "https://data.example.org/ccbkg-releases/"
    built_ = run_cli("build", "-q", "--no-site", "--out", str(out), "--w3id-target", host[:-1])
    assert built_.code == 0, built_.err
    rules = read_rules(out / RULES_FILE)
    assert target_of(rules) == host and target_of(RULES) == TARGET_HOST
    assert all(r.target.startswith(host) for r in rules)
    assert [r.pattern.pattern for r in rules] == [r.pattern.pattern for r in RULES]
    server = SiteServer(out, rules, "0.1.0", "127.0.0.1", 0)
    server.start()
    try:
        for iri, accept, local in (("graph/ontology", "text/turtle", "/ontology/ccb.ttl"),
                                   ("graph/data/japan", "application/n-quads", "/ccbkg.nq"),
                                   ("dataset/distribution/void.ttl", "text/turtle", "/void.ttl"),
                                   ("context.jsonld", "application/ld+json", "/context.jsonld")):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            conn.request("GET", PREFIX + iri, headers={"Accept": accept})
            answer = conn.getresponse()
            assert (answer.status // 100, answer.getheader("Location")) == (3, local), iri
            conn.close()
            assert (out / local[1:]).is_file()
    finally:
        server.stop()
