"""The constraint components that test one value node on its own, as SPARQL expressions.

`tests` gives, for a parameter of a shape, one expression per constraint that is true when
the node in a variable violates it. Where SPARQL and pyshacl disagree on a detail (Python
regular expressions SPARQL cannot say, rdflib's datatype checks, literal ordering, literal
equality after normalisation) the expression calls a Python function that tests the rdflib
term with pyshacl's own rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING

import pyoxigraph as ox
from pyshacl.rdfutil.compare import compare_literal
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from ccbkg.checks.fastshacl.choices import lexically_valid
from ccbkg.checks.fastshacl.errors import Unsupported
from ccbkg.checks.fastshacl.focus import fresh
from ccbkg.checks.fastshacl.model import Shape
from ccbkg.checks.fastshacl.params import const, integer, one
from ccbkg.checks.fastshacl.regex import translate
from ccbkg.checks.fastshacl.results import Term
from ccbkg.checks.fastshacl.store import SURROGATE

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.validator import Validator

Bad = Callable[[str], str]
NODE_KINDS = {
    SH.IRI: "isIRI({})", SH.BlankNode: "isBlank({})", SH.Literal: "isLiteral({})",
    SH.BlankNodeOrIRI: "!isLiteral({})", SH.BlankNodeOrLiteral: "!isIRI({})",
    SH.IRIOrLiteral: "!isBlank({})",
}
_RANGES = {
    SH.minExclusive: (SH.MinExclusiveConstraintComponent, lambda c: c > 0),
    SH.minInclusive: (SH.MinInclusiveConstraintComponent, lambda c: c >= 0),
    SH.maxExclusive: (SH.MaxExclusiveConstraintComponent, lambda c: c < 0),
    SH.maxInclusive: (SH.MaxInclusiveConstraintComponent, lambda c: c <= 0),
}
COMPONENTS: dict[URIRef, URIRef] = {
    SH["class"]: SH.ClassConstraintComponent, SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent, SH["in"]: SH.InConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent, SH.languageIn: SH.LanguageInConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent, SH.maxLength: SH.MaxLengthConstraintComponent,
    **{p: c for p, (c, _) in _RANGES.items()},
}


def tests(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
    """The violation tests of a value-testing parameter (one of COMPONENTS) of a shape."""
    return _BUILDERS[parameter](e, s, parameter)


def equal(e: Validator, wanted: Node) -> Bad:
    """A test that is true when the node is the given term (rdflib's equality, as pyshacl's
    sh:hasValue)."""
    fn = e.function(lambda t: e.rdf(t) == wanted)
    return lambda v: f"{fn}({v})"


def _python(e: Validator, ok: Callable[[Node], bool]) -> Bad:
    """A test that is true when a Python test on the node's rdflib term fails."""
    fn = e.function(lambda t: not ok(e.rdf(t)))
    return lambda v: f"{fn}({v})"


