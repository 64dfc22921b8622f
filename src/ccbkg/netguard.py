"""Refuse network connections to anything but the loopback (and endpoints the user names).

Installed by the CLI before any work starts, so that no library (rdflib fetching a JSON-LD
context or a SERVICE target, owlready2 following owl:imports) can reach the network behind
the user's back.
"""

from __future__ import annotations

import ipaddress
import sys
from typing import Any

_allowed_hosts: set[str] = set()
_installed = False


class NetworkRefused(OSError):
    """A connection the guard refused."""


def allow(host: str) -> None:
    """Permit connections to host (an endpoint the user asked for on the command line)."""
    _allowed_hosts.add(host.lower())


def _is_local(host: str) -> bool:
    if host.lower() in ("localhost", *_allowed_hosts):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


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


__all__ = ["NetworkRefused", "allow", "install"]
