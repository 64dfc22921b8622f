"""Reading and appending the authored files the curator commands change."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from ccbkg.core.errors import CcbkgError
from ccbkg.core.locks import locked_folder
from ccbkg.core.namespaces import ID_PREFIXES
from ccbkg.project.layout import Project
from ccbkg.release import atomic
from ccbkg.release.atomic import write_bytes


def sources_ttl(project: Project) -> Path:
    """instances/sources.ttl, which must exist."""
    path = project.root / "instances" / "sources.ttl"
    if not path.is_file():
        raise CcbkgError(f"{project.display(path)}: no such file (the source documents and "
                         "their passages)")
    return path


def triples(project: Project, path: Path) -> list[tuple[str, str, str]]:
    """The triples of a Turtle file as (subject, predicate, object) values (an IRI, a blank
    node's label or a literal's lexical form); a syntax error names the file."""
    try:
        return [(_value(q.subject), q.predicate.value, _value(q.object))
                for q in ox.parse(project.read_bytes(path), format=ox.RdfFormat.TURTLE)]
    except SyntaxError as exc:
        raise CcbkgError(f"{project.display(path)}: not valid Turtle ({exc}): fix it first "
                         "(`ccbkg check --only syntax`)") from None


def _value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    return str(term) if isinstance(term, ox.Triple) else term.value


# The prefixes of the blocks the curator commands append to instances/sources.ttl.
SOURCES_PREFIXES = {
    "ccb": "https://w3id.org/ccbkg/ontology#", "dcterms": "http://purl.org/dc/terms/",
    "oa": "http://www.w3.org/ns/oa#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#", "src": ID_PREFIXES["src"],
    "passage": ID_PREFIXES["passage"],
}


def append(path: Path, block: str, shown: str) -> None:
    """Append a Turtle block written with SOURCES_PREFIXES to path, separated by one blank
    line, with the file's line ends (CR LF stays CR LF); atomically, through a link to the
    file (kept), and only when the file then holds exactly its triples and the block's (a file
    that binds one of the block's prefixes otherwise, or not at all, is refused; so is one
    nobody may write, by `write_bytes`)."""
    target = path.resolve() if path.is_symlink() else path
    text = target.read_bytes().decode("utf-8")
    end = "\r\n" if "\r\n" in text else "\n"
    added = end.join(block.rstrip("\n").split("\n"))
    new = text.rstrip("\r\n") + end * 2 + added + end
    head = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in SOURCES_PREFIXES.items())
    try:
        before, after = _parsed(text), _parsed(new)
    except SyntaxError as exc:
        raise CcbkgError(f"{shown}: the new block would not be valid Turtle there ({exc}); "
                         "it uses the prefixes " + ", ".join(f"{p}:" for p in SOURCES_PREFIXES)
                         + ": declare the missing ones at the top of the file") from None
    if after - before != _parsed(head + block):
        raise CcbkgError(f"{shown} binds one of the prefixes " + ", ".join(
            f"{p}: <{iri}>" for p, iri in SOURCES_PREFIXES.items()) + " to another IRI: "
            "the new block would say something else there; bind them as shown")
    write_bytes(target, new.encode("utf-8"))


def _parsed(text: str) -> set[ox.Quad]:
    return set(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE))


@contextmanager
def locked(project: Project) -> Iterator[None]:
    """One curator command at a time in a project: the commands read the files they add to,
    then write them, and two at once would each write over the other's addition."""
    folder = project.root / "instances"
    if folder.is_symlink() or not folder.is_dir():  # the command says what is wrong itself
        yield
        return
    with locked_folder(folder):
        yield


def create(path: Path, data: bytes, shown: str,
           why: str = "ccbkg never overwrites a curated file") -> None:
    """Write a new file; refuse one that exists (or appears while it is written), saying
    why."""
    exists = CcbkgError(f"{shown} exists already: {why}")
    if path.exists() or path.is_symlink():
        raise exists
    try:
        atomic.create(path, data)
    except FileExistsError:
        raise exists from None


def one_line(value: str | None, option: str) -> None:
    """Refuse an option's text that is not one line of visible text: a line break, tab or other
    control character, an invisible or bidi character (the checks reject them in a literal, and
    a line break would end the comment the text is written into), or bytes that are not UTF-8."""
    for at, char in enumerate(value or ""):
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            name = unicodedata.name(char, "a control character" if char.isascii() else
                                    "a byte that is not UTF-8")
            raise CcbkgError(f"{option} holds {name} (U+{ord(char):04X}) at character "
                             f"{at + 1}: give one line of visible text")


def literal(value: str, language: str | None = None, datatype: str | None = None) -> str:
    """A Turtle literal: escaped as N-Triples, with a language tag or datatype."""
    if datatype:
        return str(ox.Literal(value, datatype=ox.NamedNode(datatype)))
    return str(ox.Literal(value, language=language) if language else ox.Literal(value))
