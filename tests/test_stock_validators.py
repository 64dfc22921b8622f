"""Stock SHACL validators given only dist/ report exactly what `ccbkg check` reports.

The commands of docs/shapes.md ("Validate with your own tools") are read from the page and run
as written, through a shell: pyshacl's and rdflib's CLIs from the environment, Apache Jena's
`shacl` and `riot` as the scripts of Jena's `bin/` run them (`java -cp <jars> shacl.shacl`), on
Debian's libapache-jena-java. They run on the release and on the release's data with 10 curator
mistakes of distinct kinds (tests/mutation.py) and a node outside the project's namespace; the
results are compared with `ccbkg check --format json` by focus node, path, component, severity
and source shape. All pipelines run at once (one JVM per Jena command). What each prints is kept
between runs (tests/kept.py) under its commands, the tools' versions and files and every byte
of its input; a change to any of them runs it again (a fresh clone, as CI, runs them all).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from ccbkg.checks.fastshacl.paths import shown_path
from ccbkg.project.layout import Project, Role
from ccbkg.project.load import load
from ccbkg.rdf.serialize import to_bytes
from tests.conftest import REPO, assert_no_traceback, run_cli
from tests.kept import kept
from tests.mutation import mutants, rules, scheme_members

sys.path.insert(0, str(REPO / "scripts"))
import bench  # Debian's Jena class path, as the benchmark builds it

SEVERITIES = {"error": str(SH.Violation), "warning": str(SH.Warning), "info": str(SH.Info)}
FOREIGN = "http://example.org/x#y"
CCB = "https://w3id.org/ccbkg/ontology#"
MUTANTS = 10
# Where Jena reports otherwise than ccbkg check and pyshacl, as (run, key) with the reason in a
# comment: none today (Jena 4.5 runs the SHACL-SPARQL constraints and targets the same way).
JENA_DIFFERS: set[tuple[str, tuple[str, ...]]] = set()
Key = tuple[str, ...]


def documented_blocks() -> list[str]:
    """The code blocks of "Validate with your own tools": the release, one's own data, and
    Jena on Debian's jars."""
    page = (REPO / "docs" / "shapes.md").read_text(encoding="utf-8")
    section = page.split("## Validate with your own tools", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 3, ("docs/shapes.md: expected a block for the release, one for own "
                              "data and one for Debian's Jena")
    return blocks


def documented() -> tuple[list[str], list[str]]:
    """The shell lines of the release's and one's own data's blocks."""
    release, own = ([line for line in b.splitlines() if line.strip()]
                    for b in documented_blocks()[:2])
    return release, own


def jena_jars() -> list[Path]:
    """Debian's jars that Jena's `shacl` and `riot` run on."""
    return [Path("/usr/share/java") / f"{j}.jar" for j in bench.JENA_JARS]


def tool_bin(work: Path) -> Path:
    """A folder with `shacl` and `riot` as Apache Jena's bin/ scripts are, on Debian's jars."""
    java = shutil.which("java")
    jars = jena_jars()
    if java is None or not all(j.exists() for j in jars):
        pytest.skip("needs java and Debian's libapache-jena-java")
    resources = work / "jena-resources"
    bench._xerces_messages(resources)  # Debian's Jena misses them where it looks them up
    classpath = ":".join([*map(str, jars), str(resources)])
    bin_dir = work / "bin"
    bin_dir.mkdir()
    for script, main in (("shacl", "shacl.shacl"), ("riot", "riotcmd.riot")):
        path = bin_dir / script
        # JVM options for a short run, as Jena's scripts take them from JVM_ARGS
        path.write_text(f'#!/bin/sh\nexec {java} -XX:TieredStopAtLevel=1 -XX:+UseSerialGC '
                        f'-cp "{classpath}" {main} "$@"\n')
        path.chmod(0o755)
    return bin_dir


def run_lines(lines: list[str], cwd: Path, path: str) -> str:
    """Run documented lines in a shell, in order; as JSON, the standard output of the last one
    ("out") and the exit code of each ("exits")."""
    out, exits = "", []
    for line in lines:
        done = subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=cwd, timeout=240,
                              capture_output=True, text=True, env={**os.environ, "PATH": path},
                              check=False)
        # pyshacl exits 1 when the data does not conform; Jena exits 0.
        assert done.returncode in (0, 1) and "Exception" not in done.stderr, \
            f"{line}: exit {done.returncode}\n{done.stderr[-2000:]}"
        out = done.stdout
        exits.append(done.returncode)
    return json.dumps({"out": out, "exits": exits})


