"""The bundled competency queries and `ccbkg query`: headers, expected results on the embedded
store and on a real Oxigraph server, safe parameter binding, refused queries, endpoint errors
and output formats."""

from __future__ import annotations

import base64
import contextlib
import csv
import io
import json
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef, Variable
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue

from ccbkg.core import netguard
from ccbkg.core.errors import CcbkgError
from ccbkg.core.namespaces import XSD_NS
from ccbkg.project.layout import Project, Role
from ccbkg.project.load import LoadedProject, load
from ccbkg.project.query_headers import (
    EVERY,
    HeaderError,
    Param,
    ParameterError,
    ParamType,
    QueryInfo,
    parse_header,
    to_term,
)
from ccbkg.project.sparql_text import Analysis, rdflib_analysis, sparql_form
from ccbkg.query import catalogue as query_catalogue
from ccbkg.query.catalogue import bind
from ccbkg.query.guard import analyse, guard, pageable, paged
from ccbkg.query.parameters import with_values
from ccbkg.query.render import FORMATS, render
from ccbkg.query.run import check_endpoint, run_embedded, run_remote
from ccbkg.stores.http_client import PASSWORD_ENV, USER_ENV
from tests.conftest import REPO, assert_no_traceback, run_cli
from tests.kept import kept_json

QUERY_FILES = sorted((REPO / "queries").glob("*.rq"))
NAMES = [p.stem for p in QUERY_FILES]
EXPECTED = REPO / "queries" / "expected"
ALB = "https://w3id.org/ccbkg/id/country/ALB"
COUNTRIES = [ALB, "https://w3id.org/ccbkg/id/country/JPN", "https://w3id.org/ccbkg/id/country/CAN",
             "https://w3id.org/ccbkg/id/country/kosovo"]
USER, PASSWORD = "ccbkg-tester", "s3cret-Pa55word"
HOSTILE = [
    'x" || true || "',
    '"} ; DROP ALL ; #',
    f"{ALB}> }} ; DROP ALL ; #",
    f"<{ALB}>",
    f"{ALB} ",
    f"{ALB}\n",
    f"{ALB}\x00",
    "https://w3id.org/ccbkg/id/country/{ALB}",
    "https://w3id.org/ccbkg/id/country/A|B",
    "https://w3id.org/ccbkg/id/country/A^B",
    "https://w3id.org/ccbkg/id/country/A`B",
    "https://w3id.org/ccbkg/id/country/A\\u003eB",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "country/ALB",
    "",
    "https://",
    "urn:x",
    "?country",
    "https://[",
]


@pytest.fixture(scope="module")
def loaded() -> LoadedProject:
    loaded = load(Project.discover(REPO))
    assert not loaded.result.errors, loaded.result.errors[:3]
    return loaded


@pytest.fixture(scope="module")
def store(loaded: LoadedProject) -> ox.Store:
    """The store `ccbkg query run` uses (see embedded_store), from the project loaded once."""
    return loaded.store(Role.ONTOLOGY, Role.VOCAB, Role.SHAPES, Role.DATA)


@pytest.fixture(scope="module")
def catalogue() -> dict[str, QueryInfo]:
    return {q.name: q for q in query_catalogue.catalogue(REPO)}


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _per_country() -> list[str]:
    """The bundled queries with an optional `country` parameter (default `*`)."""
    return [q.name for q in query_catalogue.catalogue(REPO)
            if any(p.name == "country" and p.optional for p in q.params)]


PER_COUNTRY = _per_country()
# The whole-graph listings and the parameter that gives each its interactive form (a column of
# its result, like `country` for the per-country listings).
SELECTIVE = {"collaborations": "value", "exercises-and-participants": "participant",
             "find-by-label": "kind", "funding-commitments": "funder",
             "norms-and-principles": "holder", "organisational-changes": "original",
             "programmes-and-initiatives": "agent"}
ABSENT = "https://w3id.org/ccbkg/id/country/SRB"  # a value that is in no result


def expected_for(name: str, country: str, column: str = "country") -> list[list[str]]:
    """The expected CSV of a query cut down to the header and the rows whose column (by default
    the country) holds the value."""
    header, *rows = csv_rows((EXPECTED / f"{name}.csv").read_text(encoding="utf-8"))
    index = header.index(column)
    return [header, *(row for row in rows if row[index] == country)]


def _selective_cases() -> list[tuple[str, str, str]]:
    """(query, parameter, value) for every optional parameter but the countries: each value of
    its column in the expected result, and one that is in none."""
    cases = []
    for name, param in SELECTIVE.items():
        header, *rows = csv_rows((EXPECTED / f"{name}.csv").read_text(encoding="utf-8"))
        index = header.index(param)
        values = sorted({row[index] for row in rows if row[index]})
        cases += [(name, param, value) for value in [*values, ABSENT]]
    return cases


SELECTIVE_CASES = _selective_cases()
# Each whole-graph listing with the first value of its selective column: its one bound form
# where every query is run once (on a server, on a store).
FIRST_SELECTIVE = {name: (param, value) for name, param, value in reversed(SELECTIVE_CASES)}


# ---------------------------------------------------------------------------- the catalogue


def test_queries_exist_and_each_has_an_expected_result() -> None:
    assert len(QUERY_FILES) >= 12, "the bundled queries are missing"
    assert sorted(p.stem for p in EXPECTED.glob("*.csv")) == NAMES


def test_catalogue_lists_every_file(catalogue: dict[str, QueryInfo]) -> None:
    assert sorted(catalogue) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_header_is_complete_and_query_is_well_formed(
    name: str, catalogue: dict[str, QueryInfo]
) -> None:
    info = catalogue[name]
    assert info.title and info.description and info.question.endswith("?")
    assert info.expected == f"expected/{name}.csv"
    pageable(info.text, name)  # a SELECT with ORDER BY, as the guard reads it: pages work
    assert netguard.network_use(info.text) is None
    projected, ordered = _projected_and_ordered(info.text)
    assert projected <= ordered, f"ORDER BY misses {sorted(projected - ordered)}"
    for p in info.params:
        assert p.name in projected, f"parameter ?{p.name} must be projected (SEP-0007)"
        if not p.optional:
            to_term(p, p.default)


