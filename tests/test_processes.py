"""core.processes.forked: the one way ccbkg shares work among forked processes."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from ccbkg.core import processes


def test_a_closure_runs_in_forked_processes_and_the_results_keep_the_items_order() -> None:
    if processes.CORES < 2:
        pytest.skip("one core: no process is forked")
    shared = {n: n * n for n in range(50)}  # inherited, never pickled

    def square(n: int) -> tuple[int, int]:
        return shared[n], os.getpid()

    with processes.forked(square, 2) as pool:
        assert pool.parallel
        results = pool.start(list(range(50)), chunksize=3)()
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
