"""The country comparison page (comparison.html): every country side by side on each aspect,
from the bundled `country-comparison` query, with "none in the sources" kept apart from "not
yet curated"."""

from __future__ import annotations

import pyoxigraph as ox
from markupsafe import Markup
from rdflib import URIRef

from ccbkg.project.layout import Role
from ccbkg.project.load import LoadedProject
from ccbkg.query.catalogue import bind, catalogue
from ccbkg.query.run import run_embedded
from ccbkg.site.context import Site
from ccbkg.site.markup import Page, html, join, table

PATH = "comparison.html"


def bundled_rows(loaded: LoadedProject, name: str, store: ox.Store | None = None,
                 **params: str) -> list[dict[str, ox.NamedNode | ox.Literal]]:
    """The answer of a bundled query (default parameters, or those given), one dict a row."""
    info = next(q for q in catalogue(loaded.project.root) if q.name == name)
    store = store or loaded.store(Role.ONTOLOGY, Role.VOCAB, Role.SHAPES, Role.DATA)
    results = run_embedded(store, info.text, bind(info, params),
                                 where=f"query {name}")
    return [{n: t for n, t in zip(results.variables, row, strict=True)
             if isinstance(t, ox.NamedNode | ox.Literal)} for row in results.rows]


def comparison_page(site: Site, loaded: LoadedProject) -> Page:
    """The countries as rows, the aspects as columns."""
    rows = bundled_rows(loaded, "country-comparison")
    aspects = sorted({r["aspect"].value for r in rows})
    cells: dict[str, dict[str, str | Markup]] = {}
    for r in rows:
        count, status = r["count"].value, r["status"].value
        text = count if status == "recorded" else html("0 <small>({})</small>", status)
        cells.setdefault(r["country"].value, {})[r["aspect"].value] = text
    countries = sorted(cells, key=lambda c: site.view.label(URIRef(c)).lower())
    body = [
        Markup("<h1>Countries side by side</h1>\n"),
        Markup("<p>How many strategies, CSIRTs, agreements, exercises, forums, funding commitments "
        "and norms the graph records for each country. A zero reads two ways: <em>none in the "
        "sources</em> where a source has been curated in full for the country (it records "
        "none), <em>not yet curated</em> where no source has been (an absence says nothing). "
        "The bundled query <code>country-comparison</code> gives the same table.</p>\n"),
        table(["Country", *aspects],
              ([site.term(PATH, URIRef(c)), *(cells[c].get(a, "") for a in aspects)]
               for c in countries), caption="Recorded facts by country and aspect"),
    ]
    return Page(PATH, "Countries side by side", join(body),
                description="The countries of the ccbkg graph compared on seven aspects.")
