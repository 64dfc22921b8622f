"""The w3id redirect rules (w3id/.htaccess): parsed and evaluated as Apache mod_rewrite would.

Only the subset the file uses is understood: RewriteCond on %{HTTP_ACCEPT} (regex, [NC], [OR],
negation with !) and RewriteRule (regex on the path after /ccbkg/, $N and %N back-references,
flags R=code, L, NE, NC). Anything else is refused with its line, so the rules cannot drift
outside what the tests and `ccbkg serve` evaluate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ccbkg.core.errors import CcbkgError

PREFIX = "/ccbkg/"  # the folder of the file on w3id.org
# Where the rules of w3id/.htaccess send requests (a placeholder); `ccbkg build --w3id-target`
# writes dist/w3id/.htaccess with another.
TARGET_HOST = "https://ccbkg.github.io/ccbkg/"
RULES_FILE = Path("w3id") / ".htaccess"
_FLAG_RE = re.compile(r"^\[([A-Za-z0-9=,]+)\]$")
_BACKREF_RE = re.compile(r"([$%])([0-9])")


class RewriteError(CcbkgError):
    """A line of the rules file outside the evaluated subset."""


@dataclass
class Cond:
    """A RewriteCond on the Accept header."""

    pattern: re.Pattern[str]
    negate: bool
    join_or: bool


@dataclass
class Rule:
    """A RewriteRule with the conditions before it."""

    pattern: re.Pattern[str]
    target: str
    status: int | None
    last: bool
    no_escape: bool
    conds: list[Cond] = field(default_factory=list)
    line: int = 0


def read_rules(path: Path) -> list[Rule]:
    """The rules in an .htaccess file."""
    return parse(read_text(path), str(path))


def read_text(path: Path) -> str:
    """The text of an .htaccess file; RewriteError if it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RewriteError(f"{path}: cannot read the redirect rules: {exc}") from None


def with_target(text: str, host: str) -> str:
    """The rules' text with their targets on host (a URL ending in /) instead of TARGET_HOST."""
    return text.replace(TARGET_HOST, host)


def target_of(rules: list[Rule]) -> str:
    """Where the rules send requests: what all their targets start with, up to a '/'."""
    targets = [r.target for r in rules] or [""]
    shared = next((i for i, chars in enumerate(zip(*targets, strict=False))
                   if len(set(chars)) > 1), min(map(len, targets)))
    prefix = targets[0][:shared]
    return prefix[:prefix.rfind("/") + 1]


def parse(text: str, name: str = ".htaccess") -> list[Rule]:
    """The rules of an .htaccess, refusing directives and flags outside the evaluated subset."""
    rules: list[Rule] = []
    pending: list[Cond] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{name}:{number}"
        parts = line.split()
        directive = parts[0]
        if directive == "Options" or (directive == "RewriteEngine" and parts[1:] == ["on"]):
            continue
        if directive not in ("RewriteCond", "RewriteRule") or not 3 <= len(parts) <= 4:
            raise RewriteError(f"{where}: cannot evaluate {line!r} (not in the subset)")
        flags = _flags(parts[3] if len(parts) > 3 else "", where)
        if directive == "RewriteCond":
            if parts[1] != "%{HTTP_ACCEPT}":
                raise RewriteError(f"{where}: only %{{HTTP_ACCEPT}} conditions are evaluated")
            if not flags <= {"NC", "OR"}:
                raise RewriteError(f"{where}: flags {sorted(flags)} are not evaluated")
            pending.append(Cond(_compile(parts[2].lstrip("!"), flags, where),
                                parts[2].startswith("!"), "OR" in flags))
        else:
            status = [f for f in flags if f.startswith("R=")]
            if not flags - set(status) <= {"L", "NE", "NC"}:
                raise RewriteError(f"{where}: flags {sorted(flags)} are not evaluated")
            if status and "L" not in flags:
                raise RewriteError(f"{where}: a redirect must end with [L]")
            code = int(status[0][2:]) if status and status[0][2:].isdigit() else None
            if status and code not in (301, 302, 303, 307, 308):
                raise RewriteError(f"{where}: {status[0]} is not a redirect status")
            rules.append(Rule(_compile(parts[1], flags, where), parts[2], code, "L" in flags,
                              "NE" in flags, pending, number))
            pending = []
    if pending:
        raise RewriteError(f"{name}: RewriteCond lines at the end with no RewriteRule")
    return rules


def _compile(pattern: str, flags: set[str], where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE if "NC" in flags else 0)
    except re.error as exc:
        raise RewriteError(f"{where}: bad pattern {pattern!r}: {exc}") from None


def _flags(text: str, where: str) -> set[str]:
    if not text:
        return set()
    match = _FLAG_RE.match(text)
    if match is None:
        raise RewriteError(f"{where}: flags must look like [R=303,L]")
    return set(match.group(1).split(","))


def evaluate(rules: list[Rule], path: str, accept: str) -> tuple[int | None, str]:
    """The status and Location for a request to path (None, "" when no rule redirects)."""
    if not path.startswith(PREFIX):
        return None, ""
    local = path[len(PREFIX):]
    for rule in rules:
        match = rule.pattern.search(local)
        if match is None:
            continue
        cond_groups: tuple[str, ...] = ()
        ok = True
        previous_or = False
        for cond in rule.conds:
            found = cond.pattern.search(accept)
            result = (found is None) if cond.negate else (found is not None)
            if found is not None and not cond.negate:
                cond_groups = (found.group(0), *[g or "" for g in found.groups()])
            ok = (ok or result) if previous_or else (ok and result)
            previous_or = cond.join_or
        if not ok:
            continue
        rule_groups = (match.group(0), *[g or "" for g in match.groups()])

        def backref(m: re.Match[str], rg: tuple[str, ...] = rule_groups,
                    cg: tuple[str, ...] = cond_groups) -> str:
            groups = rg if m.group(1) == "$" else cg
            index = int(m.group(2))
            return groups[index] if index < len(groups) else ""

        target = _BACKREF_RE.sub(backref, rule.target)
        if not rule.no_escape:
            target = target.replace("#", "%23")  # what Apache does without [NE]
        if rule.status is not None:
            return rule.status, target
        if rule.last:
            return None, ""
    return None, ""
