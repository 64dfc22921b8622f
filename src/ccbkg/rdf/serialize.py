"""Deterministic RDF writing: the same graph gives the same bytes, build after build.

Each named graph is put in canonical order once, as a `Part`: blank nodes relabelled by their
content (`canonicalised`; only the triples that mention one need it) and the distinct triples
sorted by their N-Triples line, which pyoxigraph writes in bulk (sorting Python term objects
would cost seconds per million triples). Every format of a part, and any merge of parts, reuses
that order. A part keeps only those lines: the formats that need terms parse them back a batch
at a time, so a graph's triples are never held as Python objects beside their lines.
"""

from __future__ import annotations

import heapq
import io
import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from hashlib import sha256
from itertools import accumulate, groupby, islice
from typing import BinaryIO, TypeVar, cast, overload

import pyoxigraph as ox

from ccbkg.core.file_types import rdf_syntax
from ccbkg.core.namespaces import GRAPH, PREFIXES

_T = TypeVar("_T")
_BATCH = 100_000  # lines parsed at a time
_READ_AHEAD = 4_096  # lines read ahead by an iteration over Lines
_PREFIXED = (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML)


class Lines(Sequence[bytes]):
    """N-Triples lines (each without its newline) kept as one block of text, each line ending
    with a newline, and the offset where each starts (N-Triples escapes line breaks, so no line
    holds one). A million lines are two objects rather than a million: they take less memory,
    and a process forked to read them copies none of its parent's pages (reading an object
    writes its reference count, so reading a million small ones copies the pages they are on).
    An item or a slice is a new bytes object, or a list of them."""

    __slots__ = ("_starts", "text")

    def __init__(self, lines: Iterable[bytes] = ()) -> None:
        starts = array("Q", [0])
        chunks: list[bytes] = []
        given = iter(lines)
        while batch := list(islice(given, _BATCH)):
            chunks.append(b"\n".join(batch) + b"\n")
            starts.extend(islice(accumulate((len(line) + 1 for line in batch),
                                            initial=starts[-1]), 1, None))
        self.text = b"".join(chunks)
        self._starts = starts

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> list[bytes]: ...

    def __getitem__(self, index: int | slice) -> bytes | list[bytes]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return self.block(start, stop).split(b"\n")[:-1] if start < stop else []
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.text[self._starts[index]:self._starts[index + 1] - 1]

    def __iter__(self) -> Iterator[bytes]:
        # a few thousand lines at a time: merging the parts of a large graph reads them all at
        # once, and each read ahead is held as objects
        for start in range(0, len(self), _READ_AHEAD):
            yield from self[start:start + _READ_AHEAD]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Lines):
            return self.text == other.text
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Lines({len(self)} lines, {len(self.text)} bytes)"

    def block(self, start: int = 0, stop: int | None = None) -> bytes:
        """The lines from start up to stop, each with its newline, as one bytes object."""
        end = len(self) if stop is None else stop
        return self.text[self._starts[start]:self._starts[end]]


@dataclass(frozen=True)
class Part:
    """One graph's distinct triples in canonical order, as their N-Triples lines."""

    graph: str  # the named graph's IRI; "" for the default graph
    lines: Lines  # each triple's N-Triples line (any sequence of lines given becomes Lines)

    def __post_init__(self) -> None:
        if not isinstance(self.lines, Lines):
            object.__setattr__(self, "lines", Lines(self.lines))

    @classmethod
    def of(cls, graph: str, triples: Iterable[ox.Quad]) -> Part:
        """Canonicalise a graph's triples (given in the default graph), read a batch at a time.

        Blank-node labels are RDFC-1.0's, prefixed with a name for the graph so that no two
        graphs of a dataset share a label (a graph with a blank node is canonicalised whole).
        """
        lines: list[bytes] = []
        given = iter(triples)
        while batch := list(islice(given, _BATCH)):
            blob = ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b""
            if b"_:" in blob:  # a blank node, or "_:" inside a literal
                whole = _relabelled([*parsed_lines(lines), *batch, *given], _label_prefix(graph))
                return cls(graph, _sorted_distinct(ntriples_lines(whole)))
            lines += _lines(blob, len(batch))
        return cls(graph, _sorted_distinct(lines))

    def triples(self) -> Iterator[ox.Quad]:
        """The triples (in the default graph) in canonical order, parsed from the lines a batch
        at a time (the labels of blank nodes are kept)."""
        for batch in _batches(self):
            yield from ox.parse(batch, format=ox.RdfFormat.N_TRIPLES)