def _projected_and_ordered(text: str) -> tuple[set[str], set[str]]:
    """The variables a query projects and those its ORDER BY names, as rdflib's algebra reads
    them (kept per text and rdflib version: tests/kept.py)."""
    def make() -> list[list[str]]:
        algebra = translateQuery(parseQuery(text)).algebra
        return [sorted(str(v) for v in algebra["PV"]), sorted(_order_variables(algebra))]

    projected, ordered = kept_json(["rdflib-projected-ordered", rdflib.__version__, text], make)
    return set(projected), set(ordered)


def _order_variables(node: object) -> set[str]:
    """The variables in the ORDER BY conditions of a translated query."""
    found: set[str] = set()

    def walk(x: object, inside: bool) -> None:
        if isinstance(x, CompValue):
            if x.name == "OrderBy":
                walk(x.get("expr"), True)
                walk(x.get("p"), inside)
                return
            for v in x.values():
                walk(v, inside)
        elif isinstance(x, list | tuple):
            for v in x:
                walk(v, inside)
        elif isinstance(x, Variable) and inside:
            found.add(str(x))

    walk(node, False)
    return found


def test_the_bounded_walks_reach_every_subclass_and_principle(store: ox.Store) -> None:
    """The queries walk a class hierarchy at most three rdfs:subClassOf links down and a
    principle set one level (Virtuoso 7.2 gets `*` paths wrong, docs/stores.md): the data
    must hold no deeper chain, or the queries miss nodes."""
    deeper = run_embedded(store, """
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX ccb: <https://w3id.org/ccbkg/ontology#>
        SELECT ?a ?b WHERE {
          { ?a rdfs:subClassOf/rdfs:subClassOf/rdfs:subClassOf/rdfs:subClassOf ?b }
          UNION { ?a ccb:includesPrinciple/ccb:includesPrinciple ?b }
        }""")
    assert deeper.rows == (), "deepen the bounded walks in the queries (docs/queries.md)"


# ---------------------------------------------------------------------------- expected results


@pytest.mark.parametrize("name", NAMES)
def test_embedded_results_equal_expected_csv(
    name: str, store: ox.Store, catalogue: dict[str, QueryInfo]
) -> None:
    info = catalogue[name]
    results = run_embedded(store, info.text, bind(info, {}))
    got = render(results, "csv")
    expected = (EXPECTED / f"{name}.csv").read_bytes().decode("utf-8")
    assert results.rows, "a competency query should answer something on the bundled data"
    assert len(set(results.rows)) == len(results.rows), "duplicate rows make ties possible"
    stale = (f"queries/expected/{name}.csv differs from the query's result on the authored files: "
             "after a data change that `ccbkg check` passes, run `ccbkg query freeze` and "
             "review the diff")
    assert csv_rows(got) == csv_rows(expected), stale
    assert got == expected, stale


def test_csv_is_what_pyoxigraph_writes(store: ox.Store,
                                       catalogue: dict[str, QueryInfo]) -> None:
    info = catalogue["country-profile"]
    bindings = bind(info, {})
    subs = {ox.Variable(k): v for k, v in bindings.items()}
    for fmt, kind in (("csv", ox.QueryResultsFormat.CSV), ("tsv", ox.QueryResultsFormat.TSV),
                      ("json", ox.QueryResultsFormat.JSON)):
        native = store.query(info.text, use_default_graph_as_union=True,
                             substitutions=subs).serialize(format=kind)
        ours = render(run_embedded(store, info.text, bindings), fmt)
        assert ours.rstrip("\n") == native.decode("utf-8").rstrip("\n")


def test_the_listings_by_country_take_an_optional_country() -> None:
    assert {"forums", "timeline", "statements-and-positions", "strategies-and-objectives",
            "critical-infrastructure-sectors", "facts-by-framework", "hedged-claims",
            "organisations-and-responsibilities", "country-comparison"} <= set(PER_COUNTRY)


def test_the_whole_graph_listings_take_a_selective_parameter(
    catalogue: dict[str, QueryInfo]
) -> None:
    for name, param in SELECTIVE.items():
        declared = catalogue[name].param(param)
        assert declared.optional and declared.type is ParamType.IRI, name
    optional = {(q.name, p.name) for q in catalogue.values() for p in q.params if p.optional}
    assert optional == {(n, "country") for n in PER_COUNTRY} | set(SELECTIVE.items())


@pytest.mark.parametrize(("name", "param"),
                         [(n, "country") for n in PER_COUNTRY] + list(SELECTIVE.items()))
def test_an_unbound_parameter_is_left_out_of_the_bindings(
    name: str, param: str, catalogue: dict[str, QueryInfo]
) -> None:
    info = catalogue[name]
    bindings = bind(info, {})
    assert param not in bindings
    assert bindings == {p.name: to_term(p, p.default) for p in info.params
                        if not p.optional}
    if not bindings:
        assert with_values(info.text, bindings) == info.text


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("name", PER_COUNTRY)
def test_a_bound_country_gives_exactly_its_rows(
    name: str, country: str, store: ox.Store, catalogue: dict[str, QueryInfo]
) -> None:
    info = catalogue[name]
    results = run_embedded(store, info.text, bind(info, {"country": country}))
    assert csv_rows(render(results, "csv")) == expected_for(name, country)


@pytest.mark.parametrize(("name", "param", "value"), SELECTIVE_CASES)
def test_a_bound_selective_parameter_gives_exactly_its_rows(
    name: str, param: str, value: str, store: ox.Store, catalogue: dict[str, QueryInfo]
) -> None:
    info = catalogue[name]
    results = run_embedded(store, info.text, bind(info, {param: value}))
    assert csv_rows(render(results, "csv")) == expected_for(name, value, param)


def test_a_bound_country_leaves_out_the_rows_of_no_country(
    store: ox.Store, catalogue: dict[str, QueryInfo]
) -> None:
    info = catalogue["timeline"]
    everything = run_embedded(store, info.text, bind(info, {}))
    column = everything.variables.index("country")
    assert any(row[column] is None for row in everything.rows)
    for country in COUNTRIES:
        bound = run_embedded(store, info.text, bind(info, {"country": country}))
        assert all(row[column] == ox.NamedNode(country) for row in bound.rows)


@pytest.mark.parametrize("value", ["*", "ALB", "country/ALB", f"<{ALB}>", ""])
def test_a_bad_value_for_an_optional_parameter_is_refused(
    value: str, catalogue: dict[str, QueryInfo]
) -> None:
    with pytest.raises(ParameterError, match="parameter country"):
        bind(catalogue["forums"], {"country": value})


