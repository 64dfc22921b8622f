"""`ccbkg query list | show | run | freeze`: the competency queries on the command line."""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ccbkg.cli.common import add_root, seconds
from ccbkg.core.errors import CcbkgError
from ccbkg.project.layout import read_regular
from ccbkg.project.query_headers import EVERY, QueryInfo
from ccbkg.query.answer import Asked, answer
from ccbkg.query.catalogue import catalogue, find, user_query
from ccbkg.query.prefixes import declare
from ccbkg.query.render import FORMATS, render
from ccbkg.query.run import (
    DEFAULT_MEMORY_MIB,
    DEFAULT_TIMEOUT,
)
from ccbkg.stores.http_client import PASSWORD_ENV, USER_ENV


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `query` command and its actions to the top-level subparsers."""
    parser = sub.add_parser(
        "query", help="list, show and run the bundled competency queries (or your own)",
        description="The competency queries bundled with ccbkg, run on the embedded store "
                    "(the project files loaded in memory) or on any SPARQL 1.1 endpoint.",
        epilog="Exit codes: 0 done, 2 usage or runtime error (bad parameter, unreachable "
               "endpoint, refused query).",
    )
    actions = parser.add_subparsers(dest="query_command", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="list the bundled queries and their questions",
                                 description="List the bundled queries: name, parameters and "
                                             "the competency question each answers.")
    _root(listing)
    listing.set_defaults(run=_cmd_list)

    show = actions.add_parser("show", help="show a query's header, parameters and SPARQL",
                              description="Show a bundled query: its question, parameters "
                                          "with types and defaults, and its SPARQL text.")
    show.add_argument("name", metavar="NAME", help="the query name (see `ccbkg query list`)")
    _root(show)
    show.set_defaults(run=_cmd_show)

    freeze = actions.add_parser(
        "freeze", help="rewrite queries/expected/*.csv from the project files",
        description="Run every bundled query on the embedded store with its default "
                    "parameters and write its expected result (the CSV the tests compare "
                    "with). Run it after a data change that `ccbkg check` passes, and review "
                    "the diff before committing.")
    add_root(freeze, "ontology/ and queries/", writes=True)
    freeze.set_defaults(run=_cmd_freeze)

    run = actions.add_parser(
        "run", help="run a bundled query, or your own with --file/--sparql",
        description="Run a bundled query by NAME, or your own query with --file or --sparql. "
                    "Parameters are checked against their declared types and bound as RDF "
                    "terms, never pasted into the query text. Queries that use SERVICE or "
                    "LOAD are refused unless --allow-network is given. On the embedded store "
                    "the query is evaluated in a child process, stopped at the deadline or "
                    "when it needs more memory than --max-memory.",
        epilog=f"Credentials for --endpoint come only from the environment variables "
               f"{USER_ENV} and {PASSWORD_ENV}.",
    )
    run.add_argument("name", nargs="?", metavar="NAME", help="a bundled query name")
    given = run.add_mutually_exclusive_group()
    given.add_argument("--file", type=Path, metavar="Q.rq", help="run the query in this file")
    given.add_argument("--sparql", metavar="TEXT", help="run this query text")
    run.add_argument("--param", action="append", default=[], type=_param, metavar="NAME=VALUE",
                     help="a parameter value (repeatable); see `ccbkg query show NAME`")
    run.add_argument("--format", choices=FORMATS, default="table",
                     help="output format: table (default; in a terminal, a result wider "
                          "than the terminal is shown as records, one block a row), csv, tsv "
                          "(SPARQL 1.1 CSV/TSV results), json (SPARQL 1.1 results JSON) or "
                          "md (Markdown table)")
    run.add_argument("--iris", action="store_true",
                     help="table and md: show IRIs (as CURIEs) instead of the nodes' labels, "
                          "and every column")
    run.add_argument("--columns", type=_columns, metavar="A,B,C",
                     help="show only these columns, in this order (every format)")
    run.add_argument("--limit", type=_rows(1), metavar="N",
                     help="one page of a SELECT query's rows: at most N rows (with --offset, "
                          "the rows after the first M; the query must have ORDER BY); when "
                          "more rows follow, the command for the next page is printed on "
                          "stderr")
    run.add_argument("--offset", type=_rows(0), metavar="M",
                     help="leave out the first M rows (see --limit): `--limit 100 --offset "
                          "200` is the third page of 100 rows")
    run.add_argument("--no-cache", action="store_true",
                     help="compute the page from the store, and keep nothing: by default a "
                          "page of a bundled query on the embedded store is cut from its whole "
                          "ordered answer, computed on the first page and kept in "
                          "$CCBKG_CACHE_DIR (else $XDG_CACHE_HOME/ccbkg, else ~/.cache/ccbkg) "
                          "for the same project files")
    run.add_argument("--endpoint", metavar="URL",
                     help="query this SPARQL 1.1 endpoint instead of the embedded store")
    run.add_argument("--timeout", type=seconds, default=DEFAULT_TIMEOUT, metavar="S",
                     help="deadline in seconds for the whole answer, from the endpoint "
                          "(connecting, sending, receiving) or the embedded store "
                          f"(default {DEFAULT_TIMEOUT:g})")
    run.add_argument("--max-memory", type=_mebibytes, default=DEFAULT_MEMORY_MIB,
                     metavar="MIB",
                     help="memory in MiB the embedded store may use to evaluate the query, "
                          f"beyond what the loaded project files take (default "
                          f"{DEFAULT_MEMORY_MIB})")
    run.add_argument("--allow-network", action="store_true",
                     help="permit SERVICE and LOAD (they make the engine fetch from the network)")
    _root(run)
    run.set_defaults(run=_cmd_run)


def _root(p: argparse.ArgumentParser) -> None:
    add_root(p, "ontology/ and queries/")


def _param(value: str) -> tuple[str, str]:
    name, sep, text = value.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"write --param NAME=VALUE (got {value!r})")
    return name, text


def _columns(value: str) -> list[str]:
    names = [c.strip().lstrip("?") for c in value.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"write --columns A,B,C (got {value!r})")
    return names


def _rows(least: int) -> Callable[[str], int]:
    """An argparse type: a whole number of rows, at least `least`."""
    def parse(value: str) -> int:
        if not value.isascii() or not value.isdigit() or int(value) < least:
            raise argparse.ArgumentTypeError(f"give a whole number of at least {least} "
                                             f"(got {value!r})")
        return int(value)
    return parse


MAX_MEMORY_MIB = 16 << 20  # 16 TiB: more than any machine has, and within the system's limit


def _mebibytes(value: str) -> int:
    try:
        mib = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of MiB: {value!r}") from None
    if mib < 16:
        raise argparse.ArgumentTypeError("give at least 16 MiB")
    if mib > MAX_MEMORY_MIB:
        raise argparse.ArgumentTypeError(f"at most {MAX_MEMORY_MIB} MiB (16 TiB; got {value!r})")
    return mib


def _cmd_list(args: argparse.Namespace) -> int:
    queries = catalogue(args.root)
    rows = [(q.name, ", ".join(p.name for p in q.params), q.question) for q in queries]
    console = Console(emoji=False, highlight=False, soft_wrap=not sys.stdout.isatty())
    if console.is_terminal:
        table = Table("name", "parameters", "question")
        for row in rows:
            table.add_row(*(Text(c) for c in row))
        console.print(table)
    else:
        width = max((len(r[0]) for r in rows), default=0)
        for name, params, question in rows:
            extra = f" [{params}]" if params else ""
            print(f"{name.ljust(width)}  {question}{extra}")
    return 0


def _cmd_freeze(args: argparse.Namespace) -> int:
    # the checks (pyshacl, owlready2) take a fifth of a second to import: only freeze pays
    from ccbkg.curate.freeze import freeze

    written = freeze(args.root)
    for shown, changed in written:
        print(f"{'wrote    ' if changed else 'unchanged'} {shown}")
    print(f"{sum(c for _, c in written)} of {len(written)} expected results changed; review "
          "them with git diff queries/expected/")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    info = find(args.name, args.root)
    print(f"{info.name}: {info.title}")
    print(f"  question:    {info.question}")
    print(f"  description: {info.description}")
    for p in info.params:
        default = f"{EVERY}: left unbound" if p.optional else p.default
        print(f"  param:       {p.name} ({p.type.value}, default {default}) — {p.description}")
    if info.expected:
        print(f"  expected:    queries/{info.expected}")
    print()
    print(info.text, end="" if info.text.endswith("\n") else "\n")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    info = _chosen(args)
    values = dict(args.param)
    if len(values) != len(args.param):
        twice = sorted({name for name, _ in args.param
                        if sum(1 for other, _ in args.param if other == name) > 1})
        raise CcbkgError(f"--param {', '.join(twice)}: given twice; give each parameter once")
    asked = Asked(info, values, root=args.root, endpoint=args.endpoint, limit=args.limit,
                  offset=args.offset, timeout=args.timeout, memory=args.max_memory,
                  allow_network=args.allow_network, use_cache=not args.no_cache,
                  with_labels=args.format in ("table", "md") and not args.iris)
    got = answer(asked, note=lambda text: print(f"ccbkg: {text}", file=sys.stderr))
    if got.updated:
        print("ccbkg: the endpoint accepted the update", file=sys.stderr)
        return 0
    if got.more:
        print(f"ccbkg: more rows follow; the next page: {_next_page(args)}", file=sys.stderr)
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    sys.stdout.write(render(got.results, args.format, labels=got.labels, columns=args.columns,
                            width=width))
    sys.stdout.flush()
    return 0


def _next_page(args: argparse.Namespace) -> str:
    """The command line that gives the page after this one (the options that change the
    answer kept, in their canonical form)."""
    words = ["ccbkg", "query", "run"]
    words += [args.name] if args.name is not None else ["--file", str(args.file)] \
        if args.file is not None else ["--sparql", args.sparql]
    for name, value in args.param:
        words += ["--param", f"{name}={value}"]
    words += ["--format", args.format] if args.format != "table" else []
    words += ["--iris"] if args.iris else []
    words += ["--columns", ",".join(args.columns)] if args.columns else []
    words += ["--limit", str(args.limit), "--offset", str((args.offset or 0) + args.limit)]
    words += ["--no-cache"] if args.no_cache else []
    words += ["--endpoint", args.endpoint] if args.endpoint else []
    words += ["--timeout", f"{args.timeout:g}"] if args.timeout != DEFAULT_TIMEOUT else []
    words += ["--max-memory", str(args.max_memory)] \
        if args.max_memory != DEFAULT_MEMORY_MIB else []
    words += ["--allow-network"] if args.allow_network else []
    words += ["--root", str(args.root)] if args.root is not None else []
    return shlex.join(words)


def _chosen(args: argparse.Namespace) -> QueryInfo:
    given = [x for x in (args.name, args.file, args.sparql) if x is not None]
    if len(given) != 1:
        raise CcbkgError("give one query: a bundled query NAME, --file Q.rq or --sparql TEXT")
    if args.name is not None:
        return find(args.name, args.root)
    if args.file is not None:
        try:
            text = read_regular(args.file, str(args.file)).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CcbkgError(f"{args.file}: cannot read the query: {exc}") from None
        return user_query(declare(text, str(args.file)), str(args.file))
    try:
        args.sparql.encode("utf-8")
    except UnicodeEncodeError:  # bytes of the command line that are not UTF-8
        raise CcbkgError("--sparql: the query is not valid Unicode text (bytes that are not "
                         "UTF-8); write it in UTF-8, or pass it with --file") from None
    return user_query(declare(args.sparql, "--sparql"), "--sparql")
