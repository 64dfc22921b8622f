"""The curator's commands (`source add`, `passage add`, `new country`, `query freeze`), the
claims inventory in `check`, and the tutorial docs/curation.md run end to end.

Every test works on a scratch copy of the sources; the fixture text is fictional."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import stat
import time
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from ccbkg.core.errors import CcbkgError
from ccbkg.core.namespaces import CCB, ID, OA
from ccbkg.curate.country import PREFIXES
from ccbkg.curate.freeze import freeze
from ccbkg.curate.sources import default_label
from ccbkg.project import layout
from tests.conftest import REPO, WARM, CliResult, assert_no_traceback, run_cli

FIXTURES = REPO / "tests" / "fixtures" / "curation"
TUTORIAL = REPO / "docs" / "curation.md"
SEED = REPO / "instances" / "sources" / "000_311875a826843e54.txt"


def _cli(root: Path, *args: str) -> CliResult:
    result = run_cli(*args, "--root", str(root), cwd=root)
    assert_no_traceback(result)
    return result


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes()
            for p in sorted((root / "instances").rglob("*")) if p.is_file()}


def _passage(root: Path, slug: str) -> tuple[str, int, int, str, str]:
    graph = Graph().parse(root / "instances" / "sources.ttl")
    iri = f"{ID}passage/{slug}"

    def one(node: str, p: URIRef) -> str:
        values = list(graph.objects(URIRef(node), p))
        assert len(values) == 1, (node, p, values)
        return str(values[0])

    assert (URIRef(iri), RDF.type, CCB.Passage) in graph
    return (one(iri + "#quote", OA.exact), int(one(iri + "#position", OA.start)),
            int(one(iri + "#position", OA.end)), one(iri + "#quote", OA.prefix),
            one(iri + "#quote", OA.suffix))


# ------------------------------------------------------------------------------ source add


def test_source_add_copies_names_and_describes_the_text(scratch: Path) -> None:
    text = FIXTURES / "examplia.txt"
    digest = hashlib.sha256(text.read_bytes()).hexdigest()
    result = _cli(scratch, "source", "add", str(text), "--title", "Examplia test",
                  "--author", "A. Tester", "--publisher", "Nobody", "--date", "2021-03",
                  "--url", "https://example.org/examplia")
    assert result.code == 0, result.err
    name = f"001_{digest[:16]}.txt"
    assert (scratch / "instances" / "sources" / name).read_bytes() == text.read_bytes()
    assert f"instances/sources/{name}" in result.out
    assert f"next: ccbkg draft {name} --country CODE" in result.out
    assert f"or ccbkg passage add {name}" in result.out
    graph = Graph().parse(scratch / "instances" / "sources.ttl")
    node = URIRef(f"{ID}source/{digest[:16]}")
    DCT = "http://purl.org/dc/terms/"
    assert (node, RDF.type, CCB.SourceDocument) in graph
    assert (node, CCB.sha256, Literal(digest)) in graph
    assert (node, CCB.fileName, Literal(name)) in graph
    assert (node, URIRef(DCT + "creator"), Literal("A. Tester")) in graph
    assert (node, URIRef(DCT + "publisher"), Literal("Nobody")) in graph
    assert (node, URIRef(DCT + "source"), URIRef("https://example.org/examplia")) in graph
    issued = graph.value(node, URIRef(DCT + "issued"))
    assert isinstance(issued, Literal) and issued.datatype.endswith("#gYearMonth")
    check = _cli(scratch, "check", "--only", "syntax,provenance")
    assert check.code == 0, check.out

    before = _snapshot(scratch)
    again = _cli(scratch, "source", "add", str(text), "--title", "Again")
    assert again.code == 2 and "already a source" in again.err
    assert _snapshot(scratch) == before


@pytest.mark.parametrize(("content", "options", "message"), [
    (b"caf\xe9\n", (), "is not UTF-8"),
    (b" \n\n", (), "given.txt: the text is empty"),
    (b"text\n", ("--date", "March 2021"), "YYYY, YYYY-MM or YYYY-MM-DD"),
    (b"text\n", ("--date", "2021-13"), "'2021-13' is not a valid xsd:gYearMonth"),
    (b"text\n", ("--date", "\uff12\uff10\uff12\uff12"), "YYYY, YYYY-MM or YYYY-MM-DD"),
    (b"text\n", ("--date", "2021\n"), "--date holds a control character (U+000A)"),
    (b"text\n", ("--date", "2022-02-30"), "February 2022 has no day 30"),
    (b"text\n", ("--url", "javascript:alert(1)"), "absolute http(s) URL"),
    (b"text\n", ("--title", " "), "--title is empty"),
    (b"text\n", ("--url", "http://example.org/a\n"), "--url holds a control character (U+000A)"),
    (b"text\n", ("--title", "A \u202e title"), "--title holds RIGHT-TO-LEFT OVERRIDE (U+202E) "
                                                "at character 3: give one line of visible text"),
    (b"text\n", ("--author", "A.\tTester"), "--author holds a control character (U+0009)"),
    (b"\xef\xbb\xbftext\n", (), "given.txt:1:1: the text holds what a passage's words and "
                                "context may not (1 × U+FEFF ZERO WIDTH NO-BREAK SPACE)"),
    ("a\nCo\u0302te d\u2019Ivoire\n".encode(), (), "given.txt:2:3: the text holds what a "
     "passage's words and context may not (letters and their accents as separate characters"),
])
def test_source_add_refuses_bad_input_and_touches_nothing(
    scratch: Path, tmp_path: Path, content: bytes, options: tuple[str, ...], message: str,
) -> None:
    given = tmp_path / "given.txt"
    given.write_bytes(content)
    before = _snapshot(scratch)
    result = _cli(scratch, "source", "add", str(given), "--title", "T", *options)
    assert result.code == 2 and message in result.err, result.err
    assert _snapshot(scratch) == before


def test_source_add_refuses_what_is_not_a_regular_file(scratch: Path, tmp_path: Path) -> None:
    before = _snapshot(scratch)
    for given, message in ((tmp_path / "missing.txt", "cannot read the file"),
                           (tmp_path, "not a regular file")):
        result = _cli(scratch, "source", "add", str(given), "--title", "T")
        assert result.code == 2 and f"{given}: " in result.err, result.err
        assert message in result.err, result.err
    assert _snapshot(scratch) == before


def test_source_add_cleans_page_breaks_and_invisible_characters_when_asked(
        scratch: Path, tmp_path: Path) -> None:
    """pdftotext ends each page with a form feed, and PDFs hold soft hyphens and decomposed
    accents: the text is refused where the first is (the passages next to them would fail
    check), or stored cleaned with --clean (CR LF line ends made LF too), and a passage beside
    a page break then passes check."""
    given = tmp_path / "report.txt"
    given.write_bytes("Page one ends here.\r\n\fPage two: the CSIRT co\u00adordinates in "
                      "Co\u0302te d\u2019Ivoire.\r\n".encode())
    before = _snapshot(scratch)
    refused = _cli(scratch, "source", "add", str(given), "--title", "Report")
    assert refused.code == 2, refused.err
    assert f"{given}:2:1: " in refused.err and "1 × U+000C FORM FEED, a page break, " \
        "1 × U+00AD SOFT HYPHEN" in refused.err and "--clean" in refused.err, refused.err
    assert _snapshot(scratch) == before

    added = _cli(scratch, "source", "add", str(given), "--title", "Report", "--clean")
    assert added.code == 0, added.err
    assert "cleaned in the copy: 1 × U+000C FORM FEED, a page break, 1 × U+00AD SOFT HYPHEN; " \
        "2 CR LF line ends made LF; 1 combining characters composed with the letter before " \
        "them (Unicode NFC)" in added.out, added.out
    (copy,) = (scratch / "instances" / "sources").glob("001_*.txt")
    assert copy.read_bytes() == "Page one ends here.\n\nPage two: the CSIRT coordinates in " \
        "C\u00f4te d\u2019Ivoire.\n".encode()
    assert copy.name[4:20] == hashlib.sha256(copy.read_bytes()).hexdigest()[:16]
    for words in ("Page one ends here.", "the CSIRT coordinates in C\u00f4te d\u2019Ivoire."):
        assert _cli(scratch, "passage", "add", copy.name, words).code == 0
    check = _cli(scratch, "check", "--only", "syntax,provenance", "--format", "json")
    findings = [f for stage in json.loads(check.out)["stages"] for f in stage["findings"]]
    assert {f["stage"] for f in findings} == {"provenance"}, findings  # the inventory rows only
    assert all("claims inventory" in f["message"] for f in findings), findings


# ----------------------------------------------------------------------------- passage add


def test_passage_add_computes_offsets_as_the_provenance_check(scratch: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    words = "Japan has thus acted primarily through ASEAN"
    result = _cli(scratch, "passage", "add", SEED.name, words, "--slug", "t-asean")
    assert result.code == 0, result.err
    exact, start, end, prefix, suffix = _passage(scratch, "t-asean")
    assert (exact, start, end) == (words, text.index(words), text.index(words) + len(words))
    assert prefix == text[start - 32:start] and suffix == text[end:end + 32]
    check = _cli(scratch, "check", "--only", "syntax,provenance")
    # The offsets and quote pass; the only finding is the missing inventory row.
    assert check.code == 1
    assert re.findall(r"(?m)^ +error +(.*)", check.out) == [
        "no row of the claims inventory instances/README.md names this passage: add | N | the "
        "claim | the nodes | id:passage/t-asean | (or a row saying why it is left out)"]


def test_passage_add_refuses_ambiguous_words_and_takes_an_occurrence(scratch: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    before = _snapshot(scratch)
    result = _cli(scratch, "passage", "add", "src:311875a826843e54", "NATO")
    assert result.code == 2 and "--occurrence N" in result.err
    occurrences = [m.start() for m in re.finditer("NATO", text)]
    assert len(occurrences) > 2
    for i, at in enumerate(occurrences, 1):
        assert f"--occurrence {i}: at {at}: " in result.err
    assert _snapshot(scratch) == before
    chosen = _cli(scratch, "passage", "add", SEED.name, "NATO", "--occurrence", "2",
                  "--slug", "t-nato")
    assert chosen.code == 0, chosen.err
    assert _passage(scratch, "t-nato")[1] == occurrences[1]
    taken = _cli(scratch, "passage", "add", SEED.name, "NATO", "--occurrence", "3",
                 "--slug", "t-nato")
    assert taken.code == 2 and "passage:t-nato exists already" in taken.err, taken.err


def test_passage_add_refuses_a_passage_twice_occurrence_0_and_an_empty_label(scratch: Path) -> None:
    """The same words at the same place are one passage (a second would double the rows of
    every query that lists a node's passages); occurrences count from 1; a label is words; an
    empty --slug is refused (it fell back to the default key)."""
    sources = (scratch / "instances" / "sources.ttl").read_text(encoding="utf-8")
    found = re.search(r'oa:exact "([^"\\]+)" ;(?s:.*?)oa:start "(\d+)"', sources)
    assert found is not None
    exact, start = found[1], int(found[2])
    before = _snapshot(scratch)
    again = _cli(scratch, "passage", "add", SEED.name, exact, "--slug", "t-again")
    assert again.code == 2, again.err
    assert re.search(rf"these words \(characters {start}-{start + len(exact)} of "
                     rf"{re.escape(SEED.name)}\) are passage:\S+ already, in "
                     r"instances/sources\.ttl: cite that passage", again.err), again.err
    for options, message in ((("--occurrence", "0"), "--occurrence 0: the words occur"),
                             (("--label", "  "), "--label is empty"),
                             (("--label", ""), "--label is empty"),
                             (("--slug", ""), "--slug '': use lowercase letters"),
                             (("--label", "a\x1b[31m red"), "--label holds a control character "
                                                             "(U+001B) at character 2")):
        refused = _cli(scratch, "passage", "add", SEED.name, "Japan has thus acted", *options)
        assert refused.code == 2 and message in refused.err, refused.err
    assert _snapshot(scratch) == before


@pytest.mark.parametrize(("words", "difference"), [
    ('the understanding of CCB as a "common but differentiated responsibility"',
     "you wrote '\"', the source has '“'"),
    ("Japan has traditionally argued that global initiatives are required",
     "you wrote ' ', the source has '\\n'"),
    # a long quote with one slip: found by the pieces of it that are verbatim (comparing it
    # with a window at every word start took minutes)
    (SEED.read_text(encoding="utf-8")[500:1200] + "Q" + SEED.read_text(encoding="utf-8")[1201:2500],
     "you wrote 'Q', the source has"),
])
def test_passage_add_shows_the_nearest_passage_when_not_verbatim(
    scratch: Path, words: str, difference: str,
) -> None:
    before = _snapshot(scratch)
    result = _cli(scratch, "passage", "add", SEED.name, words)
    assert result.code == 2 and "not verbatim" in result.err, result.err
    assert "nearest at" in result.err and difference in result.err, result.err
    assert _snapshot(scratch) == before


def test_passage_add_refuses_a_changed_text(scratch: Path) -> None:
    seed = scratch / "instances" / "sources" / SEED.name
    seed.write_bytes(b"Japan " + seed.read_bytes())
    before = _snapshot(scratch)
    result = _cli(scratch, "passage", "add", SEED.name, "Japan has thus acted")
    assert result.code == 2 and "does not match its ccb:sha256" in result.err, result.err
    assert _snapshot(scratch) == before


def test_what_the_commands_write_keeps_its_permissions_or_takes_the_umask(scratch: Path) -> None:
    """A changed file keeps its mode (sources.ttl was made 0600 by every passage added); a
    new one gets what the umask gives, as any file the user makes."""
    sources = scratch / "instances" / "sources.ttl"
    sources.chmod(0o640)
    added = run_cli("passage", "add", SEED.name, "Japan has thus acted", "--root", str(scratch),
                    umask=0o022)
    assert added.code == 0, added.err
    assert stat.S_IMODE(sources.stat().st_mode) == 0o640
    for mask, country, file in ((0o022, "EST", "estonia"), (0o077, "LVA", "latvia")):
        made = run_cli("new", "country", country, "--root", str(scratch), umask=mask)
        assert made.code == 0, made.err
        mode = stat.S_IMODE((scratch / "instances" / f"{file}.ttl").stat().st_mode)
        assert mode == 0o666 & ~mask, oct(mode)


def test_passage_add_keeps_the_line_ends_of_sources_ttl(scratch: Path) -> None:
    """A sources.ttl saved with CR LF (an editor on Windows) keeps CR LF: the passage is added
    with the file's line ends, and nothing else of the file changes."""
    sources = scratch / "instances" / "sources.ttl"
    before = sources.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    sources.write_bytes(before)
    added = run_cli("passage", "add", SEED.name, "Japan has thus acted", "--root", str(scratch))
    assert added.code == 0, added.err
    after = sources.read_bytes()
    assert after.startswith(before.rstrip(b"\r\n") + b"\r\n\r\npassage:")
    assert after.count(b"\n") == after.count(b"\r\n") and after.endswith(b" .\r\n")
    checked = run_cli("check", "--root", str(scratch), "--only", "syntax")
    assert checked.code == 0, checked.out


@pytest.mark.parametrize("change,said", [
    (("passage:", "psg:"), "would not be valid Turtle there"),
    (("@prefix passage: <https://w3id.org/ccbkg/id/passage/> .",
      "@prefix passage: <https://example.org/passage/> ."), "to another IRI")],
    ids=["prefix-renamed", "prefix-elsewhere"])
def test_passage_add_refuses_a_sources_ttl_whose_prefixes_the_block_cannot_use(
        scratch: Path, change: tuple[str, str], said: str) -> None:
    """The block is written with ccbkg's prefixes: appended to a file that binds them
    otherwise (still valid Turtle, with full IRIs or another name), it made the file invalid
    or said something else, and the command said "appended"."""
    sources = scratch / "instances" / "sources.ttl"
    sources.write_text(sources.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    assert run_cli("check", "--root", str(scratch), "--only", "syntax").code == 0
    before = sources.read_bytes()
    result = run_cli("passage", "add", SEED.name, "Japan has thus acted", "--root", str(scratch))
    assert_no_traceback(result)
    assert result.code == 2 and "instances/sources.ttl" in result.err and said in result.err, \
        result.err
    assert sources.read_bytes() == before


def test_passage_add_writes_through_a_link_and_refuses_a_read_only_file(scratch: Path) -> None:
    """A sources.ttl that links to a file elsewhere in the project was replaced by a copy
    (the file linked to no longer got the passages); a read-only one was rewritten."""
    sources = scratch / "instances" / "sources.ttl"
    real = scratch / "instances" / "sources" / "sources-real.ttl.txt"
    shutil.move(sources, real)
    sources.symlink_to(Path("sources") / real.name)
    added = run_cli("passage", "add", SEED.name, "Japan has thus acted", "--root", str(scratch))
    assert added.code == 0, added.err
    assert sources.is_symlink() and b"Japan has thus acted" in real.read_bytes()
    real.chmod(0o444)
    before = real.read_bytes()
    refused = run_cli("passage", "add", SEED.name, "primarily through ASEAN", "--root",
                      str(scratch))
    assert refused.code == 2, refused.err
    assert "instances/sources/sources-real.ttl.txt: is read-only" in refused.err, refused.err
    assert real.read_bytes() == before


def test_a_curator_command_waits_for_another_in_the_same_project(scratch: Path) -> None:
    """The commands that add to the project's files take a lock on instances/ (as another
    command holding it here): without it two at once each wrote over the other's addition."""
    folder = os.open(scratch / "instances", os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        waiting = WARM.start(["passage", "add", SEED.name, "Japan has thus acted", "--root",
                              str(scratch)], REPO, dict(os.environ))
        time.sleep(1.5)
        assert waiting.poll() is None, "the command did not wait for the lock"
        assert b"passage:japan-has-thus-acted " not in (
            scratch / "instances" / "sources.ttl").read_bytes()
    finally:
        os.close(folder)  # the lock goes with it
    _, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, err
    assert b"passage:japan-has-thus-acted " in (scratch / "instances" / "sources.ttl").read_bytes()


def test_passage_add_names_an_unknown_source(scratch: Path) -> None:
    result = _cli(scratch, "passage", "add", "nope.txt", "Japan")
    assert result.code == 2 and "no source document 'nope.txt'" in result.err
    assert "000_311875a826843e54.txt" in result.err


# ----------------------------------------------------------------------------- new country


@pytest.mark.slow  # the full check runs the reasoner
def test_new_country_passes_check_at_once(scratch: Path) -> None:
    result = _cli(scratch, "new", "country", "EST")
    assert result.code == 0, result.err
    written = (scratch / "instances" / "estonia.ttl").read_text(encoding="utf-8")
    assert written.startswith("# ccbkg instance data: Estonia.")
    assert PREFIXES in written and "# ------------------------------------------------ agreements" \
        in written
    graph = Graph().parse(data=written, format="turtle")
    est = URIRef(f"{ID}country/EST")
    assert (est, CCB.iso3166Alpha2, Literal("EE")) in graph
    check = _cli(scratch, "check")
    assert check.code == 0, check.out
    # Its only result asks for the Wikidata link the curator must supply.
    assert re.findall(r"estonia\.ttl:\d+ +id:country/EST\n +(\w+) +This country has no "
                      r"Wikidata link", check.out) == ["warning"]


@pytest.mark.parametrize(("args", "message"), [
    (("ROU",), "country:ROU is already described in instances/shared.ttl"),
    (("XXX",), "'XXX' is not an ISO 3166-1 alpha-3 code pycountry knows (three letters, e.g. "
              "EST); for a country without one, give a lowercase key and --name"),
    (("Estonia",), "is not an ISO 3166-1 alpha-3 code pycountry knows (three letters, e.g. "
                   "EST); did you mean EST (Estonia)?"),
    (("EE",), "did you mean EST (Estonia)?"),
    (("Examplia", "--name", "Examplia"), "give a lowercase key"),
    (("estonia", "--name", "Estonia"), "Estonia has an ISO 3166-1 code: run `ccbkg new country "
                                       "EST` (Estonia) instead"),
    (("japan", "--name", "Nippon Examplia"), "instances/japan.ttl exists already"),
    (("somaliland", "--name", "Somali\nland"), "--name holds a control character (U+000A)"),
    (("kosovo2", "--name", "kosovo"), "kosovo is country:kosovo already (its label or another "
                                      "name of it)"),  # a second Kosovo passed check
    (("JPN",), "country:JPN is already described in instances/japan.ttl: add the country's "
               "nodes there\n"),  # not "move its node into a new instances/japan.ttl"
])
def test_new_country_refuses(scratch: Path, args: tuple[str, ...], message: str) -> None:
    before = _snapshot(scratch)
    result = _cli(scratch, "new", "country", *args)
    assert result.code == 2 and message in result.err, result.err
    assert _snapshot(scratch) == before


# ---------------------------------------------------------------------------- query freeze


def test_query_freeze_rewrites_the_expected_results(scratch: Path) -> None:
    expected = scratch / "queries" / "expected"
    original = {p.name: p.read_bytes() for p in expected.glob("*.csv")}
    assert len(original) >= 10
    (expected / "forums.csv").write_bytes(b"stale\n")
    result = _cli(scratch, "query", "freeze")
    assert result.code == 0, result.err
    assert "wrote     queries/expected/forums.csv" in result.out
    assert re.search(r"^1 of \d+ expected results changed", result.out, re.M), result.out
    assert {p.name: p.read_bytes() for p in expected.glob("*.csv")} == original


def test_query_freeze_refuses_data_that_fails_the_checks(scratch: Path) -> None:
    """Expected answers frozen from data with defects would hold the defects: refused, and no
    file is written."""
    japan = scratch / "instances" / "japan.ttl"
    japan.write_text(japan.read_text(encoding="utf-8").replace(
        "ccb:citesPassage passage:jpn-strategy-2018-resilience .", 'rdfs:comment "x"@en .', 1),
        encoding="utf-8")
    before = _snapshot(scratch)
    result = _cli(scratch, "query", "freeze")
    assert result.code == 2, result.out + result.err
    assert "the data fails `ccbkg check --only syntax,shapes,provenance` (" in result.err
    assert _snapshot(scratch) == before


def test_the_commands_that_write_refuse_the_data_installed_with_ccbkg(
        scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`Project.to_change`, which every command that writes into a source tree goes through,
    refuses the installed data however it is named (by default, by --root, through a link) and
    takes any other tree; tests/test_packaging.py runs each command of an installed ccbkg."""
    monkeypatch.setattr(layout, "installed_data", lambda: scratch.resolve())
    link = scratch.parent / "a link to it"
    link.symlink_to(scratch)
    before = _snapshot(scratch)
    for root in (None, scratch, link):
        monkeypatch.setattr(layout, "default_root", lambda: scratch.resolve())
        with pytest.raises(CcbkgError, match=r"is the data installed with ccbkg, which ccbkg "
                                             r"never changes .* or pass --root FOLDER"):
            layout.Project.to_change(root)
        with pytest.raises(CcbkgError, match="never changes"):
            freeze(root)
    assert _snapshot(scratch) == before
    elsewhere = shutil.copytree(scratch, scratch.parent / "a copy")
    assert layout.Project.to_change(elsewhere).root == elsewhere.resolve()


def test_without_root_ccbkg_works_on_the_tree_the_current_folder_is_in(
        scratch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The nearest folder with ontology/, shapes/ and instances/ at or above the current
    folder is the default tree (a curator's own copy, whatever ccbkg is installed from);
    outside every tree it is the data shipped with ccbkg."""
    for inside in (scratch, scratch / "instances" / "sources"):
        monkeypatch.chdir(inside)
        assert layout.default_root() == scratch
        assert layout.Project.discover().root == scratch.resolve()
    monkeypatch.chdir(tmp_path)
    assert layout.default_root() == layout.shipped_root() == REPO
    (scratch / "instances" / "broken.ttl").write_text("this is not Turtle\n")
    checked = run_cli("check", "--only", "syntax", cwd=scratch / "instances")
    assert checked.code == 1 and "instances/broken.ttl:1" in checked.out, checked
    shipped = run_cli("check", "--only", "syntax", cwd=tmp_path)
    assert shipped.code == 0, shipped


# ------------------------------------------------------------------------------- the docs


def _turtle_blocks(path: Path) -> list[str]:
    return re.findall(r"```turtle\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("doc", sorted((REPO / "docs").glob("*.md")), ids=lambda p: p.name)
def test_every_turtle_block_in_the_docs_parses(doc: Path) -> None:
    header = PREFIXES + "@prefix src: <https://w3id.org/ccbkg/id/source/> .\n" \
        "@prefix oa: <http://www.w3.org/ns/oa#> .\n"
    for block in _turtle_blocks(doc):
        Graph().parse(data=header + block, format="turtle")


def test_model_guide_examples_are_the_curated_data() -> None:
    """docs/model.md's examples are copied from the data, which `check` validates: every
    triple of an example is in the data, with the same datatypes."""
    blocks = _turtle_blocks(REPO / "docs" / "model.md")
    assert len(blocks) >= 2
    data = Graph()
    for path in sorted((REPO / "instances").glob("*.ttl")):
        data.parse(path)
    header = PREFIXES + "@prefix src: <https://w3id.org/ccbkg/id/source/> .\n" \
        "@prefix oa: <http://www.w3.org/ns/oa#> .\n"
    for block in blocks:
        example = Graph().parse(data=header + block, format="turtle")
        missing = [t for t in example if t not in data]
        assert missing == [], f"docs/model.md shows triples the data does not hold: {missing}"


def _tutorial_commands() -> list[list[str]]:
    """The `$ ccbkg ...` commands of docs/curation.md, in order (a quoted line break joins
    the next line)."""
    commands: list[list[str]] = []
    pending = ""
    for line in TUTORIAL.read_text(encoding="utf-8").splitlines():
        if pending:
            pending += "\n" + line
        elif line.startswith("$ ccbkg "):
            pending = line[2:]
        else:
            continue
        try:
            commands.append(shlex.split(pending)[1:])
        except ValueError:  # an open quotation: the command goes on
            continue
        pending = ""
    return commands


@pytest.mark.slow  # check and build run the reasoner
def test_tutorial_end_to_end(tmp_path: Path, scratch: Path) -> None:
    commands = _tutorial_commands()
    assert [c[:2] for c in commands] == [
        ["source", "add"], ["new", "country"], ["draft", "src:3140afe83ab7f272"],
        ["passage", "add"], ["passage", "add"],
        ["check"], ["query", "freeze"], ["build", "--out"], ["query", "run"]]
    fixture = scratch / "tests" / "fixtures" / "curation"
    shutil.copytree(FIXTURES, fixture)
    outputs = {}
    for args in commands:
        if args == ["check"]:
            # Steps 5 and 6: two proposals accepted (the CSIRT, citing the passage cut in
            # step 4; the membership with its proposed passage as it is), the rest of the
            # curator's nodes, and the inventory rows.
            draft = (scratch / "drafts" / "001-3140afe83ab7f272.ttl").read_text("utf-8")
            accepted = [re.search(pattern, draft) for pattern in (
                r"(?ms)^csirt:ex-cert a ccb:CSIRT ;.*? \.$",
                r"(?ms)^membership:examplia-osce a ccb:Membership ;.*? \.$",
                r"(?ms)^passage:as-a-member-of-the-osce a ccb:Passage ;.*?"
                r'oa:end "\d+"\^\^xsd:nonNegativeInteger \.$')]
            assert all(accepted), draft
            csirt, membership, passage = (m.group() for m in accepted if m)
            csirt = re.sub(r"ccb:citesPassage passage:\S+ \.$",
                           "ccb:citesPassage passage:exa-ex-cert .", csirt)
            nodes = (fixture / "examplia-nodes.ttl").read_text(encoding="utf-8")
            nodes = "\n\n".join(b for b in nodes.split("\n\n") if "csirt:ex-cert" not in b)
            with (scratch / "instances" / "examplia.ttl").open("a", encoding="utf-8") as f:
                f.write("\n" + nodes + "\n\n" + csirt + "\n\n" + membership + "\n")
            with (scratch / "instances" / "sources.ttl").open("a", encoding="utf-8") as f:
                f.write("\n" + passage + "\n")
            inventory = scratch / "instances" / "README.md"
            text = inventory.read_text(encoding="utf-8")
            last = max(int(n) for n in re.findall(r"(?m)^\| (\d+) \|", text))
            rows = (fixture / "inventory-rows.md").read_text(encoding="utf-8").splitlines()
            inventory.write_text(text.rstrip("\n") + "\n" + "".join(
                row.replace("| N |", f"| {last + i} |", 1) + "\n"
                for i, row in enumerate(rows, 1)), encoding="utf-8")
        result = _cli(scratch, *args)
        assert result.code == 0, (args, result.out, result.err)
        outputs[" ".join(args[:2])] = result.out
    assert "wrote drafts/001-3140afe83ab7f272.ttl: 5 passages and 10 candidate nodes" in \
        outputs["draft src:3140afe83ab7f272"]
    # the fixture's third paragraph: an agreement signed in May 2022 (a month, as written),
    # one under negotiation, an exercise the data does not know, the amount as stated; the
    # first paragraph's objective ("naming … as its central objective")
    for proposal in (
            'objective:examplia-resilience-of-public-services a ccb:Objective ;\n'
            '    rdfs:label "resilience of public services"@en ;',
            "ccb:party csirt:national-cert-romania ;\n    ccb:signatory country:examplia ;\n"
            "    ccb:actingThrough csirt:ex-cert ;\n    ccb:agreementStatus agstatus:signed ;",
            'time:inXSDgYearMonth "2022-05"^^xsd:gYearMonth .',
            "ccb:party country:MDA ;\n    ccb:actingThrough csirt:ex-cert ;\n"
            "    ccb:agreementStatus agstatus:under-negotiation ;",
            "# NOTE: country:MDA is not in the data yet: describe it in shared.ttl, as the other "
            "counterparties are",
            "exercise:northern-shield a ccb:Exercise ;",
            "ccb:inActivity exercise:northern-shield ;",
            "org:organization organisation:osce ;",
            'ccb:amountAsStated "EUR 4 million" ;',
            "ccb:fundedProgramme programme:crp ;\n    ccb:targetRegion region:latin-america ;"):
        assert proposal in draft, proposal
    assert "PASSED: 0 errors" in outputs["check"]
    assert "wrote     queries/expected/country-comparison.csv" in outputs["query freeze"]
    frozen = (scratch / "queries" / "expected" / "country-comparison.csv").read_text("utf-8")
    assert f"{ID}country/examplia,Republic of Examplia,national CSIRTs,1,recorded" in frozen
    # not curated in full (the draft's agreements are left out): no ccb:curatedFor, so an
    # absence is "not yet curated", as the tutorial says
    assert f"{ID}country/examplia,Republic of Examplia,agreements,0,not yet curated" in frozen
    assert "Republic of Examplia" in outputs["query run"]
    page = scratch / "dist" / "site" / "id" / "country" / "examplia.html"
    assert "Republic of Examplia" in page.read_text(encoding="utf-8")
    assert "EX-CERT" in (scratch / "dist" / "site" / "id" / "csirt" / "ex-cert.html").read_text(
        encoding="utf-8")
    # what the curator did not accept stays out of the release: drafts/ is never built
    release = (scratch / "dist" / "ccbkg.nq").read_text(encoding="utf-8")
    assert f"{ID}csirt/ex-cert" in release and f"{ID}membership/examplia-osce" in release
    assert f"{ID}passage/as-a-member-of-the-osce" in release
    for unaccepted in ("strategy/examplia-national-cyber-strategy",
                       "passage/its-national-csirt-ex-cert-was"):
        assert f"{ID}{unaccepted}" in draft.replace("strategy:", f"{ID}strategy/").replace(
            "passage:", f"{ID}passage/")
        assert unaccepted not in release
        assert not list((scratch / "dist").rglob(f"*{unaccepted.rsplit('/', 1)[1]}*"))


@pytest.mark.parametrize(("words", "label"), [
    ("Ghana is a member of the Economic Community of West African States (ECOWAS) and of the "
     "African Union.",  # the 80th character is a space: the label ended in one
     "Ghana is a member of the Economic Community of West African States (ECOWAS) and"),
    ("a\u00a0no-break  space,\ttab\nand line", "a no-break space, tab and line"),
    ("x" * 100, "x" * 80),
])
def test_a_default_label_is_whole_words_with_single_spaces(words: str, label: str) -> None:
    """The label `passage add` and `draft` give a passage keeps the rule check applies to
    labels (ccbsh:Instance-labelSpacing): it stopped at character 80, even on a space."""
    assert default_label(words) == label
    assert re.fullmatch(r"\S+( \S+)*", label)


@pytest.mark.parametrize("label", ["Council of Europe ", " Council", "Council  of Europe",
                                   "Council\u00a0of Europe"])
def test_passage_add_refuses_a_label_check_would_reject(scratch: Path, label: str) -> None:
    before = _snapshot(scratch)
    result = _cli(scratch, "passage", "add", SEED.name, "thus acted", "--label", label)
    assert result.code == 2 and "has stray whitespace" in result.err, result.err
    assert _snapshot(scratch) == before


def test_passage_add_says_when_the_source_has_windows_line_ends(scratch: Path,
                                                                tmp_path: Path) -> None:
    given = tmp_path / "crlf.txt"
    given.write_bytes(b"The strategy was adopted\r\nin 2019 by the cabinet.\r\n")
    assert _cli(scratch, "source", "add", str(given), "--title", "CR LF").code == 0
    (copy,) = (scratch / "instances" / "sources").glob("001_*.txt")
    typed = _cli(scratch, "passage", "add", copy.name, "adopted\nin 2019")
    assert typed.code == 2 and "the source has Windows line ends (CR LF)" in typed.err, typed.err
    assert _cli(scratch, "passage", "add", copy.name, "adopted\r\nin 2019").code == 0


def test_passage_add_names_only_the_real_differences(scratch: Path, tmp_path: Path) -> None:
    """Words shorter than the source's (a line-end hyphen or a footnote marker left out): the
    nearest passage was cut to their length, which added a false last difference."""
    given = tmp_path / "hyphen.txt"
    given.write_text("On 4 May 2022, Ghana signed a Memorandum of Understanding with Estonia on "
                     "cyber-\nsecurity cooperation.\nIt coordinates the whole-of-government "
                     "effort.\u00b9\n\nGhana\u2019s national CSIRT, CERT-GH, was established in "
                     "2014.\n", encoding="utf-8")
    assert _cli(scratch, "source", "add", str(given), "--title", "Hyphen").code == 0
    (copy,) = (scratch / "instances" / "sources").glob("001_*.txt")
    for words, expected in (
            ("On 4 May 2022, Ghana signed a Memorandum of Understanding with Estonia on "
             "cybersecurity cooperation", "you wrote '', the source has '-\\n'"),
            ("the whole-of-government effort.\n\nGhana\u2019s national CSIRT",
             "you wrote '', the source has '\u00b9'")):
        result = _cli(scratch, "passage", "add", copy.name, words)
        assert result.code == 2, result.err
        differences = [line.strip() for line in result.err.splitlines()
                       if line.strip().startswith("you wrote")]
        assert len(differences) == 1 and differences[0].startswith(expected), result.err


def test_a_passage_holding_a_footnote_marker_is_a_warning(scratch: Path, tmp_path: Path) -> None:
    """A quote with a footnote marker in it is verbatim, but the marker is not the source's
    words: passage add says so and check warns (it passed both)."""
    given = tmp_path / "notes.txt"
    given.write_text("The national CSIRT was established in 2014.\u00b9 It reports to the "
                     "ministry.[3]\n", encoding="utf-8")
    assert _cli(scratch, "source", "add", str(given), "--title", "Notes").code == 0
    (copy,) = (scratch / "instances" / "sources").glob("001_*.txt")
    added = _cli(scratch, "passage", "add", copy.name, "established in 2014.\u00b9 It reports")
    assert added.code == 0 and "note: the words hold a footnote marker ('\u00b9')" in added.out
    check = _cli(scratch, "check", "--only", "syntax,provenance")
    assert re.search(r"warning +the quote holds a footnote marker \('\u00b9'\), which is not the "
                     r"source's words", check.out), check.out


def test_source_add_names_the_first_unclean_character_of_either_kind(
        scratch: Path, tmp_path: Path) -> None:
    """A decomposed accent before a form feed: the form feed's place was named."""
    text = tmp_path / "nfd.txt"
    text.write_bytes("Cafe\u0301 opened,\fthen more.\n".encode())
    result = run_cli("source", "add", str(text), "--title", "T", "--root", str(scratch))
    assert result.code == 2 and f"{text}:1:5: the text holds" in result.err, result.err


@pytest.mark.parametrize("url", ["https://[::1", "http://%zz", "javascript:alert(1)",
                                 "ftp://example.org/x"])
def test_source_add_refuses_a_url_that_is_no_http_iri_and_writes_nothing(
        scratch: Path, url: str) -> None:
    """A malformed --url ("https://[::1", "http://%zz") was blamed on missing prefixes at a
    line of a block the curator never wrote."""
    text = scratch.parent / "report.txt"
    text.write_text("A text about cyber capacity building.\n", encoding="utf-8")
    sources = scratch / "instances" / "sources.ttl"
    before = sources.read_bytes()
    done = run_cli("source", "add", str(text), "--title", "T", "--url", url,
                   "--root", str(scratch))
    assert_no_traceback(done)
    assert done.code == 2 and f"--url {url!r}: give an absolute http(s) URL" in done.err, \
        done.err
    assert sources.read_bytes() == before
