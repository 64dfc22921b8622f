"""The shapes reference: what each shape requires, in words, from its constraints and
messages (sh:message, sh:description, rdfs:comment)."""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ccbkg.checks.fastshacl import Unsupported
from ccbkg.checks.fastshacl.paths import sparql_path
from ccbkg.core.namespaces import DCTERMS, OWL, RDF, RDFS
from ccbkg.site.context import Site, literal
from ccbkg.site.links import SHAPES_IRI, SHAPES_NS, SHAPES_PAGE
from ccbkg.site.markup import Page, dl, esc, table
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

    def term(self, node: Node) -> str:
        """A term: ontology terms link to the ontology page."""
        if isinstance(node, Literal):
            return literal(node)
        if isinstance(node, URIRef) and self.site.linker.target(node) is not None:
            return self.site.term(self.path, node, short=True)
        return f"<code>{esc(curie(node))}</code>"

    def path_words(self, p: Node) -> str:
        """A property path in SPARQL form, as `ccbkg check` shows it, each term linked."""
        try:
            return sparql_path(self.shapes.graph, p, name=self.term)
        except Unsupported:
            return esc(str(p))

    def constraints(self, shape: Node) -> list[str]:
        """The constraints of one shape (not its property shapes) as phrases."""
        s = self.shapes
        out: list[str] = []
        low, high = s.value(shape, SH.minCount), s.value(shape, SH.maxCount)
        if low is not None and high is not None and str(low) == str(high):
            out.append(f"exactly {esc(str(low))} value{'s' if str(low) != '1' else ''}")
        else:
            if low is not None:
                out.append(f"at least {esc(str(low))} value{'s' if str(low) != '1' else ''}")
            if high is not None:
                out.append(f"at most {esc(str(high))} value{'s' if str(high) != '1' else ''}")
        for c in s.objects(shape, SH["class"]):
            out.append(f"each value is a {self.term(c)} (or a subclass)")
        for d in s.objects(shape, SH.datatype):
            out.append(f"each value has datatype {self.term(d)}")
        for k in s.objects(shape, SH.nodeKind):
            out.append(f"each value is {NODE_KINDS.get(URIRef(str(k)), esc(curie(k)))}")
        for pattern in s.objects(shape, SH.pattern):
            flags = s.text(shape, SH.flags)
            out.append(f"matches the pattern <code>{esc(str(pattern))}</code>"
                       + (f" (flags {esc(flags)})" if flags else ""))
        for lst in s.objects(shape, SH["in"]):
            out.append("one of " + ", ".join(self.term(m) for m in s.items(lst)))
        for v in s.objects(shape, SH.hasValue):
            out.append(f"has the value {self.term(v)}")
        for lst in s.objects(shape, SH.languageIn):
            out.append("has the language tag " + " or ".join(f"<code>{esc(str(m))}</code>"
                                                             for m in s.items(lst)))
        if str(s.value(shape, SH.uniqueLang)).lower() == "true":
            out.append("at most one value per language")
        for key, word in ((SH.minLength, "at least"), (SH.maxLength, "at most")):
            for n in s.objects(shape, key):
                out.append(f"{word} {esc(str(n))} characters long")
        for key, word in COMPARISONS:
            for n in s.objects(shape, key):
                out.append(f"{word} {self.term(n)}")
        for key, word in PAIRS:
            for other in s.objects(shape, key):
                out.append(f"{word} {self.path_words(other)}")
        for n in s.objects(shape, SH.node):
            out.append(f"each value {self.inline(n)}")
        for key, word in ((SH["or"], "at least one of"), (SH.xone, "exactly one of"),
                          (SH["and"], "all of")):
            for lst in s.objects(shape, key):
                options = [self.inline(m) for m in s.items(lst)]
                out.append(f"{word}: " + "; ".join(f"({o})" for o in options))
        for n in s.objects(shape, SH["not"]):
            out.append(f"must not: {self.inline(n)}")
        for q in s.objects(shape, SH.qualifiedValueShape):
            qmin, qmax = s.value(shape, SH.qualifiedMinCount), s.value(shape, SH.qualifiedMaxCount)
            bounds = " and ".join(f"{w} {esc(str(v))}" for w, v in (("at least", qmin),
                                                                    ("at most", qmax)) if v)
            out.append(f"{bounds} value{'s' if str(qmin or qmax) != '1' else ''} that "
                       f"{self.inline(q)}")
        if str(s.value(shape, SH.closed)).lower() == "true":
            out.append("no properties other than those listed")
        for sparql in s.objects(shape, SH.sparql):
            out.append("passes a SPARQL check" + _query(s.text(sparql, SH.select) or
                                                        s.text(sparql, SH.ask) or ""))
        return out

    def inline(self, shape: Node) -> str:
        """A nested shape in one phrase about a value ("is a ...", "has ...")."""
        s = self.shapes
        if isinstance(shape, URIRef) and str(shape).startswith(SHAPES_NS):
            return f'conforms to <a href="#{esc(local(shape))}">{esc(local(shape))}</a>'
        phrases = [p.removeprefix("each value ") for p in self.constraints(shape)]
        for prop in s.objects(shape, SH.property):
            path = self.path_words(s.value(prop, SH.path) or prop)
            phrases.extend(_about(path, p) for p in self.constraints(prop))
        return ", ".join(phrases) or "any value"

    def targets(self, shape: Node) -> list[str]:
        """What a node shape applies to."""
        s = self.shapes
        out = [f"every {self.term(c)} (and subclass)" for c in s.objects(shape, SH.targetClass)]
        out += [f"the node {self.term(n)}" for n in s.objects(shape, SH.targetNode)]
        out += [f"every node that has a {self.term(p)}"
                for p in s.objects(shape, SH.targetSubjectsOf)]
        out += [f"every value of {self.term(p)}" for p in s.objects(shape, SH.targetObjectsOf)]
        for t in s.objects(shape, SH.target):
            name = s.label(t) if isinstance(t, URIRef) else "the nodes a SPARQL query selects"
            anchor = f'<a href="#{esc(local(t))}">{esc(name)}</a>' if isinstance(t, URIRef) \
                and str(t).startswith(SHAPES_NS) else esc(name)
            out.append(anchor)
        if s.is_a(shape, RDFS.Class) or s.is_a(shape, OWL.Class):
            out.append(f"every {self.term(shape)}")
        return out