def test_an_optional_default_is_not_type_checked_but_a_value_is() -> None:
    info = parse_header("# param: year year * — any year\nSELECT ?year WHERE {}\n",
                              "probe", strict=False)
    (param,) = info.params
    assert param.optional and param.default == EVERY
    assert bind(info, {}) == {}
    assert bind(info, {"year": "2016"}) == {
        "year": ox.Literal("2016", datatype=ox.NamedNode(XSD_NS + "gYear"))}
    with pytest.raises(ParameterError):
        bind(info, {"year": "*"})


_GOOD_HEADER = ("# title: Probe\n# description: Nodes.\n# question: Which?\n"
                "# expected: expected/probe.csv\n")


@pytest.mark.parametrize(("header", "line", "problem"), [
    ("# title: Probe\n# title: Again\n", 2, r"header key 'title' is given twice"),
    ("# colour: blue\n", 1, r"unknown header key 'colour'"),
    (_GOOD_HEADER + "# param: year year\n", 5, r"write a parameter as"),
    (_GOOD_HEADER + "# param: year yaer * — a year\n", 5, r"unknown parameter type 'yaer'"),
    (_GOOD_HEADER + "# param: year year 16 — a year\n", 5, r"the default is not valid"),
    (_GOOD_HEADER + "# param: y year * — a\n# param: y year * — b\n", 6,
     r"the parameter y is declared twice"),
    (_GOOD_HEADER.replace("probe.csv", "other.csv"), 4, r"`# expected:` must be"),
    ("# title: Probe\n", None, r"the header lacks description, question, expected"),
])
def test_a_header_defect_names_its_line(header: str, line: int | None, problem: str) -> None:
    """`ccbkg check` reports a bundled query's header defect at its line (the syntax stage)."""
    with pytest.raises(HeaderError, match=problem) as caught:
        parse_header(header + "SELECT ?node WHERE { ?node ?p ?o }\n", "probe")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"probe:{line}: " if line else "probe: ")


# ---------------------------------------------------------------------------- a real server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, loaded: LoadedProject) -> Iterator[str]:
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(binary).exists():
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    work = tmp_path_factory.mktemp("oxigraph")
    dump = work / "ccbkg.nq"
    ox.serialize(loaded.quads(Role.ONTOLOGY, Role.VOCAB, Role.SHAPES, Role.DATA),
                 output=str(dump), format=ox.RdfFormat.N_QUADS)
    db = work / "db"
    subprocess.run([binary, "load", "--location", str(db), "--file", str(dump)],
                   check=True, capture_output=True, timeout=120)
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "serve-read-only", "--location", str(db), "--bind", f"127.0.0.1:{port}",
         "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/query"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    pytest.fail(f"oxigraph serve did not start: {err}")
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _one_value_each() -> list[tuple[str, str | None, str | None]]:
    """(query, parameter, value): every query with its defaults, each per-country listing for
    Albania and each whole-graph listing for the first value of its selective column."""
    return ([(n, None, None) for n in NAMES] + [(n, "country", ALB) for n in PER_COUNTRY]
            + [(n, p, v) for n, (p, v) in FIRST_SELECTIVE.items()])


@pytest.mark.slow
@pytest.mark.parametrize(("name", "param", "value"), _one_value_each())
def test_server_results_equal_expected_csv(
    name: str, param: str | None, value: str | None, server: str,
    catalogue: dict[str, QueryInfo],
) -> None:
    """Every query with its defaults, and each optional parameter bound (a VALUES block)."""
    info = catalogue[name]
    values = {param: value} if param and value else {}
    got = render(run_remote(server, info.text, bind(info, values)), "csv")
    if param is None or value is None:
        assert got == (EXPECTED / f"{name}.csv").read_bytes().decode("utf-8")
    else:
        assert csv_rows(got) == expected_for(name, value, param)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "values"), [
    ("country-profile", {"country": "https://w3id.org/ccbkg/id/country/JPN"}),
    ("country-profile", {"country": "https://w3id.org/ccbkg/id/country/kosovo"}),
    ("agreements-by-country", {"country": "https://w3id.org/ccbkg/id/country/SRB"}),
    ("passages-behind-node", {"node": "https://w3id.org/ccbkg/id/statement/"
                                      "can-oewg-collective-approach"}),
    ("find-by-label", {"text": "cert"}),
    ("find-by-label", {"text": "«Ise-Shima» \"quoted\" {braces} \\ back"}),
])
def test_embedded_and_server_agree_on_other_values(
    name: str, values: dict[str, str], server: str, store: ox.Store,
    catalogue: dict[str, QueryInfo],
) -> None:
    info = catalogue[name]
    bindings = bind(info, values)
    here = run_embedded(store, info.text, bindings)
    there = run_remote(server, info.text, bindings)
    assert here == there
    for fmt in FORMATS:
        assert render(here, fmt) == render(there, fmt)


# ---------------------------------------------------------------------------- hostile values


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_iri_values_are_rejected(value: str,
                                         catalogue: dict[str, QueryInfo]) -> None:
    info = catalogue["country-profile"]
    with pytest.raises(ParameterError) as err:
        bind(info, {"country": value})
    assert "country" in str(err.value)


@pytest.mark.parametrize("value", [*(h for h in HOSTILE if h), "NATO') } ; DROP ALL ; #", "\\",
                                   '"""'])
def test_hostile_string_values_are_inert(
    value: str, store: ox.Store, catalogue: dict[str, QueryInfo]
) -> None:
    info = catalogue["find-by-label"]
    hostile = run_embedded(store, info.text, bind(info, {"text": value}))
    harmless = run_embedded(store, info.text, bind(info, {"text": "zzz-no-match"}))
    assert hostile.variables == harmless.variables
    assert [r[1:] for r in hostile.rows] == [r[1:] for r in harmless.rows] == []
    assert all(r[0] == ox.Literal(value) for r in hostile.rows)


@pytest.mark.slow
@pytest.mark.parametrize("value", ['x" || true || "', '"} ; DROP ALL ; #', "NATO\" } #"])
def test_hostile_string_values_are_inert_on_the_server(
    value: str, server: str, catalogue: dict[str, QueryInfo]
) -> None:
    info = catalogue["find-by-label"]
    hostile = run_remote(server, info.text, bind(info, {"text": value}))
    assert hostile.rows == ()


