"""The research views (issue 19, points 2, 3 and 5): whole answers from `forums` and `quotes`,
the reference tables of docs/queries.md held to the ontology, as-of, the country comparison,
the framework crosswalks and `ccbkg diff`."""

from __future__ import annotations

import calendar
import csv
import io
import re
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDFS, SKOS

from ccbkg.core.namespaces import CCB, PREFIXES, TIME, XSD_NS
from ccbkg.core.terms import RDF_TYPE
from ccbkg.project.layout import Project, Role
from ccbkg.project.load import load
from ccbkg.query.catalogue import bind, catalogue
from ccbkg.query.render import render
from ccbkg.query.run import run_embedded
from tests.conftest import REPO, assert_no_traceback, run_cli

pytest_plugins = ("tests.conftest_stores",)

DOCS = REPO / "docs" / "queries.md"
ID = "https://w3id.org/ccbkg/id/"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """The embedded store `ccbkg query run` uses, loaded once."""
    return load(Project.discover(REPO)).store(Role.ONTOLOGY, Role.VOCAB, Role.SHAPES, Role.DATA)


def records(store: ox.Store, name: str, **params: str) -> list[dict[str, str]]:
    """A bundled query run on the embedded store, as CSV records."""
    info = next(q for q in catalogue(REPO) if q.name == name)
    results = run_embedded(store, info.text, bind(info, params))
    return list(csv.DictReader(io.StringIO(render(results, "csv"), newline="")))


def run_csv(name: str, *params: str) -> list[dict[str, str]]:
    """A bundled query run through the CLI, as CSV records."""
    args = [a for p in params for a in ("--param", p)]
    result = run_cli("query", "run", name, "--root", str(REPO), "--format", "csv", *args)
    assert_no_traceback(result)
    assert result.code == 0, result.err
    return list(csv.DictReader(io.StringIO(result.out, newline="")))


def docs_table(heading: str) -> list[list[str]]:
    """The rows of the first Markdown table after the paragraph that starts with heading."""
    text = DOCS.read_text(encoding="utf-8")
    after = text[text.index(heading):]
    lines = after[after.index("\n|"):].strip("\n").splitlines()
    rows = []
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


# ---------------------------------------------------------------------------- forums, quotes


def test_forums_gives_every_way_albania_works_through_a_forum() -> None:
    """Albania's Council of Europe and NATO ties are a collaboration of its authority, a
    membership, participations in NATO-led activities and an agreement with NATO's NCIRC."""
    rows = run_csv("forums", "country=ALB")
    ties = {(r["forum"].removeprefix(ID), r["how"], r["node"].removeprefix(ID)) for r in rows}
    assert ties == {
        ("organisation/council-of-europe", "collaborates with it", "collaboration/akcesk-coe"),
        ("organisation/nato", "member", "membership/alb-nato"),
        ("organisation/nato", "takes part in an activity it leads",
         "participation/alb-nato-training"),
        ("organisation/nato", "takes part in an activity it leads",
         "participation/alb-cyber-coalition"),
        ("organisation/nato", "agreement with it or its body", "agreement/alb-ncirc-mou-2013"),
    }
    assert all(r["passage"].startswith(ID + "passage/") for r in rows)


def test_quotes_lists_every_quote_with_who_where_and_its_passage() -> None:
    graph = Graph()
    for path in sorted((REPO / "instances").glob("*.ttl")):
        graph.parse(path)
    stated = {(str(s), str(o)) for s, o in graph.subject_objects(CCB.quote)}
    rows = run_csv("quotes")
    assert {(r["node"], r["quote"]) for r in rows} == stated
    assert all(r["source"] and r["passage"].startswith(ID + "passage/") for r in rows)
    said = {(r["quote"], r["whoLabel"], r["whereLabel"]) for r in rows}
    assert ("member States must make cyber security capacity development a priority at the "
            "highest level", "Canada", "Open-ended Working Group (OEWG)") in said
    unsaid = {r["quote"] for r in rows if not r["who"]}
    assert unsaid == {"common but differentiated responsibility"}


