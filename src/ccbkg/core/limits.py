"""Bounds a user sets through environment variables: on what ccbkg reads (each with a default
that the variable can raise), and on the processes it forks."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ccbkg.core.errors import CcbkgError


@dataclass(frozen=True)
class Limit:
    """A bound on the input (a whole number), read from its environment variable when set."""

    variable: str
    default: int
    unit: str
    maximum: int | None = None  # what no machine needs more of (None: no bound)

    def value(self) -> int:
        """The bound in force: the variable's value when set, else the default."""
        given = self.given()
        return self.default if given is None else given

    def given(self) -> int | None:
        """The variable's value, None when it is not set."""
        raw = os.environ.get(self.variable, "").strip()
        if not raw:
            return None
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1 or (self.maximum is not None and value > self.maximum):
            most = f" up to {self.maximum}" if self.maximum is not None else ""
            raise CcbkgError(f"{self.variable}={raw!r}: give a whole number of {self.unit} "
                             f"above 0{most} (the default is {self.default})")
        return value

    def hint(self) -> str:
        """How a user raises the bound, for messages."""
        return f"set the environment variable {self.variable} to a larger number of {self.unit}"


MAX_FILE_BYTES = Limit("CCBKG_MAX_FILE_BYTES", 64 * 1024 * 1024, "bytes")
# Nesting deeper than this is refused before parsing: canonicalising deeply nested blank nodes
# grows steeply with depth (minutes at 2,000 levels, a crash at 100,000), and so does parsing
# nested RDF/XML. The authored files nest [ ] and ( ) at most 3 deep.
MAX_NESTING = Limit("CCBKG_MAX_NESTING", 64, "levels")
# The processes a stage may fork (the build's writing, the site's rendering); unset, ccbkg
# decides (core.processes.processes_for). Each is a copy of the build: hundreds of them filled
# the machine's memory until the kernel killed the build.
PROCESSES = Limit("CCBKG_PROCESSES", 2, "processes", maximum=32)
