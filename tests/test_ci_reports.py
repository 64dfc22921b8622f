"""`ccbkg check --data` in downstream CI: data in every RDF syntax, and the report formats CI
systems read (GitHub annotations, JUnit XML, SARIF 2.1.0 validated against its schema)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pyoxigraph as ox
import pytest

from tests.conftest import REPO, CliResult, assert_no_traceback, run_cli

MUTANT = REPO / "tests" / "fixtures" / "shapes" / "AgreementShape-invalid-01.ttl"
SARIF_SCHEMA = REPO / "tests" / "sarif" / "sarif-schema-2.1.0.json"
SHAPES = {"Agreement-partyCount", "Agreement-status", "AgreementSidesShape"}
SYNTAXES = {".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS,
            ".trig": ox.RdfFormat.TRIG, ".rdf": ox.RdfFormat.RDF_XML,
            ".jsonld": ox.RdfFormat.JSON_LD}
# A folder name with the characters GitHub's workflow commands must escape in a property.
ODD_FOLDER = "ci,data:x"
BROKEN_NT = ('<https://w3id.org/ccbkg/id/a> <http://www.w3.org/2000/01/rdf-schema#label> "a" .\n'
             '<https://w3id.org/ccbkg/id/a> <http://www.w3.org/2000/01/rdf-schema#label> "b .\n')


def check(*data: str, cwd: Path, fmt: str, extra: tuple[str, ...] = ()) -> CliResult:
    args = ["check", "-q", "--only", "syntax,shapes", "--format", fmt, *extra, "--data", *data]
    result = run_cli(*args, cwd=cwd)
    assert_no_traceback(result)
    return result


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mutant in every syntax (its agreement renamed after the syntax), in a folder with an
    odd name, and a broken N-Triples file."""
    root = tmp_path_factory.mktemp("ci")
    folder = root / ODD_FOLDER
    folder.mkdir()
    text = MUTANT.read_text()
    (folder / "agreement.ttl").write_text(text)
    (folder / "agreement.txt").write_text(text)  # Turtle that no extension says
    for suffix, fmt in SYNTAXES.items():
        renamed = text.replace("agreement:lonely ", f"agreement:lonely-{suffix[1:]} ")
        quads = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode("https://example.org/g"))
                 for q in ox.parse(renamed.encode(), format=ox.RdfFormat.TURTLE)]
        (folder / f"agreement{suffix}").write_bytes(ox.serialize(
            quads if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)
            else [q.triple for q in quads], format=fmt))
    (folder / "broken.nt").write_text(BROKEN_NT)
    return root


@pytest.fixture(scope="module")
def reports(work: Path) -> dict[str, CliResult]:
    """The mutant as Turtle (relative to the working directory) in each CI format; the broken
    file; the mutant in every other syntax at once (absolute paths, outside the working
    directory); the mutant in a .txt file read with --data-format. One after the other: side
    by side, each thread would start a warm CLI server of its own (tests/warm_cli.py), which
    costs more than the runs."""
    folder = work / ODD_FOLDER
    runs = {fmt: ((f"{ODD_FOLDER}/agreement.ttl",), work, fmt, ())
            for fmt in ("github", "junit", "sarif")}
    runs |= {f"broken-{fmt}": ((f"{ODD_FOLDER}/broken.nt",), work, fmt, ())
             for fmt in ("github", "sarif")}
    runs["syntaxes"] = (tuple(str(folder / f"agreement{s}") for s in SYNTAXES), REPO, "sarif",
                        ())
    runs["txt"] = ((str(folder / "agreement.txt"),), REPO, "sarif", ("--data-format", "turtle"))
    return {k: check(*data, cwd=cwd, fmt=fmt, extra=extra)
            for k, (data, cwd, fmt, extra) in runs.items()}


def findings_of(result: CliResult) -> set[tuple[str, str]]:
    """(focus node, shape's local name) of each result of a SARIF log."""
    return {(r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
             r["ruleId"].rpartition("/")[2]) for r in json.loads(result.out)["runs"][0]["results"]}


def test_data_is_read_in_every_rdf_syntax_with_the_same_findings(
        work: Path, reports: dict[str, CliResult]) -> None:
    """N-Triples, N-Quads, TriG, RDF/XML and JSON-LD by extension, Turtle by --data-format:
    each gives the shape results the Turtle file gives."""
    lonely = "https://w3id.org/ccbkg/id/agreement/lonely"
    expected = findings_of(reports["sarif"])
    assert expected == {(lonely, shape) for shape in SHAPES}
    assert reports["txt"].code == 1, reports["txt"].err
    assert findings_of(reports["txt"]) == expected
    assert reports["syntaxes"].code == 1, reports["syntaxes"].err
    assert findings_of(reports["syntaxes"]) == {
        (f"{lonely}-{suffix[1:]}", shape) for suffix in SYNTAXES for shape in SHAPES}


