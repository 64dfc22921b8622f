"""The competency queries: catalogue, safe parameter binding, and running them anywhere.

A bundled query is a SPARQL file in queries/ that starts with `# key: value` comment lines:
title, description, question, expected, and any number of `param: NAME TYPE DEFAULT — TEXT`.
A DEFAULT of `*` makes the parameter optional: unless a value is given it stays unbound, so
the query answers for every value (such as every country). A parameter value is checked
against its declared type and turned into an RDF term; no user text is ever pasted into a
query. The embedded store binds the terms with pyoxigraph's
`substitutions` (SEP-0007); a remote endpoint gets them as a VALUES block at the start of the
WHERE group, written by pyoxigraph's term serializer. Both paths give a `Results` (variables
and rows of RDF terms), so every output format prints the same for both.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import math
import os
import re
import resource
import select
import signal
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox
from pyparsing import ParseBaseException

from ccbkg import netguard
from ccbkg.errors import CcbkgError
from ccbkg.project import NAME_RE, NAME_RULE, Project, Role

# rdflib's SPARQL parser and the loader are imported where they are used, so that `ccbkg`
# commands other than `query` do not pay for them at start-up.

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
FORMATS = ("table", "csv", "tsv", "json", "md")
DEFAULT_TIMEOUT = 30.0
DEFAULT_MEMORY_MIB = 2048
USER_ENV, PASSWORD_ENV = "CCBKG_ENDPOINT_USER", "CCBKG_ENDPOINT_PASSWORD"
MAX_QUERY_CHARS = 1_000_000
MAX_VALUE_CHARS = 10_000
MAX_RESPONSE_BYTES = 256 * 1024 * 1024
XSD = "http://www.w3.org/2001/XMLSchema#"
EVERY = "*"  # the default of an optional parameter: unbound, every value

_HEADER_KEYS = ("title", "description", "question", "param", "expected")
_REQUIRED_KEYS = ("title", "description", "question", "expected")
_HEADER_RE = re.compile(r"^#\s*([A-Za-z]+):\s*(.*?)\s*$")
_PARAM_RE = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z]+)\s+"
                       r"(?P<default>\S(?:.*?\S)?)\s+[—-]\s+(?P<text>\S.*)$")
# Characters the SPARQL IRIREF production forbids, plus every control and space character.
_IRI_FORBIDDEN_RE = re.compile(r'[<>"{}|^`\\\x00-\x20\x7f-\x9f\s]')
_URN_RE = re.compile(r"^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+$", re.IGNORECASE)
_LANG_RE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_INTEGER_RE = re.compile(r"^[+-]?[0-9]{1,30}$")
_YEAR_RE = re.compile(r"^[0-9]{4}$")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_IRIREF_RE = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_LOCAL_RE = re.compile(r"[A-Za-z0-9_\-.:%\\]*")
# What a table must not print as it is: control characters (C0, DEL, C1), format characters
# (bidi overrides and isolates, zero-width ones) and separators other than the space.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


class ParamType(Enum):
    """The types a query parameter may declare."""

    IRI = "iri"
    STRING = "string"
    LANGSTRING = "langstring"
    INTEGER = "integer"
    YEAR = "year"
    DATE = "date"


class ParameterError(CcbkgError):
    """A parameter value that is not valid for its declared type (exit 2)."""


@dataclass(frozen=True)
class Param:
    """A declared query parameter."""

    name: str
    type: ParamType
    default: str
    description: str

    @property
    def optional(self) -> bool:
        """Whether the parameter stays unbound (every value) unless a value is given."""
        return self.default == EVERY


@dataclass(frozen=True)
class QueryInfo:
    """A query with its header."""

    name: str
    text: str
    title: str = ""
    description: str = ""
    question: str = ""
    params: tuple[Param, ...] = ()
    expected: str | None = None
    path: Path | None = None

    def param(self, name: str) -> Param:
        """The declared parameter of that name, or a ParameterError listing the declared ones."""
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise ParameterError(f"query {self.name!r} has no parameter {name!r} (it has: {known})")


@dataclass(frozen=True)
class Results:
    """Query results in one shape, whichever engine answered: variables and rows of terms.

    An ASK query gives no variables and a boolean; CONSTRUCT and DESCRIBE give the rows
    subject, predicate, object in N-Triples order.
    """

    variables: tuple[str, ...]
    rows: tuple[tuple[Term | None, ...], ...] = ()
    boolean: bool | None = None


@dataclass(frozen=True)
class Analysis:
    """What rdflib's parser found in a query text."""

    form: str  # SelectQuery, AskQuery, ConstructQuery, DescribeQuery or Update

    @property
    def is_update(self) -> bool:
        """Whether the text is a SPARQL update rather than a query."""
        return self.form == "Update"


