"""Atomic output: a build that fails or is interrupted half-way leaves the previous dist/."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ccbkg.cli import main
from ccbkg.core.errors import CcbkgError
from ccbkg.release import atomic
from tests.conftest import REPO, WARM, run_cli
from tests.warm_cli import WarmProcess


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_write_bytes_replaces_whole_files_only(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.ttl"
    atomic.write_bytes(target, b"old")

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        atomic.write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"]


def test_write_files_writes_all_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`query freeze` wrote its files one by one: stopped by an error or Ctrl-C part-way, it
    left some rewritten and said nothing was half-written."""
    files = {tmp_path / f"{n}.csv": f"new {n}".encode() for n in range(5)}
    for path in files:
        path.write_bytes(b"old")
    calls = 0
    real_fsync = os.fsync

    def fails_on_the_fourth(fd: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", fails_on_the_fourth)
    with pytest.raises(OSError, match="No space"):
        atomic.write_files(files)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == {
        p.name: b"old" for p in files}, "a file was replaced, or a temporary one left"
    monkeypatch.setattr(atomic.os, "fsync", real_fsync)

    # Ctrl-C while the files are renamed into place, in a process of its own (a test worker
    # may run tests off its main thread, where no signal is held back)
    script = """
import os, signal, sys
from pathlib import Path
from ccbkg.release import atomic
files = {Path(sys.argv[1]) / f"{n}.csv": f"new {n}".encode() for n in range(5)}
replace = Path.replace
def ctrl_c_on_the_first(self, target):
    if not files.get("sent"):
        os.kill(os.getpid(), signal.SIGINT)  # held back until every file is in place
    return replace(self, target)
Path.replace = ctrl_c_on_the_first
atomic.write_files(files)
print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)
"""
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout == "True\n", done.stderr
    assert {p: p.read_bytes() for p in files} == files

    # a read-only file is the user's word not to change it: refused, and none is written
    last = list(files)[-1]
    last.chmod(0o444)
    with pytest.raises(CcbkgError, match=r"/4\.csv: is read-only"):
        atomic.write_files({path: b"newer" for path in files})
    assert {p: p.read_bytes() for p in files} == files
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files)


def test_a_new_file_never_replaces_one_made_while_it_was_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`new country` and `draft` refuse a file that exists, but checked first and renamed
    after: a file made in between (another curator's command) was replaced. Here the other
    file appears while the new one is staged: it is kept and the command refuses."""
    from ccbkg.curate.files import create

    target = tmp_path / "kenya.ttl"
    staged = atomic._staged

    def meanwhile(path: Path, data: bytes) -> Path:
        path.write_bytes(b"# the other curator's file\n")
        return staged(path, data)

    monkeypatch.setattr(atomic, "_staged", meanwhile)
    with pytest.raises(CcbkgError, match=r"^instances/kenya\.ttl exists already: ccbkg never "
                                         r"overwrites a curated file$"):
        create(target, b"# ours\n", "instances/kenya.ttl")
    assert target.read_bytes() == b"# the other curator's file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kenya.ttl"]  # no temporary file
    monkeypatch.setattr(atomic, "_staged", staged)
    create(tmp_path / "new.ttl", b"# ours\n", "new.ttl")
    assert (tmp_path / "new.ttl").read_bytes() == b"# ours\n"


def test_a_file_whose_name_is_near_the_longest_is_written_and_errors_name_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The temporary file's name (the file's own with a prefix and a suffix) was too long for
    a file named with 250 characters, and an error named the temporary file."""
    long = tmp_path / ("a" * 250 + ".ttl")
    atomic.write_bytes(long, b"x")
    assert long.read_bytes() == b"x" and [p.name for p in tmp_path.iterdir()] == [long.name]

    def refused(*_args: object) -> int:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic.os, "open", refused)  # a folder root may write to anyway
    with pytest.raises(CcbkgError, match=r"/out\.ttl: cannot write it \(Permission denied\)$"):
        atomic.write_bytes(tmp_path / "out.ttl", b"x")


