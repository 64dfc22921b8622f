"""The documentation site of a build over HTTP, with the w3id content negotiation.

`ccbkg serve` runs this beside the SPARQL endpoint. Files under the build folder are served as
they are (`/site/index.html`, `/ccbkg.ttl`, ...); a request for an IRI path (`/ccbkg/id/...`,
`/ccbkg/ontology`) is answered by the same rules as w3id.org (w3id/.htaccess, evaluated by
ccbkg.stores.htaccess), with their targets on the hosting site mapped to this server.
Read-only: GET and HEAD only, nothing outside the build folder.

`PooledServer` and `StrictHandler` are the HTTP base of this server and of the guard in front of
a writable SPARQL endpoint: a fixed pool of threads, one request per connection, a connection
closed when its request does not come within `HEADER_SECONDS`, a body only with one
Content-Length (read before the answer, so that it is never taken for a second request).
"""

from __future__ import annotations

import contextlib
import io
import posixpath
import queue
import re
import selectors
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from ccbkg.core.errors import CcbkgError
from ccbkg.core.file_types import content_type
from ccbkg.stores.htaccess import PREFIX, Rule, evaluate, target_of

INDEX = "/site/index.html"
HEADER_SECONDS = 10.0  # a connection that has not sent its request head in this time is closed
WORKERS = 32  # threads answering requests, whatever the number of connections (20 trickling
# connections tied up 8 threads, and a page waited up to 10 s)
MAX_CONNECTIONS = 256  # open connections beyond this are closed at once
MAX_BODY = 64 * 1024  # largest request body a server that takes none reads (and drops)


