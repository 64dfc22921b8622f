"""Check reports in the formats CI systems read: GitHub workflow commands, JUnit XML, SARIF 2.1.0.

Files are named relative to the working directory when they are inside it (CI runs in the
checkout, and annotations and SARIF locations are relative to it); other files keep their
absolute paths (SARIF: a file: URI).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ccbkg import __version__
from ccbkg.checks.text_report import details
from ccbkg.core.findings import CheckReport, Finding, Severity
from ccbkg.core.termtext import curie, printable

SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")
_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(report: CheckReport, fmt: str) -> str:
    """The report in one of the CI formats: "github", "junit" or "sarif"."""
    return {"github": _github, "junit": _junit, "sarif": _sarif}[fmt](report)


def _file(finding: Finding) -> Path | None:
    """The finding's file, relative to the working directory when it is inside it."""
    if not finding.file:
        return None
    path = Path(finding.file)
    cwd = Path.cwd()
    return path.relative_to(cwd) if path.is_absolute() and path.is_relative_to(cwd) else path


def _where(finding: Finding) -> str:
    """file:line:column (the file as `_file` gives it), else the node, else the stage."""
    path = _file(finding)
    if path is None:
        return curie(finding.node) or finding.stage
    return ":".join(str(x) for x in (path, finding.line, finding.column) if x is not None)


def _text(finding: Finding) -> str:
    """The message with the node and the details that the text report shows beside it."""
    said = finding.message
    if finding.node:
        said = f"{curie(finding.node)}: {said}"
    extra = details(finding)
    return printable(f"{said} ({extra})" if extra else said)


def _rule(finding: Finding) -> str:
    """What a finding is an instance of: the stage, and the shape (its local name) when a
    shape found it."""
    if not finding.shape:
        return finding.stage
    return f"{finding.stage}/{finding.shape.rpartition('#')[2] or curie(finding.shape)}"


def _github(report: CheckReport) -> str:
    """One workflow command (::error, ::warning, ::notice) per finding; GitHub shows each
    as an annotation on the file and line; a consequence of another finding
    (`ccbkg.checks.causes`) is not annotated again."""
    lines = []
    for f in report.findings:
        if f.cause is not None:
            continue
        props = {"file": str(_file(f)) if f.file else None,
                 "line": f.line if f.file else None, "col": f.column if f.file else None,
                 "title": f"ccbkg {_rule(f)}"}
        shown = ",".join(f"{k}={_escape(str(v), True)}" for k, v in props.items()
                         if v is not None)
        lines.append(f"::{_GITHUB_LEVEL[f.severity]} {shown}::{_escape(_text(f), False)}")
    lines.append(f"ccbkg check: {'PASSED' if report.ok else 'FAILED'}: {report.tally()}")
    return "\n".join(lines) + "\n"


def _escape(value: str, is_property: bool) -> str:
    """Escaped as GitHub's workflow commands require (%, CR, LF; in properties also : and ,)."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if is_property else value


def _junit(report: CheckReport) -> str:
    """A test suite per stage: a failing test case per error, one passing case for a stage
    without errors (its warnings and remarks as its output), a skipped case for a stage not
    run."""
    suites = ET.Element("testsuites", name="ccbkg check")
    total = failures = skipped = 0
    for stage in report.stages:
        suite = ET.SubElement(suites, "testsuite", name=stage.stage,
                              time=f"{stage.seconds:.3f}")
        cases = 0
        for f in stage.errors:
            case = ET.SubElement(suite, "testcase", classname=f"ccbkg.{stage.stage}",
                                 name=f"{_where(f)} {_rule(f)}")
            if f.file:
                case.set("file", str(_file(f)))
                if f.line is not None:
                    case.set("line", str(f.line))
            failure = ET.SubElement(case, "failure", message=_text(f), type=_rule(f))
            failure.text = f"{_where(f)}: {_text(f)}"
            cases += 1
        if not stage.errors:
            case = ET.SubElement(suite, "testcase", classname=f"ccbkg.{stage.stage}",
                                 name=stage.stage)
            cases += 1
            if not stage.ran:
                ET.SubElement(case, "skipped", message="; ".join(stage.notes))
            elif stage.findings:
                out = ET.SubElement(case, "system-out")
                out.text = "\n".join(f"{f.severity.value}: {_where(f)}: {_text(f)}"
                                     for f in stage.findings)
        suite.set("tests", str(cases))
        suite.set("failures", str(len(stage.errors)))
        suite.set("errors", "0")
        suite.set("skipped", "0" if stage.ran else "1")
        total, failures = total + cases, failures + len(stage.errors)
        skipped += 0 if stage.ran else 1
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    suites.set("errors", "0")
    suites.set("skipped", str(skipped))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def _sarif(report: CheckReport) -> str:
    """A SARIF 2.1.0 log with one run: a rule per stage (and per shape), a result per
    finding, located by file, line and column where known and by node."""
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in report.findings:
        rule = _rule(f)
        rules.setdefault(rule, {"id": rule, "shortDescription": {"text": (
            f"ccbkg {f.stage} check" + (f", shape {f.shape}" if f.shape else ""))}})
        result: dict[str, Any] = {"ruleId": rule, "level": _SARIF_LEVEL[f.severity],
                                  "message": {"text": _text(f)}}
        location: dict[str, Any] = {}
        path = _file(f)
        if path is not None:
            physical: dict[str, Any] = {"artifactLocation": (
                {"uri": path.as_uri()} if path.is_absolute()
                else {"uri": quote(path.as_posix()), "uriBaseId": "%SRCROOT%"})}
            if f.line is not None:
                physical["region"] = {"startLine": f.line, **(
                    {"startColumn": f.column} if f.column is not None else {})}
            location["physicalLocation"] = physical
        if f.node:
            location["logicalLocations"] = [{"fullyQualifiedName": f.node, "kind": "object"}]
        if location:
            result["locations"] = [location]
        props = {k: v for k, v in (("path", f.path), ("value", f.value),
                                   ("shape", f.shape), ("component", f.component)) if v}
        if props:
            result["properties"] = props
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "ccbkg", "version": __version__,
                                "informationUri": "https://w3id.org/ccbkg/",
                                "rules": list(rules.values())}},
            "invocations": [{"executionSuccessful": True,
                             "exitCode": 0 if report.ok else 1}],
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, sort_keys=True) + "\n"
