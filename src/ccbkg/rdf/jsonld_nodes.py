"""JSON-LD node objects built directly from triples, as pyld would compact (and, for a
country's document, frame) them with the release's context: the flat node objects of a graph
without blank nodes, and a country's framed tree (embed "@once", the frame `country_documents`
gives it). pyld is asked only for each decision that depends on the context (which key a
property takes for a kind of value, how a literal or a reference is written under a key, an
IRI's compact form), each once; tests/test_jsonld.py holds the results to pyld's own."""

from __future__ import annotations

import json
from collections.abc import Iterable
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

import pyoxigraph as ox
from pyld import jsonld

from ccbkg.core.namespaces import RDF, XSD

_TYPE = str(RDF.type)
_STRING = str(XSD.string)
_JSON = str(RDF.JSON)
_SAMPLE = "\x00"  # stands for a literal's lexical form while pyld compacts a literal's kind
_IRIS = 100_000  # compact IRIs remembered (across documents) before starting afresh
Object = ox.NamedNode | ox.Literal


class Compactor:
    """The decisions of a context's compaction, each asked of pyld once (processor is pyld's,
    active_ctx the processed context); a context with terms this compactor does not follow
    (containers, scoped contexts, reverse or nested terms) is refused."""

    def __init__(self, processor: Any, active_ctx: Any) -> None:
        for term, definition in active_ctx["mappings"].items():
            if definition and (definition.get("reverse") or {"@container", "@context", "@nest",
                                                             "@index"} & definition.keys()):
                raise ValueError(f"the node compaction does not handle term {term}")
        self._processor = processor
        self._ctx = active_ctx
        self._inverse = processor._get_inverse_context(active_ctx)
        # The terms that can start a compact IRI: prefix terms, and a term that starts a term
        # with a colon (pyld also takes term:rest when that is a term defined as the IRI).
        mappings = active_ctx["mappings"]
        heads = {key.split(":", 1)[0] for key in mappings if ":" in key}
        self._prefixes = [(definition["@id"], term, definition)
                          for term, definition in mappings.items()
                          if ":" not in term and definition and definition["@id"]
                          and (definition["_prefix"] or term in heads)]
        self.id, self.type, self.reverse, self._value = (
            processor._compact_iri(active_ctx, k) for k in ("@id", "@type", "@reverse", "@value"))
        self._iris: dict[tuple[str, bool], str] = {}
        self._own_term: dict[str, bool] = {}
        self._nodes: dict[tuple[str, bool], tuple[str, bool, bool]] = {}  # key, alone, vocab
        self._literals: dict[tuple[str, tuple[ox.NamedNode, str | None]],
                             tuple[str, dict[str, str] | None]] = {}  # key, value object
        self._reverse: dict[tuple[str, bool], str] = {}

    def iri(self, iri: str, vocab: bool) -> str:
        """iri compacted, as a type or property (vocab) or as a node's @id."""
        found = self._iris.get((iri, vocab))
        if found is None:
            if len(self._iris) >= _IRIS:
                self._iris.clear()
            if not (vocab and iri in self._inverse) and "@vocab" not in self._ctx:
                found = self._curie(iri)
            if found is None:
                found = self._processor._compact_iri(self._ctx, iri, vocab=vocab,
                                                     base=None if vocab else "")
            self._iris[(iri, vocab)] = found
        return found

    def _curie(self, iri: str) -> str | None:
        """The compact IRI pyld makes of iri: the shortest, then the least, term:rest whose
        term's IRI starts iri (a prefix term, term:rest not a term, or a term defined as iri);
        None when there is none."""
        mappings = self._ctx["mappings"]
        best: str | None = None
        for namespace, term, definition in self._prefixes:
            if len(namespace) < len(iri) and iri.startswith(namespace):
                curie = f"{term}:{iri[len(namespace):]}"
                if ((definition["_prefix"] and curie not in mappings)
                        or (mappings.get(curie) or {}).get("@id") == iri) \
                        and (best is None or (len(curie), curie) < (len(best), best)):
                    best = curie
        return best

    def value(self, prop: str, value: Object) -> tuple[str, Any, str | None]:
        """The key of property prop for value, value compacted under it (a node as a reference)
        and the IRI of the node it names, if any."""
        if isinstance(value, ox.NamedNode):
            iri = value.value
            own = self._is_own_term(iri)
            node = self._nodes.get((prop, own))
            if node is None:
                key = self._key(prop, {"@id": iri}, False)
                type_ = jsonld.JsonLdProcessor.get_context_value(self._ctx, key, "@type")
                node = self._nodes[(prop, own)] = (key, type_ in ("@id", "@vocab"),
                                                   type_ == "@vocab")
            key, alone, vocab = node
            compact = self.iri(iri, vocab)
            return key, compact if alone else {self.id: compact}, iri
        kind = (value.datatype, value.language)
        literal = self._literals.get((prop, kind))
        if literal is None:
            sample = _expanded(value)
            key = self._key(prop, sample, False)
            compacted = self._processor._compact_value(self._ctx, key, sample, {})
            literal = self._literals[(prop, kind)] = (
                key, None if isinstance(compacted, str) else compacted)
        key, template = literal
        return key, (value.value if template is None
                     else {**template, self._value: value.value}), None

    def reverse_key(self, prop: str, node: str) -> str:
        """The key, under "@reverse", of property prop for a node naming the top node."""
        own = self._is_own_term(node)
        found = self._reverse.get((prop, own))
        if found is None:
            found = self._reverse[(prop, own)] = self._key(prop, {"@id": node}, True)
        return found

    def _key(self, prop: str, sample: dict[str, str], reverse: bool) -> str:
        return self._processor._compact_iri(  # type: ignore[no-any-return]
            self._ctx, prop, sample, vocab=True, reverse=reverse)

    def _is_own_term(self, iri: str) -> bool:
        """Whether iri compacts to a term defined as iri (pyld then prefers "@vocab" keys)."""
        if iri not in self._inverse:  # no term is iri
            return False
        found = self._own_term.get(iri)
        if found is None:
            definition = self._ctx["mappings"].get(self.iri(iri, True))
            found = self._own_term[iri] = bool(definition) and definition["@id"] == iri
        return found


