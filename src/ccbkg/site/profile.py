"""Country profiles: what the graph records about a country, by kind, each fact cited."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.term import Node

from ccbkg.core.namespaces import CCB, DCTERMS, ORG, RDF, RDFS, SCHEMA, SKOS, TIME
from ccbkg.site.context import Site
from ccbkg.site.links import relative
from ccbkg.site.markup import esc, figure, link, table
from ccbkg.site.view import sort_key

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
            "Multilateral forums the country uses, and its memberships."),
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
_HIDDEN = (RDF.type, RDFS.label, CCB.citesPassage, SKOS.editorialNote, DCTERMS.description,
           TIME.hasTime)


def profile_countries(site: Site) -> list[URIRef]:
    """The countries that act in at least one fact, by label."""
    found = [c for c in site.view.instances(CCB.Country)
             if isinstance(c, URIRef) and site.view.acts(c)]
    return sorted(found, key=lambda c: (site.view.label(c).lower(), str(c)))


def fact_count(site: Site, country: URIRef) -> int:
    """How many facts a country's profile lists."""
    return sum(len(nodes) for nodes in assign(site, country).values())


def assign(site: Site, country: URIRef) -> dict[str, list[Node]]:
    """The facts involving a country, by section ("other" for what fits none)."""
    view = site.view
    out: dict[str, list[Node]] = {s.anchor: [] for s in SECTIONS}
    out["other"] = []
    for node in sorted(view.involved_cached(country), key=lambda n: (view.label(n).lower(),
                                                                       sort_key(n))):
        if any(view.is_a(node, c) for c in INLINE) or node == country:
            continue
        section = next((s.anchor for s in SECTIONS
                        if any(view.is_a(node, c) for c in s.classes)), "other")
        out[section].append(node)
    return out


def profile_section(site: Site, path: str, country: URIRef) -> str:
    """The profile sections of a country page (h2 and h3 only)."""
    view = site.view
    groups = assign(site, country)
    total = sum(len(v) for v in groups.values())
    passages = {p for nodes in groups.values() for n in nodes for p in site.passages(n)}
    toc = "".join(f'<li><a href="#{s.anchor}">{esc(s.heading)}</a> ({len(groups[s.anchor])})</li>'
                  for s in SECTIONS)
    if groups["other"]:
        toc += f'<li><a href="#other">Other facts</a> ({len(groups["other"])})</li>'
    dated = timeline_items(site, country)
    toc += f'<li><a href="#timeline">Timeline</a> ({len(dated)})</li>'
    name = esc(view.label(country))
    parts = [f'<p class="lead">The graph records {total} facts about {name}, '
             f"citing {len(passages)} passages of the source. Every fact links to the words "
             "it rests on.</p>\n",
             f'<nav aria-label="Profile sections" class="toc"><ul>{toc}</ul></nav>\n']
    for s in SECTIONS:
        nodes = groups[s.anchor]
        parts.append(f'<section id="{s.anchor}"><h2>{esc(s.heading)}</h2>\n')
        if not nodes:
            parts.append(f'<p class="none">The source records none for {name}.</p></section>\n')
            continue
        if s.intro:
            parts.append(f'<p class="intro">{esc(s.intro)}</p>\n')
        if s.anchor == "agreements":
            parts.append(agreements_table(site, path, country, nodes))
            parts.append(_network_figure(site, path, country))
        else:
            parts.extend(fact_card(site, path, n) for n in nodes)
        parts.append("</section>\n")
    if groups["other"]:
        parts.append('<section id="other"><h2>Other facts</h2>\n')
        parts.extend(fact_card(site, path, n) for n in groups["other"])
        parts.append("</section>\n")
    parts.append('<section id="timeline"><h2>Timeline</h2>\n')
    if not dated:
        parts.append(f'<p class="none">The source gives no date for any fact about {name}.</p>'
                     "</section>\n")
    else:
        parts.append('<p class="intro">Dated facts, oldest first, at the precision the source '
                     'gives.</p>\n<ol class="timeline">\n')
        for when, node, carrier in dated:
            via = "" if carrier == node else f" (date of {site.term(path, carrier)})"
            parts.append(f'<li><time datetime="{esc(when)}">{esc(when)}</time> '
                         f"{site.term(path, node)} <span class=\"kind\">"
                         f"{esc(_kind(site, node))}</span>{via}</li>\n")
        parts.append("</ol></section>\n")
    return "".join(parts)


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


