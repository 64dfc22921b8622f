"""Where the authored files live and what role each file plays."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import BinaryIO

from ccbkg.core.errors import CcbkgError
from ccbkg.core.limits import MAX_FILE_BYTES
from ccbkg.core.namespaces import GRAPH


class Role(Enum):
    """What an authored file is for; decides which checks see it and its named graph."""

    ONTOLOGY = "ontology"
    VOCAB = "vocab"
    SHAPES = "shapes"
    LINT_SHAPES = "lint-shapes"
    DATA = "data"
    QUERY = "query"
    CHECK_QUERY = "check-query"


# The RDF syntaxes `check --data-format` names, with the extension that selects each.
DATA_SYNTAXES = {"turtle": ".ttl", "ntriples": ".nt", "nquads": ".nq", "trig": ".trig",
                 "rdfxml": ".rdf", "jsonld": ".jsonld"}

RDF_ROLES = (Role.ONTOLOGY, Role.VOCAB, Role.SHAPES, Role.LINT_SHAPES, Role.DATA)
SPARQL_ROLES = (Role.QUERY, Role.CHECK_QUERY)

# An authored file's name (without .ttl, .shapes.ttl or .rq) becomes part of a graph IRI, a query
# name or a release file's name: lowercase letters, digits and hyphens.
NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]*")
NAME_RULE = "lowercase letters, digits and hyphens, starting with a letter or digit"
_NOT_REGULAR = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a FIFO (named pipe)",
                stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
                stat.S_IFSOCK: "a socket"}

_PATTERNS: dict[Role, str] = {
    Role.ONTOLOGY: "ontology/*.ttl",
    Role.VOCAB: "ontology/vocab/*.ttl",
    Role.SHAPES: "shapes/*.ttl",
    Role.LINT_SHAPES: "shapes/lint/*.ttl",
    Role.DATA: "instances/*.ttl",
    Role.QUERY: "queries/*.rq",
    Role.CHECK_QUERY: "queries/checks/*.rq",
}


@dataclass(frozen=True)
class ProjectFile:
    """One authored file and its role."""

    path: Path
    role: Role
    syntax: str | None = None  # a key of DATA_SYNTAXES; None: by the file's extension

    @property
    def suffix(self) -> str:
        """The extension that says the file's syntax: its own, or its --data-format's."""
        return DATA_SYNTAXES[self.syntax] if self.syntax else self.path.suffix.lower()

    @property
    def name(self) -> str:
        """The file's name without its extensions (.ttl, .shapes.ttl, .rq)."""
        return self.path.stem.removesuffix(".shapes")

    @property
    def graph_iri(self) -> str:
        """The named graph this file's triples go into in the TriG release and in stores."""
        stem = self.name
        if self.role is Role.ONTOLOGY:
            return str(GRAPH["ontology"])
        if self.role is Role.VOCAB:
            return str(GRAPH[f"vocab/{stem}"])
        if self.role is Role.SHAPES:
            return str(GRAPH["shapes"])
        if self.role is Role.LINT_SHAPES:
            return str(GRAPH["lint-shapes"])
        return str(GRAPH[f"data/{stem}"])


def installed_data() -> Path:
    """Where an installed ccbkg keeps the data shipped with it (absent in a checkout)."""
    return Path(__file__).resolve().parents[1] / "data"


#: The folders that make a folder a ccbkg source tree.
TREE_FOLDERS = ("ontology", "shapes", "instances")


def default_root() -> Path:
    """The source tree the current folder is in (the nearest folder, this one or above, with
    ontology/, shapes/ and instances/, as git finds its repository), else `shipped_root`."""
    try:
        here = Path.cwd()
    except OSError:  # the current folder was deleted
        return shipped_root()
    for folder in (here, *here.parents):
        if all((folder / name).is_dir() for name in TREE_FOLDERS):
            return folder
    return shipped_root()


