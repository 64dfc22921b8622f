"""The shapes reference: what each shape requires, in words, from its constraints and
messages (sh:message, sh:description, rdfs:comment)."""

from __future__ import annotations

import re

from markupsafe import Markup
from rdflib import Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ccbkg.checks.fastshacl import Unsupported
from ccbkg.checks.fastshacl.paths import sparql_path
from ccbkg.core.namespaces import DCTERMS, OWL, RDF, RDFS
from ccbkg.site.context import Site, literal
from ccbkg.site.links import SHAPES_IRI, SHAPES_NS, SHAPES_PAGE
from ccbkg.site.markup import Page, dl, html, join, table
from ccbkg.site.view import View, curie

NODE_KINDS = {SH.IRI: "an IRI", SH.Literal: "a literal", SH.BlankNode: "a blank node",
              SH.BlankNodeOrIRI: "an IRI or blank node", SH.BlankNodeOrLiteral:
              "a blank node or literal", SH.IRIOrLiteral: "an IRI or literal"}
COMPARISONS = ((SH.minInclusive, "at least"), (SH.minExclusive, "more than"),
               (SH.maxInclusive, "at most"), (SH.maxExclusive, "less than"))
PAIRS = ((SH.equals, "the same values as"), (SH.disjoint, "no value in common with"),
         (SH.lessThan, "less than each value of"),
         (SH.lessThanOrEquals, "at most each value of"))


class Describer:
    """Turns SHACL constraints into short English phrases (HTML)."""

    def __init__(self, site: Site, path: str) -> None:
        self.site = site
        self.shapes: View = site.shapes
        self.path = path

    def term(self, node: Node) -> Markup:
        """A term: ontology terms link to the ontology page."""
        if isinstance(node, Literal):
            return literal(node)
        if isinstance(node, URIRef) and self.site.linker.target(node) is not None:
            return self.site.term(self.path, node, short=True)
        return html("<code>{}</code>", curie(node))

    def path_words(self, p: Node) -> Markup:
        """A property path in SPARQL form, as `ccbkg check` shows it, each term linked."""
        try:
            # The terms come back as Markup; the path operators between them are plain
            # punctuation (/ ^ | * + ? and brackets), safe in HTML.
            return Markup(sparql_path(self.shapes.graph, p, name=self.term))
        except Unsupported:
            return html("{}", str(p))

    def constraints(self, shape: Node) -> list[Markup]:
        """The constraints of one shape (not its property shapes) as phrases."""
        s = self.shapes
        out: list[Markup] = []
        low, high = s.value(shape, SH.minCount), s.value(shape, SH.maxCount)
        if low is not None and high is not None and str(low) == str(high):
            out.append(html("exactly {} {}", str(low), _values(low)))
        else:
            if low is not None:
                out.append(html("at least {} {}", str(low), _values(low)))
            if high is not None:
                out.append(html("at most {} {}", str(high), _values(high)))
        for c in s.objects(shape, SH["class"]):
            out.append(html("each value is in the class {} (or a subclass)", self.term(c)))
        for d in s.objects(shape, SH.datatype):
            out.append(html("each value has datatype {}", self.term(d)))
        for k in s.objects(shape, SH.nodeKind):
            out.append(html("each value is {}", NODE_KINDS.get(URIRef(str(k)), curie(k))))
        for pattern in s.objects(shape, SH.pattern):
            flags = s.text(shape, SH.flags)
            out.append(html("matches the pattern <code>{}</code>{}", str(pattern),
                            f" (flags {flags})" if flags else ""))
        for lst in s.objects(shape, SH["in"]):
            out.append(html("one of {}", join((self.term(m) for m in s.items(lst)), ", ")))
        for v in s.objects(shape, SH.hasValue):
            out.append(html("has the value {}", self.term(v)))
        for lst in s.objects(shape, SH.languageIn):
            out.append(html("has the language tag {}", join(
                (html("<code>{}</code>", str(m)) for m in s.items(lst)), " or ")))
        if str(s.value(shape, SH.uniqueLang)).lower() == "true":
            out.append(Markup("at most one value per language"))
        for key, word in ((SH.minLength, "at least"), (SH.maxLength, "at most")):
            for n in s.objects(shape, key):
                out.append(html("{} {} characters long", word, str(n)))
        for key, word in COMPARISONS:
            for n in s.objects(shape, key):
                out.append(html("{} {}", word, self.term(n)))
        for key, word in PAIRS:
            for other in s.objects(shape, key):
                out.append(html("{} {}", word, self.path_words(other)))
        for n in s.objects(shape, SH.node):
            out.append(html("each value {}", self.inline(n)))
        for key, word in ((SH["or"], "at least one of"), (SH.xone, "exactly one of"),
                          (SH["and"], "all of")):
            for lst in s.objects(shape, key):
                options = [html("({})", self.inline(m)) for m in s.items(lst)]
                out.append(html("{}: {}", word, join(options, "; ")))
        for n in s.objects(shape, SH["not"]):
            out.append(html("must not: {}", self.inline(n)))
        for q in s.objects(shape, SH.qualifiedValueShape):
            qmin, qmax = s.value(shape, SH.qualifiedMinCount), s.value(shape, SH.qualifiedMaxCount)
            bounds = " and ".join(f"{w} {v}" for w, v in (("at least", qmin),
                                                          ("at most", qmax)) if v)
            out.append(html("{} {} that {}", bounds, _values(qmin or qmax), self.inline(q)))
        if str(s.value(shape, SH.closed)).lower() == "true":
            out.append(Markup("no properties other than those listed"))
        for sparql in s.objects(shape, SH.sparql):
            out.append(html("passes a SPARQL check{}", _query(s.text(sparql, SH.select) or
                                                               s.text(sparql, SH.ask) or "")))
        return out

    def inline(self, shape: Node) -> Markup:
        """A nested shape in one phrase about a value ("is a ...", "has ...")."""
        s = self.shapes
        if isinstance(shape, URIRef) and str(shape).startswith(SHAPES_NS):
            return html('conforms to <a href="#{}">{}</a>', local(shape), local(shape))
        phrases = [p.removeprefix("each value ") for p in self.constraints(shape)]
        for prop in s.objects(shape, SH.property):
            path = self.path_words(s.value(prop, SH.path) or prop)
            phrases.extend(_about(path, p) for p in self.constraints(prop))
        return join(phrases, ", ") or Markup("any value")

    def targets(self, shape: Node) -> list[Markup]:
        """What a node shape applies to."""
        s = self.shapes
        out = [html("every {} (and subclass)", self.term(c))
               for c in s.objects(shape, SH.targetClass)]
        out += [html("the node {}", self.term(n)) for n in s.objects(shape, SH.targetNode)]
        out += [html("every node that has a {}", self.term(p))
                for p in s.objects(shape, SH.targetSubjectsOf)]
        out += [html("every value of {}", self.term(p))
                for p in s.objects(shape, SH.targetObjectsOf)]
        for t in s.objects(shape, SH.target):
            name = s.label(t) if isinstance(t, URIRef) else "the nodes a SPARQL query selects"
            out.append(html('<a href="#{}">{}</a>', local(t), name) if isinstance(t, URIRef)
                       and str(t).startswith(SHAPES_NS) else html("{}", name))
        if s.is_a(shape, RDFS.Class) or s.is_a(shape, OWL.Class):
            out.append(html("every {}", self.term(shape)))
        return out