class PooledServer(HTTPServer):
    """An HTTP server on a fixed pool of threads; an idle connection costs no thread.

    One selector thread reads every new connection until it holds the head of its request
    (line and headers) and its body (when one Content-Length announces at most `MAX_BODY`
    bytes); only then does one worker answer it, from what was read. So a connection that
    trickles its request, or sends none, holds no worker: it is closed when its request has not
    come `timeout` seconds after it opened. A worker's later reads (a larger body the writable
    store's guard relays) stall at most that long.
    """

    request_queue_size = 128  # the listen backlog: a burst of connections is not dropped

    def __init__(self, address: tuple[str, int], handler: type[StrictHandler], *,
                 timeout: float = HEADER_SECONDS) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.read_seconds = timeout
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="ccbkg-http")
        self._incoming: queue.SimpleQueue[tuple[socket.socket, Any]] = queue.SimpleQueue()
        self._wake_read, self._wake_write = socket.socketpair()
        self._connections: set[socket.socket] = set()
        self._deadlines: dict[socket.socket, float] = {}  # until the head of the request is read
        self._read: dict[socket.socket, bytes] = {}  # what the waiter read, for the worker
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._waiter = threading.Thread(target=self._wait, daemon=True, name="ccbkg-http-wait")
        super().__init__(address, handler)  # binds (or closes all of the above and raises)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Accept connections until `shutdown`."""
        self._waiter.start()
        super().serve_forever(poll_interval)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Queue the new connection for the waiter (or close it when too many are open)."""
        with self._lock:
            full = len(self._connections) >= MAX_CONNECTIONS
            if not full:
                self._connections.add(request)
                self._deadlines[request] = time.monotonic() + self.read_seconds
        if full:
            self.shutdown_request(request)
            return
        self._incoming.put((request, client_address))
        with contextlib.suppress(OSError):
            self._wake_write.send(b"\0")

    def read_ahead(self, request: socket.socket) -> bytes:
        """What the waiter read of the request before a worker took it."""
        with self._lock:
            return self._read.pop(request, b"")

    def server_close(self) -> None:
        """Stop the waiter and the workers, close every connection and the socket."""
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._wake_write.send(b"\0")
        if self._waiter.is_alive():
            self._waiter.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            connections = list(self._connections)
        for request in connections:  # a worker blocked on one of them returns at once
            with contextlib.suppress(OSError):
                request.shutdown(socket.SHUT_RDWR)
        while not self._incoming.empty():
            self._close(self._incoming.get()[0])
        self._wake_read.close()
        self._wake_write.close()
        super().server_close()

    def _wait(self) -> None:
        waiting: dict[socket.socket, _Arriving] = {}  # until each holds its request
        with selectors.DefaultSelector() as selector:
            selector.register(self._wake_read, selectors.EVENT_READ)
            while not self._stopping.is_set():
                for key, _ in selector.select(timeout=0.1):
                    if key.fileobj is self._wake_read:
                        with contextlib.suppress(OSError):
                            self._wake_read.recv(4096)
                        continue
                    ready = cast(socket.socket, key.fileobj)
                    arriving = waiting[ready]
                    try:
                        chunk = ready.recv(1 << 16)
                    except BlockingIOError:
                        continue
                    except OSError:
                        chunk = b""
                    if chunk and not arriving.add(chunk):
                        continue
                    selector.unregister(ready)
                    del waiting[ready]
                    if not arriving.sent:  # closed before it asked anything
                        self._close(ready)
                        continue
                    with self._lock:  # whole: no deadline while it waits for a worker
                        self._read[ready] = bytes(arriving.sent)
                        self._deadlines.pop(ready, None)
                    self._pool.submit(self._answer, ready, arriving.address)
                while not self._incoming.empty():
                    request, address = self._incoming.get()
                    request.setblocking(False)
                    waiting[request] = _Arriving(address)
                    selector.register(request, selectors.EVENT_READ)
                for request in self._late():
                    if request in waiting:
                        selector.unregister(request)
                        del waiting[request]
                        self._close(request)
                    else:  # a worker reads it: the read ends, and the worker closes it
                        with contextlib.suppress(OSError):
                            request.shutdown(socket.SHUT_RDWR)
            for request in waiting:
                self._close(request)

    def _late(self) -> list[socket.socket]:
        now = time.monotonic()
        with self._lock:
            late = [r for r, end in self._deadlines.items() if end < now]
            for request in late:
                del self._deadlines[request]
        return late

    def _answer(self, request: socket.socket, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        finally:
            self._close(request)

    def _close(self, request: socket.socket) -> None:
        self.shutdown_request(request)
        with self._lock:
            self._connections.discard(request)
            self._deadlines.pop(request, None)
            self._read.pop(request, None)


_HEAD_END_RE = re.compile(rb"\r?\n\r?\n")
_LENGTH_RE = re.compile(rb"(?im)^content-length[ \t]*:[ \t]*([0-9]+)[ \t]*\r?$")
_EXPECT_RE = re.compile(rb"(?im)^expect[ \t]*:")
_MAX_HEAD = 1 << 17  # beyond this, a head without its end goes to a worker, which refuses it


@dataclass
class _Arriving:
    """A connection's request as it arrives, until it holds its head and its body (when one
    Content-Length announces at most MAX_BODY bytes; the handler refuses a larger body or any
    other framing, or the guard relays it as it comes; a client that asks `Expect:
    100-continue` waits for the answer to its head before it sends the body)."""

    address: Any
    sent: bytearray = field(default_factory=bytearray)
    whole: int | None = None  # the request's length in bytes, once its head is read

    def add(self, chunk: bytes) -> bool:
        """Take what arrived; whether the request is now whole (or its head too long for the
        waiter to hold). Each byte is searched for the head's end once."""
        start = max(0, len(self.sent) - 3)
        self.sent += chunk
        if self.whole is None:
            end = _HEAD_END_RE.search(self.sent, start)
            if end is None:
                return len(self.sent) > _MAX_HEAD
            head = bytes(self.sent[:end.start() + 2])
            lengths = _LENGTH_RE.findall(head)
            body = int(lengths[0]) if len(lengths) == 1 and int(lengths[0]) <= MAX_BODY \
                and not _EXPECT_RE.search(head) else 0
            self.whole = end.end() + body
        return len(self.sent) >= self.whole


class _ReadAhead(io.RawIOBase):
    """A connection read from what the waiter read of it first, then from the socket."""

    def __init__(self, first: bytes, sock: socket.socket) -> None:
        super().__init__()
        self._first = memoryview(first)
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._first:
            n = min(len(buffer), len(self._first))
            buffer[:n] = self._first[:n]
            self._first = self._first[n:]
            return n
        return self._sock.recv_into(buffer)


