"""Every constraint component, in the order results are reported (`HANDLERS`).

Each handler adds its checks to the shape's `Batch` (one query for all of them) or runs its
own queries, and returns the outcomes. The implementations are in `constraints`, one module
per section of the SHACL specification; the value tests of `values` share one generic handler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rdflib import URIRef
from rdflib.namespace import SH

from ccbkg.checks.fastshacl import values
from ccbkg.checks.fastshacl.batch import Batch, Handler
from ccbkg.checks.fastshacl.constraints import (
    cardinality,
    logical,
    other,
    property_pair,
    shape_based,
    sparql_based,
    string_based,
)
from ccbkg.checks.fastshacl.focus import FocusSet
from ccbkg.checks.fastshacl.model import Shape
from ccbkg.checks.fastshacl.results import Outcome

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.validator import Validator


def _values(parameter: URIRef) -> Handler:
    """A handler that adds the parameter's value tests to the batch."""
    def handler(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
        component = values.COMPONENTS[parameter]
        return [batch.values(s, component, bad("?value")) for bad in values.tests(e, s, parameter)]
    return handler


HANDLERS: dict[URIRef, Handler] = {
    SH["class"]: _values(SH["class"]), SH.datatype: _values(SH.datatype),
    SH.nodeKind: _values(SH.nodeKind), SH.minCount: cardinality.min_count,
    SH.maxCount: cardinality.max_count,
    SH.minExclusive: _values(SH.minExclusive), SH.minInclusive: _values(SH.minInclusive),
    SH.maxExclusive: _values(SH.maxExclusive), SH.maxInclusive: _values(SH.maxInclusive),
    SH.minLength: _values(SH.minLength), SH.maxLength: _values(SH.maxLength),
    SH.pattern: _values(SH.pattern), SH.languageIn: _values(SH.languageIn),
    SH.uniqueLang: string_based.unique_lang,
    SH.equals: property_pair.pair_constraint(SH.equals),
    SH.disjoint: property_pair.pair_constraint(SH.disjoint),
    SH.lessThan: property_pair.pair_constraint(SH.lessThan),
    SH.lessThanOrEquals: property_pair.pair_constraint(SH.lessThanOrEquals),
    SH["not"]: logical.logical(SH["not"]), SH["and"]: logical.logical(SH["and"]),
    SH["or"]: logical.logical(SH["or"]), SH.xone: logical.logical(SH.xone),
    SH.node: shape_based.node, SH.property: shape_based.property_,
    SH.qualifiedValueShape: shape_based.qualified, SH.closed: other.closed,
    SH.hasValue: other.has_value, SH["in"]: _values(SH["in"]),
    SH.sparql: sparql_based.sparql_constraint,
}
