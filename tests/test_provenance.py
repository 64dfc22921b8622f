"""Provenance, re-checked independently of the tool: quotes at their offsets, checksums; and
through the CLI: uncited nodes and nodes outside the release's namespace fail check and build."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from ccbkg.checks import provenance
from ccbkg.checks.provenance import _one_other_year, stated_amount
from ccbkg.core.namespaces import CCB, OA
from tests.conftest import REPO, assert_no_traceback, run_cli

SOURCES = REPO / "instances" / "sources"


def _graph() -> Graph:
    graph = Graph()
    for path in sorted((REPO / "instances").glob("*.ttl")):
        graph.parse(path, format="turtle")
    assert len(graph) > 100
    return graph


def test_shipped_source_has_its_checksum_recorded() -> None:
    graph = _graph()
    documents = list(graph.subjects(RDF.type, CCB.SourceDocument))
    assert len(documents) == 1
    (doc,) = documents
    name = str(graph.value(doc, CCB.fileName))
    shipped = (SOURCES / name).read_bytes()
    assert hashlib.sha256(shipped).hexdigest() == str(graph.value(doc, CCB.sha256))


def test_every_quote_is_at_its_offsets() -> None:
    graph = _graph()
    text = next(SOURCES.glob("*.txt")).read_text(encoding="utf-8")
    passages = list(graph.subjects(RDF.type, CCB.Passage))
    assert len(passages) > 20
    for passage in passages:
        selectors = list(graph.objects(passage, OA.hasSelector))
        quote = next(s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in graph)
        position = next(s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in graph)
        exact = str(graph.value(quote, OA.exact))
        start = int(graph.value(position, OA.start))  # type: ignore[arg-type]
        end = int(graph.value(position, OA.end))  # type: ignore[arg-type]
        assert exact and text[start:end] == exact, passage
        prefix = graph.value(quote, OA.prefix)
        suffix = graph.value(quote, OA.suffix)
        if prefix is not None:
            assert text[:start].endswith(str(prefix)), passage
        if suffix is not None:
            assert text[end:].startswith(str(suffix)), passage


def test_every_cited_passage_exists() -> None:
    graph = _graph()
    cited = set(graph.objects(None, CCB.citesPassage))
    assert cited
    for passage in cited:
        assert (passage, RDF.type, CCB.Passage) in graph, passage


def test_wrong_offset_is_reported_with_the_right_one(scratch: Path) -> None:
    sources = scratch / "instances" / "sources.ttl"
    text = sources.read_text()
    match = re.search(r"oa:start \"(\d+)\"", text)
    assert match is not None
    start = int(match.group(1))
    sources.write_text(text.replace(match.group(0), f'oa:start "{start + 1}"', 1))
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,provenance", "--quiet")
    assert result.code == 1
    assert_no_traceback(result)
    assert "oa:exact is not the text at" in result.out
    assert f"set oa:start {start}" in result.out


@pytest.mark.parametrize("node", [
    "<https://w3id.org/ccbkg/id/organisation/nobody> a ccb:Organisation",
    # A part with a fragment is an instance node too (the rule once skipped every "#" IRI).
    "<https://w3id.org/ccbkg/id/objective/nowhere#part> a ccb:Objective",
    # So is an untyped node that uses a ccb: property.
    "<https://w3id.org/ccbkg/id/objective/untyped> ccb:quote \"Nothing\"",
    # A fact with a Wikidata link is no reference entity (only countries, regions,
    # organisations and forums are exempt by their links).
    "<https://w3id.org/ccbkg/id/funding/linked> a ccb:FundingCommitment ; "
    "<https://schema.org/sameAs> <http://www.wikidata.org/entity/Q1>",
])
def test_uncited_node_is_reported(scratch: Path, node: str) -> None:
    (scratch / "instances" / "zz-uncited.ttl").write_text(
        "@prefix ccb: <https://w3id.org/ccbkg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f"{node} ;\n"
        '    rdfs:label "Nobody"@en .\n')
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,provenance", "--quiet")
    assert_no_traceback(result)
    assert result.code == 1
    assert "instances/zz-uncited.ttl:3" in result.out
    assert "cites no passage" in result.out


def test_citing_nodes_cover_the_instances() -> None:
    graph = _graph()
    exempt = {CCB.Passage, CCB.SourceDocument, OA.TextQuoteSelector, OA.TextPositionSelector,
              URIRef("http://www.w3.org/2006/time#Instant")}
    typed = {s for s, t in graph.subject_objects(RDF.type)} | {
        s for s, p in graph.subject_predicates() if p.startswith(str(CCB))}
    typed -= {s for s, t in graph.subject_objects(RDF.type) if t in exempt}
    assert any("#" in s for s in typed), "the parts with a fragment are instance nodes too"
    citing = set(graph.subjects(CCB.citesPassage, None))
    uncited = {s for s in typed - citing
               if graph.value(s, URIRef("https://schema.org/sameAs")) is None
               and graph.value(s, CCB.iso3166Alpha3) is None}
    assert uncited == set()


# A data file whose nodes are outside https://w3id.org/ccbkg/id/: line 5 describes a strategy
# that is complete but for its namespace, line 12 an objective that cites no passage.
FOREIGN = """@prefix ccb: <https://w3id.org/ccbkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix passage: <https://w3id.org/ccbkg/id/passage/> .
@prefix ex: <http://example.org/x#> .
ex:y a ccb:Strategy ;
    rdfs:label "A strategy outside the namespace"@en ;
    ccb:jurisdiction <https://w3id.org/ccbkg/id/country/JPN> ;
    ccb:hasObjective ex:z ;
    ccb:citesPassage passage:jpn-strategy-2018-resilience .


