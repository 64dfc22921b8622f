"""The fast SHACL engine (ccbkg.checks.fastshacl) against pyshacl, its reference, and the W3C suite.

pyshacl is the oracle: on the shape fixtures, the real data, mutants of it and lint fixtures,
both engines must write the same report: the same results with the same focus nodes, paths,
values, source shapes, components, severities and messages, nested sh:detail results included.
pyshacl is slow, so the shape fixtures are validated together in one graph, each fixture's
instance IRIs renamed apart (both engines see the same graph; what each fixture must produce
is tested by test_shapes.py). The W3C SHACL test suite (core and SPARQL) runs on the fast
engine alone; its known failures are listed with reasons in fixtures/shacl-known-failures.txt.
"""

from __future__ import annotations

import ast
import gc
import json
import re
import shutil
import sys
from array import array
from collections import Counter
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH, NamespaceManager
from rdflib.term import Node

from ccbkg.checks import fastshacl
from ccbkg.checks.fastshacl import values
from ccbkg.checks.fastshacl.components import HANDLERS
from ccbkg.checks.fastshacl.engine import Engine
from ccbkg.checks.fastshacl.regex import every_code_point, translate
from ccbkg.checks.fastshacl.text import graph_describer, stringify
from ccbkg.checks.shapes import validate
from ccbkg.cli import main
from ccbkg.core.processes import CORES
from ccbkg.core.terms import oxigraph_quads, rdflib_graph
from ccbkg.project.layout import Project, Role
from ccbkg.project.load import load
from ccbkg.rdf.serialize import to_bytes
from tests import kept
from tests.conftest import REPO
from tests.conftest import W3C as W3C_SUITES
from tests.kept import canonical
from tests.mutation import KINDS, mutants, rules, scheme_members

# pyshacl runs in-process on every fixture: rdflib compiles each SPARQL text once.
pytestmark = pytest.mark.usefixtures("compiled_sparql")

W3C = W3C_SUITES / "shacl"
KNOWN_FAILURES = REPO / "tests" / "fixtures" / "shacl-known-failures.txt"
SHAPE_FIXTURES = REPO / "tests" / "fixtures" / "shapes"
LINT_FIXTURES = REPO / "tests" / "fixtures" / "lint"
ID = "https://w3id.org/ccbkg/id/"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
SHT = "http://www.w3.org/ns/shacl-test#"


@cache
def loaded_project():  # type: ignore[no-untyped-def]
    loaded = load(Project.discover(REPO))
    assert not loaded.result.errors
    return loaded


def background() -> list[ox.Quad]:
    return [q for f in loaded_project().of(Role.ONTOLOGY, Role.VOCAB) for q in f.quads()]


def result_keys(report: Graph) -> Counter[tuple[object, ...]]:
    """Every result (sh:detail ones too) as its focus, path, value, shape, component,
    severity, messages and details."""
    def key(r: Node) -> tuple[object, ...]:
        def one(p: URIRef) -> str | None:
            v = report.value(r, p)  # type: ignore[arg-type]
            return v.n3() if v is not None else None
        messages = tuple(sorted(unordered(str(m))
                                for m in report.objects(r, SH.resultMessage)))  # type: ignore
        details = tuple(sorted(key(d) for d in report.objects(r, SH.detail)))  # type: ignore
        return (one(SH.focusNode), one(SH.resultPath), one(SH.value), one(SH.sourceShape),
                one(SH.sourceConstraintComponent), one(SH.resultSeverity), messages, details)
    return Counter(key(r) for r in report.subjects(RDF.type, SH.ValidationResult))


# The members of sh:in and sh:hasValue, which pyshacl (and so the fast engine) writes in a
# Python set's order: the hash seed changes it from process to process, and a kept pyshacl
# report (tests/kept.py) was made by another process.
_SET_IN_MESSAGE_RE = re.compile(r"(?:not in list |in the set: |the set of values: )(\[.*\])$",
                                re.DOTALL)


def unordered(message: str) -> str:
    """The message with the members of a set it lists in sorted order."""
    match = _SET_IN_MESSAGE_RE.search(message)
    if match is None:
        return message
    return message[:match.start(1)] + repr(sorted(ast.literal_eval(match[1])))


