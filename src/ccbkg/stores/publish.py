"""Publish the release into a SPARQL 1.1 store in one switch, verified, durable.

ONE request switches the release in, and nothing of the new release is visible in the default
graph before it. On a store that applies an update request in one transaction (Oxigraph) that
request carries the difference between the graphs the store holds (read first, one Graph Store
GET each) and the release: what to delete and what to insert (with nothing to delete, one
Graph Store POST of N-Quads, also one transaction there); nothing is staged in the store, and
republishing a release costs what changed, not a reload. Virtuoso stages the release
as text in a table of its own, outside its RDF store, and switches it in one logged SQL
transaction (`ccbkg.stores.virtuoso`), then checkpoints. Elsewhere (generic stores) each part
is first loaded into a staging graph and verified, and the switch moves them. Then every graph
is read back and verified: triple count and a SHA-256 over its sorted N-Triples lines (on
Oxigraph, a graph the read before the switch found holding its part already, which the switch
leaves alone, is verified by that read).

The blank nodes the release keeps (the ontology's class expressions, the shapes' list cells
and paths) go into the store as blank nodes, as the bulk loader and a user's `LOAD` put
them: the digest labels them canonically, a graph that holds them goes in one request that
is never repeated (a repeat would add them twice), and republishing replaces such a graph
whole, only when its digest differs. Only idempotent requests are retried.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

from ccbkg.core import netguard
from ccbkg.core.errors import CcbkgError
from ccbkg.core.locks import locked_folder
from ccbkg.core.namespaces import BASE, GRAPH, XSD_NS
from ccbkg.core.progress import Progress
from ccbkg.core.terms import RDF_TYPE
from ccbkg.project.literals import INTEGER_TYPES
from ccbkg.rdf.serialize import canonicalised, ntriples_lines, parsed_lines
from ccbkg.stores import virtuoso
from ccbkg.stores.http_client import HttpClient, StoreError, shown
from ccbkg.stores.profiles import Endpoints
from ccbkg.stores.union import UNION_SETTING, not_union_message, post_sparql, probe, select

DEFAULT_GRAPH_BASE = str(GRAPH)
STAGING = ".staging/"
#: The datatypes whose literals `by_value` may write in another spelling.
_VALUED = INTEGER_TYPES | {XSD_NS + kind for kind in ("boolean", "decimal", "double", "float")}
_Object = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


SWITCH_TRIPLES_PER_TIMEOUT = 100_000
_UNSAFE = re.compile(r"[\s<>\"'{}|^`\\]")


@dataclass(frozen=True)
class Part:
    """One named graph of the release, with its staging graph: its distinct triples as their
    N-Triples lines (pyoxigraph's spelling, no newline), sorted."""

    name: str
    target: str
    staging: str
    lines: list[bytes]

    @property
    def count(self) -> int:
        """Number of triples."""
        return len(self.lines)

    @cached_property
    def triples(self) -> list[ox.Triple]:
        """The triples, parsed from the lines."""
        return _parsed(self.lines)

    @cached_property
    def line_set(self) -> frozenset[bytes]:
        return frozenset(self.lines)

    @cached_property
    def values(self) -> dict[bytes, bytes]:
        """`_values` of the lines."""
        return _values(self.lines)

    @cached_property
    def has_blank_nodes(self) -> bool:
        """Whether a triple of the graph has a blank node (it then goes in one request)."""
        return _have_blank(self.lines)

    @cached_property
    def digest(self) -> str:
        """`digest` of the graph."""
        return _digest(self.lines, self.values)


@dataclass(frozen=True)
class PublishSummary:
    """What a publish did, for the closing summary."""

    endpoint: str
    graphs: dict[str, int]
    seconds: float
    requests: int
    notes: list[str] = field(default_factory=list)

    @property
    def triples(self) -> int:
        """Triples in all published graphs."""
        return sum(self.graphs.values())


def check_store(endpoints: Endpoints, client: HttpClient) -> None:
    """Fail early, with the store's own error, when its query endpoint does not answer."""
    _Store(endpoints, client).ask()


def parts_of(quads: Iterable[ox.Quad], graph_base: str = DEFAULT_GRAPH_BASE) -> list[Part]:
    """The release split by named graph, renamed under graph_base, sorted."""
    check_graph_base(graph_base)
    names: dict[ox.NamedNode | ox.BlankNode | ox.DefaultGraph, str] = {}
    grouped: dict[str, list[ox.Triple]] = {}
    for q in quads:
        name = names.get(q.graph_name)
        if name is None:
            name = names[q.graph_name] = _part_name(q.graph_name)
        grouped.setdefault(name, []).append(q.triple)
    outside = sorted(name for name in grouped if "://" in name)
    if outside:  # the base is where publish writes; a build's release has nothing else
        raise CcbkgError(f"the release has {len(outside)} graph(s) outside "
                         f"{DEFAULT_GRAPH_BASE}, such as <{outside[0]}>: publish writes only "
                         "under --graph-base and would replace a graph of someone else's "
                         "there; publish the release `ccbkg build` wrote")
    return [Part(name, graph_base + name, graph_base + STAGING + name,
                 sorted(set(ntriples_lines(triples)))) for name, triples in sorted(grouped.items())]


def digest(triples: Iterable[ox.Triple]) -> str:
    """SHA-256 over the sorted, distinct N-Triples lines of a graph, literals by value and
    blank nodes labelled canonically (a store names them as it likes).

    Booleans and numbers are written in their canonical form first: Virtuoso stores
    `"true"^^xsd:boolean` as `"1"^^xsd:boolean`, and Oxigraph returns an
    `xsd:nonNegativeInteger` as `xsd:integer`: the same value in another spelling.
    """
    return _digest(sorted(set(ntriples_lines(list(triples)))))


def _digest(lines: Sequence[bytes], values: Mapping[bytes, bytes] | None = None) -> str:
    """`digest` of a graph given as its distinct lines, sorted (values: `_values` of them,
    when known)."""
    texts: Sequence[bytes] = lines
    if _have_blank(lines):
        by_value = [q.triple for q in canonicalised([_by_value(t) for t in _parsed(lines)])]
        texts = sorted(set(ntriples_lines(by_value)))
    else:
        changed = {a: b for a, b in (_values(lines) if values is None else values).items()
                   if a != b}
        if changed:
            texts = sorted({changed.get(text, text) for text in lines})
    return hashlib.sha256(b"".join(text + b"\n" for text in texts)).hexdigest()


#: How a line whose object may be a boolean or a number ends (an IRI of such a datatype as the
#: object ends the same way).
_VALUED_ENDINGS = tuple(f"{kind}> .".encode() for kind in sorted(_VALUED))


def _values(lines: Iterable[bytes]) -> dict[bytes, bytes]:
    """Each line whose object is a boolean or numeric literal, and its line with the object
    `by_value`."""
    maybe = [text for text in lines if text.endswith(_VALUED_ENDINGS)]
    if not maybe:
        return {}
    return dict(zip(maybe, ntriples_lines([_by_value(t) for t in _parsed(maybe)]), strict=True))


def _parsed(lines: Sequence[bytes]) -> list[ox.Triple]:
    """The triples of N-Triples lines (without their newlines)."""
    return [q.triple for q in parsed_lines(lines)]


def _have_blank(lines: Sequence[bytes]) -> bool:
    """Whether a line has a blank node (only the lines with `_:` are parsed to tell)."""
    maybe = [text for text in lines if b"_:" in text]
    return bool(maybe) and any(map(_has_blank, _parsed(maybe)))


def _by_value(triple: ox.Triple) -> ox.Triple:
    """The triple with its object by_value (the triple itself when that changes nothing: most
    objects are IRIs, strings or numbers already in their canonical spelling)."""
    term = triple.object
    value = by_value(term)
    return triple if value is term else ox.Triple(triple.subject, triple.predicate, value)


def by_value(term: _Object) -> _Object:
    """A boolean or numeric literal in the canonical spelling of its value; others as they are."""
    if not isinstance(term, ox.Literal) or not term.datatype.value.startswith(XSD_NS):
        return term
    kind, text = term.datatype.value[len(XSD_NS):], term.value.strip()
    try:
        if kind == "boolean" and text in ("0", "1", "true", "false"):
            text = "true" if text in ("1", "true") else "false"
        elif XSD_NS + kind in INTEGER_TYPES:  # Oxigraph keeps every one as xsd:integer
            return ox.Literal(str(int(text)), datatype=ox.NamedNode(XSD_NS + "integer"))
        elif kind == "decimal":
            text = format(Decimal(text).normalize(), "f")
        elif kind in ("double", "float") and text not in ("INF", "-INF", "NaN"):
            text = repr(float(text))
        else:
            return term
    except (ValueError, ArithmeticError):
        return term
    return term if text == term.value else ox.Literal(text, datatype=term.datatype)


def check_graph_base(graph_base: str) -> None:
    """Refuse a graph base outside the release's own namespace (BASE): publish drops the graphs
    under it that the release does not have, so any other base could drop someone else's."""
    if (not graph_base.startswith(BASE) or not graph_base.endswith(("/", "#"))
            or _UNSAFE.search(graph_base)):
        raise CcbkgError(f"--graph-base must be under {BASE} and end with / or #, not "
                         f"{graph_base!r} (publish drops the graphs under it that the release "
                         "does not have)")


@dataclass(frozen=True)
class Plan:
    """What a publish will do: the parts it loads and the graphs it drops in the switch."""

    parts: list[Part]
    dropped: list[str]

    def lines(self) -> list[str]:
        """One line per graph loaded or dropped."""
        return ([f"  load {p.target} ({p.count} triples)" for p in self.parts]
                + [f"  drop {g}" for g in self.dropped])


def plan(quads: Iterable[ox.Quad], endpoints: Endpoints, client: HttpClient, *,
         graph_base: str = DEFAULT_GRAPH_BASE, prune: bool = True) -> Plan:
    """The parts of the release and the graphs under graph_base the switch drops: the staging
    graphs any earlier publish left and, with prune, those the release no longer has."""
    parts = parts_of(quads, graph_base)
    if not parts:
        raise CcbkgError("the release is empty: nothing to publish")
    if probe(client, endpoints.query).not_union:
        raise CcbkgError(f"{not_union_message(endpoints.query)}; nothing was changed")
    store = _Store(endpoints, client)
    found = set(store.graphs(graph_base)) - {p.target for p in parts}
    staging = graph_base + STAGING
    return Plan(parts, sorted(g for g in found if prune or g.startswith(staging)))


_HELD: set[str] = set()  # the stores this process holds the lock of (it is re-entrant)
# The publish locks: one folder for the machine, whatever the environment says (a cron job
# and a shell, or two users, must meet in it), sticky as /tmp is.
LOCKS = Path("/tmp") / "ccbkg-publish"


@contextlib.contextmanager
def one_at_a_time(endpoints: Endpoints) -> Iterator[None]:
    """Refuse to work on a store another publish (or recover) on this machine is working on:
    two at once each switch in a difference from what the store held, and leave a mix of both
    releases. (The lock is the process's: a killed publish holds none.)"""
    key = _store_key(endpoints.update)
    if key in _HELD:
        yield
        return
    lock = LOCKS / hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    with contextlib.ExitStack() as stack:
        try:
            if not LOCKS.is_dir():
                LOCKS.mkdir(exist_ok=True)
                LOCKS.chmod(0o1777)
            with contextlib.suppress(FileExistsError):
                lock.mkdir()
                lock.chmod(0o755)  # any user may lock it (a lock, never a place to write)
            got = stack.enter_context(locked_folder(lock, wait=False))
        except OSError as exc:
            raise CcbkgError(f"cannot take the publish lock in {LOCKS} ({exc.strerror}): "
                             "make it a folder anyone may write to, as /tmp is") from None
        if not got:
            raise CcbkgError(f"another ccbkg publish to {shown(endpoints.update)} is running "
                             "on this machine: wait for it to end (two at once would leave "
                             "the store with a mix of both releases); nothing was changed")
        _HELD.add(key)
        try:
            yield
        finally:
            _HELD.discard(key)


def _store_key(url: str) -> str:
    """The store an update endpoint reaches, however its URL names it: the port of a host,
    every address of this machine being one host (localhost, 127.0.0.1, [::1], 0.0.0.0, its
    own name), and the path left out (one server per port: Virtuoso's /sparql and
    /sparql-auth write one store). Two stores on two addresses of this machine with one port
    count as one: a publish is then refused that could have run, never let into a store
    another is switching."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{'this machine' if netguard.is_this_machine(host) else host}:{port}"


def recover(endpoints: Endpoints, client: HttpClient,
            graph_base: str = DEFAULT_GRAPH_BASE) -> list[str]:
    """Drop the staging graphs an interrupted publish left (of any version of ccbkg) in one
    update, make it durable, and return them; the published graphs are not touched."""
    check_graph_base(graph_base)
    with one_at_a_time(endpoints):
        return _recover(_Store(endpoints, client), graph_base)


def _recover(store: _Store, graph_base: str) -> list[str]:
    left = store.graphs(graph_base + STAGING)
    if store.sql_staged:  # and the staged text, in one transaction
        store.define_procedures()
        store.switch_staged([], left, store.client.timeout)
        store.checkpoint()
    elif left:
        store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in left), idempotent=True,
                     what="dropping the staging graphs")
    return left


def publish(
    quads: Iterable[ox.Quad], endpoints: Endpoints, client: HttpClient, *,
    graph_base: str = DEFAULT_GRAPH_BASE, progress: Progress | None = None,
    prune: bool = True, planned: Plan | None = None,
) -> PublishSummary:
    """Load the release into the store, switch it in one request, make it durable, verify it.

    On a store whose update requests are transactions (Oxigraph) the switch carries the
    difference from what the store holds, so nothing is staged in the store; Virtuoso stages
    the release as text outside its RDF store and switches it in one SQL transaction;
    elsewhere each part goes first into a staging graph (verified) and the switch moves them.
    With prune, the graphs under graph_base that the release no longer has are dropped in the
    same request, so that the store then holds this release and nothing of an older one.
    """
    with one_at_a_time(endpoints):
        return _publish(quads, _Store(endpoints, client), graph_base, progress or
                        Progress(quiet=True), prune, planned)


def _publish(quads: Iterable[ox.Quad], store: _Store, graph_base: str, progress: Progress,
             prune: bool, planned: Plan | None) -> PublishSummary:
    endpoints, client = store.endpoints, store.client
    started, sent = time.perf_counter(), client.requests
    with progress.step(f"Checking the store at {shown(endpoints.query)}"):
        store.ask()
        planned = planned or plan(quads, endpoints, client, graph_base=graph_base, prune=prune)
    parts, dropped = planned.parts, planned.dropped
    stage = not endpoints.atomic
    phase = "before the switch"
    try:
        sums = _stage(store, parts, progress) if stage else {}
        held = _held(store, parts, progress) if not (stage or store.sql_staged) else {}
        # a graph read before the switch that holds its part already is one the switch
        # leaves alone: that read verified it
        same = {p.target for p in parts
                if p.target in held and _mismatch(p, held[p.target]) is None}
        phase = "during the switch"
        notes = _switch(store, parts, progress, dropped, sums, stage=stage, held=held)
        phase = "after the switch, before it was verified"
        with progress.step("Making the switch durable and verifying the published graphs"):
            store.checkpoint()
            _verify_switched(store, [p for p in parts if p.target not in same], dropped)
        phase = "after the switch was verified"
        with progress.step("Checking that queries see the new release"):
            _verify_visible(store, parts)
    except KeyboardInterrupt:
        raise KeyboardInterrupt(_interrupted(phase, store.atomic)) from None
    except (Told, NotVisible):
        raise
    except CcbkgError as exc:  # what the store holds now, said
        raise CcbkgError(f"{exc}; {_left(phase, store.atomic)}") from None
    stale = [g for g in dropped if not g.startswith(graph_base + STAGING)]
    if stale:
        notes.append(f"dropped {len(stale)} graph(s) under {graph_base} that the release no "
                     f"longer has: {', '.join(stale)}")
    return PublishSummary(shown(endpoints.query), {p.target: p.count for p in parts},
                          time.perf_counter() - started, client.requests - sent, notes)


def _verify_switched(store: _Store, parts: list[Part], dropped: Sequence[str]) -> None:
    """Every target holds its part and every dropped graph is gone."""
    for part in parts:
        store.verify(part, part.target, "published graph")
    for graph in dropped:
        if store.count(graph):
            raise CcbkgError(f"<{graph}>, which the switch dropped, is still in the store")


class NotVisible(CcbkgError):
    """The switch is done and verified, but queries on the default graph do not see the new
    release (exit 1)."""


def _verify_visible(store: _Store, parts: list[Part]) -> None:
    """Through the query endpoint, the default graph shows the release: the ontology header,
    and each country of the release (typed in one of its graphs)."""
    url = store.endpoints.query
    seen = probe(store.client, url)
    if seen.not_union:
        raise Told(f"published and verified in the named graphs, but "
                   f"{not_union_message(url)}")
    kind = ox.NamedNode(f"{BASE}ontology#Country")
    typed = f" {RDF_TYPE} {kind} .".encode()
    want = len({text.split(b" ", 1)[0] for p in parts for text in p.lines
                if text.endswith(typed)})
    # the release's countries only: a graph of the user's own may type others
    graphs = " ".join(f"<{p.target}>" for p in parts)
    rows = store.select(f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a {kind} . "
                        f"VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?c a {kind} }} }}",
                        "counting the countries in the default graph")
    value = rows[0]["n"] if rows else None
    got = int(value.value) if isinstance(value, ox.Literal) and value.value.isdigit() else None
    if not seen.in_default or got != want:
        shows = "no ontology header" if not seen.in_default else f"{got} of its countries"
        raise NotVisible(
            f"published and verified through the graph store, but a query at {shown(url)} on "
            f"the default graph shows {shows} where the release has {want} countries: the "
            "query endpoint does not answer from the published graphs (a cache, a proxy or "
            "another store in front of it?), or its default graph is a graph of its own "
            f"rather than the union of the named graphs ({UNION_SETTING})")


class Told(CcbkgError):
    """An error whose message says what the store holds now (nothing to add to it)."""


def _interrupted(phase: str, atomic: bool) -> str:
    """What an interruption in phase left in the store, truthfully."""
    return f"interrupted {phase}: {_left(phase, atomic)}"


def _left(phase: str, atomic: bool) -> str:
    """What the store holds after a publish stopped in phase."""
    if phase == "before the switch":
        return ("nothing was switched, the published graphs are unchanged (staged data may be "
                "left: `ccbkg publish --recover` or the next publish drops it)")
    if phase == "during the switch" and atomic:
        return ("the store applies the switch whole or not at all, so it holds the old release "
                "or the new one; run publish again to be sure")
    if phase == "during the switch":
        return "the published graphs may be partly switched; run publish again"
    if phase == "after the switch was verified":
        return ("the new release is switched in and verified in its named graphs; whether "
                "queries on the default graph see it was not checked: run publish again to "
                "check")
    return ("the switch was acknowledged but the published graphs could not be verified: run "
            "publish again")


def _stage(store: _Store, parts: list[Part], progress: Progress) -> dict[str, str]:
    """Load each part into its staging graph and verify it (stores without transactions), or
    on Virtuoso into the staging table (verified by the switch): the staged sums by target."""
    sums: dict[str, str] = {}
    try:
        if store.sql_staged:
            with progress.step(f"Staging {sum(p.count for p in parts)} triples of "
                               f"{len(parts)} graphs outside the store's graphs"):
                store.define_procedures()
                store.sql(f"delete from {virtuoso.TABLE}", "clearing the staging table")
                sums = {p.target: store.stage_text(p) for p in parts}
        else:
            with progress.step(f"Loading {sum(p.count for p in parts)} triples into "
                               f"{len(parts)} staging graphs"):
                store.update(" ;\n".join(f"DROP SILENT GRAPH <{p.staging}>" for p in parts),
                             idempotent=True, what="clearing the staging graphs")
                for part in parts:
                    store.load(part)
            with progress.step("Verifying the staging graphs"):
                for part in parts:
                    store.verify(part, part.staging, "staging graph")
    except CcbkgError as exc:
        _clean_up(store, parts)
        raise Told(f"{exc}; nothing was switched, the published graphs are unchanged "
                         "(re-run publish when the store is fine)") from None
    return sums


def _held(store: _Store, parts: list[Part], progress: Progress) -> dict[str, set[bytes]]:
    """What the store holds in each target graph now, its distinct lines (a store whose
    updates are transactions: the switch carries the difference), each read held to the
    store's count of the graph: a read cut short would leave what it missed in place."""
    held = {}
    with progress.step(f"Reading the {len(parts)} graphs the store holds"):
        for p in parts:
            lines = set(store.read(p.target, p.line_set, what="reading a graph before the "
                                                             "switch"))
            counted = store.count(p.target)
            if len(lines) != counted:
                raise Told(f"reading <{p.target}> before the switch gave {len(lines)} "
                                 f"triples where the store counts {counted} (an answer cut "
                                 "short?); nothing was switched, the published graphs are "
                                 "unchanged: run publish again")
            held[p.target] = lines
    return held


def _switch(store: _Store, parts: list[Part], progress: Progress,
            dropped: Sequence[str] = (), sums: Mapping[str, str] | None = None, *,
            stage: bool = True, held: Mapping[str, AbstractSet[bytes]] | None = None,
            ) -> list[str]:
    """One request (never retried) that puts every part onto its target (from its staged
    text on Virtuoso, moving its staging graph, or with the difference from what the target
    held) and drops the graphs in dropped."""
    # Switching takes time in proportion to the release: --timeout per 100,000 triples.
    scale = max(1.0, sum(p.count for p in parts) / SWITCH_TRIPLES_PER_TIMEOUT)
    timeout = store.client.timeout * scale
    try:
        with progress.step(f"Switching {len(parts)} graphs in one request"):
            if store.sql_staged:
                store.switch_staged([(p.target, (sums or {})[p.target]) for p in parts],
                                    dropped, timeout)
            elif stage:
                store.update(_switch_update(parts, dropped), idempotent=False,
                             what="switching the graphs", timeout=timeout)
            else:
                removals, additions = _difference(parts, held or {})
                if removals or additions or dropped:  # else the store holds the release
                    store.apply(removals, additions, dropped, timeout)
    except StoreError as exc:
        if exc.applied is False:
            if stage:
                _clean_up(store, parts)
            raise Told(f"{exc}; nothing was switched, the published graphs are "
                             "unchanged") from None
        try:  # the store may have switched before the answer was lost: look
            _verify_switched(store, parts, dropped)
        except CcbkgError:  # staging stays: the switch may still be running in the store
            holds = ("the old release or the new one (it applies the switch whole or not at "
                     "all)" if store.atomic else "the old release, the new one or a mix")
            raise Told(f"{exc}; the switch may not have completed and the published "
                             f"graphs could not be confirmed: the store holds {holds}; run "
                             "publish again") from None
        return [f"the switch answer was lost ({exc}), but every graph was verified"]
    return []


def _switch_update(parts: list[Part], dropped: Sequence[str], *,
                   removals: Sequence[str] = (),
                   additions: Mapping[str, list[bytes]] | None = None) -> str:
    """The SPARQL update of the switch: MOVE the staging graphs, or (additions given) the
    removals, then INSERT DATA of the additions; then drop the graphs in dropped."""
    if additions is None:
        switch = [f"MOVE SILENT GRAPH <{p.staging}> TO <{p.target}>" for p in parts]
    else:
        switch = [*removals, *(op for graph, triples in additions.items()
                               for op in _data("INSERT", graph, triples))]
    return SWITCH_MARK + " ;\n".join(switch + [f"DROP SILENT GRAPH <{graph}>" for graph in dropped])


def _difference(parts: list[Part], held: Mapping[str, AbstractSet[bytes]],
                ) -> tuple[list[str], dict[str, list[bytes]]]:
    """From what each target held (its distinct lines) to the release: the SPARQL operations
    that remove what it held that the release lacks (DELETE DATA), and the lines to add, by
    target. A target that holds its part already (`_mismatch`) is left alone. One whose graph
    has blank nodes on either side (DELETE DATA cannot name a stored one, and an inserted one
    is always new) is dropped and refilled (an empty target needs no drop: with nothing to
    remove, the switch is one Graph Store POST). Literals are compared by value, as the digest
    compares them: a line is removed or added only when its value is not on the other side."""
    removals: list[str] = []
    additions: dict[str, list[bytes]] = {}
    for p in parts:
        kept = held.get(p.target, set())
        if kept and _mismatch(p, kept) is None:
            continue
        if kept and (p.has_blank_nodes or _have_blank(list(kept))):
            removals.append(f"DROP SILENT GRAPH <{p.target}>")
            kept = set()
        gone = sorted(kept - p.line_set)
        added = [text for text in p.lines if text not in kept]
        if gone and added:  # a value in another spelling is on both sides
            gone_values = _values(gone)
            now = set(p.values.values())
            was = {p.values[text] for text in kept if text in p.values}
            was.update(gone_values.values())
            gone = [text for text in gone if gone_values.get(text) not in now]
            added = [text for text in added if p.values.get(text) not in was]
        removals += _data("DELETE", p.target, gone)
        if added:
            additions[p.target] = added
    return removals, additions


#: The first line of every switch request (a SPARQL comment), so it can be told apart.
SWITCH_MARK = "# ccbkg: the switch\n"


def _data(verb: str, graph: str, lines: list[bytes]) -> list[str]:
    """`DELETE DATA` or `INSERT DATA` of the lines into graph; nothing when there are none."""
    if not lines:
        return []
    return [f"{verb} DATA {{ GRAPH <{graph}> {{\n" + _text(lines).decode() + "} }"]


def _text(lines: Sequence[bytes]) -> bytes:
    """N-Triples lines as one text, each with its newline."""
    return b"".join(text + b"\n" for text in lines)


def _has_blank(term: _Object | ox.Triple) -> bool:
    """Whether a triple (or a term of one) is or holds a blank node."""
    if isinstance(term, ox.Triple):  # one call per triple: this runs once per released triple
        s, o = term.subject, term.object
        return (isinstance(s, ox.BlankNode) or isinstance(o, ox.BlankNode)
                or (isinstance(s, ox.Triple) and _has_blank(s))
                or (isinstance(o, ox.Triple) and _has_blank(o)))
    return isinstance(term, ox.BlankNode)


def _clean_up(store: _Store, parts: list[Part]) -> None:
    """Drop the staged data, once, without retries; a failure here changes nothing."""
    with contextlib.suppress(StoreError):
        if store.sql_staged:
            store.sql(f"delete from {virtuoso.TABLE}", "dropping the staged text")
            return
        store.update(" ;\n".join(f"DROP SILENT GRAPH <{p.staging}>" for p in parts),
                     idempotent=False, what="dropping the staging graphs")


class _Store:
    """The SPARQL requests publish needs, on top of the HTTP client."""

    def __init__(self, endpoints: Endpoints, client: HttpClient) -> None:
        self.endpoints = endpoints
        self.client = client
        #: Virtuoso: staged as text in a table, switched in one SQL transaction.
        self.sql_staged = endpoints.store == "virtuoso"
        #: The switch is all or nothing, even when the store is killed.
        self.atomic = endpoints.atomic or self.sql_staged

    def select(self, query: str, what: str, url: str | None = None) -> list[ox.QuerySolution]:
        """The rows of a query, asked at url (default: the query endpoint)."""
        return select(self.client, url or self.endpoints.query, query, what)

    def ask(self) -> None:
        self.select("SELECT ?x WHERE { BIND(1 AS ?x) }", "a test query")

    def update(self, request: str, *, idempotent: bool, what: str,
               timeout: float | None = None) -> None:
        post_sparql(self.client, self.endpoints.update, request, what, update=True,
                    accept="*/*", idempotent=idempotent, timeout=timeout)

    def apply(self, removals: Sequence[str], additions: Mapping[str, list[bytes]],
              dropped: Sequence[str], timeout: float) -> None:
        """A store whose requests are transactions: the switch in one request. With nothing
        to remove, the additions as one Graph Store POST of N-Quads (no limit on its size,
        unlike Oxigraph's 128 MiB for a SPARQL update); else one SPARQL update."""
        what = "switching the graphs"
        if removals or dropped or not self.endpoints.gsp:
            self.update(_switch_update([], dropped, removals=removals, additions=additions),
                        idempotent=False, what=what, timeout=timeout)
            return
        body = SWITCH_MARK.encode() + b"".join(
            _text(lines).replace(b" .\n", f" <{graph}> .\n".encode())  # N-Triples: one a line
            for graph, lines in additions.items())
        self.client.request("POST", self.endpoints.gsp, body=body, headers={
            "Content-Type": "application/n-quads", "Accept": "*/*"}, idempotent=False,
            what=what, timeout=timeout)

    def load(self, part: Part) -> None:
        """Add the part's triples to its staging graph in batches (each safe to repeat); a
        part with blank nodes in one request, never repeated (a repeat would add its blank
        nodes again: a lost answer is then an error, and nothing is switched)."""
        size = max(part.count, 1) if part.has_blank_nodes else self.endpoints.batch
        repeat = not part.has_blank_nodes
        for start in range(0, part.count, size):
            chunk = _text(part.lines[start:start + size])
            what = f"loading {part.name} into its staging graph"
            if self.endpoints.gsp:
                url = f"{self.endpoints.gsp}?{urlencode({'graph': part.staging})}"
                self.client.request("POST", url, body=chunk, headers={
                    "Content-Type": "application/n-triples", "Accept": "*/*"},
                    idempotent=repeat, what=what)
            else:
                self.update(f"INSERT DATA {{ GRAPH <{part.staging}> {{\n{chunk.decode()}}} }}",
                            idempotent=repeat, what=what)

    def graphs(self, prefix: str) -> list[str]:
        """The named graphs whose IRI starts with prefix, sorted."""
        rows = self.select(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            f"FILTER(STRSTARTS(STR(?g), {ox.Literal(prefix)})) }}", "listing the graphs")
        return sorted({r["g"].value for r in rows if isinstance(r["g"], ox.NamedNode)})

    def call(self, expression: str, what: str, *, idempotent: bool,
             timeout: float | None = None, data: bytes | None = None) -> str:
        """Virtuoso: the value of one expression (a SQL procedure call, `sql:NAME(...)`),
        asked as the authenticated user, with data as the request's body."""
        rows = select(self.client, self.endpoints.update,
                      f"SELECT ({expression} AS ?v) WHERE {{}}", what,
                      idempotent=idempotent, timeout=timeout, data=data)
        value = rows[0]["v"] if rows else None
        if not isinstance(value, ox.Literal):
            raise StoreError(f"{what} at {shown(self.endpoints.update)}: no value in the answer")
        return value.value

    def define_procedures(self) -> None:
        """Virtuoso: (re)define ccbkg's staging table and procedures."""
        for text in virtuoso.PROCEDURES:
            self.sql(text, "defining ccbkg's procedures")
            if text is virtuoso.SETUP:
                self.call("sql:CCBKG_SETUP()", "creating the staging table", idempotent=True)

    def stage_text(self, part: Part) -> str:
        """Virtuoso: the part as N-Triples text in the staging table, each chunk the body of
        one request; its staged sum."""
        # a graph with blank nodes is parsed as one text: each text has blank nodes of its own
        pieces = [_text(part.lines)] if part.has_blank_nodes \
            else list(virtuoso.chunks(text + b"\n" for text in part.lines))
        for number, piece in enumerate(pieces):
            what = f"staging {part.name}"
            stored = self.call(f"sql:CCBKG_STAGE({ox.Literal(part.target)}, {number})", what,
                               idempotent=True, data=piece)
            if stored != virtuoso.md5(piece):
                raise StoreError(f"{what} at {shown(self.endpoints.update)}: the store "
                                 "holds other text than was sent")
        return virtuoso.staged_sum(pieces)

    def read_sql(self, graph: str) -> list[ox.Triple]:
        """Virtuoso: the whole graph, read by `DB.DBA.CCBKG_READ` a page of subjects at a
        time."""
        out: list[ox.Triple] = []
        after = "0"
        while True:
            text = self.call(f"sql:CCBKG_READ({ox.Literal(graph)}, {after}, "
                             f"{virtuoso.READ_TRIPLES})", "reading a graph back",
                             idempotent=True)
            state, _, page = text.partition("\n")
            try:
                out += [q.triple for q in ox.parse(page.encode("utf-8"),
                                                   format=ox.RdfFormat.N_TRIPLES)]
            except SyntaxError as exc:
                raise StoreError(f"reading {graph} back: not N-Triples ({exc})") from None
            if state == "end":
                return out
            word, _, after = state.partition(" ")
            if word != "more" or not after.isdigit():
                raise StoreError(f"reading {graph} back: an answer of CCBKG_READ begins with "
                                 f"{state[:40]!r}")

    def switch_staged(self, loads: Sequence[tuple[str, str]], drops: Sequence[str],
                      timeout: float) -> None:
        """Virtuoso: the switch, one SQL transaction (never retried)."""
        spec = virtuoso.switch_spec(loads, drops)
        done = self.call(f"sql:CCBKG_SWITCH({ox.Literal(spec)})", "switching the graphs",
                         idempotent=False, timeout=timeout)
        if done != str(len(loads)):
            raise StoreError(f"switching the graphs at {shown(self.endpoints.update)}: "
                             f"{done} graphs loaded instead of {len(loads)}")

    def sql(self, statement: str, what: str) -> None:
        """Virtuoso: run one SQL statement (as the authenticated user, e.g. dba)."""
        rows = self.select(f"SELECT (bif:exec({ox.Literal(statement)}) AS ?done) WHERE {{}}",
                           what, self.endpoints.update)
        done = rows[0]["done"] if rows else None
        if not isinstance(done, ox.Literal) or done.value != "0":
            raise StoreError(f"{what} at {shown(self.endpoints.update)}: {statement} did not "
                             f"succeed ({done})")

    def checkpoint(self) -> None:
        """Virtuoso: write what it holds to its database file, so that a crash right after
        publish reports success loses nothing (the switch is not in its log)."""
        if self.endpoints.store != "virtuoso":
            return
        self.sql("checkpoint", "a checkpoint")

    def count(self, graph: str) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                           "counting triples")
        value = rows[0]["n"] if rows else None
        if not isinstance(value, ox.Literal) or not value.value.isdigit():
            raise StoreError(f"counting triples at {shown(self.endpoints.query)}: "
                             "no number in the answer")
        return int(value.value)

    def triples(self, graph: str, count: int) -> list[ox.Triple]:
        """The graph (of count triples) read back in subject order, a page at a time.

        Keyset paging (`STR(?s) > last`) instead of OFFSET: Virtuoso refuses sorted slices past
        10000 rows and caps every answer. Unless a page holds the whole rest of the graph, its
        last subject is read on its own, so a capped page loses nothing.
        """
        out: list[ox.Triple] = []
        after: str | None = None
        g = f"<{graph}>"
        while True:
            where = f"FILTER(STR(?s) > {ox.Literal(after)})" if after is not None else ""
            rows = self.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH {g} {{ ?s ?p ?o }} {where} }} "
                               f"ORDER BY STR(?s) LIMIT {self.endpoints.page}",
                               "reading a graph back")
            if len(rows) < self.endpoints.page and len(out) + len(rows) >= count:
                out.extend(ox.Triple(r["s"], r["p"], r["o"]) for r in rows)
                return out
            if not rows:
                return out
            last = rows[-1]["s"]
            if not isinstance(last, ox.NamedNode):
                raise StoreError(f"reading {graph} back: a subject is not an IRI ({last})")
            out.extend(ox.Triple(r["s"], r["p"], r["o"]) for r in rows if r["s"] != last)
            tail = self.select(f"SELECT ?p ?o WHERE {{ GRAPH {g} {{ {last} ?p ?o }} }}",
                               "reading a graph back")
            out.extend(ox.Triple(last, r["p"], r["o"]) for r in tail)
            after = last.value

    def read(self, graph: str, known: AbstractSet[bytes] = frozenset(), *,
             what: str = "reading a graph back") -> list[bytes]:
        """The whole graph in one Graph Store protocol GET (stores that have `atomic`), as
        N-Triples lines in pyoxigraph's spelling: a line among known (the release's lines)
        is that already, the others are parsed and written again (another version of the
        store may write a term otherwise)."""
        url = f"{self.endpoints.gsp}?{urlencode({'graph': graph})}"
        try:
            answer = self.client.request("GET", url, headers={"Accept": "application/n-triples"},
                                         idempotent=True, what=what)
        except StoreError as exc:
            if exc.status == 404:
                return []
            raise
        lines = answer.body.split(b"\n")
        if lines[-1] == b"":
            lines.pop()
        other = [text for text in lines if text not in known]
        if not other:
            return lines
        try:
            respelled = ntriples_lines(_parsed(other))
        except SyntaxError as exc:
            raise StoreError(f"reading {graph} back: not N-Triples ({exc})") from None
        return [text for text in lines if text in known] + respelled

    def verify(self, part: Part, graph: str, what: str) -> None:
        """The graph in the store has exactly the part's triples (count and digest)."""
        if self.endpoints.atomic and self.endpoints.gsp and not self.sql_staged:
            held = set(self.read(graph, part.line_set))
        elif self.sql_staged:
            held = set(ntriples_lines(self.read_sql(graph)))
        else:
            count = self.count(graph)
            if count != part.count:
                raise CcbkgError(f"the {what} <{graph}> has {count} triples, expected "
                                 f"{part.count}")
            held = set(ntriples_lines(self.triples(graph, count)))
        wrong = _mismatch(part, held)
        if wrong is not None:
            raise CcbkgError(f"the {what} <{graph}> {wrong}")


