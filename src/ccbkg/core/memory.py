"""Memory that a finished stage freed, given back to the system."""

from __future__ import annotations

import ctypes
import gc

# Below this many triples a stage's store is a few MiB: not worth a full collection, which in a
# large process (a test run, a warm CLI) costs a tenth of a second or more.
WORTH_RELEASING = 100_000


def release_free_memory(triples: int, *, collect: bool = True) -> None:
    """Free what only reference cycles hold (unless `collect` is False: for a stage that
    leaves none), then give the C heap's free pages back to the system (glibc's
    `malloc_trim`; skipped where the C library has none); nothing for a stage that held fewer
    than WORTH_RELEASING triples.

    A finished stage's objects may wait for the cyclic collector (fastshacl's engine and its
    store refer to each other through closures), which large graphs make rare
    (`ccbkg.cli.gcpolicy`). pyoxigraph's stores are freed into the malloc arenas of the threads
    that filled them, where the stages that follow on other threads cannot reuse them: at 1000x
    the SHACL store stayed resident that way. The collection takes about a second at 1000x.
    """
    if triples < WORTH_RELEASING:
        return
    if collect:
        gc.collect()
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)
