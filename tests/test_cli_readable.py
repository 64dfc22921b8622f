"""`ccbkg query run` answers a person can read: labels, records in a narrow terminal, chosen
columns, entity parameters by code or name, and the project's prefixes for your own queries
(issue 19). Terminals are real pseudo-terminals of 80 and 120 columns."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, assert_no_traceback, run_cli

ALB = "https://w3id.org/ccbkg/id/country/ALB"
QUERY = ("query", "run", "agreements-by-country", "--root", str(REPO))
# Labels of nodes the agreements-by-country answer for Albania names by IRI only.
LABELS = ("National Authority for Electronic Certification and Cyber Security",
          "National CERT of Kosovo", "Signed")


def in_terminal(columns: int, *args: str) -> tuple[int, list[str]]:
    """Run the CLI with stdout and stderr on a pseudo-terminal of that width: exit code and
    the lines it showed."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "40"}
    proc = subprocess.Popen([sys.executable, "-m", "ccbkg", *args], cwd=REPO, env=env,
                            stdin=subprocess.DEVNULL, stdout=child, stderr=child)
    os.close(child)
    data = bytearray()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if not select.select([main], [], [], 1)[0]:
            if proc.poll() is not None:
                break
            continue
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        data += chunk
    os.close(main)
    code = proc.wait(timeout=30)
    return code, data.decode("utf-8").replace("\r\n", "\n").splitlines()


@pytest.mark.parametrize("columns", [80, 120])
def test_a_wide_answer_fits_the_terminal_with_labels(columns: int) -> None:
    code, lines = in_terminal(columns, *QUERY, "--param", "country=ALB")
    assert code == 0, lines
    too_wide = [line for line in lines if len(line) > columns]
    assert not too_wide, too_wide
    text = " ".join(" ".join(line.split()) for line in lines)
    for label in LABELS:
        assert label in text, label
    assert "id:country/ALB" not in text
    assert f"ccbkg: country=ALB is {ALB}" in lines
    # records, each column under a reader's name (the label column counterpartyLabel as
    # counterparty)
    assert any(line.startswith("counterparty:") for line in lines)


def test_a_narrow_answer_stays_a_table_in_the_terminal() -> None:
    code, lines = in_terminal(80, *QUERY, "--param", "country=ALB",
                              "--columns", "statusLabel,counterpartyLabel")
    assert code == 0, lines
    assert lines[1].split() == ["statusLabel", "counterpartyLabel"]
    assert lines[3].split()[0] == "Signed"
    assert len(lines) == 1 + 2 + 12  # the echo, header and rule, a line a row


def test_piped_table_is_one_line_a_row_with_labels_and_iris_on_request() -> None:
    labelled = run_cli(*QUERY)
    assert labelled.code == 0, labelled.err
    header = labelled.out.splitlines()[0].split()
    # the label column, under the reader's name (the IRI column it stands for is left out)
    assert "counterparty" in header and "counterpartyLabel" not in header
    assert len(labelled.out.splitlines()) == 2 + 12
    assert "National CERT of Kosovo" in labelled.out and "id:" not in labelled.out
    iris = run_cli(*QUERY, "--iris")
    assert iris.code == 0, iris.err
    assert "counterparty" in iris.out.splitlines()[0].split()
    assert "id:csirt/national-cert-kosovo" in iris.out


def test_columns_choose_and_name_the_unknown() -> None:
    chosen = run_cli(*QUERY, "--columns", "agreement,?date", "--format", "csv")
    assert chosen.code == 0, chosen.err
    assert chosen.out.splitlines()[0] == "agreement,date"
    assert "https://w3id.org/ccbkg/id/agreement/" in chosen.out.splitlines()[1]
    wrong = run_cli(*QUERY, "--columns", "agreement,colour")
    assert wrong.code == 2
    assert_no_traceback(wrong)
    assert "no column 'colour'" in wrong.err and "counterpartyLabel" in wrong.err


def test_csv_keeps_every_column_and_exact_iris() -> None:
    result = run_cli(*QUERY, "--format", "csv", "--param", "country=Albania")
    assert result.code == 0, result.err
    assert result.out == (REPO / "queries/expected/agreements-by-country.csv").read_text(
        encoding="utf-8")


