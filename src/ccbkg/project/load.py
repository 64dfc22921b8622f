"""Load the authored files once, strictly, and hand them on to every stage.

Turtle and TriG go through pyoxigraph's parser, which follows the W3C grammars (rdflib's
accepts literals as subjects, IRIs with spaces and lone surrogates). Beyond the grammar the
loader rejects what a curator never means: a byte-order mark, JSON in a Turtle file, a file
with no triples, a prefix bound twice to different IRIs, unknown XSD datatypes and literals
that are not valid for their datatype. SPARQL files go through rdflib's parser, which only
parses (it never executes or fetches anything).
"""

from __future__ import annotations

import io
import itertools
import json
import re
import unicodedata
import xml.parsers.expat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from ccbkg.core import netguard
from ccbkg.core.errors import CcbkgError
from ccbkg.core.file_types import rdf_syntax
from ccbkg.core.findings import Finding, Severity, StageResult
from ccbkg.core.limits import MAX_NESTING
from ccbkg.core.namespaces import BASE
from ccbkg.core.terms import XSD_STRING, rdflib_graph
from ccbkg.core.termtext import counted, curie, printable
from ccbkg.core.textlines import line_ends, position, split_lines
from ccbkg.project import literals as datatypes
from ccbkg.project.layout import (
    RDF_ROLES,
    SPARQL_ROLES,
    Project,
    ProjectFile,
    RefusedFile,
    Role,
    name_problem,
)
from ccbkg.project.query_headers import HeaderError, parse_header
from ccbkg.project.sparql_text import sparql_problem

STAGE = "syntax"
# A project's first files, up to this many triples, keep their triples as parsed (some 120 MB at
# most); the files after them keep theirs compressed (`LoadedFile`).
KEPT_PARSED = 250_000
# A store is filled this many quads at a time: pyoxigraph's `extend` makes a list of Rust quads
# of all it is given before inserting them (3 GiB more at the peak for 10,000x in one call).
STORE_BATCH = 100_000

_XML_DECLARATIONS_RE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# The tokens that open or close a level, and those inside which brackets do not count
# (strings, IRIs, comments, escapes in local names), of Turtle, TriG, N-Triples and JSON.
_TURTLE_TOKENS_RE = re.compile(
    r'"""(?:"{0,2}(?:[^"\\]|\\.))*"""' "|" r"'''(?:'{0,2}(?:[^'\\]|\\.))*'''"
    r'|"(?:[^"\\\n]|\\.)*"' "|" r"'(?:[^'\\\n]|\\.)*'"
    r"|<<|>>|<[^<>\s]*>|#[^\n]*|\\.|[\[\](){}]", re.DOTALL)
_JSON_TOKENS_RE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
# A quoted string's language tag, and what is written right after it up to a separator.
_LANGUAGE_TAG_RE = re.compile(
    r"""["'](?P<tag>@[A-Za-z][A-Za-z0-9-]*)(?P<rest>(?:[^\s,;.\])]|\.(?=\S))*)""")