def _class(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
    """sh:class (SHACL 4.1.1, value type): an instance of the class or a subclass."""
    out: list[Bad] = []
    for c in s.values(SH["class"]):
        classes = ", ".join(e.subclasses(c))

        def bad(v: str, classes: str = classes) -> str:
            var = "?" + fresh("class")
            return f"NOT EXISTS {{ {v} <{RDF.type}> {var} FILTER({var} IN ({classes})) }}"
        out.append(bad)
    return out


def _datatype(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
    """sh:datatype (SHACL 4.1.2, value type): a literal of the datatype, well-formed as rdflib
    reads it (or, with `choices.SPEC`, in the lexical space)."""
    rule = one(s, SH.datatype)
    if rule == RDFS.Literal:
        return [lambda v: f"!isLiteral({v})"]
    if rule == RDFS.Datatype:
        return [lambda v: f"!(isLiteral({v}) && datatype({v}) NOT IN "
                          f"(<{XSD.string}>, <{RDF.langString}>))"]
    if rule == XSD.string:
        return [lambda v: f"!(isLiteral({v}) && datatype({v}) = <{XSD.string}>)"]
    if rule == RDF.langString:
        return [lambda v: f'!(isLiteral({v}) && lang({v}) != "")']
    fn = e.function(lambda t: _well_typed(e.rdf(t), rule)
                    and lexically_valid(str(e.rdf(t)), rule, e.choices))
    return [lambda v: f"!(isLiteral({v}) && IF(datatype({v}) = {const(rule)} || "
                      f"STRSTARTS(STR(datatype({v})), \"{SURROGATE}\"), {fn}({v}), false))"]


def _well_typed(lit: Node, rule: Node) -> bool:
    """pyshacl's test for a literal whose datatype IRI is the rule's."""
    if not isinstance(lit, Literal) or lit.datatype != rule or \
            getattr(lit, "ill_typed", None) is True:
        return False
    value = lit.value
    checks: dict[Node, Callable[[object], bool]] = {
        XSD.integer: lambda v: isinstance(v, int), XSD.float: lambda v: isinstance(v, float),
        XSD.decimal: lambda v: isinstance(v, Decimal), XSD.boolean: lambda v: isinstance(v, bool),
        XSD.date: lambda v: isinstance(v, date), XSD.time: lambda v: isinstance(v, time),
        XSD.dateTime: lambda v: isinstance(v, datetime),
    }
    check = checks.get(rule)
    return check(value) if check is not None else True


def _node_kind(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
    """sh:nodeKind (SHACL 4.1.3, value type)."""
    ok = NODE_KINDS.get(one(s, SH.nodeKind), "false")  # type: ignore[call-overload]
    return [lambda v: f"!({ok.format(v)})"]


def _in(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
    """sh:in (SHACL 4.8.3, other): one of the listed terms."""
    allowed = set(e.shapes.items(one(s, SH["in"])))
    return [_python(e, lambda v: v in allowed)]


def _pattern(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
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


def _length(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
    """sh:minLength / sh:maxLength (SHACL 4.4.1, 4.4.2, string-based) in SPARQL: the store
    keeps every literal in the lexical form rdflib gives it (see load_store), so STR and STRLEN
    see what pyshacl sees."""
    bound = integer(s, parameter)
    if parameter == SH.minLength:
        if bound == 0:
            return []
        return [lambda v: f"isBlank({v}) || STRLEN(STR({v})) < {bound}"]
    return [lambda v: f"isBlank({v}) || STRLEN(STR({v})) > {bound}"]


def _language_in(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
    """sh:languageIn (SHACL 4.4.4, string-based), pyshacl's test: the tag, or its first
    subtag, lower-cased, is in the list (or "*")."""
    wanted = sorted({str(i.value).lower() for i in e.shapes.items(one(s, SH.languageIn))
                     if isinstance(i, Literal)})
    if "*" in wanted:
        return [lambda v: f'!(isLiteral({v}) && lang({v}) != "")']
    tags = ", ".join(Literal(w).n3() for w in wanted) or '""'
    return [lambda v: f'!(isLiteral({v}) && lang({v}) != "" && (LCASE(lang({v})) IN ({tags}) '
                      f'|| LCASE(STRBEFORE(lang({v}), "-")) IN ({tags})))']


def _range(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
    """sh:minExclusive, sh:minInclusive, sh:maxExclusive, sh:maxInclusive (SHACL 4.3.1,
    4.3.2, 4.3.3, 4.3.4, value range), compared in Python as pyshacl compares."""
    accept = _RANGES[parameter][1]
    out: list[Bad] = []
    for bound in s.values(parameter):
        if not isinstance(bound, Literal):
            raise Unsupported(f"{parameter.n3()} must be a literal")

        def ok(v: Node, b: Literal = bound) -> bool:
            if not isinstance(v, Literal):
                return False
            if isinstance(b.value, str) != isinstance(v.value, str):
                return False
            try:
                return bool(accept(compare_literal(v, b)))  # type: ignore[no-untyped-call]
            except (TypeError, NotImplementedError):
                return False

        out.append(_python(e, ok))
    return out


_BUILDERS: dict[URIRef, Callable[[Validator, Shape, URIRef], list[Bad]]] = {
    SH["class"]: _class, SH.datatype: _datatype, SH.nodeKind: _node_kind, SH["in"]: _in,
    SH.pattern: _pattern, SH.languageIn: _language_in, SH.minLength: _length,
    SH.maxLength: _length, **dict.fromkeys(_RANGES, _range),
}
