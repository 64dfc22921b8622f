"""Reasoning: the real graph is consistent; a node with two disjoint types is caught and named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, assert_no_traceback, run_cli

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")

PREFIXES = """@prefix ccb: <https://w3id.org/ccbkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def test_real_graph_is_consistent() -> None:
    result = run_cli("check", "--root", str(REPO), "--only", "syntax,reason", "--quiet")
    assert result.code == 0, result.out
    assert "left out" in result.out  # the report says what HermiT did not see


def test_disjoint_types_make_the_graph_inconsistent_and_the_node_is_named(scratch: Path) -> None:
    (scratch / "instances" / "zz-clash.ttl").write_text(PREFIXES + """
<https://w3id.org/ccbkg/id/country/clash> a ccb:Country, ccb:Organisation ;
    rdfs:label "Clash"@en .
""")
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,reason", "--quiet")
    assert result.code == 1
    assert_no_traceback(result)
    assert "inconsistent" in result.out
    assert "id:country/clash" in result.out
    assert "instances/zz-clash.ttl:5" in result.out


def test_unsatisfiable_class_is_named(scratch: Path) -> None:
    ontology = scratch / "ontology" / "zz-broken.ttl"
    ontology.write_text(PREFIXES + """@prefix owl: <http://www.w3.org/2002/07/owl#> .
ccb:Impossible a owl:Class ;
    rdfs:subClassOf ccb:Country, ccb:Organisation .
""")
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,reason", "--quiet")
    assert result.code == 1
    assert_no_traceback(result)
    assert "Impossible is unsatisfiable" in result.out
