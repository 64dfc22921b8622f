"""Memory freed by a finished stage goes back to the system (`ccbkg.core.memory`)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ccbkg.core import memory

# A store filled and dropped on another thread, in a reference cycle, as SHACL's is: it waits
# for the cyclic collector, and then stays resident in that thread's malloc arena.
_SCRIPT = """
import gc
import threading
from pathlib import Path
import pyoxigraph as ox
from ccbkg.core.memory import release_free_memory

def resident():
    line = next(l for l in Path("/proc/self/status").read_text().splitlines()
                if l.startswith("VmRSS:"))
    return int(line.split()[1]) // 1024

class Engine:  # holds the store in a reference cycle, as fastshacl's engine does
    def __init__(self, store):
        self.store, self.me = store, self

def fill():
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"http://example.org/{i}"), ox.NamedNode("http://p"),
                         ox.Literal(f"value {i}" * 5)) for i in range(300_000))
    Engine(store)

gc.disable()  # as ccbkg.cli.gcpolicy makes collections rare
thread = threading.Thread(target=fill)
thread.start()
thread.join()
before = resident()
release_free_memory(300_000)
print(before, resident())
"""


def test_a_store_dropped_in_a_cycle_on_another_thread_is_given_back() -> None:
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True,
                          check=True, timeout=120)
    before, after = map(int, done.stdout.split())
    assert before - after > 50, (before, after)  # MiB; about 100 are freed


def test_a_small_stage_is_not_worth_a_collection(monkeypatch: pytest.MonkeyPatch) -> None:
    collections: list[int] = []
    monkeypatch.setattr(memory.gc, "collect", lambda: collections.append(1) or 0)
    memory.release_free_memory(memory.WORTH_RELEASING - 1)
    assert collections == []
    memory.release_free_memory(memory.WORTH_RELEASING)
    assert collections == [1]
