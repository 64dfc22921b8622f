"""scripts/synthesize.py: synthetic data with the real graph's structure, and known defects.

Small sizes only (the benchmark runs the big ones): N copies give N times the real graph's
findings and class counts, the same seed gives the same bytes, and the defect variant has
errors on exactly the nodes the defects were injected into, one of every kind.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from ccbkg.checks import fastshacl
from ccbkg.checks.provenance import check_provenance
from ccbkg.checks.shapes import VALIDATED
from ccbkg.project.layout import Project, Role
from ccbkg.project.load import LoadedProject, load
from tests.conftest import REPO
from tests.mutation import KINDS

sys.path.insert(0, str(REPO / "scripts"))
from synthesize import synthesize

TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def errors(sources: LoadedProject) -> set[tuple[str, ...]]:
    """Errors of the syntax, shapes and provenance stages, each with the node it names (for
    SHACL, top-level results only: sh:detail results name the concept a value points to)."""
    found = {(f.node or "", f.stage, f.message) for f in sources.result.errors}
    found |= {(f.node or "", f.stage, f.message) for f in check_provenance(sources).errors}
    run = fastshacl.validate((q for f in sources.of(*VALIDATED) for q in f.quads),
                             sources.graph(Role.SHAPES))
    found |= {(str(r.focus.value), str(r.shape.node), str(r.component), str(r.value))
              for r in run.results if str(r.severity).endswith("#Violation")}
    return found


def base(node: str) -> str:
    """A node and its parts (node#quote, node#time) count as one: a defect in a passage's
    selector is reported on the selector by the shapes and on the passage by provenance."""
    return node.split("#", 1)[0]


def findings(sources: LoadedProject) -> Counter[tuple[str, str]]:
    run = fastshacl.validate((q for f in sources.of(*VALIDATED) for q in f.quads),
                             sources.graph(Role.SHAPES))
    found = Counter((str(r.shape.node), str(r.severity)) for r in run.results)
    found.update(("provenance", f.message[:40]) for f in check_provenance(sources).findings)
    return found


def classes(sources: LoadedProject) -> Counter[str]:
    return Counter(q.object.value for f in sources.of(Role.DATA) for q in f.quads  # type: ignore
                   if q.predicate == TYPE)


def digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def real() -> LoadedProject:
    sources = load(Project.discover(REPO))
    assert not sources.result.errors
    return sources


def test_one_copy_is_the_real_data(tmp_path: Path) -> None:
    synthesize(REPO, tmp_path / "one", 1)
    real_files = sorted((REPO / "instances").glob("*.ttl"))
    assert real_files
    for path in real_files:
        assert (tmp_path / "one" / "instances" / path.name).read_bytes() == path.read_bytes()


def test_three_copies_have_three_times_the_findings_and_classes(tmp_path: Path,
                                                                real: LoadedProject) -> None:
    synthesize(REPO, tmp_path / "three", 3, copies_per_file=2)
    made = load(Project.discover(tmp_path / "three"))
    assert not made.result.errors
    assert len(made.of(Role.DATA)) > len(real.of(Role.DATA))
    assert classes(made) == Counter({c: 3 * n for c, n in classes(real).items()})
    assert findings(made) == Counter({k: 3 * n for k, n in findings(real).items()})
    texts = list((tmp_path / "three" / "instances" / "sources").glob("*.txt"))
    assert len(texts) == 3 * len(list((REPO / "instances" / "sources").glob("*.txt")))


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    synthesize(REPO, tmp_path / "a", 3, seed=11, defects=1)
    synthesize(REPO, tmp_path / "b", 3, seed=11, defects=1)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_the_defect_variant_has_errors_on_exactly_the_injected_nodes(tmp_path: Path) -> None:
    synthesize(REPO, tmp_path / "clean", 5)
    synthesize(REPO, tmp_path / "defects", 5, defects=1)
    injected = json.loads((tmp_path / "defects" / "synthetic.json").read_text())
    assert injected["defect_counts"] == {kind: 1 for kind in KINDS}
    nodes = {d["node"] for d in injected["defects"]}
    assert len(nodes) == len(KINDS)
    baseline = errors(load(Project.discover(tmp_path / "clean")))
    new = {base(e[0]) for e in errors(load(Project.discover(tmp_path / "defects"))) - baseline}
    expected = {base(n) for n in nodes}
    assert new == expected, (f"not found: {sorted(expected - new)}; "
                             f"unexpected: {sorted(new - expected)[:5]}")


def test_an_existing_folder_that_is_not_synthetic_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not a synthetic tree"):
        synthesize(REPO, tmp_path / "mine", 2)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