def test_hostile_value_on_the_command_line_exits_2() -> None:
    result = run_cli("query", "run", "country-profile", "--root", str(REPO),
                     "--param", 'country=x" || true || "')
    assert result.code == 2
    assert_no_traceback(result)
    assert result.out == ""
    assert len(result.err.strip().splitlines()) == 1
    assert "parameter country (iri)" in result.err


@pytest.mark.parametrize(("kind", "value", "term"), [
    ("year", "2016", ox.Literal("2016", datatype=ox.NamedNode(XSD_NS + "gYear"))),
    ("date", "2016-05-26", ox.Literal("2016-05-26", datatype=ox.NamedNode(XSD_NS + "date"))),
    ("integer", "+042", ox.Literal("42", datatype=ox.NamedNode(XSD_NS + "integer"))),
    ("langstring", "a@b@en-GB", ox.Literal("a@b", language="en-gb")),
    ("string", "x\" || true", ox.Literal("x\" || true")),
    ("iri", "urn:isbn:0451450523", ox.NamedNode("urn:isbn:0451450523")),
])
def test_typed_values_become_terms(kind: str, value: str, term: ox.Literal) -> None:
    param = Param("p", ParamType(kind), value, "")
    assert to_term(param, value) == term


@pytest.mark.parametrize(("kind", "value"), [
    ("year", "16"), ("year", "2016-05"), ("year", "２０１６"), ("date", "2016-02-30"),
    ("date", "2016-5-1"), ("integer", "1e3"), ("integer", "0x10"), ("integer", "1" * 40),
    ("langstring", "no tag"), ("langstring", "x@e n"), ("langstring", "x@"),
    ("string", "\ud800"), ("string", "x" * 10_001),
])
def test_invalid_typed_values_are_rejected(kind: str, value: str) -> None:
    param = Param("p", ParamType(kind), "x", "")
    with pytest.raises(ParameterError):
        to_term(param, value)


def test_unknown_parameter_is_refused(catalogue: dict[str, QueryInfo]) -> None:
    with pytest.raises(ParameterError, match="no parameter 'nation'"):
        bind(catalogue["country-profile"], {"nation": ALB})


# ---------------------------------------------------------------------------- property tests

_PROBE = parse_header(
    "# param: text string x — a string\n# param: node iri https://example.org/x — an IRI\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?node ?text ?label WHERE { ?node rdfs:label ?label "
    "FILTER (CONTAINS(STR(?label), ?text)) } ORDER BY ?label\n",
    "probe", strict=False,
)


def _shape(text: str) -> tuple[object, list[object]]:
    """The parse tree with every VALUES block's data replaced, and the data of the first one."""
    data: list[object] = []

    def norm(x: object) -> object:
        if isinstance(x, CompValue):
            if x.name == "InlineData":
                data.append(_plain(x["value"]))
                return ("InlineData", norm(x["var"]))
            return (x.name, tuple((k, norm(v)) for k, v in x.items()))
        if isinstance(x, list | tuple) or hasattr(x, "asList"):
            return tuple(norm(v) for v in x)  # type: ignore[attr-defined]
        return repr(x)

    tree = norm(parseQuery(text))
    return tree, data


def _plain(x: object) -> object:
    if isinstance(x, CompValue) and x.name == "literal":
        return Literal(str(x["string"]), lang=dict.get(x, "lang"))
    if isinstance(x, list | tuple) or hasattr(x, "asList"):
        return [_plain(v) for v in x]  # type: ignore[attr-defined]
    return x


_HARMLESS_SHAPE, _ = _shape(with_values(_PROBE.text, bind(_PROBE, {})))


def _check_binding(values: dict[str, str]) -> None:
    try:
        bindings = bind(_PROBE, values)
    except ParameterError:
        return
    bound = with_values(_PROBE.text, bindings)
    tree, data = _shape(bound)
    assert tree == _HARMLESS_SHAPE
    node = bindings["node"]
    assert isinstance(node, ox.NamedNode)
    assert data == [[[Literal(bindings["text"].value), URIRef(node.value)]]]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_any_string_value_is_bound_as_one_literal(text: str) -> None:
    _check_binding({"text": text})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60),
       st.sampled_from(["", "https://", "https://[", "https://w3id.org/", "urn:x:", "http:"]))
def test_any_iri_value_is_rejected_or_bound_as_one_iri(text: str, prefix: str) -> None:
    _check_binding({"node": prefix + text})


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_binding_never_raises_anything_but_parameter_errors(text: str) -> None:
    for kind in ParamType:
        with contextlib.suppress(ParameterError):
            to_term(Param("p", kind, "x", ""), text)


@pytest.mark.parametrize("text", [
    "SELECT ?x WHERE { ?x ?p ?o }",
    "select ?x { ?x ?p ?o }",
    "PREFIX a: <http://e/> SELECT ?x (\"{\" AS ?b) # WHERE { not here\nWHERE { ?x a:p \"}{\" }",
    "SELECT (EXISTS { ?a ?b ?c } AS ?e) ?x WHERE { ?x ?p '''WHERE {''' }",
    "SELECT ?x ?where WHERE { ?x <http://e/where> ?where }",
    "ASK { ?x ?p ?o }",
    "CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }",
])
def test_values_block_opens_the_where_group(text: str) -> None:
    bound = with_values(text, {"x": ox.NamedNode("https://e.org/v")})
    first = parseQuery(bound)[1]["where"]["part"][0]
    assert first.name == "InlineData"
    assert [str(v) for v in first["var"]] == ["x"]
    assert _plain(first["value"]) == [[URIRef("https://e.org/v")]]


def test_each_marker_of_a_bound_parameter_gets_its_value() -> None:
    text = ('SELECT * WHERE {\n'
            '  { # ccbkg:values ?x (here)\n ?x ?p ?o } UNION\n'
            '  {  #ccbkg:values  ?x\n BIND (COALESCE(!isIRI(?x), true) AS ?none) FILTER (?none) }\n'
            '  # a comment that names # ccbkg:values ?x inside\n'
            '  OPTIONAL { # ccbkg:values ?y\n ?y ?q "# ccbkg:values ?x" }\n'
            '}')
    term = ox.NamedNode("https://e.org/v")
    bound = with_values(text, {"x": term})
    assert bound.count(f"VALUES ?x {{ {term} }}\n") == 2
    assert "# a comment that names # ccbkg:values ?x inside" in bound
    assert 'OPTIONAL { # ccbkg:values ?y\n ?y ?q "# ccbkg:values ?x" }' in bound
    first = parseQuery(bound)[1]["where"]["part"][0]  # and the block opening the WHERE group
    assert first.name == "InlineData" and [str(v) for v in first["var"]] == ["x"]