def run_kept(lines: list[str], work: Path, path: str, inputs: list[Path]) -> str:
    """`run_lines`, what it gives kept (tests/kept.py) under the lines, the tools they run (the
    Python packages' versions, the jars' and java's files) and every byte of the inputs: run
    again when any of them changes."""
    tools = [sys.version, pyshacl.__version__, rdflib.__version__,
             *(f"{j} {j.stat().st_size} {j.stat().st_mtime_ns}" for j in jena_jars()),
             str(Path(shutil.which("java") or "").resolve())]
    files: list[str | bytes] = []
    for given in inputs:
        for file in sorted([given] if given.is_file() else
                           (f for f in given.rglob("*") if f.is_file())):
            files += [file.relative_to(given.parent).as_posix(), file.read_bytes()]
    return kept(["stock validator (out, exits)", *lines, *tools, *files],
                lambda: run_lines(lines, work, path).encode("utf-8")).decode("utf-8")


def report_keys(turtle: str) -> Counter[Key]:
    """The results of a SHACL report graph (not their sh:detail results) by focus, path,
    component, severity and source shape."""
    report = Graph().parse(data=turtle, format="turtle")
    keys: Counter[Key] = Counter()
    for result in report.objects(None, SH.result):
        focus = report.value(result, SH.focusNode)
        keys[(str(focus) if isinstance(focus, URIRef) else "_:",
              shown_path(report, report.value(result, SH.resultPath)) or "",
              str(report.value(result, SH.sourceConstraintComponent)),
              str(report.value(result, SH.resultSeverity)),
              named(report.value(result, SH.sourceShape)))] += 1
    return keys


def conforms(turtle: str) -> bool:
    """The sh:conforms of a SHACL report graph."""
    report = Graph().parse(data=turtle, format="turtle")
    (value,) = report.objects(None, SH.conforms)
    return bool(value.toPython())


def named(shape: object) -> str:
    """A source shape's IRI; an anonymous shape (sh:node [ ... ]) has a blank node in each
    report, so only that it is anonymous is compared."""
    return str(shape) if isinstance(shape, URIRef) else "_:"


def check_keys(report: str) -> Counter[Key]:
    """The shape results of a `ccbkg check --format json` report by the same key."""
    stages = {s["stage"]: s for s in json.loads(report)["stages"]}
    return Counter((f["node"] if ":" in f["node"] and " " not in f["node"] else "_:",
                    f.get("path", ""), f["component"], SEVERITIES[f["severity"]],
                    "_:" if f["shape"].startswith("_:") else f["shape"])
                   for f in stages["shapes"]["findings"])


def own_data(dest: Path) -> list[str]:
    """The release's data with 10 mistakes of distinct kinds on distinct nodes and a described
    node outside the project's namespace; returns the nodes each mistake is on."""
    sources = load(Project.discover(REPO))
    found = rules(sources.graph(Role.SHAPES), sources.graph(Role.ONTOLOGY, Role.VOCAB))
    quads = sources.quads(Role.DATA)
    chosen: dict[str, object] = {}
    nodes: set[str] = set()
    for m in mutants(quads, found, scheme_members(sources.graph(Role.VOCAB))):
        if m.kind not in chosen and m.node not in nodes and len(chosen) < MUTANTS:
            chosen[m.kind] = m
            nodes.add(m.node)
    picked = list(chosen.values())
    remove = {t for m in picked for t in m.remove}  # type: ignore[attr-defined]
    add = [ox.Quad(*t) for m in picked for t in m.add]  # type: ignore[attr-defined]
    foreign = ox.NamedNode(FOREIGN)
    add += [ox.Quad(foreign, ox.NamedNode(str(RDF.type)), ox.NamedNode(CCB + "Strategy")),
            ox.Quad(foreign, ox.NamedNode(CCB + "jurisdiction"), ox.NamedNode(CCB + "nowhere"))]
    kept = [ox.Quad(q.subject, q.predicate, q.object) for q in quads
            if (q.subject, q.predicate, q.object) not in remove]
    dest.write_bytes(to_bytes(kept + add, "ttl"))
    return sorted(nodes)


