"""Why the fast path declines a shapes graph (the caller then falls back to pyshacl)."""

from __future__ import annotations

from rdflib.term import Node


class Unsupported(Exception):
    """The shapes use a feature the fast path does not implement; validate with pyshacl."""


class ShapesError(Exception):
    """The shapes are not valid SHACL (pyshacl refuses them too); `node`, when known, is the
    shape that is not."""

    def __init__(self, message: str, node: Node | None = None) -> None:
        super().__init__(message)
        self.node = node