def test_query_freeze_refuses_a_folder_in_place_of_an_answer_and_writes_none(
        tmp_path: Path) -> None:
    from tests.conftest import copy_sources
    root = copy_sources(tmp_path / "src")
    expected = root / "queries" / "expected"
    for path in expected.glob("*.csv"):
        path.write_bytes(path.read_bytes() + b'"stale"\n')
    before = _snapshot(expected)
    (expected / "timeline.csv").unlink()
    (expected / "timeline.csv").mkdir()
    result = run_cli("query", "freeze", "--root", str(root))
    assert result.code == 2 and "timeline.csv: is a folder" in result.err, result.err
    after = _snapshot(expected)
    assert after == {k: v for k, v in before.items() if k != "timeline.csv"}


def test_staged_directory_keeps_the_old_folder_on_a_full_disk(tmp_path: Path) -> None:
    target = tmp_path / "dist"
    target.mkdir()
    (target / "a.txt").write_text("previous")
    with pytest.raises(CcbkgError, match=r"No space left on device; .* is unchanged"), \
            atomic.staged_directory(target) as staging:
        (staging / "half.txt").write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert _snapshot(target) == {"a.txt": b"previous"}
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]


def test_ctrl_c_while_the_previous_build_is_removed_leaves_what_the_next_build_clears(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The previous build is removed after the switch; interrupted then, what is left of it
    still holds its marker (removed last), so the next build recognises and removes it (it
    used to stay for good, beside dist/)."""
    target = tmp_path / "dist"
    real = shutil.rmtree

    def interrupted(path: str | Path, *args: object, **kwargs: object) -> None:
        if ".dist-old-" not in str(path):
            return real(path, *args, **kwargs)  # type: ignore[arg-type]
        real(path)  # one folder of the previous build removed, then Ctrl-C
        raise KeyboardInterrupt

    def build(run: str) -> None:
        with atomic.staged_directory(target) as staging:
            (staging / "data").mkdir()
            (staging / "data" / "a.txt").write_text(run)
            (staging / "b.txt").write_text(run)

    build("first")
    monkeypatch.setattr(atomic.shutil, "rmtree", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build("second")
    monkeypatch.undo()
    (left,) = [p for p in tmp_path.iterdir() if p.name != "dist"]
    assert left.name.startswith(".dist-old-") and (left / atomic.MARKER).is_file()
    assert _snapshot(target)["b.txt"] == b"second"
    build("third")
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]


def _start_build(out: Path) -> WarmProcess:
    """The build, as a terminal's job (its own process group), forking its writers and the
    site's pool as for a large graph."""
    return WARM.start(["build", "--root", str(REPO), "--out", str(out), "--quiet"], REPO,
                      {**os.environ, "CCBKG_PROCESSES": "2"})


def _signal(proc: WarmProcess, sig: int, group: bool) -> None:
    if group:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)


def _stopped_when(built: Path, out: Path, holds: str, *, group: bool = False,
                  ) -> tuple[WarmProcess, dict[str, bytes]]:
    """out as the previous build, and a build into it stopped (SIGSTOP; with group, the build
    and the processes it forked) while its staging folder holds the path holds; with what out
    held. A build that was swapped in before it could be stopped (a loaded machine may not run
    this process for a while) is run again."""
    for _ in range(5):
        shutil.rmtree(out, ignore_errors=True)
        before = _previous_build(built, out)
        proc = _start_build(out)
        while proc.poll() is None:
            staging = [s for s in out.parent.glob(f".{out.name}-new-*") if (s / holds).exists()]
            if staging:
                _signal(proc, signal.SIGSTOP, group)
                if staging[0].is_dir() and proc.poll() is None:
                    return proc, before
                _signal(proc, signal.SIGCONT, group)
            time.sleep(0.002)
        proc.communicate(timeout=120)
    pytest.fail(f"the build ended five times before it could be stopped holding {holds}")


def _previous_build(built: Path, out: Path) -> dict[str, bytes]:
    shutil.copytree(built, out, symlinks=True)
    return _snapshot(out)


