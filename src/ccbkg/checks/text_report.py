"""Human-readable check reports: grouped by stage, then by file and node."""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import groupby

from rich.markup import escape

from ccbkg.core.findings import CheckReport, Finding, Severity
from ccbkg.core.termtext import curie, printable

_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def shorten_path(path: str) -> str:
    """A result path with each IRI as a CURIE where a known prefix fits (`ccb:a|ccb:b`)."""
    if "<" not in path:  # a single IRI
        return curie(path)
    return re.sub(r"<([^<>]*)>", lambda m: curie(m[1]) if curie(m[1]) != m[1] else m[0], path)


def render_text(report: CheckReport, *, color: bool) -> str:
    """The report as text; with color, rich markup (for a terminal)."""

    def paint(text: str, style: str) -> str:
        return f"[{style}]{text}[/{style}]" if color else text

    def plain(text: str) -> str:  # (a parser's message may quote a control character)
        return escape(printable(text)) if color else printable(text)

    lines: list[str] = []
    for stage in report.stages:
        if not stage.ran:
            lines.append(f"{stage.stage:<11} skipped  {plain('; '.join(stage.notes))}")
            continue
        shown = [f for f in stage.findings if f.cause is None]
        counts = ", ".join(x for x in (_counts(shown), (
            f"{len(stage.findings) - len(shown)} more that follow from findings shown"
            if len(shown) < len(stage.findings) else "")) if x)
        verdict = paint("ok", "green") if not stage.errors else paint("FAILED", "bold red")
        lines.append(f"{stage.stage:<11} {verdict}  {counts or 'no findings'}"
                     + (f"  ({plain('; '.join(stage.notes))})" if stage.notes else ""))
        for (file, node), group in groupby(shown, key=lambda f: (f.file, f.node)):
            items = list(group)
            where = file or ""
            if items[0].line is not None and file:
                where += f":{items[0].line}"
            head = "  ".join(x for x in (where, curie(node)) if x) or stage.stage
            lines.append(f"  {plain(head)}")
            lines.extend(_finding_line(f, paint, plain, items[0].line) for f in items)
    summary = "PASSED" if report.ok else "FAILED"
    lines.append(f"{paint(summary, 'bold green' if report.ok else 'bold red')}: "
                 + report.tally())
    return "\n".join(lines) + "\n"


def _finding_line(
    f: Finding, paint: Callable[[str, str], str], plain: Callable[[str], str],
    group_line: int | None,
) -> str:
    """One finding under its group's heading; its line when the heading's is not its own."""
    parts = [paint(f"{f.severity.value:<7}", _STYLE[f.severity])]
    if f.file and f.column is not None:
        parts.append(f"line {f.line}, column {f.column}:")
    elif f.file and f.line is not None and (f.node is None or f.line != group_line):
        parts.append(f"line {f.line}:")
    parts.append(f.message)
    if details(f):
        parts.append(f"({details(f)})")
    return "    " + parts[0] + " " + plain(" ".join(parts[1:]))


def details(f: Finding) -> str:
    """A finding's property, value and shape, shortened (`property ccb:x, shape ccb:S`)."""
    shown = []
    if f.path:
        shown.append(f"property {shorten_path(f.path)}")
    if f.value:
        shown.append(f"value {curie(f.value)}")
    if f.shape:
        shown.append(f"shape {curie(f.shape)}")
    return ", ".join(shown)


def _counts(findings: list[Finding]) -> str:
    counts = [(s, sum(1 for f in findings if f.severity is s)) for s in Severity]
    return ", ".join(s.counted(n) for s, n in counts if n)