def merged(parts: Sequence[Part]) -> Part:
    """The distinct triples of several graphs, in canonical order (for graph-less formats)."""
    if len(parts) == 1:
        return parts[0]
    return Part("", Lines(distinct_lines([p.lines for p in parts])))


def distinct_count(parts: Sequence[Part]) -> int:
    """How many distinct triples the parts hold together (merged a line at a time)."""
    return sum(1 for _ in distinct_lines([p.lines for p in parts]))


def distinct_lines(sorted_lines: Iterable[Iterable[bytes]]) -> Iterator[bytes]:
    """The distinct lines of several sorted sequences of lines, in order, merged a line at a
    time."""
    return (line for line, _ in groupby(heapq.merge(*sorted_lines)))


def write(parts: Sequence[Part], extension: str) -> bytes:
    """The bytes of one format (see `write_to`)."""
    out = io.BytesIO()
    write_to(parts, extension, out)
    return out.getvalue()


def write_to(parts: Sequence[Part], extension: str, out: BinaryIO) -> None:
    """Write one format to out, a batch at a time: N-Quads and TriG keep each part's graph
    (graphs in IRI order), the other formats get the distinct triples of all parts."""
    if extension == "nq":
        for p in sorted(parts, key=lambda p: p.graph):
            for batch in _batches(p):
                out.write(batch.replace(b" .\n", f" <{p.graph}> .\n".encode())
                          if p.graph else batch)  # N-Triples escapes line breaks in literals
    elif extension == "trig":
        _trig(sorted(parts, key=lambda p: p.graph), out)
    elif extension == "nt":
        for batch in _batches(merged(parts)):
            out.write(batch)
    else:
        fmt = rdf_syntax(extension)
        assert fmt is not None, extension
        ox.serialize(merged(parts).triples(), out, format=fmt,
                     prefixes=PREFIXES if fmt in _PREFIXED else None)


class Ordered:
    """Any quads put in canonical order once, then written in any number of formats."""

    def __init__(self, quads: Iterable[ox.Quad]) -> None:
        graphs: dict[str, list[ox.Quad]] = {}
        for q in quads:
            name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
            graphs.setdefault(name, []).append(
                ox.Quad(q.subject, q.predicate, q.object) if name else q)
        self.parts = [Part.of(name, triples) for name, triples in sorted(graphs.items())]

    def write(self, extension: str) -> bytes:
        """The bytes of one format (see `write`)."""
        return write(self.parts, extension)


def to_bytes(quads: Iterable[ox.Quad], extension: str) -> bytes:
    """Serialise quads deterministically in one format (see `Ordered` for several)."""
    return Ordered(quads).write(extension)


