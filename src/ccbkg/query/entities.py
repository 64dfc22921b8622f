"""Nodes by name: the English labels shown in tables, and entity parameters given as an ISO
code or a label (`ALB`, `AL`, `Albania`) resolved to the node's IRI."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import pyoxigraph as ox

from ccbkg.core.namespaces import CCB, RDF, RDFS, SKOS
from ccbkg.project.query_headers import Param, ParameterError, shown_value, to_term

# What names a node: labels first (their English text is what tables show), then codes.
_LABELS = (str(RDFS.label), str(SKOS.prefLabel))
_NAMES = (*_LABELS, str(SKOS.altLabel), str(SKOS.notation), str(CCB.iso3166Alpha3),
          str(CCB.iso3166Alpha2))


def labels(store: ox.Store, nodes: Iterable[str]) -> dict[str, str]:
    """The label of each of these IRIs that has one: English (or untagged) rdfs:label, else
    skos:prefLabel (looked up node by node, not over every label of the store)."""
    out: dict[str, str] = {}
    for iri in nodes:
        node = ox.NamedNode(iri)
        for predicate in reversed(_LABELS):  # rdfs:label, read last, wins
            for quad in store.quads_for_pattern(node, ox.NamedNode(predicate), None):
                text = quad.object
                if isinstance(text, ox.Literal) \
                        and (text.language or "en").lower().split("-")[0] == "en":
                    out[iri] = text.value
    return out


def resolve(param: Param, value: str, store: ox.Store) -> str:
    """The IRI of the node the value names: the IRI itself (checked by to_term) if the store
    has that node, or the node whose label or code it is (case ignored). The candidates are
    the instances of the class the parameter is named after (`country`: ccb:Country) when
    there is one. A value that names nothing, or several nodes, is a ParameterError with the
    nearest names."""
    label = f"parameter {param.name} ({param.type.value})"
    kind = CCB[param.name[:1].upper() + param.name[1:]]
    typed = {q.subject for q in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)),
                                                         ox.NamedNode(str(kind)))}
    names = _names(store, typed or None)
    if ":" in value:  # an IRI: checked here, then by the parameter's type
        node = to_term(param, value)
        if node in typed if typed else isinstance(node, ox.NamedNode) and any(
                store.quads_for_pattern(node, None, None)):
            return value
        what = f"no ccb:{kind.rsplit('#', 1)[-1]} " if typed else "no node "
        near = difflib.get_close_matches(value, sorted({iri for iri, _ in names}), 5)
        raise ParameterError(f"{label}: the data has {what}{shown_value(value)}"
                             f"{_nearest(near)}")
    matches = sorted({iri for iri, folded in names if folded == value.casefold()})
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ParameterError(f"{label}: {shown_value(value)} names {len(matches)} nodes; give "
                             f"one IRI: {', '.join(matches)}")
    near = difflib.get_close_matches(value.casefold(), sorted({f for _, f in names}), 5)
    shown = sorted({text for (_, folded), text in names.items() if folded in near})
    raise ParameterError(f"{label}: nothing in the data is named {shown_value(value)}"
                         f"{_nearest(shown)}")


def _names(store: ox.Store, nodes: set[ox.NamedNode | ox.BlankNode | ox.Triple] | None
           ) -> dict[tuple[str, str], str]:
    """(IRI, casefolded name) -> name, for every name of the candidate nodes."""
    out: dict[tuple[str, str], str] = {}
    for predicate in _NAMES:
        for quad in store.quads_for_pattern(None, ox.NamedNode(predicate), None):
            node, text = quad.subject, quad.object
            if isinstance(node, ox.NamedNode) and isinstance(text, ox.Literal) \
                    and (nodes is None or node in nodes):
                out[(node.value, text.value.casefold())] = text.value
    return out


def _nearest(near: list[str]) -> str:
    return f"; the nearest: {', '.join(near)}" if near else ""
