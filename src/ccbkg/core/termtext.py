"""RDF terms as text, the one way ccbkg writes them for people: in findings, check reports,
query tables, messages and the site (the fast SHACL engine's result messages are the one
exception: they copy pyshacl's texts, see `checks.fastshacl.text`); and counts of things."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node

from ccbkg.core.namespaces import PREFIXES

_LONGEST_FIRST = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def counted(n: int, thing: str) -> str:
    """n things, in the singular for one: `1 cited document`, `0 errors`, `3 passages`."""
    return f"{n} {thing}" + ("" if n == 1 else "s")


def curie(term: str | Node | None, *, brackets: bool = False) -> str:
    """An IRI as a prefixed name where one of ccbkg's prefixes fits (the longest namespace),
    else as it is (in angle brackets with `brackets`); "" for None.

    A string is taken as an IRI; another rdflib term than an IRI is written as its text.
    """
    if term is None:
        return ""
    if isinstance(term, Node) and not isinstance(term, URIRef):
        return str(term)
    iri = str(term)
    for prefix, ns in _LONGEST_FIRST:
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>" if brackets and iri else iri


def curies_in(text: str, iris: Iterable[str]) -> str:
    """text with each of the given IRIs, bare or in angle brackets, written as its prefixed
    name where one of ccbkg's prefixes fits (a message with the terms a check bound into it:
    "(https://w3id.org/ccbkg/id/country/ALBANIA)" -> "(id:country/ALBANIA)"). An IRI is
    replaced only where it ends, never as the start of a longer IRI."""
    for iri in sorted(set(iris), key=len, reverse=True):
        if iri not in text:  # the pattern is compiled only for an IRI the text holds
            continue
        short = curie(iri)
        if short != iri:
            text = re.sub(rf"<{re.escape(iri)}>|{re.escape(iri)}(?![\w#/%~-]|[.:;?!]\w)",
                          short.replace("\\", "\\\\"), text)
    return text


def node_text(term: Node | ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None
              ) -> str | None:
    """How a finding records a term: an IRI as it is, anything else in N-Triples form
    (`_:b0`, `"text"@en`); None for None. Reports shorten IRIs with `curie` when they print."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, Node):
        return term.n3()
    return str(term)


# Characters a terminal acts on or that reorder or hide text: control, format (bidi), line and
# paragraph separators.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


def printable(text: str) -> str:
    """Text safe to print: each control, format or bidi character written as an escape
    (\\x1b, \\u202e, \\U000e0001), the rest as it is."""
    if text.isprintable():
        return text
    return "".join(_escaped(c) if unicodedata.category(c) in _UNPRINTABLE else c for c in text)


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"
