"""The ontology reference: every class, property and concept, with examples from the data."""

from __future__ import annotations

from collections import defaultdict

from markupsafe import Markup
from rdflib import OWL, URIRef
from rdflib.term import Node

from ccbkg.core.namespaces import CCB, DCTERMS, ONTOLOGY_IRI, RDF, RDFS, SKOS
from ccbkg.site.context import Site
from ccbkg.site.links import ONTOLOGY_PAGE, term_anchor
from ccbkg.site.markup import Page, dl, figure, html, join, table
from ccbkg.site.view import DATA_NS, View, curie, sort_key

EXAMPLES = 6
KINDS = ((OWL.ObjectProperty, "object-properties", "Object properties"),
         (OWL.DatatypeProperty, "datatype-properties", "Datatype properties"),
         (OWL.AnnotationProperty, "annotation-properties", "Annotation properties"))


def own(term: Node) -> bool:
    """Whether a term is in the ccb: namespace."""
    return isinstance(term, URIRef) and str(term).startswith(str(CCB)) and str(term) != str(CCB)


def declared(view: View) -> dict[URIRef, list[URIRef]]:
    """Every term the ontology declares (class or property), with its OWL kinds."""
    out: dict[URIRef, list[URIRef]] = defaultdict(list)
    for kind in (OWL.Class, *[k for k, _, _ in KINDS]):
        for s in view.subjects(RDF.type, kind):
            if isinstance(s, URIRef):
                out[s].append(kind)
    return dict(out)


def anchored_terms(view: View) -> set[str]:
    """The IRIs that have an anchor on the ontology page."""
    terms = {str(t) for t in declared(view)}
    for scheme in view.instances(SKOS.ConceptScheme):
        terms.add(str(scheme))
        terms.update(str(c) for c in view.subjects(SKOS.inScheme, scheme))
    return terms


def ontology_page(site: Site, diagram: tuple[int, int] | None, downloads: str) -> Page:
    """The ontology reference page."""
    path = ONTOLOGY_PAGE
    view = site.view
    onto = URIRef(ONTOLOGY_IRI)
    terms = declared(view)
    classes = sorted((t for t, k in terms.items() if OWL.Class in k and own(t)), key=str)
    props = {kind: sorted((t for t, k in terms.items() if kind in k and own(t)), key=str)
             for kind, _, _ in KINDS}
    reused = sorted((t for t in terms if not own(t)), key=lambda t: curie(t))
    schemes = sorted(view.instances(SKOS.ConceptScheme), key=str)
    concepts = sum(len(view.subjects(SKOS.inScheme, s)) for s in schemes)
    toc = [html('<li><a href="#classes">Classes</a> ({})</li>', len(classes))]
    toc += [html('<li><a href="#{}">{}</a> ({})</li>', anchor, title, len(props[kind]))
            for kind, anchor, title in KINDS if props[kind]]
    toc.append(html('<li><a href="#schemes">Concept schemes</a> ({} schemes, {} concepts)</li>',
                    len(schemes), concepts))
    toc.append(html('<li><a href="#reused">Reused terms</a> ({})</li>', len(reused)))
    body = [
        Markup("<h1>Ontology reference</h1>\n"),
        html('<p class="lead">{}</p>\n', view.text(onto, DCTERMS.description) or ""),
        dl([
            ("Ontology IRI", html("<code>{}</code>", ONTOLOGY_IRI)),
            ("This version", _iri_list(view.objects(onto, OWL.versionIRI))),
            ("Version", view.text(onto, OWL.versionInfo) or ""),
            ("Issued", view.text(onto, DCTERMS.issued) or ""),
            ("Preferred prefix", html("<code>ccb:</code> = <code>{}</code>", str(CCB))),
            ("Licence", site.terms(path, view.objects(onto, DCTERMS.license))),
            ("Cite as", view.text(onto, DCTERMS.bibliographicCitation) or ""),
            ("Downloads", downloads),
        ]),
        html('<nav aria-label="Ontology sections" class="toc"><ul>{}</ul></nav>\n', join(toc)),
    ]
    if diagram is not None:
        body.append(Markup('<h2 id="overview">Overview</h2>\n') + figure(
            "diagrams/ontology.svg",
            "Diagram of the ccb ontology's main classes as boxes, each with its superclasses "
            "(⊑) and the properties that link it to reused classes, and labelled arrows for "
            "the properties between ccb classes. The same information is listed in text "
            "below.",
            "Main classes and relations (domain → range).", width=diagram[0],
            height=diagram[1]))
    body.append(html('<h2 id="classes">Classes</h2>\n{}', _index(classes)))
    body.extend(class_entry(site, path, c) for c in classes)
    for kind, anchor, title in KINDS:
        if props[kind]:
            body.append(html('<h2 id="{}">{}</h2>\n{}', anchor, title,
                             _index(props[kind])))
            body.extend(property_entry(site, path, p) for p in props[kind])
    body.append(Markup('<h2 id="schemes">Concept schemes</h2>\n<p>Controlled values are SKOS '
                       "concepts; each scheme lists its concepts with their notation, definition "
                       "and uses.</p>\n"))
    body.extend(scheme_entry(site, path, s) for s in schemes)
    body.append(Markup('<h2 id="reused">Reused terms</h2>\n<p>Terms of other vocabularies that '
                       "the ontology declares so that it stays in OWL 2 DL. They are not "
                       "redefined.</p>\n"))
    rows = []
    for t in reused:
        anchor = term_anchor(t) or ""
        kinds = ", ".join(curie(k) for k in sorted(terms[t], key=str))
        rows.append((html('<span id="{}"><code>{}</code></span>', anchor, curie(t)),
                     view.label(t), kinds, view.definition(t) or "",
                     site.terms(path, view.objects(t, RDFS.isDefinedBy))))
    body.append(table(("Term", "Label", "Kind", "Comment", "Defined by"), rows))
    return Page(path, "Ontology reference", join(body),
                description="Classes, properties and concepts of the ccb ontology.")


