"""The index page: what the dataset is, its numbers, downloads, licence, citation, changes and
example queries; and the list of every resource page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from markdown_it import MarkdownIt
from rdflib import URIRef

from ccbkg.core.namespaces import BASE, CCB, DCTERMS, ONTOLOGY_IRI, OWL, RDF, SKOS
from ccbkg.rdf.void import LICENSE
from ccbkg.site.context import Site
from ccbkg.site.links import INDEX_PAGE, ONTOLOGY_PAGE, SHAPES_PAGE, page_path
from ccbkg.site.markup import Page, esc, link, table, ul
from ccbkg.site.profile import fact_count
from ccbkg.site.view import DATA_NS, sort_key
from ccbkg.stores.site_server import media_type

RESOURCES_PAGE = "resources.html"
QUERY_FOLDER = "queries"
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


def downloads(path: str, artefacts: Mapping[str, bytes], prefix: str = "") -> str:
    """Links to the dist files whose name starts with prefix (the site sits in dist/site/)."""
    names = sorted(n for n in artefacts if n.startswith(prefix))
    up = "../" * path.count("/") + "../"
    return ", ".join(link(up + n, n.rsplit("/", 1)[-1]) for n in names)


def changes(markdown: str) -> str:
    """CHANGELOG.md as HTML under an h2: its own title dropped, headings one level down."""
    md = MarkdownIt("commonmark", {"html": False})
    tokens = md.parse(markdown)
    if len(tokens) >= 3 and tokens[0].type == "heading_open" and tokens[0].tag == "h1":
        tokens = tokens[3:]
    for t in tokens:
        if t.type in ("heading_open", "heading_close"):
            t.tag = f"h{min(int(t.tag[1]) + 1, 6)}"
    rendered: str = md.renderer.render(tokens, md.options, {})
    return rendered


def counts(site: Site, queries: int) -> list[tuple[str, int]]:
    """Headline numbers of the release."""
    view = site.view
    data = [n for n in view.data_nodes if "#" not in str(n)]
    data_triples = sum(len(vs) for n in view.data_nodes for vs in view.properties(n).values())
    return [
        ("facts and other described resources", len(data)),
        ("triples about them", data_triples),
        ("countries with a profile", len(site.profiles)),
        ("cited passages", len(view.instances(CCB.Passage))),
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


def index_page(site: Site, artefacts: Mapping[str, bytes], examples: list[Example],
               changelog: str | None, pictures: list[str], sources: list[URIRef]) -> Page:
    """The home page of the site."""
    path = INDEX_PAGE
    view = site.view
    onto = URIRef(ONTOLOGY_IRI)
    version = site.release.version
    profiles = ul(f"{site.term(path, c)} ({fact_count(site, c)} facts)" for c in site.profiles)
    source_links = ", ".join(site.term(path, s) for s in sources)
    body = [
        "<h1>Cyber capacity building knowledge graph</h1>\n",
        '<p class="lead">ccbkg is a linked-data knowledge graph of cyber capacity building: the '
        "strategies, CSIRTs and authorities, agreements, exercises, forums, programmes and "
        "funding, and positions of states, each fact cited to the exact passage of the source "
        "it comes from. It comes with an OWL ontology, SKOS vocabularies for every controlled "
        "list, SHACL shapes that check the data, and ready-made SPARQL queries.</p>\n",
        f'<p class="release">Release <strong>{esc(version)}</strong> of '
        f"{esc(site.release.issued)}. {link('#changes', 'What changed')}.</p>\n",
        '<h2 id="explore">Explore</h2>\n',
        "<h3>Country profiles</h3>\n" + profiles,
        "<h3>Reference</h3>\n" + ul([
            link(ONTOLOGY_PAGE, "Ontology reference") + ": every class, property and concept, "
            "with examples from the data",
            link(SHAPES_PAGE, "Shapes reference") + ": what the SHACL shapes require, in words",
            f"Source text: {source_links} with every cited passage highlighted",
            link(RESOURCES_PAGE, "All resources") + ": one page per resource of the graph",
        ]),
        '<h2 id="numbers">In numbers</h2>\n',
        table(("What", "How many"), [(esc(k), str(v)) for k, v in counts(site, len(examples))]),
        "<details><summary>Resources by class</summary>\n"
        + table(("Class", "Resources"), [(site.term(path, c), str(n))
                                         for c, n in class_counts(site)]) + "</details>\n",
    ]
    if pictures:
        body.append('<h2 id="pictures">Pictures</h2>\n' + "".join(pictures))
    body.append('<h2 id="downloads">Downloads</h2>\n')
    if artefacts:
        rows = [(link(f"../{name}", name), f"<code>{esc(media_type(name))}</code>",
                 esc(_size(len(blob)))) for name, blob in sorted(artefacts.items())]
        body.append("<p>Every file of this release. The ontology, vocabularies and data come in "
                    "Turtle, N-Triples, RDF/XML (ontology and vocabularies) and JSON-LD; "
                    "<code>ccbkg.trig</code> and <code>ccbkg.nq</code> hold everything in named "
                    "graphs; <code>SHA256SUMS</code> lists their checksums (the site itself is "
                    "not listed there).</p>\n" + table(("File", "Format", "Size"), rows))
    else:
        body.append("<p>This site was generated without the release files.</p>\n")
    body += [
        '<h2 id="licence">Licence</h2>\n',
        f"<p>The ontology, vocabularies, shapes and data are published under "
        f"{link(LICENSE, 'Creative Commons Attribution 4.0 International (CC BY 4.0)')}: you may "
        "share and adapt them for any purpose if you give appropriate credit. The ccbkg "
        "software is MIT-licensed.</p>\n",
        '<h2 id="cite">How to cite</h2>\n',
        f'<blockquote class="cite-as">{esc(view.text(onto, DCTERMS.bibliographicCitation) or "")}'
        "</blockquote>\n<p>Cite a single fact by its IRI (shown on its page) and the release "
        "version.</p>\n",
        '<h2 id="identifiers">Identifiers</h2>\n',
        f"<p>Every resource has a permanent IRI under <code>{esc(BASE)}</code>: the ontology "
        f"<code>{esc(ONTOLOGY_IRI)}</code>, its terms <code>{esc(str(CCB))}Term</code>, and the "
        f"data <code>{esc(DATA_NS)}&lt;type&gt;/&lt;key&gt;</code>. Through w3id.org an IRI "
        "gives this site to a browser and RDF to a program that asks for Turtle, RDF/XML, "
        "JSON-LD or N-Triples (HTTP content negotiation); each resource page links its own "
        "description in those formats.</p>\n",
        '<h2 id="changes">Version and changes</h2>\n',
        changes(changelog) if changelog else "<p>No changelog is shipped with this build.</p>\n",
        '<h2 id="queries">Example queries</h2>\n',
        f"<p>{len(examples)} SPARQL queries come with ccbkg. Run one with "
        "<code>ccbkg query run NAME</code>, or paste it into any SPARQL 1.1 endpoint "
        "loaded with <code>ccbkg.trig</code>.</p>\n",
    ]
    for ex in examples:
        params = ul(esc(p) for p in ex.params)
        body.append(
            f'<section class="query" id="query-{esc(ex.name)}"><h3>{esc(ex.title)}</h3>\n'
            f'<p class="question">{esc(ex.question)}</p>\n<p>{esc(ex.description)}</p>\n'
            + (f"<p>Parameters:</p>\n{params}" if params else "")
            + f'<details><summary>SPARQL ({link(f"{QUERY_FOLDER}/{ex.name}.rq", ex.name)}.rq)'
            f'</summary><pre class="sparql"><code>{esc(ex.text)}</code></pre></details>'
            "</section>\n")
    return Page(path, "Home", "".join(body),
                description="ccbkg: a linked-data knowledge graph of cyber capacity building.")


def resources_page(site: Site) -> Page:
    """Every resource page, grouped by class."""
    path = RESOURCES_PAGE
    view = site.view
    groups: dict[URIRef, list[URIRef]] = {}
    for iri in sorted(site.linker.pages):
        node = URIRef(iri)
        kinds = sorted(view.types(node), key=lambda t: (-len(view.ancestors(t)), str(t)))
        groups.setdefault(kinds[0] if kinds else URIRef(str(RDF.Resource)), []).append(node)
    body = ["<h1>All resources</h1>\n", f"<p>{len(site.linker.pages)} resources, each with a "
            "page at the path of its IRI.</p>\n"]
    for cls in sorted(groups, key=lambda c: view.label(c).lower()):
        items = sorted(groups[cls], key=lambda n: (view.label(n).lower(), sort_key(n)))
        anchor = str(cls).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        body.append(f'<h2 id="{esc(anchor)}">{esc(view.label(cls))} ({len(items)})</h2>\n'
                    + ul(link(page_path(str(n)), view.label(n)) for n in items))
    return Page(path, "All resources", "".join(body),
                description="Every resource of the ccbkg graph.")
