"""The release as one N-Quads dataset: `dist/ccbkg.nq`, or made from the project when absent.

`serve` and `publish` both start here, so a store gets exactly what `build` ships: ontology,
vocabularies, shapes, each country and what the ontology entails for them (rdf/inferred.py)
in their own named graphs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ccbkg.core.checksums import SUMS, read_sums, sha256
from ccbkg.core.errors import CcbkgError
from ccbkg.rdf.inferred import inferred_graph
from ccbkg.rdf.skolem import released

RELEASE_FILE = "ccbkg.nq"
DEFAULT_DIST = Path("dist")


@dataclass(frozen=True)
class ReleaseInput:
    """Where the release comes from: a built N-Quads file, or bytes serialised from the project."""

    label: str
    path: Path | None = None
    data: bytes | None = None

    def quads(self) -> list[ox.Quad]:
        """All quads of the release."""
        try:
            if self.path is not None:
                return list(ox.parse(path=self.path, format=ox.RdfFormat.N_QUADS))
            return list(ox.parse(self.data or b"", format=ox.RdfFormat.N_QUADS))
        except (SyntaxError, OSError) as exc:
            raise CcbkgError(f"{self.label}: cannot read the release: {exc}") from None

    def file(self, scratch: Path) -> Path:
        """An N-Quads file with the release: the built one, or one written into scratch."""
        if self.path is not None:
            return self.path
        target = scratch / RELEASE_FILE
        target.write_bytes(self.data or b"")
        return target


def open_release(dist: Path | None, root: Path | None) -> ReleaseInput:
    """The built release in dist (default `dist/`), else the project under root (or shipped).

    Naming dist makes its `ccbkg.nq` required; naming root always uses the authored files.
    """
    if dist is not None and root is not None:
        raise CcbkgError("give either --dist or --root, not both")
    if root is None:
        built = (dist or DEFAULT_DIST) / RELEASE_FILE
        if built.is_file() and not built.is_symlink():
            _verify(built)
            return ReleaseInput(label=str(built), path=built)
        if built.exists() or built.is_symlink():
            raise CcbkgError(f"{built}: is not a regular file (a link, a folder or a named "
                             "pipe); give the folder `ccbkg build` wrote")
        if dist is not None:
            raise CcbkgError(f"{built}: no such file; run `ccbkg build --out {dist}` first, "
                             "or pass --root to use the project files")
    return _from_project(root)


def _verify(built: Path) -> None:
    """Refuse a release file that is not the one its build listed in the SHA256SUMS beside it
    (cut short or changed): what is served or published is what was built. A file with no
    SHA256SUMS beside it (one copied alone, or made by another tool) is taken as it is."""
    listed = built.parent / SUMS
    if not listed.exists() and not listed.is_symlink():
        return
    sums = read_sums(built.parent)
    expected = sums.get(RELEASE_FILE) if sums is not None else None
    if expected is None:
        raise CcbkgError(f"{built}: {listed} is not a list of checksums `sha256sum -c` reads "
                         "that names it once (a link, a file of another kind or size, a name "
                         "given twice, or a line of another form), so the release cannot be "
                         "verified; build it again")
    if sha256(built) != expected:
        raise CcbkgError(f"{built}: does not match its checksum in {built.parent / SUMS} (the "
                         "file was changed or cut short after the build); build it again, or "
                         "copy the whole folder the build wrote")


def _from_project(root: Path | None) -> ReleaseInput:
    from ccbkg.project.layout import Project, Role
    from ccbkg.project.load import load_whole
    from ccbkg.rdf.serialize import to_bytes

    project = Project.discover(root)
    loaded = load_whole(project)
    quads = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(f.file.graph_iri))
             for f in loaded.of(Role.ONTOLOGY, Role.VOCAB, Role.SHAPES, Role.DATA)
             for q in released(f.file.graph_iri, list(f.quads()))] + list(inferred_graph(loaded))
    return ReleaseInput(label=f"the project files in {project.root}", data=to_bytes(quads, "nq"))
