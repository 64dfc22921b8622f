"""Findings a curator can act on at once: the line of the triple itself, one finding per cause,
and "did you mean" for the IRIs of existing nodes and for reused terms in the wrong namespace.

Each test makes one slip in a scratch copy of the sources and runs `ccbkg check` as a curator
would; the JSON report must still list every result (it is compared with stock validators)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, CliResult, assert_no_traceback, run_cli

STAGES = "syntax,shapes,provenance"  # the reasoner has no part in these slips


def _check(root: Path, *extra: str) -> CliResult:
    result = run_cli("check", "--root", str(root), "--only", STAGES, *extra)
    assert_no_traceback(result)
    return result


def _edit(path: Path, old: str, new: str) -> int:
    """Replace the first occurrence of old; the 1-based line it is on."""
    text = path.read_text(encoding="utf-8")
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def _findings(root: Path) -> list[dict[str, Any]]:
    result = _check(root, "--format", "json")
    return [f for s in json.loads(result.out)["stages"] for f in s["findings"]
            if f["severity"] != "info"]


def _shown(result: CliResult) -> list[str]:
    """The error and warning lines of a text report."""
    return [line.strip() for line in result.out.splitlines()
            if line.strip().startswith(("error", "warning"))]


def test_a_mistyped_passage_iri_is_one_error_with_the_passage_meant(scratch: Path) -> None:
    line = _edit(scratch / "instances" / "japan.ttl",
                 "ccb:citesPassage passage:jpn-balanced-approach",
                 "ccb:citesPassage passage:jpn-balanced-aproach")
    result = _check(scratch)
    assert result.code == 1
    (shown,) = _shown(result)
    assert ("This node refers to a node that is not described anywhere "
            "(id:passage/jpn-balanced-aproach)") in shown
    assert "Did you mean id:passage/jpn-balanced-approach (instances/sources.ttl:" in shown
    assert f"instances/japan.ttl:{line}  id:position/jpn-balanced-approach" in result.out
    assert "FAILED: 1 error, 0 warnings" in result.out
    every = _findings(scratch)
    assert len(every) >= 4  # the dangling reference, and what follows from it
    causes = [f for f in every if "cause" not in f]
    assert [f["shape"] for f in causes] == ["https://w3id.org/ccbkg/shapes#DanglingReferenceShape"]
    assert {f["cause"] for f in every if "cause" in f} == {
        f"instances/japan.ttl:{line} https://w3id.org/ccbkg/id/position/jpn-balanced-approach "
        "https://w3id.org/ccbkg/shapes#DanglingReferenceShape"}


def test_a_reused_term_in_the_wrong_namespace_is_one_warning_naming_the_term(
    scratch: Path,
) -> None:
    _edit(scratch / "instances" / "albania.ttl", "ccb:hasResponsibility",
          "org:hasResponsibility")
    result = _check(scratch)
    (shown,) = _shown(result)
    assert "does not declare (org:hasResponsibility). Check the spelling" in shown
    assert "Did you mean ccb:hasResponsibility?" in shown
    assert "(4 values: this one and 3 more.)" in shown
    assert len(_findings(scratch)) == 4


RESILIENCE = ('ccb:qualifierAsStated "one of the central objectives" ;\n'
              "    ccb:citesPassage passage:jpn-strategy-2018-resilience .")


def test_a_misspelt_ccb_property_is_one_error_naming_the_property_meant(scratch: Path) -> None:
    """ccb:citesPasage: the undeclared term, with the declared one it most likely means; the
    node then cites no passage (shapes twice, provenance once), which follows from it."""
    line = 1 + _edit(scratch / "instances" / "japan.ttl", RESILIENCE,
                     RESILIENCE.replace("citesPassage", "citesPasage"))
    result = _check(scratch)
    assert result.code == 1
    (shown,) = _shown(result)
    assert shown.startswith("error   This node uses a term that the ccb: ontology does not "
                            "declare (ccb:citesPasage): a typo? Did you mean ccb:citesPassage? "
                            ), shown
    assert f"instances/japan.ttl:{line}  id:objective/jpn-2018-resilience\n" in result.out
    assert "FAILED: 1 error, 0 warnings" in result.out
    every = _findings(scratch)
    assert sorted((f["stage"], f.get("shape", "").rsplit("#")[-1]) for f in every
                  if "cause" in f) == [("provenance", ""), ("provenance", ""),  # the row too
                                       ("shapes", "Provenance-citesPassage"),
                                       ("shapes", "Provenance-quotedPassage")], every


def test_an_uncited_node_is_one_error_though_two_stages_see_it(scratch: Path) -> None:
    """The shapes and the provenance check both find a node without ccb:citesPassage, and
    that none of its passages has a quote: the text report shows the one cause."""
    _edit(scratch / "instances" / "japan.ttl", RESILIENCE,
          RESILIENCE.replace("ccb:citesPassage passage:jpn-strategy-2018-resilience",
                             'rdfs:comment "uncited"@en'))
    result = _check(scratch)
    assert result.code == 1
    (shown,) = _shown(result)
    assert shown.startswith("error   This node cites no source passage."), shown
    # the node's row of the claims inventory names it as citing the passage: it follows too
    assert "provenance  FAILED  2 more that follow from findings shown" in result.out
    assert "FAILED: 1 error, 0 warnings, 5 info (3 more results follow" in result.out


def test_a_changed_source_text_is_one_error_saying_how_to_recover(scratch: Path) -> None:
    """A word changed in a source text: its document's checksum no longer matches, which is
    the one error shown (with what to do); every passage of it follows from that."""
    seed = next((scratch / "instances" / "sources").glob("*.txt"))
    seed.write_text(seed.read_text(encoding="utf-8").replace("thus acted", "so acted", 1),
                    encoding="utf-8")
    result = _check(scratch)
    assert result.code == 1
    (shown,) = _shown(result)
    assert "the text changed since it was added (or the checksum is wrong), so no offset into " \
           f"it can be trusted: restore it (git checkout -- instances/sources/{seed.name}); a " \
           "new version of the text is a new source (`ccbkg source add`" in shown, shown
    passages = [f for f in _findings(scratch) if f["stage"] == "provenance" and "cause" in f]
    assert len(passages) > 20 and {f["message"] for f in passages} == {
        "its source's text changed: no offset into it can be trusted"}


def test_a_country_not_yet_described_is_named_with_how_to_add_it(scratch: Path) -> None:
    """country:EST is an ISO 3166-1 code the data does not describe: the finding says which
    country it is and how to add it, not the nearest spelling of another country's IRI."""
    _edit(scratch / "instances" / "albania.ttl", "country:CYP", "country:EST")
    result = _check(scratch)
    assert result.code == 1
    (shown,) = _shown(result)
    assert "country:EST is Estonia (ISO 3166-1), which the data does not describe yet: add it " \
           "(`ccbkg new country EST`" in shown, shown
    assert "Did you mean" not in shown


