"""What a SPARQL text is, read one way for every stage that asks: its form and the paging
clauses of a SELECT query, or where and why it is not SPARQL.

Oxigraph's parser reads a text in about a millisecond where rdflib's takes up to a fifth of a
second; it is given the text through the network guard, on an empty in-memory store (an update
is applied to that store and nothing else). A text that uses SERVICE or LOAD (which Oxigraph is
not given), that Oxigraph rejects, or whose form its first word does not say goes to rdflib's
parser, which says more precisely where an error is. A text nested too deep for a parser goes
to neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import pyoxigraph as ox
from pyparsing import ParseBaseException

from ccbkg.core import netguard
from ccbkg.core.sparql_tokens import levelled, tokens
from ccbkg.core.textlines import position

_OX_SPARQL_POS_RE = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)
_PROLOGUE_RE = re.compile(r"^(?:\s+|#[^\n]*|(?:PREFIX|BASE)\s+[^>]*>)*", re.IGNORECASE)
_FORM_KEYWORD_RE = re.compile(r"[A-Za-z]+")
_QUERY_FORMS = {k: f"{k.capitalize()}Query" for k in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")}
_UPDATE_KEYWORDS = frozenset(
    ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"))
CLAUSES = ("orderby", "limitoffset", "valuesClause")  # rdflib's names
_CLAUSE_WORDS = {"ORDER": "orderby", "LIMIT": "limitoffset", "OFFSET": "limitoffset",
                 "VALUES": "valuesClause"}


class SparqlProblem(NamedTuple):
    """Where (line and column, when known) and why a text is not SPARQL."""

    line: int | None
    column: int | None
    message: str


@dataclass(frozen=True)
class Analysis:
    """What a query text is, as a SPARQL parser reads it."""

    form: str  # SelectQuery, AskQuery, ConstructQuery, DescribeQuery or Update
    clauses: frozenset[str] = frozenset()  # of a SELECT query: orderby, limitoffset, valuesClause
    # rdflib's parser accepts the text and Oxigraph's rejects it: Oxigraph's word
    oxigraph_problem: SparqlProblem | None = None

    @property
    def is_update(self) -> bool:
        """Whether the text is a SPARQL update rather than a query."""
        return self.form == "Update"


@lru_cache(maxsize=256)
def read_sparql(text: str) -> Analysis | SparqlProblem:
    """The text's form and clauses, or where and why it is not SPARQL (remembered: `serve` and
    the bundled queries see the same texts again and again)."""
    deep = netguard.nesting(text)
    if deep is not None:
        return SparqlProblem(*deep)
    oxigraph_problem = None
    if netguard.network_use(text) is None:
        try:
            form = sparql_form(text)
        except SyntaxError as exc:
            match = _OX_SPARQL_POS_RE.match(str(exc))
            oxigraph_problem = SparqlProblem(None, None, str(exc)) if match is None else \
                SparqlProblem(int(match.group(1)), int(match.group(2)), match.group(3))
        else:
            if form != "Query":  # "Query": a form its first word does not say
                return Analysis(form,
                                _select_clauses(text) if form == "SelectQuery" else frozenset())
    read = rdflib_analysis(text)
    if isinstance(read, Analysis) and oxigraph_problem is not None:
        return Analysis(read.form, read.clauses, oxigraph_problem)
    return read


def sparql_problem(text: str) -> SparqlProblem | None:
    """Where and why text is neither a SPARQL 1.1 query nor an update for Oxigraph, or None."""
    read = read_sparql(text)
    return read if isinstance(read, SparqlProblem) else read.oxigraph_problem


def sparql_form(text: str) -> str:
    """The form of a SPARQL text as Oxigraph's parser reads it: SelectQuery, AskQuery,
    ConstructQuery, DescribeQuery or Update (rdflib's names), or Query when Oxigraph accepts a
    query whose first word after the prologue is none of those; SyntaxError when Oxigraph
    rejects it (SERVICE and LOAD included: the network guard refuses them)."""
    keyword = _FORM_KEYWORD_RE.match(_PROLOGUE_RE.sub("", text))
    form = keyword.group(0).upper() if keyword else ""
    if form in _UPDATE_KEYWORDS:
        netguard.update(ox.Store(), text)
        return "Update"
    netguard.query(ox.Store(), text)
    return _QUERY_FORMS.get(form, "Query")


def _select_clauses(text: str) -> frozenset[str]:
    """Which of `CLAUSES` a SELECT query (one a parser has accepted) has: the words ORDER,
    LIMIT, OFFSET and VALUES outside every group. In valid SPARQL such a word comes outside
    the groups only after the WHERE group; inside a group it belongs to a subquery or to a
    VALUES block of the pattern. Comments, strings, IRIs and prefixed names (`ex:ORDER`) are
    not words here (`tokens`)."""
    found: set[str] = set()
    for kind, _, word, braces, _ in levelled(tokens(text)):
        if kind == "word" and not braces:
            clause = _CLAUSE_WORDS.get(word.upper())
            if clause is not None:
                found.add(clause)
    return frozenset(found)


def rdflib_analysis(text: str) -> Analysis | SparqlProblem:
    """`read_sparql` by rdflib's parser alone."""
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        parsed = parseQuery(text)
    except ParseBaseException as query_error:
        try:
            parseUpdate(text)
        except ParseBaseException:
            # pyparsing counts LF only; its text has tabs expanded, as its offset counts them.
            return SparqlProblem(*position(query_error.pstr, query_error.loc),
                                 str(query_error.msg))
        return Analysis("Update")
    except Exception as exc:  # rdflib raises plain exceptions for some malformed input
        return SparqlProblem(None, None, str(exc))
    if len(parsed) < 2 or not isinstance(parsed[1], CompValue):
        return Analysis("Query")
    form = parsed[1].name
    if form != "SelectQuery":
        return Analysis(form)
    return Analysis(form, frozenset(c for c in CLAUSES if c in parsed[1]))
