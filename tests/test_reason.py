"""Reasoning: the real graph is consistent; a node with two disjoint types is caught and named."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from pathlib import Path

import pytest

from ccbkg.checks import reason as reasoning
from ccbkg.project.layout import Project
from ccbkg.project.load import LoadedProject, load
from tests.conftest import REPO, CliResult, assert_no_traceback, run_cli

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")]

PREFIXES = """@prefix ccb: <https://w3id.org/ccbkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def test_real_graph_is_consistent() -> None:
    result = run_cli("check", "--root", str(REPO), "--only", "syntax,reason", "--quiet",
                     "--no-cache")  # HermiT itself, not a kept verdict
    assert result.code == 0, result.out
    assert "left out" in result.out  # the report says what HermiT did not see


@pytest.mark.parametrize("clash", [False, True], ids=["consistent", "inconsistent"])
def test_the_reasoner_leaves_no_file_in_the_temporary_folder(
        scratch: Path, tmp_path: Path, clash: bool) -> None:
    """owlready2 writes the graph it hands HermiT to a temporary file, which it removes only
    when HermiT finds the graph consistent: each check of an inconsistent graph left some
    400 KB in the user's temporary folder."""
    if clash:
        (scratch / "instances" / "zz-clash.ttl").write_text(PREFIXES + """
<https://w3id.org/ccbkg/id/country/clash> a ccb:Country, ccb:Organisation ;
    rdfs:label "Clash"@en .
""")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,reason", "--no-cache",
                     env={"TMPDIR": str(temporary)}, fresh=True)  # a new interpreter reads it
    assert result.code == (1 if clash else 0), result.out + result.err
    assert ("inconsistent" in result.out) == clash, result.out
    assert sorted(p.name for p in temporary.iterdir()) == []


def test_an_integer_beyond_64_bits_is_left_out_of_what_hermit_sees(scratch: Path) -> None:
    """owlready2's loader fails on an integer of 2**63 or more (a valid xsd:integer, or a
    mistyped offset): it is counted among the literals HermiT does not see, not an internal
    error."""
    before = run_cli("check", "--root", str(scratch), "--only", "syntax,reason", "--no-cache")
    (scratch / "instances" / "zz-big.ttl").write_text(PREFIXES + """
<https://w3id.org/ccbkg/id/country/JPN> ccb:big "9223372036854775808"^^xsd:integer,
    "-9223372036854775809"^^xsd:long, "9223372036854775807"^^xsd:integer .
""")
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,reason", "--no-cache")
    assert_no_traceback(result)
    assert result.code == 0, result.out + result.err
    left = [int(n) for r in (before, result) for n in re.findall(r"left out (\d+) literal", r.out)]
    assert left[1] == left[0] + 2, left


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


# a class disjoint with itself (HermiT refused the axiom with a Java stack trace): the reasoner
# names the class, or with instances says the graph is inconsistent and names them; the lint
# names the class where it is described
SELF_DISJOINT = {
    "no instances": ("ccb:Impossible a owl:Class ;\n    owl:disjointWith ccb:Impossible .\n",
                     "class https://w3id.org/ccbkg/ontology#Impossible is unsatisfiable",
                     "ontology/zz-self.ttl:5  ccb:Impossible"),
    "instances": ("ccb:Strategy owl:disjointWith ccb:Strategy .\n",
                  "the graph is inconsistent: id:strategy/",
                  # where the ontology describes ccb:Strategy (read, not written in here)
                  "ontology/ccb.ttl:{}  ccb:Strategy".format(
                      (REPO / "ontology" / "ccb.ttl").read_text().splitlines().index(
                          "ccb:Strategy a owl:Class ;") + 1)),
}


@pytest.mark.parametrize("case", sorted(SELF_DISJOINT))
def test_a_class_disjoint_with_itself_is_named(case: str, scratch: Path) -> None:
    axiom, words, lint_location = SELF_DISJOINT[case]
    (scratch / "ontology" / "zz-self.ttl").write_text(
        PREFIXES + "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n" + axiom)
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,lint,reason", "--quiet")
    assert_no_traceback(result)
    assert result.code == 1, result.out + result.err
    assert words in result.out
    assert "declared owl:disjointWith itself" in result.out
    assert lint_location in result.out


# Above HERMIT_DATA_LIMIT data triples, HermiT sees the ontology only and the data is checked
# with rules (reason.data_clashes). On each case both paths must reach the same verdict and name
# the same node.
CLASHES = {
    "asserted disjoint types": """
id:zz a ccb:Country , ccb:Agreement ; rdfs:label "zz"@en .""",
    "type against a domain (sub-property)": """
id:zz a ccb:Agreement ; rdfs:label "zz"@en ; ccb:nationalCsirtOf country:JPN .""",
    "type against a range": """
id:zz a ccb:Passage ; rdfs:label "zz"@en .
<https://w3id.org/ccbkg/id/csirt/alcirt> ccb:nationalCsirtOf id:zz .""",
    "two domains that exclude each other": """
id:zz rdfs:label "zz"@en ; ccb:jurisdiction country:JPN ; ccb:party country:ALB .""",
    "subclass of a disjoint class": """
id:zz a ccb:Strategy , ccb:Regulation ; rdfs:label "zz"@en .""",
    "no clash: an exercise is an event and an initiative": """
id:zz a ccb:Exercise ; rdfs:label "zz"@en .""",
}


