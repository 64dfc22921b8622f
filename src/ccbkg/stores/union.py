"""Whether a store's default graph shows the release, asked through its query endpoint.

The bundled queries read the default graph as the union of the release's named graphs. A
store set up otherwise (Oxigraph without `--union-default-graph`, TDB2 without
`unionDefaultGraph`) answers every one of them with nothing, exit 0. The probe asks for a
triple every release holds, the ontology's header, in the default graph and in any named graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import pyoxigraph as ox

from ccbkg.core.namespaces import ONTOLOGY_IRI
from ccbkg.stores.http_client import HttpClient, Response, StoreError, shown

PROBE_TRIPLE = f"<{ONTOLOGY_IRI}> a <http://www.w3.org/2002/07/owl#Ontology>"
UNION_SETTING = (
    "make the store's default graph the union of its named graphs: Oxigraph `oxigraph serve "
    "--union-default-graph`; Fuseki/Jena TDB2 `tdb2:unionDefaultGraph true` in the dataset's "
    "assembler (`tdb2.tdbquery --set tdb:unionDefaultGraph=true`); GraphDB and Virtuoso do so "
    "unless the endpoint is given a default graph (no `default-graph-uri`, no ruleset or "
    "repository that hides named graphs); or add FROM clauses to your own queries")
RESULTS = "application/sparql-results+json"


def post_sparql(client: HttpClient, url: str, text: str, what: str, *, update: bool = False,
                accept: str = RESULTS, idempotent: bool = True, timeout: float | None = None,
                limit: int | None = None, data: bytes | None = None) -> Response:
    """The answer to a SPARQL query (or update) sent to url by POST, as SPARQL 1.1 Protocol's
    form (retried where safe, if idempotent), the one way a query goes to an endpoint.

    With data, the query goes in the URL and data is the request's body (Virtuoso: for a
    procedure the query calls, which reads it with `http_body_read`)."""
    form = urlencode({"update" if update else "query": text})
    target, body = url, form.encode("utf-8")
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
    if data is not None:
        target, body = f"{url}?{form}", data
        headers["Content-Type"] = "application/n-triples"
    return client.request("POST", target, body=body, headers=headers, idempotent=idempotent,
                          what=what, timeout=timeout, limit=limit)


def select(client: HttpClient, url: str, query: str, what: str, *, idempotent: bool = True,
           timeout: float | None = None, data: bytes | None = None) -> list[ox.QuerySolution]:
    """The rows of a SELECT query asked at url (`post_sparql`)."""
    answer = post_sparql(client, url, query, what, idempotent=idempotent, timeout=timeout,
                         data=data)
    try:  # pyoxigraph parses the rows as they are read
        results = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
        if not isinstance(results, ox.QuerySolutions):
            raise StoreError(f"{what}: expected a table of results from {shown(url)}")
        return list(results)
    except SyntaxError as exc:
        raise StoreError(f"{what} at {shown(url)}: the answer is not SPARQL results "
                         f"({exc})") from None


@dataclass(frozen=True)
class Probe:
    """Where the store holds the release's ontology header."""

    in_default: bool
    in_named: bool

    @property
    def not_union(self) -> bool:
        """The release is in named graphs that the default graph does not show."""
        return self.in_named and not self.in_default


def probe(client: HttpClient, url: str) -> Probe:
    """Ask the query endpoint at url for the ontology header, in the default graph and in
    any named graph (two SELECTs, LIMIT 1)."""
    default = select(client, url, f"SELECT ?x WHERE {{ {PROBE_TRIPLE} BIND(1 AS ?x) }} LIMIT 1",
                     "the default graph probe")
    named = select(client, url, f"SELECT ?g WHERE {{ GRAPH ?g {{ {PROBE_TRIPLE} }} }} LIMIT 1",
                   "the named graph probe")
    return Probe(bool(default), bool(named))


def not_union_message(url: str) -> str:
    """What to say about a store whose default graph does not show the release."""
    return (f"the store at {shown(url)} holds the ccbkg release in named graphs that its "
            f"default graph does not show, so every bundled query would answer nothing: "
            f"{UNION_SETTING}")
