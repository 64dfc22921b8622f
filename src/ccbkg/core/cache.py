"""ccbkg's cache folder: where answers computed once are kept for the same input.

One folder per kind of entry (`pages` for query pages, `reasoner` for HermiT's verdicts) under
$CCBKG_CACHE_DIR, else $XDG_CACHE_HOME/ccbkg, else ~/.cache/ccbkg. A folder is used only when
it is this user's and nobody else may write to it (else anyone could plant answers in it); an
entry is written to a file of its own and renamed into place, never followed through a link,
and the cache never fails a command: a folder that cannot be written only costs time.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

CACHE_ENV = "CCBKG_CACHE_DIR"


def folder(kind: str) -> Path:
    """The folder of one kind of entry (it may not exist yet)."""
    given = os.environ.get(CACHE_ENV)
    if given:
        return Path(given) / kind
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ccbkg" / kind


def is_private(path: Path) -> bool:
    """Whether path is a folder of this user that nobody else may write to."""
    try:
        status = path.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid() \
        and not status.st_mode & 0o022


def make_private(path: Path) -> bool:
    """Create the folder (owner only) if it is missing; whether it is private now."""
    with contextlib.suppress(OSError):
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return is_private(path)


def open_entry(path: Path) -> int | None:
    """A descriptor of the entry at path for reading, or None when it is missing, a link or not
    a regular file (a FIFO is opened without waiting for a writer, then refused)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        if regular:
            os.set_blocking(fd, True)
    except OSError:
        regular = False
    if not regular:
        os.close(fd)
        return None
    return fd


def read_small(path: Path, limit: int = 1 << 20) -> bytes | None:
    """A small entry's bytes, or None when it is missing, a link, not a regular file, larger
    than limit or its folder is not private."""
    if not is_private(path.parent):
        return None
    fd = open_entry(path)
    if fd is None:
        return None
    with os.fdopen(fd, "rb") as entry:
        try:
            data = entry.read(limit + 1)
        except OSError:
            return None
    return data if len(data) <= limit else None


def write_small(path: Path, data: bytes) -> None:
    """Keep a small entry: written to a file of its own (owner only), then renamed into place;
    nothing is kept when the folder is not private or the write fails."""
    if not make_private(path.parent):
        return
    temporary = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        temporary.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
