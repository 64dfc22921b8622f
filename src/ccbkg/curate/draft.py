"""`draft`: propose passages and candidate nodes from a source text, for a curator to accept.

Rule-based, on spaCy's blank English pipeline (tokenizer, sentencizer, Matcher and
PhraseMatcher; no model is loaded or fetched). Each sentence that carries capacity-building
content becomes a proposed passage in the form `passage add` writes; the candidate nodes cite
it. Every literal is words of the text (white space aside) or a date the text gives at its
precision; every link is to a node the data has, a country pycountry knows, or another
candidate. The draft goes to drafts/, which no check, build or release reads.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import spacy
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Span
from spacy.util import filter_spans

from ccbkg.core.errors import CcbkgError
from ccbkg.curate.country import PREFIXES
from ccbkg.curate.files import create, literal
from ccbkg.curate.gazetteer import NAMESPACES, Entity, Gazetteer, gazetteer
from ccbkg.curate.sources import (
    PASSAGE_NS,
    SourceText,
    default_label,
    passage_block,
    slug_for,
    source_text,
)
from ccbkg.project.layout import Project

DRAFTS = "drafts"
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
# Words that mark a sentence as capacity-building content (lowercase prefixes).
TOPIC = re.compile(r"^(cyber|capacit|csirt|cert|cirt|strateg|secur|mou|memorand|agreement|"
                   r"exercise|training|incident|resilien|infrastructure|regulation|fund|"
                   r"commit|member|cooperat|collaborat|norm|confidence|cbm|digital|(ccb|ict)$)")
AGREEMENT = {"mou", "mous", "memorandum", "memoranda", "agreement", "agreements", "treaty"}
SIGNED = {"signed", "sign", "signs", "concluded"}
NEGOTIATING = {"negotiating", "negotiate", "negotiates", "negotiation", "negotiations"}
COLLABORATING = re.compile(r"^(collaborat|co-?operat)(es|ed|ing)$")
AUTHORITIES = {"Authority", "Agency", "Ministry", "Directorate", "Office"}
HOLDING = {"argued", "argues", "advocated", "advocates", "believes", "believe", "considers",
           "recognises", "recognizes", "disfavours", "disfavors", "opposes", "supports"}
OPPOSING = {"disfavours", "disfavors", "opposes"}
FUNDING = {"committed", "commits", "pledged", "allocated", "granted", "funded", "invested",
           "contributed", "donated", "provided"}
SAYING = {"argued", "stated", "stating", "said", "declared", "believing", "believes", "noted"}
# Who can be a party to an agreement or a collaborator (classes' local names).
PARTIES = {"Organisation", "InternationalOrganisation", "RegionalOrganisation",
                 "Alliance", "NationalAuthority", "GovernmentAgency", "CSIRT", "Country"}
BODIES = {"CSIRT", "NationalAuthority", "GovernmentAgency"}
FORUMS = {"Forum", "InternationalOrganisation", "RegionalOrganisation", "Alliance"}
ACTIVITIES = {"Exercise", "TrainingInitiative"}
NAMED = ("programme", "organisation", "csirt", "exercise")  # bodies, keyed by their name
FOOTNOTE = re.compile(r"\[\s*\w{0,3}\]")  # "[x]" (a footnote marker the text kept)
_ACRONYM = r"^[A-Z][A-Za-z]*[A-Z]s?$"


class When(NamedTuple):
    """A date the text gives: its lexical form, xsd type, the words and where they start."""

    lexical: str
    datatype: str
    stated: str
    token: int


@dataclass
class Node:
    """A candidate node: class, label, links and literals (as Turtle), what to decide."""

    iri: str
    cls: str
    what: str
    props: list[tuple[str, str]]
    decide: list[str]
    cites: list[str] = field(default_factory=list)
    extra: str = ""
    names: tuple[str, ...] = ()  # how later sentences name it (a body: its name and acronym)

    def turtle(self, graph: Gazetteer) -> str:
        """The node's Turtle block with its comments."""
        lines = [f"# candidate {self.what}"]
        lines += [f"# DECIDE: {d}" for d in self.decide]
        linked = sorted({o for _, o in self.props if o.startswith("country:")})
        lines += [f"# NOTE: {c} is not in the data yet: `ccbkg new country {c[8:]}` first"
                  for c in linked if not _in_data(graph, c)]
        props = [*self.props, ("ccb:citesPassage", ", ".join(self.cites))]
        body = " ;\n".join(f"    {p} {o}" for p, o in props)
        return "\n".join([*lines, f"{self.iri} a {self.cls} ;", body + " ."]) + self.extra