def node_objects(triples: Iterable[ox.Quad], compactor: Compactor
                 ) -> list[dict[str, Any]] | None:
    """The flat node objects of triples grouped by subject (in the order of the subjects), as
    pyld compacts a graph without blank nodes; None when a term is beyond what this covers (a
    blank node, a triple term, an rdf:JSON literal, which pyld parses)."""
    found: list[dict[str, Any]] = []
    current: ox.NamedNode | None = None
    node: dict[str, Any] = {}
    for q in triples:
        term, prop, value = q.subject, q.predicate.value, q.object
        if not isinstance(term, ox.NamedNode) or not isinstance(value, Object) or (
                isinstance(value, ox.Literal) and value.datatype.value == _JSON):
            return None
        if term != current:
            current, node = term, {compactor.id: compactor.iri(term.value, False)}
            found.append(node)
        if prop == _TYPE and isinstance(value, ox.NamedNode):
            _add(node, compactor.type, compactor.iri(value.value, True))
        else:
            key, compacted, _ = compactor.value(prop, value)
            _add(node, key, compacted)
    return found


def frame_country(country: str, triples: Iterable[ox.Quad], compactor: Compactor
                  ) -> dict[str, Any]:
    """The compacted framed document of a country (without "@context") from the triples of its
    document (in N-Triples order, no blank node): the country at the top, under "@reverse" each
    node that points at it by the property it points with (nodes in IRI order), each node's
    properties in IRI order and the values of each in the given order. As pyld frames it, a
    node is embedded where it is named unless it is already embedded in the same subtree (the
    country's own, or one node under "@reverse") or is a node it is embedded in; else it is a
    reference."""
    # each node: its @id and @type compacted, and each value (property, key, compacted value,
    # the IRI it names), by property
    nodes: dict[str, tuple[dict[str, Any], list[tuple[str, str, Any, str | None]]]] = {}
    pointing: set[tuple[str, str]] = set()  # (property, node) of each triple naming the country
    for q in triples:
        term, prop, value = q.subject, q.predicate.value, q.object
        if not isinstance(term, ox.NamedNode) or not isinstance(value, ox.NamedNode | ox.Literal):
            raise TypeError(f"a blank node or a triple term in the document of {country}")
        node = nodes.get(term.value)
        if node is None:
            node = nodes[term.value] = ({compactor.id: compactor.iri(term.value, False)}, [])
        if prop == _TYPE and isinstance(value, ox.NamedNode):
            _add(node[0], compactor.type, compactor.iri(value.value, True))
            continue
        key, compacted, named = compactor.value(prop, value)
        node[1].append((prop, key, compacted, named))
        if named == country:
            pointing.add((prop, term.value))
    for _, values in nodes.values():
        values.sort(key=itemgetter(0))  # stable: each property's values stay in order

    def framed(iri: str, stack: list[str], embedded: set[str]) -> dict[str, Any]:
        embedded.add(iri)
        stack.append(iri)
        head, values = nodes[iri]
        out = dict(head)
        for _, key, value, named in values:
            if named is not None and named in nodes and named not in embedded \
                    and named not in stack:
                value = framed(named, stack, embedded)
            _add(out, key, value)
        stack.pop()
        return out

    reverse: dict[str, Any] = {}
    for prop, subject in sorted(pointing):
        _add(reverse, compactor.reverse_key(prop, subject), framed(subject, [country], set()))
    own = framed(country, [], set())
    top = {compactor.id: own.pop(compactor.id)}
    if reverse:
        top[compactor.reverse] = reverse
    return {**top, **own}


