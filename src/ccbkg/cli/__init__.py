"""The `ccbkg` command line: a thin layer over the package's stages.

Exit codes (as pySHACL's): 0 all good, 1 the sources have defects, 2 usage or runtime error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console

from ccbkg import __version__
from ccbkg.checks import STAGES
from ccbkg.cli import gcpolicy
from ccbkg.cli.query import add_parser as add_query_parser
from ccbkg.cli.stores import add_parsers as add_store_parsers
from ccbkg.core import netguard
from ccbkg.core.errors import CcbkgError

EXIT_OK, EXIT_DEFECTS, EXIT_ERROR = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    netguard.install()
    gcpolicy.for_large_graphs()
    parser = _parser()
    args = parser.parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.run
    try:
        return command(args)
    except CcbkgError as exc:
        _err(str(exc))
        return EXIT_ERROR
    except netguard.NetworkRefused as exc:
        _err(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _err("interrupted; nothing was half-written")
        return 130
    except Exception as exc:
        if os.environ.get("CCBKG_DEBUG"):
            raise
        _err(f"internal error: {type(exc).__name__}: {exc} "
             "(set CCBKG_DEBUG=1 for a traceback, and please report it)")
        return EXIT_ERROR


def _err(message: str) -> None:
    print(f"ccbkg: error: {message}", file=sys.stderr)


def _stages(value: str) -> tuple[str, ...]:
    chosen = tuple(s.strip() for s in value.split(",") if s.strip())
    unknown = [s for s in chosen if s not in STAGES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown stage {', '.join(unknown) or '(none)'}; choose from {','.join(STAGES)}")
    return chosen


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", type=Path, metavar="DIR",
                   help="the source tree (a folder with ontology/, shapes/, instances/); "
                        "default: the data shipped with ccbkg")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ccbkg",
        description="The cyber capacity building knowledge graph: check, build and query it.",
        epilog="Exit codes: 0 all good, 1 the sources have defects, 2 usage or runtime error.",
    )
    parser.add_argument("--version", action="version", version=f"ccbkg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser(
        "check", help="check syntax, ontology lint, reasoning, SHACL shapes and provenance",
        description="Load the sources once and run the checks. Exit 0 when everything passes, "
                    "1 when a source has a defect, 2 on a usage or runtime error.",
    )
    _common(check)
    check.add_argument("--only", type=_stages, default=STAGES, metavar="STAGES",
                       help=f"comma-separated stages to run (default: {','.join(STAGES)})")
    check.add_argument("--format", choices=("text", "json"), default="text",
                       help="report format on standard output (default: text)")
    check.add_argument("--data", type=Path, action="append", metavar="FILE",
                       help="validate this Turtle file instead of the bundled instances "
                            "(repeatable)")
    check.add_argument("--shacl-engine", choices=("fast", "pyshacl"), default="fast",
                       help="SHACL validator of the lint and data shapes: the fast engine on "
                            "pyoxigraph (default) or pyshacl, the reference; both report the "
                            "same results")
    check.set_defaults(run=_cmd_check)

    build = sub.add_parser(
        "build", help="run every check, then write the release artefacts",
        description="Run every check and write dist/: all RDF formats, TriG with a named graph "
                    "per part, JSON-LD context, VoID/DCAT, check reports and SHA256SUMS. The "
                    "build is staged and swapped in: a failed build leaves the old one intact.",
    )
    _common(build)
    build.add_argument("--out", type=Path, default=Path("dist"), metavar="DIR",
                       help="output folder (default: dist): a new or empty folder, or one a "
                            "previous build wrote, which is replaced; a link is followed and kept")
    build.add_argument("--force", action="store_true",
                       help="build even when a check fails (the reports say what failed)")
    build.add_argument("--no-site", dest="site", action="store_false",
                       help="leave out the documentation site (dist/site/); for large graphs, "
                            "where it is the slowest part of the build")
    build.set_defaults(run=_cmd_build)
    add_query_parser(sub)
    add_store_parsers(sub)
    return parser


def _cmd_check(args: argparse.Namespace) -> int:
    from ccbkg.checks.run import run_checks
    from ccbkg.checks.text_report import render_text
    from ccbkg.core.progress import Progress
    from ccbkg.project.layout import Project

    project = Project.discover(args.root, args.data)
    outcome = run_checks(project, only=args.only, progress=Progress(quiet=args.quiet),
                         shacl_engine=args.shacl_engine)
    if args.format == "json":
        print(json.dumps(outcome.report.to_json(), indent=2, sort_keys=True))
    else:
        console = Console(emoji=False, highlight=False, soft_wrap=True)
        console.print(render_text(outcome.report, color=console.is_terminal), end="")
    return EXIT_OK if outcome.report.ok else EXIT_DEFECTS


def _cmd_build(args: argparse.Namespace) -> int:
    from ccbkg.checks.run import run_checks
    from ccbkg.checks.text_report import render_text
    from ccbkg.core.progress import Progress
    from ccbkg.project.layout import Project
    from ccbkg.release.atomic import check_out
    from ccbkg.release.build import build

    project = Project.discover(args.root)
    check_out(args.out, project.root, [f.path for f in project.files])
    progress = Progress(quiet=args.quiet)
    outcome = run_checks(project, progress=progress)
    console = Console(emoji=False, highlight=False, soft_wrap=True)
    if not outcome.report.ok:
        console.print(render_text(outcome.report, color=console.is_terminal), end="")
        if not args.force:
            _err(f"checks failed; nothing was built ({args.out} is unchanged). "
                 "Fix the errors above, or pass --force to build anyway")
            return EXIT_DEFECTS
    if outcome.sources.result.errors:
        _err("cannot build from sources that do not parse")
        return EXIT_DEFECTS
    with progress.step(f"Writing {args.out}"):
        summary = build(outcome.sources, outcome.report, outcome.shacl_report, args.out,
                        site=args.site)
    if not args.quiet:
        graphs = ", ".join(f"{g.rsplit('/', 1)[-1]} {n}" for g, n in sorted(summary.graphs.items()))
        console.print(
            f"Built ccbkg {summary.release.version} into {summary.out}/: {len(summary.files)} "
            f"files, {summary.triples} triples (named graphs: {graphs}).\n"
            f"  ontology/, vocab/, shapes/: each part as Turtle, N-Triples, RDF/XML, JSON-LD\n"
            f"  data/ccbkg-data.{{ttl,nt,jsonld}}: the instances merged\n"
            f"  ccbkg.trig, ccbkg.nq: everything, one named graph per part\n"
            f"  context.jsonld, void.ttl (VoID + DCAT), reports/, SHA256SUMS"
            + (f"\n  site/: the documentation site; open {summary.out}/site/index.html in a "
               "browser" if args.site else "")
        )
    return EXIT_OK if outcome.report.ok else EXIT_DEFECTS