def same_as_pyshacl(quads: list[ox.Quad], shapes: Graph) -> int:
    """Assert both engines give the same report for the triples (with canonical blank node
    labels, so that pyshacl's report can be kept: tests/kept.py); returns the result count."""
    data, shapes_graph = canonical(quads), canonical(shapes)
    reference = kept.pyshacl_report(
        data, shapes_graph, inference="none", advanced=True, allow_warnings=True,
        abort_on_first=False, meta_shacl=False, do_owl_imports=False)
    fast = fastshacl.validate(data.quads, shapes_graph.graph)
    expected, actual = result_keys(reference.graph), result_keys(fast.report)
    missing, extra = expected - actual, actual - expected
    assert not missing and not extra, (
        f"only pyshacl: {list(missing.elements())[:3]}; only fast: {list(extra.elements())[:3]}")
    assert fast.conforms == reference.conforms
    return sum(expected.values())


def renamed(quads: list[ox.Quad], suffix: str) -> list[ox.Quad]:
    """The quads with every instance IRI given a key suffix (fragments kept)."""
    Term = ox.NamedNode | ox.BlankNode | ox.Literal

    def name(t: Term) -> Term:
        if isinstance(t, ox.NamedNode) and t.value.startswith(ID):
            base, hash_, fragment = t.value.partition("#")
            return ox.NamedNode(f"{base}{suffix}{hash_}{fragment}")
        if isinstance(t, ox.BlankNode):
            return ox.BlankNode(f"{t.value}{suffix.replace('-', '_')}")
        return t
    return [ox.Quad(name(q.subject), q.predicate, name(q.object)) for q in quads]  # type: ignore


# ------------------------------------------------------------------------------ against pyshacl

def test_every_shape_fixture_gives_the_same_report_as_pyshacl() -> None:
    merged, invalid = shape_fixtures()
    assert same_as_pyshacl(merged, loaded_project().graph(Role.SHAPES)) >= invalid


def test_the_real_data_gives_the_same_findings_with_both_engines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["check", "--root", str(REPO), "--only", "syntax,shapes", "--quiet", "--format",
          "json", "--shacl-engine", "pyshacl"])
    stages = json.loads(capsys.readouterr().out)["stages"]
    shapes = next(s for s in stages if s["stage"] == "shapes")
    assert "by pyshacl" in shapes["notes"][0]
    result, _ = validate(loaded_project())
    assert "by the fast engine" in result.notes[0]
    assert [f.to_json() for f in result.findings] == shapes["findings"]
    assert result.findings, "the real data gives no result at all (Infos are expected)"


def shape_fixtures() -> tuple[list[ox.Quad], int]:
    """Every shape fixture (instances renamed apart) with the ontology and vocabularies, and
    how many fixtures are invalid ones."""
    files = sorted(SHAPE_FIXTURES.glob("*.ttl"))
    assert len(files) > 10, "no shape fixtures found"
    merged = background()
    for n, path in enumerate(files):
        merged += renamed(list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)), f"-f{n}")
    return merged, sum(1 for f in files if "-invalid-" in f.name)


def mutated() -> tuple[list[ox.Quad], int]:
    """The data with one mutant of every kind (each on another node) applied, with the
    ontology and vocabularies; and how many mutants."""
    data = [q for f in loaded_project().of(Role.DATA) for q in f.quads()]
    found = rules(loaded_project().graph(Role.SHAPES),
                  loaded_project().graph(Role.ONTOLOGY, Role.VOCAB))
    made = list(mutants(data, found, scheme_members(loaded_project().graph(Role.VOCAB))))
    chosen, nodes = [], set()
    for kind in sorted(KINDS, key=lambda k: sum(1 for m in made if m.kind == k)):
        for m in made:
            if m.kind == kind and m.node not in nodes:
                chosen.append(m)
                nodes.add(m.node)
                break
    assert {m.kind for m in chosen} == set(KINDS)
    removed = {t for m in chosen for t in m.remove}
    triples = [q for q in data if (q.subject, q.predicate, q.object) not in removed]
    triples += [ox.Quad(*t) for m in chosen for t in m.add]
    return triples + background(), len(chosen)


def test_mutants_of_every_kind_give_the_same_report_as_pyshacl() -> None:
    triples, count = mutated()
    assert same_as_pyshacl(triples, loaded_project().graph(Role.SHAPES)) > count


