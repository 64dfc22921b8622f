"""The shipped data shapes (shapes/ccb.shapes.ttl).

- Every fixture in tests/fixtures/shapes/ is validated together with the real ontology and
  vocabularies. An invalid fixture names the results it must produce on its first lines
  (`# expect: <sourceShape> <constraint component>`); it must produce all of them and no other
  Violation. A valid fixture must produce no Violation at all and no result of its own shape.
- Every node shape and every SHACL-SPARQL constraint has a valid and an invalid fixture.
- The real data conforms; its Warnings and Infos are the ones docs/shapes.md lists.
- Every reporting shape has a message and an explicit severity; the shapes pass meta-SHACL;
  no misspelt sh: term or XSD datatype hides in the file (pySHACL would ignore it silently).

Validation is what `ccbkg check` runs: the fast engine (ccbkg.checks.fastshacl), no inference,
SHACL-SPARQL on, warnings allowed. tests/test_fastshacl.py holds that engine to pyshacl's
report, result for result, on every fixture here, so pyshacl stays the reference without
running once per fixture.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pycountry
import pyoxigraph as ox
import pyshacl
import pytest
from pyshacl.entrypoints import meta_validate
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node, Variable

from ccbkg.checks import fastshacl
from ccbkg.checks import vocabulary_typos as vocabterms
from ccbkg.core import termtext
from ccbkg.core.terms import oxigraph_quads, to_rdflib
from tests.conftest import REPO, assert_no_traceback, run_cli

SHAPES_FILE = REPO / "shapes" / "ccb.shapes.ttl"
FIXTURES = REPO / "tests" / "fixtures" / "shapes"
DOC = REPO / "docs" / "shapes.md"
CCBSH = Namespace("https://w3id.org/ccbkg/shapes#")
# A plain Namespace: pytest probes module globals, and rdflib's closed XSD namespace warns then.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SHAPES_HEADER = URIRef("https://w3id.org/ccbkg/shapes")
ID = "https://w3id.org/ccbkg/id/"
CURIES = {"ccbsh": str(CCBSH), "sh": str(SH)}
FIXTURE_NAME = re.compile(r"^(?P<shape>[A-Za-z]+Shape)-(?:valid|invalid-\d{2})\.ttl$")
EXPECT_LINE = re.compile(r"^# expect: (?P<shape>\S+) (?P<component>\S+)\s*$")
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
SEVERITIES = {SH.Violation, SH.Warning, SH.Info}
# Shapes whose SPARQL target selects only the nodes that break the rule: on good data they
# have no focus node at all (their constraints repeat the test, see the shapes file).
OFFENDER_TARGETED = {CCBSH.DanglingReferenceShape, CCBSH.UndeclaredTermShape,
                     CCBSH.UndeclaredExternalTermShape}



# ------------------------------------------------------------------------------------------
# Loading and validating
# ------------------------------------------------------------------------------------------


@cache
def shapes() -> Graph:
    graph = Graph().parse(SHAPES_FILE, format="turtle")
    assert len(graph) > 500
    return graph


@cache
def background() -> tuple[ox.Quad, ...]:
    """The ontology and the vocabularies, which every validation includes."""
    files = [REPO / "ontology" / "ccb.ttl", *sorted((REPO / "ontology" / "vocab").glob("*.ttl"))]
    assert len(files) > 1
    quads = tuple(q for path in files for q in ox.parse(path=str(path),
                                                         format=ox.RdfFormat.TURTLE))
    assert len(quads) > 500
    return quads


def with_background(paths: Iterable[Path]) -> list[ox.Quad]:
    return [*background(), *(q for path in paths
                             for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))]


@dataclass(frozen=True)
class Result:
    severity: Node
    shape: Node
    component: Node
    focus: Node
    path: Node | None
    value: Node | None
    message: str

    def __str__(self) -> str:
        return (f"{curie(self.severity)} {curie(self.shape)} {curie(self.component)} "
                f"focus={self.focus} path={self.path} value={self.value}: {self.message}")


@cache
def shapes_model() -> fastshacl.ShapesGraph:
    """The shapes read once for every fixture (reading them took as long as validating)."""
    return fastshacl.ShapesGraph(shapes())


def run(data: list[ox.Quad]) -> tuple[bool, list[Result]]:
    validation = fastshacl.validate(data, shapes_model())
    report = validation.report
    results = []
    # Top-level results only: the nested ones (sh:detail of sh:node) belong to anonymous shapes.
    for node in report.objects(None, SH.result):
        messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
        results.append(Result(
            severity=report.value(node, SH.resultSeverity),
            shape=report.value(node, SH.sourceShape),
            component=report.value(node, SH.sourceConstraintComponent),
            focus=report.value(node, SH.focusNode),
            path=report.value(node, SH.resultPath),
            value=report.value(node, SH.value),
            message=" | ".join(messages),
        ))
    return validation.conforms, results


def curie(node: Node | None) -> str:
    text = str(node)
    for prefix, namespace in CURIES.items():
        if text.startswith(namespace):
            return f"{prefix}:{text[len(namespace):]}"
    return text


def expand(text: str) -> URIRef:
    prefix, _, local = text.partition(":")
    assert prefix in CURIES and local, f"unknown CURIE {text!r} (use ccbsh: or sh:)"
    return URIRef(CURIES[prefix] + local)


# ------------------------------------------------------------------------------------------
# The shapes graph, as data
# ------------------------------------------------------------------------------------------


def node_shapes() -> set[Node]:
    graph = shapes()
    found = set(graph.subjects(RDF.type, SH.NodeShape))
    for predicate in TARGETS:
        found |= set(graph.subjects(predicate, None))
    return found


def property_shapes_of(shape: Node) -> list[Node]:
    return list(shapes().objects(shape, SH.property))


def reporting_shapes() -> set[Node]:
    """Shapes that report results of their own: targeted node shapes and their property shapes."""
    found = set(node_shapes())
    for shape in node_shapes():
        found |= set(property_shapes_of(shape))
    return found


def owner(shape: Node) -> Node:
    """The node shape that a reporting shape belongs to (itself for a node shape)."""
    if shape in node_shapes():
        return shape
    owners = list(shapes().subjects(SH.property, shape))
    assert len(owners) == 1, f"{shape} belongs to {owners}"
    return owners[0]


def sparql_constraints() -> list[tuple[Node, Node]]:
    return list(shapes().subject_objects(SH.sparql))


def local(shape: Node) -> str:
    assert isinstance(shape, URIRef) and str(shape).startswith(str(CCBSH)), shape
    return str(shape)[len(str(CCBSH)):]


# ------------------------------------------------------------------------------------------
# Fixtures
# ------------------------------------------------------------------------------------------

FIXTURE_FILES = sorted(FIXTURES.glob("*.ttl"))


def expectations(path: Path) -> set[tuple[URIRef, URIRef]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    expected = set()
    for line in lines:
        match = EXPECT_LINE.match(line)
        if not match:
            break
        expected.add((expand(match["shape"]), expand(match["component"])))
    return expected


def test_fixture_glob_finds_files() -> None:
    assert FIXTURES.is_dir(), FIXTURES
    assert len(FIXTURE_FILES) >= 2 * len(node_shapes())
    for path in FIXTURE_FILES:
        assert FIXTURE_NAME.match(path.name), f"badly named fixture {path.name}"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_fixture(path: Path) -> None:
    match = FIXTURE_NAME.match(path.name)
    assert match, path.name
    shape = CCBSH[match["shape"]]
    assert shape in node_shapes(), f"{path.name} names no node shape of the shapes file"
    own = {shape, *property_shapes_of(shape)}
    _, results = run(with_background([path]))
    violations = [r for r in results if r.severity == SH.Violation]
    shown = "\n".join(str(r) for r in results)
    if path.stem.endswith("-valid"):
        assert expectations(path) == set(), "a valid fixture expects nothing"
        assert not violations, f"valid fixture {path.name} has violations:\n{shown}"
        mine = [r for r in results if r.shape in own]
        assert not mine, f"valid fixture {path.name} triggers its own shape:\n{shown}"
        # Shapes that target offenders only have no focus node on valid data; for them the
        # fixture must at least contain instance nodes that the target query looks at.
        probe = CCBSH.DataNodeShape if shape in OFFENDER_TARGETED else shape
        assert any(True for _ in focus_nodes(probe, with_background([path]))), (
            f"valid fixture {path.name} gives {curie(probe)} no focus node: it tests nothing")
        return
    expected = expectations(path)
    assert expected, f"{path.name} must start with '# expect: <sourceShape> <component>' lines"
    assert any(owner(s) == shape for s, _ in expected), (
        f"{path.name} expects no result of {curie(shape)} or its property shapes")
    for expected_shape, _ in expected:
        assert expected_shape in reporting_shapes(), f"{curie(expected_shape)} is not a shape"
    found = {(r.shape, r.component) for r in results}
    missing = expected - found
    listed = sorted(f"{curie(s)} {curie(c)}" for s, c in missing)
    assert not missing, f"{path.name} misses {listed}; results:\n{shown}"
    unexpected = {(r.shape, r.component) for r in violations} - expected
    assert not unexpected, (f"{path.name} has violations it does not expect: "
                            f"{sorted(curie(s) + ' ' + curie(c) for s, c in unexpected)}")


def test_every_node_shape_has_a_valid_and_an_invalid_fixture() -> None:
    names = {p.name for p in FIXTURE_FILES}
    assert node_shapes()
    for shape in node_shapes():
        name = local(shape)
        assert f"{name}-valid.ttl" in names, f"no valid fixture for {name}"
        invalid = [p for p in FIXTURE_FILES if p.name.startswith(f"{name}-invalid-")]
        assert invalid, f"no invalid fixture for {name}"


def test_every_sparql_constraint_has_a_firing_fixture() -> None:
    """A SHACL-SPARQL constraint that never fires (e.g. an unsupported function) is caught here."""
    constraints = sparql_constraints()
    assert constraints
    hosts = [shape for shape, _ in constraints]
    assert len(hosts) == len(set(hosts)), "one SPARQL constraint per node shape, for its message"
    names = {p.name for p in FIXTURE_FILES}
    for shape, constraint in constraints:
        name = local(shape)
        assert f"{name}-valid.ttl" in names, f"no valid fixture for the SPARQL constraint of {name}"
        firing = [p for p in FIXTURE_FILES
                  if p.name.startswith(f"{name}-invalid-")
                  and (shape, SH.SPARQLConstraintComponent) in expectations(p)]
        assert firing, f"no invalid fixture expects the SPARQL constraint of {name} to fire"
        assert shapes().value(constraint, SH.select) is not None
        assert shapes().value(constraint, SH.prefixes) == SHAPES_HEADER


# ------------------------------------------------------------------------------------------
# Focus nodes (to prove that targets select something)
# ------------------------------------------------------------------------------------------


def prefixes() -> dict[str, URIRef]:
    graph = shapes()
    declared = {}
    for declaration in graph.objects(SHAPES_HEADER, SH.declare):
        declared[str(graph.value(declaration, SH.prefix))] = URIRef(
            str(graph.value(declaration, SH.namespace)))
    assert {"ccb", "rdf", "owl", "oa", "time", "org", "schema"} <= set(declared)
    return declared


def focus_nodes(shape: Node, data: list[ox.Quad]) -> Iterator[Node]:
    graph = shapes()
    store = ox.Store()
    store.bulk_extend(data)

    def select(query: str) -> Iterator[Node]:
        declared = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes().items())
        solutions = store.query(declared + query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        for row in solutions:
            yield to_rdflib(row[0])

    for cls in graph.objects(shape, SH.targetClass):
        yield from select(f"SELECT DISTINCT ?x {{ ?x a/<{RDFS.subClassOf}>* <{cls}> }}")
    yield from graph.objects(shape, SH.targetNode)
    for predicate in graph.objects(shape, SH.targetSubjectsOf):
        yield from select(f"SELECT DISTINCT ?x {{ ?x <{predicate}> [] }}")
    for predicate in graph.objects(shape, SH.targetObjectsOf):
        yield from select(f"SELECT DISTINCT ?x {{ [] <{predicate}> ?x }}")
    for target in graph.objects(shape, SH.target):
        yield from select(str(graph.value(target, SH.select)))


# ------------------------------------------------------------------------------------------
# The real data
# ------------------------------------------------------------------------------------------


@cache
def real_data() -> list[ox.Quad]:
    files = sorted((REPO / "instances").glob("*.ttl"))
    assert {p.stem for p in files} >= {"japan", "albania", "canada", "shared", "sources"}
    return with_background(files)


@cache
def real_results() -> tuple[Result, ...]:
    _, results = run(real_data())
    return tuple(results)


def test_real_data_has_no_violations() -> None:
    violations = [r for r in real_results() if r.severity == SH.Violation]
    assert not violations, "\n".join(str(r) for r in violations)


def test_every_shape_has_focus_nodes_in_the_real_data() -> None:
    """No vacuous shape: each one applies to some node of the real data (or, for the shapes
    whose target selects offenders only, to none)."""
    for shape in node_shapes():
        nodes = set(focus_nodes(shape, real_data()))
        if shape in OFFENDER_TARGETED:
            assert not nodes, f"{curie(shape)} selects {sorted(map(str, nodes))[:5]}"
        else:
            assert nodes, f"{curie(shape)} has no focus node in the real data"


def test_every_class_the_data_uses_has_its_own_node_shape() -> None:
    data = Graph()
    for path in sorted((REPO / "instances").glob("*.ttl")):
        data.parse(path, format="turtle")
    used = set(data.objects(None, RDF.type))
    assert len(used) > 20
    targeted = set(shapes().objects(None, SH.targetClass))
    assert not used - targeted, f"classes without a node shape: {sorted(map(str, used - targeted))}"


def test_every_object_property_has_a_class_and_node_kind_check() -> None:
    """Each object property the ontology declares is the path (or one alternative of the path)
    of a property shape that states sh:nodeKind and the class of its values (sh:class, or
    sh:or of sh:class). schema:sameAs points outside the graph: a pattern replaces the class."""
    owl = Namespace("http://www.w3.org/2002/07/owl#")
    ontology = Graph().parse(REPO / "ontology" / "ccb.ttl", format="turtle")
    properties = set(ontology.subjects(RDF.type, owl.ObjectProperty))
    assert len(properties) > 40
    graph = shapes()
    checked: set[Node] = set()
    for prop in set(graph.subjects(SH.path, None)):
        path = graph.value(prop, SH.path)
        alternatives = graph.value(path, SH.alternativePath)
        paths = list(graph.items(alternatives)) if alternatives is not None else [path]
        has_kind = graph.value(prop, SH.nodeKind) is not None
        or_list = graph.value(prop, SH["or"])
        has_class = graph.value(prop, SH["class"]) is not None or (
            or_list is not None and all(graph.value(branch, SH["class"]) is not None
                                        for branch in graph.items(or_list)))
        if has_kind and (has_class or graph.value(prop, SH.pattern) is not None):
            checked.update(paths)
    assert not properties - checked, sorted(map(str, properties - checked))


def test_messages_say_the_property_in_words_before_its_curie() -> None:
    """A curator reads plain words first: no message of the shapes (the data shapes and the
    lint shapes, SHACL-SPARQL constraints included) begins with a prefixed name, an IRI or a
    term a SPARQL constraint binds into it ({?term}, {$this}); a bound term stands in
    brackets after the words that say what it is (issue 18: "plain words in messages, the
    CURIE in brackets after them")."""
    graph = Graph()
    for path in (SHAPES_FILE, *sorted((REPO / "shapes" / "lint").glob("*.ttl"))):
        graph.parse(path, format="turtle")
    messages = {str(m) for m in graph.objects(None, SH.message)}
    assert len(messages) > 80
    starting = sorted(m for m in messages if re.match(r"[a-z]+:[A-Za-z]|<|https?:|\{", m))
    assert starting == [], starting[:5]
    # The bound terms that are always IRIs (a term, a property, the focus node) are in
    # brackets; {?value} and {?release} may be literals (a date, a code), written as words.
    sparql = {str(m) for _, c in sparql_constraints() for m in shapes().objects(c, SH.message)}
    bound = [(name, m) for m in sparql for name in re.findall(r"\{[?$](\w+)\}", m)]
    assert {name for name, _ in bound} >= {"term", "path", "value"}
    for name, message in bound:
        if name in ("term", "path", "this"):
            assert re.search(rf"\({{[?$]{name}}}[);:]", message), (name, message)


def test_findings_of_sparql_constraints_show_curies_not_iris(tmp_path: Path) -> None:
    """The terms a SHACL-SPARQL constraint binds into its message ({?value}, {?term},
    {?path}) are written as CURIEs in the finding, as everywhere else: the firing fixtures of
    each constraint whose message names a bound term, through `ccbkg check`."""
    hosts = {shape for shape, c in sparql_constraints()
             if re.search(r"\{[?$]\w+\}", str(shapes().value(c, SH.message)))}
    data = []
    for shape in hosts:
        for path in FIXTURE_FILES:
            if path.name.startswith(f"{local(shape)}-invalid-") and (
                    shape, SH.SPARQLConstraintComponent) in expectations(path):
                copy = tmp_path / path.name.lower()
                copy.write_bytes(path.read_bytes())
                data += ["--data", str(copy)]
    assert len(hosts) >= 6 and len(data) >= 2 * len(hosts)
    done = run_cli("check", "-q", "--only", "syntax,shapes", "--format", "json", *data)
    assert_no_traceback(done)
    assert done.code == 1, done.err
    findings = [f for s in json.loads(done.out)["stages"] for f in s["findings"]
                if URIRef(f["shape"]) in hosts]
    assert {URIRef(f["shape"]) for f in findings} == hosts
    shortened = 0
    for f in findings:
        message = f["message"]
        assert not re.match(r"[a-z]+:[A-Za-z]|<|https?:", message), message
        for term in (f["node"], f.get("path"), f.get("value")):
            if term and termtext.curie(term) != term:
                assert term not in message, message
                shortened += termtext.curie(term) in message
    assert shortened >= 5, findings


def test_real_data_warnings_are_documented() -> None:
    """Every Warning or Info on the real data is listed, with its node, in docs/shapes.md."""
    doc = DOC.read_text(encoding="utf-8")
    section = doc[doc.index("## Expected results on the real data"):]
    for result in real_results():
        if result.severity == SH.Violation:
            continue
        node = str(result.focus).replace(ID, "id:")
        assert f"`{node}`" in section and f"`{local(result.shape)}`" in section, (
            f"undocumented {curie(result.severity)} on {node}: {result}")


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_undeclared_term_hints(engine: str, tmp_path: Path) -> None:
    """`ccbkg check` suggests the declared spelling of an undeclared ccb: term (with either
    engine), and only where one is spelled alike."""
    data = []
    for n in (1, 2):
        data += ["--data", str(tmp_path / f"typos-{n}.ttl")]
        (tmp_path / f"typos-{n}.ttl").write_bytes(
            (FIXTURES / f"UndeclaredTermShape-invalid-0{n}.ttl").read_bytes())
    done = run_cli("check", "-q", "--only", "syntax,shapes", "--format", "json",
                   "--shacl-engine", engine, *data)
    assert_no_traceback(done)
    assert done.code == 1, done.err
    stages = {s["stage"]: s for s in json.loads(done.out)["stages"]}
    messages = sorted(f["message"] for f in stages["shapes"]["findings"]
                      if f["shape"] == str(CCBSH.UndeclaredTermShape))
    rest = " Use a term declared in ontology/ccb.ttl, or declare the new term there with a " \
           "label and definition."
    head = "This node uses a term that the ccb: ontology does not declare"
    assert messages == [
        f"{head} (ccb:Organization): a typo? Did you mean ccb:Organisation?{rest}",
        f"{head} (ccb:foundedIn): a typo?{rest}",
        f"{head} (ccb:nationalCSIRTOf): a typo? Did you mean ccb:nationalCsirtOf?{rest}",
    ], messages


def test_undeclared_term_constraint_reads_only_the_focus_node() -> None:
    """The undeclared-term constraint matches only triples reached from $this (the focus
    node's own triples and its terms' declarations), never every node of the graph: pyshacl
    runs it once per result, so a scan of the graph in it costs minutes per result at scale."""
    graph = shapes()
    constraint = graph.value(CCBSH.UndeclaredTermShape, SH.sparql)
    text = str(graph.value(constraint, SH.select))
    query = translateQuery(parseQuery(text), initNs={"rdf": str(RDF), "owl": str(OWL)})
    patterns: list[tuple[Node, Node, Node]] = []

    def walk(node: object) -> None:
        if isinstance(node, CompValue):
            if node.name in ("BGP", "TriplesBlock"):  # the latter inside (NOT) EXISTS
                patterns.extend(tuple(t) for t in node["triples"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value)

    walk(query.algebra)
    assert len(patterns) >= 4, patterns
    reached = {Variable("this")}
    for s, p, o in patterns:
        if s == Variable("this"):
            reached.update(x for x in (p, o) if isinstance(x, Variable))
    free = [t for t in patterns if isinstance(t[0], Variable) and t[0] not in reached]
    assert not free, f"patterns that scan every node: {free}"


# ------------------------------------------------------------------------------------------
# The shapes file itself
# ------------------------------------------------------------------------------------------


def test_every_reporting_shape_has_a_message_and_an_explicit_severity() -> None:
    graph = shapes()
    for shape in reporting_shapes():
        severities = list(graph.objects(shape, SH.severity))
        assert len(severities) == 1 and severities[0] in SEVERITIES, (
            f"{shape} needs exactly one sh:severity (sh:Violation, sh:Warning or sh:Info)")
        messages = list(graph.objects(shape, SH.message))
        assert messages, f"{shape} has no sh:message"
        for message in messages:
            assert isinstance(message, Literal) and message.language == "en"
            assert len(str(message)) > 40, f"{shape}: say what is wrong and what to do"


def test_property_shapes_are_named_after_their_node_shape() -> None:
    for shape in node_shapes():
        assert isinstance(shape, URIRef), "node shapes with targets must be named"
        for prop in property_shapes_of(shape):
            assert isinstance(prop, URIRef), f"{shape} has an anonymous property shape"
            stem = local(shape).removesuffix("Shape")
            assert local(prop).startswith(f"{stem}-"), f"{prop} should be named {stem}-<what>"


def test_sparql_constraints_carry_their_shape_message() -> None:
    """pySHACL reports the shape's message and the constraint's: they must be the same text,
    which it then reports once."""
    graph = shapes()
    for shape, constraint in sparql_constraints():
        assert set(graph.objects(constraint, SH.message)) == set(graph.objects(shape, SH.message))


def test_release_date_in_future_date_check_is_the_release_date() -> None:
    modified = shapes().value(SHAPES_HEADER, DCTERMS.modified)
    assert isinstance(modified, Literal) and modified.datatype == XSD.date
    (constraint,) = shapes().objects(CCBSH.FutureDateShape, SH.sparql)
    query = str(shapes().value(constraint, SH.select))
    assert re.findall(r'"(\d{4}-\d{2}-\d{2})"', query) == [str(modified)]


def test_shapes_header_metadata() -> None:
    graph = shapes()
    header = SHAPES_HEADER
    assert (header, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Ontology")) in graph
    owl = Namespace("http://www.w3.org/2002/07/owl#")
    vann = Namespace("http://purl.org/vocab/vann/")
    bibo = Namespace("http://purl.org/ontology/bibo/")
    for predicate in (DCTERMS.title, DCTERMS.description, DCTERMS.bibliographicCitation):
        assert any(isinstance(v, Literal) and v.language == "en"
                   for v in graph.objects(header, predicate)), predicate
    assert graph.value(header, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/")
    assert graph.value(header, owl.versionIRI) == URIRef("https://w3id.org/ccbkg/shapes/0.1.0")
    assert str(graph.value(header, owl.versionInfo)) == "0.1.0"
    for predicate in (DCTERMS.created, DCTERMS.issued, DCTERMS.modified):
        value = graph.value(header, predicate)
        assert isinstance(value, Literal) and value.datatype == XSD.date, predicate
    for predicate in (DCTERMS.creator, DCTERMS.publisher, bibo.status):
        assert graph.value(header, predicate) is not None, predicate
    assert str(graph.value(header, vann.preferredNamespacePrefix)) == "ccbsh"
    assert str(graph.value(header, vann.preferredNamespaceUri)) == str(CCBSH)


def meta_shacl(graph: Graph) -> fastshacl.Validation:
    """The shapes graph validated against SHACL's own shapes (shacl-shacl, pyshacl's copy) by
    the fast engine: pyshacl's meta_validate gives the same (the W3C suite's
    core/complex/shacl-shacl test), in a quarter of the time."""
    shacl_shacl = Graph().parse(Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl",
                                format="turtle")
    return fastshacl.validate(oxigraph_quads(graph), shacl_shacl)


def test_shapes_pass_meta_shacl() -> None:
    run = meta_shacl(shapes())
    assert run.conforms, [(str(r.focus), str(r.component)) for r in run.rows]


def test_meta_shacl_catches_a_broken_shape() -> None:
    broken = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:p ; sh:minCount "one" ] .
    """)
    assert not meta_shacl(broken).conforms
    conforms, _, _ = meta_validate(broken, inference="none")
    assert not conforms, "pyshacl's meta-SHACL agrees"


# The vocabulary lint (ccbkg.checks.vocabulary_typos, run by `ccbkg check` in the lint stage):
# pySHACL silently ignores sh: terms it does not know (sh:minCout) and parsers accept any xsd: IRI
# (xsd:sting), so a typo switches a check off without a word.


def test_the_shacl_vocabulary_is_read() -> None:
    terms = vocabterms.shacl_terms()
    assert {str(SH.minCount), str(SH.SPARQLTarget), str(SH.declare), str(SH.Violation)} <= terms
    assert len(terms) > 100


def test_vocabulary_lint_catches_typos_with_file_line_and_hint(scratch: Path) -> None:
    shapes_file = scratch / "shapes" / "typos.ttl"
    shapes_file.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "@prefix ex: <http://example.org/> .\n"
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ;\n"
        "    sh:property [ sh:path ex:p ; sh:minCout 1 ; sh:datatype xsd:sting ] .\n"
        "ex:T a sh:NodeShape ; sh:targetClass ex:C ;\n"
        "    sh:property [ sh:path ex:q ; sh:hasValue ex:v ; sh:maxCount 1 ] .\n"
        "ex:U a sh:NodeShape ; sh:targetNode ex:v ; sh:clases ex:C .\n", encoding="utf-8")
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,lint", "--format",
                     "json")
    assert_no_traceback(result)
    assert result.code == 1, result.err
    lint = next(s for s in json.loads(result.out)["stages"] if s["stage"] == "lint")
    found = {(f["file"], f["line"], f["node"].rsplit("#", 1)[1], f["message"].split(";")[1])
             for f in lint["findings"]}
    assert found == {
        ("shapes/typos.ttl", 5, "minCout", " did you mean sh:minCount? (an unknown term is "
         "ignored or never matches, so the statement checks nothing)"),
        ("shapes/typos.ttl", 5, "sting", " did you mean xsd:string? (an unknown term is "
         "ignored or never matches, so the statement checks nothing)"),
        ("shapes/typos.ttl", 8, "clases", " did you mean sh:class? (an unknown term is "
         "ignored or never matches, so the statement checks nothing)"),
    }


def test_no_blank_node_shape_has_a_target() -> None:
    for predicate in TARGETS:
        for subject in shapes().subjects(predicate, None):
            assert not isinstance(subject, BNode), "targeted shapes must be named"


def test_rdflib_is_not_patched_outside_the_modules_that_ask() -> None:
    """tests/rdflib_queries.py patches rdflib's SPARQL processor only inside the
    `compiled_sparql` fixture; this module does not use it, so rdflib here is rdflib."""
    from rdflib.plugins.sparql.processor import SPARQLProcessor

    assert SPARQLProcessor.query.__module__ == "rdflib.plugins.sparql.processor"


def test_the_iso_codes_of_the_shapes_are_pycountrys() -> None:
    """The country shapes hold ISO 3166-1's codes and pairs as pycountry (a dependency) knows
    them, every one of them and no other: a new release of the standard fails this test."""
    graph = shapes()

    def listed(shape: URIRef) -> set[str]:
        (alternatives,) = graph.objects(shape, SH["or"])
        first = graph.value(alternatives, RDF.first)
        values = graph.value(first, SH["in"])
        return {str(v) for v in graph.items(values)}

    countries = list(pycountry.countries)
    assert listed(CCBSH["Country-iso3166Alpha3-assigned"]) == {c.alpha_3 for c in countries}
    assert listed(CCBSH["Country-iso3166Alpha2-assigned"]) == {c.alpha_2 for c in countries}
    constraint = graph.value(CCBSH.CountryCodePairShape, SH.sparql)
    text = str(graph.value(constraint, SH.select))
    pairs = re.findall(r"\b([A-Z]{3}):([A-Z]{2})\b", text)
    assert sorted(pairs) == sorted((c.alpha_3, c.alpha_2) for c in countries)


@pytest.mark.parametrize(("constraint", "said"), [
    ('sh:property [ sh:path rdfs:label ; sh:pattern "([" ] .',
     "a sh:pattern is not a regular expression"),
    ("sh:property [ sh:path _:loop ; sh:minCount 1 ] .\n"
     "_:loop rdf:first rdfs:label ; rdf:rest _:loop .", "recursive rdf:rest"),
    ('sh:property [ sh:path rdfs:label ; sh:minCount "a" ] .',
     "sh:minCount must be a literal with datatype xsd:integer")])
def test_a_shape_no_engine_can_use_is_a_finding_not_an_internal_error(
        scratch: Path, constraint: str, said: str) -> None:
    """A sh:pattern that is no regular expression, a path that is a list looping on itself
    and sh:minCount "a" stopped check with an internal error (and the last printed pyshacl's
    own log lines): each is now an error of the shapes stage."""
    (scratch / "shapes" / "extra.shapes.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
        "@prefix ex: <https://w3id.org/ccbkg/id/x/> .\n"
        f"ex:s a sh:NodeShape ; sh:targetSubjectsOf rdfs:label ;\n  {constraint}\n",
        encoding="utf-8")
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,shapes")
    assert_no_traceback(result)
    assert result.code == 1, result.out + result.err
    assert "internal error" not in result.err and "ConstraintLoadError" not in result.err
    assert said in result.out, result.out
