"""Pages of a bundled query's answer cut from the whole ordered answer, kept on disk.

pyoxigraph evaluates and orders a listing's whole answer for every page asked of it (ORDER BY
is not evaluated top-k), so a page costs what the listing costs. The first page asked of a
bundled query on the embedded store therefore writes the whole ordered answer to the cache,
and every later page is read from it: only that page's rows, found through an index of row
offsets.

An entry is named by a key over everything the answer depends on: this format, ccbkg's and
pyoxigraph's versions, the digest of the project files (the role, path and bytes of every file
the loader reads: `files_digest` from the files as they are now, `loaded_digest` from what was
loaded, the same value), the query text and the bound parameters. Changing one byte of one
file changes the key; nothing else (times, sizes) is trusted. An entry is written to a file of
its own and renamed into place, and is read only when its header names its key and its
footer and index are whole; anything else is a miss, computed again. The folder is the
cache's `pages` folder (ccbkg.core.cache), used only when it is private.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox

import ccbkg
from ccbkg.core.cache import folder as cache_folder
from ccbkg.core.cache import is_private, make_private, open_entry
from ccbkg.project.layout import RDF_ROLES, SPARQL_ROLES, Project
from ccbkg.project.load import LoadedFile, LoadedProject, LoadedQuery
from ccbkg.project.query_headers import Term
from ccbkg.query.render import Results, json_binding

MAX_CACHE_BYTES = 4 * 1024 ** 3  # the oldest entries go beyond this
_FORMAT = b"ccbkg-pages-1"
_MAGIC = b"CCBKGPG1"
_FOOTER = struct.Struct("<8sQQ")  # magic, where the index starts, rows
_OFFSET = struct.Struct("<Q")


def files_digest(project: Project) -> str:
    """The digest of the project files as they are now (every file `load` reads)."""
    return _digest((project.display(f.path), f.role.value, project.read_bytes(f.path))
                   for f in (*project.of(*RDF_ROLES), *project.of(*SPARQL_ROLES)))


def loaded_digest(loaded: LoadedProject) -> str:
    """The digest of the project files as they were loaded: `files_digest` of the same bytes."""
    files: list[LoadedFile | LoadedQuery] = [*loaded.files, *loaded.queries]
    return _digest((f.display, f.file.role.value, f.text.encode("utf-8")) for f in files)


def _digest(files: Iterable[tuple[str, str, bytes]]) -> str:
    h = hashlib.sha256()
    for shown, role, data in files:
        h.update(f"{len(shown)}:{shown}:{role}:{len(data)}:".encode())
        h.update(data)
    return h.hexdigest()


@dataclass(frozen=True)
class Page:
    """A page read from the cache: its rows, and the labels of the IRIs in them."""

    results: Results
    labels: dict[str, str]


class PageCache:
    """The whole ordered answers of bundled queries, one file each, in a folder."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or cache_folder("pages")

    def key(self, digest: str, text: str, bindings: Mapping[str, Term]) -> str:
        """The entry's name for a query text and its bound parameters on that project."""
        h = hashlib.sha256(_FORMAT + b"\0" + f"{ccbkg.__version__}\0{ox.__version__}\0"
                           f"{digest}\0{len(text)}:{text}".encode())
        for name in sorted(bindings):
            h.update(f"\0{name}={bindings[name]}".encode())
        return h.hexdigest()

    def read(self, key: str, offset: int, limit: int | None) -> Page | None:
        """Rows [offset, offset + limit) of the kept answer, or None when there is no whole
        entry of that key (or the folder is not private)."""
        if not self.private():
            return None
        fd = open_entry(self.path(key))
        if fd is None:
            return None
        with os.fdopen(fd, "rb") as entry:
            try:
                page = _read(entry, key, offset, limit)
            except (OSError, ValueError, LookupError, TypeError, AttributeError, SyntaxError,
                    struct.error):
                return None
        if page is not None:
            with contextlib.suppress(OSError):
                os.utime(self.path(key))  # used now: the last to go
        return page

    def entry(self, key: str, variables: tuple[str, ...]) -> EntryWriter:
        """A new entry, written row by row (a context manager: see EntryWriter)."""
        return EntryWriter(self, key, variables)

    def private(self) -> bool:
        """Whether the folder may be used (ccbkg.core.cache.is_private)."""
        return is_private(self.folder)

    def discard(self, key: str) -> None:
        """Remove what a stopped writer of that entry left (its unfinished file)."""
        for unfinished in self.folder.glob(f".{key}.*.tmp"):
            with contextlib.suppress(OSError):
                unfinished.unlink()

    def path(self, key: str) -> Path:
        """The file of an entry."""
        return self.folder / f"{key}.page"

    def prune(self, keep: Path) -> None:
        """Remove the least recently used entries while the folder holds more than
        MAX_CACHE_BYTES."""
        entries = []
        for path in self.folder.glob("*.page"):
            with contextlib.suppress(OSError):
                status = path.stat()
                entries.append((status.st_mtime, status.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= MAX_CACHE_BYTES:
                break
            if path != keep:
                with contextlib.suppress(OSError):
                    path.unlink()
                total -= size


class EntryWriter:
    """Writes an entry into a file of its own: a header line (format, key, variables), one
    line per row (its SPARQL JSON binding, a tab, the labels of its IRIs as JSON), the index of
    where each row starts, and a footer (magic, where the index starts, the number of rows).
    `commit` renames it into place; leaving the `with` block removes what is left. The cache
    never fails a query: after a failed write nothing more is written, and nothing is kept."""

    def __init__(self, cache: PageCache, key: str, variables: tuple[str, ...]) -> None:
        self._cache, self._variables = cache, variables
        self._final = cache.path(key)
        self._temporary = cache.folder / f".{key}.{os.getpid()}.tmp"
        self._starts: list[int] = []
        self._at = 0
        self._out: IO[bytes] | None = None
        with contextlib.suppress(OSError):
            if not make_private(cache.folder):
                raise OSError("the cache folder is not private")
            self._out = os.fdopen(os.open(self._temporary, os.O_WRONLY | os.O_CREAT |
                                          os.O_TRUNC | os.O_NOFOLLOW, 0o600), "wb")
        header = {"format": _FORMAT.decode(), "key": key, "variables": list(variables)}
        self._write(json.dumps(header).encode() + b"\n")

    def __enter__(self) -> EntryWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._close()
        with contextlib.suppress(OSError):
            self._temporary.unlink()

    def add(self, row: tuple[Term | None, ...], named: Mapping[str, str]) -> None:
        """Append one row of the answer, with the labels of its IRIs."""
        if self._out is None:
            return
        self._starts.append(self._at)
        self._write((json.dumps(json_binding(self._variables, row), ensure_ascii=False) +
                     "\t" + json.dumps(named, ensure_ascii=False) + "\n").encode())

    def commit(self) -> None:
        """Write the index and the footer, and put the entry in place."""
        index = self._at
        self._write(b"".join(_OFFSET.pack(s) for s in (*self._starts, self._at)))
        self._write(_FOOTER.pack(_MAGIC, index, len(self._starts)))
        if self._close():
            with contextlib.suppress(OSError):
                self._temporary.replace(self._final)
                self._cache.prune(keep=self._final)

    def _write(self, data: bytes) -> None:
        if self._out is not None:
            try:
                self._at += self._out.write(data)
            except OSError:
                self._close()

    def _close(self) -> bool:
        """Close the file; whether all was written."""
        out, self._out = self._out, None
        if out is None:
            return False
        try:
            out.close()
        except OSError:
            return False
        return True


def _read(entry: IO[bytes], key: str, offset: int, limit: int | None) -> Page | None:
    header = json.loads(entry.readline())
    if header.get("format") != _FORMAT.decode() or header.get("key") != key:
        return None
    variables = tuple(str(v) for v in header["variables"])
    size = entry.seek(0, os.SEEK_END)
    entry.seek(size - _FOOTER.size)
    magic, index, rows = _FOOTER.unpack(entry.read(_FOOTER.size))
    if magic != _MAGIC or index + _OFFSET.size * (rows + 1) + _FOOTER.size != size:
        return None
    first = min(offset, rows)
    last = rows if limit is None else min(offset + limit, rows)
    entry.seek(index + _OFFSET.size * first)
    start = _OFFSET.unpack(entry.read(_OFFSET.size))[0]
    entry.seek(index + _OFFSET.size * last)
    end = _OFFSET.unpack(entry.read(_OFFSET.size))[0]
    if not start <= end <= index:
        return None
    entry.seek(start)
    lines = entry.read(end - start).split(b"\n")
    if len(lines) != last - first + 1 or lines.pop():
        return None
    bindings, labels = [], {}
    for line in lines:
        binding, named = line.decode("utf-8").split("\t", 1)
        bindings.append(binding)
        labels.update(json.loads(named))
    document = (f'{{"head":{{"vars":{json.dumps(list(variables))}}},'
                f'"results":{{"bindings":[{",".join(bindings)}]}}}}')
    answer = ox.parse_query_results(document, format=ox.QueryResultsFormat.JSON)
    assert isinstance(answer, ox.QuerySolutions)
    rows_read = tuple(tuple(s[i] for i in range(len(variables))) for s in answer)
    return Page(Results(variables, rows_read), labels)