# ---------------------------------------------------------------------------------- catalogue


def catalogue(root: Path | None = None) -> list[QueryInfo]:
    """The bundled queries of a source tree (default: the data shipped with ccbkg), by name."""
    project = Project.discover(root)
    out = []
    for source in project.of(Role.QUERY):
        text = _read(project, source.path)
        out.append(parse_header(text, source.path.stem, path=source.path, strict=True))
    return sorted(out, key=lambda q: q.name)


def find(name: str, root: Path | None = None) -> QueryInfo:
    """The bundled query of that name, or an error that lists the names there are."""
    queries = catalogue(root)
    for q in queries:
        if q.name == name:
            return q
    names = ", ".join(q.name for q in queries) or "none"
    raise CcbkgError(f"no bundled query named {name!r}; the queries are: {names} "
                     "(see `ccbkg query list`)")


def user_query(text: str, name: str) -> QueryInfo:
    """A query the user gives (--file/--sparql): its header, if any, is read but optional."""
    if len(text) > MAX_QUERY_CHARS:
        raise CcbkgError(f"{name}: the query has {len(text)} characters, over the "
                         f"{MAX_QUERY_CHARS} ccbkg accepts")
    if not text.strip():
        raise CcbkgError(f"{name}: the query is empty")
    return parse_header(text, name, strict=False)


def parse_header(text: str, name: str, *, path: Path | None = None,
                 strict: bool = True) -> QueryInfo:
    """Read the `# key: value` lines at the top; strict (bundled queries) requires them all."""
    where = str(path) if path else name
    if strict and not NAME_RE.fullmatch(name):
        raise CcbkgError(f"{where}: query names are {NAME_RULE} ({name!r} is not)")
    fields: dict[str, str] = {}
    params: list[Param] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        match = _HEADER_RE.match(line)
        if match is None:
            continue
        key, value = match.group(1).lower(), match.group(2)
        if key not in _HEADER_KEYS:
            if strict:
                raise CcbkgError(f"{where}:{number}: unknown header key {key!r}; "
                                 f"use {', '.join(_HEADER_KEYS)}")
            continue
        if key == "param":
            params.append(_parse_param(value, f"{where}:{number}"))
        elif key in fields:
            raise CcbkgError(f"{where}:{number}: header key {key!r} is given twice")
        else:
            fields[key] = value
    if strict:
        missing = [k for k in _REQUIRED_KEYS if not fields.get(k)]
        if missing:
            raise CcbkgError(f"{where}: the header lacks {', '.join(missing)} "
                             "(each bundled query starts with `# title: …` and so on)")
        if fields["expected"] != f"expected/{name}.csv":
            raise CcbkgError(f"{where}: `# expected:` must be expected/{name}.csv")
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise CcbkgError(f"{where}: a parameter is declared twice")
    return QueryInfo(
        name=name, text=text, title=fields.get("title", ""),
        description=fields.get("description", ""), question=fields.get("question", ""),
        params=tuple(params), expected=fields.get("expected"), path=path,
    )


def _parse_param(value: str, where: str) -> Param:
    match = _PARAM_RE.match(value)
    if match is None:
        raise CcbkgError(f"{where}: write a parameter as `# param: NAME TYPE DEFAULT — "
                         "DESCRIPTION`")
    try:
        kind = ParamType(match.group("type"))
    except ValueError:
        types = ", ".join(t.value for t in ParamType)
        raise CcbkgError(f"{where}: unknown parameter type {match.group('type')!r}; "
                         f"use one of {types}") from None
    param = Param(match.group("name"), kind, match.group("default"), match.group("text"))
    try:
        if not param.optional:
            to_term(param, param.default)
    except ParameterError as exc:
        raise CcbkgError(f"{where}: the default is not valid: {exc}") from None
    return param


