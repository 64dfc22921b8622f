"""IRIs of the project and of the vocabularies it reuses."""

from functools import lru_cache

from rdflib import Namespace as _RdflibNamespace
from rdflib import URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, VOID, XSD


class Namespace(_RdflibNamespace):
    """rdflib's Namespace, each term made once (rdflib makes and checks a new URIRef at every
    `CCB.Passage`, which the site asks for a million times at 1000x)."""

    def term(self, name: str) -> URIRef:
        """The IRI of name in this namespace."""
        return _term(str(self), name) if isinstance(name, str) else super().term(name)


@lru_cache(maxsize=4096)  # the vocabularies' terms; IRIs of data made this way pass through
def _term(namespace: str, name: str) -> URIRef:
    return URIRef(namespace + name)


BASE = "https://w3id.org/ccbkg/"
XSD_NS = str(XSD)  # as text, for code that writes datatype IRIs as strings (pyoxigraph)
CCB = Namespace(BASE + "ontology#")
ONTOLOGY_IRI = BASE + "ontology"
ID = Namespace(BASE + "id/")
SCHEME = Namespace(BASE + "scheme/")
CCBSH = Namespace(BASE + "shapes#")  # the data shapes (shapes/ccb.shapes.ttl)
GRAPH = Namespace(BASE + "graph/")
DATASET_IRI = BASE + "dataset"
OA = Namespace("http://www.w3.org/ns/oa#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")

# The prefixes of the data's nodes, each a folder of ID (docs/model.md): the curated files
# declare them, and a prefix bound to one of these is no slip (checks.causes).
ID_PREFIXES: dict[str, str] = {p: f"{ID}{folder}/" for p, folder in (
    ("src", "source"), ("passage", "passage"), ("country", "country"),
    ("organisation", "organisation"), ("csirt", "csirt"), ("forum", "forum"),
    ("event", "event"), ("exercise", "exercise"), ("region", "region"),
    ("strategy", "strategy"), ("regulation", "regulation"), ("govpaper", "government-paper"),
    ("objective", "objective"), ("agreement", "agreement"), ("membership", "membership"),
    ("participation", "participation"), ("collaboration", "collaboration"),
    ("forumuse", "forum-use"), ("funding", "funding"), ("programme", "programme"),
    ("initiative", "initiative"), ("traininginit", "training-initiative"),
    ("cbminit", "cbm-initiative"), ("changeevent", "change-event"),
    ("development", "development"), ("statement", "statement"), ("position", "position"),
    ("principle", "principle"))}

PREFIXES: dict[str, str] = {
    "ccb": str(CCB),
    "id": str(ID),
    "scheme": str(SCHEME),
    "ccbsh": str(CCBSH),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "org": str(ORG),
    "oa": str(OA),
    "time": str(TIME),
    "schema": str(SCHEMA),
    "sh": str(SH),
    "vann": str(VANN),
    "bibo": str(BIBO),
    "foaf": str(FOAF),
    "void": str(VOID),
    "dcat": str(DCAT),
}

__all__ = [
    "BASE", "BIBO", "CCB", "CCBSH", "DATASET_IRI", "DCAT", "DCTERMS", "FOAF", "GRAPH", "ID", "OA",
    "ONTOLOGY_IRI", "ORG", "OWL", "PREFIXES", "PROV", "RDF", "RDFS", "SCHEMA", "SCHEME", "SH",
    "SKOS", "TIME", "VANN", "VOID", "XSD", "XSD_NS",
]
