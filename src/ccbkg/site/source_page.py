"""The source text with every cited passage anchored and highlighted, overlaps included.

Passages may overlap, so they cannot be nested elements. The text is cut at every passage
start and end; each piece is one <mark> that names, by class, every passage covering it, and
a numbered marker with the passage's id stands where the passage starts. All markers and
pieces are siblings, so `#passage-x:target ~ .c-n` highlights the whole targeted passage
with CSS alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from markupsafe import Markup
from rdflib import URIRef
from rdflib.term import Node

from ccbkg.core.namespaces import CCB, OA
from ccbkg.site.cite import bibliography
from ccbkg.site.context import Site, passage_anchor, shorten
from ccbkg.site.links import relative
from ccbkg.site.markup import html, join, link
from ccbkg.site.view import sort_key

TEXT_FOLDER = "sources"


@dataclass(frozen=True)
class Placed:
    """A passage with its number and offsets in the text."""

    number: int
    passage: URIRef
    start: int
    end: int
    matches: bool  # the text at the offsets is the passage's exact quote

    @property
    def anchor(self) -> str:
        """The passage's id on the page."""
        return passage_anchor(self.passage)


def source_text(site: Site, doc: URIRef) -> str | None:
    """The text of a source document, when its file is shipped."""
    name = site.view.text(doc, CCB.fileName)
    data = site.texts.get(name or "")
    return data.decode("utf-8") if data is not None else None


def place(site: Site, doc: URIRef, text: str) -> tuple[list[Placed], list[URIRef]]:
    """The passages of a document that fit in its text (numbered in text order), and the
    ones whose offsets do not."""
    fits: list[tuple[int, int, URIRef]] = []
    misfits: list[URIRef] = []
    for p in sorted(site.view.subjects(OA.hasSource, doc), key=sort_key):
        if not isinstance(p, URIRef):
            continue
        offsets = site.offsets(p)
        if offsets is None or not 0 <= offsets[0] < offsets[1] <= len(text):
            misfits.append(p)
        else:
            fits.append((offsets[0], offsets[1], p))
    fits.sort(key=lambda f: (f[0], -f[1], str(f[2])))
    placed = [Placed(n, p, start, end, text[start:end] == (site.exact(p) or ""))
              for n, (start, end, p) in enumerate(fits, start=1)]
    return placed, misfits


def highlighted(text: str, placed: list[Placed]) -> tuple[Markup, str]:
    """The text as HTML with markers and highlights, and the CSS that lights a target up.

    One sweep over the cut points: the passages covering a piece are those started and not
    yet ended, so long texts with many passages stay linear in practice."""
    cuts = sorted({0, len(text)} | {p.start for p in placed} | {p.end for p in placed})
    starting: dict[int, list[Placed]] = {}
    ending: dict[int, list[Placed]] = {}
    for p in placed:
        starting.setdefault(p.start, []).append(p)
        ending.setdefault(p.end, []).append(p)
    active: dict[int, Placed] = {}
    out: list[Markup] = []
    for a, b in pairwise(cuts):
        for p in ending.get(a, []):
            active.pop(p.number, None)
        for p in starting.get(a, []):
            active[p.number] = p
            out.append(html('<a class="pm" id="{0}" href="#about-{0}" aria-label="Passage {1} '
                            'starts here">{1}</a>', p.anchor, p.number))
        piece = text[a:b]
        if active:
            numbers = sorted(active)
            classes = " ".join(f"c-{n}" for n in numbers)
            noun = "Passage" if len(numbers) == 1 else "Passages"
            out.append(html('<mark class="hl d{} {}" title="{} {}">{}</mark>',
                            min(len(numbers), 3), classes, noun, ", ".join(map(str, numbers)),
                            piece))
        else:
            out.append(html("{}", piece))
    css = "\n".join(f'[id="{p.anchor}"]:target ~ .c-{p.number} {{ background: var(--target); '
                    "outline: 2px solid var(--target-edge); }" for p in placed)
    return join(out), css


def overlaps(placed: list[Placed]) -> int:
    """How many pairs of passages overlap (placed is in text order)."""
    count = 0
    ends: list[int] = []
    for p in placed:
        ends = [e for e in ends if e > p.start]
        count += len(ends)
        ends.append(p.end)
    return count


def source_section(site: Site, path: str, doc: URIRef) -> Markup:
    """The source document's text and the list of its passages with the facts citing them."""
    name = site.view.text(doc, CCB.fileName) or ""
    record = html('<h2 id="bibliographic">Bibliographic record</h2>\n{}',
                  bibliography(site, path, doc))
    text = source_text(site, doc)
    if text is None:
        return record + html('<h2 id="text">Text</h2>\n<p>The text file <code>{}</code> is '
                             "not shipped with this build.</p>\n", name)
    placed, misfits = place(site, doc, text)
    html_text, css = highlighted(text, placed)
    overlapping = overlaps(placed)
    download = relative(path, f"{TEXT_FOLDER}/{name}")
    parts = [
        record,
        html('<h2 id="text">Text</h2>\n<p>{} characters; {} cited passages are highlighted{}. '
             "A number marks where a passage starts; follow it to the facts that cite the "
             "passage; the passage you came from is lit up in orange. {}.</p>\n",
             len(text), len(placed),
             f" ({overlapping} pairs overlap: the highlight is darker where they do)"
             if overlapping else "", link(download, "Download the plain text")),
        # The CSS is made of passage anchors, which are IRI paths (no "<" can close the tag).
        html("<style>\n{}\n</style>\n", Markup(css.replace("<", "\\3c "))) if css else "",
        html('<div class="source-text">{}</div>\n', html_text),
        Markup('<h2 id="passages">Passages and the facts citing them</h2>\n'
               '<ol class="passage-list">\n'),
    ]
    for p in placed:
        citing = sorted({s for s in site.view.subjects(CCB.citesPassage, p.passage)},
                        key=lambda s: (site.view.label(s).lower(), sort_key(s)))
        facts = join((site.term(path, s) for s in citing), ", ") or "none"
        warn = "" if p.matches else Markup(' <strong class="warn">The text at these offsets is '
                                           "not the passage's quote.</strong>")
        parts.append(html(
            '<li id="about-{0}" value="{1}"><p>{2} · <a href="#{0}">show in text</a> · '
            'characters {3}–{4}{5}</p>\n<q class="quote">{6}</q>\n<p>Cited by: {7}</p></li>\n',
            p.anchor, p.number, site.term(path, p.passage), p.start, p.end, warn,
            shorten(site.exact(p.passage) or "", 200), facts))
    parts.append(Markup("</ol>\n"))
    if misfits:
        parts.append(html("<p>Passages whose offsets do not fit the text: {}.</p>\n",
                          join((site.term(path, m) for m in misfits), ", ")))
    return join(parts)


def cited_documents(site: Site) -> list[URIRef]:
    """The source documents of the graph."""
    return [d for d in site.view.instances(CCB.SourceDocument) if isinstance(d, URIRef)]


def passage_count(site: Site, doc: Node) -> int:
    """How many passages a document has."""
    return len(site.view.subjects(OA.hasSource, doc))
