"""The data in a pyoxigraph store, with every literal in the form pyshacl sees it."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from ccbkg.checks.fastshacl.results import Term
from ccbkg.core.terms import RDF_LANG_STRING, XSD_STRING, to_oxigraph, to_rdflib

NS = "urn:ccbkg:fastshacl:"
SURROGATE = NS + "dt:"
_BATCH = 10_000  # triples put into the store at a time (larger batches leave a larger store)


def load_store(
    data: Iterable[ox.Quad | ox.Triple],
) -> tuple[ox.Store, dict[Term, Term], int]:
    """A store with the triples in its default graph, the literals it had to disguise, and
    how many triples were given.

    Typed literals are first written the way rdflib writes them ("07"^^xsd:byte becomes
    "7"), as pyshacl sees them. pyoxigraph's store would then rewrite some of them again
    ("4.0"^^xsd:decimal comes back as "4", "93"^^xsd:nonNegativeInteger as "93"^^xsd:integer);
    those are stored under a private datatype instead, keeping their lexical form, and the
    returned map leads back to the literal. The other triples go into the store as they come,
    a batch at a time (the data need not be held: typed literals are a few percent of it).
    """
    store = ox.Store()
    plain: list[ox.Quad] = []
    typed: list[ox.Quad] = []
    literal, quad, default = ox.Literal, ox.Quad, ox.DefaultGraph
    untyped = (XSD_STRING, RDF_LANG_STRING)
    given = 0
    for given, t in enumerate(data, 1):  # noqa: B007 (the count is read after the loop)
        q = t if type(t) is quad and type(t.graph_name) is default else \
            quad(t.subject, t.predicate, t.object)
        o = q.object
        if type(o) is literal and o.datatype.value not in untyped:
            typed.append(q)
        else:
            plain.append(q)
            if len(plain) == _BATCH:
                store.bulk_extend(plain)
                plain = []
    store.bulk_extend(plain)
    normal: dict[Term, ox.Literal] = {}
    for q in typed:
        if q.object not in normal:
            normal[q.object] = to_oxigraph(to_rdflib(q.object))  # type: ignore[assignment]
    changed = rewritten(list(set(normal.values())))
    restore: dict[Term, Term] = {}
    final: dict[Term, ox.Literal] = {}
    for original, n in normal.items():
        if n in changed:
            n = ox.Literal(n.value, datatype=ox.NamedNode(SURROGATE + n.datatype.value))
        final[original] = n
        # As in rdflib's graph, the first of the literals that are one after normalisation
        # stands for all of them (with its flags, such as ill_typed).
        if n not in restore and n != original:
            restore[n] = original
    store.bulk_extend(q if final[q.object] == q.object else
                      ox.Quad(q.subject, q.predicate, final[q.object]) for q in typed)
    return store, restore, given


def rewritten(literals: list[ox.Literal]) -> dict[ox.Literal, ox.Literal]:
    """The literals a pyoxigraph store gives back in another form, with that form."""
    probe = ox.Store()
    p = ox.NamedNode(NS + "probe")
    probe.bulk_extend(ox.Quad(ox.NamedNode(f"{NS}probe/{i}"), p, lit)
                      for i, lit in enumerate(literals))
    out: dict[ox.Literal, ox.Literal] = {}
    for q in probe.quads_for_pattern(None, p, None):
        original = literals[int(q.subject.value.rsplit("/", 1)[1])]  # type: ignore[union-attr]
        if q.object != original:
            out[original] = q.object  # type: ignore[assignment]
    return out
