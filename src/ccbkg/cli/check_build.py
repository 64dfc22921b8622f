"""`ccbkg check` and `ccbkg build`: the checks in order, then the release written into dist/."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from ccbkg.checks import STAGES
from ccbkg.cli.common import EXIT_DEFECTS, EXIT_ERROR, EXIT_OK, add_common, err
from ccbkg.project.layout import DATA_SYNTAXES


def add_parsers(sub: Any) -> None:
    """Add `check` and `build` to the CLI's subcommands."""
    check = sub.add_parser(
        "check", help="check syntax, ontology lint, reasoning, SHACL shapes and provenance",
        description="Load the project files once and run the checks. Exit 0 when everything "
                    "passes, 1 when a project file has a defect, 2 on a usage or runtime error.",
    )
    add_common(check)
    check.add_argument("--only", type=_stages, default=STAGES, metavar="STAGES",
                       help=f"comma-separated stages to run (default: {','.join(STAGES)})")
    check.add_argument("--format", choices=("text", "json", "github", "junit", "sarif"),
                       default="text",
                       help="report format on standard output: text (default), json, github "
                            "(GitHub Actions annotations), junit (JUnit XML) or sarif (SARIF "
                            "2.1.0)")
    check.add_argument("--data", type=_data_path, action="extend", nargs="+", metavar="FILE",
                       help="validate these RDF files instead of the bundled instances: "
                            "Turtle, N-Triples, N-Quads, TriG, RDF/XML or JSON-LD, by extension "
                            "(.ttl .nt .nq .trig .rdf .jsonld) or as --data-format says; a "
                            "folder: every file with one of those extensions in it and its "
                            "subfolders (repeatable)")
    check.add_argument("--data-format", choices=tuple(DATA_SYNTAXES), metavar="SYNTAX",
                       help="read every --data file as this syntax, whatever its extension: "
                            f"{', '.join(DATA_SYNTAXES)}")
    check.add_argument("--shacl-engine", choices=("fast", "pyshacl"), default="fast",
                       help="SHACL validator of the lint and data shapes: the fast engine on "
                            "pyoxigraph (default) or pyshacl, the reference; both report the "
                            "same results")
    _add_no_cache(check)
    check.set_defaults(run=_cmd_check)

    build = sub.add_parser(
        "build", help="run every check, then write the release artefacts",
        description="Run every check and write dist/: all RDF formats, TriG with a named graph "
                    "per part, JSON-LD context, VoID/DCAT, check reports and SHA256SUMS. The "
                    "build is staged and swapped in: a failed build leaves the old one intact.",
    )
    add_common(build)
    build.add_argument("--out", type=Path, default=Path("dist"), metavar="DIR",
                       help="output folder (default: dist): a new or empty folder, or one a "
                            "previous build wrote, which is replaced; a link is followed and kept")
    build.add_argument("--force", action="store_true",
                       help="build even when a check fails (the reports say what failed)")
    build.add_argument("--no-site", dest="site", action="store_false",
                       help="leave out the documentation site (dist/site/); for large graphs, "
                            "where it is the slowest part of the build")
    build.add_argument("--sparql-endpoint", type=_endpoint, metavar="URL",
                       help="the public SPARQL endpoint of this release, named in void.ttl as "
                            "void:sparqlEndpoint (default: none is named)")
    build.add_argument("--w3id-target", type=_target, metavar="URL",
                       help="the site that serves the releases (latest/ and release/X.Y.Z/), "
                            "where the w3id redirect rules written into DIR/w3id/.htaccess send "
                            "requests (default: the placeholder of w3id/.htaccess)")
    _add_no_cache(build)
    build.set_defaults(run=_cmd_build)


def _add_no_cache(command: argparse.ArgumentParser) -> None:
    command.add_argument("--no-cache", dest="keep", action="store_false",
                         help="run the reasoner even when its verdict on the same ontology, "
                              "vocabulary and data files is kept in $CCBKG_CACHE_DIR (else "
                              "$XDG_CACHE_HOME/ccbkg, else "
                              "~/.cache/ccbkg); nothing is kept either")


def _endpoint(value: str) -> str:
    """A public URL the release names: what every remote URL must be (`check_url`), with no
    character an IRI cannot hold."""
    from ccbkg.core.errors import CcbkgError
    from ccbkg.stores.http_client import check_url

    try:
        check_url(value, "the URL")
    except CcbkgError:
        valid = False
    else:
        valid = not any(c.isspace() or c in '<>"{}|\\^`' for c in value)
    if not valid:
        raise argparse.ArgumentTypeError(
            f"not an http(s) URL: {value!r} (example: https://example.org/sparql)")
    return value


