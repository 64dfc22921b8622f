"""SHA256SUMS, as `ccbkg build` writes it beside the release (`<digest>  <name>` per file) and
`sha256sum -c` checks it: read it, and hash a file as it would."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

SUMS = "SHA256SUMS"


MAX_SUMS_BYTES = 64 << 20  # far more than a build of 10,000x lists; beyond, not a build's


def read_sums(folder: Path) -> dict[str, str] | None:
    """The files folder's SHA256SUMS lists (name -> digest in lower case), read as
    `sha256sum -c` reads it (a `*` before a name, `./`, blank lines, upper-case hex), or
    None when it has none, is not a regular file, is larger than any build writes, names a
    file twice or outside the folder, or has a line that is not `<digest>  <name>`."""
    sums = folder / SUMS
    if sums.is_symlink() or not sums.is_file() or sums.stat().st_size > MAX_SUMS_BYTES:
        return None
    listing: dict[str, str] = {}
    for line in sums.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        digest, _, name = line.partition(" ")
        name = name[1:] if name[:1] in (" ", "*") else name
        name = name.removeprefix("./")
        relative = Path(name)
        if (not re.fullmatch(r"[0-9A-Fa-f]{64}", digest) or not name or relative.is_absolute()
                or ".." in relative.parts or name != relative.as_posix() or name in listing):
            return None
        listing[name] = digest.lower()
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
