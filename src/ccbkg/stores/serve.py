"""Serve the release over SPARQL 1.1 with the Oxigraph server, from a temporary store.

The release is bulk-loaded offline (`oxigraph load`, far faster than HTTP), then served
read-only (unless asked) with the union of the named graphs as the default graph. The
temporary store goes away when the server stops.

Hostile clients: on Linux the server process cannot open connections (a seccomp filter), so
`SERVICE` and `LOAD` reach nothing; a non-loopback `--bind` needs `--public` and is read-only;
a writable server listens on a random loopback address, behind a guard on the announced port
that refuses requests from other web sites (Origin) and through other host names (Host).
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import ipaddress
import os
import platform
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from types import FrameType
from typing import TextIO

from ccbkg.core.errors import CcbkgError
from ccbkg.core.locks import locked_folder
from ccbkg.core.processes import die_with_parent
from ccbkg.core.progress import Progress
from ccbkg.rdf.dataset import ReleaseInput
from ccbkg.stores.htaccess import PREFIX
from ccbkg.stores.http_client import HttpClient, StoreError
from ccbkg.stores.site_server import INDEX, MAX_BODY, PooledServer, SiteServer, StrictHandler
from ccbkg.stores.union import select

DEFAULT_BIND, DEFAULT_PORT = "127.0.0.1", 7878
READY_SECONDS = 60.0
EXAMPLE_QUERY = ("SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } } "
                 "GROUP BY ?graph ORDER BY ?graph")
_ANY_HOST = ("0.0.0.0", "::")
# the audit architecture and the numbers of connect(2) and io_uring_setup(2), per machine
_SYSCALLS = {"x86_64": (0xC000003E, 42, 425), "aarch64": (0xC00000B7, 203, 425)}
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
               "trailer", "transfer-encoding", "upgrade", "host", "expect"}


def check_bind(bind: str, *, public: bool, writable: bool) -> str:
    """The address to listen on for --bind (an IP address, or a name of this machine).

    A non-loopback address needs `public` and refuses `writable`.
    """
    try:
        address = ipaddress.ip_address(bind)
    except ValueError:
        address = _resolve(bind)
    if address.is_loopback:
        return str(address)
    if writable:
        raise CcbkgError(f"--bind {bind}: --writable is only for this machine (a loopback "
                         "address such as 127.0.0.1): on a network address anyone who reaches "
                         "it could change or drop the data")
    if not public:
        raise CcbkgError(f"--bind {bind} serves other machines: add --public to confirm that "
                         "anyone who reaches this machine may query the endpoint and read the "
                         "site (read-only; the server cannot fetch from the network)")
    if not sandboxed():
        raise CcbkgError(f"--bind {bind} --public needs Linux on x86-64 or arm64, where "
                         "the server is denied network connections (SERVICE, LOAD)")
    return str(address)


def _resolve(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    usage = (f"--bind {name!r} is not an address to listen on: give an IP address of this "
             "machine (127.0.0.1, ::1, or 0.0.0.0 for every interface) or its host name")
    try:
        socket.inet_aton(name)
    except (OSError, ValueError):
        pass
    else:
        raise CcbkgError(usage)  # 0, 127.1, 0x7f.1: numbers that are neither address nor name
    try:
        found = socket.getaddrinfo(name or None, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise CcbkgError(f"{usage}; {name} does not resolve") from None
    return ipaddress.ip_address(str(found[0][4][0]).split("%")[0])


def sandboxed() -> bool:
    """Whether the Oxigraph server can be denied network connections here."""
    return sys.platform.startswith("linux") and platform.machine() in _SYSCALLS


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
    with _scratch() as scratch:
        return _serve(release, scratch, binary, bind, port, writable, progress, out, site)


SCRATCH = "ccbkg-serve-"
NEW = SCRATCH + "new-"
MARKER = ".locked-while-serving"  # a serve's folder that the next may remove once unlocked


@contextlib.contextmanager
def _scratch() -> Iterator[Path]:
    """A temporary folder, locked while this serve runs and removed after; first the folders
    of serves killed before they could remove theirs (a store of the whole release each) are
    removed: their lock is free. A folder is locked under a name of its own, then renamed,
    so that another serve starting at that moment never takes it for a killed one's."""
    tmp = Path(tempfile.gettempdir())
    for old in tmp.glob(SCRATCH + "*"):
        with contextlib.suppress(OSError):  # one another serve removes meanwhile, or not ours
            if old.name.startswith(NEW) or old.is_symlink() or not (old / MARKER).is_file() \
                    or old.stat().st_uid != os.getuid():
                continue  # (a folder of a serve older than the lock has no marker)
            with locked_folder(old, wait=False) as free:
                if free:
                    shutil.rmtree(old, ignore_errors=True)
    made = Path(tempfile.mkdtemp(prefix=NEW))
    try:
        with locked_folder(made):
            (made / MARKER).touch()
            scratch = made.with_name(SCRATCH + made.name[len(NEW):])
            made.rename(scratch)
            made = scratch
            yield scratch
    finally:
        shutil.rmtree(made, ignore_errors=True)