def test_a_file_with_no_known_extension_needs_data_format(work: Path) -> None:
    result = run_cli("check", "-q", "--only", "syntax", "--data",
                     str(work / ODD_FOLDER / "agreement.txt"))
    assert_no_traceback(result)
    assert result.code == 1
    assert re.search(r"agreement\.txt\n +error +unsupported file type '\.txt'; name data files "
                     r"\.ttl, .*or give --data-format", result.out), result.out


def test_github_annotations_name_file_line_and_column(reports: dict[str, CliResult]) -> None:
    """One workflow command per finding, file relative to the checkout, properties escaped."""
    command = re.compile(r"^::(error|warning|notice) ((?:[a-z]+=[^,:]*,?)+)::(.+)$")
    for key, code, count in (("github", 1, 3), ("broken-github", 1, 1)):
        result = reports[key]
        assert result.code == code, result.err
        lines = result.out.splitlines()
        annotations = [command.match(line) for line in lines[:-1]]
        assert all(annotations), lines
        assert len(annotations) == count
        assert lines[-1].startswith("ccbkg check: FAILED: ")
    shapes = [dict(p.split("=", 1) for p in m.group(2).split(","))  # type: ignore[union-attr]
              for m in map(command.match, reports["github"].out.splitlines()[:-1])]
    assert {p["file"] for p in shapes} == {"ci%2Cdata%3Ax/agreement.ttl"}
    assert {p["line"] for p in shapes} == {"82"}
    assert {p["title"].rpartition("/")[2] for p in shapes} == SHAPES
    broken = reports["broken-github"].out.splitlines()[0]
    assert broken.startswith(
        "::error file=ci%2Cdata%3Ax/broken.nt,line=2,col=76,title=ccbkg syntax::"), broken
    assert "N-Triples syntax error" in broken


def test_junit_report_has_a_failure_per_error(reports: dict[str, CliResult]) -> None:
    result = reports["junit"]
    assert result.code == 1, result.err
    suites = ET.fromstring(result.out)
    assert suites.tag == "testsuites" and suites.get("failures") == "3"
    by_stage = {s.get("name"): s for s in suites}
    assert set(by_stage) == {"syntax", "shapes"}
    assert by_stage["syntax"].get("failures") == "0"
    assert len(by_stage["syntax"].findall("testcase")) == 1
    failed = by_stage["shapes"].findall("testcase")
    assert by_stage["shapes"].get("tests") == "3" and len(failed) == 3
    for case in failed:
        assert case.get("file") == f"{ODD_FOLDER}/agreement.ttl" and case.get("line") == "82"
        failure = case.find("failure")
        assert failure is not None and failure.get("type", "").rpartition("/")[2] in SHAPES
        assert "id:agreement/lonely" in failure.get("message", "")


def test_sarif_log_is_valid_sarif_2_1_0(work: Path, reports: dict[str, CliResult]) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text())
    validator = jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    logs = {k: json.loads(r.out) for k, r in
            (("mutant", reports["sarif"]), ("broken", reports["broken-sarif"]),
             ("outside", reports["syntaxes"]))}
    for name, log in logs.items():
        errors = [e.message for e in validator.iter_errors(log)]
        assert errors == [], (name, errors[:3])
    results = logs["mutant"]["runs"][0]["results"]
    assert {r["ruleId"].rpartition("/")[2] for r in results} == SHAPES
    assert {r["level"] for r in results} == {"error"}
    physical = [r["locations"][0]["physicalLocation"] for r in results]
    assert {p["artifactLocation"]["uri"] for p in physical} == {"ci%2Cdata%3Ax/agreement.ttl"}
    assert {p["region"]["startLine"] for p in physical} == {82}
    rules = {r["id"] for r in logs["mutant"]["runs"][0]["tool"]["driver"]["rules"]}
    assert rules == {r["ruleId"] for r in results}
    broken = logs["broken"]["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert broken["region"] == {"startLine": 2, "startColumn": 76}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in logs["outside"]["runs"][0]["results"]
            if "physicalLocation" in r["locations"][0]}
    assert (work / ODD_FOLDER / "agreement.nq").as_uri() in uris
    assert all(uri.startswith("file:///") for uri in uris), uris
    # the schema does hold something: a level SARIF does not have is refused
    results[0]["level"] = "fatal"
    assert not validator.is_valid(logs["mutant"])


