"""JSON-LD for web developers: one context with its own IRI, and compacted documents that
refer to it. pyld does the JSON-LD work, with a loader that never fetches anything."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, BinaryIO

import pyoxigraph as ox
from pyld import jsonld

from ccbkg.core.namespaces import BASE, CCB, OWL, PREFIXES, RDF, RDFS, XSD
from ccbkg.core.termtext import curie
from ccbkg.rdf.jsonld_nodes import Compactor, frame_country, json_bytes, json_text, node_objects
from ccbkg.rdf.serialize import Part, parsed_lines, write

CONTEXT_IRI = BASE + "context.jsonld"
_TYPE = str(RDF.type)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_SUBJECTS = 2_000  # subjects compacted at a time


def context(ontology: Iterable[ox.Quad], release: Iterable[ox.Quad]) -> dict[str, Any]:
    """The context: the prefixes, and a short key (no ':') for every ccb: term and every
    property and class the release uses; properties whose objects are all IRIs are typed "@id",
    ccb datatype properties their XSD datatype (a term whose type a value does not match would
    leave that value under a prefixed key)."""
    declared: dict[str, set[str]] = {}
    ranges: dict[str, str] = {}
    for q in ontology:
        s = q.subject.value if isinstance(q.subject, ox.NamedNode) else ""
        if s.startswith(str(CCB)) and q.predicate.value == _TYPE \
                and isinstance(q.object, ox.NamedNode):
            declared.setdefault(s, set()).add(q.object.value)
        elif s.startswith(str(CCB)) and q.predicate.value == str(RDFS.range) \
                and isinstance(q.object, ox.NamedNode):
            ranges[s] = q.object.value
    other_objects: set[str] = set()
    predicates: set[str] = set()
    classes: set[str] = set()
    for q in release:
        if q.predicate.value == _TYPE:
            if isinstance(q.object, ox.NamedNode):
                classes.add(q.object.value)
            continue
        predicates.add(q.predicate.value)
        if not isinstance(q.object, ox.NamedNode):
            other_objects.add(q.predicate.value)
    used = set(declared) | predicates | classes
    ctx: dict[str, Any] = dict(PREFIXES)
    for iri in sorted(used, key=lambda i: (not i.startswith(str(CCB)), i)):
        key = _key(iri, ctx)
        if key is None:
            continue
        curie = _curie(iri)
        kinds = declared.get(iri, set())
        if iri not in other_objects and (str(OWL.ObjectProperty) in kinds or (
                not iri.startswith(str(CCB)) and iri in predicates)):
            ctx[key] = {"@id": curie, "@type": "@id"}
        elif str(OWL.DatatypeProperty) in kinds and ranges.get(iri, "").startswith(str(XSD)) \
                and ranges[iri] != str(XSD.string):
            ctx[key] = {"@id": curie, "@type": ranges[iri]}
        else:
            ctx[key] = curie
    return {"@context": ctx}


def context_bytes(doc: dict[str, Any]) -> bytes:
    """The context file's bytes (stable)."""
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def offline_loader(doc: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """A pyld document loader that serves doc as the context's IRI and refuses anything else."""
    def load(url: str, options: object = None) -> dict[str, Any]:
        if url != CONTEXT_IRI:
            raise jsonld.JsonLdError(f"ccbkg loads no remote document ({url})",
                                     "jsonld.LoadDocumentError", code="loading document failed")
        return {"contextUrl": None, "documentUrl": url, "document": doc}
    return load


_COMPACTED_LIMIT = 500_000  # IRIs remembered across documents before starting afresh
_compacted_iris: dict[tuple[str, str, bool, object, bool], Any] = {}
_definitions: dict[str, str] = {}  # one string per context's definitions, compared by identity


class _Processor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor, remembering each IRI it compacted, across documents: pyld compares an
    IRI with every term of the context each time it meets it (most of the time of a
    description's JSON-LD, and of the country documents). An IRI's compact form depends only
    on the active context, which is told apart by its term definitions."""

    def __init__(self) -> None:
        super().__init__()
        self._contexts: dict[int, tuple[object, str]] = {}  # id -> (context, its definitions)

    def _compact_iri(self, active_ctx: Any, iri: str, value: Any = None, vocab: bool = False,
                     base: Any = None, reverse: bool = False) -> Any:
        if value is not None:
            return super()._compact_iri(active_ctx, iri, value, vocab, base, reverse)
        known = self._contexts.get(id(active_ctx))
        if known is None or known[0] is not active_ctx:  # a new context, or one at a reused id
            definitions = json.dumps([active_ctx.get("mappings"), active_ctx.get("@base"),
                                      active_ctx.get("@vocab")], sort_keys=True, default=repr)
            known = self._contexts[id(active_ctx)] = (
                active_ctx, _definitions.setdefault(definitions, definitions))
        key = (known[1], iri, vocab, base if base is None else repr(base), reverse)
        if key not in _compacted_iris:
            if len(_compacted_iris) >= _COMPACTED_LIMIT:
                _compacted_iris.clear()
                _definitions.clear()
            _compacted_iris[key] = super()._compact_iri(active_ctx, iri, value, vocab, base,
                                                        reverse)
        return _compacted_iris[key]


def _compact(ntriples: bytes, doc: dict[str, Any]) -> dict[str, Any]:
    """N-Triples compacted with the context named by its IRI (served by doc, offline); what
    from_rdf gives is expanded already, so pyld is told not to expand it again."""
    expanded = jsonld.from_rdf(_dataset(ntriples), {})
    return _Processor().compact(expanded, CONTEXT_IRI,  # type: ignore[no-any-return]
                                {"documentLoader": offline_loader(doc), "skipExpansion": True})


def compacted(ntriples: bytes, doc: dict[str, Any]) -> bytes:
    """N-Triples as a compacted JSON-LD document whose @context is the context's IRI."""
    return (json.dumps(_compact(ntriples, doc), indent=1, sort_keys=True, ensure_ascii=False)
            + "\n").encode()


def compacted_documents(ntriples: bytes, doc: dict[str, Any],
                        document: Callable[[str], str]) -> dict[str, bytes]:
    """N-Triples of many documents compacted in one go, so the context is processed once:
    each node goes to the document document(its IRI) names, and each document is written as
    `compacted` writes it alone (one node at the top, several in "@graph")."""
    lines = sorted(set(ntriples.splitlines()) - {b""})
    nodes = _nodes_of(lines, sorted(_subjects(lines), key=_by_iri), _compactor(doc))
    if nodes is None:
        compact = _compact(ntriples, doc)
        nodes = compact.get("@graph", [{k: v for k, v in compact.items() if k != "@context"}])
    prefixes = {k: v for k, v in doc["@context"].items() if isinstance(v, str)}
    grouped: dict[str, list[dict[str, Any]]] = {}
    for node in nodes:
        prefix, colon, rest = node["@id"].partition(":")
        iri = prefixes[prefix] + rest if colon and prefix in prefixes else node["@id"]
        grouped.setdefault(document(iri), []).append(node)
    out = {}
    for name, found in grouped.items():
        body = {"@context": CONTEXT_IRI, **found[0]} if len(found) == 1 else \
            {"@context": CONTEXT_IRI, "@graph": found}
        out[name] = (json.dumps(body, indent=1, sort_keys=True, ensure_ascii=False) +
                     "\n").encode()
    return out


def compacted_part(part: Part, doc: dict[str, Any], out: BinaryIO) -> None:
    """Write a part to out as `compacted` writes it, in bounded memory.

    Without blank nodes (lists and other nodes that pyld folds into the node naming them), each
    subject compacts to one node object of the document's "@graph" on its own, so a part of
    many subjects is compacted a batch of subjects at a time: the same bytes, without pyld
    holding the whole graph at once.
    """
    subjects = _subjects(part.lines)
    if len(subjects) < 2 or b"_:" in part.lines.text:
        out.write(compacted(write([part], "nt"), doc))
        return
    subjects.sort(key=_by_iri)
    head = json.dumps({"@context": CONTEXT_IRI}, indent=1)[:-2]
    out.write((head + ',\n "@graph": [').encode())
    separator = "\n  "
    compactor = _compactor(doc)
    for start in range(0, len(subjects), _SUBJECTS):
        nodes = _nodes_of(part.lines, subjects[start:start + _SUBJECTS], compactor)
        if nodes is None:
            batch = b"".join(line + b"\n" for _, first, end in subjects[start:start + _SUBJECTS]
                             for line in part.lines[first:end])
            found = _compact(batch, doc)
            found.pop("@context")
            nodes = found.get("@graph", [found])  # a single node is not wrapped in "@graph"
        for node in nodes:
            out.write((separator + json_text(node, "  ")).encode())
            separator = ",\n  "
    out.write(b"\n ]\n}\n")


def _nodes_of(lines: Sequence[bytes], subjects: list[tuple[bytes, int, int]],
              compactor: Compactor | None) -> list[dict[str, Any]] | None:
    """The flat node objects of these subjects of sorted N-Triples lines (`_subjects`, in
    pyld's order: `_by_iri`), built by the compactor; None when there is none for the context
    or a term is beyond it (a blank node, an rdf:JSON literal): pyld compacts those."""
    if compactor is None:
        return None
    return node_objects(parsed_lines(line for _, first, end in subjects
                                     for line in lines[first:end]), compactor)


def _by_iri(subject: tuple[bytes, int, int]) -> bytes:
    """The order pyld lists nodes in: by IRI (a subject's bytes without its angle brackets;
    the lines sort "<a/b>" before "<a>")."""
    return subject[0][1:-1]


def _subjects(lines: Iterable[bytes]) -> list[tuple[bytes, int, int]]:
    """Each subject of sorted N-Triples lines (its IRI's bytes) with the range of its lines;
    lines with a common subject are adjacent, as "<iri> " starts each."""
    found: list[tuple[bytes, int, int]] = []
    for i, line in enumerate(lines):
        subject = line[:line.index(b" ")]
        if found and found[-1][0] == subject:
            found[-1] = (subject, found[-1][1], i + 1)
        else:
            found.append((subject, i, i + 1))
    return found


def country_documents(data: Part, doc: dict[str, Any]) -> Iterator[tuple[str, bytes, bytes]]:
    """For each ccb:Country of the data, in IRI order, one at a time: the last segment of its
    IRI, a framed JSON-LD document (the country, with every node that points at it nested
    under "@reverse" by the property it points with: its strategies, CSIRTs, agreements...;
    each of these with the nodes it names embedded) and the N-Triples of the same triples.

    The triples are the country's, those of each node that points at it, and those of each node
    one of these names (its passages, the other parties of an agreement). They are looked up in
    the data's sorted N-Triples lines (each subject's lines are adjacent), not in a store, and
    written as they are (the data has no blank nodes; the framing refuses them).
    """
    compactor = _compactor(doc)
    if compactor is None:
        raise ValueError("the context has terms the country documents' framing does not follow")
    spans = {s: (first, end) for s, first, end in _subjects(data.lines)}
    typed = f" <{RDF.type}> <{CCB}Country> .".encode()
    countries = {line[:-len(typed)] for line in data.lines
                 if line.endswith(typed) and b" " not in line[:-len(typed)]}
    pointing_at: dict[bytes, set[bytes]] = {c: set() for c in countries}
    for line in data.lines:
        o = _object(line)
        if o in pointing_at:
            pointing_at[o].add(line[:line.index(b" ")])
    for key in sorted(countries, key=lambda c: c[1:-1]):  # IRI order
        country = key[1:-1].decode()
        nodes = {key} | pointing_at[key]
        named = {o for r in nodes for line in _lines_of(data, spans, r)
                 if not (o := _object(line)).startswith(b'"')}  # not a literal
        ntriples = b"".join(line + b"\n" for line in sorted(
            line for s in nodes | named for line in _lines_of(data, spans, s)))
        triples = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
        framed = _once({"@context": CONTEXT_IRI, **frame_country(country, triples, compactor)},
                       set())
        _drop_back_links(framed)
        yield country.rstrip("/").rsplit("/", 1)[-1], json_bytes(framed), ntriples


def _compactor(doc: dict[str, Any]) -> Compactor | None:
    """The node compactor of the context (served by doc, offline; processed as pyld processes
    it), or None for a context it does not follow (then pyld compacts everything)."""
    processor = _Processor()
    options = {"documentLoader": offline_loader(doc), "base": "", "processingMode": "json-ld-1.1"}
    try:
        return Compactor(processor, processor.process_context(
            processor._get_initial_context(options), CONTEXT_IRI, options))
    except ValueError:
        return None


def _lines_of(data: Part, spans: dict[bytes, tuple[int, int]], subject: bytes) -> list[bytes]:
    first, end = spans.get(subject, (0, 0))
    return data.lines[first:end]


def _object(line: bytes) -> bytes:
    """The object of an N-Triples line as written ("<iri>", "_:label" or a literal): after the
    subject and the predicate (neither has a space in it), before the closing " ."."""
    return line[line.index(b"> ", line.index(b" ") + 1) + 2:-2]


def _once(value: Any, seen: set[str]) -> Any:
    """value with each node described once: a node met again (pyld embeds a node wherever it
    is named) is left as its reference {"@id": ...}."""
    if isinstance(value, list):
        return [_once(v, seen) for v in value]
    if not isinstance(value, dict) or "@value" in value:
        return value
    node = value.get("@id")
    if isinstance(node, str) and len(value) > 1:
        if node in seen:
            return {"@id": node}
        seen.add(node)
    return {k: v if k in ("@context", "@id", "@type") else _once(v, seen)
            for k, v in value.items()}


def _drop_back_links(framed: dict[str, Any]) -> None:
    """Remove from each node nested under the top node's "@reverse" its links back to the top
    node that the nesting already states (a reader would get those triples twice)."""
    top = framed["@id"]
    nested = {k: v if isinstance(v, list) else [v] for k, v in framed.get("@reverse", {}).items()}
    listed: dict[str, set[str]] = {}
    for key, nodes in nested.items():
        for node in nodes:
            listed.setdefault(node["@id"], set()).add(key)
    for node in _nodes(nested):
        for key in listed.get(node["@id"], set()) & node.keys():
            values = node[key] if isinstance(node[key], list) else [node[key]]
            kept = [v for v in values if v not in (top, {"@id": top})]
            if not kept:
                del node[key]
            else:
                node[key] = kept if len(kept) > 1 else kept[0]


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every node object (a dict with an @id) in a JSON-LD value, at any depth."""
    if isinstance(value, list):
        for item in value:
            yield from _nodes(item)
    elif isinstance(value, dict):
        if isinstance(value.get("@id"), str):
            yield value
        for item in value.values():
            yield from _nodes(item)
def _dataset(ntriples: bytes) -> dict[str, list[dict[str, dict[str, str]]]]:
    """N-Triples as pyld's RDF dataset, each triple once, parsed by pyoxigraph: pyld's own
    N-Quads parser compares each triple with every one before it (hours at 1000x)."""
    triples: dict[tuple[object, ...], dict[str, dict[str, str]]] = {}
    for q in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES):
        key = (q.subject, q.predicate, q.object)
        if key not in triples:
            triples[key] = {"subject": _rdf_term(q.subject), "predicate": _rdf_term(q.predicate),
                            "object": _rdf_term(q.object)}
    return {"@default": list(triples.values())}


def _rdf_term(term: object) -> dict[str, str]:
    """A term as pyld's N-Quads parser gives it."""
    if isinstance(term, ox.NamedNode):
        return {"type": "IRI", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "blank node", "value": "_:" + term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value, "datatype": term.datatype.value}
        if term.language:
            out["language"] = term.language
        return out
    raise TypeError(f"not an RDF 1.1 term: {term}")


def _curie(iri: str) -> str:
    """The prefixed name of iri when its local part is a JSON-LD term name, else iri."""
    short = curie(iri)
    return short if short != iri and _NAME.match(short.split(":", 1)[1]) else iri


def _key(iri: str, taken: dict[str, Any]) -> str | None:
    """The short key for iri: its local name, else prefix_local when that is taken."""
    curie = _curie(iri)
    if ":" not in curie or curie.startswith(("http:", "https:")):
        return None
    prefix, local = curie.split(":", 1)
    for key in (local, f"{prefix}_{local}"):
        if key not in taken and not key.startswith("@"):
            return key
    return None