@pytest.mark.slow  # a JVM, run each time (not kept)
def test_the_documented_class_path_runs_debians_jena_as_written(tmp_path: Path) -> None:
    """Debian's jena-core lacks xerces' message files where Jena looks them up: every Jena
    command stopped with ExceptionInInitializerError. The block docs/shapes.md gives, run as
    written (its ~ a scratch folder), validates the release with Jena."""
    if shutil.which("java") is None or not all(j.exists() for j in jena_jars()):
        pytest.skip("needs java and Debian's libapache-jena-java")
    built = run_cli("build", "-q", "--no-site", "--out", str(tmp_path / "dist"))
    assert built.code == 0, built.err
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run(["bash", "-e", "-c", documented_blocks()[2]], cwd=tmp_path,
                          env={**os.environ, "HOME": str(home)}, capture_output=True,
                          text=True, timeout=240, check=False)
    assert done.returncode == 0 and "Exception" not in done.stderr, done.stderr[-2000:]
    assert report_keys(done.stdout) == +check_keys(
        (tmp_path / "dist" / "reports" / "check.json").read_text()), done.stdout[-2000:]


def test_stock_validators_report_what_ccbkg_check_reports(tmp_path: Path) -> None:
    release_lines, own_lines = documented()
    bin_dir = tool_bin(tmp_path)
    built = run_cli("build", "-q", "--no-site", "--out", str(tmp_path / "dist"))
    assert built.code == 0, built.err
    assert (tmp_path / "dist" / "validation").is_dir()
    mistakes = own_data(tmp_path / "my.ttl")
    assert len(mistakes) == MUTANTS
    path = f"{bin_dir}:{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"
    # The pyshacl and the Jena lines of each block, each pair in its own folder.
    jobs = {}
    for name, lines in (("release", release_lines), ("own", own_lines)):
        for tool, marker in (("pyshacl", ("pyshacl", "rdfpipe")), ("jena", ("shacl", "riot"))):
            picked = [ln for ln in lines if ln.split()[0] in marker]
            assert picked, f"docs/shapes.md: no {tool} command for {name}"
            work = tmp_path / f"{name}-{tool}"
            work.mkdir()
            (work / "dist").symlink_to(tmp_path / "dist")
            (work / "my.ttl").symlink_to(tmp_path / "my.ttl")
            jobs[(name, tool)] = (picked, work)
    with ThreadPoolExecutor(4) as pool:
        inputs = [tmp_path / "dist", tmp_path / "my.ttl"]
        futures = {k: pool.submit(run_kept, lines, work, path, inputs)
                   for k, (lines, work) in jobs.items()}
        # the release's check report is the build's; the user's data is checked as CI would
        checked = run_cli("check", "-q", "--only", "syntax,shapes", "--format", "json",
                          "--data", str(tmp_path / "my.ttl"))
        assert_no_traceback(checked)
        assert checked.code == 1, checked.err
        expected = {"release": check_keys((tmp_path / "dist/reports/check.json").read_text()),
                    "own": check_keys(checked.out)}
        ran = {k: json.loads(f.result()) for k, f in futures.items()}
        reports = {k: report_keys(r["out"]) for k, r in ran.items()}
    assert sum(expected["release"].values()) == 5, expected["release"]
    # the verdict: pyshacl's with --allow-warnings is ccbkg's (only Violations fail; the
    # release's five results are sh:Info), exit code and sh:conforms; Jena's report follows
    # SHACL 3.1 (false whenever there is a result) and Jena exits 0 either way
    assert [ran[(n, "pyshacl")]["exits"][-1] for n in ("release", "own")] == [0, 1]
    assert [conforms(ran[(n, "pyshacl")]["out"]) for n in ("release", "own")] == [True, False]
    assert [ran[(n, "jena")]["exits"][-1] for n in ("release", "own")] == [0, 0]
    assert [conforms(ran[(n, "jena")]["out"]) for n in ("release", "own")] == [False, False]
    shipped = (tmp_path / "dist" / "reports" / "shacl-report.ttl").read_text(encoding="utf-8")
    assert conforms(shipped) is True and report_keys(shipped) == expected["release"]
    flagged = {k[0] for k in expected["own"]}
    assert FOREIGN in flagged and set(mistakes) <= flagged, set(mistakes) - flagged
    for (name, tool), keys in reports.items():
        differs = {k for t, k in JENA_DIFFERS if t == name} if tool == "jena" else set()
        assert set(keys) ^ set(expected[name]) == differs, (name, tool, set(keys) - set(
            expected[name]), set(expected[name]) - set(keys))
        shared = set(keys) - differs
        assert {k: keys[k] for k in shared} == {k: expected[name][k] for k in shared}


