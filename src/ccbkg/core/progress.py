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
        self.done(label, time.perf_counter() - started)

    @contextmanager
    def spinner(self, label: str) -> Iterator[None]:
        """A spinner for steps that run side by side; each reports with `done`."""
        if self.quiet:
            yield
            return
        with self.console.status(f"{label} …"):
            yield

    def done(self, label: str, seconds: float) -> None:
        """The line of a finished step."""
        if not self.quiet:
            self.console.print(f"[dim]✓ {label} ({seconds:.1f} s)[/dim]")