def fact_card(site: Site, path: str, node: Node) -> str:
    """One fact: label, kind, date, its properties, notes and the passages it cites."""
    view = site.view
    rows = []
    found = view.dated(node)
    if found is not None:
        when, carrier = found
        via = "" if carrier == node else f" (date of {site.term(path, carrier)})"
        rows.append(("Date", f'<time datetime="{esc(when.value)}">{esc(when.value)}</time>{via}'))
    props = view.properties(node)
    for p in sorted(props, key=lambda q: (view.label(q).lower(), str(q))):
        if p in _HIDDEN:
            continue
        values = sorted(props[p], key=lambda v: (view.label(v).lower(), sort_key(v)))
        rows.append((view.label(p), "; ".join(_inline(site, path, v, p) for v in values)))
    items = "".join(f"<dt>{esc(k[:1].upper() + k[1:])}</dt><dd>{v}</dd>" for k, v in rows)
    description = view.text(node, DCTERMS.description)
    notes = "".join(f'<p class="note">Note: {esc(n)}</p>\n'
                    for n in sorted(view.texts(node, SKOS.editorialNote)))
    return (f'<article class="fact"><h3>{site.term(path, node)} '
            f'<span class="kind">{esc(_kind(site, node))}</span></h3>\n'
            + (f"<p>{esc(description)}</p>\n" if description else "")
            + (f'<dl class="props">{items}</dl>\n' if items else "")
            + notes + site.cites(path, node) + "</article>\n")


def _kind(site: Site, node: Node) -> str:
    kinds = sorted(site.view.types(node), key=lambda t: (-len(site.view.ancestors(t)), str(t)))
    return site.view.label(kinds[0]) if kinds else ""


def _inline(site: Site, path: str, value: Node, p: URIRef) -> str:
    """A value inside a fact: quotes as quotes, objectives and statements with their words."""
    view = site.view
    if isinstance(value, Literal):
        if p == CCB.quote:
            return f'<q class="quote">{esc(str(value))}</q>'
        return site.term(path, value)
    shown = site.term(path, value)
    if view.is_a(value, SCHEMA.MonetaryAmount):
        stated = view.text(value, CCB.amountAsStated)
        number = view.text(value, SCHEMA.value)
        return esc(stated or view.label(value)) + (f' <span class="dt">({esc(number)})</span>'
                                                   if number else "")
    quote = view.text(value, CCB.quote)
    if quote and (view.is_a(value, CCB.Objective) or view.is_a(value, CCB.Statement)):
        shown += f': <q class="quote">{esc(quote)}</q>'
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


def agreements_table(site: Site, path: str, country: URIRef, nodes: list[Node]) -> str:
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
                shown += f" ({site.term(path, home)})"
            others.append(shown)
        date = view.date(a)
        status = view.value(a, CCB.agreementStatus)
        rows.append((
            site.term(path, a),
            site.term(path, status) if status is not None else "",
            esc(date.value) if date else '<span class="none">not given</span>',
            "<br>".join(others),
            site.terms(path, view.objects(a, CCB.actingThrough)),
            esc("; ".join(view.texts(a, CCB.subject))),
            site.cite_links(path, a),
        ))
    return table(("Agreement", "Status", "Date", "Counterparties", "Acting through", "Subject",
                  "Source"), rows, cls="data agreements")


def network_file(site: Site, country: URIRef) -> str:
    """The site path of a country's agreements diagram."""
    return f"{NETWORK_FOLDER}/agreements-{str(country).rsplit('/', 1)[-1].lower()}.svg"


def _network_figure(site: Site, path: str, country: URIRef) -> str:
    size = site.diagram_sizes.get(network_file(site, country))
    if size is None:
        return ""
    name = site.view.label(country)
    return figure(relative(path, network_file(site, country)),
                  f"Network of {name}'s agreements: {name} in the centre, a line to each "
                  "counterparty; solid lines are signed agreements, dashed lines agreements "
                  "under negotiation. The table above lists the same agreements.",
                  f"{name}'s agreements by counterparty and status.", width=size[0],
                  height=size[1])


def identity(site: Site, path: str, country: URIRef) -> str:
    """ISO codes and the Wikidata entity of a country, for the page head."""
    view = site.view
    bits = []
    for p, name in ((CCB.iso3166Alpha3, "ISO 3166-1 alpha-3"), (CCB.iso3166Alpha2, "alpha-2")):
        v = view.text(country, p)
        if v:
            bits.append(f"{name} <code>{esc(v)}</code>")
    for same in view.objects(country, SCHEMA.sameAs):
        bits.append("Wikidata " + link(str(same), str(same).rsplit("/", 1)[-1]))
    return f'<p class="identity">{" · ".join(bits)}</p>\n' if bits else ""