def _in_data(graph: Gazetteer, curie_: str) -> bool:
    return any(e.curie == curie_ and e.known for e in graph.names.values())


@dataclass
class Draft:
    """What `draft` wrote: the file, the passages and the nodes it proposes."""

    path: Path
    passages: int
    nodes: int


def draft(project: Project, source: str, country: str | None) -> Draft:
    """Write drafts/<source file name>.ttl with the proposals for the source's text."""
    text_of = source_text(project, source)
    graph = gazetteer(project)
    fixed = graph.country(country) if country else None
    folder = project.root / DRAFTS
    path = folder / (Path(text_of.name).stem.replace("_", "-") + ".ttl")
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise CcbkgError(f"{project.display(folder)} is not a folder: move it away, drafts go "
                         "there")
    blocks, passages, nodes = _Drafter(text_of, graph, fixed).run()
    header = (f"# ccbkg DRAFT from {text_of.name}: proposals, not data. Nothing here is part of "
              "a release:\n# check, build and publish never read drafts/.\n"
              "# To accept a passage, move its block to instances/sources.ttl (or cut a "
              "shorter one with\n# `ccbkg passage add`); to accept a node, move it to the "
              "country's file under its section\n# and move the passages it cites too. "
              "Delete what the text does not support.\n"
              "# Each DECIDE line is for the curator; labels are the text's words: write "
              "better ones.\n"
              "# Then add the inventory rows (instances/README.md) and run `ccbkg check`.\n\n"
              + PREFIXES + "@prefix oa: <http://www.w3.org/ns/oa#> .\n"
              "@prefix src: <https://w3id.org/ccbkg/id/source/> .\n")
    try:
        create(path, (header + "\n" + "\n\n".join(blocks) + "\n").encode("utf-8"),
               project.display(path))
    except OSError as exc:
        raise CcbkgError(f"{project.display(path)}: cannot write the draft ({exc.strerror})"
                         ) from None
    return Draft(path, passages, nodes)


