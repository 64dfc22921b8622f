"""SHACL property paths (SHACL 1.0 section 2.3.1) as SPARQL property paths and patterns."""

from __future__ import annotations

from collections.abc import Callable

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ccbkg.checks.fastshacl.errors import Unsupported

_UNARY = ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"), (SH.oneOrMorePath, "{}+"),
          (SH.zeroOrOnePath, "{}?"))


# How tightly each form binds in SPARQL's property-path grammar: an alternative of sequences of
# path elements (an inverse of a modified primary).
_ALTERNATIVE, _SEQUENCE, _INVERSE, _MODIFIED, _PRIMARY = range(5)


def sparql_path(graph: Graph, path: Node, name: Callable[[URIRef], str] = lambda iri: f"<{iri}>",
                ) -> str:
    """The SPARQL property path for a SHACL path node (`<a>|<b>`, `^<a>`, `<a>/<b>`, `<a>*`),
    with brackets only where the grammar needs them and each IRI written by name; the one
    formatter of SHACL paths, for queries and reports. Raises Unsupported when malformed."""
    return _path(graph, path, name, 0)[0]


def _path(graph: Graph, path: Node, name: Callable[[URIRef], str], depth: int) -> tuple[str, int]:
    """The path's text and how tightly it binds."""
    if isinstance(path, URIRef):
        return name(path), _PRIMARY
    if not isinstance(path, BNode) or depth > 12:
        raise Unsupported(f"{path.n3()} is not a well-formed SHACL path")

    def inner(node: Node, at_least: int) -> str:
        text, binds = _path(graph, node, name, depth + 1)
        return text if binds >= at_least else f"({text})"

    if (path, RDF.first, None) in graph:
        items = [inner(i, _INVERSE) for i in graph.items(path)]
        if len(items) < 2:
            raise Unsupported("a sequence path needs at least two members")
        return "/".join(items), _SEQUENCE
    alternatives = list(graph.objects(path, SH.alternativePath))
    if alternatives:
        items = [inner(i, _SEQUENCE) for i in graph.items(alternatives[0])]
        if len(items) < 2:
            raise Unsupported("an alternative path needs at least two members")
        return "|".join(items), _ALTERNATIVE
    for predicate, template in _UNARY:
        found = list(graph.objects(path, predicate))
        if found:
            inverse = predicate == SH.inversePath
            text = inner(found[0], _MODIFIED if inverse else _PRIMARY)
            return template.format(text), _INVERSE if inverse else _MODIFIED
    raise Unsupported(f"{path.n3()} is not a well-formed SHACL path")


def shown_path(graph: Graph, path: Node | None) -> str | None:
    """A result path as reports show it: an IRI as it is, a complex path in SPARQL form (the
    same text on every run, never a blank-node label), in graph (where the path's triples are)."""
    if path is None or isinstance(path, URIRef):
        return None if path is None else str(path)
    try:
        return sparql_path(graph, path)
    except Unsupported:
        return path.n3()


def path_pattern(graph: Graph, path: Node, s: str, o: str, fresh: Callable[[], str]) -> str:
    """A graph pattern binding s and o at the ends of the path (without duplicates removed).

    Alternatives become UNIONs and sequences joins of triple patterns, which pyoxigraph plans
    better than the equivalent property paths; repetition stays a property path.
    """
    if isinstance(path, URIRef):
        return f"{s} <{path}> {o} ."
    if (path, RDF.first, None) in graph:
        items = list(graph.items(path))
        ends = [s] + [fresh() for _ in items[:-1]] + [o]
        return " ".join(path_pattern(graph, i, ends[n], ends[n + 1], fresh)
                        for n, i in enumerate(items))
    alternatives = list(graph.objects(path, SH.alternativePath))
    if alternatives:
        return " UNION ".join("{ " + path_pattern(graph, i, s, o, fresh) + " }"
                              for i in graph.items(alternatives[0]))
    inverse = list(graph.objects(path, SH.inversePath))
    if inverse:
        return path_pattern(graph, inverse[0], o, s, fresh)
    return f"{s} {sparql_path(graph, path)} {o} ."


def predicates(graph: Graph, path: Node) -> list[URIRef] | None:
    """The predicates a path can step along once, or None when it repeats (*, +, ?)."""
    if isinstance(path, URIRef):
        return [path]
    if (path, RDF.first, None) in graph:
        first = next(iter(graph.items(path)), None)
        return predicates(graph, first) if first is not None else None
    alternatives = list(graph.objects(path, SH.alternativePath))
    if alternatives:
        found: list[URIRef] = []
        for i in graph.items(alternatives[0]):
            inner = predicates(graph, i)
            if inner is None:
                return None
            found.extend(inner)
        return found
    inverse = list(graph.objects(path, SH.inversePath))
    if inverse:
        return predicates(graph, inverse[0])
    return None


def is_predicate(path: Node | None) -> bool:
    """True for a path that is a single IRI (no operators)."""
    return isinstance(path, URIRef)


def exists(graph: Graph, path: Node, s: str, body: Callable[[str], str] | None,
           fresh: Callable[[], str], *, inverse: bool = False) -> str | None:
    """An expression true when some value ?v of the path from s makes body(?v) true (any
    value when body is None), or None when the path repeats (*, +, ?).

    Each step is an EXISTS over one triple pattern, the next step inside its FILTER:
    pyoxigraph plans an EXISTS over several patterns without the outer bindings, so it
    would read the whole graph for every row.
    """
    if isinstance(path, URIRef):
        v = fresh()
        pattern = f"{v} <{path}> {s}" if inverse else f"{s} <{path}> {v}"
        return f"EXISTS {{ {pattern} FILTER({body(v)}) }}" if body else f"EXISTS {{ {pattern} }}"
    if not isinstance(path, BNode):
        return None
    if (path, RDF.first, None) in graph:
        items = list(graph.items(path))
        return _chain(graph, items[::-1] if inverse else items, s, body, fresh, inverse)
    alternatives = list(graph.objects(path, SH.alternativePath))
    if alternatives:
        found = [exists(graph, i, s, body, fresh, inverse=inverse)
                 for i in graph.items(alternatives[0])]
        return None if any(f is None for f in found) else "(" + " || ".join(
            f"({f})" for f in found) + ")"
    inner = list(graph.objects(path, SH.inversePath))
    if inner:
        return exists(graph, inner[0], s, body, fresh, inverse=not inverse)
    return None


def _chain(graph: Graph, items: list[Node], s: str, body: Callable[[str], str] | None,
           fresh: Callable[[], str], inverse: bool) -> str | None:
    if len(items) == 1:
        return exists(graph, items[0], s, body, fresh, inverse=inverse)
    rest: list[str | None] = []

    def step(v: str) -> str:
        rest.append(_chain(graph, items[1:], v, body, fresh, inverse))
        return rest[-1] or "false"
    found = exists(graph, items[0], s, step, fresh, inverse=inverse)
    return None if found is None or None in rest else found
