"""The research views (issue 19, points 2, 3 and 5): whole answers from `forums` and `quotes`,
the reference tables of docs/queries.md held to the ontology, as-of, the country comparison,
the framework crosswalks and `ccbkg diff`."""

from __future__ import annotations

import csv
import io
import re

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDFS

from ccbkg.core.namespaces import CCB, PREFIXES
from tests.conftest import REPO, assert_no_traceback, run_cli

DOCS = REPO / "docs" / "queries.md"
ID = "https://w3id.org/ccbkg/id/"


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