def _sources_with(scratch: Path, case: str) -> LoadedProject:
    (scratch / "instances" / "zz.ttl").write_text(
        PREFIXES + "@prefix id: <https://w3id.org/ccbkg/id/> .\n"
        "@prefix country: <https://w3id.org/ccbkg/id/country/> .\n" + CLASHES[case])
    sources = load(Project.discover(scratch))
    assert not sources.result.errors, sources.result.errors
    return sources


@pytest.mark.parametrize("case", sorted(CLASHES))
def test_the_rules_at_scale_agree_with_hermit(case: str, scratch: Path) -> None:
    sources = _sources_with(scratch, case)
    hermit = reasoning.reason(sources)  # under the limit: HermiT sees the data
    rules = reasoning.data_clashes(sources)
    clash = not case.startswith("no clash")
    assert bool(hermit.errors) == clash, hermit.errors
    assert [f.node for f in rules] == (["https://w3id.org/ccbkg/id/zz"] if clash else [])
    assert [f.node for f in hermit.errors] == [f.node for f in rules]  # HermiT's, named


EXPLAINED = {
    "asserted disjoint types": r"is a ccb:\w+ \(its rdf:type\) and a ccb:\w+ \(its rdf:type\)",
    "type against a domain (sub-property)": r"\(the domain of ccb:nationalCsirtOf, as the "
    r"subject of its ccb:nationalCsirtOf at instances/zz\.ttl:{line}\)",
    "type against a range": r"a ccb:Country \(the range of ccb:nationalCsirtOf, as the object "
    r"of id:csirt/alcirt's ccb:nationalCsirtOf at instances/zz\.ttl:{line}\)",
    "two domains that exclude each other": r"\(the domain of ccb:(jurisdiction|party), .*"
    r"\(the domain of ccb:(jurisdiction|party), ",
    "subclass of a disjoint class": r"is a ccb:Regulation \(its rdf:type\) and a "
    r"ccb:Strategy \(its rdf:type\)",
}


@pytest.mark.parametrize("case", sorted(EXPLAINED))
def test_a_clash_says_where_each_class_comes_from(case: str, scratch: Path) -> None:
    """The rules name the statement that makes the node each of the two classes (its type, or
    a property's domain or range), and stand at the property's statement when one does."""
    (finding,) = reasoning.data_clashes(_sources_with(scratch, case))
    lines = (scratch / "instances" / "zz.ttl").read_text().splitlines()
    line = next((n for n, text in enumerate(lines, 1) if "nationalCsirtOf" in text), None)
    assert re.search(EXPLAINED[case].format(line=line), finding.message), finding.message
    assert finding.file == "instances/zz.ttl", finding
    if line is not None:  # stands at the statement that brings the class
        assert finding.line == line, finding