def test_literals_the_store_would_rewrite_keep_their_exact_form() -> None:
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ;
            sh:property [ sh:path ex:p ; sh:datatype xsd:nonNegativeInteger ; sh:maxCount 1 ] ,
                        [ sh:path ex:q ; sh:in ( 4.0 "01"^^xsd:integer ) ] ,
                        [ sh:path ex:r ; sh:hasValue "4.50"^^xsd:decimal ] .
    """, format="turtle")
    data = list(ox.parse(b"""
        @prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:a ex:p "093"^^xsd:nonNegativeInteger ; ex:q 4.00 , "1"^^xsd:integer ; ex:r 4.5 .
        ex:b ex:p "7"^^xsd:byte , "07"^^xsd:byte ; ex:q "01"^^xsd:integer ;
            ex:r "4.50"^^xsd:decimal .
    """, format=ox.RdfFormat.TURTLE))
    assert same_as_pyshacl(data, shapes) >= 3


PATTERN_SAMPLES = [
    "", "a", "abc", "a b", "a  b", " a", "a ", "a\n", "a\nb", "\n", "a\x1c", "a\x85b",
    "a\u00a0b", "a\u200bb", "a\u00adb", "a\u2028", "a\tb", "a\rb", "x[y]", "a&&b", "a--b", "a~~b",
    "Q42", "https://w3id.org/ccbkg/id/country/ALB", "https://w3id.org/ccbkg/id/a/b#c-d",
    "2016", "2016-13", "2016-02-30", "\u0663\u0664", "\u00e9", "\U0001d49c", "a/b", "a\\b",
]
TRANSLATED = [r"a|", r"(a|b)+?c", r"[]x-]", r"[^\s\d]", r"\D\S", r"\.\u00e9", r"x{2,3}", r"^$",
              r"[a-c-]", r"$", r"[\s\S]", r"^\d+$|^a", r"[&&]", r"[\[\]]", r"\x41|\U0001d49c"]
UNTRANSLATED = [r"(?i)a", r"a$b", r"(a$)", r"\w", r"a{,2}", r"x*+", r"(?=a)", r"(a)\1", r"\bA"]


def test_every_code_point_is_every_scalar_value_in_order() -> None:
    """The string `\\s` and `\\d` are read from: each code point but the surrogates, once,
    in order (as an array of the integers gives it)."""
    codes = array("I", range(0xD800))
    codes.extend(range(0xE000, sys.maxunicode + 1))
    expected = codes.tobytes().decode(f"utf-32-{'le' if sys.byteorder == 'little' else 'be'}")
    assert every_code_point() == expected
    assert len(expected) == 0x110000 - 0x800


def test_patterns_rewritten_for_sparql_match_where_python_does() -> None:
    patterns = {str(p) for role in (Role.SHAPES, Role.LINT_SHAPES)
                for p in loaded_project().graph(role).objects(None, SH.pattern)}
    assert len(patterns) > 5, "no sh:pattern found in the shapes"
    store, p = ox.Store(), ox.NamedNode("urn:p")
    store.extend(ox.Quad(ox.NamedNode(f"urn:s{n}"), p, ox.Literal(text))
                 for n, text in enumerate(PATTERN_SAMPLES))
    for pattern in sorted(patterns) + TRANSLATED:
        rust = translate(pattern)
        assert rust is not None, pattern
        query = f"SELECT ?t WHERE {{ ?s <urn:p> ?t FILTER(REGEX(?t, {ox.Literal(rust)})) }}"
        got = {row["t"].value for row in store.query(query)}  # type: ignore[union-attr]
        assert got == {t for t in PATTERN_SAMPLES if re.search(pattern, t)}, pattern
    for pattern in UNTRANSLATED:
        assert translate(pattern) is None, pattern


def test_a_kept_pyshacl_report_is_the_one_pyshacl_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """tests/kept.py: the report read back names the same results (blank focus
    nodes, anonymous shapes and their paths included) as pyshacl's own; changed data or
    options are not answered from it."""
    monkeypatch.setattr(kept, "FOLDER", tmp_path)
    shapes = canonical(Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ;
            sh:property [ sh:path [ sh:inversePath ex:q ] ; sh:minCount 1 ;
                          sh:message "needs an ex:q pointing at it"@en ] .
    """, format="turtle"))
    data = canonical(ox.parse(b"""
        @prefix ex: <http://example.org/> .
        [] ex:p "unnamed" . ex:a ex:p "named" . ex:b ex:q ex:a .
    """, format=ox.RdfFormat.TURTLE))
    options = {"inference": "none", "advanced": True}
    computed = kept.pyshacl_report(data, shapes, **options)
    keys = result_keys(computed.graph)
    assert sum(keys.values()) == 1 and next(iter(keys))[0].startswith("_:c14n")

    def refuse(*_args: object, **_kw: object) -> None:
        raise AssertionError("pyshacl ran although its report was kept")
    monkeypatch.setattr(kept.pyshacl, "validate", refuse)
    again = kept.pyshacl_report(data, shapes, **options)
    assert result_keys(again.graph) == keys
    assert (again.conforms, again.text) == (computed.conforms, computed.text)
    with pytest.raises(AssertionError, match="although its report was kept"):
        kept.pyshacl_report(canonical(data.quads[1:]), shapes, **options)
    with pytest.raises(AssertionError, match="although its report was kept"):
        kept.pyshacl_report(data, shapes, **{**options, "advanced": False})


