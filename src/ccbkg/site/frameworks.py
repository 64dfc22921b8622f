"""The facts by framework page (frameworks.html): the facts under each concept of the GFCE
themes, the OSCE CBMs, the Oxford CMM dimensions and the ITU GCI pillars, from the bundled
`facts-by-framework` query, each with the concept it is tagged with and its passages."""

from __future__ import annotations

from markupsafe import Markup
from rdflib import URIRef

from ccbkg.site.bundled import BundledQueries
from ccbkg.site.context import Site
from ccbkg.site.markup import Page, html, join, table

PATH = "frameworks.html"


def frameworks_page(site: Site, bundled: BundledQueries) -> Page:
    """One section a framework, one table a concept: fact, kind, countries, tag, passages."""
    facts: dict[tuple[str, str], dict[tuple[str, str], dict[str, dict[str, set[str]]]]] = {}
    for r in bundled.rows("facts-by-framework"):
        framework = (r["frameworkLabel"].value, r["framework"].value)
        concept = (r.get("notation", r["concept"]).value, r["concept"].value)
        found = facts.setdefault(framework, {}).setdefault(concept, {}).setdefault(
            r["node"].value, {"countries": set(), "tags": set(), "passages": set()})
        if "country" in r:
            found["countries"].add(r["country"].value)
        if r["tag"].value != r["concept"].value:
            found["tags"].add(r["tag"].value)
        found["passages"].add(r["passage"].value)
    body = [Markup("<h1>Facts by framework</h1>\n"),
            Markup(
                "<p>The facts are tagged with GFCE themes and OSCE confidence-building measures; "
            "the Oxford CMM dimensions and the ITU GCI pillars are reached through the crosswalk "
            "(close and broad matches, each explained on its concept's page). The bundled query "
            "<code>facts-by-framework</code> gives the same lists.</p>\n")]
    for (_, scheme), concepts in sorted(facts.items()):
        body.append(html("<h2>{}</h2>\n", site.term(PATH, URIRef(scheme))))
        for (notation, iri), nodes in sorted(concepts.items()):
            body.append(html("<h3>{}: {}</h3>\n", notation, site.term(PATH, URIRef(iri))))
            rows = []
            for node, found in sorted(nodes.items(),
                                      key=lambda n: site.view.label(URIRef(n[0])).lower()):
                rows.append([
                    site.term(PATH, URIRef(node)),
                    site.terms(PATH, [URIRef(t) for t in site.view.types(URIRef(node))]),
                    site.terms(PATH, [URIRef(c) for c in found["countries"]]) or "—",
                    site.terms(PATH, [URIRef(t) for t in found["tags"]]) or "tagged directly",
                    site.cite_links(PATH, URIRef(node)),  # the words, not the passages' labels
                ])
            body.append(table(["Fact", "Kind", "Countries", "Through", "Source"], rows))
    return Page(PATH, "Facts by framework", join(body),
                description="The ccbkg facts under the GFCE, OSCE, Oxford CMM and ITU GCI "
                            "frameworks.")
