"""The guard: what a query text is (query or update), and what may run where."""

from __future__ import annotations

from ccbkg.core.errors import CcbkgError
from ccbkg.project.sparql_text import Analysis, read_sparql


def analyse(text: str, name: str = "the query") -> Analysis:
    """Parse (nothing runs on any store of the user's): the query form, or Update.

    name (a file, or `--sparql`) starts any syntax error message.
    """
    read = read_sparql(text)
    if isinstance(read, Analysis):
        return read
    where = f"{name}:{read.line}:{read.column}" if read.line is not None else name
    raise CcbkgError(f"{where}: SPARQL syntax error: {read.message}")


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
