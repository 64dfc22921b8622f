"""What the commands share: exit codes, the one-line error message and the common options."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_DEFECTS, EXIT_ERROR = 0, 1, 2
#: What a shell reports for a program stopped by SIGPIPE (128 + 13): the output's reader left.
EXIT_BROKEN_PIPE = 141


def err(message: str) -> None:
    """A one-line error on standard error."""
    print(f"ccbkg: error: {message}", file=sys.stderr)


def add_root(p: argparse.ArgumentParser,
             folders: str = "ontology/, shapes/, instances/", *, writes: bool = False) -> None:
    """--root DIR: the source tree to work on (to change, for a command that writes)."""
    if writes:
        help_text = (f"the source tree to change (a folder with {folders}); default: the "
                     "tree the current folder is in, else the checkout ccbkg runs from (never "
                     "the data installed with ccbkg)")
    else:
        help_text = (f"the source tree (a folder with {folders}); default: the tree the "
                     "current folder is in, else the data shipped with ccbkg")
    p.add_argument("--root", type=Path, metavar="DIR", help=help_text)


def add_common(p: argparse.ArgumentParser) -> None:
    """--root and --quiet, as check and build take them."""
    add_root(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")


MAX_SECONDS = 24 * 3600.0  # a deadline of more than a day is none (and `inf` overflows)
MAX_RETRIES = 100


def seconds(value: str) -> float:
    """An argparse type: a positive number of seconds, at most a day."""
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number > 0:
        raise argparse.ArgumentTypeError(f"not a positive number of seconds: {value!r}")
    if number > MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"at most {MAX_SECONDS:g} seconds, a day (got "
                                         f"{value!r})")
    return number


def retries(value: str) -> int:
    """An argparse type: a number of retries, 0 to MAX_RETRIES."""
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= MAX_RETRIES:
        raise argparse.ArgumentTypeError(f"not a whole number from 0 to {MAX_RETRIES}: "
                                         f"{value!r}")
    return number