_BCP47_RE = re.compile(r"^@[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_OPENERS = frozenset(("[", "(", "{", "<<"))
_CLOSERS = frozenset(("]", ")", "}", ">>"))
# Characters nobody types on purpose that make two equal-looking strings differ, or that
# reorder (bidi controls) or hide (control characters) text where it is shown; tabs and line
# breaks are fine.
# What a literal may not hold: control characters but TAB, LF and CR, and invisible or bidi ones.
INVISIBLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f"
                           "\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Lines end at CR, LF or CRLF (as in Turtle and SPARQL); (?<![^\r\n]) is a line's start.
_PREFIX_RE = re.compile(
    r"(?<![^\r\n])[ \t]*(?:@prefix|PREFIX)[ \t]+([A-Za-z][\w.-]*)?:[ \t]*<([^>\r\n]*)>",
    re.IGNORECASE)


_LOCAL_ESCAPE = re.compile(r"\\(.)")
_LINE_START = re.compile(r"(?<![^\r\n])[ \t]*(\S+)")  # a line's first word


@dataclass
class LoadedFile:
    """An authored RDF file that parsed: its text, and its triples (`size` of them), either as
    the parser gave them (pyoxigraph `Quad`s, some 470 bytes each, read at once) or, past the
    project's first KEPT_PARSED triples, as zlib-compressed N-Quads (about 16 bytes a triple),
    parsed again where they are read: a graph of millions of triples fits in memory, and one of
    the size curators work with is not parsed over and over."""

    file: ProjectFile
    display: str
    text: str
    prefixes: dict[str, str]
    size: int
    packed: bytes = field(repr=False)
    parsed: list[ox.Quad] | None = field(default=None, repr=False)

    @classmethod
    def of(cls, file: ProjectFile, display: str, text: str, prefixes: dict[str, str],
           quads: list[ox.Quad], *, keep: bool) -> LoadedFile:
        """The loaded file of the quads the parser gave; keep: as they are, else compressed."""
        if keep:
            return cls(file, display, text, prefixes, len(quads), b"", quads)
        data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
        return cls(file, display, text, prefixes, len(quads), zlib.compress(data, 1))

    def quads(self) -> Iterator[ox.Quad]:
        """The triples as parsed (in the default graph, or a TriG or N-Quads file's graphs),
        in the parser's order and with its blank-node labels (compressed ones parsed again at
        each call, leniently: the terms were checked when the file was loaded)."""
        if self.parsed is not None:
            return iter(self.parsed)
        return ox.parse(zlib.decompress(self.packed), format=ox.RdfFormat.N_QUADS, lenient=True)

    @cached_property
    def triple_lines(self) -> dict[tuple[str, str, str], int]:
        """For each triple (subject, predicate, object as N-Triples terms), the line where the
        parser finished reading it: the file is parsed again, fed one line at a time, and each
        triple is placed on the line being read when the parser gave it (1-based). Only text
        formats; for RDF/XML and JSON-LD the map is empty."""
        fmt = rdf_syntax(self.file.path.suffix)
        if fmt not in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N_TRIPLES,
                       ox.RdfFormat.N_QUADS):
            return {}
        feed = _LineFeed(self.text.encode("utf-8"))
        lines: dict[tuple[str, str, str], int] = {}
        for q in ox.parse(cast(IO[bytes], feed), format=fmt):
            lines.setdefault((str(q.subject), str(q.predicate), str(q.object)), feed.line)
        return lines

    def line_of(self, subject: str, predicate: str | None = None,
                obj: str | None = None) -> int | None:
        """The line of the triple (terms in N-Triples form) when the file has it, else the
        line where the subject's description starts (`subject_lines`, by IRI or label)."""
        if predicate is not None and obj is not None:
            line = self.triple_lines.get((subject, predicate, obj))
            if line is not None:
                return line
        return self.subject_lines.get(subject[1:-1] if subject.startswith("<")
                                      else subject.removeprefix("_:"))

    @cached_property
    def subject_lines(self) -> dict[str, int]:
        """For each subject, the line where its description starts (1-based).

        An IRI (written in full or with one of the file's prefixes) or a labelled blank node
        (_:x): the first line that begins with it at its first column, else the first such
        line at all (an object list's next line starts with an object, indented). A blank
        node written [ ] or ( ) at the start of a statement: the lines that begin with [ or (
        at their first column, in order, when there are as many as such nodes. A blank node
        inside another node's description: that node's line.
        """
        subjects: set[str] = set()
        parent: dict[str, str] = {}  # a blank node's subject, where it is an object
        blanks: dict[str, None] = {}  # the blank subjects, in the order the parser gave them
        for q in self.quads():
            s, o = q.subject, q.object
            if not isinstance(s, ox.Triple):
                subjects.add(s.value)
            if isinstance(o, ox.BlankNode):
                parent[o.value] = s.value  # type: ignore[union-attr]
            if isinstance(s, ox.BlankNode):
                blanks[s.value] = None
        lines: dict[str, int] = {}
        indented: dict[str, int] = {}
        anonymous: list[int] = []
        for number, match in _numbered(_LINE_START, self.text):
            token = match.group(1).rstrip(";.")
            at_start = match.start(1) == match.start()
            if not token:  # a line that holds only the end of a statement: ` .` or ` ;`
                continue
            if token.startswith("<") and token.endswith(">"):
                iri = token[1:-1]
            elif token.startswith("_:"):
                iri = token[2:]
            elif token[0] in "[(":
                if at_start:
                    anonymous.append(number)
                continue
            else:
                prefix, _, local = token.partition(":")
                if prefix not in self.prefixes:
                    continue
                iri = self.prefixes[prefix] + (_LOCAL_ESCAPE.sub(r"\1", local)  # id:a\/b
                                               if "\\" in local else local)
            found = lines if at_start else indented
            if iri in subjects and iri not in found:
                found[iri] = number
        located = indented | lines
        unlabelled = [b for b in blanks if b not in located]
        located.update(_blank_lines(located, anonymous, parent, unlabelled))
        return located


def _blank_lines(located: dict[str, int], anonymous: list[int], parent: dict[str, str],
                 blanks: list[str]) -> dict[str, int]:
    """The lines of the blank nodes that no label locates (see `LoadedFile.subject_lines`)."""
    tops = [b for b in blanks if b not in parent]
    found = dict(zip(tops, anonymous, strict=True)) if len(tops) == len(anonymous) else {}
    for node in blanks:
        up, steps = node, 0
        while up not in found and up not in located and up in parent and steps < len(parent):
            up, steps = parent[up], steps + 1
        line = found.get(up) or located.get(up)
        if line is not None:
            found[node] = line
    return found


class _LineFeed(io.RawIOBase):
    """A file whose reads return at most one line, so that a parser reading from it is never
    more than a line ahead of the triples it has given; `line` is the line being read."""

    def __init__(self, data: bytes) -> None:
        self._lines = data.splitlines(keepends=True)
        self._next = 0
        self.line = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._next >= len(self._lines):
            return 0
        chunk = self._lines[self._next]
        size = min(len(buffer), len(chunk))
        buffer[:size] = chunk[:size]
        if size < len(chunk):
            self._lines[self._next] = chunk[size:]
        else:
            self._next += 1
        self.line = self._next if size == len(chunk) else self._next + 1
        return size


@dataclass
class LoadedQuery:
    """A SPARQL file that parsed."""

    file: ProjectFile
    display: str
    text: str


@dataclass
class LoadedProject:
    """Everything a run works on, parsed once."""

    project: Project
    files: list[LoadedFile] = field(default_factory=list)
    queries: list[LoadedQuery] = field(default_factory=list)
    result: StageResult = field(default_factory=lambda: StageResult(STAGE))
    _graphs: dict[tuple[Role, ...], Graph] = field(default_factory=dict)
    _texts: dict[Path, bytes | RefusedFile] | None = None

    def source_texts(self) -> dict[Path, bytes | RefusedFile]:
        """The shipped source texts (instances/sources/*.txt), each read once for the run:
        what the provenance check verifies is what the build ships, even when a file changes
        on disk in between (RefusedFile for a file that may not be read)."""
        if self._texts is None:
            found: dict[Path, bytes | RefusedFile] = {}
            for path in self.project.source_texts():
                try:
                    found[path] = self.project.read_bytes(path)
                except RefusedFile as exc:
                    found[path] = exc
            self._texts = found
        return self._texts

    def of(self, *roles: Role) -> list[LoadedFile]:
        """The loaded files with any of the given roles."""
        return [f for f in self.files if f.file.role in roles]

    def size(self, *roles: Role) -> int:
        """How many triples the files of the given roles hold (every file's, given none)."""
        return sum(f.size for f in (self.of(*roles) if roles else self.files))

    def triples(self, *roles: Role) -> Iterator[ox.Quad]:
        """The triples of the given roles as parsed (in the default graph), file by file."""
        for f in self.of(*roles):
            yield from f.quads()

    def quads(self, *roles: Role) -> list[ox.Quad]:
        """The triples of the given roles, each in its file's named graph."""
        return list(self._named(roles))

    def _named(self, roles: tuple[Role, ...]) -> Iterator[ox.Quad]:
        """`quads` as they are read, file by file."""
        for f in self.of(*roles):
            g = ox.NamedNode(f.file.graph_iri)
            for q in f.quads():
                yield ox.Quad(q.subject, q.predicate, q.object, g)

    def graph(self, *roles: Role) -> Graph:
        """An rdflib graph of the union of the given roles (built once per set of roles)."""
        key = tuple(sorted(roles, key=lambda r: r.value))
        if key not in self._graphs:
            graph = Graph()
            for f in self.of(*roles):
                rdflib_graph(f.quads(), graph)
            self._graphs[key] = graph
        return self._graphs[key]

    def store(self, *roles: Role) -> ox.Store:
        """An in-memory pyoxigraph store with the given roles in their named graphs."""
        store = ox.Store()
        quads = self._named(roles)
        while batch := list(itertools.islice(quads, STORE_BATCH)):
            store.extend(batch)
        return store

    def where(self, iri: str, *roles: Role,
              statement: tuple[str, str] | None = None) -> tuple[str | None, int | None]:
        """The file and line where a node (an IRI, or a blank node's label) is described,
        looking at the given roles first; with a statement (a predicate and an object in
        N-Triples form, `ccbkg.core.terms.statement`), the line of that triple when the file
        has it."""
        subject = f"<{iri}>" if ":" in iri else f"_:{iri}"
        for f in self.of(*(roles or RDF_ROLES)):
            line = f.subject_lines.get(iri)
            if line is not None:
                if statement is not None:
                    line = f.line_of(subject, *statement) or line
                return f.display, line
        return None, None

    def locate(self, node: str, *roles: Role,
               statement: tuple[str, str] | None = None) -> tuple[str | None, int | None, str]:
        """`where` and the node as findings show it: its IRI, or where a blank node is
        written (its label is made up by the parser)."""
        file, line = self.where(node, *roles, statement=statement)
        return file, line, shown_node(node, file, line)


def shown_node(node: str, file: str | None, line: int | None) -> str:
    """An IRI as it is; a blank node (its label: no ':', which every IRI has) by where it is
    written."""
    if ":" in node:
        return node
    return f"the blank node at {file}:{line}" if file else "a blank node"


def load_whole(project: Project) -> LoadedProject:
    """The project loaded for a command that needs all of it (a query on the embedded store,
    serve or publish of the project files): a syntax error is one CcbkgError naming the first
    of them."""
    loaded = load(project)
    errors = loaded.result.errors
    if errors:
        first = errors[0]
        raise CcbkgError(f"the project files do not parse ({counted(len(errors), 'error')}; "
                         f"the first: {first.location()}: {first.message}); run `ccbkg check` "
                         "for all")
    return loaded


def load(project: Project) -> LoadedProject:
    """Parse every authored file of the project; syntax findings land in `LoadedProject.result`."""
    loaded = LoadedProject(project)
    kept = 0
    for file in project.of(*RDF_ROLES):
        parsed = _load_rdf(project, file, loaded.result.findings, keep=kept < KEPT_PARSED)
        if parsed is not None:
            loaded.files.append(parsed)
            kept += parsed.size if parsed.parsed is not None else 0
    for file in project.of(*SPARQL_ROLES):
        query = _load_sparql(project, file, loaded.result.findings)
        if query is not None:
            loaded.queries.append(query)
    for path in project.unread_data():  # a curator's mistyped extension or folder
        loaded.result.findings.append(Finding(
            STAGE, Severity.WARNING, "this file is not read: the data are the Turtle files "
            "directly in instances/ (*.ttl); rename or move it there, or delete it",
            file=project.display(path)))
    loaded.result.notes.append(
        f"{len(loaded.files)} RDF files ({loaded.size()} triples) "
        f"and {len(loaded.queries)} SPARQL files parsed"
    )
    return loaded


def parse_rdf(data: bytes, fmt: ox.RdfFormat, base_iri: str | None = None) -> list[ox.Quad]:
    """Parse by the W3C grammar (strict); raises SyntaxError with line and column.

    Without a base IRI, a relative IRI is an error: the authored files must use absolute IRIs.
    """
    return list(ox.parse(data, format=fmt, base_iri=base_iri))


def read_text(project: Project, file: ProjectFile, findings: list[Finding]) -> str | None:
    """The file decoded as UTF-8, or None with a finding that says why it cannot be."""
    shown = project.display(file.path)
    # a --data file's name becomes no IRI nor release file name (ALB.nt, as the release ships)
    problem = None if project.data_files is not None and file.role is Role.DATA else \
        name_problem(file)
    if problem is not None:
        findings.append(_error(shown, None, None, problem))
        return None
    try:
        raw = project.read_bytes(file.path)
    except RefusedFile as exc:
        findings.append(_error(shown, None, None, exc.reason))
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        findings.append(_error(shown, 1, 1, "file starts with a byte-order mark (BOM); "
                               "save it as UTF-8 without BOM"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[:exc.start].decode("utf-8")
        line, column = position(before, len(before))
        findings.append(_error(shown, line, column, (
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; source files must be UTF-8"
        )))
        return None
    return text


def _load_rdf(project: Project, file: ProjectFile, findings: list[Finding], *,
              keep: bool) -> LoadedFile | None:
    """The file parsed and checked (keep: its triples as the parser gave them), or None with
    the findings that say why not."""
    shown = project.display(file.path)
    fmt = rdf_syntax(file.suffix)  # by extension, or as --data-format says
    if fmt is None:
        findings.append(_error(shown, None, None, (
            f"unsupported file type {file.path.suffix!r}; " + (
                "name data files .ttl, .nt, .nq, .trig, .rdf or .jsonld, or give --data-format"
                if file.role is Role.DATA
                else "write ontology, vocabulary and shape files in Turtle (.ttl)"))))
        return None
    text = read_text(project, file, findings)
    if text is None:
        return None
    declaration = _XML_DECLARATIONS_RE.search(text) if fmt is ox.RdfFormat.RDF_XML else None
    if declaration is not None:
        line, column = position(text, declaration.start())
        findings.append(_error(shown, line, column, (
            f"RDF/XML with a {declaration.group(1).upper()} declaration is refused before "
            "parsing (entities can expand without bound or read local files); remove it"
        )))
        return None
    too_deep = _too_deep(text, fmt)
    if too_deep is not None:
        line, column, message = too_deep
        findings.append(_error(shown, line, column, message))
        return None
    data = text.encode("utf-8")
    try:
        quads = parse_rdf(data, fmt)
    except SyntaxError as exc:  # (Turtle may open with "[ ]", TriG with "{": JSON only if it is)
        findings.append(_error(shown, 1, 1, "this is JSON, not Turtle; convert it to Turtle "
                               "or give it a .jsonld name") if fmt is not ox.RdfFormat.JSON_LD
                        and _is_json(text) else _syntax_error(shown, exc, fmt, text))
        return None
    except MemoryError as exc:  # pyoxigraph reads one term into a buffer of at most 16 MiB
        findings.append(_too_long(shown, data, exc))
        return None
    if not quads:
        findings.append(_error(shown, None, None, "file has no triples (empty or prefixes only)"))
        return None
    prefixes = _prefixes(shown, text, findings)
    _check_literals(shown, text, quads, findings)
    return LoadedFile.of(file, shown, text, prefixes, quads, keep=keep)


def _is_json(text: str) -> bool:
    """Whether the text is a JSON object or array."""
    if text.lstrip()[:1] not in ("{", "["):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _too_long(shown: str, data: bytes, exc: MemoryError) -> Finding:
    """The error for a term or comment longer than the parser's buffer, at the longest line
    when one line is that long (a literal may also run over several lines)."""
    lines = data.split(b"\n")
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    size = len(lines[longest])
    if size < _PARSER_BUFFER:
        return _error(shown, None, None, (
            f"a term (a literal or an IRI) is too long for the parser ({exc}); keep long texts "
            "in a source document and quote passages of them"))
    return _error(shown, longest + 1, None, (
        f"this line is {size / 2**20:.1f} MiB long, over the {_PARSER_BUFFER // 2**20} MiB the "
        "parser reads as one term or comment; keep long texts in a source document and quote "
        "passages of them"))


_PARSER_BUFFER = 16 * 2**20  # pyoxigraph's largest term (its message names the size)


def _too_deep(text: str, fmt: ox.RdfFormat) -> tuple[int, int, str] | None:
    """Where and how the text nests deeper than the limit allows, or None.

    Counted on the text before parsing: brackets outside strings, IRIs and comments for
    Turtle, TriG, N-Triples and JSON-LD (one more there, for the top object); elements (with
    expat) for RDF/XML, where a level is two elements (a node and its property).
    """
    limit = MAX_NESTING.value()
    if fmt is ox.RdfFormat.RDF_XML:
        return _xml_too_deep(text, limit)
    tokens, kind = _TURTLE_TOKENS_RE, f"[ ], ( ) and << >> nested more than {limit} levels"
    if fmt is ox.RdfFormat.JSON_LD:  # the top object holds the top-level nodes
        limit += 1
        tokens, kind = _JSON_TOKENS_RE, f"JSON objects and arrays nested more than {limit}"
    if sum(text.count(c) for c in "[({<") <= limit:  # cannot nest that deep
        return None
    depth = 0
    for match in tokens.finditer(text):
        token = match.group()
        if token in _OPENERS:
            depth += 1
            if depth > limit:
                line, column = position(text, match.start())
                return line, column, (
                    f"{kind} deep here; "
                    f"flatten the data (name the inner nodes), or raise {MAX_NESTING.variable}")
        elif token in _CLOSERS:
            depth -= 1
    return None


class _TooDeep(Exception):
    pass


def _xml_too_deep(text: str, limit: int) -> tuple[int, int, str] | None:
    elements = 2 * limit + 2  # rdf:RDF, then a node and a property per level
    parser = xml.parsers.expat.ParserCreate()
    depth = 0

    def start(name: str, attributes: object) -> None:
        nonlocal depth
        depth += 1
        if depth > elements:
            raise _TooDeep

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(text.encode("utf-8"), True)
    except _TooDeep:
        return parser.CurrentLineNumber, parser.CurrentColumnNumber + 1, (
            f"XML elements nested more than {elements} deep here ({limit} levels of "
            "descriptions); flatten the data (name the inner nodes), or raise "
            f"{MAX_NESTING.variable}")
    except xml.parsers.expat.ExpatError:
        return None  # the RDF/XML parser says what is wrong
    return None


def _prefixes(shown: str, text: str, findings: list[Finding]) -> dict[str, str]:
    """The prefix declarations; a prefix rebound to another IRI is an error."""
    bound: dict[str, tuple[str, int]] = {}
    for number, match in _numbered(_PREFIX_RE, text):
        prefix, ns = match.group(1) or "", match.group(2)
        earlier = bound.get(prefix)
        if earlier is not None and earlier[0] != ns:
            findings.append(_error(shown, number, 1, (
                f"prefix '{prefix}:' is bound again, to <{ns}>; line {earlier[1]} bound it to "
                f"<{earlier[0]}>. Use one binding per prefix per file"
            )))
        else:
            bound[prefix] = (ns, number)
    return {p: ns for p, (ns, _) in bound.items()}


def _check_literals(shown: str, text: str, quads: list[ox.Quad], findings: list[Finding]) -> None:
    """Unknown XSD datatypes, ill-typed literals, invisible characters (in IRIs too) and
    non-NFC text.

    Each term is judged once; every node that uses a bad one is named.
    """
    problems: dict[ox.Literal | ox.NamedNode, str | None] = {}
    # IRIs are judged only when the file has an invisible character, or an escape for one.
    iris = INVISIBLE_RE.search(text) is not None or "\\u" in text or "\\U" in text
    for q in quads:
        terms = (q.object, q.subject, q.predicate) if iris else (q.object,)
        for term in terms:
            if not isinstance(term, ox.Literal | ox.NamedNode):
                continue
            if term not in problems:
                problems[term] = _literal_problem(term) if isinstance(term, ox.Literal) \
                    else _invisible_problem("IRI", term.value)
            problem = problems[term]
            if problem is None:
                continue
            line, column = _find(text, *_needles(term))
            findings.append(Finding(
                stage=STAGE, severity=Severity.ERROR, file=shown, line=line, column=column,
                node=printable(q.subject.value) if isinstance(q.subject, ox.NamedNode) else None,
                path=printable(q.predicate.value), value=printable(str(term)), message=problem,
            ))
            if isinstance(term, ox.NamedNode):
                problems[term] = None  # an IRI is named once, a literal at every use


def _needles(term: ox.Literal | ox.NamedNode) -> list[str]:
    """What to look for in a file to find a term: as written, else its first invisible
    character (raw or escaped)."""
    value = term.value
    needles = [f'"{value}"', f"'{value}'", value] if isinstance(term, ox.Literal) else [value]
    invisible = INVISIBLE_RE.search(value)
    if invisible is not None:
        code = ord(invisible.group())
        needles += [invisible.group(), f"\\u{code:04X}", f"\\u{code:04x}", f"\\U{code:08X}",
                    f"\\U{code:08x}"]
    return needles


XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
DATE_ZONE = re.compile(r"(Z|[+-]\d\d:\d\d)$")


def _literal_problem(lit: ox.Literal) -> str | None:
    dt = lit.datatype.value
    if lit.language or dt == XSD_STRING:
        return _text_problem(lit.value)
    problem = _invisible_problem("text", lit.value) or datatypes.problem(lit.value, dt)
    if problem is None and dt in datatypes.XSD_KNOWN and \
            Literal(lit.value, datatype=URIRef(dt)).ill_typed:
        problem = f"{lit.value!r} is not a valid {curie(dt, brackets=True)}"
    zone = DATE_ZONE.search(lit.value) if problem is None and dt == XSD_DATE else None
    if zone is not None:
        problem = (f"{lit.value!r}: rdflib, and so pyshacl, drops the time zone of an xsd:date "
                   "as it reads it, so tools would read different dates (and the shapes, "
                   f"which forbid it, could not see it): write {lit.value[:zone.start()]!r}")
    return problem


def _text_problem(value: str) -> str | None:
    problem = _invisible_problem("text", value)
    if problem is None and not unicodedata.is_normalized("NFC", value):
        problem = "text is not in Unicode NFC normal form (e.g. a decomposed accent); normalise it"
    return problem


def _invisible_problem(what: str, value: str) -> str | None:
    invisible = INVISIBLE_RE.search(value)
    if invisible is None:
        return None
    char = invisible.group()
    name = unicodedata.name(char, "(a control character)")
    return (f"{what} contains the invisible character U+{ord(char):04X} {name} at position "
            f"{invisible.start()}; delete it")


def _load_sparql(
    project: Project, file: ProjectFile, findings: list[Finding]
) -> LoadedQuery | None:
    shown = project.display(file.path)
    text = read_text(project, file, findings)
    if text is None:
        return None
    if not text.strip():
        findings.append(_error(shown, None, None, "file is empty; a .rq file holds one query"))
        return None
    network = netguard.network_use(text)
    if network is not None:
        keyword = network[0]
        findings.append(_error(shown, network[1], network[2], (
            f"{netguard.describe(keyword)}: ccbkg never runs a query that reaches the network "
            f"(remove the {keyword})")))
        return None
    problem = sparql_problem(text)
    if problem is not None:
        line, column, message = problem
        findings.append(_error(shown, line, column, f"SPARQL syntax error: {message}"))
        return None
    if file.role is Role.QUERY:
        try:
            parse_header(text, file.path.stem, path=file.path)
        except HeaderError as exc:
            findings.append(_error(shown, exc.line or 1, None, exc.problem))
            return None
    return LoadedQuery(file, shown, text)


def _syntax_error(shown: str, exc: SyntaxError, fmt: ox.RdfFormat, text: str) -> Finding:
    message = str(exc.msg if exc.msg else exc)
    if "remote context" in message:
        line, column = (exc.lineno, exc.offset) if exc.lineno else _find(text, '"@context"')
        own = f'"{BASE}context.jsonld"' in text  # a release's own documents name it
        return _error(shown, line, column, (
            "JSON-LD with a remote @context is refused: ccbkg never fetches documents; "
            "inline the context in the file" + (
                " (the release's context.jsonld), or check the N-Triples file the release "
                "ships beside each of its JSON-LD documents" if own else "")))
    message = re.sub(r"^Parser error [^:]*: ", "", message)
    message = re.sub(r" \(line \d+\)$", "", message)
    line, column = exc.lineno, exc.offset
    lines = split_lines(text)  # as pyoxigraph counts them
    if message.startswith("Unexpected end"):
        message = message.rstrip(".") + " of the file (is a string, an IRI or a statement left " \
            "open, or the last statement's ' .' missing?)" if message == "Unexpected end" \
            else message + " (is a string, an IRI or a statement left open?)"
        last = next((i for i in range(len(lines), 0, -1) if lines[i - 1].strip()), 0)
        if line and last and line > last:  # past the last written line: point at its end
            line, column = last, len(lines[last - 1].rstrip("\r\n")) + 1
    if line and column and fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        written = lines[line - 1] if line <= len(lines) else ""
        message = _language_tag_problem(written, column) or message
    return _error(shown, line, column, f"{fmt.name} syntax error: {message}")


def _language_tag_problem(line: str, column: int) -> str | None:
    """What the parser's word means when the error is in or just after a language tag: a
    tag with other characters than letters, digits and '-', or a datatype after a tag."""
    for match in _LANGUAGE_TAG_RE.finditer(line):
        tag, rest = match.group("tag"), match.group("rest")
        if not match.start() < column <= match.end() + 1:
            continue
        if rest.startswith("^^"):
            return (f"a literal cannot have both a language tag ({tag}) and a datatype "
                    f"({rest}); keep one of them")
        if rest:
            written = (tag + rest).replace("_", "-")
            hint = f"; write {written}" if _BCP47_RE.match(written) else ""
            return (f"{tag + rest} is not a valid BCP 47 language tag (letters and digits in "
                    f"subtags joined by '-'){hint}")
    return None


def _find(text: str, *needles: str) -> tuple[int | None, int | None]:
    """Where the first of the needles that occurs in text is, as line and column."""
    for needle in needles:
        index = text.find(needle)
        if index >= 0:
            return position(text, index)
    return None, None


def _numbered(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, re.Match[str]]]:
    """Each match of pattern in text with its line number (1-based), line ends counted once."""
    number, counted = 1, 0
    for match in pattern.finditer(text):
        number += line_ends(text, counted, match.start())
        counted = match.start()
        yield number, match


def _error(shown: str, line: int | None, column: int | None, message: str) -> Finding:
    return Finding(stage=STAGE, severity=Severity.ERROR, file=shown, line=line, column=column,
                   message=message)
