"""Canonical writing: the order, blank-node labels and formats of `ccbkg.rdf.serialize`."""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from ccbkg.core.namespaces import GRAPH, PREFIXES, RDFS
from ccbkg.project.layout import Project, Role
from ccbkg.project.load import load
from ccbkg.rdf import serialize
from ccbkg.rdf.serialize import Part, merged, write

EX = "http://example.org/"


def _n(local: str) -> ox.NamedNode:
    return ox.NamedNode(EX + local)


def _graph(blank: str = "b") -> list[ox.Quad]:
    b = ox.BlankNode(blank)
    return [
        ox.Quad(_n("a"), _n("p"), ox.Literal("x\ny")),
        ox.Quad(_n("a"), _n("p"), ox.Literal("mentions _:b in text")),
        ox.Quad(_n("a"), _n("q"), b),
        ox.Quad(b, _n("p"), ox.Literal("1", datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#integer"))),
        ox.Quad(_n("a"), _n("q"), b),  # a duplicate
    ]


@pytest.fixture(scope="module")
def release_parts() -> list[Part]:
    sources = load(Project.discover(None))
    return [Part.of(f.file.graph_iri, list(f.quads()))
            for f in sources.of(Role.ONTOLOGY, Role.VOCAB, Role.SHAPES, Role.DATA)]


def test_a_part_is_distinct_and_sorted_by_its_ntriples_lines():
    part = Part.of(str(GRAPH["data/x"]), _graph())
    assert len(list(part.triples())) == len(part.lines) == 4
    assert part.lines == sorted(set(part.lines))
    assert write([part], "nt") == b"".join(line + b"\n" for line in part.lines)


def test_the_order_and_labels_do_not_depend_on_input_order_or_parsed_labels():
    quads = _graph()
    shuffled = _graph("other")
    random.Random(7).shuffle(shuffled)
    graph = str(GRAPH["data/x"])
    for ext in ("nt", "nq", "trig", "ttl", "jsonld", "rdf"):
        assert write([Part.of(graph, quads)], ext) == write([Part.of(graph, shuffled)], ext), ext


def test_blank_nodes_are_labelled_by_rdfc_with_the_graphs_name():
    one = Part.of(str(GRAPH["vocab/a"]), _graph())
    two = Part.of(str(GRAPH["data/b"]), _graph())
    labels = {line.split(b" ")[0] for part in (one, two) for line in part.lines
              if line.startswith(b"_:")}
    assert labels == {b"_:vocab-a-c14n0", b"_:data-b-c14n0"}
    outside = Part.of("http://example.org/graph", _graph())
    assert any(line.startswith(b"_:g") and b"-c14n0 " in line for line in outside.lines)
    # the merge keeps the two graphs' blank nodes apart and their shared triples once
    assert len(merged([one, two]).lines) == 2 + 2 + 2


def test_nquads_are_the_ntriples_lines_with_the_graph():
    part = Part.of(str(GRAPH["data/x"]), _graph())
    expected = b"".join(line[:-1] + f"<{GRAPH['data/x']}> .\n".encode() for line in part.lines)
    assert write([part], "nq") == expected
    parsed = list(ox.parse(expected, format=ox.RdfFormat.N_QUADS))
    assert {q.graph_name for q in parsed} == {ox.NamedNode(str(GRAPH["data/x"]))}


def test_the_trig_is_what_pyoxigraph_writes_for_the_same_quads(release_parts: list[Part]):
    ordered = sorted(release_parts, key=lambda p: p.graph)
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(p.graph))
             for p in ordered for t in p.triples()]
    assert write(release_parts, "trig") == ox.serialize(quads, format=ox.RdfFormat.TRIG,
                                                        prefixes=PREFIXES)
    assert write(release_parts, "nq") == ox.serialize(quads, format=ox.RdfFormat.N_QUADS)


def test_the_trig_of_awkward_literals_and_a_default_graph_is_pyoxigraph_s() -> None:
    """Line breaks of every kind in literals (the TriG blocks are indented a chunk at a time,
    trusting pyoxigraph to escape them), a long graph, and the default graph (not indented)."""
    s, p = ox.NamedNode("https://w3id.org/ccbkg/id/x"), ox.NamedNode(str(RDFS.label))
    texts = ["a\nb", "c\r\nd", "e\rf", "g\u2028h\u0085i\x0bj\x0ck", "\"\"\"", "x" * 70_000]
    named = Part.of(str(GRAPH["data/x"]), [ox.Triple(s, p, ox.Literal(t)) for t in texts] + [
        ox.Triple(ox.NamedNode(f"https://w3id.org/ccbkg/id/n{i}"), p, ox.Literal(str(i)))
        for i in range(5_000)])
    default = Part.of("", [ox.Triple(s, p, ox.Literal("in the default graph\n"))])
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
             for t in default.triples()] + [ox.Quad(t.subject, t.predicate, t.object,
                                                    ox.NamedNode(named.graph))
                                            for t in named.triples()]
    assert write([default, named], "trig") == ox.serialize(quads, format=ox.RdfFormat.TRIG,
                                                           prefixes=PREFIXES)


