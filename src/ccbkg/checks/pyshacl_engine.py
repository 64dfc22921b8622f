"""Run pyshacl in-process; refuse shapes whose SPARQL would reach the network; and turn SHACL
results into located findings, the one way for both engines (`result_findings`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pyshacl import validate as pyshacl_validate
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ccbkg.checks.fastshacl.errors import ShapesError, Unsupported
from ccbkg.checks.fastshacl.model import declared_prefixes
from ccbkg.checks.fastshacl.paths import shown_path
from ccbkg.checks.fastshacl.report import Row
from ccbkg.checks.fastshacl.sparql import check_prebinding
from ccbkg.core import netguard
from ccbkg.core.findings import Finding, Severity
from ccbkg.core.terms import statement
from ccbkg.core.termtext import curies_in, node_text
from ccbkg.project.layout import Role
from ccbkg.project.load import LoadedProject
from ccbkg.project.sparql_text import sparql_problem

SEVERITIES = {SH.Violation: Severity.ERROR, SH.Warning: Severity.WARNING, SH.Info: Severity.INFO}
SPARQL_TEXTS = (SH.select, SH.ask, SH.construct, SH.update)


# pyshacl's validate logs the errors it raises to the terminal (a logger of this name that it
# gives a handler on every call): they become findings instead
logging.getLogger("pyshacl-validate").disabled = True


@dataclass
class ShaclRun:
    """A SHACL validation: whether it conforms, the report graph and the findings."""

    conforms: bool
    report: Graph
    findings: list[Finding]


def run_shacl(
    data: Graph, shapes: Graph, *, stage: str, loaded: LoadedProject, roles: tuple[Role, ...]
) -> ShaclRun:
    """Validate data against shapes (no inference, SHACL-SPARQL on) and locate each result."""
    try:
        conforms, report, _ = pyshacl_validate(
            data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
            abort_on_first=False, meta_shacl=False, do_owl_imports=False,
        )
    except ReportableRuntimeError as exc:  # a shape pyshacl cannot read (sh:minCount "a")
        message = " ".join(str(exc.message).split())
        return ShaclRun(False, Graph(), [Finding(
            stage=stage, severity=Severity.ERROR,
            message=f"the shapes cannot be used: {message} (pyshacl); fix the shape")])
    assert isinstance(report, Graph)
    rows = [_row(report, result) for result in report.objects(None, SH.result)]  # not sh:detail
    return ShaclRun(bool(conforms), report, result_findings(rows, report, loaded, stage, roles))


def refused_sparql(shapes: Graph, *, stage: str, loaded: LoadedProject,
                   role: Role) -> list[Finding]:
    """An error for each SPARQL text of the shapes that neither engine may run, located at the
    shape it belongs to: one that uses SERVICE or LOAD (constraints, targets, rules), one that
    does not parse, and a constraint that breaks SHACL's rules for pre-bound variables (5.3.1:
    no MINUS, VALUES or nested SELECT without $this)."""
    findings = []

    def refuse(node: Node, message: str) -> None:
        findings.append(shape_finding(shapes, node, message, stage=stage, loaded=loaded,
                                      role=role))

    for predicate in SPARQL_TEXTS:
        for node, text in shapes.subject_objects(predicate):
            found = netguard.network_use(str(text))
            if found is not None:
                keyword, line, _ = found
                refuse(node, f"{netguard.describe(keyword)} (line {line} of its "
                             f"{shapes.qname(predicate)}): ccbkg never runs a query that reaches "
                             f"the network; remove the {keyword}")
            elif (problem := _syntax_problem(shapes, node, str(text))) is not None:
                line, column, message = problem
                refuse(node, f"SPARQL syntax error at line {line}, column {column} of its "
                             f"{shapes.qname(predicate)}: {message}")
            elif predicate in (SH.select, SH.ask) and (None, SH.sparql, node) in shapes:
                try:
                    check_prebinding(str(text))
                except ShapesError as exc:
                    refuse(node, f"this shape's SPARQL constraint is not valid SHACL: {exc} "
                                 "(SHACL 5.3.1, pre-bound variables); neither SHACL engine runs it")
    return findings


def shape_finding(shapes: Graph, node: Node | None, message: str, *, stage: str,
                  loaded: LoadedProject, role: Role) -> Finding:
    """An error on a shape that cannot be used, located at the named shape node belongs to
    (or at none, when the engine does not say which)."""
    shape = _owner(shapes, node) if node is not None else None
    file, at = loaded.where(str(shape), role) if isinstance(shape, URIRef) else (None, None)
    return Finding(stage=stage, severity=Severity.ERROR, file=file, line=at,
                   shape=node_text(shape) if shape is not None else None, message=message)


def _syntax_problem(shapes: Graph, node: Node, text: str) -> tuple[int, int, str] | None:
    """Where and why a shape's SPARQL text, with the prefixes it declares, does not parse
    (its own line and column), or None; a declaration that is not valid is reported by the
    engine that reads it."""
    try:
        declared = declared_prefixes(shapes, node)
    except Unsupported:
        return None
    head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in declared.items())
    problem = sparql_problem(head + text)
    if problem is None:
        return None
    line, column, message = problem
    return max((line or 1) - len(declared), 1), column or 1, message


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


def result_findings(rows: list[Row], paths: Graph, loaded: LoadedProject, stage: str,
                    roles: tuple[Role, ...]) -> list[Finding]:
    """The findings for SHACL results, located in the files of roles (all RDF files when
    none) and in a stable order; paths is the graph that holds the results' complex paths."""
    findings = []
    for row in rows:
        messages = sorted(str(m) for m in row.messages)
        file, line, node = loaded.locate(
            str(row.focus), *roles, statement=statement(row.path, row.value)) \
            if isinstance(row.focus, URIRef | BNode) else (None, None, node_text(row.focus))
        findings.append(Finding(
            stage=stage,
            severity=SEVERITIES.get(row.severity, Severity.ERROR)
            if isinstance(row.severity, URIRef) else Severity.ERROR,
            # The terms a SPARQL constraint's message names ({?value}, {$this}), shortened.
            message=curies_in(messages[0], (str(t) for t in (row.focus, row.path, row.value)
                                            if isinstance(t, URIRef)))
            if messages else "SHACL constraint not met",
            file=file, line=line, node=node, path=shown_path(paths, row.path),
            value=loaded.locate(str(row.value), *roles)[2] if isinstance(row.value, BNode)
            else node_text(row.value),
            shape=node_text(row.shape), component=node_text(row.component),
        ))
    findings.sort(key=lambda f: (f.file or "", f.line or 0, f.node or "", f.shape or "",
                                 f.path or "", f.value or ""))
    return findings


def _row(report: Graph, result: Node) -> Row:
    """A result of pyshacl's report as the fast engine gives its results."""

    def one(p: URIRef) -> Node:
        found = report.value(result, p)
        assert found is not None, f"pyshacl wrote a result without {p}"  # SHACL 3.6.2 requires it
        return found

    return Row(focus=one(SH.focusNode), path=report.value(result, SH.resultPath),
               value=report.value(result, SH.value), shape=one(SH.sourceShape),
               component=one(SH.sourceConstraintComponent), severity=one(SH.resultSeverity),
               messages=tuple(m for m in report.objects(result, SH.resultMessage)
                              if isinstance(m, Literal)))