def _assert_complete(out: Path) -> None:
    """out is a whole build: every file of SHA256SUMS with its checksum, and nothing that the
    marker does not list."""
    for line in (out / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    listed = set((out / ".ccbkg-build").read_text().splitlines()[2:])
    assert set(_snapshot(out)) - {".ccbkg-build"} == listed
    assert "site/index.html" in listed


@pytest.mark.parametrize("holds", ["ontology", "data/country"],
                         ids=["writing-artefacts", "writing-beside"])
def test_interrupted_build_leaves_previous_dist(built: Path, tmp_path: Path, holds: str) -> None:
    out = tmp_path / "dist"
    proc, before = _stopped_when(built, out, holds)
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGCONT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


@pytest.mark.parametrize("holds", ["data/country", "site/id", "ccbkg.nq"],
                         ids=["writing-beside", "making-the-site", "writing-the-dumps"])
def test_ctrl_c_from_a_terminal_is_one_message_from_the_build_and_its_processes(
    built: Path, tmp_path: Path, holds: str,
) -> None:
    """A terminal sends Ctrl-C to every process of the group: the build's forked processes
    leave it to the build, which says one line and exits 130; nothing else is printed."""
    out = tmp_path / "dist"
    proc, before = _stopped_when(built, out, holds, group=True)
    for sig in (signal.SIGINT, signal.SIGCONT):
        os.killpg(proc.pid, sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and err == \
        "ccbkg: error: interrupted; nothing was half-written\n", err
    assert _snapshot(out) == before


def test_a_process_of_the_build_killed_by_the_system_is_a_clear_error(
        built: Path, tmp_path: Path) -> None:
    """The system kills the processes rendering the site (the out-of-memory killer, say): the
    build says so and what to do, exits 2, leaves the previous dist/ and no process behind,
    instead of waiting forever for their pages."""
    out = tmp_path / "dist"
    for _ in range(5):
        proc, before = _stopped_when(built, out, "site/id", group=True)
        for pid in set(_processes_of(proc.pid)) - {proc.pid}:
            os.kill(pid, signal.SIGKILL)
        os.killpg(proc.pid, signal.SIGCONT)
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:  # (0: the pool had rendered every page before it was stopped)
            break
    assert proc.returncode == 2, err
    assert err.startswith("ccbkg: error: a process sharing the work was killed (SIGKILL) "
                          "before it finished: out of memory? CCBKG_PROCESSES=1"), err
    assert "Traceback" not in err
    assert _snapshot(out) == before
    assert _processes_of(proc.pid) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def _processes_of(session: int) -> list[int]:
    """The processes of a session (Linux's /proc): a build's, and those it forked."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[3]) == session:
                    found.append(int(entry.name))
    return found


@pytest.mark.parametrize("holds", ["ontology", "data/country", "SHA256SUMS"],
                         ids=["writing-artefacts", "writing-beside", "making-the-site"])
def test_killed_build_leaves_previous_dist_and_the_next_build_clears_up(
    built: Path, tmp_path: Path, holds: str,
) -> None:
    """kill -9 at three points: the release's files being written; the data's files being
    written by the processes the build forks (they die with it, and write nothing after it);
    the site being rendered (its pool too)."""
    out = tmp_path / "dist"
    proc, before = _stopped_when(built, out, holds)
    if holds == "data/country":  # the build and the processes writing beside it
        assert len(_processes_of(proc.pid)) > 1
    proc.kill()
    proc.communicate(timeout=60)
    if Path("/proc/self/cmdline").exists():
        deadline = time.monotonic() + 10
        while _processes_of(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _processes_of(proc.pid), "a process of the killed build lives on"
    assert _snapshot(out) == before
    left = sorted(p.name for p in tmp_path.iterdir() if p.name != "dist")
    assert len(left) == 1 and left[0].startswith(".dist-new-"), left
    # An old build a killed swap left (marked, or made before the marker existed): ours.
    shutil.copytree(built, tmp_path / ".dist-old-1a2b3c4d")
    # (made before the marker, so before the build wrote w3id/)
    shutil.copytree(built, tmp_path / ".dist-old-4242",
                    ignore=shutil.ignore_patterns(".ccbkg-*", "w3id"))
    # Not ours: a user's folder named like ours, and the staging folder of a running build.
    (tmp_path / ".dist-new-mine").mkdir()
    (tmp_path / ".dist-new-mine" / "notes.txt").write_text("mine")
    (tmp_path / ".dist-old-mine").mkdir()
    (tmp_path / ".dist-old-mine" / "README.md").write_text("mine")
    running = tmp_path / ".dist-new-running"
    shutil.copytree(built, running)
    lock = os.open(running, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = run_cli("build", "--root", str(REPO), "--out", str(out), "--quiet")
    finally:
        os.close(lock)
    assert result.code == 0, result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".dist-new-mine", ".dist-new-running", ".dist-old-mine", "dist"]
    _assert_complete(out)


@pytest.mark.parametrize("full_at", ["the fourth file", "a country document",
                                     "a page of the site"])
def test_build_onto_a_full_disk_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    full_at: str,
) -> None:
    """The disk fills up while the build writes a file itself, while a process it forked
    writes the country documents, or while the site's pages are written as the pool renders
    them."""
    out = tmp_path / "dist"
    out.mkdir()
    (out / "previous.txt").write_text("previous build")
    marker = f"{atomic.MARKER_FORMAT}\nprevious.txt\n"
    (out / atomic.MARKER).write_text(marker)
    calls = 0
    real = Path.write_bytes

    def fill_up(self: Path, data: bytes) -> int:
        nonlocal calls
        calls += 1
        where = {"a country document": "data/country/", "a page of the site": "site/id/"}
        if calls > 3 if full_at == "the fourth file" else where[full_at] in self.as_posix():
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", fill_up)
    monkeypatch.setenv("CCBKG_PROCESSES", "2")  # the country documents, the pages: forked
    code = main(["build", "--root", str(REPO), "--out", str(out), "--quiet", "--force"])
    err = capsys.readouterr().err
    assert code == 2
    assert "No space left on device" in err
    assert "Traceback" not in err
    assert _snapshot(out) == {"previous.txt": b"previous build", atomic.MARKER: marker.encode()}
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]


DIGEST = "ab" * 32


@pytest.mark.parametrize(("text", "listed"), [
    (f"{DIGEST}  ccbkg.nq\n", {"ccbkg.nq": DIGEST}),
    (f"{DIGEST} *ccbkg.nq\r\n\n", {"ccbkg.nq": DIGEST}),  # sha256sum -b, CR LF, a blank line
    (f"{DIGEST.upper()}  ./ccbkg.nq\n", {"ccbkg.nq": DIGEST}),
    (f"{'cd' * 32}  ccbkg.nq\n{DIGEST}  ccbkg.nq\n", None),  # twice: sha256sum -c fails it
    (f"{DIGEST}  ../ccbkg.nq\n", None),
    ("not a checksum  ccbkg.nq\n", None),
])
def test_sha256sums_is_read_as_sha256sum_reads_it(tmp_path: Path, text: str,
                                                    listed: dict[str, str] | None) -> None:
    """A SHA256SUMS `sha256sum -c` accepts (a `*` before the name, `./`, upper-case hex, CR LF,
    a blank line) was refused as not a build's; one naming a file twice took the last line
    (sha256sum -c fails the first)."""
    from ccbkg.core.checksums import read_sums

    (tmp_path / "SHA256SUMS").write_bytes(text.encode())
    assert read_sums(tmp_path) == listed


def test_a_dangling_sha256sums_link_does_not_turn_the_check_off(
        built: Path, tmp_path: Path) -> None:
    """A SHA256SUMS that is a link to nothing was taken for no SHA256SUMS: a changed
    ccbkg.nq was then published unverified."""
    (tmp_path / "ccbkg.nq").write_bytes((built / "ccbkg.nq").read_bytes() + b"\n")
    (tmp_path / "SHA256SUMS").symlink_to(tmp_path / "nowhere")
    result = run_cli("publish", "--endpoint", "http://127.0.0.1:9/", "--dist", str(tmp_path),
                     "--dry-run")
    assert result.code == 2 and "so the release cannot be verified" in result.err, result