def _about(path: str, phrase: str) -> str:
    """A constraint on a property of a value, as a phrase about the value."""
    if phrase.startswith(("at least", "at most", "exactly")):
        return f"has {phrase} for {path}"
    if phrase.startswith("has the value "):
        return f"has {path} {phrase.removeprefix('has the value ')}"
    if phrase.startswith("each value "):
        return f"each {path} value {phrase.removeprefix('each value ')}"
    return f"{path}: {phrase}"


def local(term: Node) -> str:
    """A shape's name in the shapes namespace (its anchor)."""
    return str(term)[len(SHAPES_NS):] if str(term).startswith(SHAPES_NS) else str(term)


def _query(text: str) -> str:
    if not text.strip():
        return ""
    return (f'<details><summary>query</summary><pre class="sparql"><code>{esc(_dedent(text))}'
            "</code></pre></details>")


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
        "<h1>Shapes reference</h1>\n",
        f'<p class="lead">{esc(s.text(header, DCTERMS.description) or "")}</p>\n',
        dl([("Shapes IRI", f"<code>{esc(SHAPES_IRI)}</code>"),
            ("Version", esc(s.text(header, OWL.versionInfo) or "")),
            ("Downloads", downloads)]),
        f"<p>{len(node_shapes)} node shapes with {property_count} property shapes. Each rule "
        "says what it requires and the message a curator gets when data breaks it. "
        "Violations are errors; warnings and infos are advice.</p>\n",
        '<h2 id="node-shapes">Node shapes</h2>\n<p class="term-index">'
        + " · ".join(f'<a href="#{esc(local(n))}">{esc(local(n))}</a>' for n in node_shapes)
        + "</p>\n",
    ]
    for shape in node_shapes:
        anchor = local(shape)
        emitted.add(anchor)
        comment = " ".join(esc(c) for c in sorted(s.texts(shape, RDFS.comment))
                           + sorted(s.texts(shape, SH.description)))
        rules = words.constraints(shape)
        body.append(
            f'<section class="shape" id="{esc(anchor)}"><h3>{esc(s.label(shape))} '
            f"<code>ccbsh:{esc(anchor)}</code></h3>\n"
            + (f"<p>{comment}</p>\n" if comment else "")
            + dl([("Applies to", "; ".join(words.targets(shape)) or "only where another shape "
                   "refers to it"),
                  ("Requires", "; ".join(rules)),
                  ("Severity", esc(_severity(s, shape))),
                  ("Message", esc(s.text(shape, SH.message) or ""))]))
        rows = []
        for prop in sorted(s.objects(shape, SH.property),
                           key=lambda p: (order.get(str(p), 1 << 30), str(p))):
            name = local(prop) if isinstance(prop, URIRef) else ""
            cell = esc(name)
            if name and name not in emitted:
                emitted.add(name)
                cell = f'<span id="{esc(name)}">{esc(name)}</span>'
            requires = words.constraints(prop)
            description = s.text(prop, SH.description) or s.text(prop, RDFS.comment)
            rows.append((cell, words.path_words(s.value(prop, SH.path) or prop),
                         ", ".join(requires) + (f"<br><em>{esc(description)}</em>"
                                                if description else ""),
                         esc(_severity(s, prop)), esc(s.text(prop, SH.message) or "")))
        if rows:
            body.append(table(("Rule", "Path", "Requires", "Severity", "Message"), rows,
                              cls="data shapes-table"))
        body.append("</section>\n")
    if targets:
        body.append('<h2 id="targets">SPARQL targets</h2>\n<p>Node sets that shapes apply to, '
                    "selected by a SPARQL query.</p>\n")
        for t in targets:
            body.append(f'<section class="shape" id="{esc(local(t))}"><h3>{esc(s.label(t))} '
                        f"<code>ccbsh:{esc(local(t))}</code></h3>\n"
                        f"<p>{esc(s.text(t, RDFS.comment) or '')}</p>\n"
                        f"{_query(s.text(t, SH.select) or '')}</section>\n")
    return Page(path, "Shapes reference", "".join(body),
                description="What the ccbkg SHACL shapes require, in words.")