def test_every_format_of_the_release_holds_the_same_dataset(release_parts: list[Part]):
    def dataset(data: bytes, fmt: ox.RdfFormat) -> set[ox.Quad]:
        found = ox.Dataset(ox.parse(data, format=fmt))
        found.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        return set(found)

    quads = dataset(write(release_parts, "nq"), ox.RdfFormat.N_QUADS)
    assert quads == dataset(write(release_parts, "trig"), ox.RdfFormat.TRIG)
    assert len(quads) == sum(len(p.lines) for p in release_parts)
    triples = dataset(write(release_parts, "nt"), ox.RdfFormat.N_TRIPLES)
    for ext in ("ttl", "jsonld", "rdf"):
        assert dataset(write(release_parts, ext), ox.RdfFormat.from_extension(ext)) == \
            triples, ext


def _tree(levels: int, leaf: str = "ex:b") -> str:
    """A binary tree of blank nodes, every subtree alike except the leaves' collections."""
    if levels == 0:
        return f"( {leaf} ( {leaf} ) )"
    inner = _tree(levels - 1, leaf)
    return f"[ ex:p {inner} , {inner} ; ex:q [ ex:r {levels} ] ]"


@pytest.mark.parametrize("levels", [3, 10])
def test_trees_of_blank_nodes_are_labelled_alike_whatever_the_parse(levels: int):
    """Nested [ ] and ( ) are labelled in linear time (RDFC-1.0 ran for hours on the tree of
    ten levels) and as canonically: the same bytes from any parse and order, the same graph."""
    text = (f"@prefix ex: <{EX}> .\nex:a ex:p {_tree(levels)} .\n[] ex:p {_tree(2, '1')} .\n"
            f"[] ex:p {_tree(2, '1')} .\n").encode()
    first = list(ox.parse(text, format=ox.RdfFormat.TURTLE))
    second = list(ox.parse(text, format=ox.RdfFormat.TURTLE))  # other blank-node ids
    random.Random(levels).shuffle(second)
    graph = str(GRAPH["data/x"])
    written = write([Part.of(graph, first)], "nt")
    assert written == write([Part.of(graph, second)], "nt")
    assert written.count(b"_:data-x-c14n") > 2 ** levels
    if levels <= 3:  # small enough for RDFC-1.0 to compare the graphs
        def canonical(quads: list[ox.Quad]) -> set[ox.Quad]:
            dataset = ox.Dataset(quads)
            dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
            return set(dataset)
        assert canonical(list(ox.parse(written, format=ox.RdfFormat.N_TRIPLES))) == \
            canonical(first)


def test_blank_nodes_that_are_no_tree_are_labelled_by_rdfc():
    text = (f"@prefix ex: <{EX}> .\n_:x ex:p _:y .\n_:y ex:p _:x .\nex:a ex:p _:z, _:z2 .\n"
            "ex:b ex:p _:z .\n").encode()
    graph = str(GRAPH["data/x"])
    one = write([Part.of(graph, list(ox.parse(text, format=ox.RdfFormat.TURTLE)))], "nt")
    two = write([Part.of(graph, list(ox.parse(text.replace(b"_:", b"_:o"),
                                              format=ox.RdfFormat.TURTLE)))], "nt")
    assert one == two
    assert one.count(b"\n") == 5


def test_lines_read_as_the_list_they_were_made_from(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines keeps N-Triples lines as one block of text: every item, slice and batch is the
    list's, across the batches it is built and read in."""
    monkeypatch.setattr(serialize, "_BATCH", 3)
    given = [f'<x:s{i}> <x:p> "{"é" * i}" .'.encode() for i in range(10)]
    lines = serialize.Lines(given)
    assert len(lines) == 10 and list(lines) == given and lines == given
    assert [lines[i] for i in range(-10, 10)] == given + given
    for start, stop in ((0, 10), (2, 7), (3, 3), (9, 10), (-4, -1), (5, 2)):
        assert lines[start:stop] == given[start:stop], (start, stop)
    assert lines[::3] == given[::3]
    assert lines.block(2, 5) == b"".join(line + b"\n" for line in given[2:5])
    assert lines.text == lines.block() == b"".join(line + b"\n" for line in given)
    with pytest.raises(IndexError):
        lines[10]
    empty = serialize.Lines()
    assert len(empty) == 0 and list(empty) == [] and empty.text == b"" and empty[0:5] == []
    assert Part("", given).lines == lines and Part("", given) == Part("", lines)


def test_a_part_read_a_batch_at_a_time_is_the_part_of_the_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Part.of reads its triples a batch at a time; a blank node met in a later batch (or "_:"
    in a literal) still gets the whole graph's canonical labels."""
    s, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    plain = [ox.Quad(s, p, ox.Literal(f"v{i}")) for i in range(7)]
    blank = [ox.Quad(s, p, ox.BlankNode("b1")), ox.Quad(ox.BlankNode("b1"), p, ox.Literal("x"))]
    inside = [ox.Quad(s, p, ox.Literal("see _:b1"))]
    expected = {name: Part.of(str(GRAPH["data/x"]), triples) for name, triples in
                (("plain", plain), ("blank", plain + blank), ("inside", plain + inside))}
    monkeypatch.setattr(serialize, "_BATCH", 2)
    for name, triples in (("plain", plain), ("blank", plain + blank), ("inside", plain + inside)):
        assert Part.of(str(GRAPH["data/x"]), iter(triples)) == expected[name], name
    assert any(line.startswith(b"_:") for line in expected["blank"].lines)
