"""Strict syntax checking: each bad file is rejected with its file, line and a plain message."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from ccbkg.core.findings import Severity
from ccbkg.core.limits import MAX_NESTING
from ccbkg.project import load as load_module
from ccbkg.project.layout import Project, Role
from ccbkg.project.load import load
from tests.conftest import REPO, assert_no_traceback, run_cli

HEAD = "@prefix ex: <https://example.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"

# name, file content, expected line (None: whole file), words the message must contain
BAD_TURTLE: list[tuple[str, bytes, int | None, str]] = [
    ("missing-dot", (HEAD + "ex:a ex:b ex:c\nex:d ex:e ex:f .\n").encode(), 4, "dot"),
    ("undefined-prefix", (HEAD + "ex:a nope:b ex:c .\n").encode(), 3, "nope"),
    ("unterminated-string", (HEAD + 'ex:a ex:b "open .\n').encode(), 3, "left open"),
    ("iri-with-space", (HEAD + "<https://example.org/a b> ex:b ex:c .\n").encode(), 3, "IRI"),
    ("literal-as-subject", (HEAD + '"lit" ex:b ex:c .\n').encode(), 3, "subject"),
    ("bad-escape", (HEAD + 'ex:a ex:b "\\q" .\n').encode(), 3, "escape"),
    ("lone-surrogate", (HEAD + 'ex:a ex:b "\\uD800" .\n').encode(), 3, "D800"),
    ("lang-and-datatype", (HEAD + 'ex:a ex:b "x"@en^^xsd:string .\n').encode(), 3,
     "cannot have both"),
    ("malformed-language-tag", (HEAD + 'ex:a ex:b "x"@-en .\n').encode(), 3, "language"),
    ("relative-iri", (HEAD + "<a> ex:b ex:c .\n").encode(), 3, "IRI"),
    ("non-utf8", (HEAD + 'ex:a ex:b "caf\xe9" .\n').encode("latin-1"), 3, "UTF-8"),
    ("byte-order-mark", ("\ufeff" + HEAD + "ex:a ex:b ex:c .\n").encode(), 1, "byte-order mark"),
    ("empty", b"", None, "no triples"),
    ("prefixes-only", HEAD.encode(), None, "no triples"),
    ("json-in-ttl", b'{"@id": "https://example.org/a"}\n', 1, "JSON"),
    ("ill-typed-integer", (HEAD + 'ex:a ex:b "ten"^^xsd:integer .\n').encode(), 3, "xsd:integer"),
    ("impossible-date", (HEAD + 'ex:a ex:b "2023-02-30"^^xsd:date .\n').encode(), 3, "no day 30"),
    ("bad-gyear", (HEAD + 'ex:a ex:b "20x3"^^xsd:gYear .\n').encode(), 3, "xsd:gYear"),
    ("bad-gyearmonth", (HEAD + 'ex:a ex:b "2016-13"^^xsd:gYearMonth .\n').encode(), 3,
     "xsd:gYearMonth"),
    # Python reads other scripts' digits and underscores as numbers; XSD (and every store)
    # does not
    ("fullwidth-year", (HEAD + 'ex:a ex:b "\uff12\uff10\uff11\uff14"^^xsd:gYear .\n').encode(),
     3, "xsd:gYear"),
    ("arabic-indic-integer", (HEAD + 'ex:a ex:b "\u0661\u0662"^^xsd:integer .\n').encode(), 3,
     "xsd:integer"),
    ("underscored-decimal", (HEAD + 'ex:a ex:b "1_000.5"^^xsd:decimal .\n').encode(), 3,
     "xsd:decimal"),
    ("devanagari-double", (HEAD + 'ex:a ex:b "\u0967.5E1"^^xsd:double .\n').encode(), 3,
     "xsd:double"),
    ("year-and-line-break", (HEAD + 'ex:a ex:b """2014\n"""^^xsd:gYear .\n').encode(), 3,
     "xsd:gYear"),
    ("datatype-typo", (HEAD + 'ex:a ex:b "1"^^xsd:Integer .\n').encode(), 3,
     "did you mean xsd:integer"),
    # pyoxigraph reads a term or a comment into a buffer of 16 MiB: a longer one is located at
    # its line (it was "a term is too long" for a comment, at no line)
    ("comment-over-16-mib", (HEAD + "ex:a ex:b ex:c .\n# " + "x" * 2**24 + "\n").encode(), 4,
     "this line is 16.0 MiB long"),
    ("literal-over-16-mib-on-many-lines",
     (HEAD + 'ex:a ex:b """' + ("y" * 1023 + "\n") * 2**14 + '""" .\n').encode(), None,
     "a term (a literal or an IRI) is too long for the parser"),
    ("prefix-redefined", (HEAD + "ex:a ex:b ex:c .\n@prefix ex: <https://example.com/> .\n"
                          "ex:a ex:b ex:c .\n").encode(), 4, "bound again"),
]


def _project_with(tmp_path: Path, name: str, content: bytes) -> Project:
    (tmp_path / "ontology").mkdir()
    (tmp_path / "instances").mkdir()
    (tmp_path / "ontology" / "o.ttl").write_text(HEAD + "ex:o a ex:Ontology .\n")
    (tmp_path / "instances" / f"{name}.ttl").write_bytes(content)
    return Project.discover(tmp_path)


@pytest.mark.parametrize(("name", "content", "line", "words"), BAD_TURTLE,
                         ids=[c[0] for c in BAD_TURTLE])
def test_bad_turtle_is_rejected_with_location(
    tmp_path: Path, name: str, content: bytes, line: int | None, words: str
) -> None:
    loaded = load(_project_with(tmp_path, name, content))
    errors = [f for f in loaded.result.findings if f.severity is Severity.ERROR]
    assert len(errors) == 1, errors
    (error,) = errors
    assert error.file == f"instances/{name}.ttl"
    assert error.line == line
    assert words.lower() in error.message.lower(), error.message


def test_good_turtle_loads(tmp_path: Path) -> None:
    content = (HEAD + 'ex:a ex:b "2016-05"^^xsd:gYearMonth, "x"@en, 3 .\n').encode()
    loaded = load(_project_with(tmp_path, "good", content))
    assert loaded.result.findings == []
    assert [f.size for f in loaded.files] == [1, 3]


@pytest.mark.parametrize("kept_parsed", [load_module.KEPT_PARSED, 0],
                         ids=["kept-as-parsed", "kept-compressed"])
def test_a_loaded_file_reads_back_the_triples_it_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept_parsed: int,
) -> None:
    """Kept as parsed or compressed (past the project's first KEPT_PARSED triples), the
    triples come back at every read as the parser gave them: the same terms (literals as
    written), in the same order, with the same blank-node labels."""
    monkeypatch.setattr(load_module, "KEPT_PARSED", kept_parsed)
    content = (HEAD + '[] ex:p "07"^^xsd:byte, "4.0"^^xsd:decimal, "x"@en ;\n'
               '   ex:q ( 1 [ ex:r "\\u00e9\\n" ] ) .\n_:lab ex:p <https://example.org/b%20c> .\n'
               ).encode()
    loaded = load(_project_with(tmp_path, "kept", content))
    assert loaded.result.findings == []
    assert [f.parsed is None for f in loaded.files] == [kept_parsed == 0] * 2
    (file,) = loaded.of(Role.DATA)
    first = list(file.quads())
    assert list(file.quads()) == first and len(first) == file.size == 10
    parsed = list(ox.parse(content, format=ox.RdfFormat.TURTLE))
    assert [_unlabelled(q.object) for q in first] == [_unlabelled(q.object) for q in parsed]
    assert "lab" in {q.subject.value for q in first}  # type: ignore[union-attr]


def _unlabelled(term: object) -> str:
    return "_:" if isinstance(term, ox.BlankNode) else str(term)


def test_a_node_is_located_where_its_description_starts(tmp_path: Path) -> None:
    content = (HEAD + "# ex:a in a comment\n"
               "ex:b ex:p ex:a ,\n    ex:c .\n"  # ex:a and ex:c as objects: not where they start
               "ex:a ex:p ex:b .\n"
               "<https://example.org/c> ex:p 1 .\n"
               "  ex:d\\/e ex:p 2 .\n"  # an escaped local name, indented
               "ex:f ex:p 3\n.\n"  # a statement closed on a line of its own (was a crash)
               "ex:g ex:p 4 ;\n  ex:q 5\n  ;\n.\n").encode()
    loaded = load(_project_with(tmp_path, "nodes", content))
    assert loaded.result.findings == []
    start = HEAD.count("\n") + 1
    for node, line in (("a", start + 3), ("b", start + 1), ("c", start + 4), ("d/e", start + 5),
                       ("f", start + 6), ("g", start + 8)):
        assert loaded.where(f"https://example.org/{node}") == ("instances/nodes.ttl", line)
    assert loaded.where("https://example.org/p") == (None, None)


def test_bad_sparql_names_file_line_and_column(tmp_path: Path) -> None:
    project = _project_with(tmp_path, "ok", (HEAD + "ex:a ex:b ex:c .\n").encode())
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "broken.rq").write_text("SELECT ?s\nWHERE { ?s ?p }\n")
    loaded = load(Project.discover(project.root))
    (error,) = loaded.result.findings
    assert (error.file, error.line) == ("queries/broken.rq", 2)
    assert error.column is not None
    assert "SPARQL syntax error" in error.message


def test_cli_reports_syntax_error_with_file_and_line(scratch: Path) -> None:
    bad = scratch / "instances" / "broken.ttl"
    bad.write_text(HEAD + '"lit" ex:b ex:c .\n')
    result = run_cli("check", "--root", str(scratch), "--quiet")
    assert result.code == 1
    assert_no_traceback(result)
    assert "instances/broken.ttl:3" in result.out
    assert "not a valid subject" in result.out
    assert "not run: fix the syntax errors first" in result.out


def test_cli_json_report_locates_the_error(scratch: Path) -> None:
    import json

    (scratch / "instances" / "broken.ttl").write_text(HEAD + "ex:a ex:b ex:c\nex:d ex:e ex:f .\n")
    result = run_cli("check", "--root", str(scratch), "--quiet", "--format", "json",
                     "--only", "syntax")
    assert result.code == 1
    report = json.loads(result.out)
    assert report["conforms"] is False
    (finding,) = report["stages"][0]["findings"]
    assert finding["file"] == "instances/broken.ttl"
    assert finding["line"] == 4


# name, suffix, content, expected line, words the message must contain
BAD_OTHER: list[tuple[str, str, bytes, int | None, str]] = [
    ("invisible-character", ".ttl", (HEAD + 'ex:a ex:b "Alba\u200bnia"@en .\n').encode(), 3,
     "U+200B"),
    ("not-nfc", ".ttl", (HEAD + 'ex:a ex:b "Cafe\u0301"@en .\n').encode(), 3, "NFC"),
    ("rdfxml-doctype", ".rdf", b'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n'
     b'<!ENTITY a "aaaaaaaaaa">]>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
     b'syntax-ns#"/>\n', 2, "DOCTYPE"),
    ("rdfxml-external-entity", ".rdf", b'<?xml version="1.0"?>\n<!ENTITY x SYSTEM '
     b'"file:///etc/passwd">\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
     b'/>\n', 2, "ENTITY"),
    ("jsonld-remote-context", ".jsonld", b'{"@context": "https://schema.org/",\n'
     b' "@id": "https://example.org/a", "name": "x"}\n', None, "remote @context"),
    ("unsupported-extension", ".xlsx", b"PK\x03\x04", None, "unsupported file type"),
]


@pytest.mark.parametrize(("name", "suffix", "content", "line", "words"), BAD_OTHER,
                         ids=[c[0] for c in BAD_OTHER])
def test_other_bad_files_are_refused(
    tmp_path: Path, name: str, suffix: str, content: bytes, line: int | None, words: str
) -> None:
    (tmp_path / "ontology").mkdir()
    (tmp_path / "ontology" / "o.ttl").write_text(HEAD + "ex:o a ex:Ontology .\n")
    data = tmp_path / f"{name}{suffix}"
    data.write_bytes(content)
    loaded = load(Project.discover(tmp_path, [data]))
    (error,) = loaded.result.findings
    assert error.file == data.name
    if line is not None:
        assert error.line == line
    assert words in error.message, error.message


def _nested_rdfxml(levels: int) -> str:
    return ('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-'
            'ns#" xmlns:ex="https://example.org/">\n'
            + '<rdf:Description><ex:p>\n' * levels + '<rdf:Description rdf:about="https://example'
            '.org/b"/>\n' + '</ex:p></rdf:Description>\n' * levels + "</rdf:RDF>\n")


def _nested_jsonld(levels: int) -> str:
    return '{"https://example.org/p":\n' * levels + '{"@id": "https://example.org/b"}' \
        + "}" * levels + "\n"


def _nested_turtle(levels: int) -> str:
    return HEAD + "ex:a ex:p\n" + "( \n" * levels + "ex:b" + " )" * levels + " .\n"


# suffix, the file at n levels of nesting, the line of level n + 1 (HEAD has 2 lines)
NESTED = [(".rdf", _nested_rdfxml, lambda n: 2 + n + 1),
          (".jsonld", _nested_jsonld, lambda n: n + 2),
          (".ttl", _nested_turtle, lambda n: 3 + n + 1)]


@pytest.mark.parametrize(("suffix", "make", "line"), NESTED, ids=[n[0] for n in NESTED])
@pytest.mark.parametrize("limit", [None, 10])  # the bundled queries nest 8 deep
def test_nesting_past_the_limit_is_refused_before_parsing(
    scratch: Path, suffix: str, make: Callable[[int], str], line: Callable[[int], int],
    limit: int | None
) -> None:
    """At the limit the file is read; one level more is refused where it starts (the default
    limit, and one set with CCBKG_MAX_NESTING)."""
    levels = limit or MAX_NESTING.default
    env = {MAX_NESTING.variable: str(limit)} if limit else {}
    data = scratch / f"nested{suffix}"
    for n, code in ((levels, 0), (levels + 1, 1)):
        data.write_text(make(n))
        result = run_cli("check", "--root", str(scratch), "--only", "syntax", "--data",
                         str(data), env=env)
        assert_no_traceback(result)
        assert result.code == code, result.out + result.err
    assert f"nested{suffix}:{line(levels)}\n" in result.out, result.out
    deepest = {".rdf": 2 * levels + 2, ".jsonld": levels + 1}.get(suffix, levels)
    assert f"nested more than {deepest}" in result.out


SPARQL_NESTED: dict[str, Callable[[int], str]] = {
    "braces": lambda n: "SELECT * WHERE " + "{ " * n + "}" * n + "\n",
    "parentheses": lambda n: "SELECT * WHERE { FILTER" + "(" * (n - 1) + "true" + ")" * (n - 1)
    + " }\n",
    "brackets": lambda n: "SELECT * WHERE { ?s ?p " + "[ ?p " * (n - 1) + "?o" + " ]" * (n - 1)
    + " }\n",
}


@pytest.mark.parametrize("kind", SPARQL_NESTED)
def test_sparql_nested_past_the_limit_is_refused_before_parsing(scratch: Path, kind: str) -> None:
    """pyoxigraph's SPARQL parser crashes the process (SIGSEGV) a few thousand braces deep and
    takes seconds for a hundred nested brackets: a query file or a --sparql text nested past
    the limit is refused where it goes too deep, never parsed; at the limit it is read."""
    make, env = SPARQL_NESTED[kind], {MAX_NESTING.variable: "12"}  # the bundled queries: 8
    query = scratch / "queries" / "nested.rq"
    header = ("# title: Nested\n# description: Nested.\n# question: Nested?\n"
              "# expected: expected/nested.csv\n")
    for n, code, limits in ((12, 0, env), (13, 1, env), (3000, 1, {})):
        query.write_text(header + make(n))
        result = run_cli("check", "--root", str(scratch), "--only", "syntax", env=limits)
        assert_no_traceback(result)
        assert result.code == code, (n, result.out + result.err)
    assert re.search(r"^  queries/nested\.rq:5\n +error +line 5, column \d+: .*nested more "
                     rf"than {MAX_NESTING.default} levels deep here", result.out, re.M), result.out
    query.unlink()
    for n, code in ((12, 0), (13, 2)):
        ran = run_cli("query", "run", "--root", str(scratch), "--sparql", make(n), env=env)
        assert_no_traceback(ran)
        assert ran.code == code, (n, ran.err)
    assert re.match(r"ccbkg: error: --sparql:1:\d+: .*nested more than 12 levels", ran.err)


def test_a_bad_nesting_limit_is_a_usage_error(scratch: Path) -> None:
    result = run_cli("check", "--root", str(scratch), "--only", "syntax",
                     env={MAX_NESTING.variable: "lots"})
    assert_no_traceback(result)
    assert result.code == 2
    assert f"{MAX_NESTING.variable}='lots': give a whole number of levels above 0" in result.err


def test_a_blank_node_is_located_where_it_is_written(tmp_path: Path) -> None:
    content = (HEAD + "[] ex:p 1 .\n"                   # line 3
               "ex:a ex:p [ ex:q [ ex:r 2 ] ] .\n"      # 4: two nested in ex:a's description
               "_:lab ex:p 3 .\n"                       # 5
               "( 1 2 ) ex:p 4 .\n"                     # 6
               "[ ex:q 5 ]\n  ex:p 6 .\n").encode()     # 7
    loaded = load(_project_with(tmp_path, "blank", content))
    assert loaded.result.findings == []
    (file,) = loaded.of(Role.DATA)
    lines = {}
    for q in file.quads():
        if isinstance(q.subject, ox.BlankNode):
            lines[q.subject.value] = loaded.where(q.subject.value)
    assert sorted(set(lines.values())) == [("instances/blank.ttl", n) for n in (3, 4, 5, 6, 7)]
    assert lines["lab"] == ("instances/blank.ttl", 5)
    assert loaded.locate("lab") == ("instances/blank.ttl", 5,
                                     "the blank node at instances/blank.ttl:5")
    assert loaded.locate("https://example.org/a")[2] == "https://example.org/a"


def test_a_store_holds_every_quad_of_its_roles_filled_a_batch_at_a_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded store is filled STORE_BATCH quads at a time (pyoxigraph copies all it is
    given at once): each file's triples in its graph, none lost at a batch's edge."""
    batch = 7
    monkeypatch.setattr(load_module, "STORE_BATCH", batch)
    loaded = load(Project.discover(REPO))
    roles = (Role.ONTOLOGY, Role.DATA)
    whole = ox.Store()
    whole.extend(loaded.quads(*roles))  # in one call
    assert len(whole) > batch * 10
    assert set(loaded.store(*roles)) == set(whole)


def test_statements_closed_on_lines_of_their_own_check_and_build(scratch: Path) -> None:
    """` .` and ` ;` on a line of their own are valid Turtle and a common style: check and
    build took the empty first word of such a line for a node and stopped with an internal
    error."""
    japan = scratch / "instances" / "japan.ttl"
    text = japan.read_text(encoding="utf-8")
    closed = re.sub(r" \.\n", "\n.\n", text)
    closed = re.sub(r" ;\n", "\n  ;\n", closed, count=3)
    assert closed.count("\n.\n") > 10
    japan.write_text(closed, encoding="utf-8")
    for args in (("check", "--root", str(scratch)),
                 ("build", "--root", str(scratch), "--out", str(scratch.parent / "dist"),
                  "--no-site")):
        done = run_cli(*args)
        assert_no_traceback(done)
        assert done.code == 0, done.out + done.err


@pytest.mark.parametrize(("name", "content"), [
    ("notes.ttl", '[] <http://www.w3.org/2000/01/rdf-schema#comment> "note"@en .\n'),
    ("graph.trig", '{ <https://w3id.org/ccbkg/id/x/a> '
                   '<http://www.w3.org/2000/01/rdf-schema#label> "a"@en . }\n')])
def test_turtle_and_trig_that_open_with_a_bracket_are_read(
        tmp_path: Path, name: str, content: str) -> None:
    """Valid Turtle opening with "[" and TriG opening with "{" were refused as JSON before
    they were parsed; JSON is now named only when the parser refuses a text that is JSON."""
    data = tmp_path / name
    data.write_text(content, encoding="utf-8")
    result = run_cli("check", "--only", "syntax", "--data", str(data))
    assert_no_traceback(result)
    assert "JSON" not in result.out, result.out
    assert result.code == 0, result.out


@pytest.mark.parametrize("name", ["estonia.TTL", "estonia.nt", "estonia.jsonld",
                                  "drafts/estonia.ttl"])
def test_data_that_is_not_read_is_a_warning(scratch: Path, name: str) -> None:
    """A data file with another extension, or in a subfolder of instances/, was ignored
    without a word: check passed and the data never reached the build."""
    path = scratch / "instances" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text("<https://w3id.org/ccbkg/id/x/a> "
                    "<http://www.w3.org/2000/01/rdf-schema#label> \"a\"@en .\n",
                    encoding="utf-8")
    result = run_cli("check", "--root", str(scratch), "--only", "syntax")
    assert_no_traceback(result)
    assert result.code == 0, result.out
    assert re.search(rf"instances/{re.escape(name)}\n +warning +this file is not read",
                     result.out), result.out