def _serve(release: ReleaseInput, scratch: Path, binary: str, bind: str, port: int,
           writable: bool, progress: Progress, out: TextIO, site: SiteServer | None) -> int:
    server: subprocess.Popen[bytes] | None = None
    guard: PooledServer | None = None
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if site is not None:
            site.start()
        store = scratch / "store"
        with progress.step(f"Loading {release.label} into a temporary Oxigraph store"):
            _run_load(binary, store, release.file(scratch))
        host = f"[{bind}]" if ":" in bind else bind
        inner = _hidden_address() if writable else host  # a writable store hides behind a guard
        inner_port = free_port(inner) if writable else port
        log = scratch / "server.log"
        with log.open("wb") as sink:
            try:
                server = subprocess.Popen(
                    [binary, "serve" if writable else "serve-read-only", "--location",
                     str(store), "--bind", f"{inner}:{inner_port}", "--union-default-graph"],
                    stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
                    preexec_fn=_confine)
            except subprocess.SubprocessError:
                raise CcbkgError("cannot start the Oxigraph server denied network connections "
                                 "(seccomp refused by this system)") from None
        local = "127.0.0.1" if bind in _ANY_HOST else host
        base = f"http://{local}:{port}"
        graphs = _wait_ready(server, f"http://{inner}:{inner_port}" if writable else base, log)
        time.sleep(0.2)  # a server that lost the race for the port exits right away
        if server.poll() is not None:
            raise CcbkgError(f"the Oxigraph server did not start: {_tail(log)}")
        if writable:
            guard = _guard(bind, port, (inner, inner_port))
            threading.Thread(target=guard.serve_forever, daemon=True, name="ccbkg-guard").start()
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
        if guard is not None:
            guard.shutdown()
            guard.server_close()
        if server is not None:
            _stop(server)
        if site is not None:
            site.stop()
        signal.signal(signal.SIGTERM, previous)


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


def _hidden_address() -> str:
    """A random loopback address (Linux routes all of 127/8) that a web page cannot guess."""
    for _ in range(5):
        address = ".".join(["127", *(str(secrets.randbelow(254) + 1) for _ in range(3))])
        with socket.socket() as sock, contextlib.suppress(OSError):
            sock.bind((address, 0))
            return address
    return "127.0.0.1"  # a system that has only 127.0.0.1


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


def _seccomp_filter() -> tuple[ctypes.Array[ctypes.c_char], _SockFprog] | None:
    """A seccomp program: connect(2) and io_uring fail with EPERM, all else is allowed."""
    if not sandboxed():
        return None
    arch, connect, io_uring = _SYSCALLS[platform.machine()]

    def op(code: int, jt: int, jf: int, k: int) -> bytes:
        return struct.pack("HBBI", code, jt, jf, k)

    load, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06
    program = [op(load, 0, 0, 4), op(jeq, 0, 5, arch),  # another ABI: deny everything
               op(load, 0, 0, 0), op(jge, 3, 0, 0x40000000),  # x32 system calls: deny
               op(jeq, 2, 0, connect), op(jeq, 1, 0, io_uring),
               op(ret, 0, 0, 0x7FFF0000), op(ret, 0, 0, 0x00050001)]  # allow; ERRNO(EPERM)
    code = ctypes.create_string_buffer(b"".join(program))
    return code, _SockFprog(len(program), ctypes.addressof(code))


_FILTER = _seccomp_filter()


def _confine() -> None:
    """In the child, on Linux: die with ccbkg (no orphan server); never open a connection."""
    if not sys.platform.startswith("linux"):
        return
    die_with_parent(signal.SIGTERM)  # SIGTERM when ccbkg dies, even by SIGKILL
    libc = ctypes.CDLL(None, use_errno=True)
    # PR_SET_NO_NEW_PRIVS, then PR_SET_SECCOMP with the filter
    if _FILTER is not None and (libc.prctl(38, 1, 0, 0, 0)
                                or libc.prctl(22, 2, ctypes.byref(_FILTER[1]), 0, 0)):
        raise OSError(ctypes.get_errno(), "cannot deny the Oxigraph server the network")


