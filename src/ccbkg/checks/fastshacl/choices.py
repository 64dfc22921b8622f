r"""Where the fast engine follows pyshacl rather than the letter of SHACL: named choices.

ccbkg validates with `PYSHACL` (the default), so that both engines give the same report and
pyshacl can stand in for the fast engine. `SPEC` gives the SHACL specification's behaviour where
this engine has it: `fastshacl.validate(..., choices=SPEC)`. The choices:

- *rdflib literals* (switchable, `Choices.rdflib_literals`): see below.
- *rdflib booleans* (fixed): the shapes arrive as an rdflib graph, whose literals rdflib has
  normalised, so "1"^^xsd:boolean reads as true for sh:uniqueLang, sh:closed and
  sh:qualifiedValueShapesDisjoint; SHACL (4.4.5, 4.8.1, 4.7.3) asks for the literal `true`
  (W3C test core/property/uniqueLang-002, a known failure).
- *Python regex* (fixed): sh:pattern (SHACL 4.4.3) uses Python's regular expressions, as
  pyshacl does (\s is any Unicode space, \w any Unicode word character); SHACL names XPath's
  (\s: space, tab and line ends only). Patterns that mean the same in both are portable.
- *pyshacl messages* (fixed): sh:resultMessage texts are pyshacl's (`text.py`); SHACL leaves
  default messages to the engine.
- *pyshacl's cut of recursive shapes* (switchable, `Choices.recursion_cut`): see below.

tests/fixtures/jena-shacl-differences.txt shows where the choices make the engine differ from
Jena's.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib.term import Node

from ccbkg.project.literals import problem


@dataclass(frozen=True)
class Choices:
    """The choices that can be switched: True as pyshacl does it, False as SHACL says."""

    #: sh:datatype (SHACL 4.1.2) accepts a literal whose lexical form rdflib parses; rdflib is
    #: lenient with the date types ("2013-13"^^xsd:gYear) and reads numbers as Python does
    #: ("１２"^^xsd:integer, "1_000"^^xsd:decimal). SHACL requires the lexical form to be in
    #: the datatype's lexical space: with False, the XSD date, number and boolean types are
    #: checked strictly (ccbkg.project.literals, as the syntax stage checks them).
    rdflib_literals: bool = True
    #: A shape that refers to itself through other shapes (sh:node, sh:property, ...) is
    #: recursive, and SHACL leaves its validation undefined (3.4.1). pyshacl follows the
    #: references until its path of shapes and constraints repeats a step (a shape reached
    #: again through the same kind of constraint, once the path is three such steps long, or
    #: six when sh:node and sh:property alternate), then counts the nested shape as
    #: conforming without validating it. With False, references are followed while value
    #: nodes remain (all the data says, when no chain of values is a cycle). Either way a
    #: nesting deeper than `engine.MAX_NESTING` (pyshacl's own limit) is left to pyshacl.
    recursion_cut: bool = True


PYSHACL = Choices()
SPEC = Choices(rdflib_literals=False, recursion_cut=False)


def lexically_valid(lexical: str, datatype: Node, choices: Choices) -> bool:
    """False when the specification's choice is asked for and the lexical form is not one of
    the datatype's (for the datatypes ccbkg checks strictly)."""
    return choices.rdflib_literals or problem(lexical, str(datatype)) is None