def _add(node: dict[str, Any], key: str, value: Any) -> None:
    """Add value under key as pyld does: alone, or in a list once there are several."""
    if key not in node:
        node[key] = value
    elif isinstance(node[key], list):
        node[key].append(value)
    else:
        node[key] = [node[key], value]


def _expanded(value: ox.Literal) -> dict[str, str]:
    """A literal of value's kind as pyld's from_rdf gives it, with a stand-in lexical form."""
    if value.language:
        return {"@value": _SAMPLE, "@language": value.language}
    if value.datatype.value == _STRING:
        return {"@value": _SAMPLE}
    return {"@value": _SAMPLE, "@type": value.datatype.value}


def json_bytes(value: Any) -> bytes:
    """value as `json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)` writes it,
    and a newline, in a third of the time (json's indented encoder is pure Python)."""
    return (json_text(value) + "\n").encode()


def json_text(value: Any, indent: str = "") -> str:
    """value as `json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)` writes it,
    with indent before each line after the first (a value nested that deep)."""
    out: list[str] = []
    _json(value, out, indent)
    return "".join(out)


def _json(value: Any, out: list[str], indent: str) -> None:
    if isinstance(value, str):
        out.append(encode_basestring(value))
        return
    if not isinstance(value, dict | list) or not value:
        out.append(json.dumps(value))
        return
    inner = indent + " "
    if isinstance(value, dict):
        items = [(f"{encode_basestring(key)}: ", value[key]) for key in sorted(value)]
        separator, close = "{\n" + inner, "\n" + indent + "}"
    else:
        items = [("", item) for item in value]
        separator, close = "[\n" + inner, "\n" + indent + "]"
    for prefix, item in items:
        out += (separator, prefix)
        _json(item, out, inner)
        separator = ",\n" + inner
    out.append(close)
