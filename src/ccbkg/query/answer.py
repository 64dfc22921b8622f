"""A query's answer, as `ccbkg query run` gives it: the parameters resolved and bound, the query
run on the embedded store (a page cut from its whole ordered answer, kept for the project files
as they are) or on an endpoint, and the labels of the IRIs the answer holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ccbkg.core import netguard
from ccbkg.core.errors import CcbkgError
from ccbkg.project.layout import Project
from ccbkg.project.query_headers import ParamType, QueryInfo, Term
from ccbkg.query.catalogue import bind
from ccbkg.query.entities import labels, resolve
from ccbkg.query.guard import analyse, guard, pageable, paged
from ccbkg.query.pages import Page, PageCache, files_digest
from ccbkg.query.render import Results
from ccbkg.query.run import (
    Embedded,
    check_endpoint,
    embedded_store,
    run_embedded,
    run_remote,
)


@dataclass(frozen=True)
class Asked:
    """A query and how to answer it."""

    info: QueryInfo
    values: dict[str, str]  # parameter -> value, as given
    root: Path | None  # the project (None: found from the working folder)
    endpoint: str | None  # None: the embedded store
    limit: int | None  # rows of a page (None: every row)
    offset: int | None
    timeout: float
    memory: int  # MiB, on the embedded store
    allow_network: bool
    use_cache: bool  # pages of bundled queries from the kept answers
    with_labels: bool  # the labels of the answer's IRIs, from the embedded store


@dataclass(frozen=True)
class Answer:
    """The rows (of the page, when paged) and what goes with them."""

    results: Results
    labels: dict[str, str] | None
    more: bool  # a next page follows
    updated: bool = False  # the endpoint accepted an update (no rows)


def answer(asked: Asked, note: Callable[[str], None]) -> Answer:
    """Answer the query; note gets what the user is told on the way (a value resolved)."""
    info = asked.info
    values = dict(asked.values)
    embedded: Embedded | None = None
    for name, value in values.items():
        param = info.param(name)
        if param.type is ParamType.IRI and not (asked.endpoint and ":" in value):
            embedded = embedded or embedded_store(asked.root)
            values[name] = resolve(param, value, embedded.store)
            if values[name] != value:
                note(f"{name}={value} is {values[name]}")
    bindings = bind(info, values)
    where = str(info.path or info.name)
    # One row more than the page, to tell whether a next page follows.
    limit = None if asked.limit is None else asked.limit + 1
    paging = asked.limit is not None or asked.offset is not None
    cache = PageCache() if paging and info.path is not None and not asked.endpoint \
        and asked.use_cache else None
    if paging:
        pageable(info.text, where)
    analysis = None
    if info.path is None:
        analysis = analyse(info.text, info.name)
        if not asked.allow_network:  # before the store is loaded (the engines check again)
            netguard.refuse_network(info.text, where)
        guard(analysis, embedded=asked.endpoint is None)
    label_of: dict[str, str] | None = None
    if asked.endpoint:
        netguard.allow_endpoint(check_endpoint(asked.endpoint))
        results = run_remote(asked.endpoint, paged(info.text, limit, asked.offset), bindings,
                             analysis=analysis, timeout=asked.timeout, where=where,
                             allow_network=asked.allow_network,
                             needs_union=info.path is not None)
        if analysis is not None and analysis.is_update:
            return Answer(results, None, more=False, updated=True)
    else:
        page = _kept_page(cache, embedded, asked, bindings, limit) if cache else None
        if page is None:
            embedded = embedded or embedded_store(asked.root)
            keep = (cache, cache.key(embedded.digest, info.text, bindings)) if cache else None
            results = run_embedded(embedded.store, info.text, bindings, timeout=asked.timeout,
                                   memory=asked.memory, where=where,
                                   allow_network=asked.allow_network, limit=limit,
                                   offset=asked.offset or 0, keep=keep)
            if asked.with_labels:
                label_of = labels(embedded.store, {t.value for row in results.rows
                                                   for t in row if isinstance(t, ox.NamedNode)})
        else:
            results, label_of = page.results, page.labels
    more = asked.limit is not None and len(results.rows) > asked.limit
    if more:
        results = Results(results.variables, results.rows[:asked.limit])
    return Answer(results, label_of if asked.with_labels else None, more=more)


def _kept_page(cache: PageCache, embedded: Embedded | None, asked: Asked,
               bindings: dict[str, Term], limit: int | None) -> Page | None:
    """The page from the cache, if it holds the answer for the project files as they are now
    (read and hashed, not loaded); None when it does not, or a file cannot be read (loading
    the store then says why)."""
    try:
        digest = embedded.digest if embedded else files_digest(Project.discover(asked.root))
    except CcbkgError:
        return None
    return cache.read(cache.key(digest, asked.info.text, bindings), asked.offset or 0, limit)

