"""A second, independent SHACL engine: Jena's (jena-shacl, Java) against the fast engine.

pyshacl is the reference the fast engine copies (messages, literal handling); Jena shares no
code or ancestry with either, so where it agrees the result stands on the specification, not on
one implementation. Both engines validate the same graphs: every shape fixture (merged, with the
ontology and vocabularies), the data with one mutant of every kind, and every lint fixture
against the lint shapes. Results are compared by focus node, path, value, shape, component and
severity (messages are each engine's own; blank nodes count as blank). Every difference must be
listed with its reason in tests/fixtures/jena-shacl-differences.txt, and every listed one must
still occur.
"""

from __future__ import annotations

import subprocess
from collections import Counter

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ccbkg.checks import fastshacl
from ccbkg.project.layout import Role
from tests.conftest import REPO
from tests.stores import jena_classpath
from tests.test_fastshacl import LINT_FIXTURES, loaded_project, mutated, shape_fixtures

DIFFERENCES = REPO / "tests" / "fixtures" / "jena-shacl-differences.txt"
LINT_SHAPES = REPO / "shapes" / "lint" / "ontology.shapes.ttl"
LINT_FILES = sorted(LINT_FIXTURES.glob("*.ttl"))
pytestmark = pytest.mark.slow  # one JVM, like the reasoner's tests: left out by `make test-fast`
Key = tuple[str, ...]


def _cases() -> dict[str, tuple[list[ox.Quad], Graph]]:
    shapes = loaded_project().graph(Role.SHAPES)
    lint = Graph().parse(LINT_SHAPES, format="turtle")
    cases = {"shape-fixtures": (shape_fixtures()[0], shapes), "mutants": (mutated()[0], shapes)}
    for path in LINT_FILES:
        cases[f"lint/{path.stem}"] = (
            list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)), lint)
    return cases


def keys(report: Graph) -> Counter[Key]:
    """The top-level results as (focus, path, value, shape, component, severity) in N-Triples
    form, a blank node as `_:`."""
    def text(node: Node | None) -> str:
        if node is None:
            return "-"
        return "_:" if isinstance(node, BNode) else node.n3()
    found: Counter[Key] = Counter()
    for report_node in report.subjects(RDF.type, SH.ValidationReport):
        for r in report.objects(report_node, SH.result):
            found[tuple(text(report.value(r, p)) for p in (  # type: ignore[arg-type]
                SH.focusNode, SH.resultPath, SH.value, SH.sourceShape,
                SH.sourceConstraintComponent, SH.resultSeverity))] += 1
    return found


def listed() -> dict[tuple[str, str, str, str], str]:
    """The known differences: (case, side, shape, component) -> reason."""
    out = {}
    for line in DIFFERENCES.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            case, side, shape, component, reason = line.split(maxsplit=4)
            out[(case, side, shape, component)] = reason
    return out


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Counter[Key], ...]]:
    """For each case: Jena's results and the fast engine's, from one JVM for all cases."""
    work = tmp_path_factory.mktemp("jena-shacl")
    classpath = jena_classpath(work / "classes")
    if classpath is None:
        pytest.skip("Java or Debian's libapache-jena-java is not installed "
                    "(apt-get install default-jre-headless libapache-jena-java)")
    cases = _cases()
    args: list[str] = []
    for n, (quads, shapes) in enumerate(cases.values()):
        data, shapes_file = work / f"{n}.data.nt", work / f"{n}.shapes.ttl"
        ox.serialize([q.triple for q in quads], str(data), format=ox.RdfFormat.N_TRIPLES)
        shapes.serialize(shapes_file, format="turtle")
        args += [str(n), str(data), str(shapes_file)]
    (work / "out").mkdir()
    run = subprocess.run(
        ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classpath,
         str(REPO / "tests" / "jena" / "RunShacl.java"), str(work / "out"), *args],
        capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    return {name: (keys(Graph().parse(work / "out" / f"{n}.nt", format="nt")),
                   keys(fastshacl.validate(quads, shapes).report))
            for n, (name, (quads, shapes)) in enumerate(cases.items())}


def _short(node: str) -> str:
    return node.removeprefix("<").removesuffix(">").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def test_the_comparison_covers_every_fixture_and_the_mutants() -> None:
    assert len(LINT_FILES) > 50, f"no lint fixtures at {LINT_FIXTURES}"
    assert set(_cases()) == {"shape-fixtures", "mutants"} | {f"lint/{p.stem}" for p in LINT_FILES}


def test_jena_finds_the_violations_too(compared: dict[str, tuple[Counter[Key], ...]]) -> None:
    """Not two engines agreeing on nothing: Jena reports results on the fixtures."""
    assert sum(sum(jena.values()) for jena, _ in compared.values()) > 100


def test_jena_and_the_fast_engine_differ_only_where_listed(
    compared: dict[str, tuple[Counter[Key], ...]],
) -> None:
    known, seen, unlisted = listed(), set(), []
    for case, (jena, fast) in sorted(compared.items()):
        for side, extra in (("jena", jena - fast), ("fast", fast - jena)):
            for key in extra:
                short = (case, side, _short(key[3]), _short(key[4]))
                if short in known:
                    seen.add(short)
                else:
                    unlisted.append(" ".join((*short, "?", " ".join(key))))
    assert not unlisted, "differences not in " + DIFFERENCES.name + ":\n" + "\n".join(unlisted)
    gone = sorted(set(known) - seen)
    assert not gone, f"listed in {DIFFERENCES.name} but the engines agree now: {gone}"


def test_the_listed_differences_are_well_formed() -> None:
    for (case, side, _, _), reason in listed().items():
        assert side in ("jena", "fast") and len(reason) > 20, (case, reason)
    assert all(c.endswith("ConstraintComponent") for _, _, _, c in listed())
