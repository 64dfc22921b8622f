"""Write files and folders so that a failure never leaves half-written output behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ccbkg.errors import CcbkgError


def write_bytes(path: Path, data: bytes) -> None:
    """Write data to path through a temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_writable(target: Path) -> None:
    """Fail early, before any work, when the output folder target cannot be written."""
    if target.exists() and not target.is_dir():
        raise CcbkgError(f"{target} is a file, not a folder; choose another --out")
    ancestor = target.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise CcbkgError(f"cannot write to {target}: {ancestor} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise CcbkgError(f"cannot write to {target}: {ancestor} is not writable")


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Yield an empty folder beside target; on success it replaces target, else it goes away."""
    parent = target.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}-new-"))
    except OSError as exc:
        raise CcbkgError(f"cannot write to {parent}: {exc.strerror}") from exc
    try:
        yield staging
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise CcbkgError(f"cannot write the build into {parent}: {exc.strerror or exc}; "
                         f"{target} is unchanged") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = parent / f".{target.name}-old-{os.getpid()}"
    try:
        if target.exists():
            target.replace(old)
        staging.replace(target)
    except OSError as exc:
        if old.exists() and not target.exists():
            old.replace(target)
        shutil.rmtree(staging, ignore_errors=True)
        raise CcbkgError(f"cannot move the new build into {target}: {exc.strerror}") from exc
    shutil.rmtree(old, ignore_errors=True)