def test_a_finding_is_placed_on_the_line_of_its_triple_not_of_the_same_text(
    scratch: Path,
) -> None:
    sources = scratch / "instances" / "sources.ttl"
    old = 'oa:start "367"^^xsd:nonNegativeInteger'
    # The same text earlier in the file, in a comment: a text search would stop there.
    wrong = old.replace("nonNegativeInteger", "string")
    _edit(sources, "passage:jpn-tailor-made-approach a ccb:Passage",
          f"# was: {wrong}\npassage:jpn-tailor-made-approach a ccb:Passage")
    line = _edit(sources, old, wrong)
    found = [f for f in _findings(scratch) if f.get("path", "").endswith("oa#start")]
    assert found and {(f["file"], f["line"]) for f in found} == {("instances/sources.ttl", line)}
    assert f"instances/sources.ttl:{line}  " in _check(scratch).out


MISCITED = RESILIENCE.replace("passage:jpn-strategy-2018-resilience",
                              "<https://w3id.org/ccbkg/id/source/311875a826843e54>")


def test_a_source_document_cited_as_a_passage_is_one_error(scratch: Path) -> None:
    """ccb:citesPassage to the source document instead of one of its passages: the node has
    no quoted passage and the provenance check cannot follow the citation, which follow from
    the one error shown (the reasoner's clash does too: tests/test_reason.py)."""
    line = _edit(scratch / "instances" / "japan.ttl", RESILIENCE, MISCITED)
    result = _check(scratch)
    assert result.code == 1
    (shown,) = _shown(result)
    assert shown.startswith("error   The property “cites passage” (ccb:citesPassage) must point "
                            "to a passage"), shown
    assert f"instances/japan.ttl:{line + 1}  id:objective/jpn-2018-resilience" in result.out
    assert "FAILED: 1 error, 0 warnings, 5 info (3 more results follow" in result.out
    every = _findings(scratch)
    assert sorted((f["stage"], f.get("shape", "").rsplit("#")[-1]) for f in every
                  if "cause" in f) == [("provenance", ""), ("provenance", ""),  # and its row
                                       ("shapes", "Provenance-quotedPassage")], every


