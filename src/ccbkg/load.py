"""Load the authored sources once, strictly, and hand them on to every stage.

Turtle and TriG go through pyoxigraph's parser, which follows the W3C grammars (rdflib's
accepts literals as subjects, IRIs with spaces and lone surrogates). Beyond the grammar the
loader rejects what a curator never means: a byte-order mark, JSON in a Turtle file, a file
with no triples, a prefix bound twice to different IRIs, unknown XSD datatypes and literals
that are not valid for their datatype. SPARQL files go through rdflib's parser, which only
parses (it never executes or fetches anything).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from pyparsing import ParseBaseException
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

from ccbkg import datatypes, netguard
from ccbkg.findings import Finding, Severity, StageResult
from ccbkg.project import RDF_ROLES, SPARQL_ROLES, Project, Role, SourceFile
from ccbkg.terms import XSD_STRING, rdflib_graph

MAX_FILE_BYTES = 64 * 1024 * 1024
STAGE = "syntax"

_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
}
_XML_DECLARATIONS_RE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# Characters nobody types on purpose that make two equal-looking strings differ.
_INVISIBLE_RE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
_SYNTAX_NAMES = {
    ox.RdfFormat.TURTLE: "Turtle", ox.RdfFormat.TRIG: "TriG", ox.RdfFormat.N_TRIPLES: "N-Triples",
    ox.RdfFormat.N_QUADS: "N-Quads", ox.RdfFormat.RDF_XML: "RDF/XML",
    ox.RdfFormat.JSON_LD: "JSON-LD",
}
_PREFIX_RE = re.compile(r"^[ \t]*(?:@prefix|PREFIX)[ \t]+([A-Za-z][\w.-]*)?:[ \t]*<([^>\n]*)>",
                        re.IGNORECASE | re.MULTILINE)
_OX_SPARQL_POS_RE = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)
_PROLOGUE_RE = re.compile(r"^(?:\s+|#[^\n]*|(?:PREFIX|BASE)\s+[^>]*>)*", re.IGNORECASE)
_UPDATE_KEYWORDS = frozenset(
    "INSERT DELETE WITH CLEAR DROP CREATE ADD MOVE COPY LOAD".split())


_LOCAL_ESCAPE = re.compile(r"\\(.)")
_LINE_START = re.compile(r"^[ \t]*(\S+)", re.MULTILINE)  # a line's first word


@dataclass
class LoadedFile:
    """A source file that parsed, with its triples and text."""

    source: SourceFile
    display: str
    text: str
    quads: list[ox.Quad]
    prefixes: dict[str, str]

    @cached_property
    def named_quads(self) -> list[ox.Quad]:
        """The triples in the file's named graph (made once)."""
        g = ox.NamedNode(self.source.graph_iri)
        return [ox.Quad(q.subject, q.predicate, q.object, g) for q in self.quads]

    @cached_property
    def subject_lines(self) -> dict[str, int]:
        """For each subject IRI, the line where its description starts (1-based): the first
        line that begins with the IRI (written in full or with one of the file's prefixes) at
        its first column, else the first such line at all (an object list's next line starts
        with an object, indented)."""
        subjects = {q.subject.value for q in self.quads if isinstance(q.subject, ox.NamedNode)}
        lines: dict[str, int] = {}
        indented: dict[str, int] = {}
        for number, match in _numbered(_LINE_START, self.text):
            token = match.group(1).rstrip(";.")
            if token.startswith("<") and token.endswith(">"):
                iri = token[1:-1]
            else:
                prefix, _, local = token.partition(":")
                if prefix not in self.prefixes:
                    continue
                iri = self.prefixes[prefix] + (_LOCAL_ESCAPE.sub(r"\1", local)  # id:a\/b
                                               if "\\" in local else local)
            found = indented if match.start(1) > match.start() else lines
            if iri in subjects and iri not in found:
                found[iri] = number
        return indented | lines


@dataclass
class LoadedQuery:
    """A SPARQL file that parsed."""

    source: SourceFile
    display: str
    text: str


@dataclass
class Sources:
    """Everything a run works on, parsed once."""

    project: Project
    files: list[LoadedFile] = field(default_factory=list)
    queries: list[LoadedQuery] = field(default_factory=list)
    result: StageResult = field(default_factory=lambda: StageResult(STAGE))
    _graphs: dict[tuple[Role, ...], Graph] = field(default_factory=dict)

    def of(self, *roles: Role) -> list[LoadedFile]:
        """The loaded files with any of the given roles."""
        return [f for f in self.files if f.source.role in roles]

    def quads(self, *roles: Role) -> list[ox.Quad]:
        """The triples of the given roles, each in its file's named graph."""
        out: list[ox.Quad] = []
        for f in self.of(*roles):
            out.extend(f.named_quads)
        return out

    def graph(self, *roles: Role) -> Graph:
        """An rdflib graph of the union of the given roles (built once per set of roles)."""
        key = tuple(sorted(roles, key=lambda r: r.value))
        if key not in self._graphs:
            graph = Graph()
            for f in self.of(*roles):
                rdflib_graph(f.quads, graph)
            self._graphs[key] = graph
        return self._graphs[key]

    def store(self, *roles: Role) -> ox.Store:
        """An in-memory pyoxigraph store with the given roles in their named graphs."""
        store = ox.Store()
        store.extend(self.quads(*roles))
        return store

    def where(self, iri: str, *roles: Role) -> tuple[str | None, int | None]:
        """The file and line where a node is described, looking at the given roles first."""
        for f in self.of(*(roles or RDF_ROLES)):
            line = f.subject_lines.get(iri)
            if line is not None:
                return f.display, line
        return None, None


