"""Files that are not what they seem, beyond the catalogue: what ccbkg still reads.

The refusals (FIFOs, devices, links that leave the project, names, limits, CR line ends)
are cases of tests/bad_inputs/cases.toml; here, what must keep working next to them.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import assert_no_traceback, run_cli

RDF_GLOBS = ("ontology/*.ttl", "ontology/vocab/*.ttl", "shapes/*.ttl", "shapes/lint/*.ttl",
             "instances/*.ttl")


def test_symlink_inside_the_tree_is_read(scratch: Path) -> None:
    """A link that stays inside the project is read like the file it points to."""
    kept = scratch / "kept"
    kept.mkdir()
    vocab = scratch / "ontology" / "vocab" / "stances.ttl"
    vocab.rename(kept / "stances.ttl")
    vocab.symlink_to("../../kept/stances.ttl")
    rdf = [p for pattern in RDF_GLOBS for p in scratch.glob(pattern)]
    assert vocab in rdf
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,lint", "--format", "json")
    assert_no_traceback(result)
    assert result.code == 0, result.out + result.err
    report = json.loads(result.out)
    assert report["counts"]["error"] == 0
    assert report["stages"][0]["notes"][0].startswith(f"{len(rdf)} RDF files"), report


def test_size_limit_can_be_raised(scratch: Path) -> None:
    """The limit is the variable's: a file over a lowered limit passes once it is raised."""
    size = (scratch / "instances" / "japan.ttl").stat().st_size
    low = run_cli("check", "--root", str(scratch), "--only", "syntax",
                  env={"CCBKG_MAX_FILE_BYTES": str(size - 1)})
    assert low.code == 1, low.out + low.err
    assert f"instances/japan.ttl\n    error   file has {size:,} bytes, over the limit of " \
           f"{size - 1:,} bytes" in low.out, low.out
    for high in (10 * size, 10**11, 2**63 - 1):  # no read sets the limit's bytes aside
        raised = run_cli("check", "--root", str(scratch), "--only", "syntax",
                         env={"CCBKG_MAX_FILE_BYTES": str(high)})
        assert_no_traceback(raised)
        assert raised.code == 0, raised.out + raised.err


def test_a_term_longer_than_the_parser_reads_is_a_finding(scratch: Path) -> None:
    """pyoxigraph reads one term into at most 16 MiB: a longer literal in a file under the
    size limit is an error naming the file, not an internal error."""
    (scratch / "instances" / "long.ttl").write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f'<https://w3id.org/ccbkg/id/x> rdfs:comment "{"a" * (17 << 20)}"@en .\n')
    result = run_cli("check", "--root", str(scratch), "--only", "syntax")
    assert_no_traceback(result)
    assert result.code == 1, result.out + result.err
    assert "instances/long.ttl:2\n    error   line 2: this line is 17.0 MiB long, over the " \
           "16 MiB the parser reads as one term or comment" in result.out, result.out
