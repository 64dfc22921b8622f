"""Running a query on the embedded store (the project loaded in memory, the query in a
forked child within a time and memory limit) or on a SPARQL 1.1 endpoint over HTTP; both give
the same `Results`."""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import resource
import select
import signal
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox

from ccbkg.core import netguard
from ccbkg.core.errors import CcbkgError
from ccbkg.project.layout import Project, Role
from ccbkg.project.query_headers import IRI_FORBIDDEN_RE, Term, shown_value
from ccbkg.project.sparql_text import Analysis
from ccbkg.query.entities import labels
from ccbkg.query.guard import analyse
from ccbkg.query.pages import PageCache, loaded_digest
from ccbkg.query.parameters import with_values, without_defaults
from ccbkg.query.render import Results, to_json_bytes
from ccbkg.stores.http_client import check_url

DEFAULT_TIMEOUT = 30.0
DEFAULT_MEMORY_MIB = 2048
MAX_RESPONSE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class Embedded:
    """The embedded store, and the digest of the project files it was loaded from (the key of
    its pages in the cache: `ccbkg.query.pages`)."""

    store: ox.Store
    digest: str


def embedded_store(root: Path | None = None) -> Embedded:
    """The authored files (ontology, vocabularies, shapes, data) loaded into an in-memory store,
    each in its named graph, with what they entail in the release's inferred graph: a query
    answers here as on a store that holds the release (`?x a ccb:PolicyDocument`)."""
    from ccbkg.project.load import load_whole
    from ccbkg.rdf.inferred import inferred_graph

    loaded = load_whole(Project.discover(root))
    store = loaded.store(Role.ONTOLOGY, Role.VOCAB, Role.SHAPES, Role.DATA)
    store.extend(inferred_graph(loaded))
    return Embedded(store, loaded_digest(loaded))


def run_embedded(store: ox.Store, text: str, bindings: Mapping[str, Term] | None = None,
                 *, timeout: float | None = None, memory: int = DEFAULT_MEMORY_MIB,
                 where: str = "the query", allow_network: bool = False,
                 limit: int | None = None, offset: int = 0,
                 keep: tuple[PageCache, str] | None = None) -> Results:
    """Run a query on the store with the default graph as the union of all graphs.

    SERVICE is refused unless allow_network (where names the query in the message). With a
    `timeout`, the query runs in a child process, a fork of this one that shares the loaded
    store, whose memory may grow by `memory` MiB at most; it is killed at the deadline.
    A page of a SELECT query's rows (limit, offset) is cut from the answer as it is read, rather
    than by LIMIT and OFFSET in the text: pyoxigraph evaluates and orders the whole answer
    either way, and with them it may choose a plan ten times slower (docs/performance.md).
    With `keep` (a cache and an entry's key), the whole ordered answer of a SELECT query is
    also written to the cache as it is read, for the later pages (`PageCache.read`).
    """
    def evaluate() -> Results:
        return _evaluate(store, text, bindings, where, allow_network, (offset, limit), keep)

    if timeout is None:
        return evaluate()
    try:
        return _in_child(evaluate, timeout, memory)
    except CcbkgError:
        if keep is not None:  # the child was stopped while it wrote the entry
            keep[0].discard(keep[1])
        raise


def _in_child(work: Callable[[], Results], timeout: float, memory: int) -> Results:
    """work() in a forked child with an address-space limit, stopped at the deadline."""
    deadline = time.monotonic() + timeout
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, whatever happens
        try:
            os.close(reader)
            _child(work, writer, memory, timeout)
        finally:
            os._exit(1)
    os.close(writer)
    data = bytearray()
    late = CcbkgError(f"the query gave no answer within {timeout:g} s and was stopped; narrow "
                      "it (add LIMIT, bind a variable) or raise --timeout")
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([reader], [], [], left)[0]:
                raise late
            chunk = os.read(reader, 1 << 20)
            if not chunk:
                break
            data += chunk
    finally:
        os.close(reader)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # gone already, or stopped at the deadline
        status = os.waitpid(pid, 0)[1]
    if data[:1] == b"R":
        return _normalise(ox.parse_query_results(bytes(data[1:]),
                                                 format=ox.QueryResultsFormat.JSON))
    if data[:1] == b"E":
        raise CcbkgError(data[1:].decode("utf-8", "replace"))
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU:
        raise late
    if os.WIFEXITED(status) or os.WTERMSIG(status) == signal.SIGABRT:  # out of memory
        raise CcbkgError(f"the query needed more than {memory} MiB of memory and was stopped; "
                         "narrow it (add LIMIT, bind a variable) or raise --max-memory")
    raise CcbkgError(f"the query failed: the process evaluating it ended with signal "
                     f"{os.WTERMSIG(status)}")


