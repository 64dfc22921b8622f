"""Progress shown on standard error while slow steps run; silent with --quiet or off a terminal."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console


class Progress:
    """Shows a spinner per step and a line when it ends."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet
        self.console = Console(stderr=True, emoji=False, highlight=False)

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Run the body under a spinner labelled with what it does."""
        if self.quiet:
            yield
            return
        started = time.perf_counter()
        with self.console.status(f"{label} …"):
            yield
        self.console.print(f"[dim]✓ {label} ({time.perf_counter() - started:.1f} s)[/dim]")
