"""String-based constraint components (SHACL 4.4): sh:minLength, sh:maxLength, sh:pattern,
sh:languageIn, sh:uniqueLang.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import SH

from ccbkg.checks.fastshacl.batch import Batch
from ccbkg.checks.fastshacl.errors import Unsupported
from ccbkg.checks.fastshacl.focus import FocusSet
from ccbkg.checks.fastshacl.model import Shape
from ccbkg.checks.fastshacl.params import integer, one
from ccbkg.checks.fastshacl.regex import translate
from ccbkg.checks.fastshacl.results import Outcome, Term
from ccbkg.checks.fastshacl.valuetest import Bad, other_value

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.validator import Validator


def pattern(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
    """sh:pattern (SHACL 4.4.3, string-based): Python's re.search on pyshacl's string of the
    node (a blank node fails), as SPARQL REGEX where the expression can be rewritten exactly
    (see `regex`), else in Python (the "Python regex" choice, see `choices`)."""
    flags = 0
    given = s.values(SH.flags)
    if given and isinstance(given[0], Literal):
        text = str(given[0].value).lower()
        flags |= re.I if "i" in text else 0
        flags |= re.M if "m" in text else 0
    out: list[Bad] = []
    for p in s.values(SH.pattern):
        if not isinstance(p, Literal):
            raise Unsupported("sh:pattern must be a literal")
        compiled = re.compile(str(p), flags)
        rust = translate(str(p)) if not flags else None
        if rust is not None and e.regex_ok(rust):
            out.append(_regex(ox.Literal(rust)))
        else:
            out.append(_search(e, compiled))
    return out


def _regex(pattern: ox.Literal) -> Bad:
    return lambda v: f"isBlank({v}) || !REGEX(STR({v}), {pattern})"


def _search(e: Validator, compiled: re.Pattern[str]) -> Bad:
    def fails(t: Term) -> bool:
        text = e.text(t)
        return text is None or compiled.search(text) is None

    fn = e.function(fails, cache=False)
    return lambda v: f"{fn}({v})"


def length(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
    """sh:minLength / sh:maxLength (SHACL 4.4.1, 4.4.2, string-based) in SPARQL: the store
    keeps every literal in the lexical form rdflib gives it (see load_store), so STR and STRLEN
    see what pyshacl sees."""
    bound = integer(s, parameter)
    if parameter == SH.minLength:
        if bound == 0:
            return []
        return [lambda v: f"isBlank({v}) || STRLEN(STR({v})) < {bound}"]
    return [lambda v: f"isBlank({v}) || STRLEN(STR({v})) > {bound}"]


def language_in(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
    """sh:languageIn (SHACL 4.4.4, string-based), pyshacl's test: the tag, or its first
    subtag, lower-cased, is in the list (or "*")."""
    wanted = sorted({str(i.value).lower() for i in e.shapes.items(one(s, SH.languageIn))
                     if isinstance(i, Literal)})
    if "*" in wanted:
        return [lambda v: f'!(isLiteral({v}) && lang({v}) != "")']
    tags = ", ".join(Literal(w).n3() for w in wanted) or '""'
    return [lambda v: f'!(isLiteral({v}) && lang({v}) != "" && (LCASE(lang({v})) IN ({tags}) '
                      f'|| LCASE(STRBEFORE(lang({v}), "-")) IN ({tags})))']


def unique_lang(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    """sh:uniqueLang (SHACL 4.4.5, string-based): one result per focus node and language
    (lower-cased) with two or more values."""
    flag = one(s, SH.uniqueLang)
    if s.path is None:
        raise Unsupported("sh:uniqueLang on a node shape")
    if not (isinstance(flag, Literal) and flag.value is True):
        return []
    other = other_value(e, s, lambda o: f"isLiteral({o}) && !sameTerm({o}, ?value) && "
                                         f"LCASE(lang({o})) = LCASE(lang(?value))")
    if other is not None:
        return [batch.foci(s, SH.UniqueLangConstraintComponent,
                           f'isLiteral(?value) && lang(?value) != "" && {other}',
                           key="LCASE(lang(?value))")]
    query = (f"SELECT ?this ?lang WHERE {{ {e.value_pattern(s, focus)} "
             f"FILTER(isLiteral(?value) && lang(?value) != \"\") "
             f"BIND(LCASE(lang(?value)) AS ?lang) }} "
             f"GROUP BY ?this ?lang HAVING (COUNT(DISTINCT ?value) > 1)")
    return [e.direct(s, e.rows(query), SH.UniqueLangConstraintComponent)]