def _mismatch(part: Part, held: AbstractSet[bytes]) -> str | None:
    """How a graph's distinct lines differ from the part (count, then digest), or None."""
    if len(held) != part.count:
        return f"has {len(held)} triples, expected {part.count}"
    if held == part.line_set:
        return None
    got = _digest(sorted(held))
    if got != part.digest:
        return (f"holds other triples than the release (SHA-256 {got[:12]}… instead of "
                f"{part.digest[:12]}…)")
    return None


def _part_name(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> str:
    if isinstance(graph, ox.DefaultGraph):
        return "default"
    if isinstance(graph, ox.NamedNode) and graph.value.startswith(DEFAULT_GRAPH_BASE):
        return graph.value[len(DEFAULT_GRAPH_BASE):]
    if isinstance(graph, ox.NamedNode):
        return graph.value
    raise CcbkgError("the release has a blank node as graph name; cannot publish it")


def virtuoso_load_script(graphs: Sequence[str], files: Mapping[str, str], *,
                         folder_variable: str = "CCBKG_DIST",
                         graph_base: str = DEFAULT_GRAPH_BASE) -> str:
    """An isql script that (re)loads the release with Virtuoso's bulk loader.

    graphs: every named graph the files fill; each is cleared first, so a reload replaces,
    and every other graph under graph_base is dropped (one the release no longer has, such as
    a removed country file), as publish does. files: path (relative to the release folder) →
    graph; for N-Quads/TriG files the graph only catches triples outside a named graph. The
    folder is given at run time, quoted (isql-vt splits -u values at spaces): `isql-vt 1111 dba
    PASSWORD load-virtuoso.sql -u "CCBKG_DIST='/abs/dist'"`, and must be in DirsAllowed of
    virtuoso.ini. Not atomic: use
    `ccbkg publish` on a live store.

    isql-vt goes on after a failed statement and exits 0 whatever happened, so the work is one
    procedure: it reads a byte of every file before it clears anything (a wrong folder, or one
    outside DirsAllowed, stops it with the store untouched), and ends with an error naming
    each file the loader could not load; the last line says which.
    """
    check_graph_base(graph_base)
    folder = f"$U{{{folder_variable}}}"

    def quoted(text: str) -> str:
        return "'{}'".format(text.replace("'", "''"))

    kept = ", ".join(quoted(g) for g in sorted(set(graphs)))
    loaded = ", ".join(f"{quoted(path)}, {quoted(graph)}" for path, graph in sorted(files.items()))
    lines = [
        "-- Load the ccbkg release with Virtuoso's bulk loader (not atomic: for live stores",
        "-- use `ccbkg publish --store virtuoso`). Run from isql with the release folder:",
        f"--   isql-vt 1111 dba PASSWORD load-virtuoso.sql -u \"{folder_variable}='/abs/dist'\"",
        "-- (the quotes keep a folder with a space whole: isql-vt splits -u values at spaces).",
        "-- The folder must be listed in DirsAllowed of virtuoso.ini. isql-vt exits 0 even when",
        "-- a statement fails: the last line printed is 'ccbkg: loaded ...' or an error that",
        "-- says what the store holds.",
        "CREATE PROCEDURE DB.DBA.CCBKG_LOAD (in folder varchar, in graph_base varchar,",
        "                                   in kept any, in files any)",
        "{",
        "  declare i integer;",
        "  declare path, failed varchar;",
        "  declare stale any;",
        "  -- every file there, not empty, and in DirsAllowed before anything is cleared",
        "  for (i := 0; i < length (files); i := i + 2)",
        "    {",
        "      path := concat (folder, '/', files[i]);",
        "      if (cast (file_stat (path, 1) as integer) = 0)",
        "        signal ('CCBK1', sprintf ('ccbkg: cannot read %s (no such file, or an empty '",
        "          || 'one): nothing was cleared or loaded; give the folder ccbkg build wrote',",
        "          path));",
        "    }",
        "  for (i := 0; i < length (files); i := i + 2)",
        "    {",
        "      path := concat (folder, '/', files[i]);",
        "      declare exit handler for sqlstate '*' {",
        "        signal ('CCBK1', sprintf ('ccbkg: cannot read %s (%s %s): nothing was '",
        "          || 'cleared or loaded; give the folder ccbkg build wrote, listed in '",
        "          || 'DirsAllowed of virtuoso.ini', path, __SQL_STATE, __SQL_MESSAGE));",
        "      };",
        "      file_to_string_output (path, 0, 1);",
        "    }",
        "  -- each row committed as it goes, as CLEAR GRAPH does: the graphs of a large",
        "  -- release are too many rows for one transaction (the load is not atomic anyway)",
        "  log_enable (3, 1);",
        "  for (i := 0; i < length (kept); i := i + 1)",
        "    delete from DB.DBA.RDF_QUAD where G = iri_to_id (kept[i]);",
        "  -- the graphs under the base that this release does not have",
        "  stale := vector ();",
        "  for (select distinct G as graph_id from DB.DBA.RDF_QUAD) do",
        "    {",
        "      if (left (id_to_iri (graph_id), length (graph_base)) = graph_base",
        "          and position (id_to_iri (graph_id), kept) = 0)",
        "        stale := vector_concat (stale, vector (graph_id));",
        "    }",
        "  for (i := 0; i < length (stale); i := i + 1)",
        "    delete from DB.DBA.RDF_QUAD where G = stale[i];",
        "  for (i := 0; i < length (files); i := i + 2)",
        "    {",
        "      path := concat (folder, '/', files[i]);",
        "      delete from DB.DBA.load_list where ll_file = path;",
        "      ld_add (path, files[i + 1]);",
        "    }",
        "  commit work;",
        "  rdf_loader_run ();",
        "  failed := '';",
        "  for (i := 0; i < length (files); i := i + 2)",
        "    {",
        "      path := concat (folder, '/', files[i]);",
        "      for (select ll_error from DB.DBA.load_list where ll_file = path",
        "           and (ll_error is not null or ll_state <> 2)) do",
        "        failed := concat (failed, ' ', path, ': ',",
        "                          coalesce (ll_error, 'not loaded'), ';');",
        "    }",
        "  if (failed <> '')",
        "    signal ('CCBK2', concat ('ccbkg: the bulk loader failed, and the release '",
        "      || 'graphs are cleared or partly loaded (run the script again once it is '",
        "      || 'mended):', failed));",
        "  return sprintf ('ccbkg: loaded %d files into %d graphs (%d dropped)',",
        "    length (files) / 2, length (kept), length (stale));",
        "}",
        ";",
        f"SELECT DB.DBA.CCBKG_LOAD ('{folder}', {quoted(graph_base)}, vector ({kept}),",
        f"  vector ({loaded}));",
        "DROP PROCEDURE DB.DBA.CCBKG_LOAD;",
        "checkpoint;",
    ]
    return "\n".join(lines) + "\n"
