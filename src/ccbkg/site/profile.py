"""Country profiles: what the graph records about a country, by kind, each fact cited."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from markupsafe import Markup
from rdflib import Literal, URIRef
from rdflib.term import Node

from ccbkg.core.namespaces import CCB, DCTERMS, ORG, RDF, RDFS, SCHEMA, SKOS, TIME
from ccbkg.core.termtext import counted
from ccbkg.site.context import Site
from ccbkg.site.links import relative
from ccbkg.site.markup import dl, figure, html, join, link, table, ul
from ccbkg.site.view import sort_key, written_date, written_number

NETWORK_FOLDER = "diagrams"


@dataclass(frozen=True)
class Section:
    """A part of the profile: which classes it lists."""

    anchor: str
    heading: str
    classes: tuple[URIRef, ...]
    intro: str = ""


SECTIONS = (
    Section("strategies", "Strategies and policy documents", (CCB.PolicyDocument,),
            "Strategies, regulations and government papers, with their objectives."),
    Section("authorities", "CSIRTs and authorities", (ORG.Organization, ORG.ChangeEvent),
            "National bodies, their responsibilities, and changes such as mergers."),
    Section("agreements", "Agreements", (CCB.Agreement,),
            "Memoranda and other agreements: status, date and counterparties."),
    Section("exercises", "Exercises and training", (CCB.Participation, CCB.TrainingInitiative),
            "Exercises and training initiatives the country takes part in."),
    Section("forums", "Forums and memberships", (CCB.ForumUse, ORG.Membership, CCB.Event),
            "Every forum, organisation and alliance the country works through, however the "
            "source puts it (the bundled query forums gives the same list)."),
    Section("programmes", "Programmes and funding", (CCB.FundingCommitment, CCB.Initiative),
            "Programmes, initiatives and money committed."),
    Section("collaborations", "Collaborations", (CCB.Collaboration,)),
    Section("positions", "Positions and statements", (CCB.Position, CCB.Statement),
            "What the country holds and has said, with the source's quotes."),
    Section("norms", "Norms and principles", (CCB.Norm,)),
    Section("developments", "Developments", (CCB.Development,)),
)
# Shown inside the fact they belong to, never on their own.
INLINE = (CCB.Objective, SCHEMA.MonetaryAmount, TIME.Instant, CCB.Passage, CCB.SourceDocument)
# How a country works through a forum: (forum, how in words, the fact it rests on).
ForumLink = tuple[URIRef, str, URIRef]
_HIDDEN = (RDF.type, RDFS.label, CCB.citesPassage, SKOS.editorialNote, DCTERMS.description,
           TIME.hasTime)


def profile_countries(site: Site) -> list[URIRef]:
    """The countries that act in at least one fact, by label."""
    found = [c for c in site.view.instances(CCB.Country)
             if isinstance(c, URIRef) and site.view.acts(c)]
    return sorted(found, key=lambda c: (site.view.label(c).lower(), str(c)))


def fact_count(site: Site, country: URIRef) -> int:
    """How many facts a country's profile lists (counted once: the home page, the countries
    page and the numbers ask for it)."""
    if country not in site.fact_counts:
        site.fact_counts[country] = sum(len(nodes) for nodes in assign(site, country).values())
    return site.fact_counts[country]


def assign(site: Site, country: URIRef) -> dict[str, list[Node]]:
    """The facts involving a country, by section ("other" for what fits none); the norms its
    positions concern are among its norms, as the bundled country-comparison counts them."""
    view = site.view
    out: dict[str, list[Node]] = {s.anchor: [] for s in SECTIONS}
    out["other"] = []
    involved = view.involved_cached(country)
    concerned = {n for p in involved if view.is_a(p, CCB.Position)
                 for n in view.objects(p, CCB.concerns) if view.is_a(n, CCB.Norm)}
    for node in sorted(involved | concerned, key=lambda n: (view.label(n).lower(),
                                                            sort_key(n))):
        if any(view.is_a(node, c) for c in INLINE) or node == country:
            continue
        section = next((s.anchor for s in SECTIONS
                        if any(view.is_a(node, c) for c in s.classes)), "other")
        out[section].append(node)
    return out


def forums_by_country(rows: Sequence[dict[str, ox.NamedNode | ox.Literal]]
                      ) -> dict[URIRef, list[ForumLink]]:
    """The rows of the bundled `forums` query as each country's forum links, in the query's
    order, one per forum, way and fact (the query gives one row per passage)."""
    out: dict[URIRef, list[ForumLink]] = {}
    for r in rows:
        found = (URIRef(r["forum"].value), r["how"].value, URIRef(r["node"].value))
        links = out.setdefault(URIRef(r["country"].value), [])
        if found not in links:
            links.append(found)
    return out


def profile_section(site: Site, path: str, country: URIRef,
                    forums: Sequence[ForumLink]) -> Markup:
    """The profile sections of a country page (h2 and h3 only); the sections with nothing to
    show are named together on one line. `forums` are the country's forum links (the
    bundled `forums` query), listed first in the forums section."""
    view = site.view
    groups = assign(site, country)
    total = sum(len(v) for v in groups.values())
    passages = {p for nodes in groups.values() for n in nodes for p in site.passages(n)}

    used = len({f for f, _, _ in forums})

    def badge(s: Section) -> str:
        """How many facts the section holds (so that the sections add up to the lead's
        total), and for the forums, how many forums the country used."""
        facts = len(groups[s.anchor])
        if s.anchor != "forums" or not used:
            return str(facts)
        return f"{counted(facts, 'fact')}, {counted(used, 'forum')}" if facts \
            else counted(used, "forum")

    shown = [s for s in SECTIONS if groups[s.anchor] or (s.anchor == "forums" and used)]
    empty = [s for s in SECTIONS if s not in shown]
    dated = timeline_items(site, country)
    toc = [html('<a href="#{}">{}</a> ({})', s.anchor, s.heading, badge(s)) for s in shown]
    if groups["other"]:
        toc.append(html('<a href="#other">Other facts</a> ({})', len(groups["other"])))
    if dated:
        toc.append(html('<a href="#timeline">Timeline</a> ({})', len(dated)))
    name = view.label(country)
    parts = [html('<p class="lead">The graph records {} about {}, citing {} of the sources. '
                  "Every fact links to the words it rests on.</p>\n",
                  counted(total, "fact"), name, counted(len(passages), "passage")),
             html('<nav aria-label="Profile sections" class="toc">{}</nav>\n', ul(toc))]
    if empty:
        parts.append(html('<p class="none">Nothing recorded for {} under: {}.</p>\n', name,
                          join((html('<span id="{}">{}</span>', s.anchor, s.heading)
                                for s in empty), ", ")))
    for s in shown:
        nodes = groups[s.anchor]
        parts.append(html('<section id="{}"><h2>{}</h2>\n', s.anchor, s.heading))
        if s.intro:
            parts.append(html('<p class="intro">{}</p>\n', s.intro))
        if s.anchor == "agreements":
            parts.append(agreements_table(site, path, country, nodes))
            parts.append(_network_figure(site, path, country))
        else:
            if s.anchor == "forums" and forums:
                parts.append(forums_table(site, path, name, forums))
            parts.extend(fact_card(site, path, n) for n in nodes)
        parts.append(Markup("</section>\n"))
    if groups["other"]:
        parts.append(Markup('<section id="other"><h2>Other facts</h2>\n'))
        parts.extend(fact_card(site, path, n) for n in groups["other"])
        parts.append(Markup("</section>\n"))
    if not dated:
        parts.append(html('<p class="none" id="timeline">The sources give no date for any fact '
                          "about {}.</p>\n", name))
    else:
        items = [html('<li><time datetime="{}">{}</time>{} {} <span class="kind">{}</span>{}'
                      "</li>\n", when, written_date(when), as_stated(site, node, when),
                      site.term(path, node),
                      _kind(site, node),
                      "" if carrier == node else html(" (date of {})", site.term(path, carrier)))
                 for when, node, carrier in dated]
        parts.append(html('<section id="timeline"><h2>Timeline</h2>\n<p class="intro">Dated '
                          "facts, oldest first, at the precision the source gives.</p>\n"
                          '<ol class="timeline">\n{}</ol></section>\n', join(items)))
    return join(parts)


def counterparty_section(site: Site, path: str, country: URIRef) -> Markup:
    """For a country with no profile (the sources name it as a counterparty, a member or a
    place, never as acting): so it says, and lists the facts that involve it."""
    view = site.view
    facts = sorted((n for n in view.involved_cached(country)
                    if not any(view.is_a(n, c) for c in INLINE)),
                   key=lambda n: (view.label(n).lower(), sort_key(n)))
    name = view.label(country)
    lead = html('<p class="note" id="profile">No profile of {}: the sources curated so far do '
                "not describe what it does, only facts in which it takes part.{}</p>\n", name,
                "" if facts else " None names it yet.")
    if not facts:
        return lead
    return lead + html('<section id="involved"><h2>Facts that involve {}</h2>\n{}</section>\n',
                       name, ul(html('{} <span class="kind">{}</span>', site.term(path, n),
                                     _kind(site, n)) for n in facts))


# What the facts that point at a body say of it, as a reader asks ("who are its members?"):
# (the property that points at it, the words, the property of the fact naming who).
GLANCE = ((ORG.organization, "Members", ORG.member), (CCB.forum, "Works through it", CCB.actor),
          (CCB.ledBy, "Leads", None), (CCB.party, "Party to", None),
          (CCB.collaborator, "Collaborates in", None), (CCB.funder, "Funds", None),
          (CCB.actingThrough, "Acts in", None), (ORG.originalOrganization, "Changed by", None),
          (CCB.inActivity, "Taking part", CCB.participant))


def at_a_glance(site: Site, path: str, body: URIRef) -> Markup:
    """For an organisation, a forum or an activity (an exercise, an initiative): what the facts
    pointing at it say, in a reader's words ("Members: Albania", "Taking part: Albania"),
    each with the fact it rests on; nothing when none do."""
    view = site.view
    rows = []
    for p, words, via in GLANCE:
        facts = sorted((s for s, q in view.incoming(body) if q == p),
                       key=lambda s: (view.label(s).lower(), sort_key(s)))
        items = []
        for fact in facts:
            who = view.value(fact, via) if via is not None else None
            items.append(html("{} ({})", site.term(path, who), site.term(path, fact))
                         if who is not None else site.term(path, fact))
        if items:
            rows.append(html("<li><strong>{}:</strong> {}</li>\n", words, join(items, "; ")))
    if not rows:
        return Markup()
    # no heading nor id: on a page of its own or in a country's facts, one section each
    return html('<ul class="glance" aria-label="At a glance">\n{}</ul>\n', join(rows))


def as_stated(site: Site, node: Node, when: str) -> Markup:
    """The source's own words that qualify a fact's date (" “Since 2017”"), if any: a year
    alone would read as the year it began. Only the words that name the date's year: others
    qualify the fact, not its date ("first-ever" regulation of 2020)."""
    words = [w for w in sorted(site.view.texts(node, CCB.qualifierAsStated))
             if when[:4] in re.findall(r"\d{4}", w)]
    return join((html(" <q>{}</q>", w) for w in words), "")


def timeline_items(site: Site, country: URIRef) -> list[tuple[str, Node, Node]]:
    """The dated facts of a country: (date, node, node carrying the date), oldest first."""
    view = site.view
    out = []
    for node in view.involved_cached(country):
        if any(view.is_a(node, c) for c in INLINE):
            continue
        found = view.dated(node)
        if found is not None:
            out.append((found[0].value, node, found[1]))
    return sorted(out, key=lambda t: (t[0], view.label(t[1]).lower(), sort_key(t[1])))


def fact_card(site: Site, path: str, node: Node) -> Markup:
    """One fact: label, kind, date, its properties, notes and the passages it cites."""
    view = site.view
    rows: list[tuple[str, Markup]] = []
    found = view.dated(node)
    if found is not None:
        when, carrier = found
        via = "" if carrier == node else html(" (date of {})", site.term(path, carrier))
        rows.append(("Date", html('<time datetime="{}">{}</time>{}', when.value,
                                  written_date(when.value), via)))
    props = view.properties(node)
    for p in sorted(props, key=lambda q: (view.label(q).lower(), str(q))):
        # A qualified link's hedge is shown on its direct link (see `_inline`).
        if p in _HIDDEN or view.is_qualified_form(p):
            continue
        values = sorted(props[p], key=lambda v: (view.label(v).lower(), sort_key(v)))
        shown = [_inline(site, path, node, p, v) for v in values]  # a note is a paragraph:
        rows.append((view.property_name(p),  # several values go in a list, not after "; "
                     shown[0] if len(shown) == 1 else ul(shown, cls="values")))
    description = view.text(node, DCTERMS.description)
    return html('<article class="fact"><h3>{} <span class="kind">{}</span></h3>\n{}{}{}{}'
                "</article>\n", site.term(path, node), _kind(site, node),
                html("<p>{}</p>\n", view.plain(description)) if description else "",
                dl(rows), notes(site, node),
                site.cites(path, node))


def _kind(site: Site, node: Node) -> str:
    kinds = sorted(site.view.types(node), key=lambda t: (-len(site.view.ancestors(t)), str(t)))
    return site.view.label(kinds[0]) if kinds else ""


def _inline(site: Site, path: str, node: Node, p: URIRef, value: Node) -> Markup:
    """A value of a fact's property: quotes as quotes, objectives and statements with their
    words, a hedged link with its hedge; a value shown only here (an amount, an objective)
    with its notes."""
    view = site.view
    if isinstance(value, Literal):
        if p == CCB.quote:
            return html('<q class="quote">{}</q>', str(value))
        return site.term(path, value)
    shown = site.link_value(path, node, p, value)
    if view.is_a(value, SCHEMA.MonetaryAmount):
        stated = view.text(value, CCB.amountAsStated)
        number = view.text(value, SCHEMA.value)
        return html("{}{}{}", stated or view.label(value),
                    html(' <span class="dt">({})</span>', written_number(number)) if number
                    else "",
                    notes(site, value))
    quote = view.text(value, CCB.quote)
    if quote and (view.is_a(value, CCB.Objective) or view.is_a(value, CCB.Statement)):
        shown += html(': <q class="quote">{}</q>', quote)
    if any(view.is_a(value, c) for c in INLINE):
        shown += notes(site, value)
    return shown


def parties(site: Site, agreement: Node) -> list[Node]:
    """All parties of an agreement (ccb:party and its sub-property ccb:signatory)."""
    found = set(site.view.objects(agreement, CCB.party)) | set(
        site.view.objects(agreement, CCB.signatory))
    return sorted(found, key=lambda n: (site.view.label(n).lower(), sort_key(n)))


def home_country(site: Site, party: Node) -> Node | None:
    """The country a party is, or belongs to."""
    if site.view.is_a(party, CCB.Country):
        return party
    for p in (CCB.country, CCB.nationalCsirtOf):
        found = site.view.value(party, p)
        if found is not None:
            return found
    return None


def agreements_table(site: Site, path: str, country: URIRef, nodes: list[Node]) -> Markup:
    """Agreements with status, date, counterparties, acting body, subject and source."""
    view = site.view
    rows = []
    def order(n: Node) -> tuple[str, str, str]:
        date = view.date(n)
        status = view.value(n, CCB.agreementStatus)
        return (view.label(status) if status is not None else "~",
                date.value if date else "~", view.label(n).lower())

    for a in sorted(nodes, key=order):
        others = []
        for party in parties(site, a):
            home = home_country(site, party)
            if party == country or home == country:
                continue
            shown = site.term(path, party)
            if home is not None and home != party:
                shown += html(" ({})", site.term(path, home))
            others.append(shown)
        date = view.date(a)
        status = view.value(a, CCB.agreementStatus)
        rows.append((
            site.term(path, a),
            html("{}{}", site.term(path, status) if status is not None else "",
                 join(html(" <q>{}</q>", w)
                      for w in sorted(view.texts(a, CCB.qualifierAsStated)))),
            html('<time datetime="{}">{}</time>', date.value, written_date(date.value)) if date
            else Markup('<span class="none">not given</span>'),
            join(others, "<br>"),
            site.terms(path, view.objects(a, CCB.actingThrough)),
            "; ".join(view.texts(a, CCB.subject)),
            notes(site, a, titled=False),  # under the column "Notes"
            site.cite_links(path, a),
        ))
    return table(("Agreement", "Status", "Date", "Counterparties", "Acting through", "Subject",
                  "Notes", "Source"), rows, cls="data agreements")


def notes(site: Site, node: Node, *, titled: bool = True) -> Markup:
    """A node's editorial notes (what the source leaves open: a date it does not give, a
    currency it does not name), one paragraph each, "Note:" before each unless a column's
    heading says so."""
    return join(html('<p class="note">{}{}</p>', "Note: " if titled else "", site.view.plain(n))
                for n in sorted(site.view.texts(node, SKOS.editorialNote)))


def forums_table(site: Site, path: str, name: str, forums: Sequence[ForumLink]) -> Markup:
    """Each forum a country works through: how, through which fact, on which passages."""
    return table(("Forum or organisation", "How", "Through", "Source"),
                 ((site.term(path, forum), how, site.term(path, node),
                   site.cite_links(path, node)) for forum, how, node in forums),
                 caption=f"Forums and organisations {name} works through")


def network_file(site: Site, country: URIRef) -> str:
    """The site path of a country's agreements diagram."""
    return f"{NETWORK_FOLDER}/agreements-{str(country).rsplit('/', 1)[-1].lower()}.svg"


def _network_figure(site: Site, path: str, country: URIRef) -> Markup:
    size = site.diagram_sizes.get(network_file(site, country))
    if size is None:
        return Markup()
    name = site.view.label(country)
    return figure(relative(path, network_file(site, country)),
                  f"Network of {name}'s agreements: {name} in the centre, a line to each "
                  "counterparty; solid lines are signed agreements, dashed lines agreements "
                  "under negotiation. The table above lists the same agreements.",
                  f"{name}'s agreements by counterparty and status.", width=size[0],
                  height=size[1])


def identity(site: Site, path: str, country: URIRef) -> Markup:
    """ISO codes and the Wikidata entity of a country, for the page head."""
    view = site.view
    bits = []
    for p, name in ((CCB.iso3166Alpha3, "ISO 3166-1 alpha-3"), (CCB.iso3166Alpha2, "alpha-2")):
        v = view.text(country, p)
        if v:
            bits.append(html("{} <code>{}</code>", name, v))
    for same in view.objects(country, SCHEMA.sameAs):
        bits.append("Wikidata " + link(str(same), str(same).rsplit("/", 1)[-1]))
    return html('<p class="identity">{}</p>\n', join(bits, " · ")) if bits else Markup()