def pipeline() -> spacy.language.Language:
    """spaCy's blank English pipeline with the rule-based sentencizer (no model)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


class _Drafter:
    """One pass over the text, sentence by sentence."""

    def __init__(self, source: SourceText, graph: Gazetteer, fixed: Entity | None) -> None:
        self.source, self.graph, self.fixed = source, graph, fixed
        self.nlp = pipeline()
        self.names = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self.entities: dict[str, Entity] = {}
        for name, entity in [*graph.names.items(), *graph.demonyms.items()]:
            self.entities[name] = entity
        self.names.add("NAME", [self.nlp.make_doc(name) for name in self.entities])
        self.matcher = Matcher(self.nlp.vocab)
        name_part = {"TEXT": {"REGEX": r"^([A-Z][\w]*|of|for|and|on|-)$"}}
        self.matcher.add("ACRONYMED", [[{"IS_TITLE": True}, {**name_part, "OP": "*"},
                                        {"ORTH": "("}, {"TEXT": {"REGEX": _ACRONYM}},
                                        {"ORTH": ")"}]])
        self.matcher.add("CSIRT", [
            [{"TEXT": {"REGEX": r"^[A-Z][A-Z0-9]*(CERT|CIRT|CSIRT|CIRC)$"}}],
            [{"TEXT": {"REGEX": r"^[A-Z][A-Z0-9]*$"}}, {"ORTH": "-"},
             {"TEXT": {"REGEX": r"^(CERT|CIRT|CSIRT|SIRT)$"}}]])
        self.matcher.add("STRATEGY", [
            [{"TEXT": {"REGEX": r"^\d{4}$"}, "OP": "?"}, {"IS_TITLE": True, "OP": "+"},
             {"ORTH": "Strategy"}],
            [{"LOWER": {"IN": ["cyber", "cybersecurity", "national", "engagement", "security",
                               "international", "digital"]}, "OP": "+"},
             {"ORTH": "strategy"}]])
        self.matcher.add("REGULATION", [[
            {"IS_ALPHA": True, "IS_STOP": False, "IS_LOWER": True, "OP": "?"},
            {"LOWER": {"IN": ["regulation", "law", "decree"]}},
            {"LOWER": {"IN": ["for", "on"]}}, {"LOWER": "the"}, {"IS_ALPHA": True},
            {"LOWER": {"IN": ["sector", "sectors"]}}], [
            {"IS_ALPHA": True, "IS_STOP": False, "IS_LOWER": True, "OP": "?"},
            {"LOWER": "regulation"}]])
        self.matcher.add("PAPER", [[{"TEXT": {"REGEX": r"^\d{4}$"}, "OP": "?"},
                                    {"LOWER": {"IN": ["government", "white", "policy"]}},
                                    {"LOWER": "paper"}]])
        self.matcher.add("EXERCISE", [[{"IS_TITLE": True, "OP": "+"}, {"LOWER": "exercise"}]])
        self.matcher.add("MONEY", [
            [{"ORTH": {"IN": ["$", "€", "£", "¥"]}}, {"TEXT": {"REGEX": r"^\d[\d,.]*$"}},
             {"TEXT": {"IN": ["M", "m", "bn", "k", "million", "billion"]}, "OP": "?"}],
            [{"TEXT": {"IN": ["EUR", "USD", "GBP", "JPY", "CAD", "CHF"]}},
             {"TEXT": {"REGEX": r"^\d[\d,.]*$"}}, {"LOWER": {"IN": ["million", "billion"]},
                                                    "OP": "?"}],
            [{"TEXT": {"REGEX": r"^\d[\d,.]*$"}}, {"LOWER": {"IN": ["million", "billion"]},
                                                   "OP": "?"},
             {"LOWER": {"IN": ["euros", "dollars", "pounds", "yen", "francs"]}}]])
        self.matcher.add("DATE", [
            [{"TEXT": {"REGEX": r"^\d{1,2}$"}, "OP": "?"}, {"LOWER": {"IN": list(MONTHS)}},
             {"TEXT": {"REGEX": r"^(1[89]|20)\d{2}$"}}],
            [{"TEXT": {"REGEX": r"^(1[89]|20)\d{2}$"}}]])
        self.matcher.add("MEMBER", [[{"LOWER": {"IN": ["member", "members"]}},
                                     {"LOWER": "state", "OP": "?"}, {"LOWER": "of"},
                                     {"LOWER": "the", "OP": "?"}]])
        self.nodes: dict[str, Node] = {}
        self.taken = set(source.taken) | set(graph.subjects)

    # ------------------------------------------------------------------ the pass

    def run(self) -> tuple[list[str], int, int]:
        """The draft's blocks (one per proposed sentence), passages and nodes proposed."""
        text = self.source.text
        # Line breaks as spaces: the same offsets, and names broken over lines still match.
        doc = self.nlp(text.replace("\n", " ").replace("\r", " "))
        sentences: list[tuple[str, list[str]]] = []
        current = self.fixed
        for sent in doc.sents:
            span = _trim(sent)
            if span is None:
                continue
            found = self._names(span)
            # the sentence's country: one it names, not as a counterparty ("with Estonia")
            countries = [e for m, e in found if e.kind == "Country" and
                         (m.start == span.start or doc[m.start - 1].lower_ not in ("with", "to"))]
            if self.fixed is None and countries:
                current = countries[0]
            if not any(TOPIC.match(t.lower_) for t in span) and not found:
                continue
            key = slug_for(span.text, self.taken)
            self.taken.add(PASSAGE_NS + key)
            before = set(self.nodes)
            self._propose(span, found, current, f"passage:{key}")
            marker = FOOTNOTE.search(text[span.start_char:span.end_char])
            head = "\n".join([
                f"# ---- sentence at characters {span.start_char}-{span.end_char}",
                "# DECIDE: keep the whole sentence as the passage, or cut the words the "
                "claims need with `ccbkg passage add`",
                *([f"# DECIDE: it holds a footnote marker ({marker.group()!r}): cut the "
                   "passages around it"] if marker else []),
                passage_block(self.source, key, default_label(span.text), span.start_char,
                              span.end_char)])
            sentences.append((head, [k for k in self.nodes if k not in before]))
        blocks = ["\n\n".join([head, *(self.nodes[k].turtle(self.graph) for k in keys)])
                  for head, keys in sentences]
        return blocks, len(sentences), len(self.nodes)

    def _names(self, span: Span) -> list[tuple[Span, Entity]]:
        """The names in the sentence (longest first where they overlap) and their entities,
        the candidates of earlier sentences included."""
        sub = span.as_doc()
        spans = [sub[s:e] for _, s, e in self.names(sub)]
        out = []
        for m in filter_spans(spans):
            if m.text in self.entities:
                out.append((span.doc[span.start + m.start:span.start + m.end],
                            self.entities[m.text]))
        for node in self.nodes.values():  # bodies drafted before, by name or acronym
            for name in node.names:
                for hit in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", span.text):
                    piece = span.char_span(hit.start(), hit.end())
                    if piece is not None:
                        out.append((piece, Entity(_expand(node.iri), node.cls[4:], False)))
        return sorted(out, key=lambda x: x[0].start)

    # ------------------------------------------------------------------ the rules

    def _propose(self, span: Span, found: list[tuple[Span, Entity]], country: Entity | None,
                 cite: str) -> None:
        """Every rule, on one sentence whose country is `country`."""
        sub = span.as_doc()
        matches: dict[str, list[Span]] = {}
        for match_id, s, e in self.matcher(sub):
            label = self.nlp.vocab.strings[match_id]
            matches.setdefault(label, []).append(span.doc[span.start + s:span.start + e])
        matches = {k: filter_spans(v) for k, v in matches.items()}
        dates = _dates(matches.get("DATE", []))
        here = country.curie if country else None
        self._organisations(span, matches, found, here, cite)
        found = self._names(span)
        for m in matches.get("STRATEGY", []):
            m = _strip(m, self.graph)
            cls = ("ccb:NationalCybersecurityStrategy" if m[-1].text == "Strategy" and any(
                t.text in ("Cyber", "Cybersecurity", "Security") for t in m) else "ccb:Strategy")
            when = _dates([m]) or dates  # "2018 Cybersecurity Strategy": its own year
            self._node("strategy", m, cls, "strategy", cite, here, [
                ("ccb:jurisdiction", here)], when, ["the jurisdiction, and whether the date "
                                                    "is the strategy's adoption"])
        for m in matches.get("REGULATION", []):
            self._node("regulation", m, "ccb:Regulation", "regulation", cite, here,
                       [("ccb:jurisdiction", here)], dates,
                       ["its sector (ccb:sector) and provisions (ccb:provisionAsStated)"])
        for m in matches.get("PAPER", []):
            self._node("govpaper", m, "ccb:GovernmentPaper", "government paper", cite, here,
                       [("ccb:jurisdiction", here)], _dates([m]) or dates,
                       ["its title and issuing body, if the text gives them"])
        self._agreements(span, found, here, dates, cite)
        self._activities(span, matches, found, here, cite)
        self._funding(span, matches, found, here, cite)
        self._statements(span, found, here, cite)
        self._positions(span, here, cite)

    def _organisations(self, span: Span, matches: dict[str, list[Span]],
                       found: list[tuple[Span, Entity]], here: str | None, cite: str) -> None:
        """Named bodies with an acronym, and CSIRTs (a national one of the possessive or the
        sentence's country)."""
        known = {m.start_char for m, _ in found}
        for m in matches.get("ACRONYMED", []):
            name, acronym = m[:-3], m[-2:-1]
            name = _strip(name, self.graph)
            if name.start_char in known or acronym.start_char in known or not len(name):
                continue
            heads = [t.text for t in name]
            if heads[-1] in ("Program", "Programme"):
                self._node("programme", acronym, "ccb:Programme", "programme", cite, here,
                           [("ccb:responsibleAgent", here)], [],
                           ["who runs it and its objectives (ccb:hasObjective)"], label=name)
            elif AUTHORITIES & set(heads):
                cls = ("ccb:NationalAuthority" if "Authority" in heads
                       else "ccb:GovernmentAgency")
                self._node("organisation", acronym, cls, "authority", cite, here,
                           [("ccb:country", here)], [], ["its responsibilities "
                                                         "(ccb:hasResponsibility)"], label=name)
        for m in matches.get("CSIRT", []):
            if m.start_char in known:
                continue
            window = span.doc[max(span.start, m.start - 4):min(span.end, m.end + 4)]
            national = "national" in [t.lower_ for t in window]
            owner = here
            for t in window:
                if t.text in self.entities and self.entities[t.text].kind == "Country" and (
                        t.i + 1 < len(span.doc) and span.doc[t.i + 1].text in ("’s", "'s")):
                    owner = self.entities[t.text].curie
            links = [("ccb:nationalCsirtOf", owner)] if national else [("ccb:country", here)]
            self._node("csirt", m, "ccb:CSIRT", "CSIRT", cite, here, links, [], [
                "whether it is the national CSIRT (ccb:nationalCsirtOf) or one among others"])

    def _agreements(self, span: Span, found: list[tuple[Span, Entity]], here: str | None,
                    dates: list[When], cite: str) -> None:
        """One agreement per counterparty named after `with`, signed or under negotiation
        from the verb before it."""
        words = [t.lower_ for t in span]
        if here is None or not AGREEMENT & set(words):
            return
        kind = next(span.doc[t.i:t.i + 1] for t in span if t.lower_ in AGREEMENT)
        cls = ("ccb:MemorandumOfUnderstanding" if kind.text.lower().startswith(("mou", "memorand"))
               else "ccb:Agreement")
        through = [e for m, e in found if m.start > span.start and
                   span.doc[m.start - 1].lower_ == "through" and e.kind != "Country"]
        verbs = [t for t in span if t.lower_ in SIGNED | NEGOTIATING]
        # the body that acts for the country: "Through AKCESK, …" or "EX-CERT signed …"
        acting = through + [e for m, e in found if verbs and m.start < verbs[0].i and
                            e.kind in BODIES and e not in through]
        for n, verb in enumerate(verbs):
            begin = verbs[n - 1].i + 1 if n else span.start
            stop = verbs[n + 1].i if n + 1 < len(verbs) else span.end
            with_ = next((t.i for t in span.doc[verb.i:stop] if t.lower_ == "with"), None)
            if with_ is None:
                continue
            status = "signed" if verb.lower_ in SIGNED else "under-negotiation"
            cert = any(t.lower_ in ("certs", "csirts", "cirts") for t in span.doc[with_:stop])
            for m, entity in found:
                if not with_ < m.start < stop or entity.kind not in PARTIES or \
                        entity.curie == here:
                    continue
                party = entity
                if cert and entity.kind == "Country":
                    party = next((e for e in self.graph.names.values()
                                  if e.csirt_of == entity.iri), entity)
                links = [("ccb:party", here), ("ccb:party", party.curie)]
                if status == "signed":
                    links.append(("ccb:signatory", here))
                links += [("ccb:actingThrough", e.curie) for e in acting]
                links.append(("ccb:agreementStatus", f"agstatus:{status}"))
                local = party.curie.split(":")[-1].lower()
                when = [d for d in dates if begin <= d.token < stop] if status == "signed" \
                    else []
                named = f" for {m.text!r}" if party is not entity else ""
                self._node("agreement", kind, cls, f"agreement ({status}, from "
                           f"{verb.text!r})", cite, here, links, when,
                           [f"the counterparty ({party.curie}{named}) and the subject; the "
                            "label"],
                           key=f"{here.split(':')[-1].lower()}-{local}-{kind.text.lower()[:3]}")

    def _activities(self, span: Span, matches: dict[str, list[Span]],
                    found: list[tuple[Span, Entity]], here: str | None, cite: str) -> None:
        """Memberships (`member of`), participations (`participated in`) and forum uses
        (`through` a forum, or a forum `utilised`)."""
        if here is None:
            return
        for m in matches.get("MEMBER", []):
            body = next(((s, e) for s, e in found if s.start == m.end and e.kind in FORUMS),
                        None)
            if body is not None:
                self._node("membership", span.doc[m.start:body[0].end], "ccb:Membership",
                           "membership", cite, here, [
                               ("org:member", here), ("org:organization", body[1].curie)], [],
                    ["since when, if the text says"], key=f"{here[8:].lower()}-"
                    f"{body[1].curie.split(':')[-1]}")
        for m in matches.get("EXERCISE", []):
            name = _strip(m[:-1], self.graph)
            if len(name) and name.text not in self.entities:
                self._node("exercise", name, "ccb:Exercise", "exercise", cite, here, [], [],
                           ["who leads it (ccb:ledBy) and which edition"])
        found = self._names(span)
        words = [t.lower_ for t in span]
        if any(w.startswith("participat") for w in words):
            start = next(t.i for t in span if t.lower_.startswith("participat"))
            for s, e in found:
                if s.start > start and e.kind in ACTIVITIES:
                    self._node("participation", s, "ccb:Participation", "participation", cite,
                               here, [("ccb:participant", here), ("ccb:inActivity", e.curie),
                                      ("ccb:participationRole", "prole:participant")], [],
                               ["the role, if not a participant"],
                               key=f"{here[8:].lower()}-{e.curie.split(':')[-1]}")
        using = any(w.startswith(("utilis", "utiliz")) or w in ("use", "uses", "used")
                    for w in words)
        for s, e in found:
            through = s.start > span.start and span.doc[s.start - 1].lower_ == "through"
            if e.kind in FORUMS and (using or through):
                self._node("forumuse", s, "ccb:ForumUse", "forum use", cite, here, [
                    ("ccb:actor", here), ("ccb:forum", e.curie)], [],
                    ["its purpose (ccb:purpose), as the text words it"],
                    key=f"{here[8:].lower()}-{e.curie.split(':')[-1]}")
        verb = next((t.i for t in span if COLLABORATING.match(t.lower_)), None)
        if verb is not None:
            subject = next((e for s, e in found if s.start < verb and
                            e.kind in PARTIES), None)
            with_ = verb + 1 if span.doc[verb + 1].lower_ == "with" else verb
            others = [e for s, e in found if with_ < s.start <= with_ + 2 and
                      e.kind in PARTIES]
            who = list(dict.fromkeys([subject.curie if subject else here,
                                      *(e.curie for e in others)]))
            self._node("collaboration", span.doc[verb:verb + 1], "ccb:Collaboration",
                       "collaboration", cite, here, [("ccb:collaborator", c) for c in who], [],
                       ["its subject and activity types"], key="-".join(
                           c.split(":")[-1].lower() for c in who) + ("-partners" if len(
                               who) == 1 else ""))

    def _funding(self, span: Span, matches: dict[str, list[Span]],
                 found: list[tuple[Span, Entity]], here: str | None, cite: str) -> None:
        """A funding commitment: the amount as stated, no currency code."""
        money = matches.get("MONEY", [])
        if here is None or not money or not any(t.lower_ in FUNDING for t in span):
            return
        amount = money[0]
        links = [("ccb:funder", here)]
        links += [("ccb:fundedProgramme", e.curie) for _, e in found if e.kind == "Programme"]
        links += [("ccb:targetRegion", e.curie) for _, e in found if e.kind == "Region"]
        node = self._node("funding", amount, "ccb:FundingCommitment", "funding commitment",
                          cite, here, links, [], [
                              "the currency: the amount is kept as the text writes it; add "
                              "schema:currency only if the source names the currency"])
        stated = literal(" ".join(amount.text.split()))
        node.props.append(("ccb:amount", f"<{_expand(node.iri)}#amount>"))
        node.extra = (f"\n<{_expand(node.iri)}#amount> a schema:MonetaryAmount ;\n"
                      f"    rdfs:label {literal(' '.join(amount.text.split()), 'en')} ;\n"
                      f"    ccb:amountAsStated {stated} ;\n"
                      f"    ccb:citesPassage {cite} .")

    def _statements(self, span: Span, found: list[tuple[Span, Entity]], here: str | None,
                    cite: str) -> None:
        """A statement for each quotation that a verb of saying introduces (`argued that
        “…”`)."""
        if here is None:
            return
        venue = [e.curie for _, e in found if e.kind == "Forum"]
        text = span.text
        for m in re.finditer(r"“([^”]+)”", text):
            before = text[:m.start()].split()[-4:]
            if "that" not in before:
                continue
            earlier = text[:m.start()].lower().split()
            if not SAYING & set(earlier) and "and" not in before:
                continue
            piece = span.char_span(m.start(1), m.end(1), alignment_mode="expand")
            if piece is None:
                continue
            self._node("statement", piece, "ccb:Statement", "statement", cite, here,
                       [("ccb:speaker", here), *[("ccb:venue", v) for v in venue],
                        ("ccb:quote", literal(" ".join(m.group(1).split())))], [],
                       ["the speaker and where and when it was said; a position "
                        "(ccb:Position) rather than a statement when it is a belief"])

    def _positions(self, span: Span, here: str | None, cite: str) -> None:
        """A position for each view a verb introduces (`believes that …`, `advocated for
        …`), up to the end of its clause; the stance from the verb."""
        if here is None:
            return
        for verb in span:
            if verb.lower_ not in HOLDING:
                continue
            start = verb.idx + len(verb.text) - span.start_char
            rest = span.text[start:]
            lead = re.match(r"\s+((that|for)\s+)?", rest)
            begin = start + (lead.end() if lead else 0)
            clause = re.split(r"[;,]|\s(?=and\s(has|have|is|was)\b)", span.text[begin:])[0]
            view = span.char_span(begin, begin + len(clause.rstrip(" .")),
                                  alignment_mode="contract")
            if view is None or len(view) < 2:
                continue
            stance = "opposes" if verb.lower_ in OPPOSING else "supports"
            self._node("position", view, "ccb:Position", f"position (from {verb.text!r})",
                       cite, here, [("ccb:heldBy", here), ("ccb:stance", f"stance:{stance}")],
                       [], ["the stance, and whether the text states a position or reports a "
                            "statement (ccb:Statement)"])

    # ------------------------------------------------------------------ nodes

    def _node(self, prefix: str, words: Span, cls: str, what: str, cite: str,
              here: str | None, links: Sequence[tuple[str, str | None]],
              dates: list[When],
              decide: list[str], label: Span | None = None, key: str | None = None) -> Node:
        """A new candidate (or, when one has the same key, the same candidate citing one
        more passage)."""
        shown = " ".join((label or words).text.split())
        if prefix in NAMED:
            base = key or _key(words.text)
        else:
            base = key or _key(f"{(here or 'x').split(':')[-1]} {shown}")
        for known in self.nodes.values():
            if known.iri == f"{prefix}:{base}":
                if cite not in known.cites:
                    known.cites.append(cite)
                return known
        iri = f"{prefix}:{base}"
        n = 2
        while _expand(iri) in self.taken:
            iri, n = f"{prefix}:{base}-{n}", n + 1
        props = [("rdfs:label", literal(shown, "en"))]
        if label is not None:
            props.append(("skos:altLabel", literal(" ".join(words.text.split()), "en")))
        props += [(p, o) for p, o in dict.fromkeys(links) if o is not None]
        extra = ""
        if dates:
            lexical, datatype, stated = dates[0].lexical, dates[0].datatype, dates[0].stated
            props.append(("time:hasTime", f"<{_expand(iri)}#time>"))
            extra = (f"\n# the text says {stated!r}: the date at that precision\n"
                     f"<{_expand(iri)}#time> a time:Instant ;\n"
                     f"    time:inXSD{'Date' if datatype == 'date' else datatype} "
                     f'"{lexical}"^^xsd:{datatype} .')
            decide = [*decide, f"whether {stated!r} dates this {what}"]
        names = (shown, " ".join(words.text.split())) if prefix in NAMED else ()
        node = Node(iri, cls, f"{what}: {shown!r}", props, decide, [cite], extra, names)
        self.taken.add(_expand(iri))
        self.nodes[iri] = node
        return node


