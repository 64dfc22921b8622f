"""One finding per cause, with a "did you mean" where the graph knows the likely intent.

The stages report what each constraint sees, so one slip can show up several times: a mistyped
IRI is a dangling reference, a value of the wrong class, a citation without a quote, a citation
the provenance check cannot follow, and leaves the intended node uncited; a citation of a
source document instead of its passage is also a clash of disjoint classes for the reasoner; a
mistyped property is reported once per value. This pass, run over the whole report, keeps the
finding that names the cause, marks the others as its consequences (`Finding.cause`: the text
report leaves them out, the JSON report keeps every result, so that it still matches what a
stock SHACL validator reports), and adds the nearest existing node or term as a suggestion.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

import pycountry
import pyoxigraph as ox

from ccbkg.checks.provenance import INVENTORY
from ccbkg.core.findings import CheckReport, Finding
from ccbkg.core.namespaces import CCB, CCBSH, ID_PREFIXES, OWL, RDF
from ccbkg.core.termtext import curie
from ccbkg.project.layout import Role
from ccbkg.project.load import LoadedProject

DANGLING = str(CCBSH.DanglingReferenceShape)
UNDECLARED = str(CCBSH.UndeclaredTermShape)
UNDECLARED_EXTERNAL = str(CCBSH.UndeclaredExternalTermShape)
UNCITED = str(CCBSH["Passage-cited"])
NO_CITATION = str(CCBSH["Provenance-citesPassage"])
UNQUOTED = str(CCBSH["Provenance-quotedPassage"])
MISCITED = str(CCBSH["Instance-citesPassage"])  # ccb:citesPassage to a non-passage
UNTYPED = str(CCBSH["DataNode-type"])  # a described node without rdf:type
NO_CITATION_PATH = str(CCB.citesPassage)
COUNTRY_NS = ID_PREFIXES["country"]
KNOWN_NAMESPACES = frozenset(ID_PREFIXES.values())
_TERM_KINDS = frozenset(str(k) for k in (OWL.ObjectProperty, OWL.DatatypeProperty,
                                         OWL.AnnotationProperty, OWL.Class))
_SPELLING = re.compile(r"[-_]")


@dataclass(frozen=True)
class _Known:
    """What the suggestions are drawn from: the ontology's terms and the described nodes."""

    terms: frozenset[str]
    classes: frozenset[str]
    nodes: dict[str, tuple[str, int | None]]  # IRI -> (file, line) of every typed node

    @classmethod
    def of(cls, loaded: LoadedProject) -> _Known:
        declared = [(q.subject.value, q.object.value) for f in loaded.of(Role.ONTOLOGY)
                    for q in f.quads()
                    if q.predicate.value == str(RDF.type) and isinstance(q.subject, ox.NamedNode)
                    and isinstance(q.object, ox.NamedNode) and q.object.value in _TERM_KINDS]
        terms = {term for term, _ in declared}
        classes = {term for term, kind in declared if kind == str(OWL.Class)}
        nodes: dict[str, tuple[str, int | None]] = {}
        for f in loaded.of(Role.DATA, Role.VOCAB):
            for q in f.quads():
                if q.predicate.value == str(RDF.type) and isinstance(q.subject, ox.NamedNode):
                    nodes.setdefault(q.subject.value,
                                     (f.display, f.subject_lines.get(q.subject.value)))
        return cls(frozenset(terms), frozenset(classes), nodes)

    def node_like(self, iri: str) -> str | None:
        """The described node whose IRI is nearest to iri (same kind of node, a few
        characters off), or None."""
        kind = iri.rsplit("/", 1)[0] + "/"
        same_kind = [n for n in self.nodes if n.startswith(kind)] or list(self.nodes)
        found = difflib.get_close_matches(iri, same_kind, n=1, cutoff=0.85)
        return found[0] if found else None

    def spelt_alike(self, iri: str, *, is_class: bool) -> list[str]:
        """The declared terms of the same kind spelt like iri, case, - and _, and z for s
        aside (ccb:Organization -> ccb:Organisation, ccb:nationalCSIRTOf -> ccb:nationalCsirtOf)."""
        spelt = _spelling(iri)
        return sorted(t for t in self.terms
                      if (t in self.classes) == is_class and _spelling(t) == spelt)

    def meant(self, iri: str, *, is_class: bool) -> list[str]:
        """The declared terms of the same kind that iri most likely means: `spelt_alike`, else
        the nearest spelling in its namespace (ccb:citesPasage -> ccb:citesPassage)."""
        alike = self.spelt_alike(iri, is_class=is_class)
        if alike:
            return alike
        near = _near_in_namespace(iri, (t for t in self.terms if (t in self.classes) == is_class))
        return [near] if near else []

    def term_like(self, iri: str) -> str | None:
        """The declared term that iri most likely means: the same local name in another
        namespace (org:hasResponsibility for ccb:hasResponsibility), or the same name spelt
        another way (case, - and _, z for s), or a near spelling in the same namespace."""
        local = re.split(r"[#/]", iri)[-1]
        same_name = sorted(t for t in self.terms if re.split(r"[#/]", t)[-1] == local)
        if same_name:
            return same_name[0]
        spelt = _spelling(iri)
        respelt = sorted(t for t in self.terms if _spelling(t) == spelt)
        if respelt:
            return respelt[0]
        return _near_in_namespace(iri, self.terms)


