"""Processes that share a stage's work: forked, so they inherit the graph instead of pickling it,
and bound to the process that made them, so none outlives it.

Each process gets its items one at a time over a pipe of its own, and nothing else is shared
between the processes: none can die holding a lock the others or the parent wait for. (The
standard library's `multiprocessing.Pool` shares one queue and its locks among its workers; its
`terminate`, which Ctrl-C runs, can then hang, CPython issue 96995, and a worker killed by the
system, out of memory say, leaves the results waited for forever.)
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, Pipe, wait
from typing import Any, Generic, NoReturn, TypeVar, cast

from ccbkg.core.errors import CcbkgError
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


def die_with_parent(sig: int, parent: int | None = None) -> None:
    """In a child: have the kernel send sig when the parent dies (Linux), and exit at once when
    the parent (its pid, if given) has died already."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, sig)
    if parent is not None and os.getppid() != parent:
        os._exit(1)


class InWorker(Exception):
    """The traceback of an exception raised in a forked process (its cause, where raised)."""


class _Failed:
    """What a process sends back for an item whose task raised: the exception (None when it
    cannot be pickled) and its traceback as text."""

    def __init__(self, exc: BaseException) -> None:
        self.exc: BaseException | None = exc
        self.text = "".join(traceback.format_exception(exc)).rstrip()

    def raise_(self) -> NoReturn:
        if self.exc is None:
            raise CcbkgError(f"a process sharing the work failed:\n{self.text}")
        raise self.exc from InWorker(self.text)


def _work(task: Callable[[Any], Any], conn: Connection, parent: int) -> NoReturn:
    """A forked process: run the task on each item received and send back its result, until
    the pipe closes. Ctrl-C (which a terminal sends to every process of the group) is the
    parent's to handle; the process dies with the parent, and leaves without running the
    parent's exit handlers."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        die_with_parent(signal.SIGKILL, parent)
        while True:
            try:
                item = conn.recv()
            except EOFError:
                break
            try:
                result: Any = task(item)
            except BaseException as exc:  # the parent raises it where it waits
                result = _Failed(exc)
            try:
                conn.send(result)  # pickled whole before a byte is sent
            except Exception as exc:  # it cannot be pickled: the text of what failed
                failed = result if isinstance(result, _Failed) else _Failed(exc)
                failed.exc = None
                conn.send(failed)
    except BaseException:
        code = 1
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


class _Workers:
    """Processes forked from this one, each with a pipe of its own to the parent."""

    def __init__(self, task: Callable[[Any], Any], processes: int) -> None:
        self.pipes: dict[Connection, int] = {}  # the parent's end of each -> the pid
        parent = os.getpid()
        sys.stdout.flush()  # else a child would print what this process has not printed yet
        sys.stderr.flush()
        # Ctrl-C is held back while the workers are forked, so none gets it before it ignores it.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for _ in range(processes):
                ours, theirs = Pipe()
                pid = os.fork()
                if pid == 0:
                    ours.close()
                    for earlier in self.pipes:  # a sibling's pipe ends when the parent's end closes
                        earlier.close()
                    _work(task, theirs, parent)
                theirs.close()
                self.pipes[ours] = pid
        except BaseException:
            self.stop()
            raise
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)

    def run(self, items: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        """Give each process its first item now; (index, result) of each item as it is done,
        the next item given to the process that did it."""
        pending = iter(enumerate(items))
        busy: dict[Connection, int] = {}

        def give(conn: Connection) -> None:
            """Send the next item, if one is left, to the process at the other end of conn."""
            found = next(pending, None)
            if found is not None:
                try:
                    conn.send(found[1])
                except OSError:  # the process died since its last result
                    raise CcbkgError(self._died(conn)) from None
                busy[conn] = found[0]

        def results() -> Iterator[tuple[int, Any]]:
            while busy:
                for conn in cast(list[Connection], wait(list(busy))):
                    try:
                        result = conn.recv()
                    except (EOFError, OSError):
                        raise CcbkgError(self._died(conn)) from None
                    index = busy.pop(conn)
                    if isinstance(result, _Failed):
                        result.raise_()
                    give(conn)
                    yield index, result

        for conn in self.pipes:
            give(conn)
        return results()

    def _died(self, conn: Connection) -> str:
        """What ended the process at the other end of conn (waited for)."""
        pid = self.pipes.pop(conn)
        conn.close()
        code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        if code == -signal.SIGKILL:
            return ("a process sharing the work was killed (SIGKILL) before it finished: out "
                    "of memory? CCBKG_PROCESSES=1 runs the work in one process, with less")
        how = f"was killed by {signal.Signals(-code).name}" if code < 0 else \
            f"exited with code {code}"
        return f"a process sharing the work {how} before it finished"

    def stop(self) -> None:
        """Kill the processes (what one was doing is dropped) and wait for them."""
        for conn, pid in self.pipes.items():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            conn.close()
        for pid in self.pipes.values():
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.pipes.clear()


class Forked(Generic[_T, _R]):
    """A task and the processes that run it (none: this process runs it)."""

    def __init__(self, task: Callable[[_T], _R], workers: _Workers | None) -> None:
        self._task, self._workers = task, workers
        self.parallel = workers is not None

    def start(self, items: Sequence[_T]) -> Callable[[], list[_R]]:
        """Start the task on the items; returns the wait for the results, in the items' order
        (without processes, the wait runs the task here)."""
        if self._workers is None:
            return lambda: [self._task(item) for item in items]
        running = self._workers.run(items)

        def results() -> list[_R]:
            out: list[Any] = [None] * len(items)
            for index, result in running:
                out[index] = result
            return out
        return results

    def as_done(self, items: Sequence[_T]) -> Iterator[_R]:
        """The task's result for each item as soon as it is done, in no set order, so that the
        caller can write each out instead of holding them all (without processes, each is
        computed here, in the items' order, when asked for)."""
        if self._workers is None:
            return (self._task(item) for item in items)
        return (result for _, result in self._workers.run(items))


@contextlib.contextmanager
def forked(task: Callable[[_T], _R], processes: int) -> Iterator[Forked[_T, _R]]:
    """Run task (a closure, say: the processes inherit it with everything it refers to, nothing
    is pickled but the items and the results) in processes forked for the block, one run of
    items at a time, or in this process for fewer than two or where processes cannot be
    forked. The processes are killed when the block ends, however it ends (Ctrl-C too)."""
    # The objects made so far (the graph a stage works on: millions at 10,000x) are left out
    # of the cyclic collector's passes while the processes run. A pass writes to each object
    # it visits, so in a worker it would copy every page of the graph the fork shares (at
    # 10,000x each site worker copied gigabytes) and spend its time on objects that live on.
    gc.freeze()
    try:
        workers = _Workers(task, processes) if processes > 1 and hasattr(os, "fork") else None
        try:
            yield Forked(task, workers)
        finally:
            if workers is not None:
                workers.stop()
    finally:
        gc.unfreeze()
