"""The dataset's own description (VoID + DCAT) and the JSON-LD context made from the ontology."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox

from ccbkg.core.namespaces import (
    BASE,
    CCB,
    DATASET_IRI,
    DCAT,
    DCTERMS,
    ONTOLOGY_IRI,
    OWL,
    PREFIXES,
    RDF,
    RDFS,
    VOID,
    XSD,
)

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
TYPE = ox.NamedNode(str(RDF.type))
_TYPE_SPELLING = f"<{RDF.type}>".encode()


@dataclass(frozen=True)
class Release:
    """What the ontology header says about this release (never the clock)."""

    version: str
    issued: str
    title: str

    @classmethod
    def from_ontology(cls, quads: list[ox.Quad]) -> Release:
        """Read version, date and title off the ontology header."""
        onto = ox.NamedNode(ONTOLOGY_IRI)

        def value(p: str, default: str) -> str:
            for q in quads:
                if q.subject == onto and q.predicate.value == p and \
                        isinstance(q.object, ox.Literal):
                    return q.object.value
            return default

        return cls(
            version=value(str(OWL.versionInfo), "0.0.0"),
            issued=value(str(DCTERMS.modified), value(str(DCTERMS.issued), "1970-01-01")),
            title=value(str(DCTERMS.title), "ccbkg"),
        )


@dataclass(frozen=True)
class Distribution:
    """One file of the release."""

    path: str
    media_type: str
    size: int
    sha256: str


def void_dcat(
    release: Release, data: list[bytes], graphs: dict[str, int],
    distributions: list[Distribution],
) -> list[ox.Quad]:
    """VoID statistics (counts, class and property partitions, subsets) and a DCAT catalogue.

    data is the distinct data triples as N-Triples lines; the statistics count their terms'
    spellings, which pyoxigraph writes one way per term (far cheaper than term objects).
    """
    ds = ox.NamedNode(DATASET_IRI)
    out: list[ox.Quad] = []

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        out.append(ox.Quad(s, ox.NamedNode(p), o))

    def lit(value: str | int, dt: str | None = None) -> ox.Literal:
        if isinstance(value, int):
            return ox.Literal(str(value), datatype=ox.NamedNode(str(XSD.integer)))
        if dt:
            return ox.Literal(value, datatype=ox.NamedNode(dt))
        return ox.Literal(value)

    rows = [line.split(b" ", 2) for line in data]  # subject, predicate, "object ."
    add(ds, str(RDF.type), ox.NamedNode(str(VOID.Dataset)))
    add(ds, str(RDF.type), ox.NamedNode(str(DCAT.Dataset)))
    add(ds, str(DCTERMS.title), ox.Literal(f"{release.title}: data", language="en"))
    add(ds, str(DCTERMS.description), ox.Literal(
        "Strategies, CSIRTs, agreements, exercises, forums, programmes and positions of states "
        "in cyber capacity building, each fact cited to the passage it comes from.",
        language="en"))
    add(ds, str(DCTERMS.license), ox.NamedNode(LICENSE))
    add(ds, str(DCTERMS.issued), lit(release.issued, str(XSD.date)))
    add(ds, str(DCTERMS.modified), lit(release.issued, str(XSD.date)))
    add(ds, "http://www.w3.org/ns/dcat#version", lit(release.version))  # DCAT 3
    add(ds, str(OWL.versionInfo), lit(release.version))
    add(ds, str(DCTERMS.publisher), ox.NamedNode(BASE))
    add(ds, str(VOID.uriSpace), lit(BASE + "id/"))
    add(ds, str(VOID.vocabulary), ox.NamedNode(ONTOLOGY_IRI))
    add(ds, str(DCTERMS.conformsTo), ox.NamedNode(ONTOLOGY_IRI))
    properties = Counter(r[1] for r in rows)
    typed = [(r[0], r[2]) for r in rows if r[1] == _TYPE_SPELLING]
    classes = Counter(c for _, c in typed)
    add(ds, str(VOID.triples), lit(len(rows)))
    add(ds, str(VOID.distinctSubjects), lit(len({r[0] for r in rows})))
    add(ds, str(VOID.properties), lit(len(properties)))
    add(ds, str(VOID.distinctObjects), lit(len({r[2] for r in rows})))
    add(ds, str(VOID.entities), lit(len({s for s, _ in typed})))
    add(ds, str(VOID.classes), lit(len(classes)))
    for cls, count in sorted(((_object(c), n) for c, n in classes.items()),
                             key=lambda kv: str(kv[0])):
        part = ox.NamedNode(f"{DATASET_IRI}/partition/class/{_slug(cls)}")
        add(ds, str(VOID.classPartition), part)
        add(part, str(VOID["class"]), cls)  # type: ignore[arg-type]
        add(part, str(VOID.entities), lit(count))
    for prop, count in sorted(((ox.NamedNode(p[1:-1].decode()), n)
                               for p, n in properties.items()), key=lambda kv: str(kv[0])):
        part = ox.NamedNode(f"{DATASET_IRI}/partition/property/{_slug(prop)}")
        add(ds, str(VOID.propertyPartition), part)
        add(part, str(VOID.property), prop)
        add(part, str(VOID.triples), lit(count))
    for graph, count in sorted(graphs.items()):
        add(ds, str(VOID.subset), ox.NamedNode(graph))
        add(ox.NamedNode(graph), str(RDF.type), ox.NamedNode(str(VOID.Dataset)))
        add(ox.NamedNode(graph), str(VOID.triples), lit(count))
    for dist in distributions:
        node = ox.NamedNode(f"{DATASET_IRI}/distribution/{quote(dist.path, safe='')}")
        add(ds, str(DCAT.distribution), node)
        add(node, str(RDF.type), ox.NamedNode(str(DCAT.Distribution)))
        add(node, str(DCTERMS.title), lit(dist.path))
        add(node, str(DCAT.downloadURL), ox.NamedNode(
            f"{BASE}release/{release.version}/{quote(dist.path)}"))
        add(node, str(DCAT.mediaType), ox.NamedNode(
            f"https://www.iana.org/assignments/media-types/{dist.media_type}"))
        add(node, str(DCAT.byteSize), lit(dist.size))
        add(node, str(DCTERMS.license), ox.NamedNode(LICENSE))
        add(node, "http://spdx.org/rdf/terms#checksumValue", lit(dist.sha256))
        if dist.media_type in ("text/turtle", "application/n-triples"):
            add(ds, str(VOID.dataDump), node)
    return out


def jsonld_context(ontology: list[ox.Quad]) -> bytes:
    """A JSON-LD context: the prefixes and a short name for every ccb: term."""
    types: dict[str, set[str]] = {}
    ranges: dict[str, str] = {}
    for q in ontology:
        s = q.subject.value if isinstance(q.subject, ox.NamedNode) else ""
        if not s.startswith(str(CCB)):
            continue
        if q.predicate == TYPE and isinstance(q.object, ox.NamedNode):
            types.setdefault(s, set()).add(q.object.value)
        elif q.predicate.value == str(RDFS.range) and isinstance(q.object, ox.NamedNode):
            ranges[s] = q.object.value
    context: dict[str, object] = dict(PREFIXES)
    for term, kinds in sorted(types.items()):
        name = term[len(str(CCB)):]
        curie = f"ccb:{name}"
        if str(OWL.ObjectProperty) in kinds:
            context[name] = {"@id": curie, "@type": "@id"}
        elif str(OWL.DatatypeProperty) in kinds and ranges.get(term, "").startswith(str(XSD)) \
                and ranges[term] != str(XSD.string):
            context[name] = {"@id": curie, "@type": ranges[term]}
        else:
            context[name] = curie
    return (json.dumps({"@context": context}, indent=2, sort_keys=True, ensure_ascii=False)
            + "\n").encode("utf-8")


def _object(spelling: bytes) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The term an N-Triples object spelling (with its closing " .") stands for."""
    quad = next(iter(ox.parse(b"<x:s> <x:p> " + spelling, format=ox.RdfFormat.N_TRIPLES)))
    term: ox.NamedNode | ox.BlankNode | ox.Literal = quad.object
    return term


def _slug(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    value = str(term.value) if isinstance(term, ox.NamedNode) else str(term)
    for prefix, ns in sorted(PREFIXES.items()):
        if value.startswith(ns) and value != ns:
            return f"{prefix}-{quote(value[len(ns):], safe='')}"
    return quote(value, safe="")
