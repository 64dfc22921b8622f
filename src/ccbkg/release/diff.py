"""`ccbkg diff OLD NEW`: what changed between two releases, as the release's changelog section.

Each side is a built release (a dist folder with `ccbkg.nq`) or a git commit of the repository
(its authored files are read as they were at that commit). The data, vocabulary and ontology
graphs are compared node by node: a node's statements include those of its `#fragment` parts
(a passage's selectors, a node's date), and a blank node is compared by what it says. Shapes and
the VoID description (dates, counts) are left out.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ccbkg.core.errors import CcbkgError
from ccbkg.core.namespaces import CCB, GRAPH, ID, OA, RDF, RDFS, SKOS
from ccbkg.core.terms import OxTerm
from ccbkg.core.termtext import counted, curie
from ccbkg.rdf.dataset import RELEASE_FILE, ReleaseInput, open_release

COMPARED = (f"{GRAPH}data/", f"{GRAPH}vocab/", f"{GRAPH}ontology")
LABELS = (str(RDFS.label), str(SKOS.prefLabel))
Statement = tuple[str, str]  # (property key, value as text)


@dataclass
class Side:
    """One release: its nodes' statements and what is needed to name them."""

    label: str
    nodes: dict[str, set[Statement]] = field(default_factory=lambda: defaultdict(set))
    names: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    passages: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    words: dict[str, str] = field(default_factory=dict)  # a literal's text -> its value


@dataclass(frozen=True)
class Change:
    """A node added, removed or changed, with the statements that differ."""

    node: str
    added: frozenset[Statement]
    removed: frozenset[Statement]


def open_side(spec: str, repository: Path, scratch: Path) -> ReleaseInput:
    """A dist folder's release, or the authored files at a git commit of the repository."""
    folder = Path(spec)
    if folder.is_dir():
        built = folder / RELEASE_FILE
        if not built.is_file():
            raise CcbkgError(f"{spec}: no {RELEASE_FILE} in this folder; give a folder that "
                             "`ccbkg build` wrote, or a git commit")
        return ReleaseInput(label=spec, path=built)
    commit = _git(repository, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}",
                  missing=f"{spec}: neither a folder nor a git commit of {repository}").strip()
    prefix = _git(repository, "rev-parse", "--show-prefix", missing="").strip()
    tree = scratch / commit
    archive = subprocess.run(["git", "-C", str(repository), "archive", "--format=tar", commit],
                             capture_output=True, check=False)
    if archive.returncode != 0:
        raise CcbkgError(f"{spec}: git archive failed: {archive.stderr.decode(errors='replace')}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(tree, filter="data")
    try:
        release = open_release(None, tree / prefix)
    except CcbkgError as exc:
        raise CcbkgError(f"{spec} ({commit[:12]}): {exc}") from None
    return ReleaseInput(label=f"{spec} ({commit[:12]})", data=release.data)


def _git(repository: Path, *args: str, missing: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(repository), *args], capture_output=True,
                              text=True, check=False)
    except FileNotFoundError:
        raise CcbkgError("git is not installed: give two dist folders instead") from None
    if done.returncode != 0:
        raise CcbkgError(missing or done.stderr.strip())
    return done.stdout


def read_side(release: ReleaseInput) -> Side:
    """The compared graphs of a release, node by node."""
    side = Side(release.label)
    quads = [q for q in release.quads()
             if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(COMPARED)]
    blanks: dict[ox.BlankNode, list[tuple[ox.NamedNode, OxTerm]]] = defaultdict(list)
    for q in quads:
        if isinstance(q.subject, ox.BlankNode):
            blanks[q.subject].append((q.predicate, q.object))
    for q in quads:
        if not isinstance(q.subject, ox.NamedNode):
            continue
        node, part = _owner(q.subject.value)
        key = f"{part} {q.predicate.value}" if part else q.predicate.value
        text = _text(q.object, blanks, frozenset())
        side.nodes[node].add((key, text))
        if isinstance(q.object, ox.Literal):
            side.words[text] = q.object.value
        if part:
            continue
        value = q.object
        if q.predicate.value in LABELS and isinstance(value, ox.Literal) and (
                value.language in (None, "en")):
            side.names.setdefault(node, value.value)
        elif q.predicate == ox.NamedNode(str(RDF.type)) and isinstance(value, ox.NamedNode):
            side.kinds[node].add(value.value)
        elif q.predicate == ox.NamedNode(str(CCB.citesPassage)) and isinstance(value,
                                                                                ox.NamedNode):
            side.passages[node].add(value.value)
    return side


def _owner(iri: str) -> tuple[str, str]:
    """The node a subject's statements belong to: an instance's #fragment part folds into it."""
    if iri.startswith(str(ID)) and "#" in iri:
        node, part = iri.split("#", 1)
        return node, f"#{part}"
    return iri, ""