def _values(count: Node | None) -> str:
    return "value" if str(count) == "1" else "values"


def _about(path: Markup, phrase: Markup) -> Markup:
    """A constraint on a property of a value, as a phrase about the value."""
    if phrase.startswith(("at least", "at most", "exactly")):
        return html("has {} for {}", phrase, path)
    if phrase.startswith("has the value "):
        return html("has {} {}", path, phrase.removeprefix("has the value "))
    if phrase.startswith("each value "):
        return html("each {} value {}", path, phrase.removeprefix("each value "))
    return html("{}: {}", path, phrase)


def local(term: Node) -> str:
    """A shape's name in the shapes namespace (its anchor)."""
    return str(term)[len(SHAPES_NS):] if str(term).startswith(SHAPES_NS) else str(term)


def _query(text: str) -> Markup:
    if not text.strip():
        return Markup()
    return html('<details><summary>query</summary><pre class="sparql"><code>{}</code></pre>'
                "</details>", _dedent(text))


def _dedent(text: str) -> str:
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    return "\n".join(x[indent:] for x in lines)


def _severity(s: View, shape: Node) -> str:
    sev = s.value(shape, SH.severity)
    return curie(sev).removeprefix("sh:") if sev is not None else "Violation"


def shape_iris(shapes: View) -> set[str]:
    """The named shapes and SPARQL targets (each has an anchor on the shapes page)."""
    out: set[str] = set()
    for kind in (SH.NodeShape, SH.PropertyShape, SH.SPARQLTarget):
        out.update(str(n) for n in shapes.subjects(RDF.type, kind)
                   if isinstance(n, URIRef) and str(n).startswith(SHAPES_NS))
    return out


