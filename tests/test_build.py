"""The release build: complete, parseable, round-tripping, reproducible and atomic."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph

from ccbkg.cli import main
from ccbkg.core import processes
from ccbkg.core.file_types import rdf_syntax
from ccbkg.core.namespaces import GRAPH
from ccbkg.project.layout import Project
from ccbkg.project.load import load
from ccbkg.release.atomic import MARKER
from tests.conftest import REPO, CliResult, assert_no_traceback, run_cli
from tests.kept import canonical

RDFLIB_FORMATS = {".ttl": "turtle", ".nt": "nt", ".rdf": "xml", ".jsonld": "json-ld",
                  ".trig": "trig", ".nq": "nquads"}
OX_FORMATS = {".rdf": ox.RdfFormat.RDF_XML, ".jsonld": ox.RdfFormat.JSON_LD}


@pytest.fixture(scope="module")
def dist(built: Path) -> Path:
    """The session's build (tests/conftest.py)."""
    return built


def _artefacts(dist: Path, *suffixes: str) -> list[Path]:
    found = sorted(p for p in dist.rglob("*")
                   if p.suffix in suffixes and p.name != "context.jsonld")
    assert found, f"no {suffixes} artefacts in {dist}"
    return found


def _offline(path: Path) -> bytes:
    """The file's bytes; a compacted JSON-LD document with the shipped context put in place of
    its IRI (stock parsers would fetch it; the site's pages are expanded JSON-LD)."""
    doc = json.loads(path.read_bytes()) if path.suffix == ".jsonld" else None
    if not isinstance(doc, dict):
        return path.read_bytes()
    assert doc["@context"] == "https://w3id.org/ccbkg/context.jsonld", path
    dist = next(p for p in path.parents if (p / "SHA256SUMS").is_file())
    shipped = json.loads((dist / "context.jsonld").read_bytes())
    doc["@context"] = shipped["@context"]
    return json.dumps(doc).encode()


def test_build_writes_every_artefact(dist: Path) -> None:
    names = {p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file()}
    for ext in ("ttl", "nt", "rdf", "jsonld"):  # every part in every format README lists
        for part in ("ontology/ccb", "data/ccbkg-data", "shapes/ccb.shapes"):
            assert f"{part}.{ext}" in names
    assert {"ccbkg.trig", "ccbkg.nq", "context.jsonld", "void.ttl", "SHA256SUMS",
            "reports/check.txt", "reports/check.json", "reports/shacl-report.ttl",
            "shapes/ccb.shapes.ttl", "load-virtuoso.sql"} <= names
    vocabularies = sorted((REPO / "ontology" / "vocab").glob("*.ttl"))
    assert vocabularies
    for vocab in vocabularies:
        assert f"vocab/{vocab.stem}.ttl" in names


def test_sha256sums_match_the_files(dist: Path) -> None:
    lines = (dist / "SHA256SUMS").read_text().splitlines()
    assert len(lines) > 10
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest, name