@pytest.mark.parametrize("fmt", ["text", "github", "junit", "sarif"])
def test_a_control_character_a_message_quotes_is_escaped_in_every_report(
        scratch: Path, fmt: str) -> None:
    """The parser's message quotes the character it stopped at: an escape character (ESC) or
    a NUL in a data file reached the terminal raw in the text report (a terminal acts on
    ESC ] 0; … BEL)."""
    (scratch / "instances" / "fuzz.ttl").write_bytes(
        b'@prefix x: <https://w3id.org/ccbkg/id/x/> .\nx:a x:b "a" . \x1b]0;PWNED\x07\n')
    done = run_cli("check", "--root", str(scratch), "--only", "syntax", "--format", fmt)
    assert_no_traceback(done)
    assert done.code == 1, done.out
    assert "\x1b" not in done.out and "\x07" not in done.out
    assert "\\x1b" in done.out, done.out


def test_a_folder_is_read_as_every_data_file_in_it_whatever_their_names(tmp_path: Path) -> None:
    """A folder was refused ("give the data files in it"), and so were the release's own files
    by name (ALB.nt: "must be lowercase letters"), though a --data file's name becomes no IRI:
    a folder gives every data file in it and its subfolders, a README or a hidden folder
    aside, and the data of instances/ split across its files passes as it does in place."""
    data = tmp_path / "data"
    (data / "countries").mkdir(parents=True)
    for f in (REPO / "instances").glob("*.ttl"):
        target = data / "countries" if f.stem in ("japan", "albania") else data
        (target / ("ALB.ttl" if f.stem == "albania" else f.name)).write_bytes(f.read_bytes())
    (data / "README.md").write_text("# our data\n")
    (data / ".git").mkdir()
    (data / ".git" / "broken.ttl").write_text("not turtle\n")
    result = run_cli("check", "-q", "--only", "syntax,shapes", "--data", str(data), cwd=tmp_path)
    assert_no_traceback(result)
    assert result.code == 0, result.out + result.err
    assert re.search(r"shapes +ok +5 info", result.out), result.out  # as in place


def test_a_document_naming_the_release_context_is_told_what_to_check_instead(
        tmp_path: Path) -> None:
    """The release's JSON-LD documents name its context by IRI, which ccbkg never fetches:
    the error says to inline that context or check the N-Triples file shipped beside."""
    (tmp_path / "ALB.jsonld").write_text(
        '{"@context": "https://w3id.org/ccbkg/context.jsonld", "@id": "id:country/ALB"}\n')
    result = run_cli("check", "-q", "--only", "syntax", "--data", str(tmp_path / "ALB.jsonld"))
    assert_no_traceback(result)
    assert result.code == 1
    assert "inline the context in the file (the release's context.jsonld), or check the " \
           "N-Triples file the release ships beside each of its JSON-LD documents" in result.out


def test_a_result_repeated_word_for_word_is_shown_once_and_every_format_counts_alike(
        tmp_path: Path) -> None:
    """A text for an agreement's status failed three constraints of one shape with the same
    message: the text report showed it three times; and the GitHub summary counted every
    result ("9 errors") where the text report counted the causes ("7 errors (2 more …)")."""
    data = tmp_path / "data"
    data.mkdir()
    for f in (REPO / "instances").glob("*.ttl"):
        (data / f.name).write_bytes(f.read_bytes())
    albania = data / "albania.ttl"
    albania.write_text(albania.read_text().replace(
        "ccb:agreementStatus agstatus:signed", 'ccb:agreementStatus "signed"', 1))
    runs = {fmt: run_cli("check", "-q", "--only", "syntax,shapes", "--format", fmt, "--data",
                         str(data)) for fmt in ("text", "github", "json")}
    text = runs["text"].out
    assert text.count('value "signed", shape ccbsh:Agreement-statusValue') == 1, text
    summary = text.strip().splitlines()[-1]
    assert summary.startswith("FAILED: 2 errors") and "2 more results follow" in summary, text
    assert runs["github"].out.strip().splitlines()[-1] == f"ccbkg check: {summary}"
    results = [f for s in json.loads(runs["json"].out)["stages"] for f in s["findings"]]
    assert sum(1 for f in results if f.get("value") == '"signed"') == 3  # as pyshacl reports
