"""What the reference tools compute, computed once per version and input and kept in pytest's
cache folder.

The tests hold ccbkg to reference tools that are slow and give the same answer for the same
input: pyshacl's reports (test_fastshacl, test_lint_rules; its SPARQL targets run in rdflib's
pure-Python evaluator), the RDFS and OWL 2 RL closures of the release by Jena and owlrl
(test_inference), pyld's framing of the country documents (test_jsonld), and rdflib's
readings of SPARQL texts (its parser takes up to a fifth of a second a query): the form and
clauses the query guard is held to and the variables of the bundled queries (test_queries),
the violation queries' variables and the nodes they report on each fixture (test_lint_rules).
Each answer is a function of the tool's version and the input, so it is kept under a SHA-256
of those (as ccbkg keeps HermiT's verdicts) in `.pytest_cache/d/ccbkg-kept/` and read back on
later runs (HermiT's verdicts are kept there too: tests/conftest.py's `page_cache`); `pytest
--cache-clear`, a new version or a changed input computes it again. Without pytest's cache
(`-p no:cacheprovider`) nothing is kept.

Blank node labels change from parse to parse, so a graph given to pyshacl is first given
canonical labels (RDFC-1.0, `canonical`): the key is stable, and the kept report's blank nodes
(anonymous shapes, their paths, blank focus nodes) are those of the graphs the caller validates
with the fast engine. The release's blank nodes have canonical labels already.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib import Graph

from ccbkg.core.terms import oxigraph_quads, rdflib_graph

FOLDER: Path | None = None  # set by tests/conftest.py from pytest's cache


@dataclass(frozen=True)
class Canonical:
    """Triples with RDFC-1.0 blank node labels, in sorted order, and the prefixes of the graph
    they came from (pyshacl's messages write names with them)."""

    quads: list[ox.Quad]
    prefixes: tuple[tuple[str, str], ...] = ()

    @cached_property
    def graph(self) -> Graph:
        """The triples as an rdflib graph (what both engines are given)."""
        graph = Graph()
        for prefix, namespace in self.prefixes:
            graph.bind(prefix, namespace, override=True, replace=True)
        return rdflib_graph(self.quads, graph)

    @cached_property
    def digest(self) -> str:
        text = "\n".join([*map(str, self.quads), *(f"{p} {n}" for p, n in self.prefixes)])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical(triples: Iterable[ox.Quad] | Graph) -> Canonical:
    """The triples (pyoxigraph quads, or an rdflib graph with its prefixes) with canonical
    blank node labels."""
    prefixes: tuple[tuple[str, str], ...] = ()
    if isinstance(triples, Graph):
        prefixes = tuple(sorted((p, str(n)) for p, n in triples.namespaces()))
        triples = oxigraph_quads(triples)
    dataset = ox.Dataset(ox.Quad(q.subject, q.predicate, q.object) for q in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return Canonical(sorted(dataset, key=str), prefixes)


@dataclass(frozen=True)
class Report:
    """What pyshacl.validate returned."""

    conforms: bool
    graph: Graph
    text: str


def pyshacl_report(data: Canonical, shapes: Canonical, **options: object) -> Report:
    """pyshacl's report on the data with the shapes (keyword options as pyshacl takes them)."""
    def make() -> bytes:
        conforms, graph, text = pyshacl.validate(data.graph, shacl_graph=shapes.graph,
                                                 **options)
        assert isinstance(graph, Graph) and isinstance(conforms, bool) and isinstance(text, str)
        return json.dumps({"conforms": conforms, "text": text, "report": graph.serialize(
            format="nt", encoding="utf-8").decode("utf-8")}).encode("utf-8")
    entry = json.loads(kept(["pyshacl", pyshacl.__version__, rdflib.__version__, data.digest,
                             shapes.digest, *sorted(f"{k}={v!r}" for k, v in options.items())],
                            make))
    report = rdflib_graph(ox.parse(entry["report"].encode("utf-8"),
                                   format=ox.RdfFormat.N_TRIPLES))
    return Report(entry["conforms"], report, entry["text"])


def kept(key: list[str | bytes], make: Callable[[], bytes]) -> bytes:
    """What make() returns, read from the cache when it was made before for the same key (the
    tool, its version and its input)."""
    digest = hashlib.sha256()
    for part in key:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    path = FOLDER / f"{digest.hexdigest()}.bin" if FOLDER is not None else None
    if path is not None and path.is_file():
        return path.read_bytes()
    made = make()
    if path is not None:
        _write_whole(path, made)
    return made


def kept_json(key: list[str | bytes], make: Callable[[], Any]) -> Any:
    """`kept` of an answer that JSON holds (lists, strings, numbers)."""
    return json.loads(kept(key, lambda: json.dumps(make()).encode("utf-8")))


def keep_file(source: Path, path: Path) -> None:
    """Keep a copy of a file (HermiT's verdicts: tests/conftest.py's page_cache)."""
    _write_whole(path, source.read_bytes())


def _write_whole(path: Path, data: bytes) -> None:
    """Whole or not at all: test workers may keep the same entry at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    Path(temp).replace(path)