def test_the_run_keeps_answers_in_pytests_cache_folder(pytestconfig: pytest.Config) -> None:
    """The kept answers are used by the run itself, not only by the test above (a hook that
    ran before pytest's cache plugin once left the folder unset: every run made pyshacl's
    reports and HermiT's verdicts again)."""
    cache = getattr(pytestconfig, "cache", None)
    if cache is None:
        pytest.skip("run with -p no:cacheprovider: nothing is kept")
    assert cache.mkdir("ccbkg-kept") == kept.FOLDER


def test_set_members_in_messages_compare_in_any_order() -> None:
    members = "['Literal(\"4.0\", datatype=xsd:decimal)', 'Literal(\"1\", datatype=xsd:integer)']"
    shown = "['Literal(\"1\", datatype=xsd:integer)', 'Literal(\"4.0\", datatype=xsd:decimal)']"
    for text in ("Value ex:v not in list {}",
                 "Node ex:a->ex:p does not contain a value in the set: {}",
                 "Node ex:a value is not a in the set of values: {}"):
        assert unordered(text.format(members)) == unordered(text.format(shown)) == \
            text.format(shown)
    assert unordered("Value does not match pattern '[b, a]'") == \
        "Value does not match pattern '[b, a]'"


def test_shapes_read_once_validate_graph_after_graph_as_shapes_read_each_time() -> None:
    """A ShapesGraph given to validate (the tests read the shapes once for a hundred fixtures)
    gives the report the shapes graph gives, run after run."""
    merged, _ = shape_fixtures()
    shapes = loaded_project().graph(Role.SHAPES)
    model = fastshacl.ShapesGraph(shapes)
    expected = result_keys(fastshacl.validate(merged, shapes).report)
    assert sum(expected.values()) > 50
    for data in (merged, merged[::-1]):
        assert result_keys(fastshacl.validate(data, model).report) == expected


def test_the_report_is_the_same_bytes_run_after_run() -> None:
    triples = [q for f in loaded_project().of(Role.DATA, Role.ONTOLOGY, Role.VOCAB)
               for q in f.quads()]

    def written() -> bytes:
        report = fastshacl.validate(triples, loaded_project().graph(Role.SHAPES)).report
        return to_bytes(oxigraph_quads(report), "ttl")

    assert written() == written()


def test_the_report_is_the_same_bytes_in_one_thread_or_two() -> None:
    """Shapes validated side by side give the results in the shapes' order all the same (the
    real graph is validated in one thread by default: below `WORTH_THREADS`)."""
    triples = [q for f in loaded_project().of(Role.DATA, Role.ONTOLOGY, Role.VOCAB)
               for q in f.quads()]
    shapes = fastshacl.ShapesGraph(loaded_project().graph(Role.SHAPES), advanced=True)
    one, two = (fastshacl.validate(triples, shapes, threads=n) for n in (1, 2))
    assert one.rows and one.rows == two.rows
    assert to_bytes(oxigraph_quads(one.report), "ttl") == \
        to_bytes(oxigraph_quads(two.report), "ttl")


@pytest.mark.parametrize(("size", "expected"), [
    (10, 1), (fastshacl.WORTH_THREADS - 1, 1), (fastshacl.WORTH_THREADS, CORES)])
