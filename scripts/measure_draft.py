"""Measure `ccbkg draft` against the curated data (the figures of docs/curation.md).

Two runs, each on a scratch copy of the sources:

- seed: instances/ without the three curated country files (japan, albania, canada.ttl);
  the draft of the seed text is compared with those files and the passages they cite;
- fixture: the tutorial's made-up text (tests/fixtures/curation/examplia.txt) added with
  `source add`, its country file started with `new country`, the tutorial's two passages
  cut; the draft (`--country examplia`) is compared with the tutorial's nodes.

Figures: the share of curated passages whose sentence the draft proposes (a proposed passage
contains it; goal >= 90%); the share of curated nodes of the kinds the draft proposes that it
proposes with the same class, citing a passage that contains one of theirs, and linked to the
same entities the data already had (nodes of the remaining files and countries; a candidate
counts for one curated node at most; goal >= 70%); the same share over every curated node
(goal >= 70%); and the invented values: literals of the draft that are neither words of the
text (white space aside), a date the text writes, nor a literal of the data (goal 0). The
candidates with no curated counterpart are listed too.

    .venv/bin/python scripts/measure_draft.py [--json FILE]

Exit status 1 when a figure misses its goal.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from ccbkg.core.namespaces import CCB, ID, OA
from ccbkg.curate.country import COUNTRY_NS, new_country
from ccbkg.curate.draft import MONTHS, draft
from ccbkg.curate.sources import Bibliography, add_passage, add_source
from ccbkg.project.layout import Project

REPO = Path(__file__).resolve().parents[1]
CURATED = ("japan", "albania", "canada")
# The classes `ccbkg draft` proposes (docs/curation.md lists the rules).
PROPOSED = {CCB[c] for c in (
    "NationalCybersecurityStrategy", "Strategy", "CSIRT", "NationalAuthority",
    "GovernmentAgency", "MemorandumOfUnderstanding", "Agreement", "Exercise", "Membership",
    "Participation", "ForumUse", "Collaboration", "FundingCommitment", "Programme",
    "Regulation", "GovernmentPaper", "Statement", "Position", "Objective", "Development",
    "Merger", "MandateExpansion", "Initiative", "CBMInitiative", "Principle")}
NOT_NODES = {CCB.Country, CCB.Passage, CCB.SourceDocument}
DATES = {XSD.gYear, XSD.gYearMonth, XSD.date}


def _copy(dest: Path) -> Path:
    for name in ("ontology", "shapes", "instances", "queries"):
        shutil.copytree(REPO / name, dest / name)
    return dest


def _span(graph: Graph, passage: object) -> tuple[int, int]:
    position = URIRef(f"{passage}#position")
    return int(str(graph.value(position, OA.start))), int(str(graph.value(position, OA.end)))


def invented(draft_graph: Graph, text: str, data_literals: set[str]) -> list[str]:
    """The draft's literals that are not the text's words, a date it writes, an offset of
    its quote, or a literal the data already has."""
    flat = " ".join(text.split())
    out = []
    for s, p, o in draft_graph:
        if not isinstance(o, Literal):
            continue
        value = str(o)
        if o.datatype in DATES:
            year, *rest = value.split("-")
            month = MONTHS[int(rest[0]) - 1] if rest else None
            said = re.search(rf"{month} {year}" if month else rf"\b{year}\b", flat, re.I)
            if said is None:
                out.append(f"{s} {p} {value!r}")
        elif o.datatype == XSD.nonNegativeInteger:
            exact = draft_graph.value(URIRef(str(s).replace("#position", "#quote")), OA.exact)
            start, end = _span(draft_graph, URIRef(str(s).split("#")[0]))
            if str(exact) != text[start:end]:
                out.append(f"{s} {p} {value!r}")
        elif " ".join(value.split()) not in flat and value not in data_literals:
            out.append(f"{s} {p} {value!r}")
    return out


def compare(gold: Graph, gold_nodes: set[URIRef], known: set[str], proposal: Graph, text: str,
            data_literals: set[str], sources: Graph) -> dict[str, object]:
    """The figures of one run; `sources` holds the passages sources.ttl had before the draft,
    which the draft cites instead of proposing them again (a sentence cut already)."""
    passages = {o for n in gold_nodes for o in gold.objects(n, CCB.citesPassage)}
    spans = {p: _span(gold, p) for p in passages}
    cited = {p for p in proposal.objects(None, CCB.citesPassage)
             if (p, RDF.type, CCB.Passage) not in proposal}
    located = proposal + sources

    def span_of(passage: Node) -> tuple[int, int]:
        return _span(located, passage)

    drafted = [span_of(p) for p in [*proposal.subjects(RDF.type, CCB.Passage), *cited]]

    def covered(span: tuple[int, int]) -> bool:
        return any(s <= span[0] and span[1] <= e for s, e in drafted)

    found_passages = sum(covered(s) for s in spans.values())

    def links(graph: Graph, node: Node) -> set[str]:
        return {str(o) for p, o in graph.predicate_objects(node) if isinstance(o, URIRef) and
                p not in (RDF.type, CCB.citesPassage) and
                (str(o) in known or str(o).startswith(COUNTRY_NS))}

    candidates = [(d, set(proposal.objects(d, RDF.type)),
                   [span_of(p) for p in proposal.objects(d, CCB.citesPassage)])
                  for d in set(proposal.subjects(CCB.citesPassage, None))]
    fits: dict[Node, list[Node]] = {}
    for node in sorted(gold_nodes):
        kinds = set(gold.objects(node, RDF.type))
        theirs = [spans[p] for p in gold.objects(node, CCB.citesPassage)]
        want = links(gold, node)
        fits[node] = [d for d, types, cited in candidates if kinds & types and
                      links(proposal, d) == want and any(
                          s <= g0 and g1 <= e for s, e in cited for g0, g1 in theirs)]
    pairs = _one_to_one(fits)
    matched = list(pairs)
    in_scope = [n for n in gold_nodes if set(gold.objects(n, RDF.type)) & PROPOSED]
    lies = invented(proposal, text, data_literals)
    return {
        "passages": len(spans), "passages_proposed": found_passages,
        "passage_share": round(found_passages / len(spans), 3),
        "nodes_in_scope": len(in_scope),
        "nodes_matched_in_scope": sum(n in matched for n in in_scope),
        "node_share": round(sum(n in matched for n in in_scope) / max(1, len(in_scope)), 3),
        "nodes_all": len(gold_nodes), "nodes_matched_all": len(matched),
        "node_share_all": round(len(matched) / len(gold_nodes), 3),
        "missed": sorted(str(n) for n in set(in_scope) - set(matched)),
        "invented": lies, "proposed_passages": len(drafted) - len(cited),
        "cited_passages": len(cited),
        "proposed_nodes": sum(any(str(t).startswith(str(CCB)) for t in types)
                              for _, types, _ in candidates),
        "unmatched": sorted(str(d) for d, types, _ in candidates if d not in pairs.values()
                            and any(str(t).startswith(str(CCB)) for t in types)),
    }


def _one_to_one(fits: dict[Node, list[Node]]) -> dict[Node, Node]:
    """The most curated nodes that can each be given a candidate of their own (a maximum
    bipartite matching, by augmenting paths): one candidate counts for one curated node."""
    owner: dict[Node, Node] = {}

    def place(node: Node, seen: set[Node]) -> bool:
        for candidate in fits[node]:
            if candidate not in seen:
                seen.add(candidate)
                if candidate not in owner or place(owner[candidate], seen):
                    owner[candidate] = node
                    return True
        return False

    for node in fits:
        place(node, set())
    return {node: candidate for candidate, node in owner.items()}


def _nodes(graph: Graph) -> set[URIRef]:
    return {s for s, o in graph.subject_objects(RDF.type) if isinstance(s, URIRef) and
            o not in NOT_NODES and (s, CCB.citesPassage, None) in graph}


def literals(root: Path) -> set[str]:
    graph = Graph()
    for path in (root / "instances").glob("*.ttl"):
        graph.parse(path)
    return {str(o) for o in graph.objects() if isinstance(o, Literal)}


def seed(work: Path) -> dict[str, object]:
    """The seed text, with the three curated country files removed."""
    root = _copy(work / "seed")
    gold = Graph().parse(root / "instances" / "sources.ttl")
    sources = Graph() + gold
    files = Graph()
    for name in CURATED:
        path = root / "instances" / f"{name}.ttl"
        files.parse(path)
        path.unlink()
    gold += files
    project = Project.discover(root)
    known = {str(s) for path in (root / "instances").glob("*.ttl")
             for s in Graph().parse(path).subjects()}
    result = draft(project, "000_311875a826843e54.txt", None)
    text = (root / "instances" / "sources" / "000_311875a826843e54.txt").read_text("utf-8")
    return compare(gold, _nodes(files), known, Graph().parse(result.path), text,
                   literals(root), sources)


def fixture(work: Path) -> dict[str, object]:
    """The tutorial's made-up text, its passages and nodes (docs/curation.md)."""
    root = _copy(work / "fixture")
    project = Project.discover(root)
    fixtures = REPO / "tests" / "fixtures" / "curation"
    _, source, _ = add_source(project, fixtures / "examplia.txt",
                           Bibliography("Examplia, a fictional test text"))
    new_country(project, "examplia", "Republic of Examplia")
    key = source.rsplit("/", 1)[1]
    add_passage(project, f"src:{key}", "The Republic of Examplia adopted its first National "
                "Cyber Strategy in March 2021", None, "exa-strategy-2021", None)
    add_passage(project, f"src:{key}", "Its national CSIRT, EX-CERT, was\ncreated in 2019",
                None, "exa-ex-cert", None)
    known = {str(s) for path in (root / "instances").glob("*.ttl")
             for s in Graph().parse(path).subjects()}
    nodes = (fixtures / "examplia-nodes.ttl").read_text("utf-8")
    country = (root / "instances" / "examplia.ttl").read_text("utf-8")
    gold = Graph().parse(data=country + nodes, format="turtle")
    gold.parse(root / "instances" / "sources.ttl")
    gold_nodes = _nodes(Graph().parse(data=country.split("# ---")[0] + nodes,
                                      format="turtle")) - {URIRef(f"{ID}country/examplia")}
    result = draft(Project.discover(root), f"src:{key}", "examplia")
    text = (fixtures / "examplia.txt").read_text("utf-8")
    sources = Graph().parse(root / "instances" / "sources.ttl")
    return compare(gold, gold_nodes, known, Graph().parse(result.path), text,
                   literals(root), sources)


