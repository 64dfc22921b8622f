"""Build the release artefacts into dist/ from the checked project, atomically and reproducibly."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO, cast

from rdflib import Graph

from ccbkg.checks.text_report import render_text
from ccbkg.core.file_types import SHIPPED_SYNTAXES, media_type
from ccbkg.core.findings import CheckReport
from ccbkg.core.memory import release_free_memory
from ccbkg.core.namespaces import DATASET_IRI, GRAPH
from ccbkg.core.processes import forked, processes_for
from ccbkg.core.terms import oxigraph_quads
from ccbkg.project.layout import Project, Role, shipped_root
from ccbkg.project.load import LoadedProject
from ccbkg.rdf.inferred import INFERRED_GRAPH, entailed
from ccbkg.rdf.jsonld import compacted_part, context, context_bytes, country_documents
from ccbkg.rdf.serialize import Part, distinct_count, merged, to_bytes, write_to
from ccbkg.rdf.skolem import released
from ccbkg.rdf.void import (
    VOID_GRAPH,
    Distribution,
    Release,
    Statistics,
    Subset,
    statistics,
    void_dcat,
)
from ccbkg.release.atomic import staged_directory
from ccbkg.site import write_site
from ccbkg.stores.htaccess import RULES_FILE, TARGET_HOST, read_text, with_target
from ccbkg.stores.publish import virtuoso_load_script

# How a file is added to the release: its bytes, or a function that writes them to a file.
Put = Callable[[str, bytes | Callable[[BinaryIO], object]], None]
INFERRED_STEM = "inferred/ccbkg-inferred"  # the graph of entailments, in each RDF format


@dataclass(frozen=True)
class BuildSummary:
    """What a build wrote, for the closing summary."""

    out: Path
    files: list[str]
    triples: int
    graphs: dict[str, int]
    release: Release


def build(
    loaded: LoadedProject, report: CheckReport, shacl_report: Graph | None, out: Path, *,
    site: bool = True, timings: dict[str, float] | None = None, endpoint: str | None = None,
    w3id_target: str | None = None,
) -> BuildSummary:
    """Write every artefact (and the site, unless told not to) into a staging folder, then
    swap it in place of out.

    timings, if given, gets the seconds each step took (each artefact under its file name);
    endpoint, if given, is the public SPARQL endpoint that void.ttl names; w3id_target, if
    given, the site the w3id rules (w3id/.htaccess) send requests to instead of TARGET_HOST.
    """
    lap = _Laps(timings if timings is not None else {})
    processes = processes_for(loaded.size())
    with staged_directory(out) as staging, _Files(staging, lap, processes) as files:
        summary = _artefacts(loaded, report, shacl_report, files, out, endpoint)
        # The rules for w3id.org, on the chosen host: not a distribution (as the site).
        text = _rules_text(loaded.project)
        (staging / RULES_FILE).parent.mkdir()
        (staging / RULES_FILE).write_text(with_target(text, w3id_target or TARGET_HOST),
                                          encoding="utf-8")
        # The documentation site links the files above; it is not a distribution, so it is in
        # neither SHA256SUMS nor void.ttl.
        pages = write_site(loaded, staging / "site", summary.release, files.written) \
            if site else []
        if site:
            lap("site/ (static documentation site)")
    summary.files.extend(f"site/{name}" for name in pages)
    return summary


def _rules_text(project: Project) -> str:
    """The tree's w3id rules, read as every authored file is (a link out of the tree, a FIFO
    or a folder is refused), else the rules shipped with ccbkg."""
    rules = project.root / RULES_FILE
    if not os.path.lexists(rules):
        return read_text(shipped_root() / RULES_FILE)
    return project.read_text(rules)


def _artefacts(loaded: LoadedProject, report: CheckReport, shacl_report: Graph | None,
               files: _Files, out: Path, endpoint: str | None) -> BuildSummary:
    """Make and put every release file; the summary names out as where they go."""
    put = files.put
    ontology = loaded.quads(Role.ONTOLOGY)
    release = Release.from_ontology(ontology)
    parts = {f.file.path: Part.of(f.file.graph_iri, released(f.file.graph_iri, list(f.quads())))
             for f in loaded.of(Role.ONTOLOGY, Role.VOCAB, Role.SHAPES, Role.DATA)}
    inferred = Part.of(INFERRED_GRAPH, entailed(loaded.quads(Role.ONTOLOGY, Role.VOCAB),
                                                loaded.triples(Role.DATA)))
    release_free_memory(loaded.size(), collect=False)  # what putting them in order took
    files.lap("canonical order (every graph)")
    shipped = context(ontology, (t for p in (*parts.values(), inferred) for t in p.triples()))
    for f in loaded.of(Role.ONTOLOGY):
        _formats(put, f"ontology/{f.file.path.stem}", parts[f.file.path],
                 authored=f.text.encode("utf-8"), context=shipped)
    for f in loaded.of(Role.VOCAB):
        _formats(put, f"vocab/{f.file.path.stem}", parts[f.file.path],
                 authored=f.text.encode("utf-8"), context=shipped)
    for f in loaded.of(Role.SHAPES):  # written from the skolemised graph, not as authored
        _formats(put, f"shapes/{_stem(f.file.path.name)}", parts[f.file.path],
                 authored=None, context=shipped)
    data = merged([parts[f.file.path] for f in loaded.of(Role.DATA)])
    release_free_memory(loaded.size(), collect=False)
    files.lap("canonical order (the data merged)")

    def data_files(put: Put) -> None:
        _formats(put, "data/ccbkg-data", data, authored=None, context=shipped)

    def country_files(put: Put) -> None:
        for key, framed, ntriples in country_documents(data, shipped):
            put(f"data/country/{key}.jsonld", framed)
            put(f"data/country/{key}.nt", ntriples)

    everything = [*parts.values(), inferred]

    def counted(_put: Put) -> Statistics:
        return statistics({p.graph: p.lines for p in everything})

    with files.beside(data_files, country_files, counted) as returned:
        _formats(put, INFERRED_STEM, inferred, authored=None, context=shipped)
        _validation(put, [parts[f.file.path] for f in loaded.of(Role.ONTOLOGY, Role.VOCAB)],
                    data)
        put("context.jsonld", context_bytes(shipped))
        put("reports/check.txt", render_text(report, color=False).encode("utf-8"))
        put("reports/check.json", (json.dumps(report.to_json(timings=False), indent=2,
                                              sort_keys=True) + "\n").encode("utf-8"))
        if shacl_report is not None:
            put("reports/shacl-report.ttl", to_bytes(
                released(f"{DATASET_IRI}/check-report", oxigraph_quads(shacl_report)), "ttl"))
        # The fast SHACL engine's W3C SHACL test suite results (EARL), as the test run wrote
        # them.
        put("reports/fastshacl-w3c-earl.ttl",
            resources.files("ccbkg.checks.fastshacl").joinpath("w3c-earl.ttl").read_bytes())
    graphs = {p.graph: len(p.lines) for p in everything}
    put("load-virtuoso.sql", virtuoso_load_script(
        sorted([*graphs, VOID_GRAPH]), {"ccbkg.nq": str(GRAPH["default"])}).encode("utf-8"))
    # void.ttl is also a named graph of ccbkg.nq and ccbkg.trig, so these two cannot state
    # their own size and checksum (SHA256SUMS has them).
    digests = files.digests()
    files.lap("hashing the files written so far")
    distributions = [Distribution(name, media_type(name), files.sizes[name],
                                  digests[name]) for name in sorted(files.written)]
    distributions += [Distribution(name, media_type(name), None, None)
                      for name in ("ccbkg.nq", "ccbkg.trig")]
    stems = {f.file.graph_iri: f"{folder}/{_stem(f.file.path.name)}"
             for folder, role in (("ontology", Role.ONTOLOGY), ("vocab", Role.VOCAB),
                                  ("shapes", Role.SHAPES)) for f in loaded.of(role)}
    stems[INFERRED_GRAPH] = INFERRED_STEM
    subsets = [Subset(p.graph, [f"{stems[p.graph]}.{s.file_extension}" for s in SHIPPED_SYNTAXES]
                      if p.graph in stems else []) for p in everything]
    subsets.append(Subset(VOID_GRAPH, ["void.ttl"]))
    description = void_dcat(release, subsets, cast(Statistics, returned[2]),
                            sorted(distributions, key=lambda d: d.path), endpoint=endpoint)
    described = Part.of(VOID_GRAPH, description)
    files.lap("the description (VoID + DCAT)")

    def trig_file(put: Put) -> None:
        put("ccbkg.trig", partial(write_to, [*everything, described], "trig"))

    with files.beside(trig_file):
        put("ccbkg.nq", partial(write_to, [*everything, described], "nq"))
        put("void.ttl", to_bytes(description, "ttl"))
    digests = files.digests()
    put("SHA256SUMS", "".join(f"{digests[name]}  {name}\n"
                              for name in sorted(files.written)).encode("ascii"))
    return BuildSummary(out, sorted(files.written), distinct_count(everything), graphs, release)


class _Files:
    """The release's files: each written and hashed by a thread while the next is made. Only
    their names and sizes are kept: the bytes of a file are let go once it is on disk (at
    1000x the release's files add up to gigabytes), and `written` reads them back on demand."""

    def __init__(self, out: Path, lap: _Laps, processes: int = 1) -> None:
        self.out = out
        self.lap = lap
        self.processes = processes  # 1: `beside` makes the groups' files itself
        self.sizes: dict[str, int] = {}
        self._hashes: dict[str, Future[str]] = {}
        self.written = _OnDisk(self.sizes, self._read)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="ccbkg-write")

    def __enter__(self) -> _Files:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=exc[0] is not None)
        if exc[0] is None:
            self.digests()  # a failed write raises here
            self.lap("writing the files")

    def put(self, name: str, data: bytes | Callable[[BinaryIO], object]) -> None:
        """Add a file (made since the previous one: timed under its name): its bytes (written
        and hashed by the thread), or a function that writes them to a file object, called
        here so that a large file is never held whole (hashed as it is written, not read back
        from the disk)."""
        path = self.out / name
        if isinstance(data, bytes):
            self.sizes[name] = len(data)
            self._hashes[name] = self._pool.submit(_store, path, data)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as out:
                hashing = _Hashing(out)
                data(cast(BinaryIO, hashing))
                self.sizes[name] = out.tell()
            self._hashes[name] = _known(hashing.sha256.hexdigest())
        self.lap(name)

    @contextlib.contextmanager
    def beside(self, *groups: Callable[[Put], object]) -> Iterator[list[object]]:
        """Make the groups of files, each in a process of its own (forked: they share the
        graph), while the block puts others; their files are added when the block ends, in the
        groups' order, as if put there (in one process, they are made there). The list given to
        the block holds what each group returned (picklable), once the block has ended."""
        self.digests()  # no file half-written by the thread while the processes are forked
        returned: list[object] = []
        with forked(partial(_group_files, groups, self.out),
                    len(groups) if self.processes > 1 else 1) as pool:
            wait = pool.start(range(len(groups)))
            yield returned
            made = wait()
            if pool.parallel:
                self.lap("waiting for the files made beside")
            else:  # the groups timed their own files, made just now
                self.lap.last = time.perf_counter()
        for sizes, digests, laps, value in made:
            returned.append(value)
            self.sizes.update(sizes)
            for name, digest in digests.items():
                self._hashes[name] = _known(digest)
            for name, seconds in laps.items():
                self.lap.into[name] = self.lap.into.get(name, 0.0) + seconds

    def _read(self, name: str) -> bytes:
        self._hashes[name].result()  # once it is written
        return (self.out / name).read_bytes()

    def digests(self) -> dict[str, str]:
        """The SHA-256 of every file put so far (once they are written)."""
        return {name: future.result() for name, future in self._hashes.items()}


