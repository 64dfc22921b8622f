"""The as-of page (as-of.html): what held at the end of each year the sources date something
in, by the dates the sources give, from the bundled `as-of` query; the undated facts apart."""

from __future__ import annotations

from markupsafe import Markup
from rdflib import URIRef

from ccbkg.core.termtext import counted
from ccbkg.site.bundled import BundledQueries, Row
from ccbkg.site.context import Site
from ccbkg.site.markup import Page, html, join, table
from ccbkg.site.profile import as_stated
from ccbkg.site.view import written_date

PATH = "as-of.html"


def as_of_page(site: Site, bundled: BundledQueries) -> Page:
    """A section a year (what the sources date in it, and how many held by its end), then the
    undated facts; each fact with the countries whose profiles list it."""
    everything = bundled.rows("as-of", date="9999-12-31")
    years = sorted({r["since"].value[:4] for r in everything if "since" in r})
    countries: dict[str, list[URIRef]] = {}
    for country in site.profiles:
        for node in site.view.involved_cached(country):
            countries.setdefault(str(node), []).append(country)

    def whose(node: str) -> Markup:
        return site.terms(PATH, list(countries.get(node, [])))

    body = [Markup("<h1>What held when</h1>\n"),
            Markup(
                "<p>What the sources date on or before the end of each year (the date each gives, "
            "with its precision and the source's own words that qualify it, such as “Since "
            "2017”), and apart, the facts they give no date of their own for, which this "
            "page cannot place (a fact's passage may still say that it held by a year). Each "
            "year lists what the sources date in it; what held by its end is that and every "
            "earlier year's. <code>ccbkg query run as-of --param "
            "date=YYYY-MM-DD</code> answers for any day.</p>\n")]
    every_fact = _facts(everything)  # (date given or "", node) -> passages, read once
    for year in years:
        held = [k for k in _facts(held_by(everything, f"{year}-12-31")) if k[0]]
        facts = [k for k in every_fact if k[0][:4] == year]
        body.append(html('<h2 id="y{0}">{0}</h2>\n<p class="intro">{1} dated in {0}; {2} held by '
                         "its end, with those of earlier years.</p>\n", year,
                         counted(len(facts), "fact"), len(held)))
        body.append(table(["Fact", "Countries", "Date given", "Source"], (
            [site.term(PATH, URIRef(node)), whose(node),
             html('<time datetime="{}">{}</time>{}', since, written_date(since),
                  as_stated(site, URIRef(node), since)),
             site.cite_links(PATH, URIRef(node))]  # the source's words, as on the profiles
            for (since, node) in sorted(facts))))
    body.append(Markup('<h2 id="undated">Undated</h2>\n'))
    body.append(table(["Fact", "Countries", "Source"], (
        [site.term(PATH, URIRef(node)), whose(node), site.cite_links(PATH, URIRef(node))]
        for since, node in sorted(every_fact, key=lambda f: site.view.label(URIRef(f[1])).lower())
        if not since)))
    return Page(PATH, "What held when", join(body),
                description="What the sources cited in ccbkg date by the end of each year, and "
                            "what they leave undated.")


def held_by(everything: list[Row], date: str) -> list[Row]:
    """The dated rows of the answer for 9999-12-31 that the answer for `date` (YYYY-MM-DD)
    has too, by the query's rule: the source's date on or before the date cut to its length.
    (One query instead of one a year: at 10,000x each took about a minute.)"""
    return [r for r in everything
            if "since" in r and date[:len(r["since"].value)] >= r["since"].value]


def _facts(rows: list[Row]) -> dict[tuple[str, str], set[str]]:
    """(date given or "", node) -> its passages."""
    facts: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        since = r["since"].value if "since" in r else ""
        facts.setdefault((since, r["node"].value), set()).add(r["passage"].value)
    return facts