def test_a_marker_where_no_values_block_may_stand_is_named_in_the_error() -> None:
    text = "SELECT * WHERE {\n  ?x ?p # ccbkg:values ?x\n  ?o }"
    with pytest.raises(CcbkgError, match="a `# ccbkg:values` marker stands where"):
        with_values(text, {"x": ox.NamedNode("https://e.org/v")})
    assert with_values(text, {"o": ox.NamedNode("https://e.org/v")})  # not that parameter's


def test_the_queries_of_no_one_mark_their_parts(catalogue: dict[str, QueryInfo]) -> None:
    """A query that also lists the rows of no one when its parameter is not given switches
    that part off with `{ BIND (COALESCE(!isIRI(?p), true) AS ...) FILTER ... }`; the switch
    and the part that starts from the parameter open with its marker (`# ccbkg:values ?p`),
    so that an endpoint starts from the value (the answer is the same without; slow at
    scale)."""
    switched = 0
    for info in catalogue.values():
        for param in info.params:
            switch = f"COALESCE(!isIRI(?{param.name}), true)"
            if switch not in info.text:
                continue
            switched += 1
            marker = rf"#\s*ccbkg:values\s+\?{param.name}\b[^\n]*\n\s*"
            assert re.search(r"\{\s*" + marker + re.escape("BIND (" + switch), info.text), \
                (info.name, "the switch")
            assert re.search(r"WHERE\s*\{\s*\{\s*" + marker, info.text), (info.name, "the part")
    assert switched >= 8


@pytest.mark.parametrize(("name", "param", "value"),
                         [(n, p, v) for n, p, v in _one_value_each() if p and v])
def test_the_text_an_endpoint_gets_has_the_embedded_answer(
    name: str, param: str, value: str, store: ox.Store, catalogue: dict[str, QueryInfo],
) -> None:
    """The bound text an endpoint gets (the VALUES blocks, one at each marker), run in
    pyoxigraph as the Oxigraph server runs it, answers as the embedded store's substitution."""
    info = catalogue[name]
    bindings = bind(info, {param: value})
    here = run_embedded(store, info.text, bindings)
    answer = store.query(with_values(info.text, bindings), use_default_graph_as_union=True)
    assert isinstance(answer, ox.QuerySolutions)
    variables = [v.value for v in answer.variables]
    there = sorted(tuple("" if row[v] is None else str(row[v]) for v in variables)
                   for row in answer)
    assert variables == list(here.variables)
    assert there == sorted(tuple("" if t is None else str(t) for t in row) for row in here.rows)
    assert there or len(expected_for(name, value, param)) == 1, "no rows would prove nothing"


# ---------------------------------------------------------------------------- refused queries


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * { ?s ?p ?o . service silent ?endpoint { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SeRvIcE <http://x/> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://x/> { ?s ?p ?o } } } }",
    "LOAD <http://example.org/data.ttl>",
    "load silent <http://example.org/d.ttl> into graph <http://g/>",
    "DELETE { ?s ?p ?o } WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
])
def test_network_queries_are_refused(text: str) -> None:
    with pytest.raises(CcbkgError, match="--allow-network"):
        netguard.refuse_network(text, "--sparql")


@pytest.mark.parametrize("text", [
    'SELECT ("SERVICE <http://x/> { }" AS ?s) WHERE { } # SERVICE <http://x/> {}',
    "SELECT ?service WHERE { ?service <http://e/LOAD> ?load }",
])
def test_the_word_service_alone_is_not_refused(text: str) -> None:
    netguard.refuse_network(text, "--sparql")


@pytest.mark.parametrize("text", [
    "INSERT DATA { <http://e/s> <http://e/p> <http://e/o> }",
    "CLEAR ALL",
    "DROP ALL",
])
def test_updates_are_refused_on_the_embedded_store(text: str) -> None:
    with pytest.raises(CcbkgError, match="updates are refused"):
        guard(analyse(text), embedded=True)


def test_service_on_the_command_line_exits_2() -> None:
    result = run_cli("query", "run", "--root", str(REPO), "--sparql",
                     "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    assert result.code == 2
    assert_no_traceback(result)
    assert "SERVICE" in result.err and "--allow-network" in result.err


def test_syntax_error_in_a_user_query_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x WHERE { ?x ?p }\n", encoding="utf-8")
    result = run_cli("query", "run", "--root", str(REPO), "--file", str(bad))
    assert result.code == 2
    assert_no_traceback(result)
    assert "SPARQL syntax error" in result.err


# ---------------------------------------------------------------------------- endpoint errors


class _Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None]]

    def do_POST(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization")))
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/slow":
            time.sleep(3)
        if self.path == "/garbage":
            self.wfile.write(b"NOT-HTTP garbage\r\n\r\n")
            return
        code, extra = {
            "/401": (401, {"WWW-Authenticate": 'Basic realm="x"'}),
            "/404": (404, {}),
            "/500": (500, {}),
            "/302": (302, {"Location": f"http://localhost:{self.server.target_port}/query"}),  # type: ignore[attr-defined]
            "/html": (200, {"Content-Type": "text/html"}),
        }.get(self.path, (200, {}))
        body = f"<html>oops; you sent {self.headers.get('Authorization')}</html>".encode()
        try:
            self.send_response(code)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[str, list[tuple[str, str | None]], list[tuple[str, str | None]]]]:
    target_seen: list[tuple[str, str | None]] = []
    seen: list[tuple[str, str | None]] = []
    target = ThreadingHTTPServer(("127.0.0.1", 0), type("T", (_Handler,), {"seen": target_seen}))
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (_Handler,), {"seen": seen}))
    server.daemon_threads = target.daemon_threads = True
    server.target_port = target.server_address[1]  # type: ignore[attr-defined]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (server, target)]
    for t in threads:
        t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen, target_seen
    for s in (server, target):
        s.shutdown()
        s.server_close()


CREDS = {USER_ENV: USER, PASSWORD_ENV: PASSWORD}
TOKEN = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def _assert_clean(result: object, *, code: int = 2) -> str:
    assert result.code == code, (result.out, result.err)  # type: ignore[attr-defined]
    assert_no_traceback(result)  # type: ignore[arg-type]
    for text in (result.out, result.err):  # type: ignore[attr-defined]
        assert PASSWORD not in text and TOKEN not in text
    lines = result.err.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1, result.err  # type: ignore[attr-defined]
    return str(lines[0])