def ntriples_lines(triples: Sequence[ox.Quad] | Sequence[ox.Triple]) -> list[bytes]:
    """Each triple's N-Triples line (pyoxigraph's spelling, without the newline), in order,
    written in bulk."""
    return _lines(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", len(triples))


def parsed_lines(lines: Iterable[bytes]) -> Iterator[ox.Quad]:
    """The triples (in the default graph) of N-Triples lines given without their newlines,
    the reverse of `ntriples_lines`; SyntaxError on a line that is not N-Triples."""
    return ox.parse(b"".join(line + b"\n" for line in lines), format=ox.RdfFormat.N_TRIPLES)


def _lines(blob: bytes, count: int) -> list[bytes]:
    """The lines of the N-Triples of count triples, without their newlines."""
    lines = blob.split(b"\n")
    lines.pop()  # after the last newline
    if len(lines) != count:
        raise ValueError(f"{count} triples written as {len(lines)} N-Triples lines")
    return lines


def _sorted_distinct(lines: list[bytes]) -> Lines:
    """The distinct lines in order (lines is sorted in place)."""
    lines.sort()
    return Lines(line for line, _ in groupby(lines))


def _relabelled(triples: Sequence[ox.Quad], prefix: str) -> list[ox.Quad]:
    """The triples with their blank nodes labelled canonically (see `canonicalised`), each
    label prefixed."""
    plain = [t for t in triples if not _has_blank(t)]

    def named(term: _T) -> _T | ox.BlankNode:
        return ox.BlankNode(prefix + term.value) if isinstance(term, ox.BlankNode) else term

    return plain + [ox.Quad(named(q.subject), q.predicate, named(q.object))
                    for q in canonicalised([t for t in triples if _has_blank(t)])]


def canonicalised(triples: Iterable[ox.Quad | ox.Triple]) -> list[ox.Quad]:
    """The distinct triples (in the default graph) with blank nodes labelled c14n0, c14n1, ...
    by their content alone.

    Blank nodes written as [ ] and ( ) form trees (each is the object of one triple at most),
    which are labelled in time linear in their size (`_tree_labels`). Other blank nodes go
    to RDFC-1.0, whose time grows steeply with nesting and exponentially with symmetry (a
    binary tree of identical blank nodes ten levels deep runs for hours).
    """
    distinct = {ox.Quad(t.subject, t.predicate, t.object) for t in triples}
    labels = _tree_labels(distinct)
    if labels is None:
        dataset = ox.Dataset(distinct)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        return list(dataset)

    def named(term: _T) -> _T | ox.BlankNode:
        return ox.BlankNode(labels[term]) if isinstance(term, ox.BlankNode) else term

    return [ox.Quad(named(q.subject), q.predicate, named(q.object)) for q in distinct]


def _tree_labels(triples: Iterable[ox.Quad]) -> dict[ox.BlankNode, str] | None:
    """Canonical labels of blank nodes that form trees, or None when they do not.

    A node's content hash covers its triples with each child's content hash in place of the
    child; its key adds where it hangs (the parent's key or IRI, and the predicate) and, for
    siblings with the same content, a count: such siblings are interchangeable, so any order
    of them gives the same labelled triples. Labels follow the order of the keys.
    """
    edges: dict[ox.BlankNode, list[tuple[str, ox.Quad]]] = {}
    parent: dict[ox.BlankNode, ox.Quad] = {}
    for q in triples:
        if isinstance(q.subject, ox.BlankNode):
            edges.setdefault(q.subject, []).append((str(q.predicate), q))
        if isinstance(q.object, ox.BlankNode):
            if q.object in parent:
                return None  # shared: not a tree
            parent[q.object] = q
            edges.setdefault(q.object, [])
    tops = [b for b in edges if b not in parent or not isinstance(parent[b].subject,
                                                                  ox.BlankNode)]
    content: dict[ox.BlankNode, str] = {}
    stack = [(top, False) for top in tops]
    while stack:  # children before parents, without recursion
        node, ready = stack.pop()
        if ready:
            content[node] = _hash(sorted(f"{p} {_named(q.object, content)}"
                                         for p, q in edges[node]))
        else:
            stack.append((node, True))
            stack.extend((q.object, False) for _, q in edges[node]
                         if isinstance(q.object, ox.BlankNode))
    if len(content) != len(edges):
        return None  # a cycle of blank nodes
    keys: dict[ox.BlankNode, str] = {}
    seen: dict[str, int] = {}
    while tops:  # parents before children
        node = tops.pop()
        up = parent.get(node)
        where = "" if up is None else f"{_named(up.subject, keys)} {up.predicate}"
        base = _hash([where, content[node]])
        seen[base] = count = seen.get(base, -1) + 1
        keys[node] = _hash([base, str(count)])
        tops.extend(q.object for _, q in edges[node] if isinstance(q.object, ox.BlankNode))
    return {node: f"c14n{i}" for i, node in enumerate(sorted(edges, key=keys.__getitem__))}


def _named(term: object, hashes: dict[ox.BlankNode, str]) -> str:
    """A blank node's hash, or another term as N-Triples."""
    return hashes[term] if isinstance(term, ox.BlankNode) else str(term)


def _hash(lines: Sequence[str]) -> str:
    return sha256("\n".join(lines).encode()).hexdigest()


def _has_blank(q: ox.Quad) -> bool:
    return isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)