# ---------------------------------------------------------------------------- docs/queries.md


def test_docs_prefix_table_is_the_projects_prefixes() -> None:
    rows = docs_table("**Prefixes.**")
    assert {(p.strip("`").removesuffix(":"), iri.strip("`")) for p, iri in rows} == set(
        PREFIXES.items())


def _curie(term: URIRef) -> str:
    for prefix, iri in PREFIXES.items():
        if str(term).startswith(iri):
            return f"`{prefix}:{str(term)[len(iri):]}`"
    raise AssertionError(f"no prefix for {term}")


def test_docs_class_property_table_is_the_ontologys_domains() -> None:
    ontology = Graph().parse(REPO / "ontology" / "ccb.ttl")
    expected: dict[str, set[str]] = {}
    for prop, domain in ontology.subject_objects(RDFS.domain):
        union = ontology.value(domain, OWL.unionOf) if isinstance(domain, BNode) else None
        for cls in Collection(ontology, union) if union is not None else [domain]:
            key = "any node (`owl:Thing`)" if cls == OWL.Thing else _curie(URIRef(cls))
            expected.setdefault(key, set()).add(_curie(URIRef(prop)))
    documented = {cls: set(re.findall(r"`[^`]+`", props))
                  for cls, props in docs_table("**Which class carries which property.**")}
    assert documented == expected


# ---------------------------------------------------------------------------- as of a date


def test_as_of_on_the_command_line_splits_held_and_undated() -> None:
    rows = run_csv("as-of", "date=2017-06-30")
    status = {(r["node"].removeprefix(ID), r["status"]) for r in rows}
    assert ("agreement/alb-ncirc-mou-2013", "held") in status
    # "Since 2017" with the year only: the source cannot say whether it held by mid-2017.
    assert ("change-event/alcirt-akcesk-merger", "may have held") in status
    assert not any(n == "strategy/jpn-cybersecurity-strategy-2018" for n, _ in status)
    assert ("membership/alb-nato", "undated") in status
    assert all(bool(r["since"]) == (r["status"] != "undated") for r in rows)
    assert all(r["passage"].startswith(ID + "passage/") for r in rows)
    bad = run_cli("query", "run", "as-of", "--root", str(REPO), "--param", "date=2017-02-30")
    assert bad.code == 2 and "2017-02-30" in bad.err and not bad.out
    assert_no_traceback(bad)


def _over(since: str, date: str) -> bool:
    """Whether the period since names (a year or a month) ends on date."""
    if len(since) == 4:
        return date.endswith("-12-31")
    year, month = int(since[:4]), int(since[5:7])
    return len(since) == 7 and int(date[8:]) == calendar.monthrange(year, month)[1]


@pytest.mark.parametrize("date", ["2012-12-31", "2013-01-01", "2016-05-01", "2016-05-30",
                                  "2016-05-31", "2016-06-01", "2017-12-30", "2017-12-31",
                                  "2099-01-01"])
def test_as_of_agrees_with_the_timeline(store: ox.Store, date: str) -> None:
    """Every dated thing of the timeline is listed as of a date exactly when its period starts
    on or before it, as "held" when the period is over by the end of that day."""
    timeline = {(r["node"], r["date"]) for r in records(store, "timeline")}
    want = {}
    for node, since in timeline:
        if date[:len(since)] > since or (len(since) == 10 and date >= since):
            want[node, since] = "held"
        elif date[:len(since)] == since:
            want[node, since] = "held" if _over(since, date) else "may have held"
    rows = records(store, "as-of", date=date)
    got = {(r["node"], r["since"]): r["status"] for r in rows if r["status"] != "undated"}
    assert got == want
    assert {r["date"] for r in rows} == {date}