def _read(project: Project, path: Path) -> str:
    """A bundled query's text; a file that is unsafe to read or not UTF-8 is an error."""
    try:
        return project.read_bytes(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CcbkgError(f"{project.display(path)}: cannot read the query: {exc}") from None


# ---------------------------------------------------------------------------------- parameters


def bind(info: QueryInfo, values: Mapping[str, str]) -> dict[str, Term]:
    """The declared parameters as checked RDF terms: the given value, else the default.

    An optional parameter (default `*`) without a given value is left out: it stays unbound.
    """
    for name in values:
        info.param(name)
    return {p.name: to_term(p, values.get(p.name, p.default))
            for p in info.params if p.name in values or not p.optional}


def to_term(param: Param, value: str) -> Term:
    """A value checked against the parameter's type and made an RDF term by pyoxigraph."""
    label = f"parameter {param.name} ({param.type.value})"
    if not isinstance(value, str):
        raise ParameterError(f"{label}: the value must be text")
    if len(value) > MAX_VALUE_CHARS:
        raise ParameterError(f"{label}: the value is longer than {MAX_VALUE_CHARS} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ParameterError(f"{label}: the value is not valid Unicode text") from None
    kind = param.type
    if kind is ParamType.IRI:
        return _iri(label, value)
    if kind is ParamType.STRING:
        return ox.Literal(value)
    if kind is ParamType.LANGSTRING:
        text, sep, lang = value.rpartition("@")
        if not sep or not _LANG_RE.match(lang):
            raise ParameterError(f"{label}: write text@lang, such as capacity building@en "
                                 f"(got {_show(value)})")
        try:
            return ox.Literal(text, language=lang)
        except ValueError:
            raise ParameterError(f"{label}: {lang!r} is not a valid language tag") from None
    if kind is ParamType.INTEGER:
        if not _INTEGER_RE.match(value):
            raise ParameterError(f"{label}: {_show(value)} is not an integer")
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if kind is ParamType.YEAR:
        if not _YEAR_RE.match(value):
            raise ParameterError(f"{label}: {_show(value)} is not a four-digit year such as 2016")
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "gYear"))
    if not _DATE_RE.match(value):
        raise ParameterError(f"{label}: {_show(value)} is not a date YYYY-MM-DD")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise ParameterError(f"{label}: {_show(value)} is not a valid date") from None
    return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))


def _iri(label: str, value: str) -> ox.NamedNode:
    bad = _IRI_FORBIDDEN_RE.search(value)
    if bad is not None:
        raise ParameterError(f"{label}: an IRI may not contain {bad.group()!r} "
                             f"(got {_show(value)})")
    scheme = value.split(":", 1)[0].lower() if ":" in value else ""
    if scheme in ("http", "https"):
        try:
            parts = urlsplit(value)
        except ValueError as exc:
            raise ParameterError(f"{label}: {_show(value)} is not a valid IRI ({exc})") from None
        if not parts.netloc or not value.lower().startswith(f"{scheme}://"):
            raise ParameterError(f"{label}: {_show(value)} has no host")
    elif scheme == "urn":
        if not _URN_RE.match(value):
            raise ParameterError(f"{label}: {_show(value)} is not a URN (urn:NID:NSS)")
    else:
        raise ParameterError(f"{label}: give an absolute http, https or urn IRI, such as "
                             f"https://w3id.org/ccbkg/id/country/ALB (got {_show(value)})")
    try:
        return ox.NamedNode(value)
    except ValueError as exc:
        raise ParameterError(f"{label}: {_show(value)} is not a valid IRI ({exc})") from None


def _show(value: str) -> str:
    """A value for an error message: quoted, escaped and cut short."""
    return repr(value if len(value) <= 80 else value[:77] + "...")


def with_values(text: str, bindings: Mapping[str, Term]) -> str:
    """The query with a VALUES block for the bindings opening its WHERE group.

    The terms are written by pyoxigraph's serializer (N-Triples syntax), variable names come
    from the checked header; the result is parsed again before it is sent anywhere.
    """
    if not bindings:
        return text
    for name in bindings:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ParameterError(f"{name!r} is not a SPARQL variable name")
    from rdflib.plugins.sparql.parser import parseQuery

    brace = _where_brace(text)
    names = " ".join(f"?{n}" for n in bindings)
    row = " ".join(str(t) for t in bindings.values())
    bound = f"{text[:brace + 1]} VALUES ({names}) {{ ({row}) }}\n{text[brace + 1:]}"
    try:
        parseQuery(bound)
    except ParseBaseException as exc:
        raise CcbkgError(f"cannot bind parameters into this query for a remote endpoint: "
                         f"{exc.msg}") from None
    return bound


