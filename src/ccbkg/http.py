"""A small HTTP client for SPARQL stores: timeouts always, retries only where safe, no redirects.

Credentials come from the environment only (`CCBKG_STORE_USER`, `CCBKG_STORE_PASSWORD`), are
offered only to the endpoints the user named (basic or digest, as the server asks) and never
appear in a message. Redirects are refused: a redirected POST turns into a GET without its body,
so an update would silently do nothing. Connections go direct (no environment proxies).
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.message import Message
from typing import IO, Any, NoReturn
from urllib.parse import urlsplit, urlunsplit

from ccbkg.errors import CcbkgError

USER_ENV, PASSWORD_ENV = "CCBKG_STORE_USER", "CCBKG_STORE_PASSWORD"
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


def credentials_from_env() -> tuple[str, str] | None:
    """The store credentials from the environment, or None when unset."""
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if not user and not password:
        return None
    if not user or password is None:
        raise CcbkgError(f"set both {USER_ENV} and {PASSWORD_ENV}, or neither")
    return user, password


def shown(url: str) -> str:
    """A URL as it may appear in a message: without user info and query string."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def check_url(url: str, what: str) -> str:
    """The URL if it is an http(s) URL without credentials in it; else a CcbkgError."""
    parts = urlsplit(url)
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


class HttpClient:
    """Sends requests with a timeout; retries idempotent ones on transient errors."""

    def __init__(
        self, *, timeout: float, retries: int = 4, backoff: float = 0.5,
        credentials: tuple[str, str] | None = None, auth_urls: Iterable[str] = (),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if timeout <= 0:
            raise CcbkgError("the timeout must be a positive number of seconds")
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.has_credentials = credentials is not None
        self.sleep = sleep
        handlers: list[urllib.request.BaseHandler] = [
            urllib.request.ProxyHandler({}), _RefuseRedirect()]
        if credentials is not None:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, list(auth_urls), *credentials)
            handlers += [urllib.request.HTTPDigestAuthHandler(manager),
                         urllib.request.HTTPBasicAuthHandler(manager)]
        self._opener = urllib.request.build_opener(*handlers)
        self.requests = 0

    def request(
        self, method: str, url: str, *, body: bytes | None = None,
        headers: Mapping[str, str] | None = None, idempotent: bool, what: str = "request",
        timeout: float | None = None,
    ) -> Response:
        """Send one request; retry it with exponential backoff only when idempotent.

        timeout, when given, replaces the client's for this request (a long update).
        """
        attempt = 0
        while True:
            try:
                return self._once(method, url, body, headers or {}, what,
                                  timeout or self.timeout)
            except StoreError as exc:
                if not (exc.transient and idempotent) or attempt >= self.retries:
                    raise
                delay = exc.retry_after or self.backoff * 2 ** attempt
                attempt += 1
                self.sleep(min(delay, MAX_RETRY_AFTER))

    def _once(self, method: str, url: str, body: bytes | None, headers: Mapping[str, str],
              what: str, timeout: float) -> Response:
        where = f"{what} at {shown(url)}"
        request = urllib.request.Request(url, data=body, method=method,
                                         headers={"User-Agent": "ccbkg", **headers})
        self.requests += 1
        try:
            with self._opener.open(request, timeout=timeout) as answer:
                return Response(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as exc:
            _status_error(where, exc, self.has_credentials)
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, OSError):
                _network_error(where, reason, timeout, sent=False)
            raise StoreError(f"{where} failed: {reason}", applied=False) from None
        except (OSError, http.client.HTTPException) as exc:
            _network_error(where, exc, timeout, sent=True)


def _network_error(where: str, exc: BaseException, timeout: float, *, sent: bool) -> NoReturn:
    applied = None if sent else False
    if isinstance(exc, TimeoutError | socket.timeout):
        raise StoreError(f"{where}: no answer within {timeout:g} s (raise --timeout?)",
                         applied=applied) from None
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


def _status_error(where: str, exc: urllib.error.HTTPError, has_credentials: bool) -> NoReturn:
    code = exc.code
    snippet = _snippet(exc)
    if 300 <= code < 400:
        target = shown(exc.headers.get("Location") or "")
        raise StoreError(f"{where} answered with a redirect (HTTP {code}) to {target or '?'}: "
                         "give the final URL (ccbkg does not follow redirects, a redirected "
                         "POST loses its body)", status=code, applied=False)
    if code in (401, 403):
        hint = ("the store refused the credentials from" if has_credentials else
                "the store needs credentials: set")
        raise StoreError(f"{where}: HTTP {code} {exc.reason}; {hint} {USER_ENV} and "
                         f"{PASSWORD_ENV}", status=code, applied=False)
    if code == 404:
        raise StoreError(f"{where}: not found (HTTP 404); check the endpoint URL and --store",
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