def test_paths_are_shown_in_sparql_form() -> None:
    shapes = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:s1 sh:path [ sh:alternativePath ( ex:a ex:b ) ] .
        ex:s2 sh:path [ sh:inversePath ex:a ] .
        ex:s3 sh:path ( ex:a ex:b ) .
        ex:s4 sh:path [ sh:zeroOrMorePath ex:a ] .
        ex:s5 sh:path ( [ sh:alternativePath ( ex:a ( ex:b ex:c ) ) ] [ sh:inversePath ex:d ] ) .
        ex:s6 sh:path [ sh:oneOrMorePath [ sh:inversePath ex:a ] ] .
        ex:s7 sh:path [ sh:inversePath [ sh:zeroOrOnePath ( ex:a ex:b ) ] ] .
        ex:s8 sh:path ex:a .""")
    ex = "http://example.org/"
    shown = {str(s)[len(ex):]: shown_path(shapes, p) for s, p in shapes.subject_objects(SH.path)}
    a, b, c, d = (f"<{ex}{x}>" for x in "abcd")
    assert shown == {"s1": f"{a}|{b}", "s2": f"^{a}", "s3": f"{a}/{b}", "s4": f"{a}*",
                     "s5": f"({a}|{b}/{c})/^{d}", "s6": f"(^{a})+", "s7": f"^({a}/{b})?",
                     "s8": f"{ex}a"}


def test_check_reports_show_complex_paths_the_same_on_every_run(tmp_path: Path) -> None:
    data = tmp_path / "agreement.ttl"
    shutil.copy(REPO / "tests" / "fixtures" / "shapes" / "AgreementShape-invalid-01.ttl", data)
    runs = {fmt: [run_cli("check", "-q", "--only", "syntax,shapes", "--format", fmt,
                          "--data", str(data)) for _ in range(2)] for fmt in ("text", "json")}
    for fmt, (first, second) in runs.items():
        assert first.code == 1, (fmt, first.err)
        # the same text apart from the stages' timings
        assert re.sub(r'"seconds": [0-9.]+', "", first.out) == \
            re.sub(r'"seconds": [0-9.]+', "", second.out), fmt
    assert "(property ccb:party|ccb:signatory, shape " in runs["text"][0].out
    paths = {f.get("path") for s in json.loads(runs["json"][0].out)["stages"]
             for f in s["findings"]}
    assert f"<{CCB}party>|<{CCB}signatory>" in paths
    assert not any(p and "_:" in p for p in paths), paths
