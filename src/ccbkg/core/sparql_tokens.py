"""The tokens a SPARQL text's structure hangs on (braces, brackets, operators, words,
variables and, on request, comments), found by one small lexer that skips strings, IRIs and
language tags and reads a prefixed name or blank node label as one word, so that `{` or
`WHERE` inside a string, comment or name is never taken for structure. Used by the network
guard to find SERVICE and LOAD, by the SHACL engine to rewrite SPARQL targets and constraints
and by the query parameters to place a VALUES block."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

Token = tuple[str, int, str]  # (kind, index in the text, text); kinds: { } ( ) [ ] op var word #

VAR_RE = re.compile(r"[?$](\w+)")
_IRI_RE = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
# A word, or a prefixed name or blank node label (the prefix may be empty; the local part may
# hold colons, dots, %-escapes and backslash escapes).
_WORD_RE = re.compile(r"(?:[^\W\d][\w.-]*)?:(?:[\w.:%-]|\\.)*|[^\W\d][\w-]*")
_LANGUAGE_RE = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*")
_LINE_END_RE = re.compile(r"[\r\n]")
_SPACE_RE = re.compile(r"[ \t\r\n]+")
_STRING_BODY = {quote: re.compile(rf"(?:[^{quote[0]}\\]+|\\[\s\S]|{quote[0]}(?!{quote[1:]}))*"
                                  if len(quote) == 3 else rf"(?:[^{quote}\\]+|\\[\s\S])*")
                for quote in ('"', "'", '"""', "'''")}


def scan(text: str, *, comments: bool = False, brackets: bool = False) -> list[Token]:
    """The tokens of text in order (`tokens`), as a list."""
    return list(tokens(text, comments=comments, brackets=brackets))


def tokens(text: str, *, comments: bool = False, brackets: bool = False) -> Iterator[Token]:
    """The tokens of text in order, read as they are asked for: each brace and parenthesis,
    `||`, `&&` and `!` (as "op"), each variable (its name, without ? or $), each word (a
    keyword, function or prefixed name as written), with comments each comment ("#", the text
    from # to the end of its line) and with brackets each square bracket."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i = _SPACE_RE.match(text, i).end()  # type: ignore[union-attr]
        elif c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            # to the closing quote; a backslash escapes the character after it
            i = _STRING_BODY[quote].match(text, i + len(quote)).end() + len(quote)  # type: ignore[union-attr]
        elif c == "<":
            match = _IRI_RE.match(text, i)
            i = match.end() if match else i + 1
        elif c == "#":
            end = _LINE_END_RE.search(text, i)
            j = end.start() if end else n
            if comments:
                yield ("#", i, text[i:j])
            i = j + 1
        elif c in "{}()" or (brackets and c in "[]"):
            yield (c, i, c)
            i += 1
        elif text.startswith(("||", "&&"), i):
            yield ("op", i, text[i:i + 2])
            i += 2
        elif c == "!" and not text.startswith("!=", i):
            yield ("op", i, "!")
            i += 1
        elif c in "?$":
            match = VAR_RE.match(text, i)
            if match:
                yield ("var", i, match.group(1))
                i = match.end()
            else:
                i += 1
        elif c == "@":
            match = _LANGUAGE_RE.match(text, i)
            i = match.end() if match else i + 1
        elif (c.isalpha() or c in "_:") and (match := _WORD_RE.match(text, i)):
            yield ("word", i, match.group(0))
            i = match.end()
        else:
            i += 1


def levelled(read: Iterable[Token]) -> Iterator[tuple[str, int, str, int, int]]:
    """Each token with the depth of braces and of parentheses it stands at: an opening or a
    closing brace or parenthesis at the depth outside it."""
    braces = parens = 0
    for kind, i, word in read:
        if kind == "}":
            braces -= 1
        elif kind == ")":
            parens -= 1
        yield kind, i, word, braces, parens
        if kind == "{":
            braces += 1
        elif kind == "(":
            parens += 1


@functools.lru_cache(maxsize=32)  # loading a query file asks twice, running it once more
def too_deep(text: str, limit: int) -> int | None:
    """Where a brace, parenthesis or bracket opens more than limit levels deep (the index of
    the first), or None. Parsers recurse once a level: pyoxigraph's crashes the process a few
    thousand levels down, and takes seconds for a hundred nested brackets."""
    if sum(map(text.count, "{([")) <= limit:  # cannot nest that deep
        return None
    depth = 0
    for kind, i, _ in tokens(text, brackets=True):
        if kind in _OPENERS:
            depth += 1
            if depth > limit:
                return i
        elif kind in _CLOSERS:
            depth -= 1
    return None


_OPENERS, _CLOSERS = frozenset("{(["), frozenset("})]")
