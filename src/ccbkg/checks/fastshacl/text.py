"""Terms as text in result messages, written the way pyshacl writes them.

pyshacl's default messages name nodes with `stringify_node`: IRIs as CURIEs of the graph's
prefixes, literals as `Literal("lex" = value, datatype=...)` and blank nodes as their
description in brackets. These functions produce the same text without pyshacl's module-level
cache (which is keyed by `id(graph)` and can serve a stale text for a new graph).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pyshacl.rdfutil.stringify import stringify_literal
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, SH, NamespaceManager
from rdflib.term import Node

Describe = Callable[[BNode], list[tuple[Node, Node]]]


def graph_describer(graph: Graph) -> Describe:
    """The predicate-object pairs of a blank node in an rdflib graph."""
    return lambda b: list(graph.predicate_objects(b))


def namespaces() -> NamespaceManager:
    """The prefixes of a new rdflib graph plus sh:, as pyshacl's data graph has them."""
    manager = Graph().namespace_manager
    manager.bind("sh", SH, override=False, replace=False)
    return manager


def stringify(node: Node, manager: NamespaceManager, describe: Describe, depth: int = 0) -> str:
    """A term as pyshacl's `stringify_node` writes it."""
    if isinstance(node, Literal):
        return str(stringify_literal(Graph(namespace_manager=manager), node, ns_manager=manager))
    if isinstance(node, BNode):
        return _blank(node, manager, describe, depth + 1)
    if isinstance(node, URIRef):
        try:
            return node.n3(namespace_manager=manager)
        except Exception:
            return str(node)
    return str(node)


def _blank(node: BNode, manager: NamespaceManager, describe: Describe, depth: int) -> str:
    if depth >= 12:
        return "<http://recursion.too.deep>"
    pairs = describe(node)
    if not pairs:
        return "[ ]"
    if any(p == RDF.first for p, _ in pairs):
        return "( " + " ".join(stringify(i, manager, describe, depth + 1)
                               for i in _items(node, describe)) + " )"
    by_predicate: dict[str, str] = {}
    for p in _unique(p for p, _ in pairs):
        p_text = p.n3(namespace_manager=manager) if isinstance(p, Literal | BNode | URIRef) \
            else str(p)
        texts = sorted("<self>" if (p == OWL.sameAs and o == node)
                       else stringify(o, manager, describe, depth + 1)
                       for q, o in pairs if q == p)
        by_predicate[p_text] = ", ".join(texts) if len(texts) > 1 else texts[0]
    if len(by_predicate) > 1:
        body = " ; ".join(f"{k} {v}" for k, v in sorted(by_predicate.items()))
    else:
        key, value = next(iter(by_predicate.items()))
        body = f"{key} {value}"
    return f"[ {body} ]"


def _items(node: Node, describe: Describe) -> list[Node]:
    out: list[Node] = []
    seen: set[Node] = set()
    while isinstance(node, BNode) and node not in seen:
        seen.add(node)
        pairs = describe(node)
        first = [o for p, o in pairs if p == RDF.first]
        rest = [o for p, o in pairs if p == RDF.rest]
        if not first:
            break
        out.append(first[0])
        if not rest or rest[0] == RDF.nil:
            break
        node = rest[0]
    return out


def _unique(items: Iterable[Node]) -> list[Node]:
    seen: dict[Node, None] = {}
    for i in items:
        seen.setdefault(i, None)
    return list(seen)
