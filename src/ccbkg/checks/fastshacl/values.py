"""The constraint components that test one value node on its own, as SPARQL expressions.

`tests` gives, for a parameter of a shape, one expression per constraint that is true when
the node in a variable violates it. Where SPARQL and pyshacl disagree on a detail (Python
regular expressions SPARQL cannot say, rdflib's datatype checks, literal ordering, literal
equality after normalisation) the expression calls a Python function that tests the rdflib
term with pyshacl's own rules. The tests themselves are in `constraints`, by section.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rdflib import URIRef
from rdflib.namespace import SH

from ccbkg.checks.fastshacl.constraints import other, string_based, value_range, value_type
from ccbkg.checks.fastshacl.model import Shape
from ccbkg.checks.fastshacl.valuetest import Bad

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.validator import Validator

COMPONENTS: dict[URIRef, URIRef] = {
    SH["class"]: SH.ClassConstraintComponent, SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent, SH["in"]: SH.InConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent, SH.languageIn: SH.LanguageInConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent, SH.maxLength: SH.MaxLengthConstraintComponent,
    **{p: c for p, (c, _) in value_range.RANGES.items()},
}
BUILDERS: dict[URIRef, Callable[[Validator, Shape, URIRef], list[Bad]]] = {
    SH["class"]: value_type.class_, SH.datatype: value_type.datatype,
    SH.nodeKind: value_type.node_kind, SH["in"]: other.in_, SH.pattern: string_based.pattern,
    SH.languageIn: string_based.language_in, SH.minLength: string_based.length,
    SH.maxLength: string_based.length, **dict.fromkeys(value_range.RANGES, value_range.range_),
}


def tests(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
    """The violation tests of a value-testing parameter (one of COMPONENTS) of a shape."""
    return BUILDERS[parameter](e, s, parameter)
