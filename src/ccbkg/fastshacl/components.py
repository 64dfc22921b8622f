"""The constraint components that test each value node, and the counts, as `Batch` checks.

Each handler adds its tests to the shape's batch (one query for all of them) and returns the
outcomes the batch fills in. Where SPARQL and pyshacl disagree on a detail (Python regular
expressions, rdflib's datatype checks, literal ordering, literal equality after
normalisation) the test runs in Python through a custom SPARQL function, on rdflib terms, with
pyshacl's own rules. `HANDLERS` lists every component in the order results are reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING

from pyshacl.rdfutil.compare import compare_literal
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from ccbkg.fastshacl import nested
from ccbkg.fastshacl.batch import Batch
from ccbkg.fastshacl.errors import Unsupported
from ccbkg.fastshacl.focus import FocusSet, fresh
from ccbkg.fastshacl.model import Shape
from ccbkg.fastshacl.params import const, integer, one
from ccbkg.fastshacl.results import Outcome
from ccbkg.fastshacl.store import SURROGATE

if TYPE_CHECKING:
    from ccbkg.fastshacl.engine import Engine

Handler = Callable[["Engine", Shape, FocusSet, Batch], list[Outcome]]
NODE_KINDS = {
    SH.IRI: "isIRI(?value)", SH.BlankNode: "isBlank(?value)", SH.Literal: "isLiteral(?value)",
    SH.BlankNodeOrIRI: "!isLiteral(?value)", SH.BlankNodeOrLiteral: "!isIRI(?value)",
    SH.IRIOrLiteral: "!isBlank(?value)",
}


def _python(e: Engine, ok: Callable[[Node], bool]) -> str:
    """A SPARQL test of ?value that is true when a Python test on its rdflib term fails."""
    return f"{e.function(lambda t: not ok(e.rdf(t)))}(?value)"


def _min_count(e: Engine, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    n = integer(s, SH.minCount)
    if s.path is None:
        raise Unsupported("sh:minCount on a node shape")
    if n == 0:
        return []
    if n == 1:
        return [batch.missing()]
    query = (f"SELECT ?this WHERE {{ {focus.members()} OPTIONAL {{ ?this {e.path(s)} ?value }} }} "
             f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})")
    return [e.direct(s, e.rows(query), SH.MinCountConstraintComponent)]


def _max_count(e: Engine, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    """More than n distinct values; for n = 0 and 1, a value (other than this one) exists."""
    n = integer(s, SH.maxCount)
    if s.path is None:
        raise Unsupported("sh:maxCount on a node shape")
    if n == 0:
        return [batch.foci(SH.MaxCountConstraintComponent, "true")]
    if n == 1:
        other = "?" + fresh("other")
        exists = f"EXISTS {{ ?this {e.path(s)} {other} FILTER(!sameTerm({other}, ?value)) }}"
        return [batch.foci(SH.MaxCountConstraintComponent, exists)]
    query = (f"SELECT ?this WHERE {{ {e.value_pattern(s, focus)} }} GROUP BY ?this "
             f"HAVING (COUNT(DISTINCT ?value) > {n})")
    return [e.direct(s, e.rows(query), SH.MaxCountConstraintComponent)]


def _class(e: Engine, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    out = []
    for c in s.values(SH["class"]):
        classes = e.subclasses(c)
        if len(classes) == 1:
            typed = f"?value <{RDF.type}> {classes[0]}"
        else:
            var = "?" + fresh("class")
            typed = f"?value <{RDF.type}> {var} VALUES {var} {{ {' '.join(classes)} }}"
        out.append(batch.values(SH.ClassConstraintComponent, f"NOT EXISTS {{ {typed} }}"))
    return out


def _datatype(e: Engine, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    rule = one(s, SH.datatype)
    if rule == RDFS.Literal:
        ok = "isLiteral(?value)"
    elif rule == RDFS.Datatype:
        ok = f"isLiteral(?value) && datatype(?value) NOT IN (<{XSD.string}>, <{RDF.langString}>)"
    elif rule == XSD.string:
        ok = f"isLiteral(?value) && datatype(?value) = <{XSD.string}>"
    elif rule == RDF.langString:
        ok = 'isLiteral(?value) && lang(?value) != ""'
    else:
        fn = e.function(lambda t: _well_typed(e.rdf(t), rule))
        ok = (f"isLiteral(?value) && IF(datatype(?value) = {const(rule)} || "
              f"STRSTARTS(STR(datatype(?value)), \"{SURROGATE}\"), {fn}(?value), false)")
    return [batch.values(SH.DatatypeConstraintComponent, f"!({ok})")]


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


def _node_kind(e: Engine, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    ok = NODE_KINDS.get(one(s, SH.nodeKind), "false")  # type: ignore[call-overload]
    return [batch.values(SH.NodeKindConstraintComponent, f"!({ok})")]


def _in(e: Engine, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    allowed = set(e.shapes.items(one(s, SH["in"])))
    return [batch.values(SH.InConstraintComponent, _python(e, lambda v: v in allowed))]


def _has_value(e: Engine, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    out = []
    for wanted in s.values(SH.hasValue):
        fn = e.function(lambda t, w=wanted: e.rdf(t) == w)  # type: ignore[misc]
        if s.path is None:
            query = f"SELECT ?this WHERE {{ {focus.members()} FILTER(!{fn}(?this)) }}"
        else:
            query = (f"SELECT ?this WHERE {{ {focus.members()} MINUS "
                     f"{{ ?this {e.path(s)} ?value FILTER({fn}(?value)) }} }}")
        out.append(e.direct(s, e.rows(query), SH.HasValueConstraintComponent))
    return out


def _pattern(e: Engine, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    flags = 0
    given = s.values(SH.flags)
    if given and isinstance(given[0], Literal):
        text = str(given[0].value).lower()
        flags |= re.I if "i" in text else 0
        flags |= re.M if "m" in text else 0
    out = []
    for p in s.values(SH.pattern):
        if not isinstance(p, Literal):
            raise Unsupported("sh:pattern must be a literal")
        regex = re.compile(str(p), flags)

        def bad(t: object, rx: re.Pattern[str] = regex) -> bool:
            v = e.text(t)  # type: ignore[arg-type]
            return v is None or rx.search(v) is None

        fn = e.function(bad, cache=False)
        out.append(batch.values(SH.PatternConstraintComponent, f"{fn}(?value)"))
    return out


def _length(parameter: URIRef) -> Handler:
    """sh:minLength / sh:maxLength in SPARQL: the store keeps every literal in the lexical
    form rdflib gives it (see load_store), so STR and STRLEN see what pyshacl sees."""
    def handler(e: Engine, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
        bound = integer(s, parameter)
        if parameter == SH.minLength:
            if bound == 0:
                return [Outcome([], set())]
            bad = f"isBlank(?value) || STRLEN(STR(?value)) < {bound}"
            component = SH.MinLengthConstraintComponent
        else:
            bad = f"isBlank(?value) || STRLEN(STR(?value)) > {bound}"
            component = SH.MaxLengthConstraintComponent
        return [batch.values(component, bad)]
    return handler


def _language_in(e: Engine, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    """pyshacl's test: the tag, or its first subtag, lower-cased, is in the list (or "*")."""
    wanted = sorted({str(i.value).lower() for i in e.shapes.items(one(s, SH.languageIn))
                     if isinstance(i, Literal)})
    if "*" in wanted:
        ok = 'isLiteral(?value) && lang(?value) != ""'
    else:
        tags = ", ".join(Literal(w).n3() for w in wanted) or '""'
        ok = (f'isLiteral(?value) && lang(?value) != "" && (LCASE(lang(?value)) IN ({tags}) || '
              f'LCASE(STRBEFORE(lang(?value), "-")) IN ({tags}))')
    return [batch.values(SH.LanguageInConstraintComponent, f"!({ok})")]


