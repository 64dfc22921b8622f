"""Tests for the ontology lint layer.

Covers the SHACL lint shapes (shapes/lint/ontology.shapes.ttl) and the violation queries
(queries/checks/*-violation.rq) against the fixtures in tests/fixtures/lint/.

Fixture names:
    <ShapeLocalName>-valid.ttl, <ShapeLocalName>-invalid-NN.ttl   (lint shapes)
    <query-stem>-valid.ttl,     <query-stem>-invalid-NN.ttl       (violation queries)

Fixture header (leading comment lines):
    # expect: clean                                       valid fixtures
    # expect: lint:<Shape> sh:<Component>                 invalid shape fixtures
    # expect: queries/checks/<stem>.rq rows               invalid query fixtures
    # also: <rule id>                                     optional, repeatable: another rule
                                                          that the fixture trips on purpose
                                                          (shape local name or query stem)

Besides its own rule, every fixture is run through ALL lint shapes and ALL violation queries:
a valid fixture must trip nothing, and an invalid one only its own rule and the rules named in
`# also:` lines. Lint shapes are validated on their own (no data shapes), with inference chosen
explicitly: pyshacl inference='none', advanced=True (SPARQL targets and constraints).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
import rdflib
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from ccbkg.checks import fastshacl
from ccbkg.checks import vocabulary_typos as vocabterms
from tests import kept
from tests.conftest import assert_no_traceback, run_cli
from tests.kept import Canonical, canonical
from tests.test_fastshacl import result_keys

# pyshacl runs in-process on every fixture: rdflib compiles each SPARQL text once.
pytestmark = pytest.mark.usefixtures("compiled_sparql")

ROOT = Path(__file__).resolve().parents[1]
LINT_SHAPES_FILE = ROOT / "shapes" / "lint" / "ontology.shapes.ttl"
CHECKS_DIR = ROOT / "queries" / "checks"
FIXTURES_DIR = ROOT / "tests" / "fixtures" / "lint"

LINT = Namespace("https://w3id.org/ccbkg/shapes/lint#")
LINT_ONTOLOGY = URIRef("https://w3id.org/ccbkg/shapes/lint")
CURIES = {"lint": str(LINT), "sh": str(SH)}
SEVERITIES = {SH.Violation, SH.Warning, SH.Info}

FIXTURE_NAME = re.compile(r"^(?P<rule>.+)-(?P<kind>valid|invalid-\d{2})\.ttl$")
SHAPE_EXPECT = re.compile(r"^# expect: (?P<shape>\S+) (?P<component>\S+)$")
QUERY_EXPECT = re.compile(r"^# expect: queries/checks/(?P<stem>\S+)\.rq rows$")
QUERY_HEADER_KEYS = ("title", "description", "severity")

# --------------------------------------------------------------------------- collection
# Collected at import time for parametrisation; test_inputs_found() fails if any is empty,
# because an empty parameter list would only be reported as "skipped".

SHAPE_FIXTURE_FILES = sorted(FIXTURES_DIR.glob("*Shape-valid.ttl")) + sorted(
    FIXTURES_DIR.glob("*Shape-invalid-*.ttl")
)
QUERY_FILES = sorted(CHECKS_DIR.glob("*-violation.rq"))
QUERY_FIXTURE_FILES = sorted(FIXTURES_DIR.glob("*-violation-valid.ttl")) + sorted(
    FIXTURES_DIR.glob("*-violation-invalid-*.ttl")
)

ALL_FIXTURE_FILES = sorted(FIXTURES_DIR.glob("*.ttl"))


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def expand(curie: str) -> URIRef:
    prefix, _, local = curie.partition(":")
    assert prefix in CURIES and local, f"unknown CURIE {curie!r} (use lint: or sh:)"
    return URIRef(CURIES[prefix] + local)


def short(node: Node) -> str:
    text = str(node)
    for prefix, ns in CURIES.items():
        if text.startswith(ns):
            return f"{prefix}:{text[len(ns) :]}"
    return text


@lru_cache(maxsize=1)
def canonical_lint_shapes() -> Canonical:
    return canonical(Graph().parse(LINT_SHAPES_FILE, format="turtle"))


def lint_shapes() -> Graph:
    return canonical_lint_shapes().graph


@lru_cache(maxsize=1)
def lint_shapes_model() -> fastshacl.ShapesGraph:
    """The lint shapes read once for every fixture."""
    return fastshacl.ShapesGraph(lint_shapes())


@lru_cache(maxsize=1)
def shape_ids() -> frozenset[str]:
    """Local names of all named node and property shapes in the lint namespace."""
    g = lint_shapes()
    shapes = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    return frozenset(str(s)[len(LINT) :] for s in shapes if str(s).startswith(str(LINT)))


@lru_cache(maxsize=1)
def query_texts() -> dict[str, str]:
    return {p.name[: -len(".rq")]: p.read_text(encoding="utf-8") for p in QUERY_FILES}


def rule_of(path: Path) -> tuple[str, str]:
    m = FIXTURE_NAME.match(path.name)
    assert m, f"{path.name}: fixture names are <rule>-valid.ttl or <rule>-invalid-NN.ttl"
    return m["rule"], m["kind"]


def fixture_header(path: Path) -> tuple[str, list[str]]:
    """(expect line value, list of `also` rule ids) from the leading comment lines."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines and lines[0].startswith("# expect: "), (
        f"{path.name}: first line must be '# expect: ...'"
    )
    also = []
    for line in lines[1:]:
        if not line.startswith("#"):
            break
        if line.startswith("# also: "):
            also.append(line[len("# also: ") :].strip())
    return lines[0], also


