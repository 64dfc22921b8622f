"""`ccbkg source add`, `ccbkg passage add`, `ccbkg new country`, `ccbkg draft`: the curator's
helpers."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ccbkg.checks.provenance import FOOTNOTE_MARKER
from ccbkg.cli.common import EXIT_OK, add_root
from ccbkg.core.termtext import counted
from ccbkg.curate.country import new_country
from ccbkg.curate.files import locked
from ccbkg.curate.sources import Bibliography, add_passage, add_source
from ccbkg.project.layout import Project

SOURCE_HELP = "the source's file name (000_….txt), key or IRI"


def add_parsers(sub: Any) -> None:
    """Add `source`, `passage` and `new` to the CLI's subcommands."""
    add = _action(sub, ("source", "add a source text"), (
        "add", "copy a UTF-8 text under instances/sources/ and describe it",
        "Copy FILE to instances/sources/NNN_<first 16 hex digits of its SHA-256>.txt and "
        "append its ccb:SourceDocument to instances/sources.ttl (docs/curation.md)."))
    add.add_argument("file", type=Path, metavar="FILE")
    add.add_argument("--title", required=True)
    add.add_argument("--author")
    add.add_argument("--publisher")
    add.add_argument("--date", help="YYYY, YYYY-MM or YYYY-MM-DD, as precise as the source")
    add.add_argument("--url", help="where the text was published")
    add.add_argument("--clean", action="store_true",
                     help="store the text with page breaks (form feeds, as pdftotext writes "
                     "them) and vertical tabs as line breaks, without the other control and "
                     "invisible characters, with CR LF line ends as LF and accents composed "
                     "(Unicode NFC); without it, a text holding what the words and context of "
                     "a passage may not is refused")
    add.set_defaults(run=_cmd_source_add)

    passage = _action(sub, ("passage", "cite a passage of a source"), (
        "add", "find the exact words in a source and append the passage",
        "Find WORDS in the source text, compute offsets, prefix and suffix, and append the "
        "ccb:Passage to instances/sources.ttl (docs/curation.md)."))
    passage.add_argument("source", metavar="SOURCE",
                         help=SOURCE_HELP)
    passage.add_argument("words", metavar="WORDS", help="the exact words of the source")
    passage.add_argument("--occurrence", type=int, metavar="N",
                         help="which occurrence, when the words occur more than once")
    passage.add_argument("--slug", help="the passage's key (default: from its first words)")
    passage.add_argument("--label", help="rdfs:label (default: the words, shortened)")
    passage.set_defaults(run=_cmd_passage_add)

    country = _action(sub, ("new", "start a new data file"), (
        "country", "write instances/<name>.ttl for a country",
        "Write instances/<name>.ttl: the prefixes, the country node (labels and ISO codes "
        "from pycountry) and an outline of the sections. It refuses a country the data "
        "already describes (docs/curation.md)."))
    country.add_argument("code", metavar="ISO3",
                         help="ISO 3166-1 alpha-3 code, e.g. EST; or, with --name, a lowercase "
                              "key for a country without one")
    country.add_argument("--name", help="the English name of a country without an ISO code")
    country.set_defaults(run=_cmd_new_country)

    proposals = sub.add_parser(
        "draft", help="propose passages and nodes from a source text",
        description="Read a source text and write drafts/<its name>.ttl: the sentences with "
        "capacity-building content as passages and the candidate nodes citing them, linked "
        "to the nodes the data already has. A draft is never part of a release; accept a "
        "proposal by moving it into instances/ (docs/curation.md).")
    add_root(proposals, "ontology/ and instances/", writes=True)
    proposals.add_argument("source", metavar="SOURCE",
                           help=SOURCE_HELP)
    proposals.add_argument("--country", metavar="ISO3",
                           help="the country the text is about: an ISO 3166-1 alpha-3 code "
                                "or the key of a country in instances/ (default: the country "
                                "each sentence names)")
    proposals.set_defaults(run=_cmd_draft)


def _action(sub: Any, group: tuple[str, str],
            action: tuple[str, str, str]) -> argparse.ArgumentParser:
    """A command group (name, help) with its one action (name, help, description)."""
    actions = sub.add_parser(group[0], help=group[1]).add_subparsers(
        dest="action", required=True, metavar="ACTION")
    parser: argparse.ArgumentParser = actions.add_parser(
        action[0], help=action[1], description=action[2])
    add_root(parser, "ontology/ and instances/", writes=True)
    return parser


def _cmd_source_add(args: argparse.Namespace) -> int:
    project = Project.to_change(args.root)
    with locked(project):
        path, iri, cleaned = add_source(project, args.file, Bibliography(
            args.title, args.author, args.publisher, args.date, args.url), clean=args.clean)
    print(f"wrote {project.display(path)} and its source document <{iri}> in "
          "instances/sources.ttl")
    if cleaned:
        print(f"cleaned in the copy: {'; '.join(cleaned)}")
    print(f"next: ccbkg draft {path.name} --country CODE for proposals (after ccbkg new "
          f'country CODE for a country the data lacks), or ccbkg passage add {path.name} '
          '"exact words"')
    return EXIT_OK


def _cmd_passage_add(args: argparse.Namespace) -> int:
    project = Project.to_change(args.root)
    with locked(project):
        passage = add_passage(project, args.source, args.words, args.occurrence, args.slug,
                              args.label)
    print(f"appended <{passage.iri}> (characters {passage.start}-{passage.end}) to "
          "instances/sources.ttl")
    marker = FOOTNOTE_MARKER.search(args.words)
    if marker is not None:
        print(f"note: the words hold a footnote marker ({marker.group()!r}); check will warn: "
              "cut the passage before it, or quote the words on each side as two passages")
    print(f"next: cite it with ccb:citesPassage passage:{passage.iri.rsplit('/', 1)[1]}, add "
          "its row to instances/README.md, then run ccbkg check")
    return EXIT_OK


def _cmd_new_country(args: argparse.Namespace) -> int:
    project = Project.to_change(args.root)
    with locked(project):
        path, note = new_country(project, args.code, args.name)
    print(f"wrote {project.display(path)}: {note}")
    key = path.stem if args.name is not None else args.code.upper()
    print(f"next: ccbkg draft SOURCE --country {key} for proposals, or ccbkg passage add "
          f"SOURCE \"exact words\"; model the claims in {project.display(path)}, then "
          "ccbkg check")
    return EXIT_OK


def _cmd_draft(args: argparse.Namespace) -> int:
    project = Project.to_change(args.root)
    # spaCy takes seconds to import: only `draft` pays for it, not every command (nor a
    # refused one)
    from ccbkg.curate.draft import draft

    result = draft(project, args.source, args.country)
    shown = project.display(result.path)
    cited = (f"; {counted(result.cited, 'sentence')} cited as the passage sources.ttl has "
             "already" if result.cited else "")
    cited += (f"; {counted(result.in_data, 'node')} of instances/ named (what to add to "
              "each is in the draft)" if result.in_data else "")
    print(f"wrote {shown}: {counted(result.passages, 'passage')} and "
          f"{counted(result.nodes, 'candidate node')} proposed (never part of a release)"
          f"{cited}")
    print(f"next: read {shown}, move the proposals you accept into instances/ (each DECIDE "
          "line is yours to settle), delete the rest, then ccbkg check")
    return EXIT_OK