@pytest.mark.parametrize(("term", "hint"), [
    ("org:subOrganisationOf", " Did you mean org:subOrganizationOf?"),
    ("org:heads", None),  # not org:member: only the namespace is alike
    ("org:location", None),  # not org:organization
])
def test_a_reused_vocabularys_undeclared_term_is_hinted_only_when_spelt_alike(
        scratch: Path, term: str, hint: str | None) -> None:
    _edit(scratch / "instances" / "japan.ttl", RESILIENCE,
          RESILIENCE.replace(" .", f" ;\n    {term} country:ALB ."))
    result = _check(scratch)
    (shown,) = [line for line in _shown(result) if line.startswith("warning")]
    assert f"does not declare ({term})" in shown, shown
    if hint is None:
        assert "Did you mean" not in shown, shown
    else:
        assert hint in shown, shown


def test_a_mistyped_subject_is_an_untyped_node_with_the_node_meant(scratch: Path) -> None:
    """A statement whose subject is a typo of a described node: the node it makes has no type,
    label or citation (the rules reached it only by its IRI's namespace), and the error says
    which described node it most likely means."""
    japan = scratch / "instances" / "japan.ttl"
    japan.write_text(japan.read_text(encoding="utf-8") + "\nobjective:jpn-2018-resilliance "
                     'rdfs:comment "a typo of the subject"@en .\n', encoding="utf-8")
    result = _check(scratch)
    (shown,) = _shown(result)
    assert shown.startswith("error   This instance node has no class."), shown
    assert "Did you mean id:objective/jpn-2018-resilience (instances/japan.ttl:" in shown, shown


@pytest.mark.parametrize(("written", "meant"), [("CSRIT", "CSIRT"), ("Mergre", "Merger"),
                                                ("Countyr", "Country")])
def test_a_short_class_name_with_one_slip_gets_the_class_meant(
        scratch: Path, written: str, meant: str) -> None:
    """ccb:CSRIT (two letters swapped) got no "did you mean": for a short name one slip puts
    the spelling under difflib's cutoff."""
    _edit(scratch / "instances" / "albania.ttl", f"a ccb:{meant} ", f"a ccb:{written} ")
    result = _check(scratch)
    assert result.code == 1
    assert f"(ccb:{written}): a typo? Did you mean ccb:{meant}?" in result.out, result.out


def test_a_slip_in_a_prefix_is_one_error_at_the_prefix(scratch: Path) -> None:
    """`@prefix passage: <…/id/pasage/>`: every citation written passage:… named no node, 27
    errors none of which named the prefix. One error at the prefix's line, the rest following
    from it."""
    japan = scratch / "instances" / "japan.ttl"
    line = _edit(japan, "<https://w3id.org/ccbkg/id/passage/>", "<https://w3id.org/ccbkg/id/pasage/>")
    result = _check(scratch)
    assert result.code == 1
    (shown,) = _shown(result)
    assert f"instances/japan.ttl:{line}" in result.out, result.out
    assert "The prefix passage: is declared as <https://w3id.org/ccbkg/id/pasage/>" in shown
    assert "Did you mean <https://w3id.org/ccbkg/id/passage/>?" in shown
    assert "FAILED: 1 error, 0 warnings" in result.out


def test_passages_of_a_file_left_out_are_no_prefix_slip(tmp_path: Path) -> None:
    """albania.ttl checked without sources.ttl (as the pre-commit hook did, with the staged file
    alone): its passages dangle, and the prefix slip's rule said `passage:` was declared as
    <…/id/passage/>, "under which nothing is described … Did you mean <…/id/agreement/>?". A
    namespace of the model's own prefixes is no slip."""
    result = run_cli("check", "-q", "--only", "syntax,shapes", "--data",
                     str(REPO / "instances" / "albania.ttl"), cwd=tmp_path)
    assert result.code == 1, result.out
    assert "refers to a node that is not described anywhere" in result.out, result.out
    assert "The prefix passage: is declared as" not in result.out, result.out