def _child(work: Callable[[], Results], writer: int, memory: int, timeout: float) -> None:
    """Limit this process's memory (and its CPU time, should the parent die before the
    deadline), run work, write R+JSON or E+message, and exit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # a Rust allocation failure prints before it aborts
    try:
        statm = Path("/proc/self/statm").read_text(encoding="ascii")
        size = int(statm.split()[0]) * resource.getpagesize()
        limit = size + memory * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        seconds = math.ceil(timeout) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
        out = b"R" + to_json_bytes(work())
    except CcbkgError as exc:
        out = b"E" + str(exc).encode("utf-8")
    except MemoryError:
        out = b""
    except BaseException as exc:  # reported to the parent, which shows it
        out = b"E" + f"the query failed: {type(exc).__name__}: {exc}".encode()
    with os.fdopen(writer, "wb") as pipe:
        pipe.write(out)
    os._exit(0)


def _evaluate(store: ox.Store, text: str, bindings: Mapping[str, Term] | None, where: str,
              allow_network: bool, page: tuple[int, int | None],
              keep: tuple[PageCache, str] | None = None) -> Results:
    substitutions = {ox.Variable(k): v for k, v in (bindings or {}).items()}
    try:
        text = without_defaults(text, bindings or {})
        answer = netguard.query(store, text, where=where, allow_network=allow_network,
                                use_default_graph_as_union=True,
                                substitutions=substitutions or None)
        if keep is not None and isinstance(answer, ox.QuerySolutions):
            return _kept(answer, page, store, *keep)
        return _normalise(answer, page)
    except SyntaxError as exc:
        raise CcbkgError(f"SPARQL syntax error: {exc}") from None
    except (OSError, RuntimeError) as exc:
        message = str(exc)
        if "projection" in message:
            message += " (a parameter must be a projected variable of the query)"
        raise CcbkgError(f"the query failed: {message}") from None


def _normalise(answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples,
               page: tuple[int, int | None] = (0, None)) -> Results:
    """Results from pyoxigraph's answer; of solutions, only the page (offset, limit), the rows
    before it skipped unread and those after it not fetched."""
    if isinstance(answer, ox.QueryBoolean):
        return Results((), (), bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        names = tuple(v.value for v in answer.variables)
        offset, limit = page
        rows = itertools.islice(answer, offset, None if limit is None else offset + limit)
        return Results(names, tuple(tuple(s[i] for i in range(len(names))) for s in rows))
    return _graph_rows(answer)


def _kept(answer: ox.QuerySolutions, page: tuple[int, int | None], store: ox.Store,
          cache: PageCache, key: str) -> Results:
    """The page (offset, limit) of the solutions, every row written to the cache on the way."""
    names = tuple(v.value for v in answer.variables)
    offset, limit = page
    end = None if limit is None else offset + limit
    rows = []
    known: dict[str, str | None] = {}  # the label of each IRI met so far (None: it has none)
    with cache.entry(key, names) as entry:
        for number, solution in enumerate(answer):
            row = tuple(solution[i] for i in range(len(names)))
            iris = [t.value for t in row if isinstance(t, ox.NamedNode)]
            found = labels(store, (i for i in iris if i not in known))
            known.update({i: found.get(i) for i in iris if i not in known})
            entry.add(row, {i: label for i in iris if (label := known[i]) is not None})
            if number >= offset and (end is None or number < end):
                rows.append(row)
        entry.commit()
    return Results(names, tuple(rows))


def _graph_rows(triples: Iterable[ox.Triple]) -> Results:
    rows = sorted(((t.subject, t.predicate, t.object) for t in triples),
                  key=lambda r: tuple(str(x) for x in r))
    return Results(("subject", "predicate", "object"), tuple(rows))


def check_endpoint(url: str) -> str:
    """The endpoint URL if it is usable: what every remote URL must be (`check_url`: http(s),
    a host and a valid port, no credentials), and no fragment."""
    check_url(url, "--endpoint")
    if urlsplit(url).fragment or IRI_FORBIDDEN_RE.search(url):
        raise CcbkgError(f"--endpoint is not a valid URL (got {shown_value(url)})")
    return url


def run_remote(
    endpoint: str, text: str, bindings: Mapping[str, Term] | None = None, *,
    analysis: Analysis | None = None, timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None, where: str = "the query", allow_network: bool = False,
    needs_union: bool = False,
) -> Results:
    """Run a query on a SPARQL 1.1 endpoint by POST, through ccbkg's one HTTP client (the whole
    exchange within `timeout`); errors become one-line CcbkgErrors.

    SERVICE and LOAD, which make the endpoint reach further, are refused unless allow_network.
    With needs_union (a bundled query, which reads the default graph), an empty answer from a
    store that holds the release in named graphs its default graph does not show is refused.
    """
    from ccbkg.stores.http_client import HttpClient, credentials_from_env, shown
    from ccbkg.stores.union import RESULTS, not_union_message, post_sparql, probe

    check_endpoint(endpoint)
    if not allow_network:
        netguard.refuse_network(text, where)
    analysis = analysis or analyse(text, where)
    body = with_values(text, bindings or {}) if bindings else text
    credentials, names = credentials_from_env(env)
    client = HttpClient(timeout=timeout, retries=0, credentials=credentials,
                        auth_urls=[endpoint], names=names)
    graph = analysis.form in ("ConstructQuery", "DescribeQuery")
    response = post_sparql(
        client, endpoint, body, "the update" if analysis.is_update else "the query",
        update=analysis.is_update, idempotent=not analysis.is_update, limit=MAX_RESPONSE_BYTES,
        accept="text/turtle, application/n-triples;q=0.9" if graph else RESULTS)
    if analysis.is_update:
        return Results(())
    try:
        if graph:
            fmt = ox.RdfFormat.from_media_type(response.content_type) or ox.RdfFormat.TURTLE
            results = _graph_rows(q.triple for q in ox.parse(response.body, format=fmt))
        else:
            results = _normalise(ox.parse_query_results(response.body,
                                                        format=ox.QueryResultsFormat.JSON))
    except (SyntaxError, ValueError) as exc:
        raise CcbkgError(f"the endpoint {shown(endpoint)} did not answer with SPARQL results "
                         f"({response.content_type or 'no content type'}): "
                         f"{client.redact(_one_line(str(exc)))}") from None
    if needs_union and not results.rows and not results.boolean \
            and probe(client, endpoint).not_union:
        raise CcbkgError(not_union_message(endpoint))
    return results


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 1] + "…"