def test_a_second_thread_is_used_from_worth_threads_triples_on(
        size: int, expected: int, monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[int] = []

    def run(self: Engine, threads: int = 1) -> tuple[bool, list[object]]:
        used.append(threads)
        return True, []

    monkeypatch.setattr(Engine, "run", run)
    p = ox.NamedNode("http://example.org/p")
    data = (ox.Triple(ox.NamedNode(f"http://example.org/{i}"), p, ox.Literal("x"))
            for i in range(size))
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:A a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:nodeKind sh:IRI .
    """, format="turtle")
    fastshacl.validate(data, shapes)
    assert used == [expected]


def test_shapes_the_engine_lacks_are_validated_by_pyshacl(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:

    for part in ("ontology", "queries"):  # copies: a link that leaves the root is refused
        shutil.copytree(REPO / part, tmp_path / part)
    (tmp_path / "instances").mkdir()
    (tmp_path / "instances" / "a.ttl").write_text(
        "<https://w3id.org/ccbkg/id/thing/a> a <http://example.org/C> .\n")
    (tmp_path / "shapes").mkdir()
    (tmp_path / "shapes" / "rules.ttl").write_text("""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate ex:p ; sh:object 1 ] ;
            sh:property [ sh:path ex:label ; sh:minCount 1 ] .
    """)
    main(["check", "--root", str(tmp_path), "--only", "syntax,shapes", "--quiet", "--format",
          "json"])
    stages = json.loads(capsys.readouterr().out)["stages"]
    shapes = next(s for s in stages if s["stage"] == "shapes")
    assert "declined" in shapes["notes"][0] and "pyshacl" in shapes["notes"][0]
    assert [f["component"] for f in shapes["findings"]] == [str(SH.MinCountConstraintComponent)]


# ------------------------------------------------------------------------------ recursive shapes

# Shapes that refer to themselves, whose validation SHACL leaves undefined (3.4.1): the fast
# engine cuts the recursion where pyshacl does (fastshacl.choices, `recursion_cut`).
_RECURSIVE = {
    "node-property": """
        ex:S a sh:NodeShape ; sh:targetNode ex:n0 ;
            sh:property [ sh:path ex:next ; sh:node ex:S ] ,
                        [ sh:path ex:label ; sh:minCount 1 ] .""",
    "mutual-node": """
        ex:S a sh:NodeShape ; sh:targetNode ex:n0 ; sh:node ex:T ;
            sh:property [ sh:path ex:label ; sh:minCount 1 ] .
        ex:T a sh:NodeShape ; sh:property [ sh:path ex:next ; sh:node ex:S ] .""",
    "or-tree": """
        ex:S a sh:NodeShape ; sh:targetNode ex:n0 ;
            sh:or ( [ sh:path ex:label ; sh:minCount 1 ]
                    [ sh:path ex:next ; sh:minCount 1 ; sh:node ex:S ] ) .""",
    "not": """
        ex:S a sh:NodeShape ; sh:targetNode ex:n0 ;
            sh:property [ sh:path ex:label ; sh:minCount 1 ] ;
            sh:property [ sh:path ex:next ; sh:not [ sh:not ex:S ] ] .""",
    "qualified": """
        ex:S a sh:NodeShape ; sh:targetNode ex:n0 ;
            sh:property [ sh:path ex:label ; sh:minCount 1 ] ;
            sh:property [ sh:path ex:next ; sh:qualifiedValueShape ex:S ;
                          sh:qualifiedMaxCount 0 ] .""",
}


def _chain(length: int, unlabelled: int | None, cycle: bool) -> list[ox.Quad]:
    """ex:n0 ex:next ex:n1 ... (back to ex:n0 if `cycle`), every node labelled but one."""
    text = "".join(
        f"ex:n{i} ex:next ex:n{(i + 1) % length if cycle else i + 1} .\n"
        + (f"ex:n{i} ex:label 'n{i}' .\n" if i != unlabelled else "")
        for i in range(length))
    return list(ox.parse(f"@prefix ex: <http://example.org/> .\n{text}".encode(),
                         format=ox.RdfFormat.TURTLE))


@pytest.mark.filterwarnings("ignore::pyshacl.errors.ShapeRecursionWarning")
@pytest.mark.parametrize("name", sorted(_RECURSIVE))
@pytest.mark.parametrize("length,unlabelled,cycle", [
    (1, 0, False), (2, 1, False), (3, 2, False), (6, 1, False), (6, 4, False), (6, None, True),
    (6, 5, True), (40, 39, False)])
def test_recursive_shapes_give_the_same_report_as_pyshacl(
    name: str, length: int, unlabelled: int | None, cycle: bool,
) -> None:
    shapes = Graph().parse(format="turtle", data=(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
        + _RECURSIVE[name]))
    assert fastshacl.ShapesGraph(shapes).recursive, "the shapes are not recursive"
    same_as_pyshacl(_chain(length, unlabelled, cycle), shapes)


def test_shacl_shacl_gives_the_same_report_as_pyshacl() -> None:
    """SHACL's own shapes for shapes graphs (pyshacl's copy), nested a dozen deep, whose
    value nodes the engine keeps in its store past `KEPT_DEPTH`, on a shapes graph with
    mistakes."""
    shacl_shacl = Graph().parse(Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl",
                                format="turtle")
    broken = list(ox.parse(b"""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ( ex:p [ sh:inversePath ex:q ] ) ; sh:minCount "one" ] ;
            sh:or ( [ sh:path ex:r ; sh:node ex:T ] [ sh:not [ sh:class ex:C ] ] ) .
        ex:T a sh:NodeShape ; sh:property [ sh:path [ sh:alternativePath ( ex:a ex:b ) ] ;
                                            sh:datatype "string" ] .
        """, format=ox.RdfFormat.TURTLE))
    assert same_as_pyshacl(broken, shacl_shacl) >= 2


def test_the_specifications_choice_follows_recursion_as_far_as_the_data_goes() -> None:
    shapes = Graph().parse(format="turtle", data=(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
        + _RECURSIVE["node-property"]))
    cut = fastshacl.validate(_chain(5, 4, False), shapes)
    assert cut.conforms, "pyshacl's cut stops before ex:n4"
    full = fastshacl.validate(_chain(5, 4, False), shapes, choices=fastshacl.SPEC)
    assert not full.conforms
    assert {str(r.focus) for r in full.rows} == {"http://example.org/n0"}
    with pytest.raises(fastshacl.Unsupported, match="nested 15 deep"):
        fastshacl.validate(_chain(6, None, True), shapes, choices=fastshacl.SPEC)


# ------------------------------------------------------------------------------ W3C suite

@cache
def _parsed(uri: str) -> tuple[list[ox.Quad], Graph, dict[str, str]]:
    path = Path(uri.removeprefix("file://"))
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=uri))
    prefixes = {p: str(ns) for p, ns in Graph().namespace_manager.namespaces()}
    prefixes.update(re.findall(r"@prefix\s+([\w-]*):\s*<([^>]*)>", path.read_text("utf-8")))
    return quads, rdflib_graph(quads), prefixes


def _w3c_cases() -> list[tuple[str, str, Node]]:
    if not W3C.is_dir():
        return []
    cases: list[tuple[str, str, Node]] = []

    def walk(uri: str) -> None:
        _, g, _ = _parsed(uri)
        for included in g.objects(URIRef(uri), URIRef(MF + "include")):
            walk(str(included))
        for entries in g.objects(URIRef(uri), URIRef(MF + "entries")):
            for entry in g.items(entries):
                cases.append((str(entry).removeprefix(W3C.as_uri() + "/"), uri, entry))

    walk((W3C / "manifest.ttl").as_uri())
    return cases


def _known_failures() -> dict[str, str]:
    lines = [line.split(maxsplit=1) for line in KNOWN_FAILURES.read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    return {name: reason for name, reason in lines}


W3C_CASES = _w3c_cases()


def test_the_w3c_suite_is_there() -> None:
    assert len(W3C_CASES) > 100, f"the W3C SHACL tests are not at {W3C}"
    assert set(_known_failures()) <= {name for name, _, _ in W3C_CASES}


# The suite runs in both modes: SHACL Core and SHACL-SPARQL alone, and with the SHACL Advanced
# Features on (ccbkg's own setting). The known failures hold for both.
MODES = {"core": False, "advanced": True}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("name", "manifest", "entry"), W3C_CASES, ids=[c[0] for c in W3C_CASES])
def test_w3c_shacl_suite(name: str, manifest: str, entry: Node, mode: str) -> None:
    passed, why = _run_w3c(manifest, entry, MODES[mode])
    reason = _known_failures().get(name)
    if reason is None:
        assert passed, why
    else:
        assert not passed, f"{name} passes now in {mode} mode: remove it from {KNOWN_FAILURES.name}"


EARL = REPO / "src" / "ccbkg" / "checks" / "fastshacl" / "w3c-earl.ttl"
EARL_RUN = REPO / "build" / "reports" / "fastshacl-w3c-earl.ttl"
EARL_HEAD = """\
@prefix doap: <http://usefulinc.com/ns/doap#> .
@prefix earl: <http://www.w3.org/ns/earl#> .