def _near_in_namespace(iri: str, terms: Iterable[str]) -> str | None:
    """The term of iri's namespace whose local name is spelt nearest to iri's, or None. The
    local names are compared, not the IRIs: a long shared namespace would make any two terms
    of it look alike (org:holds and org:role)."""
    local = re.split(r"[#/]", iri)[-1]
    namespace = iri[:len(iri) - len(local)]
    names = [t[len(namespace):] for t in terms if t.startswith(namespace)]
    near = difflib.get_close_matches(local, names, n=1, cutoff=0.85) or sorted(
        n for n in names if _one_edit(local.lower(), n.lower()))  # ccb:CSRIT -> ccb:CSIRT
    return namespace + near[0] if near else None


def _one_edit(a: str, b: str) -> bool:
    """Whether b is a with one letter changed, added, left out, or two neighbours swapped
    (a short name's one slip, which difflib's ratio puts under its cutoff)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        apart = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(apart) == 1 or (len(apart) == 2 and apart[1] == apart[0] + 1
                                   and a[apart[0]] == b[apart[1]] and a[apart[1]] == b[apart[0]])
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _fold_repeats(findings: list[Finding], folded: dict[int, Finding]) -> None:
    """A result repeated word for word at the same place (one shape's constraints each failing
    on one value: sh:class, sh:nodeKind and sh:node of "signed") is one finding; the others
    follow from it."""
    first: dict[tuple[object, ...], Finding] = {}
    for f in findings:
        key = (f.stage, f.severity, f.file, f.line, f.node, f.path, f.value, f.shape, f.message)
        if key in first:
            folded.setdefault(id(f), first[key])
        else:
            first[key] = f


def one_per_cause(report: CheckReport, loaded: LoadedProject) -> None:
    """Fold consequences into the finding of their cause and add suggestions (in place)."""
    findings = report.findings
    # A node the shapes find uncited: none of its passages has a quote either, and the
    # provenance stage, which checks citations on its own, reports it too.
    uncited = {f.node: f for f in findings if f.shape == NO_CITATION}
    folded: dict[int, Finding] = {
        id(f): uncited[f.node] for f in findings if f.node in uncited and (
            f.shape == UNQUOTED or (f.stage == "provenance" and f.path == NO_CITATION_PATH))}
    # A citation of a node that is not a passage (a source document, say): the citing node
    # has no quoted passage, the provenance stage cannot follow the citation, and the range of
    # ccb:citesPassage makes the cited node a passage, which its own type excludes (the
    # reasoner's clash, reported at the cited node).
    miscited = {(f.node, f.value): f for f in findings if f.shape == MISCITED and f.value}
    for f in findings:
        for (citing, cited), cause in miscited.items():
            if f is not cause and cited is not None and (
                    (f.node == citing and (f.shape == UNQUOTED or (
                        f.stage == "provenance" and cited in f.message)))
                    or (f.stage == "reason" and f.node == cited)):
                folded[id(f)] = cause
    _fold_repeats(findings, folded)
    if not any(f.shape in (DANGLING, UNDECLARED, UNDECLARED_EXTERNAL, UNTYPED) for f in findings):
        _fold_inventory(findings, folded)
        for stage in report.stages:  # nothing to suggest: no need to index the whole graph
            stage.findings = _merge_values([
                replace(f, cause=folded[id(f)].reference()) if id(f) in folded else f
                for f in stage.findings])
        return
    known = _Known.of(loaded)
    # A mistyped term leaves the term it meant missing on the node (ccb:citesPasage: the node
    # cites no passage): what is reported missing there (no value) follows from the typo.
    meant: dict[tuple[str | None, str | None], Finding] = {
        (f.node, t): f for f in findings if f.shape == UNDECLARED and f.path
        and f.path != str(RDF.type) for t in known.meant(f.path, is_class=False)}
    folded.update({id(f): meant[(f.node, f.path)] for f in findings
                   if (f.node, f.path) in meant and f.shape != UNDECLARED and f.value is None})
    dangling = {(f.node, f.value): f for f in findings if f.shape == DANGLING}
    suggested: dict[tuple[str | None, str | None], str | None] = {
        key: None if _iso_country(key[1] or "") else known.node_like(key[1] or "")
        for key in dangling}
    rewritten = _misprefixed(loaded, dangling, suggested, folded)
    for f in findings:
        if f.shape == DANGLING:
            continue
        for (node, value), cause in dangling.items():
            if f.node != node or value is None:
                continue
            if f.value == value or (f.value is None and (
                    f.path == cause.path or value in f.message or curie(value) in f.message)):
                folded[id(f)] = cause
                break
        for key, target in suggested.items():
            if f.shape == UNCITED and f.node == target:
                folded[id(f)] = dangling[key]
    _fold_inventory(findings, folded)
    for stage in report.stages:
        stage.findings = _merge_values([
            replace(f, cause=rewritten.get(id(folded[id(f)]), folded[id(f)]).reference())
            if id(f) in folded else rewritten.get(id(f)) or _with_hint(f, known, suggested)
            for f in stage.findings])


def _misprefixed(loaded: LoadedProject, dangling: dict[tuple[str | None, str | None], Finding],
                 suggested: dict[tuple[str | None, str | None], str | None],
                 folded: dict[int, Finding]) -> dict[int, Finding]:
    """One slip in a prefix (`@prefix passage: <…/id/pasage/>`) makes every IRI written with
    it dangle: the first such finding of a file becomes one finding at the prefix's line, and
    the others follow from it (in `folded`). Returns the rewritten findings by the id of the
    finding each replaces."""
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for key, f in dangling.items():
        target, value = suggested.get(key), key[1]
        if not target or not value or not f.file:
            continue
        written, wanted = value.rsplit("/", 1), target.rsplit("/", 1)
        if len(written) == 2 and len(wanted) == 2 and written[1] == wanted[1] and \
                written[0] != wanted[0]:  # the same key under another namespace
            groups.setdefault((f.file, written[0] + "/", wanted[0] + "/"), []).append(f)
    rewritten: dict[int, Finding] = {}
    files = {lf.display: lf for lf in loaded.files}
    for (shown, namespace, meant), found in groups.items():
        if namespace in KNOWN_NAMESPACES:  # passages cited from a file not given with --data
            continue
        declared = files.get(shown)
        prefix = next((p for p, ns in (declared.prefixes if declared else {}).items()
                       if ns == namespace), None)
        if len(found) < 2 or prefix is None or declared is None:
            continue
        at = re.search(rf"(?m)^[ \t]*(?:@prefix|PREFIX)[ \t]+{re.escape(prefix)}:",
                       declared.text, re.IGNORECASE)
        first = found[0]
        rewritten[id(first)] = replace(
            first, line=declared.text.count("\n", 0, at.start()) + 1 if at else None,
            node=None, value=namespace, path=None,
            message=f"The prefix {prefix}: is declared as <{namespace}>, under which nothing "
                    f"is described: the {len(found)} references written {prefix}:… in this "
                    f"file name no node (as {curie(first.value or '')}). Did you mean "
                    f"<{meant}>?")
        for other in found[1:]:
            folded[id(other)] = first
    return rewritten


def _fold_inventory(findings: list[Finding], folded: dict[int, Finding]) -> None:
    """A row of the claims inventory whose node no longer cites the row's passage follows
    from what broke the node's citation (a typo, a citation removed or of a non-passage)."""
    broken = {f.node: folded.get(id(f), f) for f in findings
              if f.path == NO_CITATION_PATH and f.node}
    for f in findings:
        if f.file == INVENTORY and f.stage == "provenance" and f.node in broken:
            folded[id(f)] = broken[f.node]