def _label_prefix(graph: str) -> str:
    """A readable blank-node label prefix for a graph: its path under the graph base, else a
    hash of its IRI."""
    if not graph:
        return ""
    if graph.startswith(str(GRAPH)):
        return re.sub(r"[^A-Za-z0-9]+", "-", graph[len(str(GRAPH)):]).strip("-") + "-"
    return "g" + sha256(graph.encode()).hexdigest()[:12] + "-"


def _batches(part: Part) -> Iterator[bytes]:
    """The part's N-Triples, a batch of lines at a time."""
    for start in range(0, len(part.lines), _BATCH):
        yield part.lines.block(start, min(start + _BATCH, len(part.lines)))


def _trig(parts: Sequence[Part], out: BinaryIO) -> None:
    """TriG as pyoxigraph writes it (prefixes once, then each graph's Turtle indented in a
    block), made from each part's Turtle so that no quad objects have to be built."""
    header = True
    for part in parts:
        if part.lines:
            block = _Block(out, part.graph, header)
            ox.serialize(part.triples(), cast(BinaryIO, block), format=ox.RdfFormat.TURTLE,
                         prefixes=PREFIXES)
            block.close()
            header = False


class _Block:
    """A file-like sink that writes a graph's Turtle, as pyoxigraph gives it, as a TriG block:
    its @prefix lines only if header, then the rest in `<graph> {` and `}`, each line indented
    by a tab. pyoxigraph ends lines with "\n" alone (a line break in a literal is escaped), so
    after the prefixes the body is indented a chunk at a time."""

    def __init__(self, out: BinaryIO, graph: str, header: bool) -> None:
        self.out = out
        self.graph = graph
        self.header = header
        self.in_prefixes = True
        self.pending = b""
        self.line_start = True  # the next byte written starts a line

    def write(self, data: bytes) -> int:
        chunk = self.pending + bytes(data)
        self.pending = b""
        while self.in_prefixes and chunk:
            end = chunk.find(b"\n")
            if end < 0:
                self.pending = chunk
                return len(data)
            if not chunk.startswith(b"@prefix "):
                self._open()
                break
            if self.header:
                self.out.write(chunk[:end + 1])
            chunk = chunk[end + 1:]
        if chunk:
            if self.graph:
                chunk = (b"\t" if self.line_start else b"") + \
                    chunk[:-1].replace(b"\n", b"\n\t") + chunk[-1:]
            self.out.write(chunk)
            self.line_start = chunk.endswith(b"\n")
        return len(data)

    def flush(self) -> None:
        """Everything is written as it comes, but a line among the prefixes, until it ends."""

    def close(self) -> None:
        """Write what is left and end the block."""
        if self.pending:  # a last line without its line break, still among the prefixes
            if not self.pending.startswith(b"@prefix "):
                self._open()
                self.write(b"")
            elif self.header:
                self.out.write(self.pending)
        if self.in_prefixes:
            self._open()
        if self.graph:
            self.out.write(b"}\n")

    def _open(self) -> None:
        self.in_prefixes = False
        if self.graph:
            self.out.write(f"<{self.graph}> {{\n".encode())

