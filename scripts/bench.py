"""Benchmark ccbkg at 1x, 100x and 1000x the real graph and check the performance targets.

For each size, in one run: the pipeline on clean synthetic data (load with the strict syntax
check, lint, reasoning, SHACL validation with the fast engine, provenance, every artefact of
the build), with the peak and resident memory after each stage, every bundled query (p50/p95 on
the embedded store: a query with an optional parameter for one value of it, such as one
country, held to the target, its listing of every value apart, with its row count, not held to
it, and a page of that listing, `--limit/--offset` in its middle, read from the page cache
as `ccbkg query run` reads it and held to the target, with the first page, which computes and
keeps the listing, apart),
publishing the build (`ccbkg publish`, into an empty store and again) to an Oxigraph server and
to Virtuoso, with each store's own offline loader as the reference (`oxigraph load`, Virtuoso's
bulk loader through the build's load-virtuoso.sql; unless --no-publish), and peak memory; the
documentation site on its own (wall and CPU time, its processes included, file and page count,
peak memory of the build process and of its rendering processes, load average; up to
--site-max); then,
on the defect-injected variant of the same size, the fast engine, pyshacl's validation (the
reference) and Jena's SHACL engine (Debian `libapache-jena-java`, when Java and the jars are
present), with the results compared (pyshacl is stopped at a time limit; `--pyshacl-by-shape`
then compares the results shape by shape; Jena agrees when the sets of results of the named
shapes are equal, and each result on which they differ is listed with the reason). Each size
runs in its own process so that peak memory is that size's.

    .venv/bin/python scripts/bench.py --sizes 1,100,1000 --json bench.json

Prints a table, writes JSON and lists the figures that miss their targets (exit status 1 when
any does, 0 otherwise).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import platform
import resource
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "scripts"))

import pyoxigraph as ox  # noqa: E402
from rdflib import Graph, URIRef  # noqa: E402
from rdflib.namespace import OWL, RDF, RDFS, SH  # noqa: E402
from rdflib.term import Node  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

JENA_JARS = (
    "jena-arq jena-base jena-core jena-shacl jena-iri jena-cmds jena-dboe-base jena-dboe-index "
    "jena-dboe-storage jena-dboe-trans-data jena-dboe-transaction jena-tdb jena-tdb2 "
    "jena-rdfconnection jena-shex commons-cli commons-codec commons-compress commons-csv "
    "commons-io commons-lang3 guava gson jackson-core jackson-databind jackson-annotations "
    "jsonld-java titanium-json-ld jakarta.json-api httpclient httpcore dexx.collection "
    "protobuf thrift slf4j-api slf4j-nop"
).split()
Key = tuple[str | None, ...]
BENCH_COUNTRY = "https://w3id.org/ccbkg/id/country/ALB"  # the per-country form of the queries
# The value each optional parameter is timed with: the interactive form of its query (the
# listing of every value is timed apart). Copy 0 of the synthetic data is the real data.
BENCH_VALUES = {
    "country": BENCH_COUNTRY,
    "agent": BENCH_COUNTRY,
    "participant": BENCH_COUNTRY,
    "holder": "https://w3id.org/ccbkg/id/country/JPN",
    "funder": "https://w3id.org/ccbkg/id/country/CAN",
    "original": "https://w3id.org/ccbkg/id/csirt/alcirt",
    "value": "https://w3id.org/ccbkg/id/organisation/akcesk",
    "kind": "https://w3id.org/ccbkg/ontology#Alliance",
}
# A form whose answer has more rows than this is a listing by nature at 10,000x (find-by-label
# of a name every synthetic copy shares, memberships with no parameter): it is paged, and held
# to the page target rather than to the interactive one.
INTERACTIVE_ROWS = 1000


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark for each size in a child process and report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,100,1000", help="comma-separated scales")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ccbkg-bench",
                        help="folder for the synthetic trees and builds (kept for reuse)")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--defects", type=int, default=3, help="defects of each kind (default 3)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-pyshacl", action="store_true", help="skip the pyshacl reference")
    parser.add_argument("--no-jena", action="store_true", help="skip Jena's SHACL engine")
    parser.add_argument("--no-publish", action="store_true",
                        help="skip publishing to Oxigraph and Virtuoso")
    parser.add_argument("--page", type=int, default=100, metavar="N",
                        help="rows per page when the pages of a listing are timed (default 100)")
    parser.add_argument("--pyshacl-limit", type=float, default=900.0, metavar="S",
                        help="stop pyshacl after this many seconds (default 900); the speed-up "
                             "is then reported as at least the limit over the fast engine's "
                             "time, and the results are compared at the sizes it finished")
    parser.add_argument("--pyshacl-by-shape", type=int, default=0, metavar="N",
                        help="when pyshacl is stopped, compare the results anyway: run pyshacl "
                             "once per targeted shape (the other shapes' targets taken out), in "
                             "N processes, without a limit (about an hour at 1000x)")
    parser.add_argument("--site-max", type=int, default=10 ** 9, metavar="N",
                        help="measure the documentation site (on its own, in its own process) "
                             "only up to this scale (default: at every size; 0 skips it)")
    parser.add_argument("--build-max", type=int, default=10 ** 9, metavar="N",
                        help="write the release (ccbkg build's artefacts) only up to this scale; "
                             "above it the checks are measured without the build")
    parser.add_argument("--query-timeout", type=float, default=120.0, metavar="S",
                        help="give up on a bundled query after this many seconds (default 120)")
    parser.add_argument("--child", choices=("pipeline", "queries", "shacl", "site"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--skip", default="", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.child == "queries":
        _query_child(args)
        return 0
    if args.child:
        figures = {"pipeline": _pipeline, "shacl": _shacl, "site": _site}[args.child](args)
        figures["peak_rss_mib"] = _peak_mib()
        print(json.dumps(figures))
        return 0
    results: dict[str, Any] = {"machine": _machine(), "command": " ".join(
        [".venv/bin/python", "scripts/bench.py", *(argv if argv is not None else sys.argv[1:])]),
        "sizes": {}}
    for size in (int(s) for s in args.sizes.split(",")):
        entry: dict[str, Any] = {}
        entry["pipeline"] = _run_child(args, "pipeline", size)
        entry["pipeline"]["queries"] = _guarded_queries(args, size)
        entry["site"] = _run_child(args, "site", size) if size <= args.site_max else \
            {"skipped": f"above --site-max {args.site_max}"}
        entry["shacl"] = _run_child(args, "shacl", size)
        results["sizes"][str(size)] = entry
    results["targets"] = _targets(results["sizes"])
    _print(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return 1 if any(t["met"] is False for t in results["targets"]) else 0


def _run_child(args: argparse.Namespace, child: str, size: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", child, "--size", str(size),
               "--work", str(args.work), "--defects", str(args.defects), "--seed", str(args.seed)]
    command += ["--no-pyshacl"] if args.no_pyshacl else []
    command += ["--no-jena"] if args.no_jena else []
    command += ["--no-publish"] if args.no_publish else []
    command += ["--build-max", str(args.build_max),
                "--pyshacl-limit", str(args.pyshacl_limit),
                "--pyshacl-by-shape", str(args.pyshacl_by_shape)]
    print(f"{size}x {child} ...", file=sys.stderr, flush=True)
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        return {"error": f"the {child} run failed (exit {done.returncode}); see its output above"}
    last = done.stdout.strip().splitlines()[-1]
    return dict(json.loads(last))


# ------------------------------------------------------------------------------ the trees

def _tree(args: argparse.Namespace, size: int, defects: int) -> Path:
    """The synthetic tree for a size (the real tree at 1x without defects), made once."""
    if size == 1 and not defects:
        return REPO
    from synthesize import synthesize

    out = Path(args.work) / (f"defects-{size}" if defects else f"clean-{size}")
    made, stamp = out / "synthetic.json", out / "made-from.sha256"
    digest = _source_digest()
    if made.exists() and stamp.exists() and stamp.read_text() == digest:
        info: dict[str, Any] = json.loads(made.read_text())
        if info["scale"] == size and info["seed"] == args.seed and \
                sum(info["defect_counts"].values()) == defects * len(info["defect_counts"]):
            return out
    synthesize(REPO, out, size, seed=int(args.seed), defects=defects)
    stamp.write_text(digest)
    return out


def _source_digest() -> str:
    """SHA-256 over what a synthetic tree is made from: the authored files and the generator."""
    h = hashlib.sha256()
    authored = sorted(p for d in ("ontology", "shapes", "instances")
                      for p in (REPO / d).rglob("*") if p.is_file())
    files = [REPO / "scripts" / "synthesize.py", REPO / "tests" / "mutation.py", *authored]
    for path in files:
        h.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


# ------------------------------------------------------------------------------ pipeline

def _pipeline(args: argparse.Namespace) -> dict[str, Any]:
    from ccbkg.checks.lint import lint
    from ccbkg.checks.provenance import check_provenance
    from ccbkg.checks.reason import choose_java, reason
    from ccbkg.checks.shapes import validate
    from ccbkg.cli import gcpolicy
    from ccbkg.core.findings import CheckReport
    from ccbkg.project.layout import Project, Role
    from ccbkg.project.load import load
    from ccbkg.release.build import build

    gcpolicy.for_large_graphs()  # as the ccbkg command does
    root = _tree(args, args.size, 0)
    figures: dict[str, Any] = {"root": str(root)}
    stages: dict[str, float] = {}
    report = CheckReport()
    started = time.perf_counter()
    with _timed(stages, "load and syntax"):
        loaded = load(Project.discover(root))
    report.stages.append(loaded.result)
    figures["triples"] = loaded.size()
    figures["data_triples"] = loaded.size(Role.DATA)
    with _timed(stages, "lint"):
        report.stages.append(lint(loaded))
    if choose_java().java is not None:
        with _timed(stages, "reason"):
            report.stages.append(reason(loaded))
        figures["reason_notes"] = report.stages[-1].notes
    with _timed(stages, "shapes (fast engine)"):
        result, shacl_report = validate(loaded, engine="fast")
    report.stages.append(result)
    with _timed(stages, "provenance"):
        report.stages.append(check_provenance(loaded))
    figures["errors"] = {s.stage: len(s.errors) for s in report.stages}
    artefacts: dict[str, float] = {}
    figures["site"] = "measured on its own (the site step)"
    dist = args.work / f"dist-{args.size}"
    figures["stages_s"] = stages
    figures["memory_by_stage"] = MEMORY
    if args.size > args.build_max:
        figures["checks_wall_s"] = time.perf_counter() - started
        figures["build"] = figures["publish"] = f"left out above {args.build_max}x"
        return figures
    with _timed(stages, "build (all artefacts)"):
        build(loaded, report, shacl_report, dist, site=False, timings=artefacts)
    figures["wall_s"] = time.perf_counter() - started
    figures["artefacts_s"] = artefacts
    figures["peak_build_rss_mib"] = _peak_mib()
    # The build writes some files in forked processes: the largest process this child ended
    # (those, or HermiT's JVM when it was larger; pages shared with this process counted).
    figures["peak_forked_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures["publish"] = _publish(dist) if not args.no_publish else "not run (--no-publish)"
    return figures


def _site(args: argparse.Namespace) -> dict[str, Any]:
    """The documentation site of the clean tree, as `ccbkg build` writes it, on its own: wall
    and CPU time (of this process and of the processes it renders in), files and pages
    written, peak memory of this process and of the rendering processes, load average."""
    from ccbkg.cli import gcpolicy
    from ccbkg.project.layout import Project, Role
    from ccbkg.project.load import load
    from ccbkg.rdf.void import Release
    from ccbkg.site import write_site

    gcpolicy.for_large_graphs()
    loaded = load(Project.discover(_tree(args, args.size, 0)))
    out = args.work / f"site-{args.size}"
    if out.exists():
        shutil.rmtree(out)
    before = os.getloadavg()
    started, cpu = time.perf_counter(), _cpu_here_s()
    written = write_site(loaded, out, Release.from_ontology(loaded.quads(Role.ONTOLOGY)))
    figures = {"wall_s": time.perf_counter() - started, "cpu_s": _cpu_here_s() - cpu,
               "files": len(written), "pages": sum(1 for w in written if w.endswith(".html")),
               "peak_mib": _peak_mib(),
               "peak_rendering_process_mib":
                   resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
               "load_average": [round(v, 1) for v in (*before, *os.getloadavg())]}
    shutil.rmtree(out)
    return figures


def _cpu_here_s() -> float:
    """CPU seconds of this process and of its children that have ended."""
    own, children = (resource.getrusage(r) for r in (resource.RUSAGE_SELF,
                                                     resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


MEMORY: dict[str, dict[str, float]] = {}  # per stage: its own peak and what stays resident, MiB
_EARLIER_PEAKS: list[float] = [0.0]  # the peaks before each reset of the high-water mark


@contextmanager
def _timed(into: dict[str, float], name: str) -> Iterator[None]:
    """Time a stage and note its own peak memory (the kernel's high-water mark of the process,
    reset as the stage starts, so the peak includes what was resident then) and what stays
    resident after it."""
    _EARLIER_PEAKS.append(_status_mib("VmHWM"))
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM (and ru_maxrss) to VmRSS
    started = time.perf_counter()
    yield
    into[name] = time.perf_counter() - started
    MEMORY[name] = {"peak_mib": _status_mib("VmHWM"), "resident_mib": _status_mib("VmRSS")}
    print(f"  {name}: {into[name]:.2f} s, peak {MEMORY[name]['peak_mib']:.0f} MiB",
          file=sys.stderr, flush=True)


def _peak_mib() -> float:
    """The process's peak memory so far, across the resets of `_timed`."""
    return max(*_EARLIER_PEAKS, _status_mib("VmHWM"))


