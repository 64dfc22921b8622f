"""The `serve` and `publish` commands: the release in a SPARQL server, local or remote."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ccbkg.cli.common import EXIT_DEFECTS, EXIT_OK, err, retries, seconds
from ccbkg.core import netguard
from ccbkg.core.errors import CcbkgError
from ccbkg.stores.profiles import STORES

if TYPE_CHECKING:
    from ccbkg.rdf.dataset import ReleaseInput
    from ccbkg.stores.site_server import SiteServer


def add_parsers(sub: Any) -> None:
    """Add `serve` and `publish` to the CLI's subcommands."""
    from ccbkg.core.namespaces import BASE
    from ccbkg.stores.publish import DEFAULT_GRAPH_BASE
    from ccbkg.stores.serve import DEFAULT_BIND, DEFAULT_PORT

    serve = sub.add_parser(
        "serve", help="serve the release over SPARQL 1.1 (Oxigraph server) until Ctrl-C",
        description="Load the release (dist/ccbkg.nq, or the project files when there is no build) "
                    "into a temporary Oxigraph store and serve it: every part in its own "
                    "named graph, their union as the default graph. Read-only unless "
                    "--writable. Ctrl-C stops it and removes the temporary store.",
    )
    _release_args(serve)
    serve.add_argument("--bind", default=DEFAULT_BIND, metavar="HOST",
                       help=f"address to listen on (default: {DEFAULT_BIND}, this machine only); "
                            "another than a loopback one needs --public")
    serve.add_argument("--public", action="store_true",
                       help="allow a --bind that other machines reach (such as 0.0.0.0): anyone "
                            "who reaches it may query the endpoint and read the site; never "
                            "with --writable")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, metavar="N",
                       help=f"port to listen on; 0 picks a free one (default: {DEFAULT_PORT})")
    serve.add_argument("--site-port", type=_port, default=None, metavar="N",
                       help="port of the documentation site of a build, with w3id content "
                            "negotiation for IRIs (default: the port after --port, "
                            f"{DEFAULT_PORT + 1}; a free one with --port 0; 0: a free one)")
    serve.add_argument("--writable", action="store_true",
                       help="accept SPARQL updates and Graph Store writes (lost on exit); on a "
                            "loopback --bind only, and not from other web sites' pages")
    serve.set_defaults(run=_cmd_serve)

    publish = sub.add_parser(
        "publish", help="load the release into a SPARQL 1.1 store, atomically",
        description="Switch the release into the store in one update (Oxigraph: one "
                    "transaction carrying what changed, invisible until switched; Virtuoso: "
                    "staged as text outside its graphs, switched in one SQL transaction; "
                    "others: verified staging graphs moved in place), then read every graph "
                    "back and "
                    "verify it (triple count and SHA-256). After a crash or Ctrl-C, publish "
                    "again (or --recover). docs/stores.md says what holds on each store. "
                    "Credentials come from CCBKG_STORE_USER and CCBKG_STORE_PASSWORD only.",
        epilog="Exit codes: 0 published and verified, 1 published but queries on the default "
               "graph do not see it, 2 the store failed or refused, or its default graph is "
               "not the union of its named graphs (the message says whether the published "
               "graphs were left unchanged).",
    )
    _release_args(publish)
    publish.add_argument("--endpoint", required=True, metavar="URL",
                         help="the store: its SPARQL query endpoint, or its base URL with "
                              "--store oxigraph|virtuoso")
    publish.add_argument("--store", choices=STORES, default="generic",
                         help="kind of store, sets the endpoint paths and batch sizes "
                              "(default: generic)")
    publish.add_argument("--update-endpoint", metavar="URL",
                         help="SPARQL Update endpoint (default: from --store)")
    publish.add_argument("--gsp-endpoint", metavar="URL",
                         help="Graph Store protocol endpoint (default: from --store; generic "
                              "stores without it get the data by INSERT DATA)")
    publish.add_argument("--graph-base", default=DEFAULT_GRAPH_BASE, metavar="IRI",
                         help=f"IRI the named graphs go under, within {BASE} (default: "
                              f"{DEFAULT_GRAPH_BASE})")
    mode = publish.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true",
                      help="list the graphs publish would load and drop, change nothing")
    mode.add_argument("--recover", action="store_true",
                      help="only drop the staging graphs an interrupted publish left")
    publish.add_argument("--keep-other-graphs", action="store_true",
                         help="keep graphs under --graph-base that the release does not have "
                              "(by default they are dropped in the switch, so that the store "
                              "holds exactly this release)")
    publish.add_argument("--timeout", type=seconds, default=60.0, metavar="S",
                         help="seconds to wait for each answer (default: 60); the switch "
                              "waits this long per 100,000 triples")
    publish.add_argument("--retries", type=retries, default=4, metavar="N",
                         help="retries of a safe request after a transient error, with "
                              "exponential backoff (default: 4)")
    publish.set_defaults(run=_cmd_publish)