def test_two_builds_are_byte_identical(dist: Path, tmp_path: Path) -> None:
    again = tmp_path / "dist"
    result = run_cli("build", "--root", str(REPO), "--out", str(again), "--quiet", fresh=True)
    assert result.code == 0, result.err
    first = {p.relative_to(dist): p.read_bytes() for p in dist.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_the_release_is_the_same_made_in_processes_or_in_one(
    dist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The build of a large graph makes some files (the data's, the country documents, the
    TriG dump, the site's pages) in forked processes; the real graph's is made in one process
    (core.processes.WORTH_FORKING), in the same bytes."""
    assert load(Project.discover(REPO)).size() < processes.WORTH_FORKING
    monkeypatch.setenv("CCBKG_PROCESSES", "2")
    forked = tmp_path / "dist"
    assert main(["build", "--root", str(REPO), "--out", str(forked), "--quiet"]) == 0
    assert _tree(forked) == _tree(dist)


def test_processes_follow_the_size_of_the_graph_unless_the_user_sets_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A small graph is worked in one process (forking costs more than it saves); a large one
    in the cores'; CCBKG_PROCESSES decides for any size."""
    monkeypatch.delenv("CCBKG_PROCESSES", raising=False)
    assert processes.processes_for(processes.WORTH_FORKING - 1) == 1
    assert processes.processes_for(processes.WORTH_FORKING) == processes.CORES
    monkeypatch.setenv("CCBKG_PROCESSES", "1")
    assert processes.processes_for(10 ** 9) == 1
    monkeypatch.setenv("CCBKG_PROCESSES", " 3 ")
    assert processes.processes_for(0) == 3


def test_no_site_builds_the_same_release_without_the_site(dist: Path, tmp_path: Path) -> None:
    bare = tmp_path / "dist"
    result = run_cli("build", "--root", str(REPO), "--out", str(bare), "--quiet", "--no-site")
    assert result.code == 0, result.err
    assert not (bare / "site").exists() and (dist / "site" / "index.html").is_file()
    with_site = {p.relative_to(dist): p.read_bytes() for p in dist.rglob("*")
                 if p.is_file() and p.relative_to(dist).parts[0] not in ("site", MARKER)}
    without = {p.relative_to(bare): p.read_bytes() for p in bare.rglob("*")
               if p.is_file() and p.name != MARKER}
    assert with_site == without


@pytest.mark.parametrize("part", ["ontology/ccb", "data/ccbkg-data", "shapes/ccb.shapes"])
def test_each_serialisation_round_trips_to_the_same_graph(dist: Path, part: str) -> None:
    files = sorted(dist.glob(f"{part}.*"))
    assert len(files) >= 3
    graphs = [Graph().parse(data=_offline(f), format=RDFLIB_FORMATS[f.suffix]) for f in files]
    # isomorphic when equal with canonical (RDFC-1.0) blank node labels
    first = canonical(graphs[0]).quads
    for f, g in zip(files[1:], graphs[1:], strict=True):
        assert len(g) == len(graphs[0]) > 0, f
        assert canonical(g).quads == first, f"{f.name} differs from {files[0].name}"


def test_every_rdf_artefact_parses_with_rdflib_and_pyoxigraph(dist: Path) -> None:
    for path in _artefacts(dist, *RDFLIB_FORMATS):
        fmt = OX_FORMATS.get(path.suffix) or rdf_syntax(path.suffix)
        assert fmt is not None, path
        ox_quads = list(ox.parse(_offline(path), format=fmt))
        if path.suffix in (".trig", ".nq"):
            # every quad (len() counts a triple once however many graphs hold it)
            rdflib_quads = len(list(Dataset().parse(path, format=RDFLIB_FORMATS[path.suffix])
                                    .quads((None, None, None, None))))
        else:
            rdflib_quads = len(Graph().parse(data=_offline(path),
                                             format=RDFLIB_FORMATS[path.suffix]))
        assert len(ox_quads) == rdflib_quads > 0, path


def test_trig_has_a_named_graph_per_part(dist: Path) -> None:
    quads = list(ox.parse((dist / "ccbkg.trig").read_bytes(), format=ox.RdfFormat.TRIG))
    graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    expected = {str(GRAPH["ontology"]), str(GRAPH["shapes"]), str(GRAPH["void"]),
                str(GRAPH["inferred"])}
    expected |= {str(GRAPH[f"data/{p.stem}"]) for p in (REPO / "instances").glob("*.ttl")}
    expected |= {str(GRAPH[f"vocab/{p.stem}"]) for p in (REPO / "ontology/vocab").glob("*.ttl")}
    assert graphs == expected
    assert all(isinstance(q.graph_name, ox.NamedNode) for q in quads)


def test_jsonld_context_names_ontology_terms(dist: Path) -> None:
    context = json.loads((dist / "context.jsonld").read_text())["@context"]
    assert context["ccb"] == "https://w3id.org/ccbkg/ontology#"
    assert context["citesPassage"] == {"@id": "ccb:citesPassage", "@type": "@id"}


def test_failed_build_leaves_previous_dist_untouched(scratch: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    assert run_cli("build", "--root", str(scratch), "--out", str(out), "--quiet").code == 0
    before = (out / "SHA256SUMS").read_bytes()
    (scratch / "instances" / "broken.ttl").write_text("<https://example.org/a> <b> .\n")
    result = run_cli("build", "--root", str(scratch), "--out", str(out), "--quiet")
    assert result.code == 1
    assert_no_traceback(result)
    assert "nothing was built" in result.err
    assert (out / "SHA256SUMS").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "src"]


def _refused(result: CliResult, *said: str) -> None:
    """Exit 2 with one message, before any work (no progress shown), saying each of said."""
    assert_no_traceback(result)
    assert result.code == 2, result.out + result.err
    assert result.out == "" and result.err.count("\n") == 1, result.err
    for text in said:
        assert text in result.err, result.err


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else b""
            for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize(("out", "said"), [
    (".", ["is the source tree", "choose a folder of its own"]),
    ("..", ["contains the source tree"]),
    ("instances", ["overlaps the project files", "instances/"]),
    ("ontology/vocab/new", ["overlaps the project files"]),
    ("user", ["holds files that ccbkg build did not write (e.g. .git/config)",
              "choose an empty or new folder, or a previous build's folder"]),
    ("home", ["is your home folder"]),
    ("/", ["is the filesystem root"]),
])
def test_out_that_is_not_a_build_folder_is_refused(scratch: Path, out: str,
                                                   said: list[str]) -> None:
    (scratch / "README.md").write_text("the user's own file")
    (scratch / "user" / ".git").mkdir(parents=True)
    (scratch / "user" / ".git" / "config").write_text("[core]")
    (scratch / "home").mkdir()
    before = _tree(scratch.parent)
    result = run_cli("build", "--root", str(scratch), "--out", out, cwd=scratch,
                     env={"HOME": str(scratch / "home")})
    _refused(result, f"--out {out} ", *said)
    assert _tree(scratch.parent) == before


def test_out_that_is_the_current_folder_is_refused(tmp_path: Path) -> None:
    result = run_cli("build", "--root", str(REPO), "--out", ".", cwd=tmp_path)
    _refused(result, "--out . is the current folder")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("kind", "said"), [
    ("file", "--out {out} is a file, not a folder"),
    ("fifo", "--out {out} is a named pipe, not a folder"),
    ("no-parent", "cannot write to {out}: {parent} does not exist"),
])
def test_out_that_cannot_be_a_folder_is_refused(tmp_path: Path, kind: str, said: str) -> None:
    out = tmp_path / "dist"
    if kind == "file":
        out.write_text("a file")
    elif kind == "fifo":
        os.mkfifo(out)
    else:
        out = tmp_path / "missing" / "dist"
    before = _tree(tmp_path)
    result = run_cli("build", "--root", str(REPO), "--out", str(out))
    _refused(result, said.format(out=out, parent=out.parent))
    assert _tree(tmp_path) == before
    assert kind != "fifo" or stat.S_ISFIFO(out.stat().st_mode)


def test_a_previous_build_with_a_file_added_is_refused(dist: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    shutil.copytree(dist, out)
    (out / "data" / "notes.txt").write_text("the user's notes")
    before = _tree(tmp_path)
    result = run_cli("build", "--root", str(REPO), "--out", str(out))
    _refused(result, "did not write (e.g. data/notes.txt)")
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("change", [None, "edit", "add"])
def test_a_build_made_before_the_marker_is_replaced_only_when_its_sums_match(
    dist: Path, tmp_path: Path, change: str | None,
) -> None:
    out = tmp_path / "dist"
    # a build from before the marker (and before the w3id rules were written into dist/)
    shutil.copytree(dist, out, ignore=shutil.ignore_patterns(MARKER, "w3id"))
    if change == "edit":
        (out / "void.ttl").write_text("# edited")
    elif change == "add":
        (out / "reports" / "mine.txt").write_text("mine")
    before = _tree(tmp_path)
    result = run_cli("build", "--root", str(REPO), "--out", str(out), "--quiet", "--no-site")
    if change is None:
        assert result.code == 0, result.err
        assert (out / MARKER).is_file() and not (out / "site").exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]
    else:
        _refused(result, "void.ttl does not match its SHA256SUMS entry" if change == "edit"
                 else "did not write (e.g. reports/mine.txt)")
        assert _tree(tmp_path) == before


def test_out_through_a_link_builds_into_its_folder_and_keeps_the_link(
    dist: Path, tmp_path: Path,
) -> None:
    target = tmp_path / "www" / "ccbkg"
    target.parent.mkdir()
    shutil.copytree(dist, target)
    (tmp_path / "site").mkdir()
    link = tmp_path / "site" / "dist"
    link.symlink_to(Path("..") / "www" / "ccbkg")
    old_inode = target.stat().st_ino
    result = run_cli("build", "--root", str(REPO), "--out", str(link), "--quiet")
    assert result.code == 0, result.err
    assert link.is_symlink() and link.readlink() == Path("../www/ccbkg")
    assert target.stat().st_ino != old_inode
    assert (link / MARKER).is_file() and (link / "site" / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "www"]
    assert [p.name for p in link.parent.iterdir()] == ["dist"]
    assert [p.name for p in target.parent.iterdir()] == ["ccbkg"]


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_the_build_has_the_permissions_mkdir_gives(tmp_path: Path, umask: int) -> None:
    out = tmp_path / "dist"
    result = run_cli("build", "--root", str(REPO), "--out", str(out), "--quiet", "--no-site",
                     umask=umask)
    assert result.code == 0, result.err
    modes = {p.relative_to(tmp_path).as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in [out, *out.rglob("*")]}
    assert len(modes) > 20
    expected = {name: (0o777 if (tmp_path / name).is_dir() else 0o666) & ~umask
                for name in modes}
    assert modes == expected


def test_unwritable_output_is_a_runtime_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run_cli("build", "--root", str(REPO), "--out", str(blocker / "dist"), "--quiet")
    assert result.code == 2
    assert_no_traceback(result)
    assert "cannot write" in result.err


def test_the_release_ships_the_w3c_shacl_earl_report(dist: Path) -> None:
    """dist/reports/ carries the fast SHACL engine's W3C suite results as the test run wrote
    them (tests/test_fastshacl.py keeps the packaged copy current)."""
    shipped = dist / "reports" / "fastshacl-w3c-earl.ttl"
    assert shipped.read_bytes() == (
        REPO / "src" / "ccbkg" / "checks" / "fastshacl" / "w3c-earl.ttl").read_bytes()
    assert b"earl:outcome earl:passed" in shipped.read_bytes()


def test_a_source_text_changed_after_the_checks_is_shipped_as_it_was_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The site read the source texts again after the provenance check: a text changed on
    disk in between was shipped, against its ccb:sha256, by a build that exited 0."""
    from ccbkg.checks import run as runner
    from tests.conftest import copy_sources

    root = copy_sources(tmp_path / "src")
    text = next((root / "instances" / "sources").glob("*.txt"))
    original = text.read_bytes()
    checked = runner.check_provenance

    def then_changed(loaded):  # type: ignore[no-untyped-def]
        result = checked(loaded)
        text.write_bytes(original + b"INJECTED\n")
        return result

    monkeypatch.setattr(runner, "check_provenance", then_changed)
    assert main(["build", "--root", str(root), "--out", str(tmp_path / "dist"), "--quiet"]) == 0
    assert text.read_bytes().endswith(b"INJECTED\n"), "the change was not made"
    shipped = tmp_path / "dist" / "site" / "sources" / text.name
    assert shipped.read_bytes() == original
    page = next((tmp_path / "dist" / "site" / "id" / "source").glob("*.html"))
    assert "INJECTED" not in page.read_text(encoding="utf-8")