def _with_hint(f: Finding, known: _Known,
               suggested: dict[tuple[str | None, str | None], str | None]) -> Finding:
    if "Did you mean" in f.message:
        return f
    target: str | None = None
    where = ""
    country = _iso_country(f.value or "") if f.shape == DANGLING else None
    if country is not None:
        code, name = country
        return replace(f, message=f"{f.message} country:{code} is {name} (ISO 3166-1), which "
                                  "the data does not describe yet: add it (`ccbkg new country "
                                  f"{code}`, or its node in instances/shared.ttl when it is "
                                  "only a counterparty).")
    if f.shape in (DANGLING, UNTYPED):  # a mistyped IRI, as an object or as a subject
        target = suggested.get((f.node, f.value)) if f.shape == DANGLING else \
            known.node_like(f.node or "")
        if target is not None:
            file, line = known.nodes[target]
            where = f" ({file}:{line})" if line is not None else f" ({file})"
    elif f.shape == UNDECLARED:
        # The message's first sentence ends "a typo?"; the hint follows it.
        typed = f.path == str(RDF.type)
        alike = known.meant((f.value if typed else f.path) or "", is_class=typed)
        head, sep, tail = f.message.partition("a typo?")
        if not alike or not sep:
            return f
        hint = " Did you mean " + " or ".join(curie(t) for t in alike) + "?"
        return replace(f, message=head + sep + hint + tail)
    elif f.shape == UNDECLARED_EXTERNAL:
        term = f.path if f.path and f.path != str(RDF.type) else f.value
        target = known.term_like(term) if term and not term.startswith("<") else None
    if target is None:
        return f
    return replace(f, message=f"{f.message} Did you mean {curie(target)}{where}?")


