"""Serve the release over SPARQL 1.1 with the Oxigraph server, from a temporary store.

The release is bulk-loaded offline (`oxigraph load`, far faster than HTTP), then served
read-only (unless asked) with the union of the named graphs as the default graph. The
temporary store goes away when the server stops.
"""

from __future__ import annotations

import contextlib
import ctypes
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import TextIO
from urllib.parse import urlencode

import pyoxigraph as ox

from ccbkg.dataset import ReleaseInput
from ccbkg.errors import CcbkgError
from ccbkg.http import HttpClient, StoreError
from ccbkg.progress import Progress
from ccbkg.rewrite import PREFIX
from ccbkg.siteserver import INDEX, SiteServer

DEFAULT_BIND, DEFAULT_PORT = "127.0.0.1", 7878
READY_SECONDS = 60.0
EXAMPLE_QUERY = ("SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } } "
                 "GROUP BY ?graph ORDER BY ?graph")
_ANY_HOST = ("0.0.0.0", "::", "")


def oxigraph_binary() -> str:
    """The `oxigraph` server installed beside this Python, or on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if found is None:
        raise CcbkgError("the Oxigraph server is not installed: "
                         "pip install 'oxigraph>=0.5.10,<0.6'")
    return found


def free_port(host: str = DEFAULT_BIND) -> int:
    """A TCP port that is free on host right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def serve(
    release: ReleaseInput, *, bind: str = DEFAULT_BIND, port: int = DEFAULT_PORT,
    writable: bool = False, progress: Progress | None = None, out: TextIO | None = None,
    site: SiteServer | None = None,
) -> int:
    """Load the release into a temporary store and serve it, and the site, until Ctrl-C.

    Returns 0; the site server (if any) is started here and always stopped.
    """
    out = out or sys.stdout
    progress = progress or Progress(quiet=True)
    binary = oxigraph_binary()
    port = port or free_port(bind)
    _check_port(bind, port)
    scratch = Path(tempfile.mkdtemp(prefix="ccbkg-serve-"))
    server: subprocess.Popen[bytes] | None = None
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if site is not None:
            site.start()
        store = scratch / "store"
        with progress.step(f"Loading {release.label} into a temporary Oxigraph store"):
            _run_load(binary, store, release.file(scratch))
        host = f"[{bind}]" if ":" in bind else bind
        log = scratch / "server.log"
        with log.open("wb") as sink:
            server = subprocess.Popen(
                [binary, "serve" if writable else "serve-read-only", "--location", str(store),
                 "--bind", f"{host}:{port}", "--union-default-graph"],
                stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent)
        local = "127.0.0.1" if bind in _ANY_HOST else host
        base = f"http://{local}:{port}"
        graphs = _wait_ready(server, base, log)
        time.sleep(0.2)  # a server that lost the race for the port exits right away
        if server.poll() is not None:
            raise CcbkgError(f"the Oxigraph server did not start: {_tail(log)}")
        site_base = f"http://{local}:{site.port}" if site is not None else None
        try:  # from the announcement on, Ctrl-C is the way to stop (even before the wait)
            _announce(out, base, release, graphs, writable=writable,
                      any_host=bind in _ANY_HOST, site=site_base)
            code = server.wait()
        except KeyboardInterrupt:
            _stop(server)
            print("Stopped; the temporary store is removed.", file=out, flush=True)
            return 0
        raise CcbkgError(f"the Oxigraph server stopped by itself (exit {code}): {_tail(log)}")
    finally:
        if server is not None:
            _stop(server)
        if site is not None:
            site.stop()
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(scratch, ignore_errors=True)


def _check_port(bind: str, port: int) -> None:
    """A clear error when the address is taken (else a client could reach another server)."""
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((bind, port))
        except OSError as exc:
            raise CcbkgError(f"cannot listen on {bind}:{port}: {exc.strerror}; choose another "
                             "--port, or --port 0 for a free one") from None


def _die_with_parent() -> None:
    """In the child: on Linux, get SIGTERM when ccbkg dies, even by SIGKILL (no orphan server)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _run_load(binary: str, store: Path, nquads: Path) -> None:
    done = subprocess.run([binary, "load", "--location", str(store), "--file", str(nquads)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CcbkgError(f"oxigraph load failed: {message[-1] if message else done.returncode}")


def _wait_ready(server: subprocess.Popen[bytes], base: str, log: Path) -> dict[str, int]:
    """Wait until the server answers; returns the triples per named graph it serves."""
    client = HttpClient(timeout=5, retries=0)
    query = f"{base}/query?{urlencode({'query': EXAMPLE_QUERY})}"
    deadline = time.monotonic() + READY_SECONDS
    while True:
        if server.poll() is not None:
            raise CcbkgError(f"the Oxigraph server did not start: {_tail(log)}")
        try:
            answer = client.request("GET", query, headers={
                "Accept": "application/sparql-results+json"}, idempotent=True,
                what="the new server")
            break
        except StoreError:
            if time.monotonic() > deadline:
                raise CcbkgError(f"the Oxigraph server did not answer within "
                                 f"{READY_SECONDS:g} s") from None
            time.sleep(0.1)
    rows = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
    assert isinstance(rows, ox.QuerySolutions)
    return {str(r["graph"].value): int(r["triples"].value)
            for r in rows}


def _announce(out: TextIO, base: str, release: ReleaseInput, graphs: dict[str, int], *,
              writable: bool, any_host: bool, site: str | None) -> None:
    mode = ("writable: changes are lost when it stops" if writable else "read-only")
    lines = [
        f"Serving {release.label}: {sum(graphs.values())} triples in {len(graphs)} named "
        f"graphs, their union as the default graph ({mode}).",
        f"SPARQL endpoint: {base}/query",
    ]
    if writable:
        lines.append(f"SPARQL update: {base}/update   Graph Store: {base}/store")
    if any_host:
        lines.append("Listening on every network interface of this machine.")
    lines += [
        f"Query editor in a browser: {base}/",
        "Example:",
        f"  curl -s {base}/query -H 'Accept: text/csv' \\",
        f"    --data-urlencode 'query={EXAMPLE_QUERY}'",
    ]
    if site is not None:
        lines += [
            f"Documentation site: {site}{INDEX}",
            f"IRIs resolve by content negotiation, as on w3id.org: {site}{PREFIX}id/country/JPN",
            f"  curl -sL -H 'Accept: text/turtle' {site}{PREFIX}ontology",
        ]
    else:
        lines.append("No documentation site: serve a build (`ccbkg build`, then `ccbkg serve`).")
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), file=out, flush=True)


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=5)


def _tail(log: Path) -> str:
    """The telling line of the server's output: its error, else its last line."""
    try:
        lines = [x.strip() for x in log.read_text("utf-8", "replace").splitlines() if x.strip()]
    except OSError:
        return "no output"
    telling = [x for x in lines if "rror" in x or "panicked" in x]
    return (telling or lines or ["no output"])[0 if telling else -1]