# The W3C SHACL test suite (tests/w3c/shacl) run on ccbkg's fast SHACL engine by
# tests/test_fastshacl.py, in both modes. Written by the test run (build/reports/); the release
# ships this copy in dist/reports/, and the test fails when it is not the run's.

<https://w3id.org/ccbkg/software/fastshacl> a earl:Software ;
    doap:name "tests/test_fastshacl.py (ccbkg's test suite)" .
"""


def earl_report(outcomes: dict[tuple[str, str], bool]) -> str:
    """The outcomes, (test, mode) -> passed, as an EARL report in Turtle (same run, same text)."""
    subject = "https://w3id.org/ccbkg/software/fastshacl#"
    known = _known_failures()
    out = [EARL_HEAD]
    for mode, advanced in MODES.items():
        features = "SHACL Core and SHACL-SPARQL" + (", Advanced Features on" if advanced else "")
        out.append(f"<{subject}{mode}> a earl:TestSubject, doap:Project ;\n"
                   f"    doap:name {json.dumps(f'ccbkg fast SHACL engine ({features})')} ;\n"
                   "    doap:programming-language \"Python\" .\n")
    for (name, mode), passed in sorted(outcomes.items()):
        info = "" if passed or name not in known else \
            f" ;\n        earl:info {json.dumps(known[name], ensure_ascii=False)}"
        assertion = f"{subject}{mode}/{name}"  # IRIs, not blank nodes: the release has none
        out.append(
            f"<{assertion}> a earl:Assertion ;\n    earl:assertedBy <https://w3id.org/ccbkg/"
            f"software/fastshacl> ;\n    earl:subject <{subject}{mode}> ;\n"
            f"    earl:test <urn:x-shacl-test:/{name}> ;\n    earl:mode earl:automatic ;\n"
            f"    earl:result <{assertion}/result> .\n"
            f"<{assertion}/result> a earl:TestResult ;\n"
            f"    earl:outcome earl:{'passed' if passed else 'failed'}{info} .\n")
    return "\n".join(out)


def test_the_published_earl_report_is_this_runs() -> None:
    outcomes = {(name, mode): _run_w3c(manifest, entry, advanced)[0]
                for name, manifest, entry in W3C_CASES for mode, advanced in MODES.items()}
    text = earl_report(outcomes)
    EARL_RUN.parent.mkdir(parents=True, exist_ok=True)
    EARL_RUN.write_text(text, encoding="utf-8")
    graph = Graph().parse(data=text, format="turtle")
    assertions = set(graph.subjects(RDF.type, URIRef("http://www.w3.org/ns/earl#Assertion")))
    assert not any(isinstance(n, BNode) for t in graph for n in t)
    assert len(assertions) == 2 * len(W3C_CASES) > 200
    assert EARL.read_text(encoding="utf-8") == text, (
        f"the shipped EARL report is not this run's: cp {EARL_RUN} {EARL}")


@cache
def _run_w3c(manifest: str, entry: Node, advanced: bool) -> tuple[bool, str]:
    _, g, _ = _parsed(manifest)
    action = g.value(entry, URIRef(MF + "action"))  # type: ignore[arg-type]
    data_uri = str(g.value(action, URIRef(SHT + "dataGraph")))  # type: ignore[arg-type]
    shapes_uri = str(g.value(action, URIRef(SHT + "shapesGraph")))  # type: ignore[arg-type]
    expected = g.value(entry, URIRef(MF + "result"))  # type: ignore[arg-type]
    data, _, prefixes = _parsed(data_uri)
    _, shapes, _ = _parsed(shapes_uri)
    try:
        run = fastshacl.validate(data, shapes, advanced=advanced, allow_warnings=False,
                                 prefixes=prefixes)
    except (fastshacl.ShapesError, fastshacl.Unsupported, SyntaxError) as exc:
        failure = expected == URIRef(SHT + "Failure")
        return failure, f"{type(exc).__name__}: {exc}"
    if expected == URIRef(SHT + "Failure"):
        return False, "the test expects a failure"
    report = next(run.report.subjects(RDF.type, SH.ValidationReport))
    conforms = g.value(expected, SH.conforms).value  # type: ignore[arg-type, union-attr]
    want, got = _w3c_keys(g, expected), _w3c_keys(run.report, report)  # type: ignore[arg-type]
    return conforms == run.conforms and want == got, f"missing {want - got}, extra {got - want}"


def _w3c_keys(g: Graph, report: Node) -> set[tuple[str | None, ...]]:
    """Results compared as the suite compares them: blank nodes by their description."""
    names = NamespaceManager(Graph(bind_namespaces="none"))

    def text(n: Node | None) -> str | None:
        return stringify(n, names, graph_describer(g)) if n is not None else None

    return {tuple(text(g.value(r, p)) for p in (  # type: ignore[arg-type]
        SH.focusNode, SH.resultPath, SH.value, SH.sourceShape, SH.sourceConstraintComponent,
        SH.resultSeverity)) for r in g.objects(report, SH.result)}  # type: ignore[arg-type]


def test_the_specifications_choice_checks_the_lexical_form_of_dates() -> None:
    """rdflib (and so pyshacl) accepts "2013-13"^^xsd:gYear for sh:datatype xsd:gYear; SHACL
    does not, and with fastshacl.SPEC neither does the fast engine (Jena agrees)."""
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:y ;
            sh:property [ sh:path ex:y ; sh:datatype xsd:gYear ] .
    """, format="turtle")
    data = list(ox.parse(b"""
        @prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:a ex:y "2013-13"^^xsd:gYear , "2013"^^xsd:gYear .
    """, format=ox.RdfFormat.TURTLE))
    assert same_as_pyshacl(data, shapes) == 0
    spec = fastshacl.validate(data, shapes, choices=fastshacl.SPEC)
    assert [(str(r.component), str(r.value)) for r in spec.rows] == [
        (str(SH.DatatypeConstraintComponent), "2013-13")]