@cache
def fixture(path: Path) -> Canonical:
    """A fixture as rdflib reads it, with canonical blank node labels (both engines get it)."""
    return canonical(Graph().parse(path, format="turtle"))


def data_graph(path: Path) -> Graph:
    return fixture(path).graph


@cache
def pyshacl_report(path: Path) -> Graph:
    """The report of the lint shapes on a fixture, by pyshacl (the reference engine; kept
    between runs, tests/kept.py)."""
    return kept.pyshacl_report(fixture(path), canonical_lint_shapes(), inference="none",
                                    advanced=True, allow_warnings=True).graph


@cache
def shacl_results(path: Path) -> tuple[dict, ...]:
    """Run the lint shapes on a fixture; return the validation results as dicts."""
    report = pyshacl_report(path)
    results = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        results.append(
            {
                "shape": report.value(r, SH.sourceShape),
                "component": report.value(r, SH.sourceConstraintComponent),
                "severity": report.value(r, SH.resultSeverity),
                "focus": report.value(r, SH.focusNode),
                "message": report.value(r, SH.resultMessage),
            }
        )
    return tuple(results)


@cache
def oxigraph_store(path: Path) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)  # default graph
    return store


def run_query_oxigraph(stem: str, path: Path) -> list[dict[str, object]]:
    solutions = oxigraph_store(path).query(query_texts()[stem])
    names = [v.value for v in solutions.variables]
    rows = []
    for solution in solutions:
        rows.append({name: solution[name] for name in names})
    return rows


def _selected(text: str) -> set[str] | None:
    """The variables a SELECT query selects in pyoxigraph, or None for another form. Its results
    object is freed here: kept in the test's frame while rdflib parses, a traceback rdflib's
    parser keeps could hold it until the collector frees it on another thread, which
    pyoxigraph reports as "is unsendable"."""
    solutions = pyoxigraph.Store().query(text)
    if not isinstance(solutions, pyoxigraph.QuerySolutions):
        return None
    return {v.value for v in solutions.variables}