# ---------------------------------------------------------------------- helpers


def _trim(sent: Span) -> Span | None:
    """The sentence without white space or a footnote marker (`[x]`) at either end."""
    text = sent.text
    lead = re.match(r"(\s|\[?\s*\w{0,3}\](?!\w))*", text)
    tail = re.search(r"(\s|\[\s*\w{0,3}\]?)*$", text)
    start = lead.end() if lead else 0
    end = max(start, tail.start() if tail else len(text))
    span = sent.char_span(start, end, alignment_mode="contract")
    return span if span is not None and len(span) > 2 else None


def _strip(span: Span, graph: Gazetteer) -> Span:
    """A name without a leading article, country or demonym (The Canadian National …)."""
    i = 0
    while i < len(span) - 1 and (span[i].lower_ in ("the", "its", "a") or span[i].text in
                                 graph.demonyms or span[i].text in graph.names or
                                 span[i].text in ("’s", "'s") or (span[i].is_title and
                                 span[i].lower_ in ("through", "in", "at", "since", "as",
                                                    "under", "with", "by"))):
        i += 1
    return span[i:]


def _dates(spans: list[Span]) -> list[When]:
    """The dates in the spans at the precision the text gives: (lexical form, xsd type,
    the words), from the text's own numbers and month names."""
    out = []
    for m in spans:
        year = next((t.text for t in m if re.fullmatch(r"(1[89]|20)\d{2}", t.text)), None)
        if year is None:
            continue
        month = next((MONTHS.index(t.lower_) + 1 for t in m if t.lower_ in MONTHS), None)
        day = next((int(t.text) for t in m if re.fullmatch(r"\d{1,2}", t.text)), None)
        if month and day:
            out.append(When(f"{year}-{month:02d}-{day:02d}", "date", m.text, m.start))
        elif month:
            out.append(When(f"{year}-{month:02d}", "gYearMonth", m.text, m.start))
        else:
            out.append(When(year, "gYear", m.text, m.start))
    return out


def _key(words: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower())[:8]) or "node"


def _expand(curie_: str) -> str:
    prefix, local = curie_.split(":", 1)
    return NAMESPACES[prefix] + local