# Every constraint component's section of the SHACL specification (W3C Recommendation 2017).
SECTIONS = {
    SH["class"]: "4.1.1", SH.datatype: "4.1.2", SH.nodeKind: "4.1.3",  # value type
    SH.minCount: "4.2.1", SH.maxCount: "4.2.2",  # cardinality
    SH.minExclusive: "4.3.1", SH.minInclusive: "4.3.2", SH.maxExclusive: "4.3.3",
    SH.maxInclusive: "4.3.4",  # value range
    SH.minLength: "4.4.1", SH.maxLength: "4.4.2", SH.pattern: "4.4.3", SH.languageIn: "4.4.4",
    SH.uniqueLang: "4.4.5",  # string-based
    SH.equals: "4.5.1", SH.disjoint: "4.5.2", SH.lessThan: "4.5.3",
    SH.lessThanOrEquals: "4.5.4",  # property pair
    SH["not"]: "4.6.1", SH["and"]: "4.6.2", SH["or"]: "4.6.3", SH.xone: "4.6.4",  # logical
    SH.node: "4.7.1", SH.property: "4.7.2", SH.qualifiedValueShape: "4.7.3",  # shape-based
    SH.closed: "4.8.1", SH.hasValue: "4.8.2", SH["in"]: "4.8.3",  # other
    SH.sparql: "5",  # SPARQL-based constraints
}


