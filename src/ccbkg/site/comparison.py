"""The country comparison page (comparison.html): every country side by side on each aspect,
from the bundled `country-comparison` query, with "none in the sources" kept apart from "not
yet curated"."""

from __future__ import annotations

from markupsafe import Markup
from rdflib import URIRef

from ccbkg.site.bundled import BundledQueries
from ccbkg.site.context import Site
from ccbkg.site.markup import Page, html, join, link, table

PATH = "comparison.html"


# The section of a country's profile that lists each aspect's facts.
SECTION_OF = {"agreements": "agreements", "exercises and training": "exercises",
              "forums and organisations": "forums", "funding commitments": "programmes",
              "national CSIRTs": "authorities", "norms": "norms",
              "strategies and policy documents": "strategies"}


def comparison_page(site: Site, bundled: BundledQueries) -> Page:
    """The countries as rows, the aspects as columns; a count links to the profile's section
    that lists what it counts."""
    rows = bundled.rows("country-comparison")
    aspects = sorted({r["aspect"].value for r in rows})
    profiles = {str(c) for c in site.profiles}
    cells: dict[str, dict[str, str | Markup]] = {}
    for r in rows:
        country, aspect = r["country"].value, r["aspect"].value
        count, status = r["count"].value, r["status"].value
        target = site.linker.href(PATH, URIRef(country))
        # the profile's section, or, for a country with no profile, the facts that involve it
        section = SECTION_OF.get(aspect) if country in profiles else "involved"
        text: str | Markup = (html("0 <small>({})</small>", status) if status != "recorded"
                              else link(f"{target}#{section}", count)
                              if target and section else count)
        cells.setdefault(country, {})[aspect] = text
    countries = sorted(cells, key=lambda c: site.view.label(URIRef(c)).lower())
    body = [
        Markup("<h1>Countries side by side</h1>\n"),
        Markup("<p>How many strategies, CSIRTs, agreements, exercises, forums, funding commitments "
        "and norms the graph records for each country. A zero reads two ways: <em>none in the "
        "sources</em> where a source has been curated in full for the country (it records "
        "none), <em>not yet curated</em> where no source has been (an absence says nothing). "
        "Forums count the forums and organisations the country deals with in any of the ways "
        "the <code>forums</code> query lists; norms count those it introduced (with the "
        "principles of a set it introduced) or holds a position on, for or against, as its "
        "profile lists them under Norms and principles. A count links to the profile's "
        "section, or, for a country with no profile, to the facts that involve it. "
        "The bundled query <code>country-comparison</code> gives the same table.</p>\n"),
        table(["Country", *(a[:1].upper() + a[1:] for a in aspects)],
              ([site.term(PATH, URIRef(c)), *(cells[c].get(a, "") for a in aspects)]
               for c in countries), caption="Recorded facts by country and aspect"),
    ]
    return Page(PATH, "Countries side by side", join(body),
                description="The countries of the ccbkg graph compared on seven aspects.")