def test_above_the_limit_the_data_is_checked_by_the_rules(
        scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = _sources_with(scratch, "type against a domain (sub-property)")
    monkeypatch.setattr(reasoning, "HERMIT_DATA_LIMIT", 0)
    result = reasoning.reason(sources)
    assert any("checked with rules instead of HermiT" in n for n in result.notes), result.notes
    assert [(f.node, f.file, f.line) for f in result.errors] == [
        ("https://w3id.org/ccbkg/id/zz", "instances/zz.ttl", 7)]


def test_a_java_failure_is_reported_by_its_message_not_its_stack() -> None:
    trace = ('Java error message is:\nException in thread "main" '
             "java.lang.IllegalArgumentException: Error: A DisjointClasses axiom in OWL 2 DL "
             "must have at least two classes\n"
             "\tat org.semanticweb.HermiT.cli.CommandLine.main(CommandLine.java:830)\n")
    assert reasoning._first_line(Exception(trace)) == \
        "Error: A DisjointClasses axiom in OWL 2 DL must have at least two classes"


# HermiT's verdicts kept in the cache (ccbkg.checks.reason): a `java` that answers `-version`
# and refuses to run anything else shows whether HermiT ran.
REFUSED = "this java only answers -version"


def _refusing_java(tmp_path: Path) -> str:
    """A PATH whose `java` runs nothing but `java -version`."""
    real = shutil.which("java")
    assert real is not None
    folder = tmp_path / "refusing bin"
    folder.mkdir()
    java = folder / "java"
    java.write_text(f'#!/bin/sh\nif [ "$1" = "-version" ]; then exec "{real}" "$@"; fi\n'
                    f'echo \'Exception in thread "main" java.lang.Error: {REFUSED}\' >&2\n'
                    "exit 1\n")
    java.chmod(0o755)
    return f"{folder}:{os.environ['PATH']}"


def _reason(root: Path, cache: Path, *extra: str, path: str | None = None) -> CliResult:
    env = {"CCBKG_CACHE_DIR": str(cache), **({"PATH": path} if path else {})}
    result = run_cli("check", "--root", str(root), "--only", "syntax,reason", "--format", "json",
                     *extra, env=env)
    assert_no_traceback(result)
    return result


def _report(result: CliResult) -> str:
    return re.sub(r'"seconds": [0-9.e-]+', "", result.out)


def test_hermits_verdict_is_kept_and_read_back_only_for_the_same_files(
        scratch: Path, tmp_path: Path) -> None:
    cache, refusing = tmp_path / "cache", _refusing_java(tmp_path)
    assert _reason(scratch, cache, path=refusing).code == 2  # nothing kept yet: HermiT runs
    first = _reason(scratch, cache)
    assert first.code == 0, first.err
    entries = list((cache / "reasoner").iterdir())
    assert len(entries) == 1 and entries[0].suffix == ".json", entries
    assert stat.S_IMODE(entries[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((cache / "reasoner").stat().st_mode) == 0o700
    again = _reason(scratch, cache, path=refusing)
    assert again.code == 0, again.err
    assert _report(again) == _report(first)
    # the progress line says where the verdict came from; the report is the same bytes
    assert "verdict kept from an earlier run" in again.err, again.err
    assert "kept" not in first.err, first.err
    forced = _reason(scratch, cache, "--no-cache", path=refusing)
    assert forced.code == 2 and REFUSED in forced.err, forced.err
    # a file HermiT does not read (the shapes) changes nothing; one it reads, one byte, does
    with (scratch / "shapes" / "ccb.shapes.ttl").open("a") as shapes:
        shapes.write("# a comment\n")
    assert _reason(scratch, cache, path=refusing).code == 0
    with (scratch / "instances" / "japan.ttl").open("a") as data:
        data.write("#\n")
    changed = _reason(scratch, cache, path=refusing)
    assert changed.code == 2 and REFUSED in changed.err, changed.err


def test_an_inconsistent_graph_is_reported_the_same_from_the_kept_verdict(
        scratch: Path, tmp_path: Path) -> None:
    (scratch / "instances" / "zz-clash.ttl").write_text(PREFIXES + """
<https://w3id.org/ccbkg/id/country/clash> a ccb:Country, ccb:Organisation ;
    rdfs:label "Clash"@en .
""")
    cache = tmp_path / "cache"
    first = _reason(scratch, cache)
    assert first.code == 1 and "id/country/clash" in first.out, first.out
    again = _reason(scratch, cache, path=_refusing_java(tmp_path))
    assert again.code == 1, again.err
    assert _report(again) == _report(first)


@pytest.mark.parametrize("spoil", ["not whole", "another key", "a link", "a FIFO",
                                   "others may write"])
def test_a_kept_verdict_is_used_only_when_whole_ours_and_private(
        scratch: Path, tmp_path: Path, spoil: str) -> None:
    cache = tmp_path / "cache"
    assert _reason(scratch, cache).code == 0
    entry = next((cache / "reasoner").iterdir())
    kept = json.loads(entry.read_text())
    if spoil == "not whole":
        entry.write_text(entry.read_text()[:-5])
    elif spoil == "another key":
        entry.write_text(json.dumps({**kept, "key": "0" * 64}))
    elif spoil == "a link":
        (tmp_path / "elsewhere.json").write_text(entry.read_text())
        entry.unlink()
        entry.symlink_to(tmp_path / "elsewhere.json")
    elif spoil == "a FIFO":  # opened without waiting for a writer, then refused
        entry.unlink()
        os.mkfifo(entry)
    else:
        (cache / "reasoner").chmod(0o777)
    refused = _reason(scratch, cache, path=_refusing_java(tmp_path))
    assert refused.code == 2 and REFUSED in refused.err, (spoil, refused.err)


def test_a_source_document_cited_as_a_passage_is_one_error_with_the_reasoner(
        scratch: Path) -> None:
    """The range of ccb:citesPassage makes the cited source document a passage, which its type
    excludes: the reasoner's clash stands at the citation and follows from the shapes' error."""
    japan = scratch / "instances" / "japan.ttl"
    japan.write_text(japan.read_text(encoding="utf-8").replace(
        "ccb:citesPassage passage:jpn-strategy-2018-resilience .",
        "ccb:citesPassage <https://w3id.org/ccbkg/id/source/311875a826843e54> .", 1),
        encoding="utf-8")
    result = run_cli("check", "--root", str(scratch), "--format", "json")
    assert result.code == 1, result.err
    found = [f for s in json.loads(result.out)["stages"] for f in s["findings"]
             if f["severity"] == "error"]
    (clash,) = [f for f in found if f["stage"] == "reason"]
    assert clash["file"] == "instances/japan.ttl" and "cause" in clash, clash
    assert "(the range of ccb:citesPassage, as the object of id:objective/jpn-2018-resilience's" \
        in clash["message"], clash
    assert [f["shape"].rsplit("#")[-1] for f in found if "cause" not in f] == \
        ["Instance-citesPassage"], found