def _target(value: str) -> str:
    return _endpoint(value if value.endswith("/") else value + "/")


def _stages(value: str) -> tuple[str, ...]:
    chosen = tuple(s.strip() for s in value.split(",") if s.strip())
    unknown = [s for s in chosen if s not in STAGES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown stage {', '.join(unknown) or '(none)'}; choose from {','.join(STAGES)}")
    return chosen


def _data_path(name: str) -> Path:
    """A --data file or folder (an empty name is no folder: Path would read it as ".")."""
    if not name:
        raise argparse.ArgumentTypeError("an empty name; give the data files or their folder")
    return Path(name)


def _cmd_check(args: argparse.Namespace) -> int:
    from ccbkg.checks.run import run_checks
    from ccbkg.checks.text_report import render_text
    from ccbkg.core.progress import Progress
    from ccbkg.project.layout import Project

    if args.data_format and not args.data:
        err("--data-format applies to --data files; give --data FILE")
        return EXIT_ERROR
    project = Project.discover(args.root, args.data, args.data_format)
    outcome = run_checks(project, only=args.only, progress=Progress(quiet=args.quiet),
                         shacl_engine=args.shacl_engine, keep=args.keep)
    if args.format == "json":
        print(json.dumps(outcome.report.to_json(), indent=2, sort_keys=True))
    elif args.format != "text":
        from ccbkg.checks.ci_reports import render

        print(render(outcome.report, args.format), end="")
    else:
        console = Console(emoji=False, highlight=False, soft_wrap=True)
        console.print(render_text(outcome.report, color=console.is_terminal), end="")
    return EXIT_OK if outcome.report.ok else EXIT_DEFECTS


def _cmd_build(args: argparse.Namespace) -> int:
    from ccbkg.checks.run import run_checks
    from ccbkg.checks.text_report import render_text
    from ccbkg.core.limits import PROCESSES
    from ccbkg.core.progress import Progress
    from ccbkg.project.layout import Project
    from ccbkg.release.atomic import check_out
    from ccbkg.release.build import build

    project = Project.discover(args.root)
    check_out(args.out, project.root, [f.path for f in project.files])
    PROCESSES.given()  # a bad value is refused before the checks run
    progress = Progress(quiet=args.quiet)
    outcome = run_checks(project, progress=progress, keep=args.keep)
    console = Console(emoji=False, highlight=False, soft_wrap=True)
    if not outcome.report.ok:
        console.print(render_text(outcome.report, color=console.is_terminal), end="")
        if not args.force:
            err(f"checks failed; nothing was built ({args.out} is unchanged). "
                "Fix the errors above, or pass --force to build anyway")
            return EXIT_DEFECTS
    if outcome.loaded.result.errors:
        err("cannot build from project files that do not parse")
        return EXIT_DEFECTS
    with progress.step(f"Writing {args.out}"):
        summary = build(outcome.loaded, outcome.report, outcome.shacl_report, args.out,
                        site=args.site, endpoint=args.sparql_endpoint,
                        w3id_target=args.w3id_target)
    if not args.quiet:
        graphs = ", ".join(f"{g.rsplit('/', 1)[-1]} {n}" for g, n in sorted(summary.graphs.items()))
        console.print(
            f"Built ccbkg {summary.release.version} into {summary.out}/: {len(summary.files)} "
            f"files, {summary.triples} triples (named graphs: {graphs}).\n"
            f"  ontology/, vocab/, shapes/: each part as Turtle, N-Triples, RDF/XML, JSON-LD\n"
            f"  data/ccbkg-data.{{ttl,nt,rdf,jsonld}}: the instances merged\n"
            f"  data/country/: a framed JSON-LD document per country\n"
            f"  inferred/ccbkg-inferred.{{ttl,nt,rdf,jsonld}}: what the ontology entails "
            f"(no reasoner needed)\n"
            f"  validation/: for stock SHACL validators (docs/shapes.md)\n"
            f"  ccbkg.trig, ccbkg.nq: everything, one named graph per part\n"
            f"  context.jsonld, void.ttl (VoID + DCAT), reports/, SHA256SUMS"
            + (f"\n  site/: the documentation site; open {summary.out}/site/index.html in a "
               "browser" if args.site else "")
        )
    return EXIT_OK if outcome.report.ok else EXIT_DEFECTS