def _unique_lang(e: Engine, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
    """One result per focus node and language (lower-cased) with two or more values."""
    flag = one(s, SH.uniqueLang)
    if s.path is None:
        raise Unsupported("sh:uniqueLang on a node shape")
    if not (isinstance(flag, Literal) and flag.value is True):
        return []
    other = "?" + fresh("other")
    bad = (f'isLiteral(?value) && lang(?value) != "" && EXISTS {{ ?this {e.path(s)} {other} '
           f"FILTER(isLiteral({other}) && !sameTerm({other}, ?value) && "
           f"LCASE(lang({other})) = LCASE(lang(?value))) }}")
    return [batch.foci(SH.UniqueLangConstraintComponent, bad, key="LCASE(lang(?value))")]


def _range(parameter: URIRef) -> Handler:
    components = {
        SH.minExclusive: (SH.MinExclusiveConstraintComponent, lambda c: c > 0),
        SH.minInclusive: (SH.MinInclusiveConstraintComponent, lambda c: c >= 0),
        SH.maxExclusive: (SH.MaxExclusiveConstraintComponent, lambda c: c < 0),
        SH.maxInclusive: (SH.MaxInclusiveConstraintComponent, lambda c: c <= 0),
    }
    component, accept = components[parameter]

    def handler(e: Engine, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
        out = []
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

            out.append(batch.values(component, _python(e, ok)))
        return out
    return handler


HANDLERS: dict[URIRef, Handler] = {
    SH["class"]: _class, SH.datatype: _datatype, SH.nodeKind: _node_kind,
    SH.minCount: _min_count, SH.maxCount: _max_count,
    SH.minExclusive: _range(SH.minExclusive), SH.minInclusive: _range(SH.minInclusive),
    SH.maxExclusive: _range(SH.maxExclusive), SH.maxInclusive: _range(SH.maxInclusive),
    SH.minLength: _length(SH.minLength), SH.maxLength: _length(SH.maxLength),
    SH.pattern: _pattern, SH.languageIn: _language_in, SH.uniqueLang: _unique_lang,
    SH.equals: nested.pair_constraint(SH.equals), SH.disjoint: nested.pair_constraint(SH.disjoint),
    SH.lessThan: nested.pair_constraint(SH.lessThan),
    SH.lessThanOrEquals: nested.pair_constraint(SH.lessThanOrEquals),
    SH["not"]: nested.logical(SH["not"]), SH["and"]: nested.logical(SH["and"]),
    SH["or"]: nested.logical(SH["or"]), SH.xone: nested.logical(SH.xone),
    SH.node: nested.node, SH.property: nested.property_, SH.qualifiedValueShape: nested.qualified,
    SH.closed: nested.closed, SH.hasValue: _has_value, SH["in"]: _in,
    SH.sparql: nested.sparql_constraint,
}
