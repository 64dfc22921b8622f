"""The claim inventory (instances/README.md): each row's nodes exist and cite its passage."""

from __future__ import annotations

import re

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ccbkg.core.namespaces import CCB, ID
from tests.conftest import REPO

INVENTORY = REPO / "instances" / "README.md"
ROW = re.compile(r"^\|\s*(\d+)\s*\|(.*)\|(.*)\|(.*)\|\s*$")


def _rows() -> list[tuple[int, str, list[str], str]]:
    rows = []
    for line in INVENTORY.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            number, claim, nodes, passage = (g.strip() for g in match.groups())
            names = [n.strip().strip("`") for n in nodes.split(",") if n.strip() not in ("", "—")]
            rows.append((int(number), claim, names, passage.strip("` ")))
    return rows


def _expand(curie: str) -> URIRef:
    assert curie.startswith("id:"), f"use id: CURIEs in the inventory, not {curie!r}"
    return URIRef(str(ID) + curie[3:])


def test_inventory_rows_point_at_cited_nodes() -> None:
    graph = Graph()
    for path in sorted((REPO / "instances").glob("*.ttl")):
        graph.parse(path, format="turtle")
    rows = _rows()
    assert len(rows) >= 30, "the inventory should list every claim of the source"
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1)), "rows numbered 1..n in order"
    for number, claim, nodes, passage in rows:
        if not nodes:
            assert len(claim) > 20, f"row {number}: a left-out claim must say why"
            continue
        passage_iri = _expand(passage)
        assert (passage_iri, RDF.type, CCB.Passage) in graph, f"row {number}: {passage}"
        for node in nodes:
            iri = _expand(node)
            assert (iri, None, None) in graph, f"row {number}: {node} is not in the data"
            if "#" not in node:
                assert (iri, CCB.citesPassage, passage_iri) in graph, \
                    f"row {number}: {node} does not cite {passage}"


def test_every_passage_is_in_the_inventory() -> None:
    graph = Graph().parse(REPO / "instances" / "sources.ttl")
    passages = {str(p) for p in graph.subjects(RDF.type, CCB.Passage)}
    listed = {str(_expand(r[3])) for r in _rows() if r[3].startswith("id:")}
    assert passages, "no passages"
    assert passages - listed == set(), ("passages no inventory row points at "
                                        "(`ccbkg check` names each)")
