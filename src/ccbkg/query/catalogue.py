"""The catalogue of competency queries: the bundled files in queries/ and their headers.

A bundled query is a SPARQL file in queries/ that starts with `# key: value` comment lines:
title, description, question, expected, and any number of `param: NAME TYPE DEFAULT — TEXT`.
A DEFAULT of `*` makes the parameter optional: unless a value is given it stays unbound, so
the query answers for every value (such as every country). Any other default is also written
in the query itself, as a `VALUES ?NAME { term }` block opening the WHERE group, so that the
file run as it is, in any store, gives the documented answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ccbkg.core.errors import CcbkgError
from ccbkg.project.layout import NAME_RE, NAME_RULE, Project, Role
from ccbkg.query.parameters import (
    Param,
    ParameterError,
    ParamType,
    Term,
    leading_values,
    to_term,
)

MAX_QUERY_CHARS = 1_000_000

_HEADER_KEYS = ("title", "description", "question", "param", "expected")
_REQUIRED_KEYS = ("title", "description", "question", "expected")
_HEADER_RE = re.compile(r"^#\s*([A-Za-z]+):\s*(.*?)\s*$")
_PARAM_RE = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z]+)\s+"
                       r"(?P<default>\S(?:.*?\S)?)\s+[—-]\s+(?P<text>\S.*)$")


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


def catalogue(root: Path | None = None) -> list[QueryInfo]:
    """The bundled queries of a project folder (default: the data shipped with ccbkg), by name."""
    project = Project.discover(root)
    out = []
    for file in project.of(Role.QUERY):
        text = project.read_text(file.path)
        out.append(parse_header(text, file.path.stem, path=file.path, strict=True))
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
        _check_defaults(text, params, where)
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


def _check_defaults(text: str, params: list[Param], where: str) -> None:
    """Each parameter with a default opens the WHERE group with it; an optional one does not."""
    if not params:
        return
    blocks = leading_values(text)
    for p in params:
        if p.optional:
            if p.name in blocks:
                raise CcbkgError(f"{where}: ?{p.name} is optional (default *), so the query "
                                 f"may not give it a value in a VALUES block")
            continue
        term = str(to_term(p, p.default))
        if blocks.get(p.name, (0, 0, ""))[2] != term:
            raise CcbkgError(f"{where}: open the WHERE group with `VALUES ?{p.name} {{ {term} }}`"
                             f", the default of ?{p.name}, so that the query run as it is "
                             "gives the documented answer")


def bind(info: QueryInfo, values: Mapping[str, str]) -> dict[str, Term]:
    """The declared parameters as checked RDF terms: the given value, else the default.

    An optional parameter (default `*`) without a given value is left out: it stays unbound.
    """
    for name in values:
        info.param(name)
    return {p.name: to_term(p, values.get(p.name, p.default))
            for p in info.params if p.name in values or not p.optional}
