"""Run pyshacl in-process and turn its report into located findings; refuse shapes whose
SPARQL would reach the network."""

from __future__ import annotations

from dataclasses import dataclass

from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ccbkg.checks.fastshacl.paths import shown_path
from ccbkg.core import netguard
from ccbkg.core.findings import Finding, Severity
from ccbkg.core.terms import statement
from ccbkg.project.layout import Role
from ccbkg.project.load import LoadedProject

SEVERITIES = {SH.Violation: Severity.ERROR, SH.Warning: Severity.WARNING, SH.Info: Severity.INFO}
SPARQL_TEXTS = (SH.select, SH.ask, SH.construct, SH.update)


@dataclass
class ShaclRun:
    """A SHACL validation: whether it conforms, the report graph and the findings."""

    conforms: bool
    report: Graph
    findings: list[Finding]


def run_shacl(
    data: Graph, shapes: Graph, *, stage: str, sources: LoadedProject, roles: tuple[Role, ...]
) -> ShaclRun:
    """Validate data against shapes (no inference, SHACL-SPARQL on) and locate each result."""
    conforms, report, _ = pyshacl_validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
        abort_on_first=False, meta_shacl=False, do_owl_imports=False,
    )
    assert isinstance(report, Graph)
    findings = [
        _finding(report, result, stage, sources, roles)
        for result in report.objects(None, SH.result)  # top-level results, not sh:detail
    ]
    findings.sort(key=lambda f: (f.file or "", f.line or 0, f.node or "", f.shape or "",
                                 f.path or "", f.value or ""))
    return ShaclRun(bool(conforms), report, findings)


def network_findings(shapes: Graph, *, stage: str, sources: LoadedProject,
                     role: Role) -> list[Finding]:
    """An error for each SPARQL text of the shapes (constraints, targets, rules) that uses
    SERVICE or LOAD, located at the shape it belongs to; neither engine may run such shapes."""
    findings = []
    for predicate in SPARQL_TEXTS:
        for node, text in shapes.subject_objects(predicate):
            found = netguard.network_use(str(text))
            if found is None:
                continue
            keyword, line, _ = found
            shape = _owner(shapes, node)
            file, at = sources.where(str(shape), role) if isinstance(shape, URIRef) \
                else (None, None)
            findings.append(Finding(
                stage=stage, severity=Severity.ERROR, file=file, line=at, shape=_show(shape),
                message=f"{netguard.describe(keyword)} (line {line} of its "
                        f"{shapes.qname(predicate)}): ccbkg never runs a query that reaches "
                        f"the network; remove the {keyword}"))
    return findings


def _owner(shapes: Graph, node: Node) -> Node:
    """The first named node above node (the shape or target a constraint belongs to)."""
    seen = {node}
    while not isinstance(node, URIRef):
        parent = next((s for s in shapes.subjects(None, node) if s not in seen), None)
        if parent is None:
            return node
        seen.add(parent)
        node = parent
    return node


def _finding(
    report: Graph, result: Node, stage: str, sources: LoadedProject, roles: tuple[Role, ...]
) -> Finding:
    def one(p: URIRef) -> Node | None:
        return report.value(result, p)

    focus = one(SH.focusNode)
    path = one(SH.resultPath)
    value = one(SH.value)
    shape = one(SH.sourceShape)
    messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
    file, line, node = sources.locate(str(focus), *roles, statement=statement(path, value)) \
        if isinstance(focus, URIRef | BNode) else (None, None, _show(focus))
    return Finding(
        stage=stage,
        severity=_severity(one(SH.resultSeverity)),
        message=messages[0] if messages else "SHACL constraint not met",
        file=file,
        line=line,
        node=node,
        path=shown_path(report, path),
        value=sources.locate(str(value), *roles)[2] if isinstance(value, BNode) else _show(value),
        shape=_show(shape),
        component=_show(one(SH.sourceConstraintComponent)),
    )


def _severity(node: Node | None) -> Severity:
    return SEVERITIES.get(node, Severity.ERROR) if isinstance(node, URIRef) else Severity.ERROR


def _show(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, Literal):
        return node.n3()
    return node.n3()
