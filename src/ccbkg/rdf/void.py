"""The dataset's own description (VoID + DCAT-AP)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox

from ccbkg.core.namespaces import (
    BASE,
    DATASET_IRI,
    DCAT,
    DCTERMS,
    GRAPH,
    ONTOLOGY_IRI,
    OWL,
    PROV,
    RDF,
    VOID,
    XSD,
)
from ccbkg.core.termtext import curie
from ccbkg.rdf.inferred import INFERRED_GRAPH
from ccbkg.rdf.serialize import distinct_lines

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
    """One file of the release; a file that holds the description itself (ccbkg.nq,
    ccbkg.trig) cannot state its own size and checksum: those are None (SHA256SUMS has them)."""

    path: str
    media_type: str
    size: int | None
    sha256: str | None


@dataclass(frozen=True)
class Subset:
    """One named graph of the release and the files that hold it."""

    graph: str
    files: list[str]


@dataclass(frozen=True)
class Counts:
    """VoID statistics of a graph, from the N-Triples spellings of its distinct triples; the
    partitions (spelling of the class or property, and its count) in the dataset's only."""

    triples: int
    subjects: int
    properties: int
    objects: int
    entities: int
    classes: int
    class_partitions: tuple[tuple[bytes, int], ...] = ()
    property_partitions: tuple[tuple[bytes, int], ...] = ()


@dataclass(frozen=True)
class Statistics:
    """What the description counts: the union of the graphs (with its years of dated facts),
    and each graph. Counted apart from the description, so that the counting (seconds at
    1000x) can run beside the writing of the files."""

    union: Counts
    years: tuple[str, str] | None
    graphs: dict[str, Counts]


def statistics(graphs: dict[str, Sequence[bytes]]) -> Statistics:
    """The statistics of the named graphs, each given as its N-Triples lines, sorted and
    distinct (as `ccbkg.rdf.serialize.Part` keeps them): read a line at a time."""
    first: str | None = None
    last: str | None = None

    def dated(lines: Iterable[bytes]) -> Iterator[bytes]:  # noting the first and last year
        nonlocal first, last
        for line in lines:
            for m in _YEAR.finditer(line):
                year = m.group(1).decode()
                first = year if first is None else min(first, year)
                last = year if last is None else max(last, year)
            yield line

    union = _counts(dated(distinct_lines(graphs.values())), partitions=True)
    return Statistics(union, (first, last) if first is not None and last is not None else None,
                      {g: _counts(lines, partitions=False) for g, lines in graphs.items()})


SPDX = "http://spdx.org/rdf/terms#"
FOAF_NS = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
DCATAP = "http://data.europa.eu/r5r/"
EU = "http://publications.europa.eu/resource/authority/"
FILE_TYPES = {"ttl": "RDF_TURTLE", "nt": "RDF_N_TRIPLES", "nq": "RDF_N_QUADS",
              "trig": "RDF_TRIG", "rdf": "RDF_XML", "jsonld": "JSON_LD", "json": "JSON",
              "txt": "TXT", "sql": "SQL"}
_KINDS = {  # graph IRI prefix -> (what it is, the standard it conforms to)
    "ontology": ("the OWL ontology", "http://www.w3.org/2002/07/owl#"),
    "shapes": ("the SHACL shapes", "http://www.w3.org/ns/shacl#"),
    "vocab/": ("a SKOS concept scheme", "http://www.w3.org/2004/02/skos/core#"),
    "data/": ("instance data", ONTOLOGY_IRI),
    "inferred": ("what the ontology entails for the instance data and the data does not state: "
                 "types up the class hierarchy, superproperties and inverses, inferred when the "
                 "release is built (RDFS and OWL 2 RL rules; a store needs no reasoner)",
                 "http://www.w3.org/ns/entailment/RDFS"),
    "void": ("this description (VoID and DCAT)", "http://www.w3.org/ns/dcat#"),
}
_PREMISES = (str(GRAPH["ontology"]), str(GRAPH["vocab/"]), str(GRAPH["data/"]))
VOID_GRAPH = str(GRAPH["void"])  # this description, as a named graph of ccbkg.nq and .trig
_YEAR = re.compile(rb'"(\d{4})(?:-\d\d){0,2}"\^\^<http://www\.w3\.org/2001/XMLSchema#'
                   rb'(?:date|gYear|gYearMonth)>')


