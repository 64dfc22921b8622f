"""core.processes.forked: the one way ccbkg shares work among forked processes."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ccbkg.core import processes
from ccbkg.core.errors import CcbkgError


def test_a_closure_runs_in_forked_processes_and_the_results_keep_the_items_order() -> None:
    if processes.CORES < 2:
        pytest.skip("one core: no process is forked")
    shared = {n: n * n for n in range(50)}  # inherited, never pickled

    def square(n: int) -> tuple[int, int]:
        return shared[n], os.getpid()

    with processes.forked(square, 2) as pool:
        assert pool.parallel
        results = pool.start(list(range(50)))()
    assert [r for r, _ in results] == [n * n for n in range(50)]
    assert os.getpid() not in {pid for _, pid in results}


def test_one_process_runs_the_task_here_when_the_results_are_asked_for() -> None:
    ran: list[int] = []

    def note(n: int) -> int:
        ran.append(n)
        return n + 1

    with processes.forked(note, 1) as pool:
        assert not pool.parallel
        wait = pool.start([1, 2, 3])
        assert ran == []
        assert wait() == [2, 3, 4] and ran == [1, 2, 3]


@pytest.mark.parametrize("count", [1, 2])
def test_a_failing_task_raises_where_the_results_are_asked_for(count: int) -> None:
    def fail(n: int) -> int:
        if n == 2:
            raise OSError(28, "No space left on device")
        return n

    with processes.forked(fail, count) as pool, pytest.raises(OSError, match="No space"):
        pool.start([1, 2, 3])()
    with processes.forked(abs, count) as pool:  # the next task is free to run
        assert pool.start([-1, -2])() == [1, 2]


def _private_dirty_mib() -> float:
    """This process's pages written since it was forked (or made), MiB."""
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Private_Dirty:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no Private_Dirty in smaps_rollup")


def test_a_worker_s_garbage_collection_leaves_the_parent_s_objects_shared() -> None:
    """The graph a stage works on stays shared with the forked workers: the cyclic
    collector does not visit the objects made before the fork, so a collection in a worker
    (which writes to each object it visits) copies none of their pages; after the block they
    are collected again as before."""
    kept = [[n] for n in range(1_500_000)]  # some 150 MiB of container objects

    def task(_: int) -> float:
        before = _private_dirty_mib()
        gc.collect()
        return _private_dirty_mib() - before

    with processes.forked(task, 2) as pool:
        assert pool.parallel
        copied = pool.start([1, 2])()
    assert max(copied) < 20, f"a collection in a worker copied {copied} MiB"
    assert gc.get_freeze_count() == 0
    assert len(kept) == 1_500_000


def _children() -> set[int]:
    """The live (not zombie) processes whose parent is this one (Linux's /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid() and fields[0] != "Z":
                found.add(int(entry.name))
    return found


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="Linux's /proc")


@needs_proc
def test_a_worker_killed_from_outside_is_a_clear_error_not_a_hang() -> None:
    """The system's out-of-memory killer ends a worker mid-task: the parent says so at once
    (a pool that shares one queue waits for that result forever), and no worker lives on."""
    def task(n: int) -> int:
        if n == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return n

    before = _children()
    with pytest.raises(CcbkgError, match=r"killed \(SIGKILL\) .* out of memory\? "
                                         r"CCBKG_PROCESSES=1"), \
            processes.forked(task, 2) as pool:
        list(pool.as_done(list(range(8))))
    assert _children() == before
    with processes.forked(abs, 2) as pool:  # the next stage's processes work
        assert pool.start([-1, -2, -3])() == [1, 2, 3]


@needs_proc
def test_a_worker_that_died_between_two_items_is_a_clear_error() -> None:
    """A worker killed while it waits for its next item: giving it one says so."""
    before = _children()
    with processes.forked(abs, 2) as pool:
        worker = min(_children() - before)
        os.kill(worker, signal.SIGKILL)
        stat = Path(f"/proc/{worker}/stat")
        while stat.read_text().rsplit(")", 1)[1].split()[0] != "Z":  # its pipe is closed
            time.sleep(0.01)
        with pytest.raises(CcbkgError, match=r"killed \(SIGKILL\)"):
            pool.start([-1, -2, -3])()
    assert _children() == before


@needs_proc
@pytest.mark.parametrize("while_", ["working", "sending a large result"])
def test_ctrl_c_in_the_parent_ends_the_workers_at_once(while_: str) -> None:
    """Ctrl-C reaches the parent while its workers compute, or while they send results larger
    than a pipe holds: the block ends within a second or so and no worker lives on (a pool
    whose workers share a queue's lock can hang here when a worker dies holding it)."""
    def task(n: int) -> bytes:
        if while_ == "working":
            time.sleep(60)
        return bytes(50_000_000)

    before = _children()
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), processes.forked(task, 2) as pool:
        timer.start()
        for _ in pool.as_done(list(range(1000))):
            pass
    assert time.monotonic() - started < 30
    assert _children() == before


def test_an_exception_keeps_the_worker_s_traceback_and_one_that_cannot_be_pickled_its_text(
) -> None:
    class Local(Exception):  # a local class cannot be pickled
        pass

    def task(n: int) -> int:
        if n == 1:
            raise ValueError("bad item 1")
        raise Local("bad item 2")

    with processes.forked(task, 2) as pool, pytest.raises(ValueError) as raised:
        pool.start([1])()
    assert isinstance(raised.value.__cause__, processes.InWorker)
    assert "in task" in str(raised.value.__cause__)
    with processes.forked(task, 2) as pool, \
            pytest.raises(CcbkgError, match=r"(?s)failed:.*Local: bad item 2"):
        pool.start([2])()


def test_what_the_parent_had_not_printed_yet_is_printed_once() -> None:
    """Text waiting in the parent's output buffer when it forks is not printed again by each
    worker when it ends."""
    script = ("import sys\nfrom ccbkg.core import processes\n"
              "print('before', end='')\n"
              "with processes.forked(abs, 2) as pool:\n"
              "    assert pool.start([-1, -2])() == [1, 2]\n"
              "print(' after')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout == "before after\n"
