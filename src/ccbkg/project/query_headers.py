"""The header of a bundled query file and the parameters it declares.

A bundled query is a SPARQL file in queries/ that starts with `# key: value` comment lines:
title, description, question, expected, and any number of `param: NAME TYPE DEFAULT — TEXT`.
A DEFAULT of `*` makes the parameter optional: unless a value is given it stays unbound, so
the query answers for every value (such as every country). Any other default is also written
in the query itself, as a `VALUES ?NAME { term }` block opening the WHERE group, so that the
file run as it is, in any store, gives the documented answer. A parameter's value is checked
against its declared type and made an RDF term here; no user text is ever pasted into a query.

The syntax stage reads every bundled query's header (`ccbkg check` reports a defect in it with
its line); `ccbkg.query` lists, binds and runs the queries.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox

from ccbkg.core.errors import CcbkgError
from ccbkg.core.namespaces import XSD_NS
from ccbkg.core.sparql_tokens import Token, levelled, tokens
from ccbkg.project.layout import NAME_RE, NAME_RULE

EVERY = "*"  # the default of an optional parameter: unbound, every value
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
MAX_VALUE_CHARS = 10_000
# Characters the SPARQL IRIREF production forbids, plus every control and space character.
IRI_FORBIDDEN_RE = re.compile(r'[<>"{}|^`\\\x00-\x20\x7f-\x9f\s]')
_URN_RE = re.compile(r"^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+$", re.IGNORECASE)
_LANG_RE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_INTEGER_RE = re.compile(r"^[+-]?[0-9]{1,30}$")
_YEAR_RE = re.compile(r"^[0-9]{4}$")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_VALUES_RE = re.compile(r"VALUES\s+\?([A-Za-z_][A-Za-z0-9_]*)\s*\{", re.IGNORECASE)
_SPACE_OR_COMMENT_RE = re.compile(r"(?:\s+|#[^\n]*)*")
_HEADER_KEYS = ("title", "description", "question", "param", "expected")
_REQUIRED_KEYS = ("title", "description", "question", "expected")
_HEADER_RE = re.compile(r"^#\s*([A-Za-z]+):\s*(.*?)\s*$")
_PARAM_RE = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z]+)\s+"
                       r"(?P<default>\S(?:.*?\S)?)\s+[—-]\s+(?P<text>\S.*)$")


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
                                 f"(got {shown_value(value)})")
        try:
            return ox.Literal(text, language=lang)
        except ValueError:
            raise ParameterError(f"{label}: {lang!r} is not a valid language tag") from None
    if kind is ParamType.INTEGER:
        if not _INTEGER_RE.match(value):
            raise ParameterError(f"{label}: {shown_value(value)} is not an integer")
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD_NS + "integer"))
    if kind is ParamType.YEAR:
        if not _YEAR_RE.match(value):
            raise ParameterError(
                f"{label}: {shown_value(value)} is not a four-digit year such as 2016")
        return ox.Literal(value, datatype=ox.NamedNode(XSD_NS + "gYear"))
    if not _DATE_RE.match(value):
        raise ParameterError(f"{label}: {shown_value(value)} is not a date YYYY-MM-DD")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise ParameterError(f"{label}: {shown_value(value)} is not a valid date") from None
    return ox.Literal(value, datatype=ox.NamedNode(XSD_NS + "date"))


def _iri(label: str, value: str) -> ox.NamedNode:
    bad = IRI_FORBIDDEN_RE.search(value)
    if bad is not None:
        raise ParameterError(f"{label}: an IRI may not contain {bad.group()!r} "
                             f"(got {shown_value(value)})")
    scheme = value.split(":", 1)[0].lower() if ":" in value else ""
    if scheme in ("http", "https"):
        try:
            parts = urlsplit(value)
        except ValueError as exc:
            raise ParameterError(
                f"{label}: {shown_value(value)} is not a valid IRI ({exc})") from None
        if not parts.netloc or not value.lower().startswith(f"{scheme}://"):
            raise ParameterError(f"{label}: {shown_value(value)} has no host")
    elif scheme == "urn":
        if not _URN_RE.match(value):
            raise ParameterError(f"{label}: {shown_value(value)} is not a URN (urn:NID:NSS)")
    else:
        raise ParameterError(f"{label}: give an absolute http, https or urn IRI, such as "
                             f"https://w3id.org/ccbkg/id/country/ALB (got {shown_value(value)})")
    try:
        return ox.NamedNode(value)
    except ValueError as exc:
        raise ParameterError(f"{label}: {shown_value(value)} is not a valid IRI ({exc})") from None


def shown_value(value: str) -> str:
    """A value for an error message: quoted, escaped and cut short."""
    return repr(value if len(value) <= 80 else value[:77] + "...")


def leading_values(text: str) -> dict[str, tuple[int, int, str]]:
    """The one-variable VALUES blocks that open the query's WHERE group, as
    name -> (start, end, the text between the braces, stripped). The text is read only as far
    as the last of them."""
    found: dict[str, tuple[int, int, str]] = {}
    read = tokens(text)
    i = _where_brace(read) + 1
    while True:
        i = _SPACE_OR_COMMENT_RE.match(text, i).end()  # type: ignore[union-attr]
        match = _VALUES_RE.match(text, i)
        if match is None:
            return found
        end = next((at for kind, at, _ in read if kind == "}" and at >= match.end()), None)
        if end is None:
            raise CcbkgError(f"the VALUES block of ?{match.group(1)} is not closed")
        found[match.group(1)] = (i, end + 1, text[match.end():end].strip())
        i = end + 1


def where_brace(text: str) -> int:
    """The index of the `{` that opens the query's WHERE group."""
    return _where_brace(tokens(text))