@pytest.mark.parametrize(("month", "last"), [
    ("2016-02", "29"), ("2015-02", "28"), ("2000-02", "29"), ("1900-02", "28"),
    ("2016-04", "30"), ("2016-05", "31"), ("2016-12", "31")])
def test_a_month_is_held_on_its_last_day(month: str, last: str) -> None:
    """A fact dated to a month (May 2016) was "may have held" on the month's last day: the
    query knew the last day of a year only. February's last day follows the leap years."""
    store = ox.Store()
    node, instant = ox.NamedNode(ID + "event/e"), ox.NamedNode(ID + "event/e#time")
    kind, passage = ox.NamedNode(f"{CCB}Event"), ox.NamedNode(ID + "passage/p")
    label = ox.NamedNode(str(RDFS.label))
    for s, p, o in ((node, label, ox.Literal("E", language="en")),
                    (kind, label, ox.Literal("Event", language="en")),
                    (node, RDF_TYPE, kind),
                    (node, ox.NamedNode(f"{CCB}citesPassage"), passage),
                    (node, ox.NamedNode(f"{TIME}hasTime"), instant),
                    (instant, ox.NamedNode(f"{TIME}inXSDgYearMonth"),
                     ox.Literal(month, datatype=ox.NamedNode(f"{XSD_NS}gYearMonth")))):
        store.add(ox.Quad(s, p, o))
    before = str(int(last) - 1)
    statuses = [(d, r["status"]) for d in (f"{month}-{before}", f"{month}-{last}")
                for r in records(store, "as-of", date=d)]
    assert statuses == [(f"{month}-{before}", "may have held"), (f"{month}-{last}", "held")]


# ---------------------------------------------------------------------------- country comparison

ASPECTS = {"agreements", "exercises and training", "forums and organisations",
           "funding commitments", "national CSIRTs", "norms", "strategies and policy documents"}


def test_comparison_gives_every_aspect_of_every_country(store: ox.Store) -> None:
    rows = records(store, "country-comparison")
    by_country: dict[str, dict[str, tuple[int, str]]] = {}
    for r in rows:
        by_country.setdefault(r["country"].removeprefix(ID + "country/"), {})[r["aspect"]] = (
            int(r["count"]), r["status"])
    assert all(set(aspects) == ASPECTS for aspects in by_country.values())
    # The countries the seed source is curated for: a zero means the source records none.
    for code in ("ALB", "CAN", "JPN"):
        assert {s for n, s in by_country[code].values() if n == 0} == {"none in the sources"}
    assert by_country["CAN"]["funding commitments"] == (1, "recorded")
    assert by_country["JPN"]["agreements"] == (0, "none in the sources")
    # A counterparty only: what is not recorded is not yet curated, not known to be absent.
    assert by_country["SRB"]["agreements"] == (1, "recorded")
    assert by_country["SRB"]["national CSIRTs"] == (0, "not yet curated")
    assert all(n > 0 for n, s in (v for a in by_country.values() for v in a.values())
               if s == "recorded")
    # The forums counted are those the forums query lists.
    forums: dict[str, set[str]] = {}
    for r in records(store, "forums"):
        forums.setdefault(r["country"].removeprefix(ID + "country/"), set()).add(r["forum"])
    for code, aspects in by_country.items():
        assert aspects["forums and organisations"][0] == len(forums.get(code, ())), code


def test_without_curated_for_a_country_is_not_yet_curated(scratch: Path) -> None:
    """Take ccb:curatedFor Albania out of the source: Albania's zeros become "not yet curated"
    (through the CLI, on a modified copy of the sources)."""
    sources = scratch / "instances" / "sources.ttl"
    text = sources.read_text(encoding="utf-8")
    assert "ccb:curatedFor country:JPN, country:ALB, country:CAN" in text
    sources.write_text(text.replace("country:JPN, country:ALB, country:CAN",
                                    "country:JPN, country:CAN"), encoding="utf-8")
    result = run_cli("query", "run", "country-comparison", "--root", str(scratch),
                     "--param", "country=ALB", "--format", "csv")
    assert result.code == 0, result.err
    rows = list(csv.DictReader(io.StringIO(result.out, newline="")))
    assert {r["aspect"]: r["status"] for r in rows if r["count"] == "0"} == {
        "funding commitments": "not yet curated", "norms": "not yet curated"}


