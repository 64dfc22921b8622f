"""What a check reports: findings with where they are and how bad they are."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from ccbkg.core.termtext import counted


class Severity(Enum):
    """How bad a finding is; only errors make a check fail."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    def counted(self, n: int) -> str:
        """n findings of this severity, as text: "1 error", "0 warnings", "5 info"."""
        return f"{n} info" if self is Severity.INFO else counted(n, self.value)


@dataclass(frozen=True)
class Finding:
    """One defect or remark, located as precisely as the stage can."""

    stage: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    node: str | None = None
    path: str | None = None
    value: str | None = None
    shape: str | None = None
    component: str | None = None
    cause: str | None = None  # set on a consequence: where its cause is reported (checks.causes)

    def reference(self) -> str:
        """How a finding that follows from this one points at it (`cause`): where it is
        reported, its node and its shape."""
        return " ".join(x for x in (self.location(), self.node, self.shape) if x)

    def location(self) -> str:
        """file:line:column, or the node, or the stage when nothing better is known."""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            return where
        return self.node or self.stage

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict without empty fields."""
        data = asdict(self)
        data["severity"] = self.severity.value
        return {k: v for k, v in data.items() if v is not None}


@dataclass
class StageResult:
    """The findings of one stage and what it looked at."""

    stage: str
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    ran: bool = True
    # What the progress line adds (not part of the report: it is the same bytes either way),
    # e.g. that the reasoner's verdict came from the cache.
    aside: str = ""

    @property
    def errors(self) -> list[Finding]:
        """Findings of severity error."""
        return [f for f in self.findings if f.severity is Severity.ERROR]


@dataclass
class CheckReport:
    """The outcome of a whole check run (`ccbkg check`), not to be confused with a SHACL
    validation report (an RDF graph, named `shacl_report` outside the SHACL engines)."""

    stages: list[StageResult] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        """All findings of all stages, in stage order."""
        return [f for s in self.stages for f in s.findings]

    @property
    def ok(self) -> bool:
        """True when no stage found an error."""
        return not any(s.errors for s in self.stages)

    def count(self, severity: Severity) -> int:
        """How many findings have this severity."""
        return sum(1 for f in self.findings if f.severity is severity)

    def tally(self) -> str:
        """The counts a report ends with: the findings shown (those that name a cause), by
        severity, and how many more follow from them (`Finding.cause`)."""
        causes = [f for f in self.findings if f.cause is None]
        more = len(self.findings) - len(causes)
        return ", ".join(s.counted(sum(1 for f in causes if f.severity is s)) for s in Severity) \
            + (f" ({more} more results follow from these; --format json lists them)"
               if more else "")

    def to_json(self, *, timings: bool = True) -> dict[str, Any]:
        """The report as JSON; without timings it is reproducible from build to build."""
        return {
            "conforms": self.ok,
            "counts": {s.value: self.count(s) for s in Severity},
            "stages": [
                {
                    "stage": s.stage,
                    "ran": s.ran,
                    **({"seconds": round(s.seconds, 3)} if timings else {}),
                    "notes": s.notes,
                    "findings": [f.to_json() for f in s.findings],
                }
                for s in self.stages
            ],
        }
