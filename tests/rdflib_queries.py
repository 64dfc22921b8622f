"""Compile each SPARQL text once per test session in rdflib (pyshacl's query engine).

pyshacl parses the SPARQL of every SPARQL target and constraint again on each validation, and
rdflib's parser (pyparsing) was over half of the time the suite spent in pyshacl: the same few
dozen texts, parsed again for each of hundreds of fixtures. rdflib evaluates a compiled query
as many times as asked (that is what `prepareQuery` is for), so the answers do not change.

The patch is applied only where a test module asks for it (the `compiled_sparql` fixture of
tests/conftest.py), never for the whole run.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query

_COMPILED: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Query] = {}
_QUERY = SPARQLProcessor.query


def _query(self: SPARQLProcessor, strOrQuery: str | Query,
           initBindings: Mapping[str, Any] | None = None,
           initNs: Mapping[str, Any] | None = None,
           base: str | None = None, DEBUG: bool = False) -> Mapping[str, Any]:
    if isinstance(strOrQuery, str):
        key = (strOrQuery, base, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
        compiled = _COMPILED.get(key)
        if compiled is None:
            compiled = _COMPILED[key] = translateQuery(parseQuery(strOrQuery), base, initNs)
        strOrQuery = compiled
    return _QUERY(self, strOrQuery, initBindings, initNs, base, DEBUG)


@contextlib.contextmanager
def compiled_once() -> Iterator[None]:
    """Within the block, rdflib reuses each query text's compiled form; after it, rdflib is
    as it was (the compiled forms are kept for the next block)."""
    SPARQLProcessor.query = _query  # type: ignore[method-assign]
    try:
        yield
    finally:
        SPARQLProcessor.query = _QUERY  # type: ignore[method-assign]