def rdflib_nodes(stem: str, path: Path) -> list[str]:
    """The nodes a violation query reports on a fixture in rdflib, sorted (kept per query,
    fixture and rdflib version: tests/kept.py)."""
    text, data = query_texts()[stem], fixture(path)

    def make() -> list[str]:
        return sorted(str(row["node"]) for row in data.graph.query(text))

    found: list[str] = kept.kept_json(["rdflib-lint-nodes", rdflib.__version__, text,
                                       data.digest], make)
    return found


@cache
def tripped_rules(path: Path) -> frozenset[str]:
    """Every lint rule (shape local name or query stem) that reports something on a fixture."""
    tripped = set()
    for result in shacl_results(path):
        shape = result["shape"]
        if isinstance(shape, URIRef) and str(shape).startswith(str(LINT)):
            tripped.add(str(shape)[len(LINT) :])
        else:  # a result that does not name a lint shape is a bug in the shapes
            tripped.add(f"<unnamed shape {shape!r}>")
    for stem in query_texts():
        if run_query_oxigraph(stem, path):
            tripped.add(stem)
    return frozenset(tripped)


def sparql_target_nodes(target: Node, g: Graph) -> set[Node]:
    shapes = lint_shapes()
    prefixes = []
    for prefixes_node in shapes.objects(target, SH.prefixes):
        for decl in shapes.objects(prefixes_node, SH.declare):
            prefixes.append(
                f"PREFIX {shapes.value(decl, SH.prefix)}: <{shapes.value(decl, SH.namespace)}>"
            )
    query = "\n".join(prefixes) + "\n" + str(shapes.value(target, SH.select))
    return {row[0] for row in g.query(query)}


def focus_nodes(shape: URIRef, g: Graph) -> set[Node]:
    """The focus nodes of a lint shape in a data graph (for the non-vacuity check)."""
    shapes = lint_shapes()
    nodes: set[Node] = set()
    has_target = False
    for cls in shapes.objects(shape, SH.targetClass):
        has_target = True
        for sub in g.transitive_subjects(RDFS.subClassOf, cls):
            nodes |= set(g.subjects(RDF.type, sub))
    for node in shapes.objects(shape, SH.targetNode):
        has_target = True
        nodes.add(node)
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        has_target = True
        nodes |= set(g.subjects(prop, None))
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        has_target = True
        nodes |= set(g.objects(None, prop))
    for target in shapes.objects(shape, SH.target):
        has_target = True
        assert (target, RDF.type, SH.SPARQLTarget) in shapes, (
            f"{short(shape)}: unsupported target {target}"
        )
        nodes |= sparql_target_nodes(target, g)
    if not has_target:  # a property shape used through sh:property of node shapes
        for parent in shapes.subjects(SH.property, shape):
            nodes |= focus_nodes(parent, g)
    return nodes


# --------------------------------------------------------------------------- inventory


def test_inputs_found():
    assert LINT_SHAPES_FILE.is_file(), LINT_SHAPES_FILE
    assert shape_ids(), "no named lint shapes found"
    assert QUERY_FILES, f"no *-violation.rq in {CHECKS_DIR}"
    assert ALL_FIXTURE_FILES, f"no fixtures in {FIXTURES_DIR}"
    assert SHAPE_FIXTURE_FILES, "no shape fixtures found"
    assert QUERY_FIXTURE_FILES, "no query fixtures found"


def test_every_fixture_belongs_to_a_rule():
    rules = set(shape_ids()) | set(query_texts())
    orphans = [p.name for p in ALL_FIXTURE_FILES if rule_of(p)[0] not in rules]
    assert not orphans, f"fixtures for no existing shape or query: {orphans}"
    unclassified = set(ALL_FIXTURE_FILES) - set(SHAPE_FIXTURE_FILES) - set(QUERY_FIXTURE_FILES)
    assert not unclassified, (
        f"fixtures matched by neither glob: {sorted(p.name for p in unclassified)}"
    )