def _group_files(groups: Sequence[Callable[[Put], object]], out: Path, index: int,
                 ) -> tuple[dict[str, int], dict[str, str], dict[str, float], object]:
    """Put a group of files into out: their sizes, their digests, the seconds each took, and
    what the group returned."""
    laps: dict[str, float] = {}
    with _Files(out, _Laps(laps)) as files:
        value = groups[index](files.put)
    return files.sizes, files.digests(), laps, value


class _OnDisk(Mapping[str, bytes]):
    """The files put so far, by name; a file's bytes are read back when asked for."""

    def __init__(self, sizes: dict[str, int], read: Callable[[str], bytes]) -> None:
        self._sizes = sizes
        self._read = read

    def __getitem__(self, name: str) -> bytes:
        if name not in self._sizes:
            raise KeyError(name)
        return self._read(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._sizes)

    def __len__(self) -> int:
        return len(self._sizes)


def _store(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _known(digest: str) -> Future[str]:
    """A digest computed already, where the thread's would be."""
    done: Future[str] = Future()
    done.set_result(digest)
    return done


class _Hashing:
    """A file object that hashes what is written through it."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.sha256 = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()


class _Laps:
    """Records the seconds since the previous lap under each lap's name."""

    def __init__(self, into: dict[str, float]) -> None:
        self.into = into
        self.last = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.into[name] = self.into.get(name, 0.0) + now - self.last
        self.last = now


def _formats(put: Put, stem: str,
             part: Part, *, authored: bytes | None, context: dict[str, Any]) -> None:
    """The authored Turtle as it is (comments and layout kept, as read when loaded), if any,
    and the other formats made; JSON-LD compacted with the shipped context."""
    for ext in (syntax.file_extension for syntax in SHIPPED_SYNTAXES):
        if ext == "ttl" and authored is not None:
            put(f"{stem}.{ext}", authored)
        elif ext == "jsonld":
            put(f"{stem}.{ext}", partial(compacted_part, part, context))
        else:
            put(f"{stem}.{ext}", partial(write_to, [part], ext))


def _validation(put: Put, terms: list[Part], data: Part) -> None:
    """What a stock SHACL validator needs beside shapes/ (docs/shapes.md): the ontology and the
    vocabularies as one graph to merge users' data with, and the release's data merged with
    them (the shapes follow rdfs:subClassOf and skos:inScheme in the data graph)."""
    put("validation/ontology-and-vocabularies.ttl", partial(write_to, terms, "ttl"))
    put("validation/ccbkg-data-with-ontology.ttl", partial(write_to, [*terms, data], "ttl"))


def _stem(name: str) -> str:
    return name.removesuffix(".ttl")
