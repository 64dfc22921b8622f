"""Typos in borrowed vocabularies: `sh:` terms SHACL does not define, `xsd:` types XSD lacks.

pyshacl silently ignores a shape property it does not know (`sh:minCout 1` checks nothing) and
RDF parsers accept any `xsd:` IRI (`sh:datatype xsd:sting` then fails every value, or none).
Every IRI in any position of any authored file is checked; a finding names the file, the first
line the term is written on, and the nearest real term.
"""

from __future__ import annotations

import difflib
import importlib.resources
import re
from functools import cache

import pyoxigraph as ox

from ccbkg.core.findings import Finding, Severity
from ccbkg.core.namespaces import XSD_NS
from ccbkg.core.textlines import split_lines
from ccbkg.project.literals import XSD_KNOWN
from ccbkg.project.load import LoadedFile, LoadedProject

SH = "http://www.w3.org/ns/shacl#"
_NAMESPACES = {SH: "sh", XSD_NS: "xsd"}


@cache
def shacl_terms() -> frozenset[str]:
    """The terms the SHACL vocabulary defines, from the copy of shacl.ttl pyshacl ships."""
    text = (importlib.resources.files("pyshacl") / "assets" / "shacl.ttl").read_bytes()
    return frozenset(
        q.subject.value for q in ox.parse(text, format=ox.RdfFormat.TURTLE)
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(SH)
        and q.subject.value != SH
    )


def unknown_terms(loaded: LoadedProject, stage: str) -> list[Finding]:
    """A finding for each unknown sh: or xsd: term, once per file."""
    findings = []
    for file in loaded.files:
        for iri in sorted(_unknown(file)):
            namespace = SH if iri.startswith(SH) else XSD_NS
            local = iri[len(namespace):]
            prefix = _NAMESPACES[namespace]
            known = shacl_terms() if namespace == SH else XSD_KNOWN
            close = difflib.get_close_matches(local, [k[len(namespace):] for k in known], n=1)
            hint = f"; did you mean {prefix}:{close[0]}?" if close else ""
            what = "SHACL defines no term" if namespace == SH else "XSD has no datatype"
            findings.append(Finding(
                stage, Severity.ERROR,
                f"{what} {prefix}:{local}{hint} (an unknown term is ignored or never matches, "
                "so the statement checks nothing)",
                file=file.display, line=_first_line(file, local), node=iri,
            ))
    findings.sort(key=lambda f: (f.file or "", f.line or 0, f.node or ""))
    return findings


def _unknown(file: LoadedFile) -> set[str]:
    """The unknown terms of a file; the triples are only walked when its text names one."""
    if not _written_unknown(file):
        return set()
    found = set()
    for quad in file.quads():
        for term in (quad.subject, quad.predicate, quad.object):
            iri = term.datatype.value if isinstance(term, ox.Literal) else (
                term.value if isinstance(term, ox.NamedNode) else "")
            if _is_unknown(iri):
                found.add(iri)
    return found


def _written_unknown(file: LoadedFile) -> bool:
    """Whether the text may spell an unknown term (prefixed or in full): a fast, loose filter
    (comments and strings included) in front of the exact walk over the triples."""
    for namespace in (SH, XSD_NS):
        starts = [f"{p}:" for p, ns in file.prefixes.items() if ns == namespace]
        pattern = "|".join([re.escape(f"<{namespace}")] + [re.escape(x) for x in starts])
        locals_ = set(re.findall(rf"(?:{pattern})([\w-]*)", file.text))
        if any(_is_unknown(namespace + local) for local in locals_):
            return True
    return False


def _is_unknown(iri: str) -> bool:
    if iri.startswith(SH):
        return iri != SH and iri not in shacl_terms()
    return iri.startswith(XSD_NS) and iri != XSD_NS and iri not in XSD_KNOWN


def _first_line(file: LoadedFile, local: str) -> int | None:
    """The first line that writes the local name after a prefix colon or a namespace hash."""
    pattern = re.compile(rf"[:#]{re.escape(local)}(?![\w.-]*\w)")
    lines = split_lines(file.text)
    return next((n for n, text in enumerate(lines, start=1) if pattern.search(text)), None)