@pytest.mark.parametrize("rule", sorted(shape_ids()) + sorted(query_texts()))
def test_every_rule_has_valid_and_invalid_fixtures(rule):
    kinds = [rule_of(p)[1] for p in ALL_FIXTURE_FILES if rule_of(p)[0] == rule]
    assert "valid" in kinds, f"{rule}: add tests/fixtures/lint/{rule}-valid.ttl"
    assert any(k.startswith("invalid-") for k in kinds), (
        f"{rule}: add tests/fixtures/lint/{rule}-invalid-01.ttl"
    )


# --------------------------------------------------------------------------- the shapes file


def test_lint_shapes_use_only_real_shacl_terms():
    """pySHACL silently ignores unknown sh: terms (e.g. sh:minCout); catch them here."""
    used = {str(term) for triple in lint_shapes() for term in triple
            if isinstance(term, URIRef) and str(term).startswith(str(SH))}
    assert len(used) > 20
    assert sorted(used - vocabterms.shacl_terms()) == []


@pytest.mark.parametrize("shape_id", sorted(shape_ids()))
def test_shape_has_message_and_severity(shape_id):
    g = lint_shapes()
    shape = LINT[shape_id]
    messages = list(g.objects(shape, SH.message))
    assert messages and all(isinstance(m, Literal) and len(str(m)) > 40 for m in messages), (
        f"{shape_id}: needs an sh:message saying what is wrong and how to fix it"
    )
    severities = list(g.objects(shape, SH.severity))
    assert len(severities) == 1 and severities[0] in SEVERITIES, (
        f"{shape_id}: needs exactly one sh:severity"
    )
    for constraint in g.objects(shape, SH.sparql):
        assert g.value(constraint, SH.message) is not None, (
            f"{shape_id}: SPARQL constraint needs sh:message"
        )


def test_header_shape_targets_ontology():
    assert (LINT.OntologyHeaderShape, SH.targetClass, OWL.Ontology) in lint_shapes()


def test_lint_shapes_file_passes_its_own_lint():
    """The lint shapes carry their own ontology header and pass the header shapes (with the
    ontology beside them, as `ccbkg check` lints them: it describes the creator and publisher)."""
    g = lint_shapes()
    assert (LINT_ONTOLOGY, RDF.type, OWL.Ontology) in g
    assert g.value(LINT_ONTOLOGY, OWL.versionIRI) == URIRef(
        "https://w3id.org/ccbkg/shapes/lint/0.1.0"
    )
    data = Graph().parse(LINT_SHAPES_FILE, format="turtle").parse(ROOT / "ontology" / "ccb.ttl")
    report = kept.pyshacl_report(canonical(data), canonical_lint_shapes(),
                                      inference="none", advanced=True, allow_warnings=True)
    assert LINT_ONTOLOGY in focus_nodes(LINT.OntologyHeaderShape, g)
    assert report.conforms, report.text


# --------------------------------------------------------------------------- shape fixtures


@pytest.mark.parametrize("path", SHAPE_FIXTURE_FILES, ids=_ids(SHAPE_FIXTURE_FILES))
def test_shape_fixture(path: Path):
    rule, kind = rule_of(path)
    assert rule in shape_ids(), f"{path.name}: no shape lint:{rule}"
    shape = LINT[rule]
    expect, _also = fixture_header(path)
    results = shacl_results(path)
    own = [r for r in results if r["shape"] == shape]
    # The shape must have something to check, or the fixture proves nothing.
    assert focus_nodes(shape, data_graph(path)), f"{path.name}: lint:{rule} has no focus node here"
    if kind == "valid":
        assert expect == "# expect: clean", (
            f"{path.name}: valid fixtures start with '# expect: clean'"
        )
        assert not own, f"{path.name}: unexpected results from lint:{rule}: {own}"
        return
    m = SHAPE_EXPECT.match(expect)
    assert m, f"{path.name}: first line must be '# expect: lint:<Shape> sh:<Component>'"
    assert expand(m["shape"]) == shape, (
        f"{path.name}: expects {m['shape']}, but the file is named for lint:{rule}"
    )
    component = expand(m["component"])
    found = {(r["shape"], r["component"]) for r in results}
    assert (shape, component) in found, (
        f"{path.name}: expected {m['shape']} {m['component']}, got "
        f"{sorted((short(s), short(c)) for s, c in found)}"
    )
    for r in own:
        assert r["message"] is not None and str(r["message"]).strip(), (
            f"{path.name}: result without message"
        )
        assert r["severity"] == lint_shapes().value(shape, SH.severity)


