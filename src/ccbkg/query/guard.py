"""The guard: what a query text is (query or update), and what may run where."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import lru_cache

from pyparsing import ParseBaseException

from ccbkg.core import netguard
from ccbkg.core.errors import CcbkgError
from ccbkg.core.sparql_tokens import levelled, tokens
from ccbkg.project.load import sparql_form


@dataclass(frozen=True)
class Analysis:
    """What a query text is, as a SPARQL parser reads it."""

    form: str  # SelectQuery, AskQuery, ConstructQuery, DescribeQuery or Update
    clauses: frozenset[str] = frozenset()  # of a SELECT query: orderby, limitoffset, valuesClause

    @property
    def is_update(self) -> bool:
        """Whether the text is a SPARQL update rather than a query."""
        return self.form == "Update"


def analyse(text: str, name: str = "the query") -> Analysis:
    """Parse (nothing runs on any store of the user's): the query form, or Update.

    name (a file, or `--sparql`) starts any syntax error message.
    """
    try:
        return _analysed(text)
    except _NotSparql as error:
        query_error = error.query_error
        if isinstance(query_error, ParseBaseException):
            raise CcbkgError(f"{name}:{query_error.lineno}:{query_error.col}: SPARQL syntax "
                             f"error: {query_error.msg}") from None
        raise CcbkgError(f"{name}: SPARQL syntax error: {query_error}") from None


class _NotSparql(Exception):
    """The text parses neither as a query nor as an update."""

    def __init__(self, query_error: Exception) -> None:
        super().__init__(str(query_error))
        self.query_error = query_error


_CLAUSES = ("orderby", "limitoffset", "valuesClause")


@lru_cache(maxsize=256)
def _analysed(text: str) -> Analysis:
    """The form of a query text and which of `_CLAUSES` its SELECT query has (remembered:
    `serve` and the bundled queries see the same texts again and again).

    Oxigraph's parser (`sparql_form`) gives the form in about a millisecond where rdflib's
    takes up to a fifth of a second; the clauses of a SELECT are then its words outside every
    group (`_select_clauses`). Text that uses SERVICE or LOAD (which Oxigraph is not given),
    or that Oxigraph rejects, goes to rdflib's parser, which says where an error is or reads
    what Oxigraph does not. Text nested too deep for a parser is refused first.
    """
    netguard.refuse_deep(text, "the query")
    if netguard.network_use(text) is None:
        with contextlib.suppress(SyntaxError):
            form = sparql_form(text)
            if form != "Query":  # "Query": a form its first word does not say
                return Analysis(form,
                                _select_clauses(text) if form == "SelectQuery" else frozenset())
    return rdflib_analysis(text)


_CLAUSE_WORDS = {"ORDER": "orderby", "LIMIT": "limitoffset", "OFFSET": "limitoffset",
                 "VALUES": "valuesClause"}


def _select_clauses(text: str) -> frozenset[str]:
    """Which of `_CLAUSES` a SELECT query (one a parser has accepted) has: the words ORDER,
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


def rdflib_analysis(text: str) -> Analysis:
    """`_analysed` by rdflib's parser alone."""
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        parsed = parseQuery(text)
    except ParseBaseException as query_error:
        try:
            parseUpdate(text)
        except ParseBaseException:
            raise _NotSparql(query_error) from None
        return Analysis("Update")
    except Exception as exc:  # rdflib raises plain exceptions for some malformed input
        raise _NotSparql(exc) from None
    if len(parsed) < 2 or not isinstance(parsed[1], CompValue):
        return Analysis("Query")
    form = parsed[1].name
    if form != "SelectQuery":
        return Analysis(form)
    return Analysis(form, frozenset(c for c in _CLAUSES if c in parsed[1]))


def guard(analysis: Analysis, *, embedded: bool) -> None:
    """Refuse an update on the embedded store (SERVICE and LOAD are netguard's to refuse)."""
    if analysis.is_update and embedded:
        raise CcbkgError("updates are refused on the embedded store (it is rebuilt from the "
                         "project files on every run); change the project files instead, or send "
                         "the update to an endpoint with --endpoint")


def pageable(text: str, name: str = "the query") -> None:
    """Refuse a query whose rows cannot be paged: not a SELECT, no ORDER BY (pages of
    unordered rows may overlap or leave rows out), its own LIMIT or OFFSET, or a final VALUES
    block (which LIMIT and OFFSET would have to come before)."""
    analysis = analyse(text, name)
    form = analysis.form
    if form != "SelectQuery":
        kind = "an update" if form == "Update" else \
            f"{'an' if form == 'AskQuery' else 'a'} {form.removesuffix('Query').upper()} query"
        raise CcbkgError(f"{name}: --limit and --offset page the rows of a SELECT query, and "
                         f"this is {kind}")
    clauses = analysis.clauses
    problem = ("--limit and --offset need a query with ORDER BY (pages of unordered rows may "
               "overlap or leave rows out)" if "orderby" not in clauses else
               "the query has its own LIMIT or OFFSET; remove them to page with --limit and "
               "--offset" if "limitoffset" in clauses else
               "the query ends with a VALUES block; move it into the WHERE clause to page "
               "with --limit and --offset" if "valuesClause" in clauses else "")
    if problem:
        raise CcbkgError(f"{name}: {problem}")


def paged(text: str, limit: int | None, offset: int | None) -> str:
    """The text of one page of a SELECT query's rows, for an endpoint: LIMIT and OFFSET
    appended to a query that `pageable` accepted (the embedded store pages the answer
    instead: `run_embedded`'s limit and offset)."""
    if limit is None and offset is None:
        return text
    page = (f"LIMIT {limit} " if limit is not None else "") + \
        (f"OFFSET {offset}" if offset is not None else "")
    return f"{text.rstrip()}\n{page.strip()}\n"
