"""The index page: what the dataset is, its numbers, downloads, licence, citation, changes and
example queries; and the list of every resource page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markupsafe import Markup
from rdflib import URIRef

from ccbkg.core.file_types import media_type
from ccbkg.core.namespaces import BASE, CCB, DCTERMS, ONTOLOGY_IRI, OWL, RDF, SKOS
from ccbkg.core.termtext import counted
from ccbkg.rdf.void import LICENSE
from ccbkg.site.cite import bibliography
from ccbkg.site.context import Site
from ccbkg.site.links import INDEX_PAGE, ONTOLOGY_PAGE, SHAPES_PAGE, node_target
from ccbkg.site.markup import Page, html, join, link, table, ul
from ccbkg.site.profile import fact_count
from ccbkg.site.source_page import passage_count
from ccbkg.site.view import DATA_NS, sort_key

RESOURCES_PAGE = "resources.html"
COUNTRIES_PAGE = "countries.html"
SOURCES_PAGE = "sources.html"
QUERY_FOLDER = "queries"
PREVIEW = 12  # countries listed on the home page; the rest are on the Countries page
@dataclass(frozen=True)
class Example:
    """A bundled query as the index shows it."""

    name: str
    title: str
    question: str
    description: str
    params: list[str]
    text: str


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 1024 / 1024:.1f} MiB"


def downloads(path: str, artefacts: Mapping[str, bytes], prefix: str = "") -> Markup:
    """Links to the dist files whose name starts with prefix (the site sits in dist/site/)."""
    names = sorted(n for n in artefacts if n.startswith(prefix))
    up = "../" * path.count("/") + "../"
    return join((link(up + n, n.rsplit("/", 1)[-1]) for n in names), ", ")


def release_words(site: Site, changelog: str | None) -> str:
    """The release as its changelog section heads it ("0.1.0 — 2026-11-26 (unreleased)"), so
    that the site and the changelog say the same; the ontology's version and date without one."""
    version = site.release.version
    for line in (changelog or "").splitlines():
        heading = line.removeprefix("## ").strip()
        if line.startswith("## ") and heading.split(" ", 1)[0].strip("[]") == version:
            return heading
    return f"{version} of {site.release.issued} (not in the changelog)"


def changes(markdown: str) -> Markup:
    """CHANGELOG.md as HTML under an h2: its own title dropped, headings one level down."""
    md = MarkdownIt("commonmark", {"html": False})
    tokens = md.parse(markdown)
    if len(tokens) >= 3 and tokens[0].type == "heading_open" and tokens[0].tag == "h1":
        tokens = tokens[3:]
    for t in tokens:
        if t.type in ("heading_open", "heading_close"):
            t.tag = f"h{min(int(t.tag[1]) + 1, 6)}"
    rendered: str = md.renderer.render(tokens, md.options, {})
    return Markup(rendered)  # markdown-it escapes the text; raw HTML is switched off


def counts(site: Site, queries: int) -> list[tuple[str, int]]:
    """Headline numbers of the release."""
    view = site.view
    data = [n for n in view.data_nodes if "#" not in str(n)]
    data_triples = sum(len(vs) for n in view.data_nodes for vs in view.properties(n).values())
    named = len([c for c in view.instances(CCB.Country) if str(c).startswith(DATA_NS)])
    return [
        (f"countries with a profile (of {named} the sources name)", len(site.profiles)),
        ("facts in their profiles", sum(fact_count(site, c) for c in site.profiles)),
        ("source documents they rest on", len(view.instances(CCB.SourceDocument))),
        ("cited passages of them", len(view.instances(CCB.Passage))),
        ("resources described in all (facts, countries, bodies, passages, sources)",
         len(data)),
        ("statements about them (RDF triples)", data_triples),
        ("ontology classes", len([c for c in view.subjects(RDF.type, OWL.Class)
                                  if str(c).startswith(str(CCB))])),
        ("controlled values (SKOS concepts)", len(view.instances(SKOS.Concept))),
        ("bundled queries", queries),
    ]


def class_counts(site: Site) -> list[tuple[URIRef, int]]:
    """How many data resources have each (asserted) class."""
    found: Counter[URIRef] = Counter()
    for n in site.view.data_nodes:
        if "#" in str(n):
            continue
        for t in site.view.types(n):
            found[t] += 1
    return sorted(found.items(), key=lambda kv: (-kv[1], site.view.label(kv[0]).lower()))


# The home page's sections, listed at its top: on a phone the example queries come some fifty
# screens down, after the downloads and the changes.
# In the order the page has them (a test holds the two to each other).
HOME_SECTIONS = (("explore", "Explore"), ("numbers", "In numbers"), ("pictures", "Pictures"),
                 ("queries", "Example queries"), ("downloads", "Downloads"),
                 ("cite", "How to cite"), ("licence", "Licence"), ("identifiers", "Identifiers"),
                 ("changes", "Version and changes"))