def test_curated_for_a_non_country_is_a_defect(scratch: Path) -> None:
    sources = scratch / "instances" / "sources.ttl"
    text = sources.read_text(encoding="utf-8")
    wrong = text.replace("ccb:curatedFor country:JPN,", "ccb:curatedFor passage:jpn-g7-g20,")
    sources.write_text(wrong, encoding="utf-8")
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,shapes")
    assert_no_traceback(result)
    assert result.code == 1, result.out
    assert "ccb:curatedFor" in result.out and "instances/sources.ttl" in result.out


# ---------------------------------------------------------------------------- ccbkg diff

REMOVED = """development:alb-institutional-modernisation a ccb:Development ;
    rdfs:label "Modernisation of Albania's institutional apparatus for capacity building"@en ;
    ccb:actor country:ALB ;
    ccb:country country:ALB ;
    ccb:aspectOf development:alb-cb-expansion ;
    ccb:citesPassage passage:alb-cb-expansion .
"""
ADDED = """
collaboration:alb-nato-test a ccb:Collaboration ;
    rdfs:label "A collaboration *added* for the test"@en ;
    ccb:collaborator country:ALB, organisation:nato ;
    ccb:citesPassage passage:alb-nato-training .
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org",
                    *args], check=True, capture_output=True)


def test_diff_between_two_commits_lists_added_removed_and_changed(
        scratch: Path, dist: Path, tmp_path: Path) -> None:
    _git(scratch, "init", "-q")
    _git(scratch, "add", "-A")
    _git(scratch, "commit", "-q", "-m", "before")
    albania = scratch / "instances" / "albania.ttl"
    text = albania.read_text(encoding="utf-8")
    assert REMOVED in text
    text = text.replace(REMOVED, "").replace('time:inXSDgYear "2013"^^xsd:gYear',
                                             'time:inXSDgYear "2014"^^xsd:gYear')
    albania.write_text(text + ADDED, encoding="utf-8")
    _git(scratch, "commit", "-q", "-a", "-m", "after")
    out = tmp_path / "section.md"
    result = run_cli("diff", "HEAD~1", "HEAD", "--repo", str(scratch), "--out", str(out))
    assert_no_traceback(result)
    assert result.code == 0, result.err
    assert result.out == ""
    section = out.read_text(encoding="utf-8")
    assert section.startswith("## Changes in the knowledge graph: HEAD~1 (")
    assert "1 node added, 1 node removed, 1 node changed." in section
    added = section[section.index("### Added"):section.index("### Removed")]
    assert "**A collaboration \\*added\\* for the test** (`id:collaboration/alb-nato-test`, " \
           "Collaboration)" in added
    assert "“and has participated in numerous NATO-led training initiatives" in added
    removed = section[section.index("### Removed"):section.index("### Changed")]
    assert "Modernisation of Albania's institutional apparatus" in removed
    assert "passage `id:passage/alb-cb-expansion` “In recent years" in removed
    changed = section[section.index("### Changed"):]
    assert "**MoU between Albania and NCIRC on enhancing cyber defence (2013)**" in changed
    assert "  - time › in XSD gYear: “2013” → “2014”" in changed
    # The sources at a commit and the built release compare equal when nothing changed.
    same = run_cli("diff", "HEAD~1", str(dist), "--repo", str(scratch))
    assert same.code == 0, same.err
    assert "0 nodes added, 0 nodes removed, 0 nodes changed." in same.out
    assert "###" not in same.out


@pytest.mark.parametrize(("old", "words"), [
    ("no-such-ref", "no-such-ref: neither a folder nor a git commit"),
    ("EMPTY", "no ccbkg.nq in this folder"),
])
def test_diff_of_something_not_a_release_is_one_line_exit_2(
        old: str, words: str, dist: Path, tmp_path: Path) -> None:
    if old == "EMPTY":
        old = str(tmp_path)
    out = tmp_path / "section.md"
    result = run_cli("diff", old, str(dist), "--repo", str(tmp_path), "--out", str(out))
    assert_no_traceback(result)
    assert result.code == 2
    assert words in result.err and len(result.err.strip().splitlines()) == 1
    assert not out.exists()


# ---------------------------------------------------------------------------- crosswalks

SCHEMES = ("gfce-themes", "osce-cbms", "cmm-dimensions", "itu-gci-pillars")
SCHEME = "https://w3id.org/ccbkg/scheme/"


def _vocabularies() -> Graph:
    graph = Graph()
    for name in SCHEMES:
        graph.parse(REPO / "ontology" / "vocab" / f"{name}.ttl")
    return graph


def test_every_framework_and_mapping_says_where_it_comes_from() -> None:
    graph = _vocabularies()
    concepts = set(graph.subjects(SKOS.inScheme, None))
    assert {str(c).rsplit("/", 1)[-1] for c in concepts} >= {
        "gfce-e", "cmm-d1", "cmm-d5", "gci-legal", "gci-cooperation"}
    for name in SCHEMES:
        scheme = URIRef(SCHEME + name)
        assert list(graph.objects(scheme, DCTERMS.source)), name
    mapped = 0
    for concept in concepts:
        targets = [*graph.objects(concept, SKOS.closeMatch), *graph.objects(concept,
                                                                           SKOS.broadMatch)]
        if not targets:
            continue
        mapped += 1
        assert set(targets) <= concepts, f"{concept} maps to a concept no scheme has"
        scheme = graph.value(concept, SKOS.inScheme)
        notes = [*graph.objects(concept, SKOS.editorialNote),
                 *graph.objects(scheme, SKOS.scopeNote)]
        assert any("Crosswalk (ccbkg)" in str(n) for n in notes), concept
    assert mapped == 5 + 16


def test_facts_by_framework_follows_the_mappings(store: ox.Store) -> None:
    graph = _vocabularies()
    for path in sorted((REPO / "instances").glob("*.ttl")):
        graph.parse(path)
    want = set()
    for node, tag in [*graph.subject_objects(CCB.hasTheme), *graph.subject_objects(
            CCB.relatesToCBM)]:
        reached = {tag, *graph.objects(tag, SKOS.closeMatch), *graph.objects(tag, SKOS.broadMatch)}
        want |= {(str(node), str(tag), str(c)) for c in reached}
    rows = records(store, "facts-by-framework")
    assert {(r["node"], r["tag"], r["concept"]) for r in rows} == want
    frameworks = {r["framework"].removeprefix(SCHEME) for r in rows}
    assert frameworks == set(SCHEMES)
    assert all(r["passage"].startswith(ID + "passage/") for r in rows)


# ---------------------------------------------------------------------------- evidence


def test_every_listing_gives_the_passage_of_each_row(store: ox.Store) -> None:
    passages = {r["node"] for r in records(store, "find-by-label", text="")
                if r["kind"] == str(CCB.Passage)}
    assert len(passages) > 30
    for info in catalogue(REPO):
        if info.name == "country-comparison":  # counts, not facts
            continue
        rows = records(store, info.name)
        assert rows and "passage" in rows[0], info.name
        cited = {r["passage"] for r in rows if r["passage"]}
        assert cited and cited <= passages, info.name
        # Only passages, concepts and source documents cite no passage.
        assert all(r["passage"] or r.get("kind") in (str(CCB.Passage), str(CCB.SourceDocument),
                                                     str(SKOS.Concept)) for r in rows), info.name
