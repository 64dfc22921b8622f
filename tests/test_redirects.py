"""The w3id redirect rules (w3id/.htaccess), evaluated offline against an expected-URL table.

ccbkg.stores.htaccess evaluates the mod_rewrite subset the file uses (the same code `ccbkg serve`
answers IRIs with). Every target in the latest/ and release/<version>/ folders must exist in a
fresh dist/ (and its #anchor in the page).
"""

from __future__ import annotations

import csv
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ccbkg.project.layout import Project, Role
from ccbkg.project.load import load
from ccbkg.rdf.void import Release
from ccbkg.stores.htaccess import (
    PREFIX,
    RULES_FILE,
    TARGET_HOST,
    RewriteError,
    evaluate,
    parse,
    read_rules,
)
from tests.conftest import REPO
from tests.test_site import built  # noqa: F401 (the session-scoped build, shared)

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
    for path in ("/ccbkg/ontology", "/ccbkg/ontology/0.1.0", "/ccbkg/id/country/JPN"):
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


def test_every_target_exists_in_the_built_dist(built: Path) -> None:  # noqa: F811
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


def test_every_resource_page_is_reachable_through_its_iri(built: Path) -> None:  # noqa: F811
    pages = sorted((built / "site" / "id").rglob("*.html"))
    assert len(pages) > 50
    for page in pages:
        rel = page.relative_to(built / "site").as_posix().removesuffix(".html")
        for accept, ext in ((BROWSER, "html"), ("text/turtle", "ttl"),
                            ("application/rdf+xml", "rdf"), ("application/ld+json", "jsonld"),
                            ("application/n-triples", "nt")):
            status, location = evaluate(RULES, PREFIX + rel, accept)
            assert status == 303 and location == f"{HOST}latest/site/{rel}.{ext}", rel
            assert (built / "site" / f"{rel}.{ext}").is_file(), f"{rel}.{ext} is not built"


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