def index_page(site: Site, artefacts: Mapping[str, bytes], examples: list[Example],
               changelog: str | None, pictures: list[Markup], sources: list[URIRef]) -> Page:
    """The home page of the site."""
    path = INDEX_PAGE
    view = site.view
    onto = URIRef(ONTOLOGY_IRI)
    profiles = ul(html("{} ({} facts)", site.term(path, c), fact_count(site, c))
                  for c in site.profiles[:PREVIEW])
    if len(site.profiles) > PREVIEW:
        profiles += html("<p>{}</p>\n", link(COUNTRIES_PAGE, f"All {len(site.profiles)} "
                                              "countries"))
    body = [
        Markup("<h1>Cyber capacity building knowledge graph</h1>\n"),
        Markup('<p class="lead">ccbkg is a linked-data knowledge graph of cyber capacity '
               "building: the strategies, CSIRTs and authorities, agreements, exercises, "
               "forums, programmes and funding, and positions of states, each fact cited to "
               "the exact passage of the source it comes from. It comes with an OWL ontology, "
               "SKOS vocabularies for every controlled list, SHACL shapes that check the data, "
               "and ready-made SPARQL queries.</p>\n"),
        html('<p class="release">Release <strong>{}</strong>. {}.</p>\n',
             release_words(site, changelog), link("#changes", "What changed")),
        html('<nav aria-label="On this page" class="toc">{}</nav>\n', ul(
            link(f"#{anchor}", words) for anchor, words in HOME_SECTIONS)),
        Markup('<h2 id="explore">Explore</h2>\n'),
        html("<h3>Country profiles</h3>\n{}", profiles),
        html("<h3>Across countries</h3>\n{}", ul([
            link("comparison.html", "Compare countries") + ": every country side by side, "
            "aspect by aspect (strategies, CSIRTs, agreements, forums, norms)",
            link("frameworks.html", "Facts by framework") + ": the facts under each theme of "
            "the GFCE, the Oxford CMM and the ITU GCI, and under each OSCE confidence-building "
            "measure",
            link("as-of.html", "What held when") + ": what the sources date by the end of each "
            "year, and what they leave undated",
        ])),
        html("<h3>Reference</h3>\n{}", ul([
            link(ONTOLOGY_PAGE, "Ontology reference") + ": every class, property and concept, "
            "with examples from the data",
            link(SHAPES_PAGE, "Shapes reference") + ": what the SHACL shapes require, in words",
            html("{}: {}, each with its bibliographic record and its text with every cited "
                 "passage highlighted", link(SOURCES_PAGE, "Sources"),
                 counted(len(sources), "cited document")),
            link(RESOURCES_PAGE, "All resources") + ": every resource of the graph, on its "
            "country's page of facts or a page of its own",
        ])),
        Markup('<h2 id="numbers">In numbers</h2>\n'),
        table(("What", "How many"), [(k, f"{v:,}") for k, v in counts(site, len(examples))]),
        html("<details><summary>Resources by class</summary>\n{}</details>\n",
             table(("Class", "Resources"), [(site.term(path, c), f"{n:,}")
                                            for c, n in class_counts(site)])),
    ]
    if pictures:
        body.append(html('<h2 id="pictures">Pictures</h2>\n{}', join(pictures)))
    body.append(html('<h2 id="queries">Example queries</h2>\n<p>{} SPARQL queries come with '
                     "ccbkg. Run one with <code>ccbkg query run NAME</code>, or paste it into "
                     "any SPARQL 1.1 endpoint loaded with <code>ccbkg.trig</code>.</p>\n",
                     len(examples)))
    for ex in examples:
        params = ul(ex.params)
        body.append(html(
            '<section class="query" id="query-{}"><h3>{}</h3>\n<p class="question">{}</p>\n'
            "<p>{}</p>\n{}<p>The query: {}.rq</p><details><summary>Show the SPARQL</summary>"
            '<pre class="sparql"><code>{}</code></pre></details></section>\n',
            ex.name, ex.title, ex.question, ex.description,
            html("<p>Parameters:</p>\n{}", params) if params else "",
            link(f"{QUERY_FOLDER}/{ex.name}.rq", ex.name), ex.text))
    body.append(Markup('<h2 id="downloads">Downloads</h2>\n'))
    if artefacts:
        rows = [(link(f"../{name}", name), html("<code>{}</code>", media_type(name)),
                 _size(len(blob))) for name, blob in sorted(artefacts.items())]
        body.append(html("<p>Every file of this release. The ontology, vocabularies and data "
                         "come in Turtle, N-Triples, RDF/XML (ontology and vocabularies) and "
                         "JSON-LD; <code>ccbkg.trig</code> and <code>ccbkg.nq</code> hold "
                         "everything in named graphs; <code>SHA256SUMS</code> lists their "
                         "checksums (the site itself is not listed there).</p>\n"
                         "<details><summary>The {} files</summary>\n{}</details>\n",
                         len(rows), table(("File", "Format", "Size"), rows)))
    else:
        body.append(Markup("<p>This site was generated without the release files.</p>\n"))
    body += [
        html('<h2 id="cite">How to cite</h2>\n<blockquote class="cite-as">{}</blockquote>\n'
             "<p>Cite a single fact by its IRI (shown on its page) and the release version: "
             'every resource page has a "Cite this" box with the text and BibTeX.</p>\n',
             view.text(onto, DCTERMS.bibliographicCitation) or ""),
        html('<h2 id="licence">Licence</h2>\n<p>The ontology, vocabularies, shapes and data are '
             "published under {}: you may share and adapt them for any purpose if you give "
             "appropriate credit. The ccbkg software is MIT-licensed.</p>\n",
             link(LICENSE, "Creative Commons Attribution 4.0 International (CC BY 4.0)")),
        html('<h2 id="identifiers">Identifiers</h2>\n<p>Every resource has a permanent IRI under '
             "<code>{}</code>: the ontology <code>{}</code>, its terms <code>{}Term</code>, and "
             "the data <code>{}&lt;type&gt;/&lt;key&gt;</code>. Through w3id.org an IRI gives "
             "this site to a browser and RDF to a program that asks for Turtle, RDF/XML, "
             "JSON-LD or N-Triples (HTTP content negotiation); each resource page links its own "
             "description in those formats.</p>\n", BASE, ONTOLOGY_IRI, str(CCB), DATA_NS),
        Markup('<h2 id="changes">Version and changes</h2>\n'),
        html("<p>This is release {}.</p>\n<details><summary>The changelog</summary>\n{}"
             "</details>\n", release_words(site, changelog), changes(changelog))
        if changelog else Markup("<p>No changelog is shipped with this build.</p>\n"),
    ]
    return Page(path, "Home", join(body),
                description="ccbkg: a linked-data knowledge graph of cyber capacity building.")


