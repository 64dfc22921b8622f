"""Lint: the lint shapes and `*-violation.rq` queries over ontology + vocabularies, and the
check of every authored file for `sh:` and `xsd:` terms that do not exist."""

from __future__ import annotations

import re

import pyoxigraph as ox

from ccbkg.checks.shapes import run_engine
from ccbkg.checks.vocabulary_typos import unknown_terms
from ccbkg.core import netguard
from ccbkg.core.findings import Finding, Severity, StageResult
from ccbkg.core.terms import OWL_IMPORTS, RDF_TYPE
from ccbkg.core.termtext import curies_in, node_text
from ccbkg.core.textlines import split_lines
from ccbkg.project.layout import Role
from ccbkg.project.load import LoadedFile, LoadedProject, LoadedQuery

STAGE = "lint"
LINTED = (Role.ONTOLOGY, Role.VOCAB)
_SEVERITY_RE = re.compile(r"^#\s*severity:\s*(\w+)", re.IGNORECASE | re.MULTILINE)
OWL_ONTOLOGY = ox.NamedNode("http://www.w3.org/2002/07/owl#Ontology")
_SEVERITIES = {"violation": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO}
_IRI_IN_TEXT = re.compile(r"<([^<>\s]+)>")  # how a violation query's message quotes an IRI


def lint(loaded: LoadedProject, engine: str = "fast") -> StageResult:
    """Run every lint shape and violation query; findings name the term and its line.

    engine chooses the SHACL engine as for the data shapes (see ccbkg.checks.shapes).
    """
    result = StageResult(STAGE)
    linted = loaded.of(*LINTED)
    shapes = loaded.of(Role.LINT_SHAPES)
    checks = [q for q in loaded.queries if q.file.role is Role.CHECK_QUERY]
    if not linted:
        result.findings.append(Finding(STAGE, Severity.ERROR, "no ontology files to lint"))
        return result
    if not shapes and not checks:
        result.findings.append(Finding(STAGE, Severity.ERROR, (
            "no lint shapes (shapes/lint/*.ttl) and no violation queries "
            "(queries/checks/*-violation.rq): the lint would check nothing"
        )))
        return result
    if shapes:
        findings, note, _ = run_engine(loaded, LINTED, Role.LINT_SHAPES, stage=STAGE,
                                       located=LINTED, engine=engine)
        result.findings.extend(findings)
        result.notes.append(f"lint shapes: {note}")
    store = ox.Store()
    store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in _triples(loaded))
    for check in checks:
        result.findings.extend(_run_check(store, check, loaded))
    result.findings.extend(unknown_terms(loaded, STAGE))
    result.findings.extend(_foreign_imports(loaded))
    result.notes.append(
        f"{sum(f.size for f in linted)} triples linted with {len(shapes)} shape files "
        f"and {len(checks)} violation queries; {len(loaded.files)} files checked for unknown "
        "sh: and xsd: terms"
    )
    return result


def _triples(loaded: LoadedProject) -> list[ox.Quad]:
    return list(loaded.triples(*LINTED))


def _run_check(store: ox.Store, check: LoadedQuery, loaded: LoadedProject) -> list[Finding]:
    match = _SEVERITY_RE.search(check.text)
    severity = _SEVERITIES.get(match.group(1).lower(), Severity.ERROR) if match else Severity.ERROR
    name = check.file.path.stem
    try:
        _, solutions = netguard.select(store, check.text, where=check.display)
    except (SyntaxError, OSError) as exc:
        return [Finding(STAGE, Severity.ERROR, f"violation query failed: {exc}",
                        file=check.display)]
    except netguard.NotSelect:
        return [Finding(STAGE, Severity.ERROR, "a violation query must be a SELECT query",
                        file=check.display)]
    findings = []
    for row in solutions:
        node = row["node"]
        message = row["message"]
        iri = node.value if isinstance(node, ox.NamedNode) else None
        file, line = loaded.where(iri, *LINTED) if iri else (None, None)
        findings.append(Finding(
            stage=STAGE, severity=severity, file=file, line=line, node=iri or str(node),
            message=curies_in(message.value, _IRI_IN_TEXT.findall(message.value))
            if isinstance(message, ox.Literal) else f"{name} matched",
            shape=f"{check.display}",
        ))
    findings.sort(key=lambda f: (f.file or "", f.line or 0, f.node or "", f.message))
    return findings


def _foreign_imports(loaded: LoadedProject) -> list[Finding]:
    """owl:imports of an ontology the authored files do not hold: never fetched, so unchecked.

    The ontologies the files declare are looked for (a pass over every triple) only when a
    file imports one."""
    imports: list[tuple[LoadedFile, ox.Quad, str]] = []  # the file, the triple, the import
    for file in (f for f in loaded.files if "imports" in f.text):
        imports += [(file, q, q.object.value) for q in file.quads()
                    if q.predicate == OWL_IMPORTS and isinstance(q.object, ox.NamedNode)]
    if not imports:
        return []
    declared = {q.subject.value for f in loaded.files for q in f.quads()
                if q.predicate == RDF_TYPE and q.object == OWL_ONTOLOGY
                and isinstance(q.subject, ox.NamedNode)}
    findings = []
    for file, quad, target in imports:
        if target in declared:
            continue
        lines = split_lines(file.text)
        line = next((n for n, text in enumerate(lines, start=1) if target in text), None) or \
            next((n for n, text in enumerate(lines, start=1) if "imports" in text), None)
        findings.append(Finding(
            STAGE, Severity.ERROR,
            f"owl:imports <{target}> names an ontology that is not among the project files; "
            "ccbkg never fetches, so it would go unchecked and the release would depend on "
            "it: copy the terms you need into ontology/ (or vocab/) and drop the import",
            file=file.display, line=line, node=node_text(quad.subject)))
    return findings
