"""Reasoning with HermiT (through owlready2): consistency and unsatisfiable classes.

HermiT refuses a whole graph that holds a literal of a datatype outside the OWL 2 datatype
map (`xsd:gYear`, `xsd:gYearMonth`, `xsd:date`, ...). Those literal assertions are left out
of what the reasoner sees, and the report says how many; the SHACL shapes check them instead.
`owl:imports` are dropped too: nothing is ever fetched.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox

from ccbkg.errors import CcbkgError
from ccbkg.findings import Finding, Severity, StageResult
from ccbkg.load import Sources
from ccbkg.project import Role

STAGE = "reason"
REASONED = (Role.ONTOLOGY, Role.VOCAB, Role.DATA)
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
OWL_NS = "http://www.w3.org/2002/07/owl#"
# The OWL 2 datatype map (OWL 2 Structural Specification, section 4).
OWL2_DATATYPES = frozenset(
    [XSD + n for n in (
        "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger "
        "long int short byte unsignedLong unsignedInt unsignedShort unsignedByte double float "
        "string normalizedString token language Name NCName NMTOKEN boolean hexBinary "
        "base64Binary anyURI dateTime dateTimeStamp"
    ).split()]
    + [RDF_NS + "PlainLiteral", RDF_NS + "XMLLiteral", RDF_NS + "langString",
       "http://www.w3.org/2000/01/rdf-schema#Literal", OWL_NS + "real", OWL_NS + "rational"]
)
IMPORTS = ox.NamedNode(OWL_NS + "imports")

_DISJOINT_TYPES = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?x ?a ?b WHERE {
  { ?a owl:disjointWith ?b } UNION { ?a owl:disjointWith ?b2 . BIND(?b2 AS ?b) }
  UNION { ?all a owl:AllDisjointClasses ; owl:members ?l .
          ?l rdf:rest*/rdf:first ?a . ?l rdf:rest*/rdf:first ?b . FILTER(?a != ?b) }
  ?x a/rdfs:subClassOf* ?a .
  ?x a/rdfs:subClassOf* ?b .
} ORDER BY ?x ?a ?b
"""


def java_available() -> bool:
    """True when a java executable is on PATH (HermiT runs on the JVM)."""
    return shutil.which("java") is not None


def reason(sources: Sources) -> StageResult:
    """Check that ontology + vocabularies + data are consistent and every class satisfiable."""
    result = StageResult(STAGE)
    if not java_available():
        raise CcbkgError(
            "the reasoner needs Java (HermiT runs on the JVM) and no `java` is on PATH; "
            "install a JRE 11+ (Debian: apt-get install default-jre-headless), "
            "or skip reasoning with --only syntax,lint,shapes,provenance"
        )
    kept, dropped = _reasonable_triples(sources)
    result.notes.append(
        f"HermiT saw {len(kept)} triples; left out {dropped} literal assertions whose datatype "
        "is outside the OWL 2 datatype map (checked by SHACL instead) and any owl:imports"
    )
    import owlready2

    with tempfile.TemporaryDirectory(prefix="ccbkg-reason-") as tmp:
        path = Path(tmp) / "graph.nt"
        path.write_bytes(ox.serialize(kept, format=ox.RdfFormat.N_TRIPLES) or b"")
        world = owlready2.World()
        try:
            world.get_ontology(path.as_uri()).load(format="ntriples", only_local=True)
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            result.findings.extend(_explain_inconsistency(kept, sources))
            return result
        except (owlready2.OwlReadyJavaError, OSError) as exc:
            raise CcbkgError(f"the reasoner (HermiT) failed to run: {_first_line(exc)}") from exc
        for cls in sorted(world.inconsistent_classes(), key=lambda c: c.iri):
            if cls.iri == OWL_NS + "Nothing":
                continue
            file, line = sources.where(cls.iri, Role.ONTOLOGY, Role.VOCAB)
            result.findings.append(Finding(
                STAGE, Severity.ERROR, f"class {cls.iri} is unsatisfiable: no individual can "
                "be a member of it; check its superclasses and disjointness axioms",
                file=file, line=line, node=cls.iri,
            ))
    return result


def _reasonable_triples(sources: Sources) -> tuple[list[ox.Triple], int]:
    kept: list[ox.Triple] = []
    dropped = 0
    for f in sources.of(*REASONED):
        for q in f.quads:
            o = q.object
            if isinstance(o, ox.Literal) and not o.language and \
                    o.datatype.value not in OWL2_DATATYPES:
                dropped += 1
                continue
            if q.predicate == IMPORTS:
                continue
            kept.append(ox.Triple(q.subject, q.predicate, o))
    return kept, dropped


def _explain_inconsistency(triples: list[ox.Triple], sources: Sources) -> list[Finding]:
    """Name the individuals typed with two disjoint classes; HermiT itself says only 'no'."""
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    query = "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n" + _DISJOINT_TYPES
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    findings: list[Finding] = []
    seen: set[str] = set()
    for row in solutions:
        x, a, b = (str(row[v].value) for v in ("x", "a", "b"))
        key = x + "|" + "|".join(sorted((a, b)))
        if key in seen:
            continue
        seen.add(key)
        file, line = sources.where(x, Role.DATA)
        findings.append(Finding(
            STAGE, Severity.ERROR, file=file, line=line, message=
            f"the graph is inconsistent: {x} is an instance of both {a} and {b}, "
            "which are disjoint; give it the one type it really has", node=x, value=f"{a} / {b}",
        ))
    if not findings:
        findings.append(Finding(STAGE, Severity.ERROR, (
            "the graph is inconsistent (HermiT found a contradiction it does not localise); "
            "look for individuals that break a restriction or a disjointness axiom"
        )))
    return findings


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__
