"""Value type constraint components (SHACL 4.1): sh:class, sh:datatype, sh:nodeKind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from ccbkg.checks.fastshacl.choices import lexically_valid
from ccbkg.checks.fastshacl.focus import fresh
from ccbkg.checks.fastshacl.model import Shape
from ccbkg.checks.fastshacl.params import const, one
from ccbkg.checks.fastshacl.store import SURROGATE
from ccbkg.checks.fastshacl.valuetest import Bad

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.validator import Validator


NODE_KINDS = {
    SH.IRI: "isIRI({})", SH.BlankNode: "isBlank({})", SH.Literal: "isLiteral({})",
    SH.BlankNodeOrIRI: "!isLiteral({})", SH.BlankNodeOrLiteral: "!isIRI({})",
    SH.IRIOrLiteral: "!isBlank({})",
}


def class_(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
    """sh:class (SHACL 4.1.1, value type): an instance of the class or a subclass."""
    out: list[Bad] = []
    for c in s.values(SH["class"]):
        classes = ", ".join(e.subclasses(c))

        def bad(v: str, classes: str = classes) -> str:
            var = "?" + fresh("class")
            return f"NOT EXISTS {{ {v} <{RDF.type}> {var} FILTER({var} IN ({classes})) }}"
        out.append(bad)
    return out


def datatype(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
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


def node_kind(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
    """sh:nodeKind (SHACL 4.1.3, value type)."""
    ok = NODE_KINDS.get(one(s, SH.nodeKind), "false")  # type: ignore[call-overload]
    return [lambda v: f"!({ok.format(v)})"]
