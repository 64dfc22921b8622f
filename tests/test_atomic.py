"""Atomic output: a build that fails or is interrupted half-way leaves the previous dist/."""

from __future__ import annotations

import errno
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ccbkg import atomic
from ccbkg.cli import main
from ccbkg.errors import CcbkgError
from tests.conftest import REPO, run_cli


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


def test_interrupted_build_leaves_previous_dist(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    assert run_cli("build", "--root", str(REPO), "--out", str(out), "--quiet").code == 0
    before = _snapshot(out)
    proc = subprocess.Popen([sys.executable, "-m", "ccbkg", "build", "--root", str(REPO),
                             "--out", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_build_onto_a_full_disk_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    (out / "previous.txt").write_text("previous build")
    calls = 0
    real = Path.write_bytes

    def fill_up(self: Path, data: bytes) -> int:
        nonlocal calls
        calls += 1
        if calls > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", fill_up)
    code = main(["build", "--root", str(REPO), "--out", str(out), "--quiet", "--force"])
    err = capsys.readouterr().err
    assert code == 2
    assert "No space left on device" in err
    assert "Traceback" not in err
    assert _snapshot(out) == {"previous.txt": b"previous build"}
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]
