"""The bundled queries answered for the site: one store of the project and one read of the
query catalogue per site build, shared by every page that shows a query's answer."""

from __future__ import annotations

import pyoxigraph as ox

from ccbkg.project.layout import Role
from ccbkg.project.load import LoadedProject
from ccbkg.project.query_headers import QueryInfo
from ccbkg.query.catalogue import bind, catalogue
from ccbkg.query.run import run_embedded

Row = dict[str, ox.NamedNode | ox.Literal]


class BundledQueries:
    """The project's bundled queries on an embedded store of its project files, loaded once."""

    def __init__(self, loaded: LoadedProject) -> None:
        self._store = loaded.store(Role.ONTOLOGY, Role.VOCAB, Role.SHAPES, Role.DATA)
        self._queries: dict[str, QueryInfo] = {
            q.name: q for q in catalogue(loaded.project.root)}

    def rows(self, name: str, **params: str) -> list[Row]:
        """The answer of a bundled query (its defaults, or the parameters given), a dict a
        row (unbound variables left out)."""
        info = self._queries[name]
        results = run_embedded(self._store, info.text, bind(info, params),
                               where=f"query {name}")
        return [{n: t for n, t in zip(results.variables, row, strict=True)
                 if isinstance(t, ox.NamedNode | ox.Literal)} for row in results.rows]
