"""ccbkg's one HTTP client (for SPARQL stores and endpoints): a deadline on every request,
retries only where safe, no redirects.

A timeout is a deadline for the whole request: connecting, sending, the answer's headers and
its body must all be done within it, however slowly a server trickles bytes. Credentials come
from the environment only (`CCBKG_STORE_USER`, `CCBKG_STORE_PASSWORD`, for every remote
call; the old `CCBKG_ENDPOINT_*` names are still read, with a deprecation message), are offered
only to the endpoints the user named (basic or digest, as the server asks) and never appear in
a message, even when a server echoes them. Redirects are refused: a redirected POST turns into
a GET without its body, so an update would silently do nothing. Connections go direct (no
environment proxies).
"""

from __future__ import annotations

import base64
import http.client
import io
import os
import re
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.message import Message
from typing import IO, Any, NoReturn
from urllib.parse import urlsplit, urlunsplit

from ccbkg.core import netguard
from ccbkg.core.errors import CcbkgError

USER_ENV, PASSWORD_ENV = "CCBKG_STORE_USER", "CCBKG_STORE_PASSWORD"
#: What `ccbkg query run` read before one set served every remote call; read when the names
#: above are unset, with a deprecation message on stderr.
DEPRECATED_ENV = ("CCBKG_ENDPOINT_USER", "CCBKG_ENDPOINT_PASSWORD")
TRANSIENT_STATUS = frozenset({429, 502, 503, 504})
MAX_RETRY_AFTER = 30.0
_SNIPPET = 200