def test_closed_port_is_a_one_line_error() -> None:
    url = f"http://127.0.0.1:{_free_port()}/query"
    line = _assert_clean(run_cli("query", "run", "funding-commitments", "--root", str(REPO),
                                 "--endpoint", url, env=CREDS))
    assert "refused the connection" in line


ERRORS = [
    ("/401", "HTTP 401 Unauthorized"),
    ("/401", "the store refused the credentials from CCBKG_STORE_USER"),
    ("/404", "not found (HTTP 404); check the endpoint URL"),
    ("/500", "HTTP 500 Internal Server Error"),
    ("/html", "did not answer with SPARQL results"),
    ("/slow", "no answer within 0.5 s, the deadline for the whole request"),
    ("/garbage", "the connection was dropped"),
]


@pytest.mark.parametrize(("path", "words"), ERRORS)
def test_endpoint_errors_are_one_line_without_credentials(
    path: str, words: str, fake: tuple[str, list[tuple[str, str | None]], list[object]]
) -> None:
    base, seen, _ = fake
    with pytest.raises(CcbkgError) as err:
        run_remote(base + path, "SELECT * WHERE { ?s ?p ?o }", timeout=0.5, env=CREDS)
    message = str(err.value)
    assert words in message
    assert "\n" not in message
    assert PASSWORD not in message and TOKEN not in message
    sent = {auth for p, auth in seen if p == path}
    assert sent == ({None, f"Basic {TOKEN}"} if path == "/401" else {None}), \
        "credentials go to the endpoint when it asks for them, and only then"


@pytest.mark.parametrize(("path", "words"), [ERRORS[0], ERRORS[2], ERRORS[4]])
def test_endpoint_errors_on_the_command_line(
    path: str, words: str, fake: tuple[str, list[tuple[str, str | None]], list[object]]
) -> None:
    base, _, _ = fake
    result = run_cli("query", "run", "country-profile", "--root", str(REPO), "--endpoint",
                     base + path, "--timeout", "0.5", env=CREDS)
    assert words in _assert_clean(result)


def test_the_old_endpoint_variables_are_read_with_a_deprecation_message(
    fake: tuple[str, list[tuple[str, str | None]], list[object]]
) -> None:
    """One set of credential variables serves every remote call; `ccbkg query run`'s old
    CCBKG_ENDPOINT_* names still work, and say on stderr that they are deprecated."""
    base, seen, _ = fake
    old = {"CCBKG_ENDPOINT_USER": USER, "CCBKG_ENDPOINT_PASSWORD": PASSWORD,
           "CCBKG_STORE_USER": "", "CCBKG_STORE_PASSWORD": ""}
    result = run_cli("query", "run", "country-profile", "--root", str(REPO), "--endpoint",
                     base + "/401", "--timeout", "5", env=old)
    assert result.code == 2, result.err
    first, second = result.err.strip().splitlines()
    assert "CCBKG_ENDPOINT_USER and CCBKG_ENDPOINT_PASSWORD are deprecated" in first
    assert "set CCBKG_STORE_USER and CCBKG_STORE_PASSWORD instead" in first
    assert "refused the credentials from CCBKG_ENDPOINT_USER" in second
    assert f"Basic {TOKEN}" in {auth for _, auth in seen}, "the old variables' credentials go"
    assert PASSWORD not in result.err and TOKEN not in result.err


def test_the_one_credential_set_wins_over_the_old_names_without_a_message(
    fake: tuple[str, list[tuple[str, str | None]], list[object]]
) -> None:
    base, seen, _ = fake
    both = {**CREDS, "CCBKG_ENDPOINT_USER": "old", "CCBKG_ENDPOINT_PASSWORD": "old-password"}
    result = run_cli("query", "run", "country-profile", "--root", str(REPO), "--endpoint",
                     base + "/401", "--timeout", "5", env=both)
    assert "deprecated" not in result.err
    assert "refused the credentials from CCBKG_STORE_USER" in _assert_clean(result)
    assert f"Basic {TOKEN}" in {auth for _, auth in seen}


def test_redirects_are_not_followed(
    fake: tuple[str, list[tuple[str, str | None]], list[tuple[str, str | None]]]
) -> None:
    base, _, target_seen = fake
    with pytest.raises(CcbkgError, match="redirect") as err:
        run_remote(base + "/302", "SELECT * WHERE { ?s ?p ?o }", env=CREDS, timeout=5)
    assert PASSWORD not in str(err.value) and TOKEN not in str(err.value)
    assert target_seen == []


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/q", "http://[", "http://127.0.0.1:99999/q",
                                 "127.0.0.1:7878/query", "http://127.0.0.1/q#x", "http:///q"])
def test_bad_endpoint_urls_are_refused(url: str) -> None:
    with pytest.raises(CcbkgError, match="--endpoint"):
        check_endpoint(url)


def test_credentials_in_the_url_are_refused() -> None:
    with pytest.raises(CcbkgError, match="has credentials in it: put them in CCBKG_STORE_USER"):
        check_endpoint(f"http://{USER}:{PASSWORD}@127.0.0.1:1/query")


def test_credentials_are_not_sent_in_clear_to_another_host() -> None:
    with pytest.raises(CcbkgError, match="only sent over https"):
        run_remote("http://sparql.example.org/query", "ASK {}", env=CREDS)


@pytest.mark.slow
def test_update_on_a_read_only_server_is_a_clean_error(server: str) -> None:
    result = run_cli("query", "run", "--endpoint", server.replace("/query", "/update"),
                     "--sparql", "INSERT DATA { <http://e/s> <http://e/p> <http://e/o> }")
    _assert_clean(result)


# ---------------------------------------------------------------------------- CLI and formats


def test_every_query_action_has_help() -> None:
    for action in ("list", "show", "run"):
        result = run_cli("query", action, "--help")
        assert result.code == 0
        assert f"usage: ccbkg query {action}" in result.out