def _iri_list(values: list[Node]) -> Markup:
    return join((html("<code>{}</code>", str(v)) for v in sorted(values, key=str)), ", ")


def _index(terms: list[URIRef]) -> Markup:
    """Links to the terms, apart by the index's gap (no separator: a phone wraps the links,
    and a separator between them stood alone at a line's start)."""
    links = join((html('<a href="#{}">{}</a>', term_anchor(t) or "", _local(t)) for t in terms),
                 "\n")
    return html('<p class="term-index">{}</p>\n', links)


def _local(term: Node) -> str:
    return str(term)[len(str(CCB)):] if own(term) else curie(term)


def _head(site: Site, term: URIRef) -> Markup:
    view = site.view
    alt = view.alt_labels(term)
    deprecated = view.value(term, OWL.deprecated)
    badge = Markup(' <span class="badge">deprecated</span>') if deprecated is not None and \
        str(deprecated).lower() == "true" else ""
    return html('<article class="term" id="{}"><h3>{} <code>{}</code>{}</h3>\n'
                '<p class="definition">{}</p>\n{}{}', term_anchor(term) or "", view.label(term),
                curie(term), badge, view.text(term, SKOS.definition) or "",
                join(html('<p class="comment">{}</p>\n', c)
                     for c in sorted(view.texts(term, RDFS.comment))),
                html('<p class="alt">Also called: {}</p>\n', ", ".join(sorted(alt)))
                if alt else "")


def _expr(site: Site, path: str, node: Node) -> Markup:
    members = site.view.members(node)
    return join((site.term(path, m) for m in members), " or ") if members else \
        html("{}", curie(node))


def _examples(site: Site, path: str, nodes: list[Node]) -> Markup:
    if not nodes:
        return Markup()
    shown = sorted(nodes, key=lambda n: (site.view.label(n).lower(), sort_key(n)))[:EXAMPLES]
    more = f" and {len(nodes) - len(shown)} more" if len(nodes) > len(shown) else ""
    return html("{}: {}{}", len(nodes), join((site.term(path, n) for n in shown), ", "), more)