def load(project: Project) -> Sources:
    """Parse every source file of the project; syntax findings land in `sources.result`."""
    sources = Sources(project)
    for source in project.of(*RDF_ROLES):
        loaded = _load_rdf(project, source, sources.result.findings)
        if loaded is not None:
            sources.files.append(loaded)
    for source in project.of(*SPARQL_ROLES):
        query = _load_sparql(project, source, sources.result.findings)
        if query is not None:
            sources.queries.append(query)
    sources.result.notes.append(
        f"{len(sources.files)} RDF files ({sum(len(f.quads) for f in sources.files)} triples) "
        f"and {len(sources.queries)} SPARQL files parsed"
    )
    return sources


def parse_rdf(data: bytes, fmt: ox.RdfFormat, base_iri: str | None = None) -> list[ox.Quad]:
    """Parse by the W3C grammar (strict); raises SyntaxError with line and column.

    Without a base IRI, a relative IRI is an error: sources must use absolute IRIs.
    """
    return list(ox.parse(data, format=fmt, base_iri=base_iri))


def format_for(path: Path) -> ox.RdfFormat | None:
    """The RDF syntax of a file by its extension, or None when it is not one we read."""
    return _FORMATS.get(path.suffix.lower())


def read_text(project: Project, source: SourceFile, findings: list[Finding]) -> str | None:
    """The file decoded as UTF-8, or None with a finding that says why it cannot be."""
    shown = project.display(source.path)
    try:
        size = source.path.stat().st_size
        if size > MAX_FILE_BYTES:
            findings.append(_error(shown, None, None, (
                f"file is {size // (1024 * 1024)} MiB, over the {MAX_FILE_BYTES // (1024 * 1024)}"
                " MiB a source file may have; split it into smaller files"
            )))
            return None
        raw = source.path.read_bytes()
    except OSError as exc:
        findings.append(_error(shown, None, None, f"cannot read the file: {exc.strerror}"))
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        findings.append(_error(shown, 1, 1, "file starts with a byte-order mark (BOM); "
                               "save it as UTF-8 without BOM"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        findings.append(_error(shown, line, column, (
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; source files must be UTF-8"
        )))
        return None
    return text


def _load_rdf(project: Project, source: SourceFile, findings: list[Finding]) -> LoadedFile | None:
    shown = project.display(source.path)
    fmt = format_for(source.path)
    if fmt is None:
        findings.append(_error(shown, None, None, (
            f"unsupported file type {source.path.suffix!r}; author sources in Turtle (.ttl)"
        )))
        return None
    text = read_text(project, source, findings)
    if text is None:
        return None
    if fmt is not ox.RdfFormat.JSON_LD and text.lstrip()[:1] in ("{", "["):
        findings.append(_error(shown, 1, 1, "this looks like JSON, not Turtle; "
                               "convert it to Turtle or give it a .jsonld name"))
        return None
    declaration = _XML_DECLARATIONS_RE.search(text) if fmt is ox.RdfFormat.RDF_XML else None
    if declaration is not None:
        line, column = _position(text, declaration.start())
        findings.append(_error(shown, line, column, (
            f"RDF/XML with a {declaration.group(1).upper()} declaration is refused before "
            "parsing (entities can expand without bound or read local files); remove it"
        )))
        return None
    try:
        quads = parse_rdf(text.encode("utf-8"), fmt)
    except SyntaxError as exc:
        findings.append(_syntax_error(shown, exc, fmt, text))
        return None
    if not quads:
        findings.append(_error(shown, None, None, "file has no triples (empty or prefixes only)"))
        return None
    prefixes = _prefixes(shown, text, findings)
    _check_literals(shown, text, quads, findings)
    return LoadedFile(source, shown, text, quads, prefixes)


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
    """Unknown XSD datatypes, ill-typed literals, invisible characters and non-NFC text.

    Each literal is judged once; every node that uses a bad one is named.
    """
    problems: dict[ox.Literal, str | None] = {}
    for q in quads:
        lit = q.object
        if not isinstance(lit, ox.Literal):
            continue
        if lit not in problems:
            problems[lit] = _literal_problem(lit)
        problem = problems[lit]
        if problem is None:
            continue
        line, column = _find(text, f'"{lit.value}"', f"'{lit.value}'", lit.value)
        findings.append(Finding(
            stage=STAGE, severity=Severity.ERROR, file=shown, line=line, column=column,
            node=q.subject.value if isinstance(q.subject, ox.NamedNode) else None,
            path=q.predicate.value, value=str(lit), message=problem,
        ))


def _literal_problem(lit: ox.Literal) -> str | None:
    dt = lit.datatype.value
    if lit.language or dt == XSD_STRING:
        return _text_problem(lit.value)
    problem = datatypes.problem(lit.value, dt)
    if problem is None and dt in datatypes.XSD_KNOWN and \
            Literal(lit.value, datatype=URIRef(dt)).ill_typed:
        problem = f"{lit.value!r} is not a valid {datatypes.curie(dt)}"
    return problem


def _text_problem(value: str) -> str | None:
    invisible = _INVISIBLE_RE.search(value)
    if invisible is not None:
        return (f"text contains the invisible character U+{ord(invisible.group()):04X} at "
                f"position {invisible.start()}; delete it")
    if not unicodedata.is_normalized("NFC", value):
        return "text is not in Unicode NFC normal form (e.g. a decomposed accent); normalise it"
    return None


def _load_sparql(
    project: Project, source: SourceFile, findings: list[Finding]
) -> LoadedQuery | None:
    shown = project.display(source.path)
    text = read_text(project, source, findings)
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
    problem = _sparql_problem(text)
    if problem is not None:
        line, column, message = problem
        findings.append(_error(shown, line, column, f"SPARQL syntax error: {message}"))
        return None
    return LoadedQuery(source, shown, text)


def _sparql_problem(text: str) -> tuple[int | None, int | None, str] | None:
    """Where and why text is neither a SPARQL 1.1 query nor an update, or None.

    Oxigraph's parser is about a hundred times faster than rdflib's; it parses by preparing
    the request on an empty in-memory store, through the network guard (the caller has refused
    SERVICE and LOAD). Text Oxigraph rejects goes to rdflib's parser too, which says more
    precisely where the error is.
    """
    body = _PROLOGUE_RE.sub("", text)
    is_update = body.split(maxsplit=1)[0].upper() in _UPDATE_KEYWORDS if body.strip() else False
    try:
        if is_update:
            netguard.update(ox.Store(), text)
        else:
            netguard.query(ox.Store(), text)
    except SyntaxError as exc:
        # rdflib locates errors more precisely; Oxigraph's word stands if rdflib accepts.
        located = _rdflib_sparql_problem(text)
        if located is not None:
            return located
        match = _OX_SPARQL_POS_RE.match(str(exc))
        if match is None:
            return None, None, str(exc)
        return int(match.group(1)), int(match.group(2)), match.group(3)
    return None


def _rdflib_sparql_problem(text: str) -> tuple[int | None, int | None, str] | None:
    try:
        parseQuery(text)
    except ParseBaseException as query_error:
        try:
            parseUpdate(text)
        except ParseBaseException:
            return query_error.lineno, query_error.col, str(query_error.msg)
    except Exception as exc:  # rdflib raises plain exceptions for some malformed input
        return None, None, str(exc)
    return None


def _syntax_error(shown: str, exc: SyntaxError, fmt: ox.RdfFormat, text: str) -> Finding:
    message = str(exc.msg if exc.msg else exc)
    if "remote context" in message:
        line, column = (exc.lineno, exc.offset) if exc.lineno else _find(text, '"@context"')
        return _error(shown, line, column, (
            "JSON-LD with a remote @context is refused: ccbkg never fetches documents; "
            "inline the context in the file"))
    message = re.sub(r"^Parser error [^:]*: ", "", message)
    message = re.sub(r" \(line \d+\)$", "", message)
    if message.startswith("Unexpected end of file"):
        message += " (is a string, an IRI or a statement left open?)"
    return _error(shown, exc.lineno, exc.offset, f"{_SYNTAX_NAMES[fmt]} syntax error: {message}")


def _find(text: str, *needles: str) -> tuple[int | None, int | None]:
    """Where the first of the needles that occurs in text is, as line and column."""
    for needle in needles:
        index = text.find(needle)
        if index >= 0:
            return _position(text, index)
    return None, None


def _numbered(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, re.Match[str]]]:
    """Each match of pattern in text with its line number (1-based), newlines counted once."""
    number, counted = 1, 0
    for match in pattern.finditer(text):
        number += text.count("\n", counted, match.start())
        counted = match.start()
        yield number, match


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _error(shown: str, line: int | None, column: int | None, message: str) -> Finding:
    return Finding(stage=STAGE, severity=Severity.ERROR, file=shown, line=line, column=column,
                   message=message)
