"""The catalogue of competency queries: the bundled files in queries/, listed and found by
name, and a user's own query (the header format is `ccbkg.project.query_headers`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ccbkg.core.errors import CcbkgError
from ccbkg.project.layout import Project, Role
from ccbkg.project.query_headers import QueryInfo, Term, parse_header, to_term

MAX_QUERY_CHARS = 1_000_000


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


_COMMENT_LINE_RE = re.compile(r"(?m)^[ \t]*#.*$")


def user_query(text: str, name: str) -> QueryInfo:
    """A query the user gives (--file/--sparql): its header, if any, is read but optional."""
    if len(text) > MAX_QUERY_CHARS:
        raise CcbkgError(f"{name}: the query has {len(text)} characters, over the "
                         f"{MAX_QUERY_CHARS} ccbkg accepts")
    if not _COMMENT_LINE_RE.sub("", text).strip():  # (a comment alone read as an update)
        raise CcbkgError(f"{name}: the query is empty" + (
            " (comments only)" if text.strip() else ""))
    return parse_header(text, name, strict=False)


def bind(info: QueryInfo, values: Mapping[str, str]) -> dict[str, Term]:
    """The declared parameters as checked RDF terms: the given value, else the default.

    An optional parameter (default `*`) without a given value is left out: it stays unbound.
    """
    for name in values:
        info.param(name)
    return {p.name: to_term(p, values.get(p.name, p.default))
            for p in info.params if p.name in values or not p.optional}
