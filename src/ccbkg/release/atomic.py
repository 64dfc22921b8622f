"""Write files and folders so that a failure never leaves half-written output behind.

A build's output folder holds a marker, `.ccbkg-build`: its format line, then every file the
build wrote. A later build replaces a folder only when it is missing, empty, or holds nothing
but the files its marker lists (or, for a folder built before the marker existed, nothing but
the files its SHA256SUMS lists with those checksums, and the site/ folder).
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import signal
import stat
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from ccbkg.core.checksums import SUMS, read_sums, sha256
from ccbkg.core.errors import CcbkgError
from ccbkg.core.locks import locked_folder

MARKER = ".ccbkg-build"
MARKER_FORMAT = "# ccbkg build output, format 1"
MARKER_NOTE = ("# `ccbkg build` replaces this folder only while it holds nothing but the files "
               "listed below.")
# Listed in the SHA256SUMS of every build since the first release (before the marker existed).
SUMS_FINGERPRINT = ("ccbkg.nq", "void.ttl")
UNLISTED_BEFORE_MARKER = "site"
_KINDS = {stat.S_IFREG: "a file", stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket",
          stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}


def write_bytes(path: Path, data: bytes) -> None:
    """Write data to path through a temporary file in the same folder, then rename; the file
    keeps its permissions, and a new one gets those the umask gives (as `open` makes it)."""
    write_files({path: data})


def write_files(files: Mapping[Path, bytes]) -> None:
    """Write each file as `write_bytes` does, all or none: every one is written to its
    temporary file first, then all are renamed into place with Ctrl-C and SIGTERM held back
    (a Ctrl-C that arrives meanwhile is dropped, the work it would stop being done; a SIGTERM
    takes effect once every file is in place)."""
    for path in files:
        if path.is_dir():
            raise CcbkgError(f"{path}: is a folder; give the name of a file to write")
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files.items():
            staged.append((_staged(path, data), path))
        main = threading.current_thread() is threading.main_thread()  # where handlers run
        held = {signal.SIGINT, signal.SIGTERM} if main else set()
        before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
        try:
            while staged:
                tmp, path = staged[0]
                tmp.replace(path)
                staged.pop(0)
        finally:
            _drop_pending({signal.SIGINT} & held - before)
            signal.pthread_sigmask(signal.SIG_SETMASK, before)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)


def create(path: Path, data: bytes) -> None:
    """Write a new file, whole or not at all, as `write_bytes` does, but never over a file:
    FileExistsError when path exists, even one made a moment before (a link, not a rename,
    puts it in place)."""
    tmp = _staged(path, data)
    try:
        os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _staged(path: Path, data: bytes) -> Path:
    """A temporary file beside path holding data, with path's permissions if it exists (a
    file nobody may write is refused: the rename would replace it all the same)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        kept: int | None = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        kept = None
    if kept is not None and not kept & 0o222:
        raise CcbkgError(f"{path}: is read-only; make it writable to have it rewritten")
    while True:  # a name no longer than the longest a file system takes, whatever path's
        tmp = path.parent / f".{path.name[:200]}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:  # the file named, not the temporary one
            raise CcbkgError(f"{path}: cannot write it ({exc.strerror})") from None
        break
    try:
        with os.fdopen(fd, "wb") as handle:
            if kept is not None:
                os.fchmod(handle.fileno(), kept)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _drop_pending(signals: set[signal.Signals]) -> None:
    """Discard those of the signals that are pending while they are blocked (each is ignored
    for the moment it takes to deliver it)."""
    for sig in signals & signal.sigpending():
        handler = signal.signal(sig, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {sig})
        signal.pthread_sigmask(signal.SIG_BLOCK, {sig})
        signal.signal(sig, handler)


def output_folder(given: Path) -> Path:
    """The real folder behind --out, with every symbolic link followed."""
    try:
        return given.resolve()
    except (OSError, RuntimeError) as exc:
        raise CcbkgError(f"--out {given}: cannot follow its symbolic links ({exc})") from exc


