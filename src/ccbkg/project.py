"""Where the authored sources live and what role each file plays."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from ccbkg.errors import CcbkgError
from ccbkg.namespaces import GRAPH


class Role(Enum):
    """What a source file is for; decides which checks see it and its named graph."""

    ONTOLOGY = "ontology"
    VOCAB = "vocab"
    SHAPES = "shapes"
    LINT_SHAPES = "lint-shapes"
    DATA = "data"
    QUERY = "query"
    CHECK_QUERY = "check-query"


RDF_ROLES = (Role.ONTOLOGY, Role.VOCAB, Role.SHAPES, Role.LINT_SHAPES, Role.DATA)
SPARQL_ROLES = (Role.QUERY, Role.CHECK_QUERY)

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
class SourceFile:
    """One authored file and its role."""

    path: Path
    role: Role

    @property
    def graph_iri(self) -> str:
        """The named graph this file's triples go into in the TriG release and in stores."""
        stem = self.path.stem.removesuffix(".shapes")
        if self.role is Role.ONTOLOGY:
            return str(GRAPH["ontology"])
        if self.role is Role.VOCAB:
            return str(GRAPH[f"vocab/{stem}"])
        if self.role is Role.SHAPES:
            return str(GRAPH["shapes"])
        if self.role is Role.LINT_SHAPES:
            return str(GRAPH["lint-shapes"])
        return str(GRAPH[f"data/{stem}"])


def default_root() -> Path:
    """The data shipped with the package, or the source tree when running from a checkout."""
    packaged = Path(__file__).resolve().parent / "data"
    if (packaged / "ontology").is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "ontology").is_dir():
        return checkout
    raise CcbkgError("cannot find the ccbkg sources: pass --root DIR (a folder with ontology/)")


@dataclass
class Project:
    """The set of source files a run works on."""

    root: Path
    data_files: list[Path] | None = None
    files: list[SourceFile] = field(default_factory=list)

    @classmethod
    def discover(cls, root: Path | None = None, data_files: list[Path] | None = None) -> Project:
        """Find the source files under root; data_files, when given, replace instances/."""
        base = (root or default_root()).resolve()
        if not (base / "ontology").is_dir():
            raise CcbkgError(f"{base}: not a ccbkg source tree (no ontology/ folder)")
        files: list[SourceFile] = []
        for role, pattern in _PATTERNS.items():
            if role is Role.DATA and data_files is not None:
                continue
            files.extend(SourceFile(p, role) for p in sorted(base.glob(pattern)))
        for extra in data_files or []:
            if not extra.is_file():
                raise CcbkgError(f"{extra}: no such data file")
            files.append(SourceFile(extra.resolve(), Role.DATA))
        return cls(root=base, data_files=data_files, files=files)

    def of(self, *roles: Role) -> list[SourceFile]:
        """The files with any of the given roles, in a stable order."""
        return [f for f in self.files if f.role in roles]

    def source_texts(self) -> list[Path]:
        """The cited source documents (plain text) shipped beside the instances."""
        return sorted((self.root / "instances" / "sources").glob("*.txt"))

    def display(self, path: Path) -> str:
        """A path as shown in messages: relative to the root when inside it."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)
