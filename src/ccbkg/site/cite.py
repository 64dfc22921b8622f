"""How to cite: a source document's bibliographic record, and the "Cite this" box of every
resource page (a citation string and BibTeX, with the persistent IRI and the passages)."""

from __future__ import annotations

import re

from markupsafe import Markup
from rdflib import URIRef
from rdflib.term import Node

from ccbkg.core.namespaces import CCB, DCTERMS, OA, ONTOLOGY_IRI, SCHEMA
from ccbkg.site.context import Site, shorten
from ccbkg.site.markup import dl, html, join, link
from ccbkg.site.view import DATA_NS

# The bibliographic fields of a source document, in the order a reference gives them.
BIBLIOGRAPHIC = ((DCTERMS.title, "Title"), (DCTERMS.creator, "Author"),
                 (DCTERMS.publisher, "Publisher"), (DCTERMS.issued, "Published"),
                 (DCTERMS.date, "Date"), (DCTERMS.source, "Web address"),
                 (SCHEMA.url, "Web address"), (DCTERMS.identifier, "Identifier"),
                 (DCTERMS.language, "Language"), (DCTERMS.format, "Format"),
                 (CCB.fileName, "File"), (CCB.sha256, "SHA-256 of the file"))
GRAPH = "Cyber Capacity Building Knowledge Graph (ccbkg)"
_BIBTEX_SPECIAL = re.compile(r"([\\{}%&#$_~^])")


# Who wrote a source, who published it, when and where: said to be unrecorded when the data
# gives none of a pair ("says who?" is a reader's first question).
ASKED = (("Author", (DCTERMS.creator,)), ("Publisher", (DCTERMS.publisher,)),
         ("Published", (DCTERMS.issued, DCTERMS.date)),
         ("Web address", (DCTERMS.source, SCHEMA.url)))


def bibliography(site: Site, path: str, doc: Node) -> Markup:
    """The bibliographic record of a source document, as a description list; the author,
    publisher, date and web address said to be unrecorded where the data gives none."""
    view = site.view
    pairs = []
    for p, name in BIBLIOGRAPHIC:
        values = sorted(view.objects(doc, p), key=str)
        if values:
            pairs.append((name, join((_field(site, path, v) for v in values), "; ")))
    for name, props in ASKED:
        if not any(view.value(doc, p) is not None for p in props):
            pairs.append((name, Markup('<span class="none">not recorded</span>')))
    return dl(pairs)


def _field(site: Site, path: str, value: Node) -> Markup:
    text = str(value)
    if text.startswith(("http://", "https://")):
        return link(text, text)
    return site.term(path, value) if isinstance(value, URIRef) else html("{}", text)


Evidence = list[tuple[str, list[str]]]  # each source's title and the passages cited from it


def citation(site: Site, iri: URIRef, who: str, evidence: Evidence) -> str:
    """One line that cites a resource: who, what, which release, the IRI and the passages."""
    release = site.release
    text = (f"{who} ({release.issued[:4]}). {site.view.label(iri)}. In: {GRAPH}, release "
            f"{release.version} of {release.issued}. {iri}")
    for source, quotes in evidence:
        text += f'. Source: {source}, {"; ".join(quotes)}'
    return text + "."


def bibtex(site: Site, iri: URIRef, who: str, evidence: Evidence) -> str:
    """A BibTeX @misc entry for a resource."""
    view = site.view
    release = site.release
    key = "ccbkg-" + re.sub(r"[^A-Za-z0-9-]+", "-", str(iri).removeprefix(DATA_NS)).strip("-")
    note = "; ".join(f"source: {source}, {'; '.join(quotes)}"
                     for source, quotes in evidence)
    fields = [("author", f"{{{_bib(who)}}}"), ("title", _bib(view.label(iri))),
              ("howpublished", _bib(f"{GRAPH}, release {release.version}")),
              ("year", release.issued[:4]), ("date", release.issued), ("url", str(iri))]
    if note:
        fields.append(("note", _bib(note)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}"


def _bib(text: str) -> str:
    return _BIBTEX_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _evidence(site: Site, iri: URIRef) -> Evidence:
    """The sources a resource cites: each source's title and the passages' IRIs and words."""
    view = site.view
    by_source: dict[str, list[str]] = {}
    for passage in site.passages(iri):
        source = view.value(passage, OA.hasSource)
        title = (view.text(source, DCTERMS.title) or view.label(source)) if source is not None \
            else "source not given"
        offsets = site.offsets(passage)
        at = f", characters {offsets[0]}–{offsets[1]}" if offsets else ""
        by_source.setdefault(title, []).append(
            f"passage {passage}{at}: “{shorten(site.exact(passage) or view.label(passage), 160)}”")
    return sorted(by_source.items())


def cite_box(site: Site, iri: URIRef, level: int = 2, anchor: str = "cite") -> Markup:
    """The "Cite this resource" section of a resource page (id `anchor`: a country, an
    organisation, a source), or "Cite this fact" of a fact's section on a country's page of
    facts (no id), headed at level."""
    label = site.view.label(iri)
    who = site.view.text(URIRef(ONTOLOGY_IRI), DCTERMS.creator) or "ccbkg contributors"
    evidence = _evidence(site, iri)
    kind = "resource" if anchor else "fact"
    return html('<section class="cite-box"{}><h{}>Cite this {}</h{}>\n'
                '<p>Persistent IRI: <code class="iri">{}</code></p>\n'
                '<p class="citation">{}</p>\n<details><summary>BibTeX for “{}”</summary>'
                '<pre class="bibtex"><code>{}</code></pre></details></section>\n',
                html(' id="{}"', anchor) if anchor else "", level, kind, level, str(iri),
                citation(site, iri, who, evidence), label, bibtex(site, iri, who, evidence))