def shapes_page(site: Site, order: dict[str, int], downloads: str) -> Page:
    """The shapes reference page."""
    path = SHAPES_PAGE
    s = site.shapes
    words = Describer(site, path)
    header = URIRef(SHAPES_IRI)

    def ordered(kind: URIRef) -> list[Node]:
        return sorted((n for n in s.subjects(RDF.type, kind) if isinstance(n, URIRef)),
                      key=lambda n: (order.get(str(n), 1 << 30), str(n)))

    node_shapes = ordered(SH.NodeShape)
    targets = ordered(SH.SPARQLTarget)
    property_count = len([n for n in s.subjects(RDF.type, SH.PropertyShape)])
    emitted: set[str] = set()
    body = [
        Markup("<h1>Shapes reference</h1>\n"),
        html('<p class="lead">{}</p>\n', s.text(header, DCTERMS.description) or ""),
        dl([("Shapes IRI", html("<code>{}</code>", SHAPES_IRI)),
            ("Version", s.text(header, OWL.versionInfo) or ""),
            ("Downloads", downloads)]),
        html("<p>{} node shapes with {} property shapes. Each rule says what it requires and "
             "the message a curator gets when data breaks it (a word in <var>italics</var> "
             "stands for the value `ccbkg check` names there). Violations are errors; "
             "warnings and infos are advice.</p>\n", len(node_shapes), property_count),
        html('<h2 id="node-shapes">Node shapes</h2>\n<p class="term-index">{}</p>\n',
             join((html('<a href="#{}">{}</a>', local(n), local(n)) for n in node_shapes),
                  "\n")),
    ]
    for shape in node_shapes:
        anchor = local(shape)
        emitted.add(anchor)
        comment = " ".join(sorted(s.texts(shape, RDFS.comment))
                           + sorted(s.texts(shape, SH.description)))
        rules = words.constraints(shape)
        body.append(html(
            '<section class="shape" id="{}"><h3>{} <code>ccbsh:{}</code></h3>\n{}{}',
            anchor, s.label(shape), anchor, html("<p>{}</p>\n", comment) if comment else "",
            dl([("Applies to", join(words.targets(shape), "; ") or "only where another shape "
                 "refers to it"),
                ("Requires", join(rules, "; ")),
                ("Severity", _severity(s, shape)),
                ("Message", _message(s.text(shape, SH.message) or ""))])))
        rows = []
        for prop in sorted(s.objects(shape, SH.property),
                           key=lambda p: (order.get(str(p), 1 << 30), str(p))):
            name = local(prop) if isinstance(prop, URIRef) else ""
            cell = html("{}", name)
            if name and name not in emitted:
                emitted.add(name)
                cell = html('<span id="{}">{}</span>', name, name)
            requires = words.constraints(prop)
            description = s.text(prop, SH.description) or s.text(prop, RDFS.comment)
            rows.append((cell, words.path_words(s.value(prop, SH.path) or prop),
                         join(requires, ", ") + (html("<br><em>{}</em>", description)
                                                 if description else ""),
                         _severity(s, prop), _message(s.text(prop, SH.message) or "")))
        if rows:
            body.append(table(("Rule", "Path", "Requires", "Severity", "Message"), rows,
                              cls="data shapes-table"))
        body.append(Markup("</section>\n"))
    if targets:
        body.append(Markup('<h2 id="targets">SPARQL targets</h2>\n<p>Node sets that shapes apply '
                           "to, selected by a SPARQL query.</p>\n"))
        for t in targets:
            body.append(html('<section class="shape" id="{}"><h3>{} <code>ccbsh:{}</code></h3>\n'
                             "<p>{}</p>\n{}</section>\n", local(t), s.label(t), local(t),
                             s.text(t, RDFS.comment) or "", _query(s.text(t, SH.select) or "")))
    return Page(path, "Shapes reference", join(body),
                description="What the ccbkg SHACL shapes require, in words.")


_PLACEHOLDER = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


def _message(text: str) -> Markup:
    """A shape's message with each {?name} (a value the validator fills in) as <var>name</var>,
    not as the raw placeholder."""
    parts = _PLACEHOLDER.split(text)  # text, name, text, name, ..., text
    return join(html("{}", part) if i % 2 == 0 else html("<var>{}</var>", part)
                for i, part in enumerate(parts))
