"""Python regular expressions (as pyshacl runs sh:pattern) rewritten for SPARQL's REGEX.

pyoxigraph's REGEX uses Rust's regex syntax, which differs from Python's in details: `\\s`,
`\\S` and `\\d` cover other characters, `$` does not match before a final newline, `[`, `&&`,
`--` and `~~` mean set operations inside a class. `translate` rewrites the part of Python's
syntax that can be said exactly: literal characters (written as `\\x{..}`), classes, groups,
alternatives, anchors, greedy and lazy quantifiers, and `\\s`/`\\S`/`\\d`/`\\D` as the classes
of the characters Python gives them. Anything else (flags, lookarounds, back references,
word boundaries, possessive quantifiers, `$` other than at the end of an alternative) gives
None, and the caller tests in Python.
"""

from __future__ import annotations

import re
import sys
from functools import cache

_ESCAPED = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_CLASSES = {"s": (r"\s", False), "S": (r"\s", True), "d": (r"\d", False), "D": (r"\d", True)}
_QUANTIFIER = re.compile(r"\{(\d+)(,(\d*))?\}")
_HEX = {"x": 2, "u": 4, "U": 8}


class _Untranslatable(Exception):
    pass


def translate(pattern: str) -> str | None:
    """The Rust regex that matches where the Python one (without flags) does, or None."""
    try:
        return _Translator(pattern).run()
    except _Untranslatable:
        return None


class _Translator:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.out: list[str] = []
        self.depth = 0
        self.atom = False  # the last thing written can take a quantifier

    def run(self) -> str:
        p = self.p
        while self.i < len(p):
            c = p[self.i]
            self.i += 1
            if c == "\\":
                self._put(self._escape(in_class=False), atom=True)
            elif c == "[":
                self._put(self._class(), atom=True)
            elif c == "(":
                if p.startswith("?:", self.i):
                    self.i += 2
                    self._put("(?:", atom=False)
                elif p.startswith("?", self.i):
                    raise _Untranslatable
                else:
                    self._put("(", atom=False)
                self.depth += 1
            elif c == ")":
                self.depth -= 1
                if self.depth < 0:
                    raise _Untranslatable
                self._put(")", atom=True)
            elif c == "|":
                self._put("|", atom=False)
            elif c in "*+?":
                self._quantifier(c)
            elif c == "{":
                match = _QUANTIFIER.match(p, self.i - 1)
                if match is None:
                    raise _Untranslatable
                self.i = match.end()
                self._quantifier(match.group(0))
            elif c == "^":
                self._put("^", atom=False)
            elif c == "$":
                if self.depth or (self.i < len(p) and p[self.i] != "|"):
                    raise _Untranslatable
                self._put(r"\n?$", atom=False)
            elif c == ".":
                self._put(".", atom=True)
            else:
                self._put(_char(c), atom=True)
        if self.depth:
            raise _Untranslatable
        return "".join(self.out)

    def _put(self, text: str, *, atom: bool) -> None:
        self.out.append(text)
        self.atom = atom

    def _quantifier(self, text: str) -> None:
        if not self.atom:
            raise _Untranslatable
        if self.p.startswith("?", self.i):
            text += "?"
            self.i += 1
        if self.p.startswith("+", self.i):
            raise _Untranslatable  # possessive
        self._put(text, atom=False)

    def _escape(self, *, in_class: bool) -> str:
        """The escape after a backslash, as a character or a class."""
        if self.i >= len(self.p):
            raise _Untranslatable
        c = self.p[self.i]
        self.i += 1
        if c in _CLASSES:
            chars, negated = _CLASSES[c]
            return f"[{'^' if negated else ''}{_ranges(chars)}]"
        if c in _ESCAPED:
            return _char(_ESCAPED[c])
        if c == "b" and in_class:
            return _char("\b")
        if c in _HEX:
            digits = self.p[self.i:self.i + _HEX[c]]
            if len(digits) != _HEX[c] or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise _Untranslatable
            self.i += _HEX[c]
            return _char(chr(int(digits, 16)))
        if c.isascii() and c.isalnum():
            raise _Untranslatable
        return _char(c)

    def _class(self) -> str:
        """A class after its `[`, in Rust's syntax (nested classes for \\s and the like)."""
        p = self.p
        negated = p.startswith("^", self.i)
        self.i += negated
        items: list[str] = []
        first = True
        while True:
            if self.i >= len(p):
                raise _Untranslatable
            c = p[self.i]
            self.i += 1
            if c == "]" and not first:
                break
            first = False
            low = self._escape(in_class=True) if c == "\\" else _char(c)
            if p.startswith("-", self.i) and self.i + 1 < len(p) and p[self.i + 1] != "]":
                if low.startswith("["):
                    raise _Untranslatable
                self.i += 1
                high_char = p[self.i]
                self.i += 1
                high = self._escape(in_class=True) if high_char == "\\" else _char(high_char)
                if high.startswith("["):
                    raise _Untranslatable
                items.append(f"{low}-{high}")
            else:
                items.append(low)
        return f"[{'^' if negated else ''}{''.join(items)}]"


def _char(c: str) -> str:
    """One character as Rust regex text that means only it."""
    if 0xD800 <= ord(c) <= 0xDFFF:
        raise _Untranslatable
    if c.isascii() and c.isalnum():
        return c
    return f"\\x{{{ord(c):X}}}"


def every_code_point() -> str:
    """Every code point but the surrogates, in order, as one string: its UTF-32-LE bytes laid
    out a byte lane at a time by slice assignment (a tenth of the time of a million integers
    through an array, paid once by each `ccbkg check` whose shapes use `\\s` or `\\d`)."""
    n = sys.maxunicode + 1  # 0x110000: 17 planes of 65,536
    utf32 = bytearray(4 * n)
    utf32[0::4] = bytes(range(256)) * (n // 256)
    utf32[1::4] = b"".join(bytes([b]) * 256 for b in range(256)) * (n // 65536)
    utf32[2::4] = b"".join(bytes([b]) * 65536 for b in range(n // 65536))
    return (utf32[:4 * 0xD800] + utf32[4 * 0xE000:]).decode("utf-32-le")


def _ranges(python_class: str) -> str:
    """The characters a Python class escape (`\\s` or `\\d`) matches, as ranges for a Rust
    class."""
    return _class_ranges()[python_class]


@cache
def _class_ranges() -> dict[str, str]:
    """`_ranges` of each class escape, all found in one `every_code_point` string (a shape's
    patterns use both `\\s` and `\\d`; the string is built once for them, not once each)."""
    points = every_code_point()
    return {escape: _runs([ord(c) for c in re.findall(escape, points)])
            for escape in dict.fromkeys(escape for escape, _ in _CLASSES.values())}


def _runs(found: list[int]) -> str:
    """Code points in increasing order as Rust class ranges."""
    out: list[str] = []
    start = prev = found[0]
    for n in [*found[1:], -1]:
        if n != prev + 1:
            out.append(_char(chr(start)) if start == prev else
                       f"{_char(chr(start))}-{_char(chr(prev))}")
            start = n
        prev = n
    return "".join(out)