def _release_args(p: argparse.ArgumentParser) -> None:
    source = p.add_mutually_exclusive_group()
    source.add_argument("--dist", type=Path, metavar="DIR",
                        help="a built release (its ccbkg.nq); default: dist/ when it has one")
    source.add_argument("--root", type=Path, metavar="DIR",
                        help="serialise the project files under DIR instead of a build "
                             "(default when there is no dist/: the tree the current folder "
                             "is in, else the data shipped with ccbkg)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}")
    return int(value)


def _cmd_serve(args: argparse.Namespace) -> int:
    from ccbkg.core.progress import Progress
    from ccbkg.rdf.dataset import open_release
    from ccbkg.stores.serve import check_bind, serve

    netguard.allow(args.bind)
    bind = check_bind(args.bind, public=args.public, writable=args.writable)
    progress = Progress(quiet=args.quiet)
    with progress.step("Finding the release"):
        release = open_release(args.dist, args.root)
        site_port = args.site_port if args.site_port is not None else (
            args.port + 1 if 0 < args.port < 65535 else 0)  # --port 0: a free one for each
        site = _site_server(release, bind, site_port)
    try:
        return serve(release, bind=bind, port=args.port, writable=args.writable,
                     progress=progress, site=site)
    finally:
        if site is not None:
            site.stop()


def _site_server(release: ReleaseInput, bind: str, port: int) -> SiteServer | None:
    """The site server for a build that has a site (None for the project or a bare N-Quads)."""
    from ccbkg.project.layout import shipped_root
    from ccbkg.rdf.void import Release
    from ccbkg.stores.htaccess import RULES_FILE, read_rules
    from ccbkg.stores.site_server import SiteServer

    if release.path is None or not (release.path.parent / "site" / "index.html").is_file():
        return None
    dist = release.path.parent
    ontology = dist / "ontology" / "ccb.ttl"
    try:
        quads = list(ox.parse(path=ontology, format=ox.RdfFormat.TURTLE))
    except (OSError, SyntaxError) as exc:
        raise CcbkgError(f"{ontology}: cannot read the release's ontology: {exc}") from None
    version = Release.from_ontology(quads).version
    # the rules the build wrote, on its --w3id-target; a build from before they were: the source's
    rules = dist / RULES_FILE if (dist / RULES_FILE).is_file() else shipped_root() / RULES_FILE
    return SiteServer(dist, read_rules(rules), version, bind, port)


def _cmd_publish(args: argparse.Namespace) -> int:
    from ccbkg.core.progress import Progress
    from ccbkg.rdf.dataset import open_release
    from ccbkg.stores.http_client import HttpClient, credentials_from_env
    from ccbkg.stores.profiles import endpoints
    from ccbkg.stores.publish import (
        NotVisible,
        check_graph_base,
        check_store,
        one_at_a_time,
        plan,
        publish,
        recover,
    )

    check_graph_base(args.graph_base)
    credentials, names = credentials_from_env()
    where = endpoints(args.store, args.endpoint, update=args.update_endpoint,
                      gsp=args.gsp_endpoint, authenticated=credentials is not None)
    for url in where.urls():
        netguard.allow_endpoint(url)
    client = HttpClient(timeout=args.timeout, retries=args.retries, credentials=credentials,
                        auth_urls=where.urls(), names=names)
    if args.recover:
        check_store(where, client)
        left = recover(where, client, args.graph_base)
        print(f"Dropped {len(left)} staging graph(s)" + "".join(f"\n  {g}" for g in left),
              flush=True)
        return EXIT_OK
    release = open_release(args.dist, args.root)  # verified before the store is asked
    progress = Progress(quiet=args.quiet)
    # the plan (what to drop) is made under the lock too: another publish may change it
    with contextlib.nullcontext() if args.dry_run else one_at_a_time(where):
        check_store(where, client)
        with progress.step("Reading the release"):
            quads = release.quads()
        planned = plan(quads, where, client, graph_base=args.graph_base,
                       prune=not args.keep_other_graphs)
        if args.dry_run:
            print("\n".join(["Would publish (dry run, nothing changed):", *planned.lines()]),
                  flush=True)
            return EXIT_OK
        if not args.quiet:
            print("\n".join(["Publishing:", *planned.lines()]), flush=True)
        try:
            summary = publish(quads, where, client, graph_base=args.graph_base,
                              progress=progress, planned=planned)
        except NotVisible as exc:
            err(str(exc))
            return EXIT_DEFECTS
    lines = [f"Published {release.label} to {summary.endpoint}: {len(summary.graphs)} graphs, "
             f"{summary.triples} triples, {summary.seconds:.1f} s ({summary.requests} requests)."]
    if not args.quiet:
        width = max(len(g) for g in summary.graphs)
        lines += [f"  {g:<{width}}  {n:>7} triples" for g, n in sorted(summary.graphs.items())]
    lines += [f"Note: {note}" for note in summary.notes]
    print("\n".join(lines), file=sys.stdout, flush=True)
    return EXIT_OK
