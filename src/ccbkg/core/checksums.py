"""SHA256SUMS, as `ccbkg build` writes it beside the release (`<digest>  <name>` per file) and
`sha256sum -c` checks it: read it, and hash a file as it would."""

from __future__ import annotations

import hashlib
from pathlib import Path

SUMS = "SHA256SUMS"


def read_sums(folder: Path) -> dict[str, str] | None:
    """The files folder's SHA256SUMS lists (name -> digest), or None when it has none or a
    line is not one a build writes (a digest of 64 characters, a relative name in the
    folder)."""
    sums = folder / SUMS
    if not sums.is_file() or sums.is_symlink():
        return None
    listing: dict[str, str] = {}
    for line in sums.read_text(encoding="utf-8", errors="replace").splitlines():
        digest, _, name = line.partition("  ")
        relative = Path(name)
        if (len(digest) != 64 or not name or relative.is_absolute() or ".." in relative.parts
                or name != relative.as_posix()):
            return None
        listing[name] = digest
    return listing


def sha256(path: Path) -> str | None:
    """The file's SHA-256 in hex, or None when it is not a regular file (a link, a folder, a
    named pipe)."""
    if path.is_symlink() or not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