def test_list_and_show() -> None:
    listing = run_cli("query", "list", "--root", str(REPO))
    assert listing.code == 0
    for name in NAMES:
        assert name in listing.out
    shown = run_cli("query", "show", "country-profile", "--root", str(REPO))
    assert shown.code == 0
    assert "param:       country (iri, default https://w3id.org/ccbkg/id/country/ALB)" in shown.out
    assert "SELECT" in shown.out
    optional = run_cli("query", "show", "forums", "--root", str(REPO))
    assert optional.code == 0
    assert "param:       country (iri, default *: left unbound) — the country" in optional.out
    missing = run_cli("query", "show", "no-such-query", "--root", str(REPO))
    assert missing.code == 2
    assert_no_traceback(missing)
    assert "country-profile" in missing.err


def test_embedded_csv_on_the_command_line() -> None:
    result = run_cli("query", "run", "funding-commitments", "--root", str(REPO), "--format", "csv")
    assert result.code == 0, result.err
    assert result.out == (EXPECTED / "funding-commitments.csv").read_text(encoding="utf-8")


def test_a_country_on_the_command_line() -> None:
    jpn = COUNTRIES[1]
    result = run_cli("query", "run", "statements-and-positions", "--root", str(REPO),
                     "--param", f"country={jpn}", "--format", "csv")
    assert result.code == 0, result.err
    assert csv_rows(result.out) == expected_for("statements-and-positions", jpn)


@pytest.mark.slow
def test_output_formats_on_one_query(server: str) -> None:
    """Every format from the CLI (against the server: no project to load, so it is quick)."""
    expected = (EXPECTED / "funding-commitments.csv").read_text(encoding="utf-8")
    outs = {}
    for fmt in FORMATS:
        result = run_cli("query", "run", "funding-commitments", "--root", str(REPO),
                         "--format", fmt, "--endpoint", server)
        assert result.code == 0, result.err
        assert_no_traceback(result)
        outs[fmt] = result.out
    assert outs["csv"] == expected
    header = csv_rows(expected)[0]
    doc = json.loads(outs["json"])
    assert doc["head"]["vars"] == header
    assert doc["results"]["bindings"][0]["amountAsStated"] == {"type": "literal",
                                                               "value": "$27.7M"}
    assert outs["tsv"].splitlines()[0].split("\t") == [f"?{h}" for h in header]
    assert "\t\"$27.7M\"\t" in outs["tsv"]
    md = outs["md"].splitlines()
    assert md[0] == "| " + " | ".join(header) + " |"
    assert md[1] == "|" + "|".join("---" for _ in header) + "|"
    assert "| $27.7M |" in md[2]
    table = outs["table"].splitlines()
    assert table[0].split() == header
    assert "$27.7M" in table[2] and "id:country/CAN" in table[2]


def test_usage_errors_exit_2() -> None:
    for args in (("query", "run"), ("query", "run", "timeline", "--sparql", "ASK {}"),
                 ("query", "run", "timeline", "--timeout", "-1"),
                 ("query", "run", "timeline", "--param", "novalue")):
        result = run_cli(*args, "--root", str(REPO))
        assert result.code == 2, args
        assert_no_traceback(result)


@pytest.mark.slow
def test_server_is_reachable_by_plain_urllib(server: str) -> None:
    """The fixture's server answers the SPARQL protocol directly (sanity check)."""
    request = urllib.request.Request(server + "?query=ASK%7B%7D",
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read())["boolean"] is True


def test_docs_list_every_query_and_its_question(catalogue: dict[str, QueryInfo]) -> None:
    docs = (REPO / "docs" / "queries.md").read_text(encoding="utf-8")
    for info in catalogue.values():
        assert f"`{info.name}`" in docs
        assert info.question in docs
        for p in info.params:
            assert f"| `{p.name}` | {p.type.value} | `{p.default}` |" in docs


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_a_runaway_query_is_stopped_at_the_deadline(store: ox.Store) -> None:
    started = time.monotonic()
    with pytest.raises(CcbkgError, match=r"no answer within 0\.5 s"):
        run_embedded(store, RUNAWAY, timeout=0.5)
    assert time.monotonic() - started < 5


def test_a_deadline_does_not_change_a_quick_answer(store: ox.Store) -> None:
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?t }"
    assert run_embedded(store, text, timeout=30) == run_embedded(store, text)


def test_errors_inside_the_deadline_reach_the_caller(store: ox.Store) -> None:
    with pytest.raises(CcbkgError, match="the query failed"):
        run_embedded(store, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
                           timeout=30, allow_network=True)


def test_pages_of_a_listing_put_together_are_the_listing() -> None:
    """`query run --limit/--offset`: pages of a listing of every value follow on from each
    other, without a row twice or a row left out, and the last page is short."""
    whole = (EXPECTED / "facts-by-framework.csv").read_text(encoding="utf-8")
    header, *rows = csv_rows(whole)
    assert len(rows) > 20
    pages = []
    size = len(rows) // 2 + 1
    for offset in (0, size):
        done = run_cli("query", "run", "facts-by-framework", "--format", "csv",
                       "--limit", str(size), "--offset", str(offset))
        assert_no_traceback(done)
        assert done.code == 0, done.err
        got_header, *page = csv_rows(done.out)
        assert got_header == header and len(page) == min(size, len(rows) - offset)
        pages += page
    assert pages == rows


@pytest.mark.parametrize("name", [q.name for q in query_catalogue.catalogue(REPO)])
def test_every_page_of_every_bundled_query_is_its_slice_of_the_answer(
        store: ox.Store, catalogue: dict[str, QueryInfo], name: str) -> None:
    """Page k of n rows is rows [k*n, (k+1)*n) of the whole answer, for page sizes 3 and 7:
    the second page, the last one and the one after it (empty), as the embedded store pages
    (cut from the answer) and as an endpoint is asked for them (LIMIT and OFFSET added)."""
    info = catalogue[name]
    bindings = bind(info, {})
    whole = run_embedded(store, info.text, bindings).rows
    assert whole, f"{name}: no rows with the defaults, so no page to compare"
    for size in (3, 7):
        last = (len(whole) - 1) // size
        for k in sorted({1, last, last + 1}):
            page = run_embedded(store, info.text, bindings, limit=size, offset=k * size).rows
            assert page == whole[k * size:(k + 1) * size], (name, size, k)
    tail = (len(whole) - 1) // 7 * 7  # the offset of the last page of 7
    asked = run_embedded(store, paged(info.text, 7, tail), bindings).rows
    assert asked == whole[tail:], name


