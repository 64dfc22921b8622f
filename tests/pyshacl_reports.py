"""pyshacl's reports, computed once per version and input and kept in pytest's cache folder.

pyshacl is the reference engine the fast engine is held to (test_fastshacl, test_lint_rules),
and it is slow: its SPARQL targets run in rdflib's pure-Python evaluator. Its report is a
function of pyshacl's and rdflib's versions, the data, the shapes and the options, so
`validate` keeps it under a SHA-256 of those (as ccbkg keeps HermiT's verdicts) in
`.pytest_cache/d/ccbkg-pyshacl/` and reads it back on later runs; `pytest --cache-clear`, or a
new pyshacl or rdflib, computes it again.

Blank node labels change from parse to parse, so both graphs are first given canonical labels
(RDFC-1.0, `canonical`): the key is stable, and the kept report's blank nodes (anonymous
shapes, their paths, blank focus nodes) are those of the graphs the caller validates with the
fast engine. Without pytest's cache (`-p no:cacheprovider`) nothing is kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib import Graph

from ccbkg.core.terms import rdflib_graph, to_oxigraph

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
        triples = [ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]
                   for s, p, o in triples]
    dataset = ox.Dataset(ox.Quad(q.subject, q.predicate, q.object) for q in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return Canonical(sorted(dataset, key=str), prefixes)


@dataclass(frozen=True)
class Report:
    """What pyshacl.validate returned."""

    conforms: bool
    graph: Graph
    text: str


def validate(data: Canonical, shapes: Canonical, **options: object) -> Report:
    """pyshacl's report on the data with the shapes (keyword options as pyshacl takes them),
    read from the cache when pyshacl computed it before."""
    key = hashlib.sha256(json.dumps(
        [pyshacl.__version__, rdflib.__version__, data.digest, shapes.digest,
         sorted((k, repr(v)) for k, v in options.items())]).encode("utf-8")).hexdigest()
    kept = FOLDER / f"{key}.json" if FOLDER is not None else None
    if kept is not None and kept.is_file():
        entry = json.loads(kept.read_text(encoding="utf-8"))
        report = rdflib_graph(ox.parse(entry["report"].encode("utf-8"),
                                       format=ox.RdfFormat.N_TRIPLES))
        return Report(entry["conforms"], report, entry["text"])
    conforms, graph, text = pyshacl.validate(data.graph, shacl_graph=shapes.graph, **options)
    assert isinstance(graph, Graph) and isinstance(conforms, bool) and isinstance(text, str)
    if kept is not None:
        _keep(kept, {"conforms": conforms, "text": text,
                     "report": graph.serialize(format="nt", encoding="utf-8").decode("utf-8")})
    return Report(conforms, graph, text)


def _keep(path: Path, entry: dict[str, object]) -> None:
    """Write the entry whole or not at all (test workers may write the same key at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(entry, out)
    Path(temp).replace(path)
