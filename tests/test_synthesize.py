"""scripts/synthesize.py: synthetic data with the real graph's structure, and known defects.

Small sizes only (the benchmark runs the big ones): N copies give N times the real graph's
findings and class counts, the same seed gives the same bytes, and the defect variant has
errors on exactly the nodes the defects were injected into, one of every kind.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

import pycountry
import pyoxigraph as ox
import pytest

from ccbkg.checks import fastshacl
from ccbkg.checks.provenance import check_provenance
from ccbkg.checks.shapes import VALIDATED
from ccbkg.core.namespaces import CCB, RDF
from ccbkg.project.layout import Project, Role
from ccbkg.project.load import LoadedProject, load
from ccbkg.site.links import place
from ccbkg.site.view import DATA_NS
from tests.conftest import REPO, assert_no_traceback, run_cli
from tests.mutation import KINDS

sys.path.insert(0, str(REPO / "scripts"))
import synthesize as synthesize_module
from synthesize import synthesize

TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def errors(sources: LoadedProject) -> set[tuple[str, ...]]:
    """Errors of the syntax, shapes and provenance stages, each with the node it names (for
    SHACL, top-level results only: sh:detail results name the concept a value points to)."""
    found = {(f.node or "", f.stage, f.message) for f in sources.result.errors}
    found |= {(f.node or "", f.stage, f.message) for f in check_provenance(sources).errors}
    run = fastshacl.validate((q for f in sources.of(*VALIDATED) for q in f.quads()),
                             sources.graph(Role.SHAPES))
    found |= {(str(r.focus.value), str(r.shape.node), str(r.component), str(r.value))
              for r in run.results if str(r.severity).endswith("#Violation")}
    return found


def base(node: str) -> str:
    """A node and its parts (node#quote, node#time) count as one: a defect in a passage's
    selector is reported on the selector by the shapes and on the passage by provenance."""
    return node.split("#", 1)[0]


def findings(sources: LoadedProject) -> Counter[tuple[str, str]]:
    run = fastshacl.validate((q for f in sources.of(*VALIDATED) for q in f.quads()),
                             sources.graph(Role.SHAPES))
    found = Counter((str(r.shape.node), str(r.severity)) for r in run.results)
    found.update(("provenance", f.message[:40]) for f in check_provenance(sources).findings)
    return found


def classes(sources: LoadedProject) -> Counter[str]:
    return Counter(q.object.value for f in sources.of(Role.DATA) for q in f.quads()  # type: ignore
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
    # the site keeps one page of facts per country: each copy's facts of a country start
    # with that copy's code of the country (as its IRI ends with it), not the real one
    facts = page_groups(real)
    assert set(facts) >= {"alb", "can", "jpn"}
    made_facts = page_groups(made)
    assert len(made_facts) == 3 * len(facts)
    assert sorted(made_facts.values()) == sorted(n for n in facts.values() for _ in range(3))
    codes = {str(c).rsplit("/", 1)[1].lower()
             for c in made.graph(Role.DATA).subjects(RDF.type, CCB.Country)}
    assert {g for g in made_facts if not g.startswith("ise")} <= codes


def page_groups(loaded: LoadedProject) -> Counter[str]:
    """How many nodes each country's page of facts of the site shows (by its code)."""
    found: Counter[str] = Counter()
    for s in {str(s) for s in loaded.graph(Role.DATA).subjects() if "#" not in str(s)}:
        page, anchor = place(s)
        if anchor and str(s).startswith(DATA_NS):
            found[page.rsplit("/", 1)[1].removesuffix(".html")] += 1
    return found


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


def test_countries_beyond_the_iso_codes_get_identifiers_of_their_own(real: LoadedProject) -> None:
    """Up to 10,000 copies, every country of every copy has a name of its own: an unused
    user-assigned ISO code while they last, then the key suffix (without building those
    copies)."""
    plan = synthesize_module._plan(real, random.Random(7))
    per_copy = len(plan.countries)
    assert per_copy * 100 < len(plan.codes) < per_copy * 10_000  # 10,000x goes beyond
    assert all(synthesize_module.USER_ASSIGNED.fullmatch(code) for code in plan.codes)
    assert not {c.alpha_3 for c in pycountry.countries} & set(plan.codes)
    names = [name for k in range(1, 10_000)
             for name in (synthesize_module._renamer(plan, k).get(iri) or
                          synthesize_module._rename(iri, k, {}) for iri in sorted(plan.countries))]
    real_names = set(plan.countries)
    assert len(set(names)) == len(names) and not real_names & set(names)
    iso = [n for n in names if re.fullmatch(r".*/country/[A-Z]{3}", n)]
    assert len(iso) == len(plan.codes)
    assert all(re.fullmatch(r".*/country/[A-Z]{3}-x[0-9]+", n) for n in names[len(iso):])
    # a copy beyond the ISO codes: its countries keep Wikidata, carry no ISO code, say why
    last = [t for ts in synthesize_module._copy(real.of(Role.DATA), plan, 9_999, {}, []).values()
            for t in ts]
    countries = set(names[-per_copy:])
    assert countries <= {s.value for s, p, o in last if p == TYPE and o.value.endswith("#Country")}
    said = Counter((s.value, re.split("[#/]", p.value)[-1]) for s, p, _ in last
                   if s.value in countries)
    assert all(said[(c, "editorialNote")] == 1 and said[(c, "sameAs")] >= 1 and
               not said[(c, "iso3166Alpha3")] and not said[(c, "iso3166Alpha2")]
               for c in countries), said


def test_a_tree_beyond_the_iso_codes_passes_every_check(tmp_path: Path, real: LoadedProject,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """With the unused ISO codes made to run out within copy 2 (13 codes: 9 for copy 1, 4 for
    copy 2), `ccbkg check` of the tree passes, with one Info (no ISO code) for each of the
    other 5 countries of copy 2 (and Kosovo's, which has no code in the real data)."""
    few = synthesize_module.unused_codes
    monkeypatch.setattr(synthesize_module, "unused_codes", lambda used: few(used)[:13])
    synthesize(REPO, tmp_path / "tree", 3)
    done = run_cli("check", "--root", str(tmp_path / "tree"), "--format", "json")
    assert_no_traceback(done)
    assert done.code == 0, done.out[-3000:]
    found = [f for s in json.loads(done.out)["stages"] for f in s["findings"]]
    uncoded = {f["node"] for f in found if f["shape"].endswith("#Country-isoCode")}
    plan = synthesize_module._plan(real, random.Random(7))
    country = "https://w3id.org/ccbkg/id/country/"
    beyond = {synthesize_module._rename(iri, 2, {}) for iri in sorted(plan.countries)[4:]}
    kosovo = {f"{country}kosovo", f"{country}kosovo-x1", f"{country}kosovo-x2"}  # no code at all
    assert uncoded == beyond | kosovo
    assert all(f["severity"] == "info" for f in found if f["node"] in uncoded)