def _implementation(parameter: URIRef) -> object:
    """The function that implements a parameter's component: the value test a generic
    handler adds, or the factory that made a handler, or the handler."""
    handler = HANDLERS[parameter]
    if handler.__qualname__ == "_values.<locals>.handler":
        return values.BUILDERS[parameter]
    if "<locals>" in handler.__qualname__:
        return getattr(sys.modules[handler.__module__], handler.__qualname__.split(".")[0])
    return handler


def test_every_constraint_component_cites_its_section_of_shacl() -> None:
    assert set(HANDLERS) == set(SECTIONS), "a component without its section, or the reverse"
    for parameter, section in SECTIONS.items():
        doc = getattr(_implementation(parameter), "__doc__", None) or ""
        name = "sh:" + parameter.removeprefix(str(SH))
        assert name in doc and re.search(rf"\(SHACL [^)]*\b{re.escape(section)}\b", doc), (
            f"{name}: its docstring should name it and cite (SHACL {section}, ...): {doc!r}")


def test_an_error_in_a_validating_thread_frees_its_query_results_there(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """pyoxigraph's query results may only be freed by the thread that made them; an error
    raised while a shape is validated in a thread of its own, with results still open, is
    reported without "is unsendable, but is being dropped on another thread" on stderr."""

    def failing(self: Engine, shape: object, focus: object) -> object:
        open_results = self.select("SELECT * WHERE { ?s ?p ?o }")  # held by this frame
        assert open_results is not None
        raise fastshacl.ShapesError("broken shape")

    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    monkeypatch.setattr(Engine, "validate", failing)
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:A a sh:NodeShape ; sh:targetNode ex:a ; sh:nodeKind sh:IRI .
        ex:B a sh:NodeShape ; sh:targetNode ex:b ; sh:nodeKind sh:IRI .
    """, format="turtle")
    data = [ox.Triple(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"),
                      ox.Literal("x"))]
    with pytest.raises(fastshacl.ShapesError, match="broken shape"):
        fastshacl.validate(data, shapes, threads=2)
    gc.collect()
    assert unraisable == []
