"""Query parameters: a value checked against its declared type and turned into an RDF term;
no user text is ever pasted into a query. A query gives each parameter its default in a
`VALUES ?name { term }` block opening its WHERE group, so that it answers the same when run as
it is in any store; binding a parameter removes that block (`without_defaults`), then the
embedded store binds the terms with pyoxigraph's `substitutions` (SEP-0007) and a remote
endpoint gets them as a VALUES block at the start of the WHERE group, written by pyoxigraph's
term serializer. A query may also mark, with a comment `# ccbkg:values ?name`, the groups
where an endpoint should get the value too (the start of each part of a UNION and of each
OPTIONAL that uses the parameter): there the bound text has `VALUES ?name { term }`, so that
an endpoint's engine starts each part from the value, as pyoxigraph's substitution does,
instead of evaluating the part over the whole graph and joining the value at the end. Being a
comment, a marker changes nothing for a store that runs the query as it is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit

import pyoxigraph as ox

from ccbkg.core.errors import CcbkgError
from ccbkg.core.sparql_tokens import scan
from ccbkg.project.load import sparql_problem

EVERY = "*"  # the default of an optional parameter: unbound, every value
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
MAX_VALUE_CHARS = 10_000
XSD = "http://www.w3.org/2001/XMLSchema#"
# Characters the SPARQL IRIREF production forbids, plus every control and space character.
IRI_FORBIDDEN_RE = re.compile(r'[<>"{}|^`\\\x00-\x20\x7f-\x9f\s]')
_URN_RE = re.compile(r"^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+$", re.IGNORECASE)
_LANG_RE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_INTEGER_RE = re.compile(r"^[+-]?[0-9]{1,30}$")
_YEAR_RE = re.compile(r"^[0-9]{4}$")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_VALUES_RE = re.compile(r"VALUES\s+\?([A-Za-z_][A-Za-z0-9_]*)\s*\{", re.IGNORECASE)
_SPACE_OR_COMMENT_RE = re.compile(r"(?:\s+|#[^\n]*)*")
_MARKER_RE = re.compile(r"#[ \t]*ccbkg:values[ \t]+\?([A-Za-z_][A-Za-z0-9_]*)[^\n]*")


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
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if kind is ParamType.YEAR:
        if not _YEAR_RE.match(value):
            raise ParameterError(
                f"{label}: {shown_value(value)} is not a four-digit year such as 2016")
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "gYear"))
    if not _DATE_RE.match(value):
        raise ParameterError(f"{label}: {shown_value(value)} is not a date YYYY-MM-DD")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise ParameterError(f"{label}: {shown_value(value)} is not a valid date") from None
    return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))


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


def with_values(text: str, bindings: Mapping[str, Term]) -> str:
    """The query with a VALUES block for the bindings opening its WHERE group, in place of
    the blocks that gave them their defaults, and one in place of each marker of a bound
    parameter (`# ccbkg:values ?name`).

    The terms are written by pyoxigraph's serializer (N-Triples syntax), variable names come
    from the checked header; the result is parsed again before it is sent anywhere.
    """
    if not bindings:
        return text
    text = without_defaults(text, bindings)
    for name in bindings:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ParameterError(f"{name!r} is not a SPARQL variable name")
    marked = [m for m in _markers(text) if m[2] in bindings]
    for start, end, name in reversed(marked):
        text = f"{text[:start]}VALUES ?{name} {{ {bindings[name]} }}{text[end:]}"
    brace = _where_brace(text)
    names = " ".join(f"?{n}" for n in bindings)
    row = " ".join(str(t) for t in bindings.values())
    bound = f"{text[:brace + 1]} VALUES ({names}) {{ ({row}) }}\n{text[brace + 1:]}"
    problem = sparql_problem(bound)
    if problem is not None:
        where = " (a `# ccbkg:values` marker stands where a VALUES block may not: at the start " \
            "of a group, before or after a whole triple pattern)" if marked else ""
        raise CcbkgError(f"cannot bind parameters into this query for a remote endpoint{where}: "
                         f"{problem[2]}")
    return bound


def leading_values(text: str) -> dict[str, tuple[int, int, str]]:
    """The one-variable VALUES blocks that open the query's WHERE group, as
    name -> (start, end, the text between the braces, stripped)."""
    found: dict[str, tuple[int, int, str]] = {}
    closing = [i for kind, i, _ in scan(text) if kind == "}"]
    i = _where_brace(text) + 1
    while True:
        i = _SPACE_OR_COMMENT_RE.match(text, i).end()  # type: ignore[union-attr]
        match = _VALUES_RE.match(text, i)
        if match is None:
            return found
        end = next((c for c in closing if c >= match.end()), None)
        if end is None:
            raise CcbkgError(f"the VALUES block of ?{match.group(1)} is not closed")
        found[match.group(1)] = (i, end + 1, text[match.end():end].strip())
        i = end + 1


def without_defaults(text: str, names: Iterable[str]) -> str:
    """The query without the VALUES blocks that give the named parameters their defaults."""
    wanted = set(names)
    if not wanted:
        return text
    spans = [span for name, span in leading_values(text).items() if name in wanted]
    for start, end, _ in sorted(spans, reverse=True):
        text = text[:start] + text[end:]
    return text


def _markers(text: str) -> list[tuple[int, int, str]]:
    """The marker comments `# ccbkg:values ?name` of the query (not in strings or IRIs), as
    (start, end, name); the end is the end of the line."""
    found = []
    for kind, i, _ in scan(text, comments=True):
        match = _MARKER_RE.match(text, i) if kind == "#" else None
        if match is not None:
            found.append((i, match.end(), match.group(1)))
    return found


def _where_brace(text: str) -> int:
    """The index of the `{` that opens the query's WHERE group."""
    depth = parens = 0
    form: str | None = None
    seen_where = False
    for kind, i, word in scan(text):
        if kind == "(":
            parens += 1
        elif kind == ")":
            parens -= 1
        elif kind == "{":
            if depth == 0 and parens == 0 and (seen_where or form in ("SELECT", "ASK")):
                return i
            depth += 1
        elif kind == "}":
            depth -= 1
        elif kind == "word" and depth == 0 and parens == 0:
            keyword = word.upper()
            if keyword == "WHERE":
                seen_where = True
            elif keyword in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") and form is None:
                form = keyword
    raise CcbkgError("cannot find the WHERE group to bind parameters into; write the "
                     "WHERE keyword before the query's pattern")
