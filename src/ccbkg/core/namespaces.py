"""IRIs of the project and of the vocabularies it reuses."""

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, VOID, XSD

BASE = "https://w3id.org/ccbkg/"
CCB = Namespace(BASE + "ontology#")
ONTOLOGY_IRI = BASE + "ontology"
ID = Namespace(BASE + "id/")
SCHEME = Namespace(BASE + "scheme/")
GRAPH = Namespace(BASE + "graph/")
DATASET_IRI = BASE + "dataset"
OA = Namespace("http://www.w3.org/ns/oa#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")

PREFIXES: dict[str, str] = {
    "ccb": str(CCB),
    "id": str(ID),
    "scheme": str(SCHEME),
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
    "BASE", "BIBO", "CCB", "DATASET_IRI", "DCAT", "DCTERMS", "FOAF", "GRAPH", "ID", "OA",
    "ONTOLOGY_IRI", "ORG", "OWL", "PREFIXES", "PROV", "RDF", "RDFS", "SCHEMA", "SCHEME", "SH",
    "SKOS", "TIME", "VANN", "VOID", "XSD",
]