class StoreError(CcbkgError):
    """A request to a store failed; the message is one line and safe to show."""

    def __init__(self, message: str, *, status: int | None = None, transient: bool = False,
                 applied: bool | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.transient = transient
        #: False when the store certainly did not act on the request, None when unknown.
        self.applied = applied
        self.retry_after = retry_after


@dataclass(frozen=True)
class Response:
    """A successful answer (2xx)."""

    status: int
    headers: Message
    body: bytes

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case."""
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def credentials_from_env(env: Mapping[str, str] | None = None,
                         ) -> tuple[tuple[str, str] | None, tuple[str, str]]:
    """The credentials from the environment (None when unset) and the names of the variables
    they came from: `USER_ENV` and `PASSWORD_ENV`, else the deprecated names (said on stderr)."""
    environ = os.environ if env is None else env
    names = (USER_ENV, PASSWORD_ENV)
    if not any(environ.get(n) for n in names) and any(environ.get(n) for n in DEPRECATED_ENV):
        names = DEPRECATED_ENV
        print(f"ccbkg: {' and '.join(DEPRECATED_ENV)} are deprecated and will stop being read: "
              f"set {USER_ENV} and {PASSWORD_ENV} instead", file=sys.stderr, flush=True)
    user_env, password_env = names
    user, password = environ.get(user_env), environ.get(password_env)
    if not user and not password:
        return None, names
    if not user or password is None:
        raise CcbkgError(f"set both {user_env} and {password_env}, or neither")
    return (user, password), names


def shown(url: str) -> str:
    """A URL as it may appear in a message: without user info and query string."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # not a URL: still no user info, no query string
        return re.sub(r"//[^/@]*@", "//", url.split("?", 1)[0])
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def check_url(url: str, what: str) -> str:
    """The URL if it is an http(s) URL without credentials in it and with a valid host and
    port; else a CcbkgError."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError as exc:
        raise CcbkgError(f"{what} is not a valid URL ({exc}): {shown(url)!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CcbkgError(f"{what} must be an http:// or https:// URL, not {shown(url)!r}")
    if parts.username is not None or parts.password is not None:
        raise CcbkgError(f"{what} has credentials in it: put them in {USER_ENV} and "
                         f"{PASSWORD_ENV} instead")
    return url


class _RefuseRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: Message, newurl: str) -> urllib.request.Request | None:
        return None  # urllib then raises the 3xx as an HTTPError


class _Request(urllib.request.Request):
    """A request with the time (time.monotonic) by which it must be done."""

    deadline: float


def _left(deadline: float) -> float:
    """The seconds left before the deadline; TimeoutError once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the deadline passed")
    return left


class _DeadlineSocket:
    """A connected socket whose sends and reads each wait only as long as the deadline leaves.

    Like a socket, it closes when it and every reader made from it are closed (urllib closes
    the socket as soon as the answer's headers are in and reads the body from the reader).
    """

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline
        self._users = 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def sendall(self, data: bytes) -> None:
        """Send everything, within the time left (Python's sendall timeout is a total)."""
        self._sock.settimeout(_left(self._deadline))
        self._sock.sendall(data)

    def recv_into(self, buffer: Any) -> int:
        """Read what has arrived, waiting at most the time left."""
        self._sock.settimeout(_left(self._deadline))
        return self._sock.recv_into(buffer)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        """A reader for http.client whose every read checks the deadline."""
        self._users += 1
        return io.BufferedReader(_Reader(self))

    def close(self) -> None:
        """Close the socket once nothing uses it any more."""
        self._users -= 1
        if self._users == 0:
            self._sock.close()


class _Reader(io.RawIOBase):
    def __init__(self, sock: _DeadlineSocket) -> None:
        self._sock: _DeadlineSocket | None = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._sock is None:
            raise ValueError("I/O operation on closed file")
        return self._sock.recv_into(buffer)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        super().close()


def _deadline_connection(base: type[http.client.HTTPConnection]) -> type[Any]:
    class Connection(base):  # type: ignore[valid-type,misc]
        """Connects within the time left, then keeps every send and read within it too."""

        sock: Any

        def __init__(self, *args: Any, deadline: float, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.deadline = deadline

        def connect(self) -> None:
            self.timeout = _left(self.deadline)
            super().connect()
            self.sock = _DeadlineSocket(self.sock, self.deadline)

    return Connection


_HTTPConnection = _deadline_connection(http.client.HTTPConnection)
_HTTPSConnection = _deadline_connection(http.client.HTTPSConnection)


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        assert isinstance(req, _Request)
        deadline = req.deadline
        return self.do_open(lambda *a, **k: _HTTPConnection(*a, deadline=deadline, **k), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        assert isinstance(req, _Request)
        deadline = req.deadline
        return self.do_open(lambda *a, **k: _HTTPSConnection(*a, deadline=deadline, **k), req)


class HttpClient:
    """Sends requests, each within a deadline; retries idempotent ones on transient errors.

    names are the environment variables the credentials came from, for messages.
    """

    def __init__(
        self, *, timeout: float, retries: int = 4, backoff: float = 0.5,
        credentials: tuple[str, str] | None = None, auth_urls: Iterable[str] = (),
        sleep: Callable[[float], None] = time.sleep,
        names: tuple[str, str] = (USER_ENV, PASSWORD_ENV),
    ) -> None:
        if timeout <= 0:
            raise CcbkgError("the timeout must be a positive number of seconds")
        auth_urls = list(auth_urls)
        clear = [u for u in auth_urls if urlsplit(u).scheme != "https"
                 and not netguard.is_loopback(urlsplit(u).hostname or "")]
        if credentials is not None and clear:
            raise CcbkgError(f"credentials are only sent over https (or to this machine), not "
                             f"to {shown(clear[0])}: use an https URL")
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.has_credentials = credentials is not None
        self.sleep = sleep
        self.names = names
        self._secrets = _secrets(credentials)
        handlers: list[urllib.request.BaseHandler] = [
            urllib.request.ProxyHandler({}), _RefuseRedirect(), _HTTPHandler(), _HTTPSHandler()]
        if credentials is not None:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, auth_urls, *credentials)
            handlers += [urllib.request.HTTPDigestAuthHandler(manager),
                         urllib.request.HTTPBasicAuthHandler(manager)]
        self._opener = urllib.request.build_opener(*handlers)
        self.requests = 0

    def redact(self, text: str) -> str:
        """The text with the credentials (and their Basic token) masked."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def request(
        self, method: str, url: str, *, body: bytes | None = None,
        headers: Mapping[str, str] | None = None, idempotent: bool, what: str = "request",
        timeout: float | None = None, limit: int | None = None,
    ) -> Response:
        """Send one request; retry it with exponential backoff only when idempotent.

        Each attempt must be done within the timeout; timeout, when given, replaces the
        client's for this request (a long update). An answer over limit bytes is refused.
        """
        attempt = 0
        while True:
            try:
                return self._once(method, url, body, headers or {}, what,
                                  timeout or self.timeout, limit)
            except StoreError as exc:
                if not (exc.transient and idempotent) or attempt >= self.retries:
                    raise
                delay = exc.retry_after or self.backoff * 2 ** attempt
                attempt += 1
                self.sleep(min(delay, MAX_RETRY_AFTER))

    def _once(self, method: str, url: str, body: bytes | None, headers: Mapping[str, str],
              what: str, timeout: float, limit: int | None) -> Response:
        where = f"{what} at {shown(url)}"
        request = _Request(url, data=body, method=method,
                           headers={"User-Agent": "ccbkg", **headers})
        request.deadline = time.monotonic() + timeout
        self.requests += 1
        try:
            with self._opener.open(request, timeout=timeout) as answer:
                data = answer.read() if limit is None else answer.read(limit + 1)
                status, answer_headers = answer.status, answer.headers
        except urllib.error.HTTPError as exc:
            _status_error(where, exc, self.has_credentials, self.names, self.redact)
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, OSError):
                _network_error(where, reason, timeout, sent=False)
            raise StoreError(f"{where} failed: {reason}", applied=False) from None
        except (OSError, http.client.HTTPException) as exc:
            _network_error(where, exc, timeout, sent=True)
        if limit is not None and len(data) > limit:
            raise StoreError(f"{where}: the answer is larger than {limit // 2**20} MiB; "
                             "narrow the query", applied=None)
        return Response(status, answer_headers, data)


def _secrets(credentials: tuple[str, str] | None) -> list[str]:
    if credentials is None:
        return []
    user, password = credentials
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return [s for s in (token, password, user) if len(s) >= 3]


def _network_error(where: str, exc: BaseException, timeout: float, *, sent: bool) -> NoReturn:
    applied = None if sent else False
    if isinstance(exc, TimeoutError | socket.timeout):
        raise StoreError(f"{where}: no answer within {timeout:g} s, the deadline for the "
                         "whole request (raise --timeout?)", applied=applied) from None
    if isinstance(exc, ConnectionRefusedError):
        raise StoreError(f"cannot reach the store: {where} refused the connection "
                         "(is it running, and is the port right?)", applied=False) from None
    if isinstance(exc, socket.gaierror):
        raise StoreError(f"cannot reach the store: {where}: unknown host", applied=False) from None
    if isinstance(exc, ConnectionError | http.client.IncompleteRead | http.client.BadStatusLine):
        raise StoreError(f"{where}: the connection was dropped before an answer came",
                         transient=True, applied=applied) from None
    if isinstance(exc, OSError):
        text = exc.strerror or str(exc)
        raise StoreError(f"cannot reach the store: {where}: {text}", applied=applied) from None
    raise StoreError(f"{where}: broken HTTP answer ({type(exc).__name__})",
                     applied=applied) from None


def _status_error(where: str, exc: urllib.error.HTTPError, has_credentials: bool,
                  names: tuple[str, str], redact: Callable[[str], str]) -> NoReturn:
    code = exc.code
    snippet = redact(_snippet(exc))
    if 300 <= code < 400:
        target = shown(exc.headers.get("Location") or "")
        raise StoreError(f"{where} answered with a redirect (HTTP {code}) to {target or '?'}: "
                         "give the final URL (ccbkg does not follow redirects, a redirected "
                         "POST loses its body)", status=code, applied=False)
    if code in (401, 403):  # the store's own words first ("The server is read-only")
        hint = ("the store refused the credentials from" if has_credentials else
                "the store needs credentials: set")
        said = f" ({snippet})" if snippet else ""
        raise StoreError(f"{where}: HTTP {code} {exc.reason}{said}; {hint} {names[0]} and "
                         f"{names[1]}, or it refuses this request whoever asks",
                         status=code, applied=False)
    if code == 404:
        raise StoreError(f"{where}: not found (HTTP 404); check the endpoint URL",
                         status=code, applied=False)
    retry_after = (exc.headers.get("Retry-After") or "").strip()
    raise StoreError(
        f"{where}: HTTP {code} {exc.reason}" + (f": {snippet}" if snippet else ""),
        status=code, transient=code in TRANSIENT_STATUS, applied=None if code >= 500 else False,
        retry_after=float(retry_after) if retry_after.isdigit() else None)


def _snippet(exc: urllib.error.HTTPError) -> str:
    try:
        raw: Any = exc.read(4096)
    except (OSError, http.client.HTTPException):
        return ""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""
    text = re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())
    return text[:_SNIPPET] + ("…" if len(text) > _SNIPPET else "")