class StrictHandler(BaseHTTPRequestHandler):
    """HTTP/1.1, one request per connection (answers say `Connection: close`), quiet; a body
    only with one Content-Length.

    A request with Transfer-Encoding, or a bad or repeated Content-Length, gets 400. When
    `max_body` is a number, a body up to it is read and dropped (413 above it); when it is
    None, the handler reads `length` bytes of body itself.
    """

    protocol_version = "HTTP/1.1"
    max_body: int | None = MAX_BODY
    length = 0

    def setup(self) -> None:
        """The request is read from what the server read of it; every later read of the
        connection times out after the server's seconds."""
        super().setup()
        server = cast(PooledServer, self.server)
        self.connection.settimeout(server.read_seconds)
        self.rfile = io.BufferedReader(_ReadAhead(server.read_ahead(self.connection),
                                                  self.connection))

    def parse_request(self) -> bool:
        """The request line and headers, then the framing of the body (see the class)."""
        if not super().parse_request():
            return False
        self.close_connection = True
        if "Transfer-Encoding" in self.headers:
            self.send_error(HTTPStatus.BAD_REQUEST,
                            "Transfer-Encoding is not supported: send a Content-Length")
            return False
        lengths = [x.strip() for x in self.headers.get_all("Content-Length", [])]
        if len(lengths) > 1 or (lengths and not (lengths[0].isascii()
                                                 and lengths[0].isdigit())):
            self.send_error(HTTPStatus.BAD_REQUEST, "one Content-Length, a number of bytes")
            return False
        self.length = int(lengths[0]) if lengths else 0
        if self.max_body is not None:
            if self.length > self.max_body:
                self.send_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                                f"a request body here has at most {self.max_body} bytes")
                return False
            self.rfile.read(self.length)
        return True

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the terminal belongs to the announcement."""


class SiteServer:
    """A pooled HTTP server for one build folder; `start` it, then `stop` it."""

    def __init__(self, dist: Path, rules: list[Rule], version: str, bind: str, port: int, *,
                 timeout: float = HEADER_SECONDS) -> None:
        self.dist = dist.resolve()
        handler = _handler(self.dist, rules, version)
        try:
            self.httpd = PooledServer((bind, port), handler, timeout=timeout)
        except OSError as exc:
            raise CcbkgError(f"cannot listen on {bind}:{port} for the site: {exc.strerror}; "
                             "choose another --site-port, or --site-port 0 for a free one"
                             ) from None
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True,
                                        name="ccbkg-site")

    @property
    def port(self) -> int:
        """The port it listens on (useful after asking for port 0)."""
        port: int = self.httpd.server_address[1]
        return port

    def start(self) -> None:
        """Start answering in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop answering and close the socket."""
        if self._thread.is_alive():
            self.httpd.shutdown()
        self.httpd.server_close()


def local_location(location: str, version: str, host: str) -> str:
    """A redirect target on the hosting site (host) as a path on this server (others
    unchanged)."""
    if not location.startswith(host):
        return location
    rest = location[len(host):]
    for folder in ("latest/", f"release/{version}/"):
        if rest.startswith(folder):
            return "/" + rest[len(folder):]
    return location


def _handler(dist: Path, rules: list[Rule], version: str) -> type[StrictHandler]:
    host = target_of(rules)

    class Handler(StrictHandler):
        server_version = "ccbkg-site"

        def do_GET(self) -> None:
            self._answer(body=True)

        def do_HEAD(self) -> None:
            self._answer(body=False)

        def _refuse(self) -> None:
            self._plain(HTTPStatus.METHOD_NOT_ALLOWED, "read-only: GET and HEAD only\n",
                        body=True, extra={"Allow": "GET, HEAD"})

        do_POST = do_PUT = do_DELETE = do_PATCH = _refuse

        def _answer(self, *, body: bool) -> None:
            path = unquote(urlsplit(self.path).path)
            if any(ord(c) < 0x20 for c in path):
                self._plain(HTTPStatus.BAD_REQUEST, "control characters in the path\n",
                            body=body)
                return
            if path in ("/", "/site", "/site/"):
                self._redirect(HTTPStatus.FOUND, INDEX, body=body)
                return
            if path.startswith(PREFIX):
                status, location = evaluate(rules, path, self.headers.get("Accept", ""))
                if status is None:
                    self._plain(HTTPStatus.NOT_FOUND, f"no resource at {path}\n", body=body)
                else:
                    self._redirect(HTTPStatus(status), local_location(location, version, host),
                                   body=body)
                return
            self._file(path, body=body)

        def _file(self, path: str, *, body: bool) -> None:
            clean = posixpath.normpath(path).lstrip("/")
            target = (dist / clean).resolve()
            if clean.startswith("..") or not target.is_relative_to(dist):
                self._plain(HTTPStatus.NOT_FOUND, "not found\n", body=body)
                return
            if target.is_dir():
                target = target / "index.html"
            try:
                data = target.read_bytes()
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                self._plain(HTTPStatus.NOT_FOUND, f"no file {path}\n", body=body)
                return
            except OSError:
                self._plain(HTTPStatus.FORBIDDEN, f"cannot read {path}\n", body=body)
                return
            self._send(HTTPStatus.OK, data, content_type(target.name), body=body)

        def _redirect(self, status: HTTPStatus, location: str, *, body: bool) -> None:
            self._plain(status, f"see {location}\n", body=body,
                        extra={"Location": location, "Vary": "Accept"})

        def _plain(self, status: HTTPStatus, text: str, *, body: bool,
                   extra: dict[str, str] | None = None) -> None:
            self._send(status, text.encode(), "text/plain; charset=utf-8", body=body,
                       extra=extra)

        def _send(self, status: HTTPStatus, data: bytes, media: str, *, body: bool,
                  extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Connection", "close")
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if body:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

    return Handler
