"""Processes that share a stage's work: forked, so they inherit the graph instead of pickling it,
and bound to the process that made them, so none outlives it."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing as mp
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.pool import Pool
from typing import Any, Generic, TypeVar

from ccbkg.core.limits import PROCESSES

# The cores this process may use, at most 2 (the machine the targets are set for).
CORES = min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else
            os.cpu_count() or 1)
# Below this many triples a stage's forked processes cost more CPU than they save time: the
# build of the real graph (4,400 triples) takes as long in one process, for 0.3 s of CPU less;
# 3x (13,000) is 7% faster in two.
WORTH_FORKING = 10_000
_PR_SET_PDEATHSIG = 1
_T = TypeVar("_T")
_R = TypeVar("_R")


def processes_for(triples: int) -> int:
    """The processes a stage over this many triples shares its work among: $CCBKG_PROCESSES
    when set, else the cores from WORTH_FORKING triples up, else 1."""
    given = PROCESSES.given()
    if given is not None:
        return given
    return CORES if triples >= WORTH_FORKING else 1


def _fork_pool(processes: int) -> Pool | None:
    """A pool of processes forked from this one that are killed when it dies, even by SIGKILL
    (they would otherwise go on writing into a folder the next run clears); None for fewer
    than two, or where processes cannot be forked: the caller then does the work itself."""
    if processes < 2 or "fork" not in mp.get_all_start_methods():
        return None
    # Ctrl-C is held back while the workers are forked, so none gets it before it ignores it.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return mp.get_context("fork").Pool(processes, initializer=_worker,
                                           initargs=(os.getpid(),))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _worker(parent: int) -> None:
    """A pool process: Ctrl-C (which a terminal sends to every process of the group) is the
    parent's to handle (it ends the pool; a worker would print a traceback), and the worker
    dies with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    die_with_parent(signal.SIGKILL, parent)


def die_with_parent(sig: int, parent: int | None = None) -> None:
    """In a child: have the kernel send sig when the parent dies (Linux), and exit at once when
    the parent (its pid, if given) has died already."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, sig)
    if parent is not None and os.getppid() != parent:
        os._exit(1)


_TASK: Callable[[Any], Any] | None = None  # what `forked`'s processes run: they inherit it


def _run_task(item: Any) -> Any:
    assert _TASK is not None
    return _TASK(item)


class Forked(Generic[_T, _R]):
    """A task and the pool that runs it (None: this process runs it)."""

    def __init__(self, task: Callable[[_T], _R], pool: Pool | None) -> None:
        self._task, self._pool = task, pool
        self.parallel = pool is not None

    def start(self, items: Sequence[_T], chunksize: int = 1) -> Callable[[], list[_R]]:
        """Start the task on each item in the pool; returns the wait for the results, in the
        items' order (without a pool, the wait runs the task here)."""
        if self._pool is None:
            return lambda: [self._task(item) for item in items]
        return self._pool.map_async(_run_task, items, chunksize).get

    def as_done(self, items: Sequence[_T], chunksize: int = 1) -> Iterator[_R]:
        """The task's result for each item as soon as it is done, in no set order, so that the
        caller can write each out instead of holding them all (without a pool, each is
        computed here, in the items' order, when asked for)."""
        if self._pool is None:
            return (self._task(item) for item in items)
        return self._pool.imap_unordered(_run_task, items, chunksize)


@contextlib.contextmanager
def forked(task: Callable[[_T], _R], processes: int) -> Iterator[Forked[_T, _R]]:
    """Run task (a closure, say: the processes inherit it with everything it refers to, nothing
    is pickled but the items and the results) in a pool of processes forked for the block, or
    in this process for fewer than two or where processes cannot be forked."""
    global _TASK
    assert _TASK is None, "one forked task at a time"
    _TASK = task
    # The objects made so far (the graph a stage works on: millions at 10,000x) are left out
    # of the cyclic collector's passes while the pool runs. A pass writes to each object it
    # visits, so in a worker it would copy every page of the graph the fork shares (at
    # 10,000x each site worker copied gigabytes) and spend its time on objects that live on.
    gc.freeze()
    try:
        pool = _fork_pool(processes)
        if pool is None:
            yield Forked(task, None)
        else:
            with pool:
                yield Forked(task, pool)
    finally:
        gc.unfreeze()
        _TASK = None