# --------------------------------------------------------------------------- violation queries


def query_header(stem: str) -> dict[str, str]:
    header = {}
    for line in query_texts()[stem].splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].strip().partition(":")
        if sep:
            header[key.strip()] = value.strip()
    return header


@pytest.mark.parametrize("query_file", QUERY_FILES, ids=_ids(QUERY_FILES))
def test_query_header_and_shape(query_file: Path):
    stem = query_file.name[: -len(".rq")]
    text = query_texts()[stem]
    assert text.startswith("# title: "), f"{query_file.name}: must start with '# title: ...'"
    header = query_header(stem)
    for key in QUERY_HEADER_KEYS:
        assert header.get(key), f"{query_file.name}: header needs '# {key}: ...'"
    assert header["severity"] in {"Violation", "Warning", "Info"}, (
        f"{query_file.name}: bad severity"
    )
    if "pitfall" in header:
        assert re.fullmatch(r"OOPS! P\d\d", header["pitfall"]), (
            f"{query_file.name}: pitfall is 'OOPS! Pnn'"
        )
    # Runs on both engines and selects ?node and ?message.
    names = _selected(text)
    assert names is not None, f"{query_file.name}: must be a SELECT query"
    assert {"node", "message"} <= names, f"{query_file.name}: must select ?node and ?message"
    def make() -> list[Any]:
        result = Graph().query(text)
        return [result.type, sorted(str(v) for v in result.vars or ())]

    form, selected = kept.kept_json(["rdflib-query-form", rdflib.__version__, text], make)
    assert form == "SELECT"
    assert {"node", "message"} <= set(selected)


def test_violation_query_findings_name_terms_by_curie(scratch: Path) -> None:
    """`ccbkg check` shows the terms a violation query's message quotes (<IRI>) as CURIEs,
    after the words that say what they are: a class no other term uses, and a property
    declared its own inverse."""
    ontology = scratch / "ontology" / "ccb.ttl"
    ontology.write_text(ontology.read_text(encoding="utf-8") + """
ccb:Orphan a owl:Class ;
    rdfs:label "Orphan"@en ;
    skos:definition "A class that nothing uses, for the test."@en .
ccb:hasTwin a owl:ObjectProperty ;
    owl:inverseOf ccb:hasTwin ;
    rdfs:domain ccb:Country ;
    rdfs:range ccb:Country ;
    rdfs:label "has twin"@en ;
    skos:definition "Relates a country to itself, for the test."@en .
""", encoding="utf-8")
    done = run_cli("check", "--only", "syntax,lint", "--root", str(scratch))
    assert_no_traceback(done)
    assert done.code == 0 and "PASSED: 0 errors, 2 warnings" in done.out, done.out + done.err
    assert "This class is not connected to the rest of the ontology (ccb:Orphan): " in done.out
    assert "This property is declared owl:inverseOf itself (ccb:hasTwin). " in done.out
    assert "ontology#Orphan" not in done.out and "ontology#hasTwin" not in done.out, done.out


