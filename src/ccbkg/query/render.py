"""Query results as a person or a program reads them: table, CSV, TSV, JSON, Markdown.

CSV, TSV and JSON keep the exact values. The table and Markdown show each IRI as its node's
label when one is known (else as a CURIE) and leave out a column ?x beside its ?xLabel; a table
wider than the width it is given is written as records, one block of `column: value` lines a row.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from ccbkg.core.errors import CcbkgError
from ccbkg.core.namespaces import XSD_NS
from ccbkg.core.termtext import curie, printable
from ccbkg.project.query_headers import Term

FORMATS = ("table", "csv", "tsv", "json", "md")


@dataclass(frozen=True)
class Results:
    """Query results in one shape, whichever engine answered: variables and rows of terms.

    An ASK query gives no variables and a boolean; CONSTRUCT and DESCRIBE give the rows
    subject, predicate, object in N-Triples order.
    """

    variables: tuple[str, ...]
    rows: tuple[tuple[Term | None, ...], ...] = ()
    boolean: bool | None = None


def to_json_bytes(results: Results) -> bytes:
    """SPARQL 1.1 Query Results JSON, as pyoxigraph writes it."""
    return _serialize(results, ox.QueryResultsFormat.JSON)


def render(results: Results, fmt: str, *, labels: Mapping[str, str] | None = None,
           columns: Sequence[str] | None = None, width: int | None = None) -> str:
    """The results as text in one of FORMATS: only the chosen columns, if any; for the table
    and Markdown, IRIs as their labels (with labels given); a table wider than `width` as
    records."""
    if columns:
        results = choose(results, columns)
    elif labels is not None:
        named = set(results.variables)
        shown = [v for v in results.variables if f"{v}Label" not in named]
        results = choose(results, shown)
        if fmt in ("table", "md"):  # a reader's names: "country" for its label countryLabel
            results = Results(tuple(v.removesuffix("Label") if v.endswith("Label") and
                                    v.removesuffix("Label") in named else v for v in shown),
                              results.rows, results.boolean)  # (not ?prefLabel: no ?pref)
    if fmt == "json":
        return to_json_bytes(results).decode("utf-8") + "\n"
    if fmt in ("csv", "tsv"):
        kind = ox.QueryResultsFormat.CSV if fmt == "csv" else ox.QueryResultsFormat.TSV
        out = _serialize(results, kind).decode("utf-8")
        return out if results.boolean is None else out + "\n"
    if fmt == "md":
        return _markdown(results, labels)
    if fmt == "table":
        return _plain(results, labels, width)
    raise CcbkgError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def choose(results: Results, columns: Sequence[str]) -> Results:
    """The results with only these columns, in this order (an unknown name is an error)."""
    if results.boolean is not None:
        return results
    unknown = [c for c in columns if c not in results.variables]
    if unknown:
        raise CcbkgError(f"--columns: the results have no column {unknown[0]!r} (they have: "
                         f"{', '.join(results.variables)})")
    keep = [results.variables.index(c) for c in columns]
    return Results(tuple(columns), tuple(tuple(row[i] for i in keep) for row in results.rows))


def display(term: Term | None, labels: Mapping[str, str] | None = None) -> str:
    """A term as a person reads it in a table: the label (if given) or CURIE of an IRI, the
    text of a literal."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        if labels and term.value in labels:
            return labels[term.value]
        return curie(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def cells(results: Results, labels: Mapping[str, str] | None = None
          ) -> tuple[list[str], list[list[str]]]:
    """Header and rows as display text for tables: line breaks shown as spaces, and control,
    format and bidi characters (which a terminal would act on, or which reorder the text)
    shown as escapes such as \\x1b and \\u202e."""
    if results.boolean is not None:
        return ["result"], [["true" if results.boolean else "false"]]
    rows = [[printable(" ".join(display(t, labels).splitlines())) for t in row]
            for row in results.rows]
    return list(results.variables), rows


def _plain(results: Results, labels: Mapping[str, str] | None, width: int | None) -> str:
    header, rows = cells(results, labels)
    if not header:
        return ""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    if width is not None and sum(widths) + 2 * (len(widths) - 1) > width:
        return _records(header, rows, width)

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()

    out = [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    if not rows:  # headers alone read as an error or a cut answer
        out.append("(no rows)")
    return "\n".join(out) + "\n"


def _records(header: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> str:
    """One block a row: `column: value` lines (empty cells left out), values wrapped to the
    width."""
    indent = min(max(len(h) for h in header) + 2, width // 3)
    out: list[str] = []
    for number, row in enumerate(rows, start=1):
        out.append(f"-- {number} of {len(rows)} --"[:width])
        for name, value in zip(header, row, strict=True):
            if not value:
                continue
            head = f"{name}: ".ljust(indent)
            if len(head) > indent:
                out.extend(textwrap.wrap(name + ":", width, break_on_hyphens=False))
                head = " " * indent
            body = textwrap.wrap(value, max(width - indent, 1), break_on_hyphens=False)
            out.append(head + body[0])
            out.extend(" " * indent + more for more in body[1:])
    return "\n".join(out) + "\n" if out else "(no rows)\n"


def _markdown(results: Results, labels: Mapping[str, str] | None) -> str:
    header, rows = cells(results, labels)
    if not header:
        return ""

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|")

    out = ["| " + " | ".join(esc(h) for h in header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    out.extend("| " + " | ".join(esc(c) for c in row) + " |" for row in rows)
    if not rows:  # as in the table: a header alone reads as a cut answer
        out.append("\n(no rows)")
    return "\n".join(out) + "\n"


def json_binding(variables: Sequence[str], row: Sequence[Term | None]) -> dict[str, Any]:
    """One row as a binding of SPARQL 1.1 Query Results JSON (unbound variables left out)."""
    return {v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}


def _serialize(results: Results, fmt: ox.QueryResultsFormat) -> bytes:
    """Let pyoxigraph write the standard formats, from the JSON the results amount to."""
    if results.boolean is not None:
        doc: dict[str, Any] = {"head": {}, "boolean": results.boolean}
    else:
        doc = {"head": {"vars": list(results.variables)}, "results": {"bindings": [
            json_binding(results.variables, row) for row in results.rows]}}
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
        elif term.datatype.value != XSD_NS + "string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {
        "subject": _json_term(term.subject), "predicate": _json_term(term.predicate),
        "object": _json_term(term.object),
    }}
