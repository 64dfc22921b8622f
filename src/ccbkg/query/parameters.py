"""Binding a bundled query's parameters for a run: binding a parameter removes the VALUES
block that gave it its default (`without_defaults`); the embedded store then binds the terms
with pyoxigraph's `substitutions` (SEP-0007), and a remote endpoint gets them as a VALUES block
at the start of the WHERE group, written by pyoxigraph's term serializer (`with_values`). A
query may also mark, with a comment `# ccbkg:values ?name`, the groups where an endpoint should
get the value too (the start of each part of a UNION and of each OPTIONAL that uses the
parameter): there the bound text has `VALUES ?name { term }`, so that an endpoint's engine
starts each part from the value, as pyoxigraph's substitution does, instead of evaluating the
part over the whole graph and joining the value at the end. Being a comment, a marker changes
nothing for a store that runs the query as it is. The parameters, their types and the checks of
their values are in `ccbkg.project.query_headers`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ccbkg.core.errors import CcbkgError
from ccbkg.core.sparql_tokens import scan
from ccbkg.project.query_headers import ParameterError, Term, leading_values, where_brace
from ccbkg.project.sparql_text import sparql_problem

_MARKER_RE = re.compile(r"#[ \t]*ccbkg:values[ \t]+\?([A-Za-z_][A-Za-z0-9_]*)[^\n]*")


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
    brace = where_brace(text)
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
