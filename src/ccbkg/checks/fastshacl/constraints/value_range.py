"""Value range constraint components (SHACL 4.3): sh:minExclusive, sh:minInclusive,
sh:maxExclusive, sh:maxInclusive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyshacl.rdfutil.compare import compare_literal
from rdflib import Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ccbkg.checks.fastshacl.errors import Unsupported
from ccbkg.checks.fastshacl.model import Shape
from ccbkg.checks.fastshacl.valuetest import Bad, in_python

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.validator import Validator


RANGES = {
    SH.minExclusive: (SH.MinExclusiveConstraintComponent, lambda c: c > 0),
    SH.minInclusive: (SH.MinInclusiveConstraintComponent, lambda c: c >= 0),
    SH.maxExclusive: (SH.MaxExclusiveConstraintComponent, lambda c: c < 0),
    SH.maxInclusive: (SH.MaxInclusiveConstraintComponent, lambda c: c <= 0),
}


def range_(e: Validator, s: Shape, parameter: URIRef) -> list[Bad]:
    """sh:minExclusive, sh:minInclusive, sh:maxExclusive, sh:maxInclusive (SHACL 4.3.1,
    4.3.2, 4.3.3, 4.3.4, value range), compared in Python as pyshacl compares."""
    accept = RANGES[parameter][1]
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

        out.append(in_python(e, ok))
    return out