ex:z a ccb:Objective ;
    rdfs:label "An objective outside the namespace"@en .
"""
OUTSIDE = "is outside the release's namespace https://w3id.org/ccbkg/id/"


def _findings(out: str) -> list[tuple[str, str | None, int | None, str, str]]:
    report = json.loads(out)
    return [(s["stage"], f.get("file"), f.get("line"), f.get("node"), f["message"])
            for s in report["stages"] for f in s["findings"] if f["severity"] == "error"]


def test_nodes_outside_the_namespace_fail_check_and_build(scratch: Path, tmp_path: Path) -> None:
    (scratch / "instances" / "zz-foreign.ttl").write_text(FOREIGN)
    result = run_cli("check", "--root", str(scratch), "--quiet", "--format", "json")
    assert_no_traceback(result)
    assert result.code == 1, result.out
    errors = _findings(result.out)
    outside = {(file, line, node) for stage, file, line, node, message in errors
               if OUTSIDE in message}
    assert outside == {("instances/zz-foreign.ttl", 5, "http://example.org/x#y"),
                       ("instances/zz-foreign.ttl", 12, "http://example.org/x#z")}, errors
    # The shapes and the provenance rule check them whatever their IRI.
    uncited = {(stage, line) for stage, file, line, node, message in errors
               if node == "http://example.org/x#z" and OUTSIDE not in message}
    assert {("shapes", 12), ("provenance", 12)} <= uncited, errors
    out = tmp_path / "dist"
    build = run_cli("build", "--root", str(scratch), "--out", str(out), "--quiet", "--no-site")
    assert_no_traceback(build)
    assert build.code == 1, build.out + build.err
    assert "zz-foreign.ttl:5" in build.out + build.err
    assert not out.exists()


def test_check_data_file_outside_the_namespace_is_named(tmp_path: Path) -> None:
    data = tmp_path / "foreign.ttl"
    data.write_text(FOREIGN)
    result = run_cli("check", "--root", str(REPO), "--quiet", "--format", "json", "--only",
                     "syntax,provenance", "--data", str(REPO / "instances" / "sources.ttl"),
                     "--data", str(data))
    assert_no_traceback(result)
    assert result.code == 1, result.out
    lines = {(file, line) for _, file, line, _, message in _findings(result.out)
             if OUTSIDE in message}
    assert lines == {(str(data), 5), (str(data), 12)}


def test_the_ontology_can_allow_an_external_namespace(scratch: Path) -> None:
    (scratch / "instances" / "zz-foreign.ttl").write_text(FOREIGN)
    ontology = scratch / "ontology" / "ccb.ttl"
    ontology.write_text(ontology.read_text() + (
        '\n<https://w3id.org/ccbkg/ontology> ccb:allowedExternalNamespace '
        '"http://example.org/x#"^^xsd:anyURI , "http"^^xsd:anyURI .\n'))
    result = run_cli("check", "--root", str(scratch), "--quiet", "--format", "json", "--only",
                     "syntax,provenance")
    assert_no_traceback(result)
    errors = _findings(result.out)
    assert not [e for e in errors if OUTSIDE in e[4]], errors
    # Allowed is not exempt: the uncited objective still fails; a value that is not a
    # namespace is refused (it would allow every IRI that starts with "http").
    assert ("provenance", "instances/zz-foreign.ttl", 12, "http://example.org/x#z",
            "cites no passage: add ccb:citesPassage with the passage of the source that states "
            "this (see instances/sources.ttl)") in errors
    bad = [e for e in errors if e[1] == "ontology/ccb.ttl"]
    assert len(bad) == 1 and "is not a namespace" in bad[0][4], errors
    assert result.code == 1



@pytest.mark.parametrize(("written", "changed"), [
    ('ccb:qualifierAsStated "Since 2017"', 'ccb:qualifierAsStated "Since 2018"'),
    ('ccb:qualifierAsStated "currently negotiating"',
     'ccb:qualifierAsStated "currently finalising"'),
])
def test_the_sources_own_words_that_the_cited_passages_do_not_say_are_errors(
        scratch: Path, written: str, changed: str) -> None:
    """A date, amount or phrase recorded as the source states it (ccb:quote, ccb:...AsStated)
    must be in the words of the passages the node cites: a changed word passed every check."""
    albania = scratch / "instances" / "albania.ttl"
    text = albania.read_text(encoding="utf-8")
    assert written in text
    albania.write_text(text.replace(written, changed, 1), encoding="utf-8")
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,provenance", "--quiet")
    assert_no_traceback(result)
    assert result.code == 1, result.out
    value = changed.split(" ", 1)[1].strip('"')
    assert re.search(rf"instances/albania\.ttl:\d+  id:\S+\n +error +ccb:qualifierAsStated "
                     rf"'{value}' is not in the words of the passages this node cites "
                     r"\(id:passage/", result.out), result.out


@pytest.mark.parametrize(("change", "problem"), [
    (lambda nodes: nodes.replace("id:", "id:x-", 1), r"id:x-\S+ is not a node of the data"),
    (lambda nodes: nodes + ", id:country/ALB", r"id:country/ALB does not cite id:passage/\S+"),
])
def test_a_claims_inventory_row_naming_what_the_data_does_not_say_is_an_error(
        scratch: Path, change: Callable[[str], str], problem: str) -> None:
    """A row of instances/README.md names nodes that exist and cite the row's passage: a
    mistyped node or a node citing another passage passed check (only a test saw it)."""
    readme = scratch / "instances" / "README.md"
    lines = readme.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if re.match(r"\| 1 \|", line))
    cells = lines[at].split("|")
    cells[3] = change(cells[3])
    lines[at] = "|".join(cells)
    readme.write_text("".join(lines), encoding="utf-8")
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,provenance", "--quiet")
    assert_no_traceback(result)
    assert result.code == 1, result.out
    assert re.search(rf"instances/README\.md:{at + 1}(  \S+)?\n +error +(line {at + 1}: )?row 1 "
                     rf"of the claims inventory: {problem}", result.out), result.out


def test_a_wrong_prefix_or_suffix_is_given_the_text_that_stands_there(scratch: Path) -> None:
    sources = scratch / "instances" / "sources.ttl"
    text = sources.read_text(encoding="utf-8")
    match = re.search(r'oa:prefix "([^"\\]{6,})"', text)
    assert match is not None
    sources.write_text(text.replace(match.group(0), 'oa:prefix "XXXXXX"', 1), encoding="utf-8")
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,provenance", "--quiet")
    assert result.code == 1
    assert f"oa:prefix 'XXXXXX' is not the text just before the quote, which is " \
           f"{match.group(1)[-6:]!r}" in result.out, result.out


@pytest.mark.parametrize("currency", ["USD", "CAD"])
def test_a_currency_the_cited_passages_do_not_name_is_an_error(
        scratch: Path, currency: str) -> None:
    """`schema:currency "USD"` on an amount the source prints as "$27.7M" (or, in a curator's
    trial, on "GHS 40 million") passed every check: a currency the source does not name is
    invented."""
    canada = scratch / "instances" / "canada.ttl"
    text = canada.read_text(encoding="utf-8")
    written = '    ccb:amountAsStated "$27.7M" ;\n'
    assert written in text
    canada.write_text(text.replace(written, written + f'    schema:currency "{currency}" ;\n',
                                   1), encoding="utf-8")
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,provenance", "--quiet")
    assert_no_traceback(result)
    assert result.code == 1, result.out
    assert f"schema:currency '{currency}' is not named in the words of the passages this node " \
        "cites" in result.out, result.out


def test_a_currency_is_named_by_its_code_name_or_sign() -> None:
    from ccbkg.checks.provenance import _names_currency

    for code, words in (("GBP", "pledged GBP 2.5 million"), ("EUR", "2 million euros"),
                        ("GBP", "£3 billion"), ("GBP", "two million pounds sterling"),
                        ("GHS", "40 million Ghana cedis"), ("CNY", "10 million yuan"),
                        ("USD", "US$10 million"), ("JPY", "10 billion yen"),
                        ("USD", "6 million US dollars"),
                        # signs of one currency, and a country's adjective before its name's
                        # last word (both refused in a curator's trial)
                        ("AUD", "A$6 million"), ("KES", "KSh 2 billion"),
                        ("MUR", "10 million Mauritian rupees"),
                        ("LKR", "5 million Sri Lankan rupees")):
        assert _names_currency(code, words), (code, words)
    # a sign or word of many currencies, or a word that is a currency's name only by chance
    for code, words in (("USD", "$27.7M"), ("USD", "GHS 40 million"), ("EUR", "Europe"),
                        ("USD", "7 million Canadian dollars"), ("ALL", "for all partners"),
                        ("KRW", "won praise"), ("BRL", "in real terms"), ("XAU", "gold"),
                        ("JPY", "¥3 billion"), ("ZAR", "at random"),
                        # "Rs" is any of six rupees; the S$ inside US$ is not Singapore's
                        ("MUR", "Rs 10 million"), ("SGD", "US$5 million"),
                        ("INR", "10 million Mauritian rupees")):
        assert not _names_currency(code, words), (code, words)


@pytest.mark.parametrize(("written", "changed", "said", "level"), [
    # the passage gives another year: a wrong fact, an error (it only warned)
    ('time:inXSDgYear "2013"^^xsd:gYear', 'time:inXSDgYear "2014"^^xsd:gYear',
     "the year 2014 but 2013", "error"),
    # a precision the passage does not give: a warning
    ('time:inXSDgYear "2013"^^xsd:gYear', 'time:inXSDgYearMonth "2013-05"^^xsd:gYearMonth',
     "the month May", "warning"),
])
def test_a_date_the_cited_passages_do_not_give_is_found(
        scratch: Path, written: str, changed: str, said: str, level: str) -> None:
    """A year, month or day the passages a node cites do not give (a slip, or a precision
    the source does not have) passed every check."""
    albania = scratch / "instances" / "albania.ttl"
    text = albania.read_text(encoding="utf-8")
    assert written in text
    albania.write_text(text.replace(written, changed, 1), encoding="utf-8")
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,provenance")
    assert_no_traceback(result)
    assert result.code == (1 if level == "error" else 0), result.out
    assert re.search(rf"id:agreement/alb-ncirc-mou-2013\n +{level} +the date \S+ "
                     r"\(time:inXSD\w+ of its time:hasTime\) is not in the words of the "
                     rf"passages this node cites: they do not give {said}\.", result.out), \
        result.out


@pytest.mark.parametrize(("date", "words", "missing"), [
    ("2022-05-04", "On 4 May 2022, Ghana signed", None),
    ("2022-05-14", "On 4 May 2022, Ghana signed", "the day 14"),
    ("2021-03", "adopted in March 2021", None),
    ("2021-03", "adopted in 2021-03", None),
    ("2013-13", "in 2013", None),  # ill-formed: the syntax stage reports it
    ("2016", "since 2015", "the year 2016"),
])
def test_the_parts_of_a_date_are_looked_for_in_the_words(
        date: str, words: str, missing: str | None) -> None:
    assert provenance._date_words(date, words) == missing


@pytest.mark.parametrize(("value", "fails"), [("2770000", True), ("27700000.0", False)])
def test_an_amounts_value_is_the_number_its_printed_amount_states(
        scratch: Path, value: str, fails: bool) -> None:
    """schema:value "2770000" for the amount printed "$27.7M" (a zero lost, or "2.5 million"
    typed 25000000) passed every check: the value is now held to the printed number."""
    canada = scratch / "instances" / "canada.ttl"
    text = canada.read_text(encoding="utf-8")
    assert text.count('schema:value "27700000"^^xsd:decimal') == 1
    canada.write_text(text.replace('schema:value "27700000"^^xsd:decimal',
                                   f'schema:value "{value}"^^xsd:decimal'), encoding="utf-8")
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,provenance", "--quiet")
    assert_no_traceback(result)
    assert (result.code == 1) is fails, result.out
    said = "schema:value 2770000 is not the amount ccb:amountAsStated '$27.7M' states (27700000)"
    assert (said in result.out) is fails, result.out


def test_a_quote_not_in_the_source_is_located_at_its_selector_with_where_it_differs(
        scratch: Path) -> None:
    """A quote with one word changed was reported at the passage's first line (its label), not
    at its quote selector's, and with the source's words only: the curator had to find the
    difference."""
    sources = scratch / "instances" / "sources.ttl"
    text = sources.read_text(encoding="utf-8")
    exact = re.search(r'oa:exact "(Resilience constitutes one of the central [^"]*)"', text)
    assert exact is not None
    changed = exact[1].replace("central", "key", 1)
    sources.write_text(text.replace(exact[0], f'oa:exact "{changed}"'), encoding="utf-8")
    selector = text[:exact.start()].count("\n")  # the line before oa:exact: its selector's
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,provenance", "--quiet")
    assert_no_traceback(result)
    assert result.code == 1
    assert f"instances/sources.ttl:{selector}  id:passage/jpn-strategy-2018-resilience" \
        in result.out, result.out
    assert "from its character 35 it reads 'key objectives of Ja' where the source has " \
        "'central objectives o'" in result.out, result.out


@pytest.mark.parametrize(("quote", "warned"), [
    ("otection and resilience capacity of critical infrastruc", True),
    ("protection and resilience capacity", False)])
def test_a_quote_cut_inside_a_word_is_a_warning(scratch: Path, quote: str, warned: bool) -> None:
    """A ccb:quote that starts and ends inside words of its passage ("otection … infrastruc")
    passed: its words are in the passage, but not as the source wrote them."""
    albania = scratch / "instances" / "albania.ttl"
    text = albania.read_text(encoding="utf-8")
    whole = 'ccb:quote "the protection and resilience capacity of critical infrastructure"'
    assert text.count(whole) == 1
    albania.write_text(text.replace(whole, f'ccb:quote "{quote}"'), encoding="utf-8")
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,provenance", "--quiet")
    assert_no_traceback(result)
    assert result.code == 0, result.out
    assert ("starts or ends inside a word" in result.out) is warned, result.out


@pytest.mark.parametrize(("printed", "number"), [
    ("$27.7M", "27700000"), ("EUR 2.5 million", "2500000"), ("EUR 2.5 millions", "2500000"),
    ("INR 10 crore", "100000000"), ("Rs 5 lakh", "500000"), ("EUR 5 mln", "5000000"),
    ("USD 3.5 Mio.", "3500000"), ("CHF 2.5 Mrd.", "2500000000"), ("USD 1.2 B", "1200000000"),
    ("€3m", "3000000"), ("$700,000", "700000"), ("5 million US dollars", "5000000"),
    ("10 EUR", "10"), ("around EUR 1 million", "1000000"),
    # nothing to hold a value to: a range, a number with a word of no known scale, no number
    ("USD 1-2 million", None), ("EUR 5 per head", None), ("2,5 million", None),
    ("1.234.567 EUR", None), ("an undisclosed sum", None)])
def test_the_number_an_amount_prints(printed: str, number: str | None) -> None:
    """A scale the parser did not know ("10 crore", "2.5 millions") was read as the bare
    number, and a correct schema:value then failed check: no number is read instead."""
    found = stated_amount(printed)
    assert (None if found is None else f"{found:f}") == number


@pytest.mark.parametrize(("words", "one"), [
    ("On 14 March 2024, Ghana adopted its strategy.", True),
    ("2000 officials were trained in 2021", True),
    ("In its 2023 review it noted the MoU signed the previous year.", False),
    ("signed in 2019 and entered into force a year later", False),
    ("FY 2022/23 budget", False), ("the 2022–23 plan", False),
    ("Resolution 1999 of the council in 2015", False), ("no year at all", False)])
def test_a_date_is_wrong_only_where_the_passage_names_one_other_year(
        words: str, one: bool) -> None:
    """An error for a date whose year the passage does not give needs the passage to name one
    year and nothing dated from it; relative years, periods and several years leave a
    warning (the date may come from them)."""
    assert _one_other_year(words) is one


def test_the_reference_classes_are_the_same_in_the_shapes_and_the_provenance_stage() -> None:
    """Which classes are exempt from citing a passage by an external identifier is written in
    the shapes' SPARQL (for stock validators) and in the provenance stage: they are the
    ontology's countries, regions, organisations and forums, subclasses included, in both."""
    shapes = (REPO / "shapes" / "ccb.shapes.ttl").read_text(encoding="utf-8")
    target = shapes[shapes.index("ccbsh:FactNodes"):]
    listed = re.search(r"FILTER \(\?reference IN \(([^)]*)\)\)", target)
    assert listed is not None
    in_shapes = {CCB[c.strip().removeprefix("ccb:")] for c in listed[1].split(",")}
    ontology = Graph().parse(REPO / "ontology" / "ccb.ttl")
    roots = {CCB.Country, CCB.Region, CCB.Organisation, CCB.Forum}
    expected = {c for c in ontology.subjects(RDF.type, OWL.Class)
                if set(ontology.transitive_objects(c, RDFS.subClassOf)) & roots}
    in_stage = {URIRef(n.value) for n in provenance.REFERENCE_TYPES}
    assert in_shapes == in_stage == expected


@pytest.mark.parametrize(("date", "words", "missing"), [
    # a day next to its month, however written (a curator's trial: "1st", ranges, "of")
    ("2022-08-17", "Rs 10 million on 17th August 2022", None),
    ("2023-06-14", "on 14th-15th June 2023", None),
    ("2023-06-15", "on 14th-15th June 2023", None),
    ("2022-05-05", "on 4 and 5 May 2022", None),
    ("2022-05-04", "on the 4th of May 2022", None),
    ("2022-05-04", "on May 4, 2022", None),
    # in figures, day and month either way round (the month was reported missing)
    ("2018-07-01", "Start date: 01/07/2018", None),
    ("2018-07", "Start date: 01/07/2018", None),
    # a number elsewhere is no day: the 10 of the amount passed as the 10th
    ("2022-08-10", "Rs 10 million on 17th August 2022", "the day 10"),
    ("2018-07-02", "Start date: 01/07/2018", "the day 2"),
])
def test_a_day_is_given_only_next_to_its_month_or_in_figures(
        date: str, words: str, missing: str | None) -> None:
    from ccbkg.checks.provenance import _date_words

    assert _date_words(date, words) == missing