def _where_brace(text: str) -> int:
    """The index of the `{` that opens the query's WHERE group (a small SPARQL lexer)."""
    i, n = 0, len(text)
    depth = parens = 0
    form: str | None = None
    seen_where = False
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if c in "\"'":
            i = _skip_string(text, i)
            continue
        if c == "<":
            iri = _IRIREF_RE.match(text, i)
            i = iri.end() if iri else i + 1
            continue
        if c in "?$@":
            word = _WORD_RE.match(text, i + 1)
            i = word.end() if word else i + 1
            continue
        if c == ":":
            i = _LOCAL_RE.match(text, i + 1).end()  # type: ignore[union-attr]
            continue
        if c.isalpha() or c == "_":
            word = _WORD_RE.match(text, i)
            assert word is not None
            i = word.end()
            if i < n and text[i] == ":":
                i = _LOCAL_RE.match(text, i + 1).end()  # type: ignore[union-attr]
                continue
            upper = word.group().upper()
            if depth == 0 and parens == 0:
                if upper == "WHERE":
                    seen_where = True
                elif upper in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") and form is None:
                    form = upper
            continue
        if c == "(":
            parens += 1
        elif c == ")":
            parens -= 1
        elif c == "{":
            if depth == 0 and parens == 0 and (seen_where or form in ("SELECT", "ASK")):
                return i
            depth += 1
        elif c == "}":
            depth -= 1
        i += 1
    raise CcbkgError("cannot find the WHERE group to bind parameters into; write the "
                     "WHERE keyword before the query's pattern")


def _skip_string(text: str, i: int) -> int:
    quote = text[i]
    if text.startswith(quote * 3, i):
        end = i + 3
        while end < len(text):
            if text[end] == "\\":
                end += 2
                continue
            if text.startswith(quote * 3, end):
                return end + 3
            end += 1
        return len(text)
    end = i + 1
    while end < len(text) and text[end] not in (quote, "\n"):
        end += 2 if text[end] == "\\" else 1
    return end + 1


# ---------------------------------------------------------------------------------- safety


def analyse(text: str, name: str = "the query") -> Analysis:
    """Parse with rdflib (parsing only; nothing runs): the query form, or Update.

    name (a file, or `--sparql`) starts any syntax error message.
    """
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        parsed = parseQuery(text)
    except ParseBaseException as query_error:
        try:
            parseUpdate(text)
        except ParseBaseException:
            raise CcbkgError(f"{name}:{query_error.lineno}:{query_error.col}: SPARQL syntax "
                             f"error: {query_error.msg}") from None
        return Analysis("Update")
    except Exception as exc:  # rdflib raises plain exceptions for some malformed input
        raise CcbkgError(f"{name}: SPARQL syntax error: {exc}") from None
    return Analysis(parsed[1].name if len(parsed) > 1 and isinstance(parsed[1], CompValue)
                    else "Query")


def guard(analysis: Analysis, *, embedded: bool) -> None:
    """Refuse an update on the embedded store (SERVICE and LOAD are netguard's to refuse)."""
    if analysis.is_update and embedded:
        raise CcbkgError("updates are refused on the embedded store (it is rebuilt from the "
                         "sources on every run); change the Turtle sources instead, or send "
                         "the update to an endpoint with --endpoint")


# ---------------------------------------------------------------------------------- running


def embedded_store(root: Path | None = None) -> ox.Store:
    """The sources (ontology, vocabularies, shapes, data) loaded into an in-memory store."""
    from ccbkg.load import load
    from ccbkg.project import Project, Role

    sources = load(Project.discover(root))
    errors = sources.result.errors
    if errors:
        first = errors[0]
        count = f"{len(errors)} error" + ("s" if len(errors) > 1 else "")
        raise CcbkgError(f"the sources do not parse ({count}; the first: "
                         f"{first.location()}: {first.message}); run `ccbkg check` for all")
    return sources.store(Role.ONTOLOGY, Role.VOCAB, Role.SHAPES, Role.DATA)