def shipped_root() -> Path:
    """The data shipped with the package, or the project folder when running from a checkout."""
    packaged = installed_data()
    if (packaged / "ontology").is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / "ontology").is_dir():
        return checkout
    raise CcbkgError("cannot find a ccbkg project: pass --root DIR (a folder with ontology/)")


@dataclass
class Project:
    """The set of authored files a run works on."""

    root: Path
    data_files: list[Path] | None = None
    files: list[ProjectFile] = field(default_factory=list)

    @classmethod
    def discover(cls, root: Path | None = None, data_files: list[Path] | None = None,
                 data_syntax: str | None = None) -> Project:
        """Find the authored files under root; data_files, when given, replace instances/ (read
        as data_syntax, a key of DATA_SYNTAXES, when given, else by their extensions)."""
        base = (root or default_root()).resolve()
        if not (base / "ontology").is_dir():
            raise CcbkgError(f"{base}: not a ccbkg source tree (no ontology/ folder)")
        files: list[ProjectFile] = []
        for role, pattern in _PATTERNS.items():
            if role is Role.DATA and data_files is not None:
                continue
            files.extend(ProjectFile(p, role) for p in sorted(base.glob(pattern)))
        seen: set[Path] = set()
        for extra in _data_files(data_files or []):
            if extra.resolve() in seen:
                raise CcbkgError(f"--data {extra}: given twice (each file's nodes would be "
                                 "counted twice)")
            seen.add(extra.resolve())
            # The folder resolved, the name kept: a link is shown and checked as the user named it.
            files.append(ProjectFile(extra.absolute().parent.resolve() / extra.name, Role.DATA,
                                     data_syntax))
        return cls(root=base, data_files=data_files, files=files)

    @classmethod
    def to_change(cls, root: Path | None) -> Project:
        """The source tree a command that writes into it works on (`source add`, `passage add`,
        `new country`, `draft`, `query freeze`): never the data installed with ccbkg, which an
        upgrade or an uninstall deletes and every user of that installation shares."""
        project = cls.discover(root)
        if project.root == installed_data():
            raise CcbkgError(
                f"{project.root} is the data installed with ccbkg, which ccbkg never changes (an "
                "upgrade or uninstall would delete what was added there); copy its ontology/, "
                "shapes/, instances/ and queries/ into a folder of your own, and run ccbkg in "
                "it or pass --root FOLDER")
        return project

    def of(self, *roles: Role) -> list[ProjectFile]:
        """The files with any of the given roles, in a stable order."""
        return [f for f in self.files if f.role in roles]

    def unread_data(self) -> list[Path]:
        """Files in instances/ that look like RDF data but are not read: another extension
        (".TTL", ".nt", ".jsonld"…; data there is Turtle, *.ttl) or a subfolder (sources/
        aside, which holds the source texts). Empty when --data replaces instances/."""
        folder = self.root / "instances"
        if self.data_files is not None or not folder.is_dir():
            return []
        rdf = {".ttl", ".nt", ".nq", ".trig", ".rdf", ".owl", ".jsonld", ".n3", ".xml"}
        return sorted(
            p for p in folder.rglob("*")
            if p.suffix.lower() in rdf and p.is_file() and not (
                p.parent == folder and p.suffix == ".ttl")
            and "sources" not in p.relative_to(folder).parts[:-1])

    def source_texts(self) -> list[Path]:
        """The cited source documents (plain text) shipped beside the instances."""
        return sorted((self.root / "instances" / "sources").glob("*.txt"))

    def display(self, path: Path) -> str:
        """A path as shown in messages: relative to the root when inside it, with control
        characters (a newline, an escape) written as escapes."""
        try:
            shown = str(path.relative_to(self.root))
        except ValueError:
            shown = str(path)
        return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in shown)

    def read_text(self, path: Path) -> str:
        """An authored file's text (`read_bytes`, then UTF-8); CcbkgError when it is not
        UTF-8, naming the file and the byte."""
        data = self.read_bytes(path)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CcbkgError(f"{self.display(path)}: byte {exc.start} is not UTF-8 "
                             f"({data[exc.start:exc.start + 1]!r}); save the file as UTF-8"
                             ) from None

    def read_bytes(self, path: Path) -> bytes:
        """An authored file's bytes, read only when it is safe to; RefusedFile says why not.

        Besides what read_regular requires, a path inside the root must stay inside after
        following symbolic links.
        """
        shown = self.display(path)
        real = Path(os.path.realpath(path))
        if path.is_relative_to(self.root) and not real.is_relative_to(self.root):
            raise RefusedFile(shown, "is a symbolic link that points outside the project; "
                              "ccbkg reads only files inside the source tree: copy the file in")
        return read_regular(real, shown)


