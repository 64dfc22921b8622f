"""Store profiles: the endpoint paths and batch sizes `publish` uses for each kind of store.

- oxigraph: `/query`, `/update`, `/store` (Graph Store protocol) under the server URL; an
  update request is one transaction (all or nothing, even when the server is killed).
- virtuoso (tested with Debian's 7.2.5): reads on `/sparql`; with credentials, updates on
  `/sparql-auth` and Graph Store requests on `/sparql-graph-crud-auth` (digest auth, e.g. dba),
  without them `/sparql` and `/sparql-graph-crud` (only if the SPARQL user was granted
  SPARQL_UPDATE). Results are capped (ResultSetMaxRows, 10000 rows by default) and sorted
  slices are limited to 10000 rows, so payloads go in batches of 10000 triples and read-backs
  in pages of 5000.
- generic: the query endpoint as given; updates on the same URL unless `--update-endpoint`;
  Graph Store protocol only with `--gsp-endpoint`, else the triples go in by INSERT DATA.
"""

from __future__ import annotations

from dataclasses import dataclass

from ccbkg.core.errors import CcbkgError
from ccbkg.stores.http_client import check_url

STORES = ("generic", "oxigraph", "virtuoso")


@dataclass(frozen=True)
class Endpoints:
    """Where a store answers, and how much to send it at once."""

    store: str
    query: str
    update: str
    gsp: str | None
    batch: int = 10_000
    page: int = 5_000
    #: One update request is one transaction (all or nothing, even on a crash): the switch
    #: carries what changed and nothing is staged in the store.
    atomic: bool = False

    def urls(self) -> list[str]:
        """Every endpoint URL (for credentials and the network guard)."""
        return [u for u in (self.query, self.update, self.gsp) if u]


def endpoints(store: str, endpoint: str, *, update: str | None = None, gsp: str | None = None,
              authenticated: bool = False) -> Endpoints:
    """The endpoints of a store of the given kind at endpoint (its URL or its query endpoint)."""
    check_url(endpoint, "--endpoint")
    for url, what in ((update, "--update-endpoint"), (gsp, "--gsp-endpoint")):
        if url is not None:
            check_url(url, what)
    if store == "oxigraph":
        base = _base(endpoint, "/query", "/update", "/store")
        return Endpoints(store, f"{base}/query", update or f"{base}/update",
                         gsp or f"{base}/store", batch=50_000, page=50_000, atomic=True)
    if store == "virtuoso":
        base = _base(endpoint, "/sparql", "/sparql-auth", "/sparql-graph-crud",
                     "/sparql-graph-crud-auth")
        suffix = "-auth" if authenticated else ""
        return Endpoints(store, f"{base}/sparql", update or f"{base}/sparql{suffix}",
                         gsp or f"{base}/sparql-graph-crud{suffix}")
    if store == "generic":
        return Endpoints(store, endpoint, update or endpoint, gsp)
    raise CcbkgError(f"unknown store {store!r}; choose from {', '.join(STORES)}")


def _base(url: str, *paths: str) -> str:
    """The server URL: url without a trailing slash or one of the store's endpoint paths."""
    base = url.split("?", 1)[0].rstrip("/")
    for path in paths:
        if base.endswith(path):
            return base[: -len(path)]
    return base