def check_out(given: Path, root: Path, authored: Sequence[Path]) -> None:
    """Fail before any work when a build cannot, or must not, replace the folder --out names.

    root is the project folder and authored its files: neither may be inside --out, nor --out
    inside a folder of an authored file. Only a missing or empty folder or a previous build is
    replaced.
    """
    real = output_folder(given)
    shown = f"--out {given}" + (f" (a link to {real})" if given.is_symlink() else "")
    _refuse_protected(real, shown, root, authored)
    try:
        mode = real.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    except OSError as exc:
        raise CcbkgError(f"cannot write to {given}: {exc.strerror}") from exc
    if mode is not None and not stat.S_ISDIR(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a folder")
        raise CcbkgError(f"{shown} is {kind}, not a folder; choose another --out")
    parent = real.parent
    if not parent.exists():
        raise CcbkgError(f"cannot write to {given}: {parent} does not exist (ccbkg build makes "
                         "the output folder, not the folders above it)")
    if not parent.is_dir():
        raise CcbkgError(f"cannot write to {given}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CcbkgError(f"cannot write to {given}: {parent} is not writable")
    if mode is not None and (why := _not_a_build(real)):
        raise CcbkgError(f"{shown} {why}; choose an empty or new folder, or a previous "
                         "build's folder")


def _refuse_protected(real: Path, shown: str, root: Path, authored: Sequence[Path]) -> None:
    """Refuse the filesystem root, a folder holding the home or current folder or an authored
    file, and a folder inside a folder of one."""
    if real.parent == real:
        raise CcbkgError(f"{shown} is the filesystem root; choose a folder of its own")
    for name, folder in ((f"the source tree {root}", root), ("your home folder", _home()),
                         ("the current folder", _cwd())):
        if folder is not None and folder.is_relative_to(real):
            relation = "is" if folder == real else "contains"
            raise CcbkgError(f"{shown} {relation} {name}; a build replaces the whole folder: "
                             "choose a folder of its own")
    for file in authored:
        if file.is_relative_to(real) or real.is_relative_to(file.parent):
            raise CcbkgError(f"{shown} overlaps the project files ({file}); choose a folder "
                             "outside ontology/, shapes/, instances/ and queries/")


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (OSError, RuntimeError):
        return None


def _cwd() -> Path | None:
    try:
        return Path.cwd().resolve()
    except OSError:
        return None


def _not_a_build(folder: Path) -> str | None:
    """Why a build must not replace folder, or None when it is empty or a previous build."""
    files, folders = _contents(folder)
    listed = _marker_listing(folder)
    if listed is not None:
        allowed = listed | {MARKER}
    else:
        sums = _sums_listing(folder)
        if sums is None:
            allowed = set()
        else:
            changed = [name for name, digest in sorted(sums.items())
                       if sha256(folder / name) != digest]
            if changed:
                return (f"is not a previous build: {changed[0]} does not match its {SUMS} "
                        "entry")
            allowed = set(sums) | {SUMS} | {f for f in files
                                            if f.startswith(f"{UNLISTED_BEFORE_MARKER}/")}
    parents = {p.as_posix() for name in allowed for p in Path(name).parents}
    foreign = sorted(files - allowed) or sorted(folders - parents)
    if foreign:
        return f"holds files that ccbkg build did not write (e.g. {foreign[0]})"
    return None


def _contents(folder: Path) -> tuple[set[str], set[str]]:
    """Every entry under folder that is not a real folder (symbolic links included), and
    every real folder, as paths relative to folder."""
    files: set[str] = set()
    folders: set[str] = set()
    for top, dirs, names in os.walk(folder, onerror=_raise):
        base = Path(top).relative_to(folder)
        for name in dirs:
            is_link = (Path(top) / name).is_symlink()
            (files if is_link else folders).add((base / name).as_posix())
        files.update((base / name).as_posix() for name in names)
    return files, folders


def _raise(exc: OSError) -> None:
    raise CcbkgError(f"cannot read {exc.filename}: {exc.strerror}") from exc


def _marker_listing(folder: Path) -> set[str] | None:
    """The files the marker in folder lists, or None when folder holds no marker."""
    lines = _marker_lines(folder)
    if lines is None:
        return None
    return {line for line in lines[1:] if line and not line.startswith("#")}


def _marker_lines(folder: Path) -> list[str] | None:
    marker = folder / MARKER
    if not marker.is_file() or marker.is_symlink():
        return None
    lines = marker.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    return lines if lines[:1] == [MARKER_FORMAT] else None


def _sums_listing(folder: Path) -> dict[str, str] | None:
    """SHA256SUMS of a build made before the marker existed: name -> digest, or None when
    folder has no such file or it is not one a build wrote."""
    listing = read_sums(folder)
    return listing if listing is not None and set(SUMS_FINGERPRINT) <= listing.keys() else None


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Yield a new folder beside target (holding only the marker, locked while the build
    runs); on success, marked with every file, it replaces target, else it goes away.

    target may be a symbolic link: its folder is replaced and the link kept. The folders
    that killed builds left beside it are removed first. The folder gets the mode mkdir gives.
    """
    real = output_folder(target)
    parent = real.parent
    try:
        _remove_leftovers(real)
        staging = _new_folder(parent, f".{real.name}-new-")
    except OSError as exc:
        raise CcbkgError(f"cannot write to {parent}: {exc.strerror}") from exc
    with locked_folder(staging):
        try:
            _write_marker(staging, [])
            yield staging
            _write_marker(staging, sorted(_contents(staging)[0] - {MARKER}))
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise CcbkgError(f"cannot write the build into {parent}: {exc.strerror or exc}; "
                             f"{target} is unchanged") from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        try:
            _swap(staging, real)
        except BaseException as exc:
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(exc, OSError):
                raise CcbkgError(f"cannot move the new build into {target}: "
                                 f"{exc.strerror}") from exc
            raise


def _swap(staging: Path, real: Path) -> None:
    """Put staging in the place of real; the previous build, if any, goes away."""
    if not os.path.lexists(real):
        staging.rename(real)
        return
    old = real.parent / f".{real.name}-old-{secrets.token_hex(4)}"
    with locked_folder(real):
        real.rename(old)
        try:
            staging.rename(real)
        except BaseException:
            if not os.path.lexists(real):
                old.rename(real)
            raise
        _remove_build(old)


def _remove_build(folder: Path) -> None:
    """Remove a build's folder, its marker last: interrupted on the way (Ctrl-C), the rest
    still says it is a build, so the next build clears it (`_remove_leftovers`)."""
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            if entry.name == MARKER:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)


def _new_folder(parent: Path, prefix: str) -> Path:
    """A new folder with a random name, made as mkdir makes it (its mode from the umask)."""
    while True:
        folder = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder


def _write_marker(folder: Path, names: list[str]) -> None:
    (folder / MARKER).write_text("".join(f"{line}\n" for line in
                                         [MARKER_FORMAT, MARKER_NOTE, *names]),
                                 encoding="utf-8", errors="surrogateescape")


def _remove_leftovers(real: Path) -> None:
    """Remove the staging and old folders of killed builds beside real: only folders named as
    a build names them, of this user, not locked by a running build, that hold a build."""
    for kind in ("new", "old"):
        for folder in real.parent.glob(f".{glob.escape(real.name)}-{kind}-*"):
            try:
                info = folder.lstat()
                if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                    continue
                with locked_folder(folder, wait=False) as got:
                    if got and (_marker_lines(folder) is not None if kind == "new"
                                else _not_a_build(folder) is None):
                        _remove_build(folder)
            except (OSError, CcbkgError):
                continue  # not ours to judge: left as it is
