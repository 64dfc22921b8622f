"""SHACL-SPARQL constraints (SHACL 5.3) run for all focus nodes at once.

pyshacl runs the SELECT once per focus node with $this pre-bound. Here the focus set is joined
in as the first element of the WHERE group, so one query serves every focus node; the rows are
then grouped by ?this and turned into results with pyshacl's rules (duplicate rows per focus
node dropped, rows without ?this, ?path and ?value ignored, ?value defaulting to the focus node
on node shapes). A query where the join is not the same as pre-binding ($this inside a
sub-SELECT, solution modifiers or aggregates at the top level) runs once per focus node with
pyoxigraph's variable substitution instead.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ccbkg.checks.fastshacl.errors import ShapesError, Unsupported
from ccbkg.checks.fastshacl.results import Result, Term
from ccbkg.core import netguard
from ccbkg.core.sparql_tokens import VAR_RE, levelled, scan
from ccbkg.core.terms import to_rdflib

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.focus import FocusSet
    from ccbkg.checks.fastshacl.model import Shape
    from ccbkg.checks.fastshacl.validator import Validator

_PREFIX_RE = re.compile(r"^\s*(?:PREFIX\s+([\w.-]*):\s*<([^>]*)>|BASE\s+<[^>]*>)", re.I)
_MODIFIER_RE = re.compile(r"\b(GROUP\s+BY|HAVING|LIMIT|OFFSET)\b", re.I)
# pyshacl's patterns (sparql_query_helper.py), so that the same queries are refused.
_MINUS_RE = re.compile(r"^(?:[^#]*|M)(?!#)#?[^\?\$\#]M?INUS[\s\{]", re.M | re.I)
_VALUES_RE = re.compile(r"^(?!\s*#).*?(?<![\w\-\:])VALUES\b(?:\s*(?:\(|[\?\$]\w+|\{|\w|\s))",
                        re.M | re.I)
_SERVICE_RE = re.compile(r"^(?:[^#]*|S)(?!#)#?[^\?\$\#]S?ERVICE[\s\<]", re.M | re.I)
_NESTED_SELECT_RE = re.compile(
    r"SELECT[\s\(\)\$\?\a-z]*\{[^\}]*SELECT\s+((?:(?:[\?\$]\w+\s+)|(?:\*\s+))+)", re.M | re.I)
_EMPTY_PROJECTION_RE = re.compile(r"(SELECT(?:\s+(?:DISTINCT|REDUCED))?)\s+((?:WHERE\s*)?\{)", re.I)
_AS_VAR_RE = re.compile(r"[^\w]+AS[\s]+[\$\?](\w+)", re.M | re.I)
_AGGREGATE_RE = re.compile(r"\b(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(", re.I)


def split_prologue(text: str) -> tuple[dict[str, str], str]:
    """The PREFIX declarations at the start of a query and the rest of it."""
    prefixes: dict[str, str] = {}
    rest = text
    while True:
        match = _PREFIX_RE.match(rest)
        if not match:
            return prefixes, rest
        if match.group(2) is not None:
            prefixes[match.group(1)] = match.group(2)
        rest = rest[match.end():]


def evaluate(engine: Validator, shape: Shape, node: Node, focus: FocusSet) -> list[Result]:
    """The results of one sh:sparql constraint for every focus node."""
    g = engine.shapes.graph
    deactivated = [d for d in g.objects(node, SH.deactivated)]
    if deactivated and isinstance(deactivated[0], Literal) and deactivated[0].value:
        return []
    selects = list(g.objects(node, SH.select))
    if len(selects) != 1:
        raise Unsupported("an sh:sparql constraint needs one sh:select (ASK is not supported)")
    messages = [m for m in g.objects(node, SH.message) if isinstance(m, Literal)]
    check_prebinding(str(selects[0]))
    own, text = split_prologue(str(selects[0]))
    prefixes = {**engine.prefixes, **engine.shapes.prefixes(node), **own}
    if re.search(r"[\s{}()][$?]shapesGraph\b", text):
        raise Unsupported("SPARQL constraints using $shapesGraph are not supported")
    if re.search(r"[\s{}()][$?]currentShape\b", text):
        if not isinstance(shape.node, URIRef):
            raise Unsupported("$currentShape of a blank node shape")
        text = re.sub(r"([\s{}()])[$?]currentShape\b",
                      lambda m: m.group(1) + shape.node.n3(), text)
    if re.search(r"[\s{}()][$?]PATH\b", text):
        if shape.path is None:
            raise ShapesError("$PATH in a constraint on a node shape")
        text = re.sub(r"([\s{}()])[$?]PATH\b", lambda m: m.group(1) + engine.path(shape), text)
    head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())
    parts = _structure(text)
    rows: list[tuple[Term, dict[str, Term]]] = []
    if parts is not None and parts.safe:
        parts.body = hoist(engine, parts.body, prefixes)
        query = (head + parts.select_head + (" ?this" if not parts.projects_this else "")
                 + parts.between + "{ " + focus.members() + " " + parts.body)
        for row in engine.select(query):
            rows.append((row["this"], _bound(row, parts.variables, parts.projects_this)))
    else:
        for f in engine.members(focus):
            engine.queries += 1
            substituted = _substituted(text, f)
            if substituted is not None:
                names, found = netguard.select(engine.store, head + substituted)
            else:
                names, found = netguard.select(engine.store, head + text,
                                               substitutions={ox.Variable("this"): f})
            for row in found:
                rows.append((f, _bound(row, names, "this" in names)))
    return _results(shape, node, messages, rows)


def optimise_target(engine: Validator, select: str, prefixes: dict[str, str]) -> str:
    """A SPARQL target with its sub-SELECTs computed once and its EXISTS filters as joins."""
    text = hoist(engine, select, prefixes)
    tokens = scan(text)
    brace = next((pos for kind, pos, _ in tokens if kind == "{"), None)
    if brace is None:
        return text
    return text[:brace + 1] + decorrelate(text[brace + 1:])


def single_block(select: str) -> str | None:
    """The sub-SELECT block of a `SELECT ?this WHERE { { SELECT ... ?this ... } }` target
    (one that selects what the block selects), or None."""
    tokens = scan(select)
    if len(tokens) < 5 or tokens[0][2].upper() != "SELECT" or tokens[1][::2] != ("var", "this"):
        return None
    at = 3 if tokens[2][2].upper() == "WHERE" else 2
    if tokens[at][0] != "{" or _closing(tokens, at) != len(tokens) - 1:
        return None
    block = _innermost_select(tokens[at + 1:])
    if block is None or block[2] != "this" or block[0] != 0 or \
            block[1] != len(tokens) - at - 3:
        return None
    return select[tokens[at + 1][1]:tokens[-2][1] + 1]


def check_prebinding(text: str) -> None:
    """pyshacl's checks of SHACL 5.3.1: no MINUS, VALUES, SERVICE; nested SELECTs project
    $this; no re-binding of $this with AS. Raises ShapesError, as pyshacl refuses them."""
    for pattern, what in ((_MINUS_RE, "MINUS"), (_VALUES_RE, "VALUES"), (_SERVICE_RE, "SERVICE")):
        if pattern.search(text):
            raise ShapesError(f"a SPARQL constraint must not contain {what}")
    nested = _NESTED_SELECT_RE.search(text)
    if nested:
        names = [v.lstrip("$?") for v in nested.group(1).split()]
        if names == ["*"] or "this" not in names:
            raise ShapesError("a nested SELECT must project $this")
    rebind = _AS_VAR_RE.search(text)
    if rebind and rebind.group(1) in ("this", "shapesGraph", "currentShape"):
        raise ShapesError(f"a SPARQL constraint must not re-bind ${rebind.group(1)} with AS")


def _substituted(text: str, term: Term) -> str | None:
    """The query with $this replaced by the focus node, as SHACL's pre-binding defines it
    (bound($this) is true; a projected $this is the constant). None for a blank node."""
    if isinstance(term, ox.BlankNode):
        return None
    constant = str(term)
    tokens = scan(text)
    out: list[str] = []
    last = 0
    in_projection = False
    selects = 0
    for i, (kind, pos, word) in enumerate(tokens):
        if kind == "word" and word.upper() == "SELECT":
            in_projection = True
            selects += 1
        elif kind == "{":
            in_projection = False
        if kind != "var" or word != "this":
            continue
        start, end, replacement = pos, pos + 5, constant
        if in_projection:
            replacement = f"({constant} AS ?this)" if selects == 1 else ""
        elif i >= 2 and tokens[i - 1][0] == "(" and tokens[i - 2][2].lower() == "bound" and \
                i + 1 < len(tokens) and tokens[i + 1][0] == ")":
            start, end, replacement = tokens[i - 2][1], tokens[i + 1][1] + 1, "(true)"
        out.append(text[last:start] + replacement)
        last = end
    query = "".join(out) + text[last:]
    return _EMPTY_PROJECTION_RE.sub(lambda m: m.group(1) + " * " + m.group(2), query)


def _bound(row: ox.QuerySolution, names: list[str], with_this: bool) -> dict[str, Term]:
    out: dict[str, Term] = {}
    for name in names:
        if name == "this" and not with_this:
            continue
        value = row[name]
        if value is not None:
            out[name] = value
    return out


def _results(shape: Shape, node: Node, messages: list[Literal],
             rows: list[tuple[Term, dict[str, Term]]]) -> list[Result]:
    seen: dict[Term, set[tuple[object, ...]]] = {}
    results: list[Result] = []
    for f, bound in rows:
        variables = dict(bound)
        variables.pop("failure", None)
        p = variables.pop("path", None)
        v = variables.pop("value", None)
        t = variables.pop("this", None)
        if p is None and v is None and t is None:
            continue
        key = (t, p, v, tuple(sorted((k, str(x)) for k, x in variables.items())))
        if key in seen.setdefault(f, set()):
            continue
        seen[f].add(key)
        rt = to_rdflib(t) if t is not None else None
        focus = t if (t is not None and rt) else f
        value = v if v is not None else (None if shape.is_property else f)
        bindings = [*variables.items()]
        bindings += [(k, x) for k, x in (("this", t), ("path", p), ("value", value))
                     if x is not None]
        results.append(Result(
            focus=focus, shape=shape, component=SH.SPARQLConstraintComponent, origin=f,
            value=value, path=p, constraint=node, bindings=tuple(bindings),
            extra_messages=tuple(messages),
        ))
    return results


class _Parts:
    """A SELECT query cut where the focus pattern goes in."""

    def __init__(self, select_head: str, between: str, body: str, projects_this: bool,
                 variables: list[str], safe: bool) -> None:
        self.select_head = select_head
        self.between = between
        self.body = body
        self.projects_this = projects_this
        self.variables = variables
        self.safe = safe


def _structure(text: str) -> _Parts | None:
    """Find the projection and the WHERE group of a SELECT query (None when unsure)."""
    tokens = scan(text)
    select_at = next((i for i, (kind, pos, word) in enumerate(tokens)
                      if kind == "word" and word.upper() == "SELECT"), None)
    brace_at = next((i for i, (kind, _, _) in enumerate(tokens) if kind == "{"), None)
    if select_at is None or brace_at is None or brace_at < select_at:
        return None
    _, select_pos, _ = tokens[select_at]
    _, brace_pos, _ = tokens[brace_at]
    head_end = select_pos + len("SELECT")
    after = tokens[select_at + 1] if select_at + 1 < len(tokens) else None
    if after is not None and after[0] == "word" and after[2].upper() in ("DISTINCT", "REDUCED"):
        head_end = after[1] + len(after[2])
    projection = text[head_end:brace_pos]
    projection = re.sub(r"\bWHERE\b\s*$", "", projection.rstrip(), flags=re.I)
    where_kw = text[head_end:brace_pos][len(projection):]
    star = projection.strip() == "*"
    variables = [m.group(1) for m in VAR_RE.finditer(projection)] if not star else []
    projects_this = star or "this" in variables
    safe = not star and not _AGGREGATE_RE.search(projection)
    end_at, bound_safe = _groups(tokens[brace_at:])
    safe = safe and bound_safe
    if end_at is None:
        return None
    if _MODIFIER_RE.search(text[end_at:]):
        safe = False
    body = text[brace_pos + 1:]
    if safe:
        body = decorrelate(body)
    return _Parts(text[:head_end], " " + projection + where_kw, body, projects_this, variables,
                  safe)


def decorrelate(body: str) -> str:
    """Rewrite top-level FILTER NOT EXISTS { P } as MINUS { P }, and FILTER EXISTS { P } (or
    EXISTS { P } || EXISTS { Q } ...) as a join with the distinct ?this of P (UNION Q ...),
    where that is the same: each P binds ?this in a triple pattern of its own and shares no
    other variable with the rest of the query.

    pyoxigraph evaluates an EXISTS once per row, and a P with several patterns or an
    OPTIONAL takes time in proportion to the whole graph each time; MINUS and the join
    evaluate P once.
    """
    tokens = scan(body)
    edits: list[tuple[int, int, str]] = []
    depth = 0
    i = 0
    while i < len(tokens):
        kind, pos, word = tokens[i]
        if kind == "{":
            depth += 1
        elif kind == "}":
            depth -= 1
        elif kind == "word" and word.upper() == "FILTER" and depth == 0:
            found = _exists_at(tokens, i)
            if found is not None:
                negated, groups, end_at = found
                outer = tokens[:i] + tokens[end_at + 1:]
                if all(_decorrelatable(tokens[a + 1:b], outer) for a, b in groups):
                    texts = [body[tokens[a][1]:tokens[b][1] + 1] for a, b in groups]
                    replacement = f"MINUS {texts[0]}" if negated else \
                        f"{{ SELECT DISTINCT ?this WHERE {{ {' UNION '.join(texts)} }} }}"
                    edits.append((pos, tokens[end_at][1] + 1, replacement))
                    i = end_at
        i += 1
    for start, end, replacement in reversed(edits):
        body = body[:start] + replacement + body[end:]
    return body


def _exists_at(tokens: list[tuple[str, int, str]], i: int,
               ) -> tuple[bool, list[tuple[int, int]], int] | None:
    """At a FILTER token: (negated, the EXISTS groups as '{' '}' indexes, the last index).

    Recognises FILTER [(] [NOT|!] EXISTS {..} [)] and FILTER ( EXISTS {..} || EXISTS {..} ).
    """
    j = i + 1
    parens = 0
    while j < len(tokens) and tokens[j][0] == "(":
        parens += 1
        j += 1
    negated = j < len(tokens) and tokens[j][2].upper() in ("NOT", "!")
    j += 1 if negated else 0
    groups: list[tuple[int, int]] = []
    while True:
        if j + 1 >= len(tokens) or tokens[j][2].upper() != "EXISTS" or tokens[j + 1][0] != "{":
            return None
        close = _closing(tokens, j + 1)
        if close is None:
            return None
        groups.append((j + 1, close))
        j = close + 1
        if not negated and j < len(tokens) and tokens[j][2] == "||":
            j += 1
            continue
        break
    for _ in range(parens):
        if j < len(tokens) and tokens[j][0] == ")":
            j += 1
        else:
            return None
    return negated, groups, j - 1


def _closing(tokens: list[tuple[str, int, str]], open_at: int) -> int | None:
    depth = 0
    for k in range(open_at, len(tokens)):
        if tokens[k][0] == "{":
            depth += 1
        elif tokens[k][0] == "}":
            depth -= 1
            if depth == 0:
                return k
    return None


def hoist(engine: Validator, text: str, prefixes: dict[str, str]) -> str:
    """Replace each sub-SELECT that projects one variable by the set it selects, computed once
    for all queries (a sub-SELECT is evaluated on its own, whatever surrounds it)."""
    while True:
        tokens = scan(text)
        block = _innermost_select(tokens)
        if block is None:
            return text
        open_at, close_at, var = block
        start, end = tokens[open_at][1], tokens[close_at][1] + 1
        found = engine.shared(text[start:end], var, prefixes)
        text = text[:start] + "{ " + found.members(var) + " }" + text[end:]


def _innermost_select(tokens: list[tuple[str, int, str]]) -> tuple[int, int, str] | None:
    """A `{ SELECT ?v ... }` block with no sub-SELECT inside and one projected variable."""
    for i in range(len(tokens) - 2):
        if tokens[i][0] != "{" or tokens[i + 1][2].upper() != "SELECT":
            continue
        close = _closing(tokens, i)
        if close is None:
            return None
        inner = tokens[i + 2:close]
        if any(k == "word" and w.upper() == "SELECT" for k, _, w in inner):
            continue
        j = 0
        if inner and inner[0][2].upper() in ("DISTINCT", "REDUCED"):
            j = 1
        if len(inner) > j + 1 and inner[j][0] == "var" and (
                inner[j + 1][0] == "{" or inner[j + 1][2].upper() == "WHERE"):
            return i, close, inner[j][2]
    return None


def _decorrelatable(inner: list[tuple[str, int, str]], outer: list[tuple[str, int, str]]) -> bool:
    """P binds ?this at its own level and shares no other variable with the rest."""
    if any(kind == "word" and word.upper() == "SELECT" for kind, _, word in inner):
        return False
    own_pattern = any(kind == "var" and word == "this" and not braces and not parens
                      for kind, _, word, braces, parens in levelled(inner))
    inner_vars = {w for k, _, w in inner if k == "var"} - {"this"}
    outer_vars = {w for k, _, w in outer if k == "var"}
    return own_pattern and not (inner_vars & outer_vars)


class _Group:
    """What a brace group of a query does with ?this."""

    def __init__(self, bound: bool, attached: bool, sub: bool) -> None:
        self.bound = bound          # ?this has the focus value here (top group, or inherited)
        self.attached = attached    # EXISTS/OPTIONAL group: sees its parent's solutions
        self.sub = sub              # inside a sub-SELECT
        self.parens = 0
        self.in_expression = False  # ?this in an expression of this group
        self.in_pattern = False     # ?this in a triple pattern of this group


def _groups(tokens: list[tuple[str, int, str]]) -> tuple[int | None, bool]:
    """Where the WHERE group ends, and whether joining the focus nodes in is pre-binding.

    Joining gives ?this its value in the top-level group and in the EXISTS and OPTIONAL groups
    evaluated with its solutions. A nested group evaluated on its own sees ?this unbound, which
    is harmless when one of its own triple patterns binds it (the join then filters), but not
    when it only uses ?this in an expression. Any ?this in a sub-SELECT makes the join differ.
    """
    stack: list[_Group] = []
    previous = ""
    safe = True
    for kind, pos, word in tokens:
        if kind == "{":
            parent = stack[-1] if stack else None
            attached = parent is not None and previous.upper() in ("EXISTS", "OPTIONAL")
            stack.append(_Group(
                bound=parent is None or (attached and parent.bound), attached=attached,
                sub=parent is not None and parent.sub))
        elif kind == "}":
            if not stack:
                return None, False
            group = stack.pop()
            uses = group.in_expression or group.in_pattern
            if group.attached and not group.bound and uses and stack:
                stack[-1].in_expression = True
            elif group.in_expression and not (group.bound or group.in_pattern):
                safe = False
            if not stack:
                return pos, safe
        elif stack:
            group = stack[-1]
            if kind == "word" and word.upper() == "SELECT":
                group.sub = True
            elif kind == "(":
                group.parens += 1
            elif kind == ")":
                group.parens -= 1
            elif kind == "var" and word == "this":
                if group.sub:
                    safe = False
                elif group.parens > 0:
                    group.in_expression = True
                else:
                    group.in_pattern = True
        if kind != "var":
            previous = word
    return None, False