def countries_page(site: Site) -> Page:
    """Every country with a profile, with how many facts it has (the navigation's Countries)."""
    path = COUNTRIES_PAGE
    view = site.view
    rows = [(site.term(path, c), view.text(c, CCB.iso3166Alpha3) or "",
             str(fact_count(site, c))) for c in site.profiles]
    return Page(path, "Countries", html(
        "<h1>Countries</h1>\n<p>{} countries have a profile: every fact about them by kind, "
        "each cited to its passage.</p>\n{}", len(rows),
        table(("Country", "ISO 3166-1 alpha-3", "Facts"), rows)),
        description="Every country profile of the ccbkg graph.")


def sources_page(site: Site, sources: list[URIRef]) -> Page:
    """Every cited source document with its bibliographic record (the navigation's Sources)."""
    path = SOURCES_PAGE
    view = site.view
    body = [html("<h1>Sources</h1>\n<p>{} {} cited. Each fact of the graph quotes the passage "
                 "of {} that it rests on.</p>\n", counted(len(sources), "document"),
                 "is" if len(sources) == 1 else "are", "it" if len(sources) == 1 else
                 "one of them")]
    for doc in sources:
        body.append(html('<section class="query"><h2>{}</h2>\n{}<p>{}.</p>\n'
                         "{}</section>\n", site.term(path, doc),
                         html('<p class="lead">{}</p>\n', view.text(doc, DCTERMS.description))
                         if view.text(doc, DCTERMS.description) else "",
                         counted(passage_count(site, doc), "cited passage"),
                         bibliography(site, path, doc)))
    return Page(path, "Sources", join(body),
                description="The documents the ccbkg graph cites, with their records.")


def resources_page(site: Site) -> Page:
    """Every resource page, grouped by class."""
    path = RESOURCES_PAGE
    view = site.view
    groups: dict[URIRef, list[URIRef]] = {}
    for iri in sorted(site.linker.pages):
        node = URIRef(iri)
        kinds = sorted(view.types(node), key=lambda t: (-len(view.ancestors(t)), str(t)))
        groups.setdefault(kinds[0] if kinds else URIRef(str(RDF.Resource)), []).append(node)
    body = [html("<h1>All resources</h1>\n<p>{} resources: a country's facts are sections of "
                 "its page of facts, every other resource has a page of its own.</p>\n",
                 len(site.linker.pages))]
    for cls in sorted(groups, key=lambda c: view.label(c).lower()):
        items = sorted(groups[cls], key=lambda n: (view.label(n).lower(), sort_key(n)))
        anchor = str(cls).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        body.append(html('<h2 id="{}">{} ({})</h2>\n{}', anchor, view.label(cls), len(items),
                         ul(link(node_target(str(n)), view.label(n)) for n in items)))
    return Page(path, "All resources", join(body),
                description="Every resource of the ccbkg graph.")