def _where_brace(read: Iterator[Token]) -> int:
    """The index of the `{` that opens the WHERE group, reading the tokens up to it."""
    form: str | None = None
    seen_where = False
    for kind, i, word, braces, parens in levelled(read):
        if braces or parens:
            continue
        if kind == "{" and (seen_where or form in ("SELECT", "ASK")):
            return i
        if kind == "word":
            keyword = word.upper()
            if keyword == "WHERE":
                seen_where = True
            elif keyword in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") and form is None:
                form = keyword
    raise CcbkgError("cannot find the WHERE group to bind parameters into; write the "
                     "WHERE keyword before the query's pattern")


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


class HeaderError(CcbkgError):
    """A defect in a bundled query's header, with the line it is on when it has one."""

    def __init__(self, where: str, line: int | None, problem: str) -> None:
        super().__init__(f"{where}:{line}: {problem}" if line else f"{where}: {problem}")
        self.line = line
        self.problem = problem


def parse_header(text: str, name: str, *, path: Path | None = None,
                 strict: bool = True) -> QueryInfo:
    """Read the `# key: value` lines at the top; strict (bundled queries) requires them all.
    A defect is a HeaderError naming the file (or the name) and the line."""
    where = str(path) if path else name
    if strict and not NAME_RE.fullmatch(name):
        raise HeaderError(where, None, f"query names are {NAME_RULE} ({name!r} is not)")
    fields: dict[str, tuple[int, str]] = {}
    params: list[tuple[int, Param]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        match = _HEADER_RE.match(line)
        if match is None:
            continue
        key, value = match.group(1).lower(), match.group(2)
        if key not in _HEADER_KEYS:
            if strict:
                raise HeaderError(where, number, f"unknown header key {key!r}; use "
                                  f"{', '.join(_HEADER_KEYS)}")
            continue
        if key == "param":
            param = _parse_param(value, where, number)
            if any(param.name == known.name for _, known in params):
                raise HeaderError(where, number, f"the parameter {param.name} is declared twice")
            params.append((number, param))
        elif key in fields:
            raise HeaderError(where, number, f"header key {key!r} is given twice")
        else:
            fields[key] = (number, value)
    if strict:
        missing = [k for k in _REQUIRED_KEYS if not fields.get(k, (0, ""))[1]]
        if missing:
            raise HeaderError(where, None, f"the header lacks {', '.join(missing)} (each "
                              "bundled query starts with `# title: …` and so on)")
        number, expected = fields["expected"]
        if expected != f"expected/{name}.csv":
            raise HeaderError(where, number, f"`# expected:` must be expected/{name}.csv")
        _check_defaults(text, params, where)
    value_of = {key: value for key, (_, value) in fields.items()}
    return QueryInfo(
        name=name, text=text, title=value_of.get("title", ""),
        description=value_of.get("description", ""), question=value_of.get("question", ""),
        params=tuple(param for _, param in params), expected=value_of.get("expected"),
        path=path,
    )


def _parse_param(value: str, where: str, line: int) -> Param:
    match = _PARAM_RE.match(value)
    if match is None:
        raise HeaderError(where, line, "write a parameter as `# param: NAME TYPE DEFAULT — "
                          "DESCRIPTION`")
    try:
        kind = ParamType(match.group("type"))
    except ValueError:
        types = ", ".join(t.value for t in ParamType)
        raise HeaderError(where, line, f"unknown parameter type {match.group('type')!r}; "
                          f"use one of {types}") from None
    param = Param(match.group("name"), kind, match.group("default"), match.group("text"))
    try:
        if not param.optional:
            to_term(param, param.default)
    except ParameterError as exc:
        raise HeaderError(where, line, f"the default is not valid: {exc}") from None
    return param


def _check_defaults(text: str, params: list[tuple[int, Param]], where: str) -> None:
    """Each parameter with a default opens the WHERE group with it; an optional one does not."""
    if not params:
        return
    try:
        blocks = leading_values(text)
    except CcbkgError as exc:
        raise HeaderError(where, None, str(exc)) from None
    for line, p in params:
        if p.optional:
            if p.name in blocks:
                raise HeaderError(where, line, f"?{p.name} is optional (default *), so the "
                                  "query may not give it a value in a VALUES block")
            continue
        term = str(to_term(p, p.default))
        if blocks.get(p.name, (0, 0, ""))[2] != term:
            raise HeaderError(where, line, f"open the WHERE group with `VALUES ?{p.name} "
                              f"{{ {term} }}`, the default of ?{p.name}, so that the query "
                              "run as it is gives the documented answer")