def run_embedded(store: ox.Store, text: str, bindings: Mapping[str, Term] | None = None,
                 *, timeout: float | None = None, memory: int = DEFAULT_MEMORY_MIB,
                 where: str = "the query", allow_network: bool = False) -> Results:
    """Run a query on the store with the default graph as the union of all graphs.

    SERVICE is refused unless allow_network (where names the query in the message). With a
    `timeout`, the query runs in a child process, a fork of this one that shares the loaded
    store, whose memory may grow by `memory` MiB at most; it is killed at the deadline.
    """
    def evaluate() -> Results:
        return _evaluate(store, text, bindings, where, allow_network)

    if timeout is None:
        return evaluate()
    return _in_child(evaluate, timeout, memory)


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
              allow_network: bool) -> Results:
    substitutions = {ox.Variable(k): v for k, v in (bindings or {}).items()}
    try:
        answer = netguard.query(store, text, where=where, allow_network=allow_network,
                                use_default_graph_as_union=True,
                                substitutions=substitutions or None)
        return _normalise(answer)
    except SyntaxError as exc:
        raise CcbkgError(f"SPARQL syntax error: {exc}") from None
    except (OSError, RuntimeError) as exc:
        message = str(exc)
        if "projection" in message:
            message += " (a parameter must be a projected variable of the query)"
        raise CcbkgError(f"the query failed: {message}") from None


