"""Processes that share a stage's work: forked, so they inherit the graph instead of pickling it,
and bound to the process that made them, so none outlives it."""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import signal
import sys
from multiprocessing.pool import Pool

# The cores this process may use, at most 2 (the machine the targets are set for).
CORES = min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else
            os.cpu_count() or 1)
_PR_SET_PDEATHSIG = 1


def fork_pool(processes: int) -> Pool | None:
    """A pool of processes forked from this one that are killed when it dies, even by SIGKILL
    (they would otherwise go on writing into a folder the next run clears); None with one core,
    or where processes cannot be forked: the caller then does the work itself."""
    if CORES < 2 or processes < 1 or "fork" not in mp.get_all_start_methods():
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