def _status_mib(key: str) -> float:
    """A figure of /proc/self/status in MiB (VmHWM: peak since the last reset, VmRSS: now)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(key)


def _guarded_queries(args: argparse.Namespace, size: int) -> dict[str, Any]:
    """Every bundled query in a child process; a query that runs past --query-timeout is
    given up (pyoxigraph cannot cancel a query, so the child is stopped and restarted)."""
    done: dict[str, Any] = {}
    while True:
        command = [sys.executable, __file__, "--child", "queries", "--size", str(size),
                   "--work", str(args.work), "--seed", str(args.seed), "--page", str(args.page),
                   "--skip", ",".join(done)]
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        current: dict[str, Any] | None = None
        finished = False
        loading = True  # the child loads the store first: not a query, not held to the limit
        while True:
            wait = max(args.query_timeout, 900.0) if loading else args.query_timeout
            ready, _, _ = select.select([child.stdout], [], [], wait)
            loading = False
            if not ready:
                child.kill()
                child.wait()
                if current is None:
                    return {"error": {"error": "the query store did not load in time"}}
                name = current.pop("start")
                done[name] = {**current, "timeout_s": args.query_timeout}
                print(f"  query {name}: gave up after {args.query_timeout:.0f} s",
                      file=sys.stderr, flush=True)
                break
            line = child.stdout.readline()
            if not line:
                child.wait()
                finished = True
                break
            message = json.loads(line)
            if "start" in message:
                current = message
            elif "store_s" in message:
                done["(load the store)"] = {"seconds": message["store_s"]}
            else:
                done[message.pop("name")] = message
                current = None
        if finished:
            return done


class Form(NamedTuple):
    """A timed form of a bundled query: its name, the parameter values, the form it is a page
    of, and whether the values go in the text as a VALUES block, as an endpoint gets them."""
    name: str
    values: dict[str, str]
    of: str | None = None
    endpoint: bool = False


def _query_forms(info: Any) -> list[Form]:
    """How a query is timed: the form held to the target (one value of its optional parameter,
    else one country where it takes a country, else its defaults) and, where it binds a value,
    the same form as an endpoint gets it (held to the same target, in a row of its own); where the
    parameter is optional, the listing of every value, which grows with the graph (its name
    says so: "(all countries)", "(every agent)"); then a page of the listing, or of the held
    form where there is no listing (as-of and quotes list every fact or quote)."""
    optional = next((p for p in info.params if p.optional), None)
    if optional is not None:
        every = "all countries" if optional.name == "country" else f"every {optional.name}"
        listing = f"{info.name} ({every})"
        values = {optional.name: BENCH_VALUES[optional.name]}
        return [Form(info.name, values), Form(f"{info.name} (through an endpoint)", values,
                                              endpoint=True),
                Form(listing, {}), Form(f"{info.name} ({every}: a page)", {}, listing)]
    values = {"country": BENCH_COUNTRY} if any(p.name == "country" for p in info.params) \
        else {}
    endpoint = [Form(f"{info.name} (through an endpoint)", values, endpoint=True)] \
        if values else []
    return [Form(info.name, values), *endpoint, Form(f"{info.name} (a page)", values, info.name)]


def _query_child(args: argparse.Namespace) -> None:
    """Run the bundled queries, printing one JSON line per form (see _guarded_queries).

    The store holds what `ccbkg query run`'s embedded store holds (each file in its named
    graph), bulk-loaded by pyoxigraph so that 10,000x fits in memory (the strict load is the
    pipeline's to time). A page is read from a fresh page cache as `ccbkg query run --limit
    --offset` reads it: the first run computes and keeps the listing (its time is reported as
    first_ms), the others read the page from the cache (p50/p95). A form through an endpoint
    runs the text an endpoint gets (the values as a VALUES block) in the same engine, the one
    the Oxigraph server of `ccbkg serve` runs."""
    from ccbkg.core.file_types import rdf_syntax
    from ccbkg.project.layout import Project, Role
    from ccbkg.query.catalogue import bind, catalogue
    from ccbkg.query.pages import PageCache, files_digest
    from ccbkg.query.parameters import with_values
    from ccbkg.query.run import run_embedded

    root = _tree(args, args.size, 0)
    skip = set(filter(None, args.skip.split(",")))
    started = time.perf_counter()
    project = Project.discover(root)
    store = ox.Store()
    for file in project.of(Role.ONTOLOGY, Role.VOCAB, Role.SHAPES, Role.DATA):
        store.bulk_load(path=file.path, format=rdf_syntax(file.path.suffix),
                        to_graph=ox.NamedNode(file.graph_iri))
    digest = files_digest(project)
    if "(load the store)" not in skip:
        print(json.dumps({"store_s": time.perf_counter() - started}), flush=True)
    runs = 11 if args.size >= 1000 else 21
    listed: dict[str, int] = {}  # rows of each listing, for the offset of its page
    with tempfile.TemporaryDirectory(dir=args.work) as folder:
        cache = PageCache(Path(folder))
        for info in catalogue(REPO):  # the queries of this checkout, not the tree's copies
            for name, values, of, endpoint in _query_forms(info):
                listing = name != info.name and not endpoint
                if name in skip:
                    continue
                form = ", ".join(f"{k}={v}" for k, v in values.items()) or "defaults"
                if endpoint:
                    form += " (a VALUES block)"
                page = of is not None
                limit, offset = None, 0
                if of is not None:  # the middle page, as `--limit/--offset` cuts it
                    limit, offset = args.page, listed.get(of, 0) // 2
                    form = f"--limit {args.page} --offset {offset}"
                print(json.dumps({"start": name, "form": form, "listing": listing,
                                  "page": page, "endpoint": endpoint}), flush=True)
                bindings = bind(info, values)
                key = cache.key(digest, info.text, bindings)
                sent = with_values(info.text, bindings) if endpoint else ""  # what it gets
                times: list[float] = []
                rows, extra = 0, 1 if page else 0  # a page's first run computes the listing
                while len(times) - extra < _runs(times, extra, runs, endpoint):
                    t = time.perf_counter()
                    kept = cache.read(key, offset, limit) if page else None
                    if endpoint:  # in the engine of the Oxigraph server
                        answer = store.query(sent, use_default_graph_as_union=True)
                        assert isinstance(answer, ox.QuerySolutions)  # every bound form selects
                        rows = len(list(answer))
                    else:
                        result = kept.results if kept else run_embedded(
                            store, info.text, bindings, limit=limit, offset=offset,
                            keep=(cache, key) if page else None)
                        rows = len(result.rows)
                    times.append((time.perf_counter() - t) * 1000)
                listed[name] = rows
                first = times.pop(0) if page else None
                times.sort()
                print(json.dumps({"name": name, "form": form, "listing": listing, "page": page,
                                  "endpoint": endpoint,
                                  "p50_ms": statistics.median(times),
                                  "p95_ms": times[min(len(times) - 1,
                                                      round(0.95 * len(times)) - 1)],
                                  "rows": rows, "runs": len(times), "first_ms": first}),
                      flush=True)
                print(f"  query {name}: p50 {statistics.median(times):.0f} ms", file=sys.stderr,
                      flush=True)


def _runs(times: list[float], extra: int, runs: int, endpoint: bool) -> int:
    """How many timed runs a form gets: `runs`, or 3 when its first took 2 s or more; a form
    through an endpoint 3, or 1 when its first took 2 s or more (it can take minutes)."""
    if len(times) <= extra:
        return 3 if endpoint else runs
    slow = times[extra] >= 2000
    return (1 if slow else 3) if endpoint else (3 if slow else runs)


def _publish(dist: Path) -> dict[str, Any]:
    """`ccbkg publish` against each store's own offline loader, into an empty store and again
    into the store holding the release: Oxigraph (`oxigraph load`) and Virtuoso (the build's
    load-virtuoso.sql through isql-vt, its bulk loader)."""
    return {**_publish_oxigraph(dist), **_publish_virtuoso(dist)}


def _publish_oxigraph(dist: Path) -> dict[str, Any]:
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(oxigraph).exists():
        return {"oxigraph": "not run: no oxigraph command"}
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="ccbkg-bench-ox-") as tmp:
        t = time.perf_counter()
        loaded = subprocess.run([oxigraph, "load", "--location", f"{tmp}/offline", "--file",
                                 str(dist / "ccbkg.nq")], capture_output=True, check=False)
        figures["oxigraph_load_s"] = time.perf_counter() - t if loaded.returncode == 0 else None
        port = _free_port()
        server = subprocess.Popen([oxigraph, "serve", "--location", f"{tmp}/served", "--bind",
                                   f"127.0.0.1:{port}", "--union-default-graph"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for(port)
            loaded_s = figures["oxigraph_load_s"]
            figures.update(_publish_twice(dist, "oxigraph", f"http://127.0.0.1:{port}", {},
                                          (loaded_s, loaded_s), server.pid))
        finally:
            server.terminate()
            server.wait(timeout=30)
    return figures


def _publish_virtuoso(dist: Path) -> dict[str, Any]:
    """Two private Virtuoso servers (as the tests start them): the bulk loader into one, empty
    then again; `ccbkg publish` into the other, empty then again."""
    sys.path.insert(0, str(REPO))
    # The tests' way of starting a private Virtuoso (it needs the test extras, so it is
    # imported when a run gets here).
    stores = importlib.import_module("tests.stores")
    VirtuosoServer, virtuoso_missing = stores.VirtuosoServer, stores.virtuoso_missing
    why = virtuoso_missing()
    if why is not None:
        return {"virtuoso": f"not run: {why}"}
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="ccbkg-bench-virt-") as tmp:
        bulk = VirtuosoServer(Path(tmp) / "bulk")
        release = bulk.folder / "dist"  # within the server's DirsAllowed
        release.mkdir(parents=True)
        for name in ("ccbkg.nq", "load-virtuoso.sql"):
            shutil.copyfile(dist / name, release / name)
        try:
            bulk.start()
            for key in ("virtuoso_bulk_load_s", "virtuoso_bulk_reload_s"):
                t, cpu = time.perf_counter(), _cpu_s(bulk.process.pid)
                done = subprocess.run(
                    ["isql-vt", f"127.0.0.1:{bulk.sql_port}", "dba", bulk.password,
                     str(release / "load-virtuoso.sql"), "-u", f"CCBKG_DIST='{release}'"],
                    capture_output=True, text=True, check=False)
                failed = done.returncode != 0 or "Error" in done.stdout + done.stderr
                figures[key] = None if failed else time.perf_counter() - t
                figures[key.replace("_s", "_server_cpu_s")] = _cpu_s(bulk.process.pid) - cpu
        finally:
            bulk.stop()
        served = VirtuosoServer(Path(tmp) / "served")
        try:
            served.start()
            env = {"CCBKG_STORE_USER": "dba", "CCBKG_STORE_PASSWORD": served.password}
            figures.update(_publish_twice(dist, "virtuoso", served.base, env, (
                figures["virtuoso_bulk_load_s"], figures["virtuoso_bulk_reload_s"]),
                served.process.pid))
        finally:
            served.stop()
    return figures


def _publish_twice(dist: Path, store: str, base: str, env: dict[str, str],
                   loader_s: tuple[float | None, float | None], server: int) -> dict[str, Any]:
    """`ccbkg publish` into the empty store, then again (the store holding the release), each
    over the loader's time for the same (into an empty store; again, where measured), with the
    CPU time of ccbkg and of the store's server process (the machine may be shared)."""
    figures: dict[str, Any] = {}
    ccbkg = str(Path(sys.executable).parent / "ccbkg")
    for key in (f"{store}_publish_s", f"{store}_republish_s"):
        t, cpu = time.perf_counter(), _cpu_s(server)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run([ccbkg, "publish", "--dist", str(dist), "--endpoint", base,
                               "--store", store, "--timeout", "600", "-q"],
                              capture_output=True, text=True, check=False,
                              env={**os.environ, **env})
        figures[key] = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        figures[key.replace("_s", "_ccbkg_cpu_s")] = (after.ru_utime + after.ru_stime
                                                      - before.ru_utime - before.ru_stime)
        figures[key.replace("_s", "_server_cpu_s")] = _cpu_s(server) - cpu
        if done.returncode != 0:
            figures[f"{store}_error"] = (done.stderr.strip().splitlines() or ["failed"])[-1]
            return figures
    for key, reference in zip(("publish", "republish"), loader_s, strict=True):
        if reference:
            figures[f"{store}_{key}_over_loader"] = figures[f"{store}_{key}_s"] / reference
    return figures


def _cpu_s(pid: int) -> float:
    """CPU seconds (user and system) a running process has used so far (Linux; else 0)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int) -> None:
    for _ in range(200):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("the Oxigraph server did not start")


# ------------------------------------------------------------------------------ SHACL

def _shacl(args: argparse.Namespace) -> dict[str, Any]:
    from pyshacl import validate as pyshacl_validate

    from ccbkg.checks import fastshacl
    from ccbkg.checks.shapes import VALIDATED
    from ccbkg.project.layout import Project, Role
    from ccbkg.project.load import load

    root = _tree(args, args.size, args.defects)
    loaded = load(Project.discover(root))
    shapes = loaded.graph(Role.SHAPES)
    figures: dict[str, Any] = {"root": str(root),
                               "triples": loaded.size(*VALIDATED)}
    t = time.perf_counter()
    fast = fastshacl.validate((q for f in loaded.of(*VALIDATED) for q in f.quads()), shapes)
    figures["fast_s"] = time.perf_counter() - t
    fast_keys = _keys(fast.report)
    figures["fast_results"] = sum(fast_keys.values())
    figures["fast_queries"] = fast.queries
    if not args.no_pyshacl:
        t = time.perf_counter()
        data = loaded.graph(*VALIDATED)
        figures["pyshacl_graph_s"] = time.perf_counter() - t
        reference: Counter[Key] | None = None
        t = time.perf_counter()
        try:
            with _time_limit(args.pyshacl_limit):
                _, report, _ = pyshacl_validate(
                    data, shacl_graph=shapes, inference="none", advanced=True,
                    allow_warnings=True, abort_on_first=False, meta_shacl=False,
                    do_owl_imports=False)
        except _Stopped:
            figures["pyshacl_stopped_s"] = time.perf_counter() - t
            if args.pyshacl_by_shape:
                t = time.perf_counter()
                reference = _pyshacl_by_shape(data, shapes, args.pyshacl_by_shape)
                figures["pyshacl_by_shape_s"] = time.perf_counter() - t
        else:
            figures["pyshacl_s"] = time.perf_counter() - t
            assert isinstance(report, Graph)
            reference = _keys(report)
        if reference is not None:
            figures["pyshacl_results"] = sum(reference.values())
            figures["identical_to_pyshacl"] = reference == fast_keys
            figures["differences"] = [list(k) for k in
                                      list((reference - fast_keys).elements())[:5]
                                      + list((fast_keys - reference).elements())[:5]]
    if not args.no_jena:
        figures.update(_jena(loaded, shapes, args.work, fast_keys))
    return figures


_BY_SHAPE: tuple[Graph, Graph] | None = None  # (data, shapes), inherited by forked workers
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


def _pyshacl_by_shape(data: Graph, shapes: Graph, jobs: int) -> Counter[Key]:
    """pyshacl's results, one targeted shape at a time in `jobs` forked processes that share
    the loaded graph. Each run gets the whole shapes graph with the targets of every other
    shape taken out, so pyshacl's own default path validates that shape alone; pyshacl
    validates each shape on its own and lists the results one after another, so the union
    is its report. (pyshacl's use_shapes option takes another path that misses results.)"""
    import multiprocessing

    if any((s, RDF.type, c) in shapes for c in (RDFS.Class, OWL.Class)
           for t in (SH.NodeShape, SH.PropertyShape) for s in shapes.subjects(RDF.type, t)):
        raise SystemExit("bench: a shape is also a class (an implicit target), which "
                         "--pyshacl-by-shape does not split")
    targeted = sorted({s for p in _TARGETS for s in shapes.subjects(p, None)}, key=str)
    global _BY_SHAPE
    _BY_SHAPE = (data, shapes)
    found: Counter[Key] = Counter()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for n, keys in enumerate(pool.imap_unordered(_one_shape, targeted), 1):
            found.update(keys)
            print(f"  pyshacl by shape: {n}/{len(targeted)}", file=sys.stderr, flush=True)
    return found


def _one_shape(shape: Node) -> Counter[Key]:
    """pyshacl's results of one shape: the shapes graph without the other shapes' targets."""
    from pyshacl import validate as pyshacl_validate

    assert _BY_SHAPE is not None
    data, shapes = _BY_SHAPE
    alone = Graph()
    for triple in shapes:
        if triple[1] not in _TARGETS or triple[0] == shape:
            alone.add(triple)
    _, report, _ = pyshacl_validate(
        data, shacl_graph=alone, inference="none", advanced=True, allow_warnings=True,
        abort_on_first=False, meta_shacl=False, do_owl_imports=False, inplace=True)
    assert isinstance(report, Graph)
    return _keys(report)


class _Stopped(Exception):
    """The time limit of a reference engine ran out."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise _Stopped in this (main) thread once the seconds have passed."""
    def stop(_signum: int, _frame: object) -> None:
        raise _Stopped

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _keys(report: Graph, *, messages: bool = True) -> Counter[Key]:
    """Each result as (focus, path, value, source shape, component, severity, messages)."""
    def key(r: Any) -> Key:
        def one(p: URIRef) -> str | None:
            v = report.value(r, p)
            return v.n3() if v is not None else None
        texts = tuple(sorted(str(m) for m in report.objects(r, SH.resultMessage)))
        return (one(SH.focusNode), one(SH.resultPath), one(SH.value), one(SH.sourceShape),
                one(SH.sourceConstraintComponent), one(SH.resultSeverity),
                *(texts if messages else ()))
    return Counter(key(r) for r in report.subjects(RDF.type, SH.ValidationResult))


def _jena(loaded: Any, shapes: Graph, work: Path, fast: Counter[Key]) -> dict[str, Any]:
    """Jena's `shacl validate` on the same data and shapes, timed as a whole process."""
    from ccbkg.checks.shapes import VALIDATED
    from ccbkg.project.layout import Role

    java = shutil.which("java")
    jars = [Path("/usr/share/java") / f"{j}.jar" for j in JENA_JARS]
    if java is None or not all(j.exists() for j in jars):
        return {"jena": "not run: no java or no Debian libapache-jena-java"}
    resources = work / "jena-resources"
    _xerces_messages(resources)
    data = work / "jena-data.nt"
    data.write_bytes(ox.serialize([ox.Triple(q.subject, q.predicate, q.object)
                                   for f in loaded.of(*VALIDATED) for q in f.quads()],
                                  format=ox.RdfFormat.N_TRIPLES) or b"")
    shapes_file = work / "jena-shapes.nt"
    shapes_file.write_bytes(ox.serialize([ox.Triple(q.subject, q.predicate, q.object)
                                          for q in loaded.quads(Role.SHAPES)],
                                         format=ox.RdfFormat.N_TRIPLES) or b"")
    classpath = ":".join([*map(str, jars), str(resources)])
    t = time.perf_counter()
    done = subprocess.run([java, "-Xmx3g", "-cp", classpath, "shacl.shacl", "validate",
                           "--shapes", str(shapes_file), "--data", str(data)],
                          capture_output=True, check=False)
    seconds = time.perf_counter() - t
    if done.returncode != 0:
        return {"jena_s": seconds, "jena_error": done.stderr.decode()[-300:]}
    report = Graph()
    report.parse(data=done.stdout.decode("utf-8"), format="turtle")
    jena = _keys(report, messages=False)
    ours: Counter[Key] = Counter()
    for k, n in fast.items():
        ours[k[:6]] += n
    return {"jena_s": seconds, "jena_results": sum(jena.values()), **_compare_jena(ours, jena)}


FIELDS = ("focus node", "path", "value", "source shape", "component", "severity")
# Where Jena is known to report more than pyshacl and the fast engine (docs/performance.md).
JENA_ALSO = {
    "<http://www.w3.org/ns/shacl#DatatypeConstraintComponent>":
        "Jena also reports an ill-typed literal (a lexical form its datatype does not allow) "
        "under sh:datatype; pyshacl and the fast engine do not (ccbkg's loader refuses such "
        "literals before SHACL runs)",
    "<http://www.w3.org/ns/shacl#LessThanConstraintComponent>":
        "Jena also reports values that cannot be compared (such as a boolean and an integer) "
        "under sh:lessThan; pyshacl and the fast engine do not",
}


def _compare_jena(ours: Counter[Key], jena: Counter[Key], shown: int = 50) -> dict[str, Any]:
    """The fast engine's and Jena's results of the named shapes compared as sets (blank nodes
    as `_:`, their labels differ between reports): they agree when the sets are equal. Each
    result one side lacks is listed with the reason: the fields in which Jena's nearest result
    (same focus node, source shape and component) differs, or that the other has no result of
    that shape on that node; a result both report a different number of times is listed too,
    without breaking the agreement."""
    def named(keys: Counter[Key]) -> Counter[Key]:
        out: Counter[Key] = Counter()
        for k, n in keys.items():
            if k[3] and not k[3].startswith("_:"):
                out[tuple("_:" if v and v.startswith("_:") else v for v in k)] += n
        return out

    fast_named, jena_named = named(ours), named(jena)
    only = {"fast": set(fast_named) - set(jena_named), "jena": set(jena_named) - set(fast_named)}
    differences: list[dict[str, Any]] = []
    for side, other in (("fast", "jena"), ("jena", "fast")):
        for key in sorted(only[side], key=lambda k: tuple(v or "" for v in k)):
            near = [o for o in only[other] if (o[0], o[3], o[4]) == (key[0], key[3], key[4])]
            if near:
                o = near[0]
                reason = "; ".join(f"{FIELDS[i]} {key[i]} here, {o[i]} in {other}'s result"
                                   for i in range(len(FIELDS)) if key[i] != o[i])
            else:
                reason = f"{other} reports no result of this shape and component on this node"
                if side == "jena" and key[4] in JENA_ALSO:
                    reason += f": {JENA_ALSO[key[4]]}"
            differences.append({"only_in": side, "result": dict(zip(FIELDS, key, strict=True)),
                                "reason": reason})
    for key in sorted(set(fast_named) & set(jena_named), key=lambda k: tuple(v or "" for v in k)):
        if fast_named[key] != jena_named[key]:
            differences.append({"only_in": None, "result": dict(zip(FIELDS, key, strict=True)),
                                "reason": f"reported {fast_named[key]} times by the fast engine, "
                                          f"{jena_named[key]} by Jena"})
    return {"jena_agrees_on_named_shapes": not only["fast"] and not only["jena"],
            "jena_differences_count": len(differences), "jena_differences": differences[:shown]}


def _xerces_messages(into: Path) -> None:
    """Debian's Jena misses the xerces message files under the package it looks them up in."""
    target = into / "xerces" / "impl"
    if (target / "msg" / "XMLSchemaMessages.properties").exists():
        return
    import zipfile
    with zipfile.ZipFile("/usr/share/java/jena-core.jar") as jar:
        prefix = "org/apache/jena/ext/xerces/impl/"
        for name in jar.namelist():
            if name.startswith(prefix) and name.endswith(".properties"):
                path = target / name[len(prefix):]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(jar.read(name))


# ------------------------------------------------------------------------------ reporting

def _machine() -> dict[str, Any]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    return {"cpu": model, "nproc": os.cpu_count(), "memory_gib": round(memory, 1),
            "python": platform.python_version(), "system": platform.platform()}


def _targets(sizes: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(name: str, value: float | None, limit: float, *, at_most: bool = True) -> None:
        met = value is not None and (value <= limit if at_most else value >= limit)
        out.append({"target": name, "value": value, "limit": limit, "met": met})

    def not_measured(name: str, why: str) -> None:
        out.append({"target": name, "value": None, "limit": None, "met": None, "why": why})

    for size, entry in sorted(sizes.items(), key=lambda x: int(x[0])):
        errors = entry.get("pipeline", {}).get("errors")
        if errors is not None:
            add(f"check errors on the clean data, {size}x (count)", float(sum(errors.values())),
                0.0)
    real = sizes.get("1", {}).get("pipeline", {})
    if "wall_s" in real:
        add("build with every check, real graph (s)", real["wall_s"], 5.0)
    huge = sizes.get("10000", {}).get("pipeline", {})
    if "wall_s" in huge:  # issue 21: every state with tens of sources each
        add("build with every check, 10,000x (s)", huge["wall_s"], 300.0)
        add("peak memory, 10,000x (GiB)", huge["peak_build_rss_mib"] / 1024, 12.0)
    big = sizes.get("1000", {})
    pipeline, shacl = big.get("pipeline", {}), big.get("shacl", {})
    if "wall_s" in pipeline:
        add("build with every check, 1000x (site on its own) (s)", pipeline["wall_s"], 60.0)
        add("peak memory, 1000x (GiB)", pipeline["peak_build_rss_mib"] / 1024, 4.0)
        queries = [q for q in pipeline.get("queries", {}).values()
                   if ("p95_ms" in q or "timeout_s" in q) and not q.get("listing")
                   and not q.get("endpoint")]
        worst = max((q.get("p95_ms", 1000 * q.get("timeout_s", 0)) for q in queries),
                    default=None)
        add("query p95, 1000x, slowest query (ms)", worst, 100.0)
        slow = sum(1 for q in queries if q.get("p95_ms", float("inf")) >= 100)
        add("queries with p95 >= 100 ms at 1000x (count)", float(slow), 0.0)
        pages = [q for q in pipeline.get("queries", {}).values() if q.get("page")]
        if pages:
            add("page of a listing p95, 1000x, slowest (ms)",
                max(q.get("p95_ms", 1000 * q.get("timeout_s", 0)) for q in pages), 100.0)
    for endpoint, way in ((False, ""), (True, " through an endpoint")):
        forms = [q for q in huge.get("queries", {}).values() if isinstance(q, dict)
                 and ("p95_ms" in q or "timeout_s" in q) and not q.get("listing")
                 and not q.get("page") and bool(q.get("endpoint")) is endpoint
                 and q.get("rows", 0) <= INTERACTIVE_ROWS]
        if forms:
            add(f"interactive form{way} p95, 10,000x, slowest (answers up to "
                f"{INTERACTIVE_ROWS} rows) (ms)",
                max(q.get("p95_ms", 1000 * q.get("timeout_s", 0)) for q in forms), 100.0)
    for size, limit in (("1000", 120.0), ("10000", 1200.0)):
        site = sizes.get(size, {}).get("site", {})
        if "wall_s" in site:
            add(f"documentation site, {size}x (s)", site["wall_s"], limit)
    publish = pipeline.get("publish")
    for store in ("oxigraph", "virtuoso"):
        for key in ("publish", "republish"):
            ratio = publish.get(f"{store}_{key}_over_loader") if isinstance(publish, dict) else None
            if ratio is not None:
                add(f"{key} / offline loader, {store}, 1000x", ratio, 3.0)
    if "fast_s" in shacl:
        if "jena_s" in shacl:
            add("SHACL, 1000x: Jena time / fast time", shacl["jena_s"] / shacl["fast_s"], 1.0,
                at_most=False)
        if "pyshacl_s" in shacl:
            add("SHACL, 1000x: pyshacl time / fast time", shacl["pyshacl_s"] / shacl["fast_s"],
                7.0, at_most=False)
            add("SHACL, 1000x: results identical to pyshacl (1 = yes)",
                1.0 if shacl["identical_to_pyshacl"] else 0.0, 1.0, at_most=False)
        elif "pyshacl_stopped_s" in shacl:
            stopped = shacl["pyshacl_stopped_s"]
            add(f"SHACL, 1000x: pyshacl time / fast time, at least (pyshacl stopped after "
                f"{stopped:.0f} s)", stopped / shacl["fast_s"], 7.0, at_most=False)
            if "identical_to_pyshacl" in shacl:
                add("SHACL, 1000x: results identical to pyshacl, run one shape at a time "
                    "(1 = yes)", 1.0 if shacl["identical_to_pyshacl"] else 0.0, 1.0,
                    at_most=False)
            else:
                not_measured("SHACL, 1000x: results identical to pyshacl",
                             "pyshacl did not finish; see the sizes below, or run with "
                             "--pyshacl-by-shape")
    for size, entry in sorted(sizes.items(), key=lambda x: int(x[0])):
        shacl = entry.get("shacl", {})
        if size != "1000" and "identical_to_pyshacl" in shacl:
            add(f"SHACL, {size}x: results identical to pyshacl (1 = yes)",
                1.0 if shacl["identical_to_pyshacl"] else 0.0, 1.0, at_most=False)
    return out


def _print(results: dict[str, Any]) -> None:
    console = Console()
    table = Table(title="ccbkg benchmark (seconds unless stated)")
    sizes = sorted(results["sizes"], key=int)
    table.add_column("figure")
    for size in sizes:
        table.add_column(f"{size}x", justify="right")
    rows: dict[str, dict[str, str]] = {}

    def put(row: str, size: str, value: Any) -> None:
        rows.setdefault(row, {})[size] = _fmt(value)

    for size in sizes:
        entry = results["sizes"][size]
        pipeline, shacl = entry.get("pipeline", {}), entry.get("shacl", {})
        for part in (pipeline, shacl):
            if "error" in part:
                put("error", size, part["error"])
        put("triples (all sources)", size, pipeline.get("triples"))
        for name, value in pipeline.get("stages_s", {}).items():
            put(name, size, value)
        for name, value in sorted(pipeline.get("artefacts_s", {}).items()):
            put(f"  artefact {name}", size, value)
        put("build with every check (wall)", size, pipeline.get("wall_s") or pipeline.get("build"))
        put("every check, without the build (wall)", size, pipeline.get("checks_wall_s"))
        put("peak memory of the child process (MiB)", size, pipeline.get("peak_rss_mib"))
        put("peak memory of the build (MiB)", size, pipeline.get("peak_build_rss_mib"))
        put("  of the largest process it ended: a writer or HermiT's JVM (MiB)", size,
            pipeline.get("peak_forked_mib"))
        for name, memory in pipeline.get("memory_by_stage", {}).items():
            put(f"  peak during / resident after {name} (MiB)", size,
                f"{memory['peak_mib']:.0f} / {memory['resident_mib']:.0f}")
        for name, q in sorted(pipeline.get("queries", {}).items()):
            if "seconds" in q:
                put(f"query {name}", size, q["seconds"])
            elif "timeout_s" in q:
                put(f"  query {name} p50/p95 (ms)", size, f"> {q['timeout_s']:.0f} s")
            elif q.get("page"):
                put(f"  query {name} p50/p95 (ms), first (computes the listing)", size,
                    f"{q['p50_ms']:.1f}/{q['p95_ms']:.1f}, {q['first_ms']:.0f}")
            elif q.get("endpoint"):
                put(f"  query {name} p50/p95 (ms), runs", size,
                    f"{q['p50_ms']:.1f}/{q['p95_ms']:.1f}, {q['runs']}")
            elif q.get("listing"):
                put(f"  query {name} p50/p95 (ms), rows", size,
                    f"{q['p50_ms']:.1f}/{q['p95_ms']:.1f}, {q['rows']}")
            elif "p50_ms" in q:
                put(f"  query {name} p50/p95 (ms)", size, f"{q['p50_ms']:.1f}/{q['p95_ms']:.1f}")
        site = entry.get("site", {})
        put("site: wall (CPU, its processes included)", size,
            f"{site['wall_s']:.1f} ({site['cpu_s']:.1f})" if "wall_s" in site else
            site.get("error") or site.get("skipped"))
        put("site: files (pages)", size,
            f"{site['files']} ({site['pages']})" if "files" in site else None)
        put("site: peak memory, build / rendering process (MiB)", size,
            f"{site['peak_mib']:.0f} / {site['peak_rendering_process_mib']:.0f}"
            if "peak_mib" in site else None)
        put("site: load average before (1, 5, 15 min) and after", size,
            " ".join(f"{v:.1f}" for v in site["load_average"]) if "load_average" in site
            else None)
        publish = pipeline.get("publish", {})
        for name, value in (publish.items() if isinstance(publish, dict) else
                            [("not run", publish)]):
            put(f"publish: {name}", size, value)
        put("SHACL on defect variant: fast engine", size, shacl.get("fast_s"))
        put("SHACL: pyshacl (reference)", size, shacl.get("pyshacl_s") or (
            f"> {shacl['pyshacl_stopped_s']:.0f} (stopped)" if "pyshacl_stopped_s" in shacl
            else None))
        put("SHACL: pyshacl one shape at a time (wall)", size, shacl.get("pyshacl_by_shape_s"))
        put("SHACL: Jena", size, shacl.get("jena_s"))
        put("SHACL: results (fast/pyshacl/Jena)", size, "/".join(_fmt(shacl.get(k)) for k in (
            "fast_results", "pyshacl_results", "jena_results")))
        put("SHACL: identical to pyshacl", size, shacl.get("identical_to_pyshacl"))
        put("SHACL: Jena agrees on named shapes (as sets)", size,
            shacl.get("jena_agrees_on_named_shapes"))
    for row, values in rows.items():
        table.add_row(row, *(values.get(s, "") for s in sizes))
    console.print(table)
    for size in sizes:
        shacl = results["sizes"][size].get("shacl", {})
        differences = shacl.get("jena_differences", [])
        if differences:
            console.print(f"{size}x: the fast engine and Jena differ on "
                          f"{shacl['jena_differences_count']} results (named shapes):",
                          markup=False)
        for d in differences[:10]:
            r = d["result"]
            where = "both" if d["only_in"] is None else f"only {d['only_in']}"
            console.print(f"  {where}: {r['focus node']} {r['source shape']} "
                          f"{r['component']}: {d['reason']}", markup=False)
    missed = [t for t in results["targets"] if t["met"] is False]
    for t in results["targets"]:
        if t["met"] is None:
            console.print(f"n/a    {t['target']}: not measured ({t['why']})")
            continue
        mark = "met   " if t["met"] else "MISSED"
        console.print(f"{mark} {t['target']}: {_fmt(t['value'])} (target {t['limit']})")
    if not missed:
        console.print("all targets met")


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if value < 100 else f"{value:.0f}"
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