def main() -> int:
    """Run both measurements, print them, and say which figure misses its goal."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = {"seed": seed(Path(tmp)), "fixture": fixture(Path(tmp))}
    misses = []
    for run, f in figures.items():
        print(f"{run}: passages {f['passages_proposed']}/{f['passages']} "
              f"({f['passage_share']:.0%}), nodes of the proposed kinds "
              f"{f['nodes_matched_in_scope']}/{f['nodes_in_scope']} ({f['node_share']:.0%}), "
              f"all curated nodes {f['nodes_matched_all']}/{f['nodes_all']} "
              f"({f['node_share_all']:.0%}), invented "
              f"values {len(f['invented'])} (draft: {f['proposed_passages']} passages, "  # type: ignore[arg-type]
              f"{f['cited_passages']} cited as sources.ttl has them, "
              f"{f['proposed_nodes']} nodes)")
        for node in f["missed"]:  # type: ignore[attr-defined]
            print(f"  missed {node}")
        for node in f["unmatched"]:  # type: ignore[attr-defined]
            print(f"  proposed, no curated counterpart: {node}")
        for lie in f["invented"]:  # type: ignore[attr-defined]
            print(f"  INVENTED {lie}")
        if f["passage_share"] < 0.9:  # type: ignore[operator]
            misses.append(f"{run}: passage share below 90%")
        if f["node_share"] < 0.7:  # type: ignore[operator]
            misses.append(f"{run}: node share below 70%")
        if f["node_share_all"] < 0.7:  # type: ignore[operator]
            misses.append(f"{run}: share of all curated nodes below 70%")
        if f["invented"]:
            misses.append(f"{run}: invented values")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    for miss in misses:
        print(f"MISSES: {miss}", file=sys.stderr)
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