def void_dcat(
    release: Release, subsets: list[Subset], counted: Statistics,
    distributions: list[Distribution], *, endpoint: str | None = None,
) -> list[ox.Quad]:
    """A DCAT catalogue with one dataset, the union of the subsets (the named graphs), each
    with its own VoID counts (`statistics`), and its distributions (files) with checksums.

    Statistics count the N-Triples spellings of the terms, which pyoxigraph writes one way per
    term (far cheaper than term objects). endpoint, if given, is the public SPARQL endpoint.
    """
    ds = ox.NamedNode(DATASET_IRI)
    out: list[ox.Quad] = []

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        out.append(ox.Quad(s, ox.NamedNode(p), o))

    def iri(value: str) -> ox.NamedNode:
        return ox.NamedNode(value)

    def lit(value: str | int, dt: str | None = None) -> ox.Literal:
        if isinstance(value, int):  # xsd:integer unless told (dcat:byteSize: nonNegative…)
            return ox.Literal(str(value), datatype=ox.NamedNode(dt or str(XSD.integer)))
        if dt:
            return ox.Literal(value, datatype=ox.NamedNode(dt))
        return ox.Literal(value)

    def en(text: str) -> ox.Literal:
        return ox.Literal(text, language="en")

    def released(node: ox.NamedNode) -> None:
        add(node, str(DCTERMS.license), iri(LICENSE))
        add(node, "http://www.w3.org/ns/dcat#version", lit(release.version))  # DCAT 3
        add(node, str(OWL.versionInfo), lit(release.version))
        add(node, str(DCTERMS.issued), lit(release.issued, str(XSD.date)))
        add(node, str(DCTERMS.modified), lit(release.issued, str(XSD.date)))
        add(node, str(DCTERMS.publisher), iri(BASE))

    def download(path: str) -> ox.NamedNode:
        return iri(f"{BASE}release/{release.version}/{quote(path)}")

    catalogue = iri(f"{DATASET_IRI}/catalogue")
    add(catalogue, str(RDF.type), iri(str(DCAT.Catalog)))
    add(catalogue, str(DCTERMS.title), en(f"{release.title}: catalogue"))
    add(catalogue, str(DCTERMS.description), en(
        "The releases of the cyber capacity building knowledge graph."))
    add(catalogue, str(DCAT.dataset), ds)
    add(catalogue, FOAF_NS + "homepage", iri(BASE))
    add(catalogue, str(DCAT.themeTaxonomy), iri(EU + "data-theme"))
    add(catalogue, str(DCTERMS.spatial), iri(EU + "continent/WORLD"))
    released(catalogue)
    add(iri(BASE), str(RDF.type), iri(FOAF_NS + "Agent"))
    add(iri(BASE), FOAF_NS + "name", en("ccbkg project"))

    add(ds, str(RDF.type), iri(str(VOID.Dataset)))
    add(ds, str(RDF.type), iri(str(DCAT.Dataset)))
    add(ds, str(DCTERMS.title), en(f"{release.title}: data"))
    add(ds, str(DCTERMS.description), en(
        "Strategies, CSIRTs, agreements, exercises, forums, programmes and positions of states "
        "in cyber capacity building, each fact cited to the passage it comes from, with the "
        "ontology, concept schemes and shapes that describe them. The counts are of the union "
        "of the named graphs listed as subsets (this description's own graph is not counted)."))
    released(ds)
    add(ds, str(DCAT.landingPage), iri(BASE))
    for word in ("cyber capacity building", "cybersecurity", "CSIRT", "national strategy"):
        add(ds, str(DCAT.keyword), en(word))
    add(ds, str(DCAT.theme), iri(EU + "data-theme/GOVE"))
    add(ds, str(DCAT.theme), iri(EU + "data-theme/TECH"))
    add(ds, str(DCTERMS.spatial), iri(EU + "continent/WORLD"))
    contact = iri(f"{DATASET_IRI}/contact")  # no blank nodes in the release (docs/stores.md)
    add(ds, str(DCAT.contactPoint), contact)
    add(contact, str(RDF.type), iri(VCARD + "Kind"))
    add(contact, VCARD + "fn", en("ccbkg project"))
    add(contact, VCARD + "hasURL", iri(BASE))
    add(ds, str(VOID.uriSpace), lit(URI_SPACE))
    add(ds, str(VOID.vocabulary), iri(ONTOLOGY_IRI))
    add(ds, str(DCTERMS.conformsTo), iri(ONTOLOGY_IRI))
    if endpoint:
        add(ds, str(VOID.sparqlEndpoint), iri(endpoint))
    if counted.years is not None:
        period = iri(f"{DATASET_IRI}/period")
        add(ds, str(DCTERMS.temporal), period)
        add(period, str(RDF.type), iri(str(DCTERMS.PeriodOfTime)))
        add(period, str(DCAT.startDate), lit(counted.years[0], str(XSD.gYear)))
        add(period, str(DCAT.endDate), lit(counted.years[1], str(XSD.gYear)))
    _stated(add, lit, ds, counted.union)
    for path in ("ccbkg.nq", "ccbkg.trig"):
        add(ds, str(VOID.dataDump), download(path))
    for subset in sorted(subsets, key=lambda s: s.graph):
        node = iri(subset.graph)
        name = subset.graph[len(str(GRAPH)):]
        what, standard = next(v for k, v in _KINDS.items() if name.startswith(k))
        add(node, str(RDF.type), iri(str(VOID.Dataset)))
        add(node, str(DCTERMS.title), en(f"{release.title}: {name}"))
        add(node, str(DCTERMS.description), en(f"The named graph <{subset.graph}>: {what}."))
        add(node, str(DCTERMS.conformsTo), iri(standard))
        released(node)
        for path in subset.files:
            add(node, str(VOID.dataDump), download(path))
        if subset.graph == VOID_GRAPH:  # describes the dataset; not part of what it counts
            add(node, FOAF_NS + "primaryTopic", ds)
            continue
        if subset.graph == INFERRED_GRAPH:  # marked as derived from the graphs it follows from
            for source in sorted(s.graph for s in subsets if s.graph.startswith(_PREMISES)):
                add(node, str(PROV.wasDerivedFrom), iri(source))
        add(ds, str(VOID.subset), node)
        add(node, str(DCTERMS.isPartOf), ds)
        _stated(add, lit, node, counted.graphs[subset.graph])
    for dist in distributions:
        # slashes kept: w3id.org (Apache) refuses a path with an encoded slash (%2F)
        node = iri(f"{DATASET_IRI}/distribution/{quote(dist.path)}")
        add(ds, str(DCAT.distribution), node)
        add(node, str(RDF.type), iri(str(DCAT.Distribution)))
        add(node, str(DCTERMS.title), lit(dist.path))
        add(node, str(DCTERMS.description), en(f"The file {dist.path} of release "
                                                f"{release.version}."))
        add(node, str(DCAT.downloadURL), download(dist.path))
        add(node, str(DCAT.accessURL), iri(f"{BASE}release/{release.version}/"))
        add(node, str(DCAT.mediaType), iri(
            f"http://www.iana.org/assignments/media-types/{dist.media_type}"))
        ext = dist.path.rsplit(".", 1)[-1]
        if ext in FILE_TYPES:
            add(node, str(DCTERMS["format"]), iri(f"{EU}file-type/{FILE_TYPES[ext]}"))
        add(node, DCATAP + "availability", iri(EU + "planned-availability/STABLE"))
        add(node, str(DCTERMS.license), iri(LICENSE))
        add(node, "http://www.w3.org/ns/dcat#version", lit(release.version))
        if dist.size is not None:
            add(node, str(DCAT.byteSize), lit(dist.size, str(XSD.nonNegativeInteger)))
        if dist.sha256 is not None:
            checksum = iri(f"{node.value}/sha256")
            add(node, SPDX + "checksum", checksum)
            add(checksum, str(RDF.type), iri(SPDX + "Checksum"))
            add(checksum, SPDX + "algorithm", iri(SPDX + "checksumAlgorithm_sha256"))
            add(checksum, SPDX + "checksumValue", lit(dist.sha256, str(XSD.hexBinary)))
    return out


