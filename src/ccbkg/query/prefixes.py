"""The project's prefixes (ccb:, id:, skos:, ...) declared for the queries a user writes, and
an undeclared prefix reported by name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pyparsing import ParseBaseException, ParseResults

from ccbkg.core.errors import CcbkgError
from ccbkg.core.namespaces import PREFIXES


def declare(text: str, where: str) -> str:
    """The query with a PREFIX declaration for each project prefix it uses without declaring,
    put at the start of its first line of SPARQL (so line numbers stay); a prefix that is
    neither declared nor the project's is a one-line error. Text that does not parse is
    returned as it is (the parser's message then says what is wrong)."""
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        parsed: Any = parseQuery(text)
    except ParseBaseException:
        try:
            parsed = parseUpdate(text)
        except ParseBaseException:
            return text
    except Exception:  # rdflib raises plain exceptions for some malformed input
        return text
    declared: set[str] = set()
    used: set[str] = set()
    for name, node in _walk(parsed):
        (declared if name == "PrefixDecl" else used).add(node.get("prefix") or "")
    missing = sorted(used - declared)
    unknown = [p for p in missing if p not in PREFIXES]
    if unknown:
        line = _line_of(text, unknown[0])
        raise CcbkgError(f"{where}{line}: unknown prefix {unknown[0] + ':'!r}; declare it "
                         f"(PREFIX {unknown[0]}: <...>) or use one of the project's: "
                         f"{', '.join(PREFIXES)}")
    if not missing:
        return text
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines)
                  if line.strip() and not line.lstrip().startswith("#")), 0)
    lines[first] = "".join(f"PREFIX {p}: <{PREFIXES[p]}> " for p in missing) + lines[first]
    return "\n".join(lines)


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    """Every PrefixDecl and pname (prefixed name) in rdflib's parse tree."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name in ("PrefixDecl", "pname"):
            yield node.name, node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, ParseResults | list | tuple):
        for value in node:
            yield from _walk(value)


def _line_of(text: str, prefix: str) -> str:
    """`:LINE` of the prefix's first use outside a comment, if it can be told."""
    pattern = re.compile(rf"(?<![\w:<?$]){re.escape(prefix)}:")
    for number, line in enumerate(text.split("\n"), start=1):
        if pattern.search(line.split("#", 1)[0]):
            return f":{number}"
    return ""
