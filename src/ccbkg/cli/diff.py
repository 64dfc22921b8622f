"""`ccbkg diff OLD NEW`: the changes between two releases, as a changelog section."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ccbkg.cli.common import EXIT_OK
from ccbkg.core.errors import CcbkgError
from ccbkg.release.atomic import write_bytes
from ccbkg.release.diff import diff


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `ccbkg diff`."""
    p = sub.add_parser(
        "diff", help="what changed between two releases (changelog section in Markdown)",
        description="List the nodes added, removed and changed between two releases, by label "
                    "and passage, as the Markdown section of the release's changelog. Each "
                    "release is a dist folder written by `ccbkg build` or a git commit (branch, "
                    "tag or hash) of the source tree.")
    p.add_argument("old", metavar="OLD", help="the earlier release: a dist folder or a git commit")
    p.add_argument("new", metavar="NEW", help="the later release: a dist folder or a git commit")
    p.add_argument("--repo", type=Path, metavar="DIR", default=Path(),
                   help="the git repository OLD and NEW are commits of (default: the current "
                        "folder)")
    p.add_argument("--out", type=Path, metavar="FILE",
                   help="write the section to FILE (replaced whole) instead of standard output")
    p.set_defaults(run=_cmd_diff)


def _cmd_diff(args: argparse.Namespace) -> int:
    if args.out is not None and not args.out.absolute().parent.is_dir():
        raise CcbkgError(f"--out {args.out}: the folder {args.out.absolute().parent} does not "
                         "exist (ccbkg makes no folders for it)")
    text = diff(args.old, args.new, args.repo)
    if args.out is None:
        sys.stdout.write(text)
    else:
        write_bytes(args.out, text.encode("utf-8"))
        print(f"wrote {args.out}", file=sys.stderr)
    return EXIT_OK
