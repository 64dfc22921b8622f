"""Keep ccbkg off the network: one guard for sockets, one for the queries it evaluates.

The socket guard is an audit hook the CLI installs before any work starts, so that no Python
library (rdflib fetching a JSON-LD context, owlready2 following owl:imports) can reach anything
but the loopback and the endpoints the user names. pyoxigraph evaluates SERVICE with an HTTP
client of its own that no audit hook sees (and pyoxigraph 0.5 offers no way to turn SERVICE
off), so every SPARQL text ccbkg hands to pyoxigraph goes through `query` or `update` here,
which refuse SERVICE and LOAD unless the user allowed the network.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import re
import socket
import sys
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox

from ccbkg.core.errors import CcbkgError
from ccbkg.core.limits import MAX_NESTING
from ccbkg.core.sparql_tokens import tokens, too_deep
from ccbkg.core.textlines import position

_allowed_hosts: set[str] = set()
_installed = False


class NetworkRefused(OSError):
    """A connection the guard refused."""


def allow(host: str) -> None:
    """Permit connections to host (an endpoint the user asked for on the command line)."""
    _allowed_hosts.add(host.lower())


def allow_endpoint(url: str) -> None:
    """Permit connections to the endpoint at url that the user named: its host and every
    address the host resolves to (a connection goes to an address); nothing for this machine."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or is_loopback(host):
        return
    allow(host)
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError as exc:
        raise CcbkgError(f"cannot resolve the endpoint host {host}: {exc.strerror or exc}") \
            from None
    for info in infos:
        allow(str(info[4][0]))


def is_loopback(host: str) -> bool:
    """Whether a host name or address (an IPv6 one bracketed or not) is this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0]).is_loopback
    except ValueError:
        return False


def is_this_machine(host: str) -> bool:
    """Whether a host name or address is one of this machine's, whichever (the loopback and
    unspecified addresses, an IPv4 one mapped into IPv6, an address of an interface, a name
    of one of them): an address binds only where it is the machine's."""
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return is_loopback(host)
    for family, _, _, _, address in infos:
        ip = ipaddress.ip_address(str(address[0]).split("%")[0])
        mapped = getattr(ip, "ipv4_mapped", None) or ip
        if mapped.is_loopback or mapped.is_unspecified:
            return True
        with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.bind((str(address[0]), 0))
            return True
    return False


def _is_local(host: str) -> bool:
    return host.lower() in _allowed_hosts or is_loopback(host)


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect":
        address = args[1]
        if isinstance(address, tuple) and address and not _is_local(str(address[0])):
            raise NetworkRefused(f"network access to {address[0]} refused: ccbkg only talks to "
                                 "127.0.0.1 and endpoints given on the command line")
    elif event == "socket.getaddrinfo":
        host = args[0]
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        if host and not _is_local(str(host)):
            raise NetworkRefused(f"network access to {host} refused: ccbkg only talks to "
                                 "127.0.0.1 and endpoints given on the command line")