@pytest.mark.parametrize("value", ["ALB", "AL", "Albania", "albania", ALB])
def test_a_country_by_code_name_or_iri(value: str) -> None:
    result = run_cli(*QUERY, "--format", "csv", "--columns", "country", "--param",
                     f"country={value}")
    assert result.code == 0, result.err
    assert set(result.out.splitlines()[1:]) == {ALB}
    echo = [] if value == ALB else [f"ccbkg: country={value} is {ALB}"]
    assert result.err.splitlines() == echo


@pytest.mark.parametrize(("value", "message", "nearest"), [
    ("Albanai", "nothing in the data is named 'Albanai'", "Albania"),
    ("https://w3id.org/ccbkg/id/country/FRA",
     "the data has no ccb:Country 'https://w3id.org/ccbkg/id/country/FRA'", ALB),
])
def test_a_country_that_names_nothing_is_an_error_with_the_nearest(
        value: str, message: str, nearest: str) -> None:
    result = run_cli(*QUERY, "--param", f"country={value}")
    assert result.code == 2
    assert_no_traceback(result)
    assert result.out == ""
    assert len(result.err.splitlines()) == 1, result.err
    assert message in result.err
    assert "the nearest: " in result.err and nearest in result.err.split("the nearest: ")[1]


def test_your_own_query_has_the_project_prefixes(tmp_path: Path) -> None:
    text = "SELECT ?l WHERE { id:country\\/ALB a ccb:Country ; rdfs:label ?l }"
    given = run_cli("query", "run", "--root", str(REPO), "--format", "csv", "--sparql",
                    "SELECT ?l WHERE { ?c ccb:iso3166Alpha3 'ALB' ; rdfs:label ?l }")
    assert given.code == 0, given.err
    assert given.out.splitlines() == ["l", "Albania"]
    path = tmp_path / "q.rq"
    path.write_text("# title: mine\n" + text + "\n", encoding="utf-8")
    filed = run_cli("query", "run", "--root", str(REPO), "--format", "csv", "--file", str(path))
    assert filed.code == 0, filed.err
    assert filed.out.splitlines() == ["l", "Albania"]


def test_an_unknown_prefix_is_one_line_naming_it() -> None:
    result = run_cli("query", "run", "--root", str(REPO), "--sparql",
                     "SELECT * WHERE {\n  ?s a ccb:Country ;\n     foo:bar ?x }")
    assert result.code == 2
    assert_no_traceback(result)
    assert len(result.err.splitlines()) == 1, result.err
    assert result.err.startswith("ccbkg: error: --sparql:3: unknown prefix 'foo:'")
    assert "\\u{" not in result.err


def test_an_empty_answer_in_the_terminal_says_so() -> None:
    """An answer with no rows printed its header alone, which reads as an error or a cut
    answer."""
    empty = run_cli("query", "run", "agreements-by-country", "--param", "country=JPN")
    assert empty.code == 0, empty.err
    assert empty.out.splitlines()[-1] == "(no rows)", empty.out
    markdown = run_cli("query", "run", "agreements-by-country", "--param", "country=JPN",
                       "--format", "md")  # docs/queries.md promised it here too
    assert markdown.out.splitlines()[-1] == "(no rows)", markdown.out
    csv = run_cli("query", "run", "agreements-by-country", "--param", "country=JPN",
                  "--format", "csv")
    assert len(csv.out.splitlines()) == 1  # machine formats: the header, nothing added


def test_a_label_column_keeps_its_name_when_no_column_stands_for_it() -> None:
    """Only a label column that stands for an IRI column (countryLabel for country) is named
    as readers do: a user's ?prefLabel was shown as "pref"."""
    done = run_cli("query", "run", "--sparql",
                   "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?c ?prefLabel "
                   "WHERE { ?c skos:prefLabel ?prefLabel } ORDER BY ?c LIMIT 1")
    assert done.code == 0, done.err
    assert done.out.splitlines()[0].split() == ["c", "prefLabel"], done.out


@pytest.mark.parametrize("fmt", ["table", "md", "csv", "tsv", "json"])
def test_an_ask_query_answers_in_every_format(fmt: str) -> None:
    """ASK printed nothing in the table and Markdown (their label columns were renamed, and the
    answer's true or false dropped with them)."""
    done = run_cli("query", "run", "--sparql", "ASK { ?s ?p ?o }", "--format", fmt)
    assert done.code == 0, done.err
    assert "true" in done.out, done.out