def test_a_full_page_says_the_command_for_the_next_page() -> None:
    """When more rows follow a page, stderr gives the exact command for the next one; run, it
    gives the next slice; the last page gives no such line."""
    alb = expected_for("timeline", "https://w3id.org/ccbkg/id/country/ALB")[1:]
    size, offset = 2, 1
    assert len(alb) > 3 * size
    args = ["query", "run", "timeline", "--param", "country=ALB", "--format", "csv",
            "--limit", str(size), "--offset", str(offset)]
    done = run_cli(*args)
    assert done.code == 0, done.err
    hint = [line for line in done.err.splitlines() if "the next page:" in line]
    assert len(hint) == 1, done.err
    command = shlex.split(hint[0].split("the next page: ", 1)[1])
    assert command[0] == "ccbkg" and "--offset" in command
    assert command[command.index("--offset") + 1] == str(offset + size)
    following = run_cli(*command[1:])
    assert following.code == 0, following.err
    assert csv_rows(following.out)[1:] == alb[offset + size:offset + 2 * size]
    final = run_cli(*args[:-1], str(len(alb) - size))
    assert final.code == 0 and csv_rows(final.out)[1:] == alb[-size:]
    assert "next page" not in final.err, final.err


@pytest.mark.parametrize(("text", "message"), [
    ("SELECT ?s WHERE { ?s ?p ?o }", "need a query with ORDER BY"),
    ("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 5", "has its own LIMIT or OFFSET"),
    ("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s OFFSET 5", "has its own LIMIT or OFFSET"),
    ("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s VALUES ?s { <urn:x> }", "ends with a VALUES block"),
    ("ASK { ?s ?p ?o }", "and this is an ASK query"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "and this is a CONSTRUCT query"),
])
def test_a_query_that_cannot_be_paged_is_refused(text: str, message: str) -> None:
    done = run_cli("query", "run", "--sparql", text, "--limit", "2")
    assert_no_traceback(done)
    assert done.code == 2 and message in done.err and done.out == "", done.err


GUARD_TEXTS = [
    "SELECT ?s WHERE { ?s ?p ?o }",
    "select*{?s ?p ?o}order by ?s",
    "PREFIX ex: <urn:ex:>\nSELECT ?s WHERE { ?s ex:ORDER ?o } ORDER BY DESC(?s) LIMIT 3 OFFSET 1",
    "SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 5 } }",
    "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s OFFSET 2",
    "BASE<urn:b/> SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s",  # a prologue the form's word hides in
    "SELECT ?s WHERE { ?s ?p ?o VALUES ?s { <urn:a> } } ORDER BY ?s",
    "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s VALUES (?s ?p) { (<urn:a> UNDEF) }",
    "SELECT (EXISTS { ?s ?p ?o } AS ?e) ?s WHERE { ?s ?p 'LIMIT' } ORDER BY ?e",
    "SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s HAVING (COUNT(?o) > 1)"
    " ORDER BY ?n",
    "SELECT ?s # ORDER BY ?s\nWHERE { ?s ?p ?o } # LIMIT 5\n",
    "SELECT ?s FROM <urn:g> WHERE { ?s ?p \"\"\"} ORDER BY ?s\"\"\" }",
    "ASK { ?s ?p ?o }", "ASK { ?s ?p ?o } VALUES ?s { <urn:a> }",
    "CONSTRUCT WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 1",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "DESCRIBE <urn:a>",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "insert{?s ?p ?o}where{?s ?p ?o}",
    "PREFIX ex: <urn:ex:> WITH <urn:g> DELETE { ?s ex:p ?o } WHERE { ?s ex:p ?o }",
    "DROP ALL", "CLEAR SILENT GRAPH <urn:g>",
    "SELECT ?s WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } } ORDER BY ?s",
]


@pytest.mark.parametrize("text", [
    *(pytest.param(text, id=f"text-{i}") for i, text in enumerate(GUARD_TEXTS)),
    *(pytest.param(q.text, id=q.name) for q in query_catalogue.catalogue(REPO))])
def test_the_guard_reads_a_query_as_rdflibs_parser_does(text: str) -> None:
    """The guard reads the form and the paging clauses with Oxigraph's parser and a token scan
    (rdflib's parser is a hundred times slower): the same reading as rdflib's parse tree, on
    subqueries, brackets, comments, strings, every form and every bundled query (rdflib's
    reading kept per text and version: tests/kept.py)."""
    def make() -> list[Any]:
        reading = rdflib_analysis(text)
        assert isinstance(reading, Analysis), reading
        return [reading.form, sorted(reading.clauses)]

    form, clauses = kept_json(["rdflib-analysis", rdflib.__version__, text], make)
    assert analyse(text) == Analysis(form, frozenset(clauses))
    if netguard.network_use(text) is None:
        sparql_form(text)  # Oxigraph accepts it: the guard's own reading was compared


def test_a_page_size_of_no_rows_is_a_usage_error() -> None:
    done = run_cli("query", "run", "timeline", "--limit", "0", "--offset", "-1")
    assert_no_traceback(done)
    assert done.code == 2 and "--limit: give a whole number of at least 1 (got '0')" in done.err


@pytest.mark.slow
def test_a_page_from_an_endpoint_is_that_page(server: str,
                                              catalogue: dict[str, QueryInfo]) -> None:
    info = catalogue["facts-by-framework"]
    _, *rows = csv_rows((EXPECTED / "facts-by-framework.csv").read_text(encoding="utf-8"))
    page = run_remote(server, paged(info.text, 7, 5), bind(info, {}))
    assert csv_rows(render(page, "csv"))[1:] == rows[5:12]


@pytest.mark.parametrize("question", [
    "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ccb:PolicyDocument }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?country ccb:holdsPosition ?position }",
])
def test_the_embedded_store_answers_as_a_store_holding_the_release(question: str) -> None:
    """A superclass or an inverse the data does not state answers on the embedded store as on
    a store loaded with the release (its inferred graph); it gave 0 there."""
    from ccbkg.rdf.dataset import open_release

    release = ox.Store()
    release.extend(open_release(None, REPO).quads())
    prefixed = f"PREFIX ccb: <https://w3id.org/ccbkg/ontology#>\n{question}"
    (row,) = release.query(prefixed, use_default_graph_as_union=True)
    done = run_cli("query", "run", "--root", str(REPO), "--sparql", question, "--format", "csv")
    assert done.code == 0, done.err
    assert int(row["n"].value) > 0 and done.out.split() == ["n", row["n"].value]
