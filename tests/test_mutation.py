"""Mutation test: every curator mistake on every node it applies to is reported by `ccbkg check`.

Mutants of one kind are applied in batches of distinct nodes; a mutant is killed when the check
exits 1 and names its node in an error. The kill rate per kind is printed; 100% is required.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest

from ccbkg.cli import main
from ccbkg.project.layout import Project, Role
from ccbkg.project.load import load
from ccbkg.rdf.serialize import to_bytes
from tests.conftest import REPO
from tests.mutation import KINDS, Mutant, mutants, rules, scheme_members

BATCH = 200
STAGES = "syntax,shapes,provenance"


@pytest.fixture(scope="module")
def generated() -> tuple[list[Mutant], dict[str, list[ox.Quad]]]:
    loaded = load(Project.discover(REPO))
    assert not loaded.result.errors
    found = rules(loaded.graph(Role.SHAPES), loaded.graph(Role.ONTOLOGY, Role.VOCAB))
    assert found.required, "the shapes declare no required properties: nothing to mutate"
    files = {f.file.path.name: list(f.quads()) for f in loaded.of(Role.DATA)}
    all_quads = [q for quads in files.values() for q in quads]
    made = list(mutants(all_quads, found, scheme_members(loaded.graph(Role.VOCAB))))
    return made, files


def _write_project(dest: Path, files: dict[str, list[ox.Quad]], batch: list[Mutant]) -> None:
    for name in ("ontology", "shapes", "queries"):
        shutil.copytree(REPO / name, dest / name)
    shutil.copytree(REPO / "instances" / "sources", dest / "instances" / "sources")
    remove = {t for m in batch for t in m.remove}
    add = {t for m in batch for t in m.add}
    owner = {m.node: m for m in batch}
    for name, quads in files.items():
        kept = [q for q in quads if (q.subject, q.predicate, q.object) not in remove]
        new = [ox.Quad(*t) for t in add
               if any(q.subject == t[0] for q in quads) and t[0].value in owner]
        (dest / "instances" / name).write_bytes(to_bytes(kept + new, "ttl"))


def test_every_kind_of_mistake_is_generated(
    generated: tuple[list[Mutant], dict[str, list[ox.Quad]]],
) -> None:
    made, _ = generated
    counts = Counter(m.kind for m in made)
    assert set(counts) == set(KINDS), f"kinds with no mutant: {set(KINDS) - set(counts)}"


def test_check_kills_every_mutant(
    generated: tuple[list[Mutant], dict[str, list[ox.Quad]]],
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    made, files = generated
    by_kind: dict[str, list[Mutant]] = defaultdict(list)
    for m in made:
        by_kind[m.kind].append(m)
    survivors: list[Mutant] = []
    killed: Counter[str] = Counter()
    for kind in KINDS:
        group = by_kind[kind]
        for start in range(0, len(group), BATCH):
            batch = group[start:start + BATCH]
            root = tmp_path / f"{kind}-{start}"
            _write_project(root, files, batch)
            code = main(["check", "--root", str(root), "--quiet", "--format", "json",
                         "--only", STAGES])
            report = json.loads(capsys.readouterr().out)
            named = {f.get("node") for s in report["stages"] for f in s["findings"]
                     if f["severity"] == "error"}
            assert code == 1, f"{kind}: check exited {code}"
            for m in batch:
                if m.node in named:
                    killed[kind] += 1
                else:
                    survivors.append(m)
            shutil.rmtree(root)
    with capsys.disabled():
        print("\nmutation kill rate per kind:")
        for kind in KINDS:
            total = len(by_kind[kind])
            print(f"  {kind:<26} {killed[kind]:>4}/{total:<4} "
                  f"{100 * killed[kind] / total if total else 0:5.1f}%")
    assert survivors == [], "\n".join(f"{m.kind}: {m.node}" for m in survivors[:30])
