"""The `ccbkg` command line: a thin layer over the package's stages, one module per command
group (check_build, query, stores).

Exit codes (as pySHACL's): 0 all good, 1 the authored files have defects, 2 usage or runtime error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from ccbkg import __version__
from ccbkg.cli import gcpolicy
from ccbkg.cli.check_build import add_parsers as add_check_build_parsers
from ccbkg.cli.common import EXIT_BROKEN_PIPE, EXIT_ERROR, err
from ccbkg.cli.curate import add_parsers as add_curate_parsers
from ccbkg.cli.diff import add_parser as add_diff_parser
from ccbkg.cli.query import add_parser as add_query_parser
from ccbkg.cli.stores import add_parsers as add_store_parsers
from ccbkg.core import netguard
from ccbkg.core.errors import CcbkgError


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    if sys.stdout is None:  # started with it closed (`ccbkg query list >&-`)
        err("standard output is closed: ccbkg writes its answers and reports there; redirect it "
            "to a file or /dev/null instead")
        return EXIT_ERROR
    netguard.install()
    gcpolicy.for_large_graphs()
    parser = _parser()
    args = parser.parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.run
    try:
        return command(args)
    except CcbkgError as exc:
        err(str(exc))
        return EXIT_ERROR
    except netguard.NetworkRefused as exc:
        err(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt as exc:  # a command may say what the interruption left
        err(str(exc) or "interrupted; nothing was half-written")
        return 130
    except BrokenPipeError:  # the reader of the output went away (`ccbkg ... | head`)
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # the system refused an operation on a file or folder the user named
        if os.environ.get("CCBKG_DEBUG"):
            raise
        err(f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc))
        return EXIT_ERROR
    except Exception as exc:
        if os.environ.get("CCBKG_DEBUG"):
            raise
        err(f"internal error: {type(exc).__name__}: {exc} "
            "(set CCBKG_DEBUG=1 for a traceback, and please report it)")
        return EXIT_ERROR


def _quiet_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush into the
    closed pipe prints nothing either."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, sys.stdout.fileno())
    os.close(null)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ccbkg",
        description="The cyber capacity building knowledge graph: check, build and query it.",
        epilog="Exit codes: 0 all good, 1 the project files have defects, 2 usage or runtime "
               "error.",
    )
    parser.add_argument("--version", action="version", version=f"ccbkg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_check_build_parsers(sub)
    add_query_parser(sub)
    add_store_parsers(sub)
    add_curate_parsers(sub)
    add_diff_parser(sub)
    return parser