def _guard(bind: str, port: int, store: tuple[str, int]) -> PooledServer:
    """The server in front of a writable store: refuses other sites' pages and host names."""
    names = {"127.0.0.1", "localhost", "[::1]", f"[{bind}]" if ":" in bind else bind}
    hosts = {f"{n}:{port}" for n in names} | (names if port == 80 else set())
    origins = {f"http://{h}" for h in hosts}

    class Guard(StrictHandler):
        server_version = "ccbkg-guard"
        max_body = None

        def _forward(self) -> None:
            host, origin = self.headers.get("Host", "").lower(), self.headers.get("Origin")
            if host not in hosts:
                self._refuse(f"this server answers only as http://{bind}:{port} (not through "
                             f"the name {host!r})")
                return
            if origin is not None and origin.lower() not in origins:
                self._refuse(f"a request from the web page of {origin} is refused: the store "
                             "is writable")
                return
            upstream = http.client.HTTPConnection(*store)
            try:
                answer = self._relay(upstream)
            except (OSError, http.client.HTTPException):
                with contextlib.suppress(OSError):
                    self.send_error(HTTPStatus.BAD_GATEWAY, "the store did not answer")
                upstream.close()
                return
            with contextlib.closing(upstream), contextlib.suppress(OSError):
                self._answer(answer)

        def _refuse(self, reason: str) -> None:
            self.rfile.read(min(self.length, MAX_BODY))  # so the client sees the answer
            self.send_error(HTTPStatus.FORBIDDEN, reason)

        def _relay(self, upstream: http.client.HTTPConnection) -> http.client.HTTPResponse:
            upstream.putrequest(self.command, self.path, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    upstream.putheader(name, value)
            upstream.endheaders()
            left = self.length
            while left > 0:
                chunk = self.rfile.read(min(left, 1 << 16))
                if not chunk:
                    raise ConnectionResetError("the client sent less than its Content-Length")
                upstream.send(chunk)
                left -= len(chunk)
            return upstream.getresponse()

        def _answer(self, answer: http.client.HTTPResponse) -> None:
            self.send_response(answer.status, answer.reason)
            for name, value in answer.getheaders():
                if name.lower() not in _HOP_BY_HOP | {"server", "date"}:
                    self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            while chunk := answer.read(1 << 16):
                self.wfile.write(chunk)

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _forward

    try:
        return PooledServer((bind, port), Guard)
    except OSError as exc:
        raise CcbkgError(f"cannot listen on {bind}:{port}: {exc.strerror}") from None


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _run_load(binary: str, store: Path, nquads: Path) -> None:
    done = subprocess.run([binary, "load", "--location", str(store), "--file", str(nquads)],
                          capture_output=True, check=False,
                          env={**os.environ, "RUST_BACKTRACE": "0", "RUST_LIB_BACKTRACE": "0"})
    if done.returncode != 0:
        lines = [line.strip() for line in
                 done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        # the line that names the file, line and column: "Error while loading file ..."
        said = next((line for line in lines if line.startswith("Error while")),
                    next((line for line in lines if line.startswith("Error")),
                         lines[-1] if lines else f"exit {done.returncode}"))
        raise CcbkgError(f"oxigraph load failed: {said}")


def _wait_ready(server: subprocess.Popen[bytes], base: str, log: Path) -> dict[str, int]:
    """Wait until the server answers; returns the triples per named graph it serves."""
    client = HttpClient(timeout=5, retries=0)
    deadline = time.monotonic() + READY_SECONDS
    while True:
        if server.poll() is not None:
            raise CcbkgError(f"the Oxigraph server did not start: {_tail(log)}")
        try:
            rows = select(client, f"{base}/query", EXAMPLE_QUERY, "the new server")
            break
        except StoreError:
            if time.monotonic() > deadline:
                raise CcbkgError(f"the Oxigraph server did not answer within "
                                 f"{READY_SECONDS:g} s") from None
            time.sleep(0.1)
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
        lines += [f"SPARQL update: {base}/update   Graph Store: {base}/store",
                  "Requests from other web sites' pages, or through other host names, are "
                  "refused."]
    if any_host:
        lines.append("Listening on every network interface of this machine.")
    if not sandboxed():
        lines.append("Note: on this system the server can reach the network (SERVICE, LOAD).")
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
