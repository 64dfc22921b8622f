"""Logical constraint components (SHACL 4.6): sh:not, sh:and, sh:or, sh:xone. The member
shapes are validated once for the set of all value nodes, not once per value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rdflib import URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ccbkg.checks.fastshacl import inline
from ccbkg.checks.fastshacl.batch import Batch, Handler
from ccbkg.checks.fastshacl.focus import FocusSet
from ccbkg.checks.fastshacl.model import Shape
from ccbkg.checks.fastshacl.results import Outcome, Term

if TYPE_CHECKING:
    from ccbkg.checks.fastshacl.validator import Validator


def nonconforming_of(e: Validator, node: Node, values: FocusSet) -> set[Term]:
    """The value nodes that do not conform to the shape node."""
    return e.validate(e.shapes.shape(node), values).nonconforming


def logical(parameter: URIRef) -> Handler:
    """sh:not, sh:and, sh:or, sh:xone (SHACL 4.6.1, 4.6.2, 4.6.3, 4.6.4, logical): the value
    nodes' conformance to the member shapes, counted."""
    component = {SH["not"]: SH.NotConstraintComponent, SH["and"]: SH.AndConstraintComponent,
                 SH["or"]: SH.OrConstraintComponent, SH.xone: SH.XoneConstraintComponent}[parameter]

    def handler(e: Validator, s: Shape, focus: FocusSet, batch: Batch) -> list[Outcome]:
        values = e.values(s, focus)
        out = []
        for operand in s.values(parameter):
            if parameter == SH["not"]:
                members = [operand]
            elif parameter == SH.xone:
                members = e.shapes.items(operand)
            else:
                members = list(set(e.shapes.items(operand)))
            if parameter == SH["not"] and e.cut(s, parameter, operand):
                continue
            bad = inline.violation(e, parameter, members)
            if bad is not None:
                out.append(batch.values(s, component, bad("?value")))
                continue
            with e.nested(s, parameter):
                failing = [nonconforming_of(e, m, values) for m in members]
            if parameter == SH["or"] and failing and not set.intersection(*failing):
                continue
            if parameter == SH["and"] and not set().union(*failing):
                continue

            def violates(t: Term, failing: list[set[Term]] = failing) -> bool:
                conforming = sum(1 for f in failing if t not in f)
                if parameter == SH["not"]:
                    return conforming == 1
                if parameter == SH["and"]:
                    return conforming < len(failing)
                if parameter == SH["or"]:
                    return conforming == 0
                return conforming != 1

            fn = e.function(violates, cache=False)
            out.append(batch.values(s, component, f"{fn}(?value)"))
        return out
    return handler