def _normalise(answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> Results:
    if isinstance(answer, ox.QueryBoolean):
        return Results((), (), bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        names = tuple(v.value for v in answer.variables)
        return Results(names, tuple(tuple(s[i] for i in range(len(names))) for s in answer))
    return _graph_rows(answer)


def _graph_rows(triples: Iterable[ox.Triple]) -> Results:
    rows = sorted(((t.subject, t.predicate, t.object) for t in triples),
                  key=lambda r: tuple(str(x) for x in r))
    return Results(("subject", "predicate", "object"), tuple(rows))


def check_endpoint(url: str) -> str:
    """The endpoint URL if it is usable: http(s), a host, no credentials or fragment in it."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError as exc:
        raise CcbkgError(f"--endpoint is not a valid URL ({exc}): {_show(url)}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CcbkgError(f"--endpoint must be an http or https URL with a host (got {_show(url)})")
    if parts.username is not None or parts.password is not None:
        raise CcbkgError(f"put endpoint credentials in {USER_ENV} and {PASSWORD_ENV}, "
                         "not in the URL")
    if parts.fragment or _IRI_FORBIDDEN_RE.search(url):
        raise CcbkgError(f"--endpoint is not a valid URL (got {_show(url)})")
    return url


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run_remote(
    endpoint: str, text: str, bindings: Mapping[str, Term] | None = None, *,
    analysis: Analysis | None = None, timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None, where: str = "the query", allow_network: bool = False,
) -> Results:
    """Run a query on a SPARQL 1.1 endpoint by POST, through ccbkg's one HTTP client (the whole
    exchange within `timeout`); errors become one-line CcbkgErrors.

    SERVICE and LOAD, which make the endpoint reach further, are refused unless allow_network.
    """
    from ccbkg.http import HttpClient, credentials_from_env, shown

    check_endpoint(endpoint)
    if not allow_network:
        netguard.refuse_network(text, where)
    analysis = analysis or analyse(text, where)
    body = with_values(text, bindings or {}) if bindings else text
    names = (USER_ENV, PASSWORD_ENV)
    credentials = credentials_from_env(os.environ if env is None else env, names=names)
    host = urlsplit(endpoint).hostname or ""
    if credentials and urlsplit(endpoint).scheme != "https" and not is_loopback(host):
        raise CcbkgError("credentials are only sent over https (or to this machine); "
                         "use an https endpoint URL")
    client = HttpClient(timeout=timeout, retries=0, credentials=credentials,
                        auth_urls=[endpoint], names=names)
    graph = analysis.form in ("ConstructQuery", "DescribeQuery")
    accept = "text/turtle, application/n-triples;q=0.9" if graph else \
        "application/sparql-results+json"
    key = "update" if analysis.is_update else "query"
    response = client.request(
        "POST", endpoint, body=urlencode({key: body}).encode("utf-8"),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
        idempotent=not analysis.is_update, what=f"the {key}", limit=MAX_RESPONSE_BYTES)
    if analysis.is_update:
        return Results(())
    try:
        if graph:
            fmt = ox.RdfFormat.from_media_type(response.content_type) or ox.RdfFormat.TURTLE
            return _graph_rows(q.triple for q in ox.parse(response.body, format=fmt))
        return _normalise(ox.parse_query_results(response.body,
                                                 format=ox.QueryResultsFormat.JSON))
    except (SyntaxError, ValueError) as exc:
        raise CcbkgError(f"the endpoint {shown(endpoint)} did not answer with SPARQL results "
                         f"({response.content_type or 'no content type'}): "
                         f"{client.redact(_one_line(str(exc)))}") from None


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 1] + "…"


# ---------------------------------------------------------------------------------- output


def to_json_bytes(results: Results) -> bytes:
    """SPARQL 1.1 Query Results JSON, as pyoxigraph writes it."""
    return _serialize(results, ox.QueryResultsFormat.JSON)


def render(results: Results, fmt: str) -> str:
    """The results as text in one of FORMATS (the table format as plain aligned text)."""
    if fmt == "json":
        return to_json_bytes(results).decode("utf-8") + "\n"
    if fmt in ("csv", "tsv"):
        kind = ox.QueryResultsFormat.CSV if fmt == "csv" else ox.QueryResultsFormat.TSV
        out = _serialize(results, kind).decode("utf-8")
        return out if results.boolean is None else out + "\n"
    if fmt == "md":
        return _markdown(results)
    if fmt == "table":
        return _plain(results)
    raise CcbkgError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def display(term: Term | None) -> str:
    """A term as a person reads it in a table: CURIEs for IRIs, the text of literals."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        from ccbkg.report import shorten

        return shorten(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def cells(results: Results) -> tuple[list[str], list[list[str]]]:
    """Header and rows as display text for tables: line breaks shown as spaces, and control,
    format and bidi characters (which a terminal would act on, or which reorder the text)
    shown as escapes such as \\x1b and \\u202e."""
    if results.boolean is not None:
        return ["result"], [["true" if results.boolean else "false"]]
    rows = [[_visible(" ".join(display(t).splitlines())) for t in row] for row in results.rows]
    return list(results.variables), rows


def _visible(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(_escape(c) if unicodedata.category(c) in _INVISIBLE else c for c in text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"


def _plain(results: Results) -> str:
    header, rows = cells(results)
    if not header:
        return ""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()

    out = [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    return "\n".join(out) + "\n"


def _markdown(results: Results) -> str:
    header, rows = cells(results)
    if not header:
        return ""

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|")

    out = ["| " + " | ".join(esc(h) for h in header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    out.extend("| " + " | ".join(esc(c) for c in row) + " |" for row in rows)
    return "\n".join(out) + "\n"


def _serialize(results: Results, fmt: ox.QueryResultsFormat) -> bytes:
    """Let pyoxigraph write the standard formats, from the JSON the results amount to."""
    if results.boolean is not None:
        doc: dict[str, Any] = {"head": {}, "boolean": results.boolean}
    else:
        doc = {"head": {"vars": list(results.variables)}, "results": {"bindings": [
            {v: _json_term(t) for v, t in zip(results.variables, row, strict=True)
             if t is not None}
            for row in results.rows
        ]}}
    parsed = ox.parse_query_results(json.dumps(doc), format=ox.QueryResultsFormat.JSON)
    out = parsed.serialize(format=fmt)
    assert out is not None
    return out


def _json_term(term: Term) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD + "string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {
        "subject": _json_term(term.subject), "predicate": _json_term(term.predicate),
        "object": _json_term(term.object),
    }}


__all__ = [
    "DEFAULT_TIMEOUT", "EVERY", "FORMATS", "Analysis", "Param", "ParamType", "ParameterError",
    "QueryInfo", "Results", "analyse", "bind", "catalogue", "cells", "check_endpoint",
    "display", "embedded_store", "find", "guard", "is_loopback", "parse_header", "render",
    "run_embedded", "run_remote", "to_json_bytes", "to_term", "user_query", "with_values",
]