URI_SPACE = BASE + "id/"  # void:uriSpace: the IRIs of the release's entities
_ENTITY_SPELLING = f"<{URI_SPACE}".encode()


def _counts(lines: Iterable[bytes], *, partitions: bool) -> Counts:
    """VoID statistics of distinct N-Triples lines, read a line at a time; with class and
    property partitions."""
    triples = 0
    subjects: set[bytes] = set()
    objects: set[bytes] = set()
    entities: set[bytes] = set()
    properties: Counter[bytes] = Counter()
    classes: Counter[bytes] = Counter()
    for line in lines:
        subject, predicate, obj = line.split(b" ", 2)  # obj ends with " ."
        triples += 1
        subjects.add(subject)
        objects.add(obj)
        properties[predicate] += 1
        if predicate == _TYPE_SPELLING:
            if subject.startswith(_ENTITY_SPELLING):  # VoID: an entity's IRI is in uriSpace
                entities.add(subject)
            classes[obj] += 1
    return Counts(triples, len(subjects), len(properties), len(objects), len(entities),
                  len(classes), tuple(classes.items()) if partitions else (),
                  tuple(properties.items()) if partitions else ())


def _stated(add: Callable[..., None], lit: Callable[..., ox.Literal], node: ox.NamedNode,
            counts: Counts) -> None:
    """The statistics of a graph, as VoID says them."""
    add(node, str(VOID.triples), lit(counts.triples))
    add(node, str(VOID.distinctSubjects), lit(counts.subjects))
    add(node, str(VOID.properties), lit(counts.properties))
    add(node, str(VOID.distinctObjects), lit(counts.objects))
    add(node, str(VOID.entities), lit(counts.entities))
    add(node, str(VOID.classes), lit(counts.classes))
    for cls, count in sorted(((_object(c), n) for c, n in counts.class_partitions),
                             key=lambda kv: str(kv[0])):
        part = ox.NamedNode(f"{DATASET_IRI}/partition/class/{_slug(cls)}")
        add(node, str(VOID.classPartition), part)
        add(part, str(VOID["class"]), cls)
        add(part, str(VOID.entities), lit(count))
    for prop, count in sorted(((ox.NamedNode(p[1:-1].decode()), n)
                               for p, n in counts.property_partitions),
                              key=lambda kv: str(kv[0])):
        part = ox.NamedNode(f"{DATASET_IRI}/partition/property/{_slug(prop)}")
        add(node, str(VOID.propertyPartition), part)
        add(part, str(VOID.property), prop)
        add(part, str(VOID.triples), lit(count))


def _object(spelling: bytes) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The term an N-Triples object spelling (with its closing " .") stands for."""
    quad = next(iter(ox.parse(b"<x:s> <x:p> " + spelling, format=ox.RdfFormat.N_TRIPLES)))
    term: ox.NamedNode | ox.BlankNode | ox.Literal = quad.object
    return term


def _slug(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    value = str(term.value) if isinstance(term, ox.NamedNode) else str(term)
    short = curie(value)
    if short == value:
        return quote(value.partition("://")[2] or value)  # no %2F, as for distributions
    prefix, local = short.split(":", 1)
    return f"{prefix}-{quote(local)}"