def _text(term: OxTerm, blanks: Mapping[ox.BlankNode, list[tuple[ox.NamedNode, OxTerm]]],
          seen: frozenset[ox.BlankNode]) -> str:
    """A term as comparable text; a blank node as the sorted statements it makes."""
    if isinstance(term, ox.BlankNode):
        if term in seen:
            return "[…]"
        inner = sorted(f"{p.value} {_text(o, blanks, seen | {term})}" for p, o in blanks[term])
        return "[" + "; ".join(inner) + "]"
    return str(term)


def changes(old: Side, new: Side) -> tuple[list[str], list[str], list[Change]]:
    """The nodes only in new, only in old, and in both with different statements."""
    added = sorted(set(new.nodes) - set(old.nodes))
    removed = sorted(set(old.nodes) - set(new.nodes))
    changed = [Change(n, frozenset(new.nodes[n] - old.nodes[n]),
                      frozenset(old.nodes[n] - new.nodes[n]))
               for n in sorted(set(old.nodes) & set(new.nodes)) if old.nodes[n] != new.nodes[n]]
    return added, removed, changed


def changelog(old: Side, new: Side) -> str:
    """The changelog section: added, removed and changed nodes, by label and passage."""
    added, removed, changed = changes(old, new)
    lines = [f"## Changes in the knowledge graph: {old.label} → {new.label}", "",
             f"{counted(len(added), 'node')} added, {counted(len(removed), 'node')} removed, "
             f"{counted(len(changed), 'node')} changed.", ""]
    if added:
        lines += ["### Added", ""]
        lines += [_entry(n, new, new) for n in _ordered(added, new)] + [""]
    if removed:
        lines += ["### Removed", ""]
        lines += [_entry(n, old, old) for n in _ordered(removed, old)] + [""]
    if changed:
        lines += ["### Changed", ""]
        by_node = {c.node: c for c in changed}
        for node in _ordered(by_node, new):
            lines.append(_entry(node, new, old))
            lines += _differences(by_node[node], new, old)
        lines.append("")
    return "\n".join(lines)


def _ordered(nodes: Iterable[str], side: Side) -> list[str]:
    return sorted(nodes, key=lambda n: (_kind(n, side), side.names.get(n, ""), n))


def _kind(node: str, side: Side) -> str:
    return ", ".join(sorted(_name(k, side) for k in side.kinds.get(node, ())))


def _entry(node: str, side: Side, evidence: Side) -> str:
    """`- **Label** (CURIE, kind); passages: label “quote”`."""
    kind = _kind(node, side)
    head = f"- **{_md(side.names.get(node, curie(node)))}** (`{curie(node)}`"
    head += f", {_md(kind)})" if kind else ")"
    passages = sorted(side.passages.get(node, ()) or evidence.passages.get(node, ()))
    if passages:
        head += "; " + "; ".join(_passage(p, side) or _passage(p, evidence) or f"`{curie(p)}`"
                                 for p in passages)
    return head


def _passage(passage: str, side: Side) -> str | None:
    """A passage as `CURIE` “its exact words”, from the side that has it."""
    exact = next((value for key, value in side.nodes.get(passage, ())
                  if key == f"#quote {OA.exact}"), None)
    if exact is None:
        return None
    return f"passage `{curie(passage)}` “{_md(side.words.get(exact, exact))}”"


def _differences(change: Change, new: Side, old: Side) -> list[str]:
    """One line per property whose values changed: was → now."""
    keys = sorted({k for k, _ in change.added} | {k for k, _ in change.removed})
    lines = []
    for key in keys:
        was = sorted(v for k, v in change.removed if k == key)
        now = sorted(v for k, v in change.added if k == key)
        part, _, prop = key.rpartition(" ")
        name = _name(prop, new) if prop else key
        if part:
            name = f"{part.lstrip('#')} › {name}"
        was_text = ", ".join(_value(v, old) for v in was) or "(none)"
        now_text = ", ".join(_value(v, new) for v in now) or "(none)"
        lines.append(f"  - {_md(name)}: {was_text} → {now_text}")
    return lines


def _value(text: str, side: Side) -> str:
    """A value as a reader sees it: a node's label, or a literal's words."""
    if text in side.words:
        return f"“{_md(side.words[text])}”"
    if text.startswith("<") and text.endswith(">"):
        iri = text[1:-1]
        label = side.names.get(iri)
        return f"{_md(label)} (`{curie(iri)}`)" if label else f"`{curie(iri)}`"
    return _md(text)


def _name(iri: str, side: Side) -> str:
    return side.names.get(iri) or curie(iri)


def _md(text: str) -> str:
    """Text safe in a Markdown list item: one line, no markup characters taking effect."""
    flat = " ".join(text.split())
    return "".join(f"\\{c}" if c in "\\`*[]<>|" else c for c in flat)


def diff(old_spec: str, new_spec: str, repository: Path) -> str:
    """The changelog section between two releases (dist folders or git commits)."""
    with tempfile.TemporaryDirectory(prefix="ccbkg-diff-") as scratch:
        old = read_side(open_side(old_spec, repository, Path(scratch)))
        new = read_side(open_side(new_spec, repository, Path(scratch)))
    return changelog(old, new)