@pytest.mark.parametrize("path", QUERY_FIXTURE_FILES, ids=_ids(QUERY_FIXTURE_FILES))
def test_query_fixture(path: Path):
    stem, kind = rule_of(path)
    assert stem in query_texts(), f"{path.name}: no queries/checks/{stem}.rq"
    expect, _also = fixture_header(path)
    rows = run_query_oxigraph(stem, path)
    if kind == "valid":
        assert expect == "# expect: clean", (
            f"{path.name}: valid fixtures start with '# expect: clean'"
        )
        assert not rows, f"{path.name}: {stem} returned rows: {rows}"
    else:
        m = QUERY_EXPECT.match(expect)
        assert m and m["stem"] == stem, (
            f"{path.name}: first line must be '# expect: queries/checks/{stem}.rq rows'"
        )
        assert rows, f"{path.name}: {stem} returned no rows"
        for row in rows:
            assert isinstance(row["node"], (pyoxigraph.NamedNode, pyoxigraph.BlankNode)), row
            message = row["message"]
            assert isinstance(message, pyoxigraph.Literal) and len(message.value) > 40, row
            # Plain words first, the term in brackets after (`ccbkg check` writes each <IRI>
            # of a message as its CURIE where a prefix fits).
            assert re.match(r"[A-Z][a-z]+ ", message.value), message.value
            if isinstance(row["node"], pyoxigraph.NamedNode):
                assert f"<{row['node'].value}>" in message.value, message.value
    # rdflib must agree with pyoxigraph on which nodes are reported.
    ox_nodes = sorted(str(r["node"].value) for r in rows)
    in_rdflib = rdflib_nodes(stem, path)
    assert ox_nodes == in_rdflib, f"{path.name}: pyoxigraph {ox_nodes} != rdflib {in_rdflib}"


# --------------------------------------------------------------------------- isolation


@pytest.mark.parametrize("path", ALL_FIXTURE_FILES, ids=_ids(ALL_FIXTURE_FILES))
def test_fixture_trips_only_its_own_rule(path: Path):
    """A valid fixture trips no rule; an invalid one trips only its own rule (and extras)."""
    rule, kind = rule_of(path)
    _expect, also = fixture_header(path)
    known = set(shape_ids()) | set(query_texts())
    assert set(also) <= known, (
        f"{path.name}: '# also:' names unknown rules {sorted(set(also) - known)}"
    )
    tripped = tripped_rules(path)
    if kind == "valid":
        assert not also, f"{path.name}: valid fixtures take no '# also:' lines"
        assert not tripped, (
            f"{path.name}: a valid fixture must pass every lint rule, tripped {sorted(tripped)}"
        )
    else:
        assert rule in tripped
        extra = tripped - {rule} - set(also)
        assert not extra, (
            f"{path.name}: also trips {sorted(extra)} (fix the fixture or add '# also:' lines)"
        )
        missing = set(also) - tripped
        assert not missing, f"{path.name}: '# also:' rules not tripped: {sorted(missing)}"


# --------------------------------------------------------------------------- the fast engine


@pytest.mark.parametrize("path", ALL_FIXTURE_FILES, ids=_ids(ALL_FIXTURE_FILES))
def test_fast_engine_gives_the_same_report_as_pyshacl(path: Path):
    """`ccbkg check` lints with the fast engine: on every fixture it must agree with pyshacl."""
    fast = fastshacl.validate(fixture(path).quads, lint_shapes_model())
    expected, actual = _unlabelled(result_keys(pyshacl_report(path))), _unlabelled(
        result_keys(fast.report))
    assert expected == actual, (f"only pyshacl: {list((expected - actual).elements())[:3]}; "
                                f"only fast: {list((actual - expected).elements())[:3]}")


def _unlabelled(keys: Counter) -> Counter:
    """Result keys with blank node labels dropped (each engine parses the file itself)."""
    def plain(item: object) -> object:
        if isinstance(item, tuple):
            return tuple(plain(x) for x in item)
        return "_:" if isinstance(item, str) and item.startswith("_:") else item
    merged: Counter = Counter()
    for key, count in keys.items():
        merged[plain(key)] += count
    return merged