def install() -> None:
    """Install the guard once per process (audit hooks cannot be removed)."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True


# -------------------------------------------------------------------------- SPARQL

NETWORK_KEYWORDS = ("SERVICE", "LOAD")
_CANDIDATE_RE = re.compile("|".join(NETWORK_KEYWORDS), re.IGNORECASE)


def describe(keyword: str) -> str:
    """What a SERVICE or LOAD does, for a message."""
    if keyword == "SERVICE":
        return "the query uses SERVICE, which fetches data from other servers"
    return "the update uses LOAD, which fetches a document from the network"


class NetworkQuery(CcbkgError):
    """A SPARQL text that would make the engine reach the network (SERVICE or LOAD)."""

    def __init__(self, where: str, keyword: str, line: int, column: int) -> None:
        super().__init__(f"{where}:{line}:{column}: {describe(keyword)}; refused (pass "
                         "--allow-network to permit it)")


@functools.lru_cache(maxsize=32)  # loading a query file asks three times
def network_use(text: str) -> tuple[str, int, int] | None:
    """The first SERVICE or LOAD keyword of a SPARQL text, with its line and column, or None.

    The lexer (`ccbkg.core.sparql_tokens.tokens`) skips only what SPARQL's grammar makes a
    comment, string, IRI, variable, language tag or name; every other word counts as code, so
    a doubtful text is refused, not passed.
    """
    if not _CANDIDATE_RE.search(text):
        return None
    for kind, start, word in tokens(text):
        if kind == "word" and word.isascii() and word.upper() in NETWORK_KEYWORDS:
            return word.upper(), *position(text, start)
    return None


def nesting(text: str) -> tuple[int, int, str] | None:
    """Where a SPARQL text nests deeper than CCBKG_MAX_NESTING allows (line, column and what),
    or None: it is then never given to a parser."""
    at = too_deep(text, MAX_NESTING.value())
    if at is None:
        return None
    return *position(text, at), (
        f"braces, parentheses and brackets nested more than {MAX_NESTING.value()} levels deep "
        f"here (a parser would crash or run for minutes); raise {MAX_NESTING.variable} to "
        "allow more")


def refuse_deep(text: str, where: str) -> None:
    """Raise CcbkgError if the SPARQL text nests too deep for a parser (`nesting`)."""
    found = nesting(text)
    if found is not None:
        line, column, what = found
        raise CcbkgError(f"{where}:{line}:{column}: {what}")


def refuse_network(text: str, where: str) -> None:
    """Raise NetworkQuery if the SPARQL text uses SERVICE or LOAD."""
    found = network_use(text)
    if found is not None:
        raise NetworkQuery(where, *found)


def query(store: ox.Store, text: str, *, where: str = "the query", allow_network: bool = False,
          **options: Any) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """store.query(text, **options), the one way ccbkg evaluates a query: SERVICE is refused
    unless allow_network; so is text nested too deep for the parser (`nesting`)."""
    refuse_deep(text, where)
    if not allow_network:
        refuse_network(text, where)
    return store.query(text, **options)


class NotSelect(ValueError):
    """A query given where a SELECT query is needed that is an ASK, CONSTRUCT or DESCRIBE."""


def select(store: ox.Store, text: str, *, where: str = "the query",
           **options: Any) -> tuple[list[str], list[ox.QuerySolution]]:
    """The variable names and rows of a SELECT query (through `query`), every row read here.

    pyoxigraph's results object may only be freed by the thread that made it; it is read and
    freed here, where an open one could be freed in another thread (a frame kept by an error
    that a thread pool hands on, a reference cycle collected there), which pyoxigraph reports
    as "is unsendable, but is being dropped on another thread". It is freed before this
    returns, not with this frame: a Python function the query calls may leave a traceback
    behind (rdflib logs a literal it cannot convert with its traceback, and a log handler may
    keep the record), and that traceback's frames keep this frame.
    """
    answer = query(store, text, where=where, **options)
    try:
        if not isinstance(answer, ox.QuerySolutions):
            raise NotSelect(f"{where} must be a SELECT query")
        return [v.value for v in answer.variables], list(answer)
    finally:
        del answer


def update(store: ox.Store, text: str, *, where: str = "the update") -> None:
    """store.update(text), the one way ccbkg applies an update to a store: LOAD and SERVICE
    are always refused (ccbkg's own updates need neither), and so is text nested too deep for
    the parser (`nesting`)."""
    refuse_deep(text, where)
    refuse_network(text, where)
    store.update(text)


__all__ = ["NETWORK_KEYWORDS", "NetworkQuery", "NetworkRefused", "NotSelect", "allow",
           "allow_endpoint", "describe", "install", "is_loopback", "nesting", "network_use",
           "query", "refuse_deep", "refuse_network", "select", "update"]
