"""The w3id redirect rules (w3id/.htaccess), evaluated offline against an expected-URL table.

A small evaluator of the mod_rewrite subset the file uses: RewriteCond on %{HTTP_ACCEPT}
(regex, [NC], [OR], negation with !) and RewriteRule (regex on the path after /ccbkg/,
$N and %N back-references, flags R=code, L, NE, NC). Anything else in the file is an error,
so the rules cannot drift outside what is tested here. Every target in the latest/ and
release/<version>/ folders must exist in a fresh dist/ (and its #anchor in the page).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ccbkg.describe import Release
from ccbkg.load import load
from ccbkg.project import Project, Role
from tests.conftest import REPO
from tests.test_site import built  # noqa: F401 (the session-scoped build, shared)

HTACCESS = REPO / "w3id" / ".htaccess"
TABLE = REPO / "tests" / "fixtures" / "redirects.csv"
PREFIX = "/ccbkg/"  # the folder of the file on w3id.org
HOST = "https://ccbkg.github.io/ccbkg/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
_FLAG_RE = re.compile(r"^\[([A-Za-z0-9=,]+)\]$")
_BACKREF_RE = re.compile(r"([$%])([0-9])")


@dataclass
class Cond:
    """A RewriteCond."""

    variable: str
    pattern: re.Pattern[str]
    negate: bool
    join_or: bool


@dataclass
class Rule:
    """A RewriteRule with the conditions before it."""

    pattern: re.Pattern[str]
    target: str
    status: int | None
    last: bool
    no_escape: bool
    conds: list[Cond] = field(default_factory=list)
    line: int = 0


def parse(text: str) -> list[Rule]:
    """The rules of an .htaccess, refusing directives and flags outside the tested subset."""
    rules: list[Rule] = []
    pending: list[Cond] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        directive = parts[0]
        if directive in ("Options", "RewriteEngine"):
            assert directive != "RewriteEngine" or parts[1].lower() == "on", number
            continue
        flags = _flags(parts[3] if len(parts) > 3 else "", number)
        assert len(parts) <= 4, f"line {number}: unexpected text after the flags"
        if directive == "RewriteCond":
            assert parts[1] == "%{HTTP_ACCEPT}", f"line {number}: only %{{HTTP_ACCEPT}} is tested"
            assert flags <= {"NC", "OR"}, f"line {number}: untested flags {flags}"
            negate = parts[2].startswith("!")
            pattern = re.compile(parts[2].lstrip("!"), re.IGNORECASE if "NC" in flags else 0)
            pending.append(Cond(parts[1], pattern, negate, "OR" in flags))
        elif directive == "RewriteRule":
            status = [f for f in flags if f.startswith("R=")]
            assert flags - set(status) <= {"L", "NE", "NC"}, f"line {number}: untested flags"
            assert not status or "L" in flags, f"line {number}: a redirect must end with [L]"
            rules.append(Rule(re.compile(parts[1], re.IGNORECASE if "NC" in flags else 0),
                              parts[2], int(status[0][2:]) if status else None, "L" in flags,
                              "NE" in flags, pending, number))
            pending = []
        else:
            raise AssertionError(f"line {number}: directive {directive} is not evaluated here")
    assert not pending, "RewriteCond lines at the end with no RewriteRule"
    return rules


def _flags(text: str, number: int) -> set[str]:
    if not text:
        return set()
    match = _FLAG_RE.match(text)
    assert match, f"line {number}: flags must look like [R=303,L]"
    return set(match.group(1).split(","))


def evaluate(rules: list[Rule], path: str, accept: str) -> tuple[int | None, str]:
    """The status and Location for a request (None, "" when no rule redirects)."""
    assert path.startswith(PREFIX), path
    local = path[len(PREFIX):]
    for rule in rules:
        match = rule.pattern.search(local)
        if match is None:
            continue
        cond_groups: tuple[str, ...] = ()
        ok = True
        previous_or = False
        for cond in rule.conds:
            found = cond.pattern.search(accept)
            result = (found is None) if cond.negate else (found is not None)
            if found is not None and not cond.negate:
                cond_groups = (found.group(0), *[g or "" for g in found.groups()])
            ok = (ok or result) if previous_or else (ok and result)
            previous_or = cond.join_or
        if not ok:
            continue
        rule_groups = (match.group(0), *[g or "" for g in match.groups()])

        def backref(m: re.Match[str], rg: tuple[str, ...] = rule_groups,
                    cg: tuple[str, ...] = cond_groups) -> str:
            groups = rg if m.group(1) == "$" else cg
            index = int(m.group(2))
            return groups[index] if index < len(groups) else ""

        target = _BACKREF_RE.sub(backref, rule.target)
        if not rule.no_escape:
            target = target.replace("#", "%23")  # what Apache does without [NE]
        if rule.status is not None:
            return rule.status, target
        if rule.last:
            return None, ""
    return None, ""


def rows() -> list[dict[str, str]]:
    """The expected redirects."""
    with TABLE.open(newline="", encoding="utf-8") as handle:
        found = list(csv.DictReader(handle))
    assert found, "no rows in redirects.csv"
    return found


RULES = parse(HTACCESS.read_text(encoding="utf-8"))


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