def _iso_country(iri: str) -> tuple[str, str] | None:
    """The ISO 3166-1 alpha-3 code and name of a country IRI (`id:country/EST`), when the code
    is one pycountry knows."""
    code = iri.removeprefix(COUNTRY_NS)
    if code == iri or not re.fullmatch(r"[A-Z]{3}", code):
        return None
    country = pycountry.countries.get(alpha_3=code)
    return (code, getattr(country, "common_name", None) or country.name) if country else None


def _merge_values(findings: list[Finding]) -> list[Finding]:
    """Of findings that differ only in their value, the first names the cause and says how
    many values share it; the others are marked as its consequences."""
    groups: dict[tuple[object, ...], list[int]] = {}
    for i, f in enumerate(findings):
        if f.cause is None and f.value is not None:
            key = (f.stage, f.severity, f.file, f.node, f.path, f.shape, f.component,
                   f.message)
            groups.setdefault(key, []).append(i)
    out = list(findings)
    for members in groups.values():
        if len(members) < 2:
            continue
        first = out[members[0]]
        out[members[0]] = replace(first, message=f"{first.message} ({len(members)} values: "
                                                 f"this one and {len(members) - 1} more.)")
        for i in members[1:]:
            out[i] = replace(out[i], cause=first.reference())
    return out


def _spelling(iri: str) -> str:
    return _SPELLING.sub("", iri.lower()).replace("z", "s")