def read_regular(path: Path, shown: str) -> bytes:
    """A file's bytes when it is a regular file within the size limit; RefusedFile if not.

    The type is checked before opening (a FIFO would block, a device never end) and again on
    the opened file, and the limit holds while reading (/proc files say they are empty).
    """
    limit = MAX_FILE_BYTES.value()
    try:
        _regular(shown, path.stat())
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as handle:
            size = _regular(shown, os.fstat(fd)).st_size
            data = _read_at_most(handle, limit + 1) if size <= limit else b""
    except OSError as exc:
        raise RefusedFile(shown, f"cannot read the file: {exc.strerror}") from None
    if size > limit or len(data) > limit:
        has = f"{size:,} bytes" if size > limit else f"more than {limit:,} bytes"
        raise RefusedFile(shown, (
            f"file has {has}, over the limit of {limit:,} bytes; split it into smaller "
            f"files, or {MAX_FILE_BYTES.hint()}"))
    return data


def _read_at_most(handle: BinaryIO, most: int) -> bytes:
    """Up to most bytes of handle, read a MiB at a time (a read of most bytes would set that
    much memory aside first, whatever the file holds)."""
    chunks: list[bytes] = []
    left = most
    while left > 0 and (chunk := handle.read(min(left, 1 << 20))):
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class RefusedFile(CcbkgError):
    """An authored file that is not read: not a regular file, too large, outside the project."""

    def __init__(self, shown: str, reason: str) -> None:
        super().__init__(f"{shown}: {reason}")
        self.shown = shown
        self.reason = reason


def _data_files(given: list[Path]) -> Iterator[Path]:
    """The files --data names: each file, and in each folder every file with an extension of
    DATA_SYNTAXES in it and its subfolders, in name order (hidden folders and files
    aside, links to folders not followed)."""
    for extra in given:
        if not extra.exists():
            raise CcbkgError(f"{extra}: no such data file")
        if not extra.is_dir():
            yield extra
            continue
        found = []
        for folder, subfolders, names in os.walk(extra):
            subfolders[:] = [d for d in subfolders if not d.startswith(".")]
            found += [Path(folder) / n for n in names
                      if not n.startswith(".") and n.endswith(tuple(DATA_SYNTAXES.values()))]
        if not found:
            raise CcbkgError(f"--data {extra}: a folder with no data file in it (files named "
                             f"{', '.join('*' + e for e in DATA_SYNTAXES.values())})")
        yield from sorted(found)


def name_problem(file: ProjectFile) -> str | None:
    """Why an authored file's name cannot become part of an IRI or a file name, or None."""
    if NAME_RE.fullmatch(file.name):
        return None
    return (f"file name {file.path.name!r} is refused: it becomes part of an IRI and of "
            f"release file names, so it must be {NAME_RULE}")


def _regular(shown: str, status: os.stat_result) -> os.stat_result:
    """The status of a regular file; anything else is refused (it is not read)."""
    if not stat.S_ISREG(status.st_mode):
        kind = _NOT_REGULAR.get(stat.S_IFMT(status.st_mode), "a special file")
        raise RefusedFile(shown, f"is {kind}, not a regular file; ccbkg reads only regular "
                          "files")
    return status
