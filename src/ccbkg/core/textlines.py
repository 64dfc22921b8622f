"""Lines of a text as ccbkg counts them everywhere (in findings, messages and reports): a
line ends at CR, LF or CRLF, and lines and columns are 1-based, columns in characters."""

from __future__ import annotations

import re

LINE_END_RE = re.compile(r"\r\n?|\n")


def split_lines(text: str) -> list[str]:
    """The lines of a text, split where ccbkg counts lines: at CR, LF and CRLF."""
    return LINE_END_RE.split(text)


def position(text: str, index: int) -> tuple[int, int]:
    """The line and column (1-based, in characters) of text[index]."""
    start = max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1
    return line_ends(text, 0, index) + 1, index - start + 1


def line_ends(text: str, start: int, end: int) -> int:
    """How many lines end in text[start:end]; a CRLF that end splits counts after end."""
    return (text.count("\n", start, end) + text.count("\r", start, end)
            - text.count("\r\n", start, end + 1))