def class_entry(site: Site, path: str, cls: URIRef) -> Markup:
    """A class: definition, super- and subclasses, disjoint classes, properties and instances."""
    view = site.view
    disjoint = set(view.objects(cls, OWL.disjointWith)) | set(view.subjects(OWL.disjointWith, cls))
    for group in view.subjects(RDF.type, OWL.AllDisjointClasses):
        members = [m for lst in view.objects(group, OWL.members) for m in view.items(lst)]
        if cls in members:
            disjoint.update(m for m in members if m != cls)
    domain_of = [p for p in _with(site, RDFS.domain) if cls in _with(site, RDFS.domain)[p]]
    range_of = [p for p in _with(site, RDFS.range) if cls in _with(site, RDFS.range)[p]]
    instances = [n for n in view.instances(cls) if str(n).startswith(DATA_NS)]
    return _head(site, cls) + dl([
        ("IRI", html("<code>{}</code>", str(cls))),
        ("Subclass of", site.terms(path, view.supers(cls))),
        ("Subclasses", site.terms(path, view.subs(cls))),
        ("Disjoint with", site.terms(path, sorted(disjoint, key=sort_key))),
        ("Properties of this class (domain)", site.terms(path, domain_of)),
        ("Values of (range)", site.terms(path, range_of)),
        ("Instances in the data", _examples(site, path, instances)),
    ]) + Markup("</article>\n")


def _with(site: Site, p: URIRef) -> dict[Node, set[Node]]:
    """For each property, the named classes of its domain or range (cached on the site)."""
    cache = site.cache.setdefault(str(p), {})
    if not cache:
        for prop, _ in site.view.pairs(p):
            cache[prop] = {m for d in site.view.objects(prop, p) for m in site.view.members(d)}
    return cache


def property_entry(site: Site, path: str, prop: URIRef) -> Markup:
    """A property: definition, domain, range, super- and sub-properties, uses in the data."""
    view = site.view
    kinds = [curie(k) for k in view.types(prop)]
    uses = [(s, o) for s, o in view.pairs(prop) if str(s).startswith(DATA_NS)]
    uses.sort(key=lambda so: (view.label(so[0]).lower(), sort_key(so[0]), sort_key(so[1])))
    examples = join(html("<li>{} → {}</li>", site.term(path, s), site.term(path, o))
                    for s, o in uses[:3])
    inverse = view.objects(prop, OWL.inverseOf) + view.subjects(OWL.inverseOf, prop)
    return _head(site, prop) + dl([
        ("IRI", html("<code>{}</code>", str(prop))),
        ("Kind", ", ".join(sorted(kinds))),
        ("Domain", join((_expr(site, path, d) for d in view.objects(prop, RDFS.domain)), " and ")),
        ("Range", join((_expr(site, path, r) for r in view.objects(prop, RDFS.range)), " and ")),
        ("Sub-property of", site.terms(path, view.objects(prop, RDFS.subPropertyOf))),
        ("Sub-properties", site.terms(path, view.sub_properties(prop))),
        ("Inverse of", site.terms(path, inverse)),
        ("Uses in the data", html('{}<ul class="examples">{}</ul>', len(uses), examples)
         if uses else ""),
    ]) + Markup("</article>\n")


def scheme_entry(site: Site, path: str, scheme: Node) -> Markup:
    """A concept scheme and a table of its concepts with the data that uses them."""
    view = site.view
    anchor = term_anchor(scheme) or ""
    concepts = sorted(view.subjects(SKOS.inScheme, scheme),
                      key=lambda c: (view.text(c, SKOS.notation) or "", str(c)))
    rows = []
    for c in concepts:
        users = [s for s, _ in view.incoming(c) if str(s).startswith(DATA_NS)]
        rows.append((
            html('<span id="{}">{}</span>', term_anchor(c) or "", view.label(c)),
            html("<code>{}</code>", view.text(c, SKOS.notation) or ""),
            view.text(c, SKOS.definition) or "",
            site.terms(path, view.objects(c, SKOS.broader)),
            site.terms(path, view.subjects(SKOS.broader, c)),
            _examples(site, path, sorted(set(users), key=sort_key)),
        ))
    return html('<section class="scheme" id="{}"><h3>{} <code>{}</code></h3>\n<p>{}</p>\n{}'
                "</section>\n", anchor, view.label(scheme), str(scheme),
                view.text(scheme, DCTERMS.description) or "",
                table(("Concept", "Notation", "Definition", "Broader", "Narrower", "Used by"),
                      rows))
