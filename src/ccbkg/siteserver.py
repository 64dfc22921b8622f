"""The documentation site of a build over HTTP, with the w3id content negotiation.

`ccbkg serve` runs this beside the SPARQL endpoint. Files under the build folder are served as
they are (`/site/index.html`, `/ccbkg.ttl`, ...); a request for an IRI path (`/ccbkg/id/...`,
`/ccbkg/ontology`) is answered by the same rules as w3id.org (w3id/.htaccess, evaluated by
ccbkg.rewrite), with their targets on the hosting site mapped to this server. Read-only: GET and
HEAD only, nothing outside the build folder.
"""

from __future__ import annotations

import contextlib
import posixpath
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ccbkg.errors import CcbkgError
from ccbkg.rewrite import PREFIX, TARGET_HOST, Rule, evaluate

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml", ".png": "image/png", ".js": "text/javascript; charset=utf-8",
    ".ttl": "text/turtle; charset=utf-8", ".nt": "application/n-triples",
    ".nq": "application/n-quads", ".trig": "application/trig; charset=utf-8",
    ".rdf": "application/rdf+xml", ".owl": "application/rdf+xml",
    ".jsonld": "application/ld+json", ".json": "application/json",
    ".rq": "application/sparql-query; charset=utf-8", ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8", ".md": "text/markdown; charset=utf-8",
    ".sql": "text/plain; charset=utf-8",
}
INDEX = "/site/index.html"


class SiteServer:
    """A threaded HTTP server for one build folder; `start` it, then `stop` it."""

    def __init__(self, dist: Path, rules: list[Rule], version: str, bind: str, port: int) -> None:
        self.dist = dist.resolve()
        handler = _handler(self.dist, rules, version)
        try:
            self.httpd = ThreadingHTTPServer((bind, port), handler)
        except OSError as exc:
            raise CcbkgError(f"cannot listen on {bind}:{port} for the site: {exc.strerror}; "
                             "choose another --site-port, or --site-port 0 for a free one"
                             ) from None
        self.httpd.daemon_threads = True
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


def local_location(location: str, version: str) -> str:
    """A redirect target on the hosting site as a path on this server (others unchanged)."""
    if not location.startswith(TARGET_HOST):
        return location
    rest = location[len(TARGET_HOST):]
    for folder in ("latest/", f"release/{version}/"):
        if rest.startswith(folder):
            return "/" + rest[len(folder):]
    return location


def _handler(dist: Path, rules: list[Rule], version: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "ccbkg-site"
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._answer(body=True)

        def do_HEAD(self) -> None:
            self._answer(body=False)

        def _refuse(self) -> None:
            self._plain(HTTPStatus.METHOD_NOT_ALLOWED, "read-only: GET and HEAD only\n",
                        body=True, extra={"Allow": "GET, HEAD"})

        do_POST = do_PUT = do_DELETE = do_PATCH = _refuse

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the terminal belongs to the announcement."""

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
                    self._redirect(HTTPStatus(status), local_location(location, version),
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
            media = MEDIA_TYPES.get(target.suffix.lower(), "application/octet-stream")
            self._send(HTTPStatus.OK, data, media, body=body)

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
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if body:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

    return Handler
