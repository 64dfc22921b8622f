"""`draft`: propose passages and candidate nodes from a source text, for a curator to accept.

Rule-based, on spaCy's blank English pipeline (tokenizer, sentencizer, Matcher and
PhraseMatcher; no model is loaded or fetched). Each sentence that carries capacity-building
content becomes a proposed passage in the form `passage add` writes; the candidate nodes cite
it. Every literal is words of the text (white space aside) or a date the text gives at its
precision; every link is to a node the data has, a country pycountry knows, or another
candidate. The draft goes to drafts/, which no check, build or release reads.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pycountry
import spacy
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.util import compile_infix_regex, filter_spans

from ccbkg.checks.provenance import FOOTNOTE_MARKER
from ccbkg.core.errors import CcbkgError
from ccbkg.curate.country import PREFIXES
from ccbkg.curate.files import create, literal
from ccbkg.curate.gazetteer import NAMESPACES, Entity, Gazetteer, curie, gazetteer
from ccbkg.curate.sources import (
    DRAFTS,
    PASSAGE_NS,
    SourceText,
    default_label,
    passage_block,
    slug_for,
    source_text,
)
from ccbkg.project.layout import Project

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
# Words that mark a sentence as capacity-building content (lowercase prefixes).
TOPIC = re.compile(r"^(cyber|capacit|csirt|cert|cirt|strateg|secur|mou|memorand|agreement|"
                   r"exercise|train|incident|resilien|infrastructure|regulation|fund|"
                   r"commit|financ|member|cooperat|collaborat|norm|confidence|cbm|digital|(ccb|ict)$)")
AGREEMENT = {"mou", "mous", "memorandum", "memoranda", "agreement", "agreements", "treaty"}
SIGNED = {"signed", "sign", "signs", "concluded"}
NEGOTIATING = {"negotiating", "negotiate", "negotiates", "negotiation", "negotiations"}
COLLABORATING = re.compile(r"^(collaborat|co-?operat)(es|ed|ing)$")
AUTHORITIES = {"Authority", "Agency", "Ministry", "Directorate", "Office", "Committee",
               "Commission", "Service"}
# Bodies of a state only with a national cue in their name ("National Cyber Security Centre",
# "Ghana's Cyber Security Council"): else also the UN Security Council or Europol's EC3
NATIONAL_BODIES = {"Centre", "Center", "Council", "Department", "Bureau"}
HOLDING = {"argued", "argues", "advocated", "advocates", "believes", "believe", "considers",
           "recognises", "recognizes", "disfavours", "disfavors", "opposes", "supports"}
OPPOSING = {"disfavours", "disfavors", "opposes"}
RECEIVING = {"received", "receives", "obtained", "obtains", "secured"}  # from the funder
FUNDED = {"funded", "funds", "financed", "finances", "co-funded", "co-financed"}  # no amount too
FUNDING = {"committed", "commits", "pledged", "allocated", "granted", "funded", "invested",
           "contributed", "donated", "provided", *FUNDED, *RECEIVING}
SAYING = {"argued", "stated", "stating", "said", "declared", "believing", "believes", "noted",
          "stressed", "emphasised", "emphasized", "underlined", "warned", "added"}
# Who can be a party to an agreement or a collaborator (classes' local names).
PARTIES = {"Organisation", "InternationalOrganisation", "RegionalOrganisation",
                 "Alliance", "NationalAuthority", "GovernmentAgency", "CSIRT", "Country"}
BODIES = {"CSIRT", "NationalAuthority", "GovernmentAgency"}
# Abbreviations a number follows ("Resolution No. 5", "Art. 4", "para. 3", "pp. 12-14")
NUMBERING = {"no", "nos", "art", "arts", "para", "paras", "p", "pp", "vol", "ch", "sec", "fig",
             "ref", "op"}
FORUMS = {"Forum", "InternationalOrganisation", "RegionalOrganisation", "Alliance"}
ACTIVITIES = {"Exercise", "TrainingInitiative"}
# The words of a claim: a country named before the first is the sentence's subject
CLAIM_CUES = frozenset({*SIGNED, *NEGOTIATING, *FUNDING, *HOLDING, "trained", "trains",
                        "participated", "participates", "joined", "member", "hosted",
                        "organised", "organized", "adopted", "adopts", "launched",
                        "published", "established", "created", "set"})
DETERMINERS = frozenset({"the", "a", "an", "its", "their", "his", "her", "our", "this", "new"})
OWN_BODIES = ("Government", "State", "Cabinet", "Parliament")  # the country itself, as a party
# A field of a record on a line of its own: "Budget: EUR 11,000,000", "Funders: Japan; Canada"
FIELD = re.compile(r"(?m)^[ \t]*(?P<name>[A-Z][A-Za-z]*(?:[ /-][A-Za-z()]+){0,3}):[ \t]+"
                   r"(?P<value>\S[^\n]*)")
PROJECT_FIELDS = ("project", "project title", "title", "project name", "programme")
RUNNER_FIELDS = ("implementing organisation", "implementing organization", "implementer",
                 "implementing partner", "implementing agency", "lead organisation")
FUNDER_FIELDS = ("funders", "funder", "donors", "donor", "funded by", "funding partners")
BUDGET_FIELDS = ("budget", "total budget", "funding", "contribution", "amount", "grant")
OTHER_FIELDS = ("start date", "end date", "start", "end", "duration", "status",
                "beneficiary countries", "beneficiaries", "beneficiary", "region")
# Verbs of leading an exercise ("organised the national exercise …")
LEADING = frozenset({"organised", "organized", "organises", "organizes", "hosted", "hosts",
                     "led", "leads", "conducted", "conducts", "ran", "runs"})
# Words that end a noun phrase after a number ("350 police officers from …", "40 staff in 2023")
PHRASE_ENDS = frozenset({"from", "in", "on", "at", "of", "for", "between", "across", "during",
                         "to", "and", "with", "who", "which", "that", "since", "by", "under"})
# Words of a subject that is not the text's country ("The programme trained", "which trained")
NOT_THE_COUNTRY = frozenset({"programme", "program", "project", "projects", "initiative", "which",
                             "that", "course", "academy", "centre", "center", "partners",
                             "donors"})
DESCRIBE_IT = ("describe it (in the country's file if it is one of the country's bodies, with "
               "ccb:country; in shared.ttl if not) and draft again")
NAMED = ("programme", "organisation", "csirt", "exercise", "principle")  # keyed by name
# Verbs (base forms) that open what an actor sets out to do: "to reduce …", "promoting …".
PURPOSE = {"reduce", "increase", "strengthen", "improve", "enhance", "promote", "ensure",
           "build", "develop", "support", "help", "protect", "foster", "raise", "establish",
           "expand", "assist", "encourage", "combat", "prevent", "counter", "secure",
           "advance", "boost", "deepen", "create", "implement", "provide", "achieve"}
AIMS = {"objective", "objectives", "goal", "goals", "aim", "aims", "ambition", "ambitions",
        "purpose", "mission", "priority", "priorities"}
AIMING = {"aims", "aim", "aimed", "intended", "intends", "seeks", "seek", "designed", "meant",
          "order"}  # … "to": "intended to reduce", "in order to"
ASSISTING = {"assists", "assist", "assisted", "helps", "help", "helped", "supports"}
PARTS = {"components", "pillars", "priorities", "objectives", "goals", "aims", "areas"}
INCLUDING = {"include", "includes", "included", "comprise", "comprises", "are"}
EMPHASIS = {"emphasis", "focus", "focused", "focuses", "focusing"}
# Past forms of verbs of change (a development), and of mandates widened (a mandate expansion).
CHANGED = {"expanded", "strengthened", "increased", "improved", "modernised", "modernized",
           "reformed", "enhanced", "upgraded", "restructured", "broadened", "extended",
           "reinforced"}
GROWING = CHANGED | {"growing", "greater", "more"}  # … emphasis, attention: "increased emphasis"
WIDENED = {"expanded", "extended", "broadened", "enlarged", "widened", "strengthened"}
MERGING = {"merged", "merger", "merges", "merge"}
HAVING = {"has", "have", "had"}
SEVERAL = {"several", "many", "planned", "new", "numerous", "various", "some", "first", "its",
           "their"}  # words before "initiatives" that make them the actor's own
INTRODUCING = {"introduced", "proposed", "adopted", "launched", "presented", "endorsed"}
EVENTS = {"Summit", "Event", "Conference", "Meeting"}
ADOPTING = {"assumed", "adopted", "taken", "takes", "follows", "followed", "pursues",
            "pursued", "assumes", "adopts"}
APPROACH = {"approach", "stance", "posture"}
REPORTING = {"highlighted", "stressed", "emphasised", "emphasized", "underlined",
             "underscored", "reiterated"}
SPEAKERS = {"representative", "representatives", "delegation", "delegate", "minister",
            "ambassador", "government", "spokesperson", "president"}
# Where a clause ends: punctuation, or a word that starts another clause.
CLAUSE_END = {",", ";", ":", ".", "!", "?"}
# Words that make a claim of the words after them (in their clause) a denial, a plan or a
# possibility, not a fact: "has not signed", "plans to sign", "may join".
NEGATING = {"not", "n't", "never", "neither", "nor"}
# "not only (just, merely, simply) … but also" affirms; "no longer" denies
AFFIRMING = {"only", "just", "merely", "simply"}
DENYING = {"denied", "denies", "deny", "declined", "declines", "refused", "refuses", "rejected",
           "rejects"}  # before the claim in its clause: "denied that it had funded …"
# Verbs and modals only, as written in lower case ("May 2022" is a month, "the plan" a noun).
PLANNING = {"may", "might", "could", "would", "should", "will", "shall", "plans", "intends",
            "intend", "expects", "expected", "hopes", "hope", "hoped", "aims", "seeks",
            "considering", "proposes"}
# Hedges the draft keeps as ccb:qualifierAsStated on the claims of their sentence; those of
# APPROXIMATING only before a number or an amount ("around EUR 1 million", not "around the
# Pacific"; "estimated 40 staff", not "the estimated cost").
HEDGES = {"reportedly", "allegedly", "apparently", "possibly", "probably", "likely",
          "purportedly", "supposedly", "unconfirmed"}
APPROXIMATING = {"around", "approximately", "roughly", "nearly", "almost", "about", "some",
                 "estimated", "reported", "alleged", "over", "more", "up"}
# The classes of claims (relations and statements, not named things) a hedge qualifies.
CLAIMS = {"ccb:Membership", "ccb:Participation", "ccb:ForumUse", "ccb:Collaboration",
          "ccb:FundingCommitment", "ccb:Agreement", "ccb:MemorandumOfUnderstanding",
          "ccb:Statement", "ccb:Position", "ccb:Development", "ccb:Merger",
          "ccb:MandateExpansion", "ccb:InitiativeInclusion"}
CLAUSE_WORDS = frozenset({"has", "have", "had", "is", "are", "was", "were", "will", "while",
                          "which", "whose", "specifically", "since", "because"})
_ACRONYM = r"^[A-Z][A-Za-z]*[A-Z][0-9]?s?$|^[A-Z][A-Za-z]*[0-9][A-Za-z]*$"  # CERT, MoD, NC4, P4
# ISO 4217's codes ("KES 1.2 billion"), from pycountry
CURRENCY_CODES = sorted(c.alpha_3 for c in pycountry.currencies)
# Written before an amount besides codes and signs ("Rs 10 million", "KSh 2 billion")
CURRENCY_ABBREVIATIONS = ["Rs", "Rs.", "Rp", "KSh", "Ksh", "Tk"]
# Written after an amount ("10 million Mauritian rupees")
CURRENCY_WORDS = ["euros", "dollars", "pounds", "yen", "francs", "rupees", "shillings", "rand",
                  "naira", "cedis", "pesos", "dirhams", "kronor", "kroner", "krona", "won",
                  "yuan", "renminbi", "roubles", "rubles", "lira", "lei", "zlotys", "forints"]


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
    in_data: bool = False  # instances/ has it (a second draft of a text): cited, not proposed

    def turtle(self, graph: Gazetteer, described: set[str]) -> str:
        """The node's Turtle block with its comments (a node the data has: what to add); the
        countries the text describes (`described`) are named once, in the draft's head."""
        if self.in_data:
            new = [c for c in self.cites
                   if all(n != _expand(self.iri) for n, _ in graph.citing.get(_expand(c), ()))]
            return (f"# {self.what}: {self.iri} in instances/ already" + (
                f": if the text supports it here too, add {', '.join(new)} to its "
                "ccb:citesPassage" if new else ", citing this passage"))
        lines = [f"# candidate {self.what}"]
        lines += [f"# DECIDE: {d}" for d in self.decide]
        linked = sorted({o for _, o in self.props if o.startswith("country:")} - described)
        lines += [f"# NOTE: {c} is not in the data yet: describe it in shared.ttl, as the "
                  "other counterparties are (`ccbkg new country` is for a country the sources "
                  "describe)" for c in linked if not _in_data(graph, c)]
        props = [*self.props, ("ccb:citesPassage", ", ".join(self.cites))]
        body = " ;\n".join(f"    {p} {o}" for p, o in props)
        return "\n".join([*lines, f"{self.iri} a {self.cls} ;", body + " ."]) + self.extra


def _in_data(graph: Gazetteer, curie_: str) -> bool:
    return any(e.curie == curie_ and e.known for e in graph.names.values())


@dataclass
class Draft:
    """What `draft` wrote: the file, the passages and the nodes it proposes, the sentences it
    cites as passages sources.ttl has already and the nodes it found in instances/."""

    path: Path
    passages: int
    nodes: int
    cited: int = 0
    in_data: int = 0


def draft(project: Project, source: str, country: str | None) -> Draft:
    """Write drafts/<source file name>.ttl with the proposals for the source's text."""
    text_of = source_text(project, source)
    if len(text_of.text) > MAX_DRAFT_CHARACTERS:
        raise CcbkgError(f"{text_of.name} has {len(text_of.text):,} characters; draft reads "
                         f"texts of up to {MAX_DRAFT_CHARACTERS:,} (a report of some 300 "
                         "pages): cut passages from it with `ccbkg passage add`, or add its "
                         "chapters as sources of their own")
    graph = gazetteer(project)
    fixed = graph.country(country) if country else None
    folder = project.root / DRAFTS
    path = folder / (Path(text_of.name).stem.replace("_", "-") + ".ttl")
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise CcbkgError(f"{project.display(folder)} is not a folder: move it away, drafts go "
                         "there")
    drafter = _Drafter(text_of, graph, fixed)
    blocks, passages, nodes, in_data = drafter.run()
    notes = "".join(
        f"# NOTE: {c} is not in the data yet: the text describes it, so run `ccbkg new country "
        f"{c.removeprefix('country:')}` before you move its candidates into instances/\n"
        for c in sorted(drafter.described) if not _in_data(graph, c))
    if drafter.footnotes:
        notes += (f"# NOTE: {len(drafter.footnotes)} footnote text(s) are not proposed as "
                    f"passages (characters {', '.join(drafter.footnotes)}): quote one with "
                    "`ccbkg passage add` if it states a claim\n")
    cited = len(blocks) - passages
    header = (f"# ccbkg DRAFT from {text_of.name}: proposals, not data. Nothing here is part of "
              "a release:\n# check, build and publish never read drafts/.\n"
              "# To accept a passage, move its block to instances/sources.ttl (or cut a "
              "shorter one with\n# `ccbkg passage add`); to accept a node, move it to the "
              "country's file under its section\n# and move the passages it cites too. "
              "Delete what the text does not support.\n"
              "# Each DECIDE line is for the curator; labels are the text's words: write "
              "better ones.\n"
              "# Then add the inventory rows (instances/README.md) and run `ccbkg check`.\n"
              + notes + "\n"
              + PREFIXES + "@prefix oa: <http://www.w3.org/ns/oa#> .\n"
              "@prefix src: <https://w3id.org/ccbkg/id/source/> .\n")
    try:
        create(path, (header + "\n" + "\n\n".join(blocks) + "\n").encode("utf-8"),
               project.display(path), "delete it (or move it away) to draft again; ccbkg "
               "never overwrites a draft you may have edited")
    except OSError as exc:
        raise CcbkgError(f"{project.display(path)}: cannot write the draft ({exc.strerror})"
                         ) from None
    return Draft(path, passages, nodes, cited, in_data)


# What ends a sentence before a line break: a full stop or the like, closed by a quotation mark
# or a bracket or not; a bracket alone ends one on a line with a word in lower case other than
# the small words of names ("… adopted a Strategy (2018)", not the heading "… (MICDE)")
SENTENCE_END = re.compile(r"[.!?:;][\"”’)]?\s*$|[\"”’]\s*$")
_LOWER_WORD = re.compile(r"\b(?!(?:of|and|the|for|on|in|to|a|an)\b)[a-z][a-z-]*\b")


def ends_sentence(text: str, end: int) -> bool:
    """Whether the line of the text that ends at `end` (white space aside) ends a sentence
    (see SENTENCE_END)."""
    while end > 0 and text[end - 1].isspace():
        end -= 1
    last = text[max(text.rfind("\n", 0, end), text.rfind("\r", 0, end)) + 1:end]
    if CAPTION.match(last):  # "Table 3: Budget for … (Rs million)" heads a table
        return False
    return bool(SENTENCE_END.search(last)) or (
        last.endswith(")") and _LOWER_WORD.search(last) is not None)


# A caption of a table or a figure: a heading, with or without a full stop
CAPTION = re.compile(r"\s*(Table|Figure|Chart|Box|Graph|Exhibit)\s+[\dA-Z][\w.-]*\s*[:.–-]")
PARAGRAPH_BREAK = re.compile(r"(?:\r?\n|\r)[ \t]*(?:\r?\n|\r)\s*")  # a blank line and what follows


# A footnote marker glued to the end of a sentence ("with Japan.[4] In 2020", "Japan.²
# The"): the stop is a token of its own, so that the name before it is matched; the marker
# ends the sentence and the next word starts one.
_SIGN = r"[\u00b9\u00b2\u00b3\u2070-\u2079\u2020\u2021]+"  # superscript digits, daggers
MARKED_STOP = re.compile(rf"[.!?](?=\[|{_SIGN})")
MARKED_END = re.compile(rf"[.!?](?P<marker>{FOOTNOTE_MARKER.pattern})\s+(?=\S)")
# A footnote's own text: a line that opens with its marker ("[1] Ministry of …", "² NATO, …")
FOOTNOTE_BODY = re.compile(rf"(?m)^[ \t]*(?:\[\d+\]|{_SIGN})[ \t]*\S")


# spaCy's own limit on one text; the pass over a text near it takes minutes.
MAX_DRAFT_CHARACTERS = 1_000_000


def pipeline() -> spacy.language.Language:
    """spaCy's blank English pipeline with the rule-based sentencizer (no model)."""
    nlp = spacy.blank("en")
    tokenizer: Any = nlp.tokenizer  # spaCy's Tokenizer, a Cython class mypy cannot read
    tokenizer.infix_finditer = compile_infix_regex(
        [*(nlp.Defaults.infixes or ()), MARKED_STOP.pattern]).finditer
    nlp.add_pipe("sentencizer")
    return nlp


class _Drafter:
    """One pass over the text, sentence by sentence."""

    def __init__(self, source: SourceText, graph: Gazetteer, fixed: Entity | None) -> None:
        self.source, self.graph, self.fixed = source, graph, fixed
        self.footnotes: list[str] = []  # characters of footnotes' texts, not proposed
        self.nlp = pipeline()
        self.names = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self.entities: dict[str, Entity] = {}
        for name, entity in [*graph.names.items(), *graph.demonyms.items()]:
            self.entities[name] = entity
        self.names.add("NAME", [self.nlp.make_doc(name) for name in self.entities])
        # the data's longer names, to read one the text misspells by a letter
        self.spelled = [(name, entity) for name, entity in graph.names.items()
                        if entity.known and len(name) >= 12 and " " in name]
        self.matcher = Matcher(self.nlp.vocab)
        name_part = {"TEXT": {"REGEX": r"^([A-Z][\w]*|of|for|and|on|-)$"}}
        self.matcher.add("ACRONYMED", [[{"IS_TITLE": True}, {**name_part, "OP": "*"},
                                        {"ORTH": "("}, {"TEXT": {"REGEX": _ACRONYM}},
                                        {"ORTH": ")"}]])
        # JPCERT, EX-CERT, CERT-GH, CERT.LV, and any of them with a coordination centre's
        # "/CC" (JPCERT/CC, KE-CIRT/CC)
        centre: list[dict[str, Any]] = [{"ORTH": "/", "OP": "?"},
                                        {"TEXT": {"REGEX": r"^CC$"}, "OP": "?"}]
        names: tuple[list[dict[str, Any]], ...] = (
            [{"TEXT": {"REGEX": r"^[A-Z][A-Z0-9]*(CERT|CIRT|CSIRT|CIRC)$"}}],
            [{"TEXT": {"REGEX": r"^[A-Z][A-Z0-9]*$"}}, {"ORTH": "-"},
             {"TEXT": {"REGEX": r"^(CERT|CIRT|CSIRT|SIRT)$"}}],
            [{"TEXT": {"REGEX": r"^(CERT|CIRT|CSIRT|SIRT)$"}}, {"ORTH": "-"},
             {"TEXT": {"REGEX": r"^[A-Z][A-Z0-9]*$"}}],
            [{"TEXT": {"REGEX": r"^(CERT|CIRT|CSIRT|SIRT)\.[A-Z]{2,}$"}}])
        self.matcher.add("CSIRT", [[*name, *centre] for name in names])
        self.matcher.add("STRATEGY", [
            [{"TEXT": {"REGEX": r"^\d{4}$"}, "OP": "?"}, {"IS_TITLE": True, "OP": "+"},
             {"ORTH": "Strategy"}],
            [{"TEXT": {"REGEX": r"^\d{4}$"}, "OP": "?"}, {"IS_TITLE": True, "OP": "+"},
             {"LOWER": "and"}, {"IS_TITLE": True, "OP": "*"}, {"ORTH": "Strategy"}],
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
        self.matcher.add("EXERCISE", [[{"IS_TITLE": True, "OP": "+"}, {"LOWER": "exercise"}],
                                      [{"TEXT": {"REGEX": r"^[A-Z][A-Za-z0-9-]*$"}, "OP": "+"},
                                       {"ORTH": "Drill"}]])
        self.matcher.add("MONEY", [
            [{"TEXT": {"REGEX": r"^([A-Z]{1,3})?[$€£¥₹₩₦₵]$"}},
             {"TEXT": {"REGEX": r"^\d[\d,.]*$"}},
             {"TEXT": {"IN": ["M", "m", "bn", "k", "million", "billion"]}, "OP": "?"}],
            [{"TEXT": {"IN": [*CURRENCY_CODES, *CURRENCY_ABBREVIATIONS]}},
             {"TEXT": {"REGEX": r"^\d[\d,.]*$"}}, {"LOWER": {"IN": ["million", "billion"]},
                                                    "OP": "?"}],
            [{"TEXT": {"REGEX": r"^\d[\d,.]*$"}}, {"LOWER": {"IN": ["million", "billion"]},
                                                   "OP": "?"},
             {"TEXT": {"IN": ["US", "U.S."]}, "OP": "?"},
             {"IS_TITLE": True, "OP": "?"},  # "10 million Mauritian rupees"
             {"LOWER": {"IN": CURRENCY_WORDS}}]])
        day = {"TEXT": {"REGEX": r"^\d{1,2}(st|nd|rd|th)?$"}}  # "4", "1st", "15th"
        year = {"TEXT": {"REGEX": r"^(1[89]|20)\d{2}$"}}
        self.matcher.add("DATE", [
            [{**day, "OP": "?"}, {"LOWER": "of", "OP": "?"}, {"LOWER": {"IN": list(MONTHS)}},
             year],
            [{"LOWER": {"IN": list(MONTHS)}}, day, {"ORTH": ",", "OP": "?"}, year],
            [year]])
        self.matcher.add("PRINCIPLE", [[
            {"IS_TITLE": True}, {"TEXT": {"REGEX": r"^([A-Z][\w]*|-|of|on|for)$"}, "OP": "*"},
            {"ORTH": {"IN": ["Principles", "Principle"]}}]])
        self.matcher.add("MEMBER", [[{"LOWER": {"IN": ["member", "members"]}},
                                     {"LOWER": "state", "OP": "?"}, {"LOWER": "of"},
                                     {"LOWER": "the", "OP": "?"}]])
        self.nodes: dict[str, Node] = {}
        self.notes: list[str] = []  # the sentence's, for the curator
        self.dates: list[When] = []  # the sentence's
        self.taken = set(source.taken) | set(graph.subjects)
        self.described: set[str] = set()  # the countries whose sentences were read
        # the nodes that cite a passage of this text already, and their classes
        self.curated_here = {n: kind for p in source.cut.values()
                             for n, kind in graph.citing.get(p, frozenset())}

    # ------------------------------------------------------------------ the pass

    def run(self) -> tuple[list[str], int, int, int]:
        """The draft's blocks (one per sentence), passages and nodes proposed (a sentence
        that is a passage already is cited, not proposed, and so is a node the data has),
        and the nodes the data has that the text names."""
        text = self.source.text
        # Line breaks as spaces: the same offsets, and names broken over lines still match. A
        # blank line ends a sentence (a heading, a page's header or footer, a paragraph), which
        # the sentencizer, seeing no full stop, would run into the next.
        doc = self.nlp.make_doc(_curled(text.replace("\n", " ").replace("\r", " ")))
        breaks = {m.end() for m in PARAGRAPH_BREAK.finditer(text)}
        marked = list(MARKED_END.finditer(text))
        breaks |= {m.end() for m in marked}
        # a field of free text in a record ("Summary: The project …") is not one of its fields
        breaks |= {m.start("name") for m in FIELD.finditer(text) if _prose(m.group("value"))}
        markers = {i for m in marked for i in range(*m.span("marker"))}
        for token in doc[1:]:
            if token.idx in breaks:
                token.is_sent_start = True
            elif token.idx in markers or _abbreviated(token):
                token.is_sent_start = False
        doc = self.nlp.get_pipe("sentencizer")(doc)
        # a line with no full stop before a blank line is a heading, a page's header or footer
        # (or before the end of the text: a last page's footer)
        heading_ends = {m.start() for m in PARAGRAPH_BREAK.finditer(text)
                        if not ends_sentence(text, m.start())}
        if not ends_sentence(text, len(text)):
            heading_ends.add(len(text.rstrip()))
        sentences: list[tuple[str, list[str]]] = []
        proposed = 0
        current = self.fixed
        for sent in doc.sents:
            span = _trim(sent)
            if span is None or (span.end_char in heading_ends and
                                not _record(text[span.start_char:span.end_char])):
                continue
            found = self._names(span)
            # the sentence's country: one it names, not as a counterparty ("with Estonia")
            countries = [e for m, e in found if e.kind == "Country" and
                         (m.start == span.start or doc[m.start - 1].lower_ not in ("with", "to"))]
            if self.fixed is None and countries:
                current = countries[0]
            if not any(TOPIC.match(t.lower_) for t in span) and not found:
                continue
            # a sentence that is a passage already is cited as it is, not proposed again
            known = self.source.cut.get((span.start_char, span.end_char))
            key = known.removeprefix(PASSAGE_NS) if known else slug_for(span.text, self.taken)
            proposed += known is None
            self.taken.add(PASSAGE_NS + key)
            before = set(self.nodes)
            self.notes = []
            here = current
            cue = next((t.i for t in span if t.lower_ in CLAIM_CUES), None)
            subjects = [e for m, e in found if e.kind == "Country" and cue is not None and
                        m.start < cue and (m.start == span.start or
                                           doc[m.start - 1].lower_ not in ("with", "to"))]
            if self.fixed is not None and subjects and \
                    self.fixed.curie not in {c.curie for c in subjects}:
                # "Ghana signed … with the ECOWAS Commission" in a text drafted for another
                # country: Ghana's claim, as a draft without --country reads it
                here = subjects[0]
                self.notes.append(f"the sentence names {here.curie}, not {self.fixed.curie} "
                                  f"(--country): its claims are read as {here.curie}'s")
            self._propose(span, found, here, f"passage:{key}")
            self._qualify(span, [k for k in self.nodes if k not in before])
            # passages of sources.ttl inside the sentence (`passage add` cut them shorter)
            inside = sorted((a, iri) for (a, b), iri in self.source.cut.items()
                            if span.start_char <= a and b <= span.end_char and iri != known)
            cited = [iri for _, iri in inside] + ([known] if known else [])
            if cited:  # what the data has citing them: a candidate may be one of those
                self._compare(cited, [k for k in self.nodes if k not in before])
            line_start = text.rfind("\n", 0, span.start_char) + 1
            if not known and not self.notes and \
                    FOOTNOTE_BODY.search(text, line_start, span.end_char) and \
                    not any(f"passage:{key}" in n.cites for n in self.nodes.values()):
                proposed -= 1  # a footnote's reference, with nothing to propose from it
                self.footnotes.append(f"{span.start_char}-{span.end_char}")
                continue
            if inside:
                self.notes.append("passages of sources.ttl lie in this sentence: " + ", ".join(
                    f"passage:{iri.removeprefix(PASSAGE_NS)}" for _, iri in inside)
                    + "; the nodes citing them may hold some of its claims already")
            marker = FOOTNOTE_MARKER.search(text[span.start_char:span.end_char])
            head = "\n".join([
                f"# ---- sentence at characters {span.start_char}-{span.end_char}",
                *([f"# passage:{key} already, in {self.source.ttl.name}: its candidates "
                   "cite it"] if known else [
                    "# DECIDE: keep the whole sentence as the passage, or cut the words the "
                    "claims need with `ccbkg passage add`"]),
                *([f"# DECIDE: it holds a footnote marker ({marker.group()!r}): cut the "
                   "passages around it"] if marker and not known else []),
                *(f"# DECIDE: {piece.text!r} is read as {entity.curie} ({name!r}), one "
                  "letter apart: check it" for piece, entity, name in self._misspelt(span)),
                *(f"# NOTE: {note}" for note in self.notes),
                *([] if known else [passage_block(self.source, key, default_label(self._said(span)),
                                                  span.start_char, span.end_char)])])
            sentences.append((head, [k for k in self.nodes if k not in before]))
            if here is not None:
                self.described.add(here.curie)
        blocks = ["\n\n".join([head, *(self.nodes[k].turtle(self.graph, self.described)
                                          for k in keys)])
                  for head, keys in sentences]
        in_data = sum(n.in_data for n in self.nodes.values())
        return blocks, proposed, len(self.nodes) - in_data, in_data

    def _qualify(self, span: Span, keys: list[str]) -> None:
        """The sentence's new candidates, when it denies, plans or hedges: a DECIDE on each,
        and its hedges kept on its claims as ccb:qualifierAsStated."""
        negations = [t for t in span if _negation(t)] + [t for t in span if t.lower_ in DENYING]
        hedges = [t for t in span if t.lower_ in HEDGES or (
            t.lower_ in APPROXIMATING and _before_amount(span, t.i))]
        for key in keys:
            node = self.nodes[key]
            if node.in_data:
                continue
            if negations:
                node.decide.append(f"the sentence says {negations[0].text!r}: check that the "
                                   "text states this rather than denies it")
            if hedges and node.cls in CLAIMS:
                words = ", ".join(dict.fromkeys(t.text for t in hedges))
                node.props.append(("ccb:qualifierAsStated", literal(words)))
                node.decide.append(f"the text hedges it ({words}): keep ccb:qualifierAsStated "
                                   "with the words that qualify this claim (vague stays vague)")

    def _denied(self, span: Span, at: int) -> Token | None:
        """A word that denies the claim whose words start at token `at`: a negation in its
        clause, up to four words before it ("has not yet signed"), or a verb of denial before
        it in the sentence ("denied that it had funded")."""
        return _before(span, at, _negation) or _before(
            span, at, lambda t: t.lower_ in DENYING, reach=at - span.start)

    def _planned(self, span: Span, at: int) -> Token | None:
        """A word that makes the claim at token `at` a plan or a possibility ("plans to sign",
        "may join", "is expected to contribute"), up to four words before it in its clause."""
        return _before(span, at, lambda t: t.text in PLANNING)  # as written: not "May"

    def _compare(self, passages: list[str], keys: list[str]) -> None:
        """Each new candidate of a sentence holding passages the data's nodes of its class
        cite already: a DECIDE naming them (curated under names of the curator's own)."""
        citing = {c for p in passages for c in self.graph.citing.get(p, frozenset())}
        for key in keys:
            node = self.nodes[key]
            same = sorted(curie(n) for n, kind in citing if f"ccb:{kind}" == node.cls)
            if same and not node.in_data:
                node.decide.append(f"whether it is {' or '.join(same)} (instances/ has "
                                   f"{'it' if len(same) == 1 else 'them'}, citing this "
                                   "sentence's words)")

    def _said(self, words: Span) -> str:
        """The words as the text writes them (its own quotation marks, which the pass reads
        curled), white space as single spaces: every literal of a draft is the text's."""
        return " ".join(self.source.text[words.start_char:words.end_char].split())

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
        out += [(piece, entity) for piece, entity, _ in self._misspelt(span)]
        return sorted(out, key=lambda x: x[0].start)

    def _misspelt(self, span: Span) -> list[tuple[Span, Entity, str]]:
        """The data's names the sentence writes with one letter changed, added or left out
        ("G7 Ise-Shina Summit"): the words, the entity and its name."""
        out = []
        for name, entity in self.spelled:
            first = re.escape(name.split()[0])
            for hit in re.finditer(rf"(?<!\w){first}\s", span.text):
                for size in (len(name) - 1, len(name), len(name) + 1):
                    piece = span.char_span(hit.start(), hit.start() + size)
                    if piece is not None and piece.text[-1].isalnum() and \
                            _one_apart(piece.text, name):
                        out.append((piece, entity, name))
        return out

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
        self.dates = dates
        here = country.curie if country else None
        self._organisations(span, matches, found, here, cite)
        found = self._names(span)
        for m in matches.get("STRATEGY", []):
            if not self._named_as_one(span, m):  # "Themes: Cyber Security Policy and Strategy; …"
                self.notes.append(f"{m.text!r} is not proposed as a strategy: nothing before "
                                  "it (the, a, its, a country's name, a year) names it as one")
                continue
            m = _with_period(_strip(m, self.graph))  # "… Strategy 2019–2022": its period too
            cls = ("ccb:NationalCybersecurityStrategy" if "Strategy" in (w.text for w in m)
                   and any(t.text in ("Cyber", "Cybersecurity", "Security") for t in m)
                   else "ccb:Strategy")
            own = _dates([m])  # "2018 Cybersecurity Strategy": its own year; a period is none
            when = own if len(own) == 1 else dates
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
        fields = _record(self.source.text[span.start_char:span.end_char])
        if fields:  # a record of a project list: "Funders: …", "Budget: …"
            self._project(span, fields, matches, found, here, cite)
        else:
            self._funding(span, matches, found, here, cite)
        self._statements(span, found, here, cite)
        self._positions(span, here, cite)
        self._objectives(span, here, cite)
        self._developments(span, here, cite)
        self._changes(span, found, here, dates, cite)
        self._initiatives(span, found, here, cite)
        self._trainings(span, found, here, dates, cite)
        self._principles(span, matches, found, here, cite)
        self._approaches(span, found, here, cite)

    def _organisations(self, span: Span, matches: dict[str, list[Span]],
                       found: list[tuple[Span, Entity]], here: str | None, cite: str) -> None:
        """Named bodies with an acronym, and CSIRTs (a national one of the possessive or the
        sentence's country)."""
        known = {m.start_char for m, _ in found}
        whole = {(m.start, m.end) for m, _ in found}  # a name the data has, as written
        countries = [(s.start, e.curie) for s, e in found if e.kind == "Country"]
        for m in matches.get("ACRONYMED", []):
            name, acronym = _strip(m, self.graph)[:-3], m[-2:-1]
            if not len(name) or acronym.start_char in known or (name.start_char in known and (
                    len(name) == 1 or (name.start, name.end) in whole)):
                continue
            heads = [t.text for t in name]
            if heads[-1] in ("Program", "Programme"):
                self._node("programme", acronym, "ccb:Programme", "programme", cite, here,
                           [("ccb:responsibleAgent", here)], [],
                           ["who runs it and its objectives (ccb:hasObjective)"], label=name)
                continue
            national = "National" in heads or any(name.start - 2 <= at < name.end
                                                  for at, _ in countries)
            if AUTHORITIES & set(heads) or (NATIONAL_BODIES & set(heads) and national):
                cls = ("ccb:NationalAuthority" if "Authority" in heads
                       else "ccb:GovernmentAgency")
                # "… (BSI) of Germany", "the Ukrainian State Service …": that country's, not
                # the sentence's
                of = m.end < span.end and span.doc[m.end].lower_ == "of"
                owner = next((c for at, c in countries if of and at in (m.end + 1, m.end + 2)),
                             next((c for at, c in countries if at == name.start - 1), here))
                self._node("organisation", acronym, cls, "authority", cite, owner,
                           [("ccb:country", owner)], [], ["its responsibilities "
                                                          "(ccb:hasResponsibility)"] + (
                               [f"it is {owner}'s: describe it in shared.ttl, as other "
                                "countries' bodies are"] if owner != here else []),
                           label=name)
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
            if with_ is None:  # "An MoU with … is under negotiation": the verb after
                with_ = next((t.i for t in span.doc[begin:verb.i] if t.lower_ == "with"), None)
                stop = verb.i
            if with_ is None:
                continue
            denied = self._denied(span, verb.i)
            if denied is not None:
                self.notes.append(f"{denied.text!r} … {verb.text!r}: the text denies it, "
                                  "so no agreement is proposed from it")
                continue
            planned = self._planned(span, verb.i)
            if planned is not None:  # the model's statuses: signed, under negotiation
                self.notes.append(f"{planned.text!r} … {verb.text!r}: a plan, not an agreement "
                                  "signed or under negotiation (the statuses the model has), "
                                  "so none is proposed; propose it when a source reports one")
                continue
            status = "signed" if verb.lower_ in SIGNED else "under-negotiation"
            cert = any(t.lower_ in ("certs", "csirts", "cirts") for t in span.doc[with_:stop])
            if not any(with_ < m.start < stop and e.kind in PARTIES for m, e in found):
                first = with_ + 1 + (span.doc[with_ + 1].lower_ == "the"
                                     if with_ + 1 < stop else 0)
                name = _title_words(span, first) if first < stop else None
                if name is not None:  # "with the ECOWAS Commission": a party the data lacks
                    self.notes.append(f"{name.text!r} (after 'with') is not in the data: "
                                      f"{DESCRIBE_IT} for the agreement")
                continue
            for m, entity in found:
                if not with_ < m.start < stop or entity.kind not in PARTIES or \
                        entity.curie == here:
                    continue
                own = self.nodes.get(entity.curie)
                if entity.csirt_of == _expand(here) or (
                        own is not None and ("ccb:country", here) in own.props):
                    continue  # a body of the draft's own country is no counterparty
                if entity.kind == "Country" and span.doc[m.start - 1].lower_ == "of" and any(
                        other.end in (m.start - 1, m.start - 2) and e.kind in PARTIES
                        for other, e in found if e is not entity):
                    continue  # "the … (BSI) of Germany": the body is the counterparty
                if entity.kind == "Country" and any(
                        other.start == m.end and e.kind in PARTIES
                        for other, e in found if e is not entity):
                    continue  # "the Ukrainian State Service …": the body is
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
                decide = [f"the counterparty ({party.curie}{named}) and the subject; the label"]
                self._node("agreement", kind, cls, f"agreement ({status}, from {verb.text!r})",
                           cite, here, links, when, decide,
                           key=f"{here.split(':')[-1].lower()}-{local}-{kind.text.lower()[:3]}")

    def _activities(self, span: Span, matches: dict[str, list[Span]],
                    found: list[tuple[Span, Entity]], here: str | None, cite: str) -> None:
        """Memberships (`member of`), participations (`participated in`) and forum uses
        (`through` a forum, or a forum `utilised`)."""
        if here is None:
            return
        for m in matches.get("MEMBER", []):
            denied = self._denied(span, m.start)
            if denied is not None:
                self.notes.append(f"{denied.text!r} … {m.text.strip()!r}: the text denies it, "
                                  "so no membership is proposed from it")
                continue
            at: int | None = m.end
            while at is not None:  # "member of the A and (of) (the) B"
                body = next(((s, e) for s, e in found if s.start == at and e.kind in FORUMS),
                            None)
                name = body[0] if body else _title_words(span, at)
                if body is None and name is not None:  # a body the data does not describe
                    self.notes.append(f"{name.text!r} (after {m.text.strip()!r}) is not in "
                                      "the data: describe it (shared.ttl) and draft again "
                                      "for the membership")
                if body is not None:
                    self._node("membership", span.doc[m.start:body[0].end], "ccb:Membership",
                               "membership", cite, here, [
                                   ("org:member", here), ("org:organization", body[1].curie)],
                               [], ["since when, if the text says"], key=f"{here[8:].lower()}-"
                               f"{body[1].curie.split(':')[-1]}")
                at = _and_next(span, name.end) if name is not None else None
                if at is not None and span.doc[at - 1].lower_ not in ("of", "the") and not any(
                        s.start == at and e.kind in FORUMS for s, e in found):
                    at = None  # "member of NATO and Albania signed …": not a second body
        named = [_strip(m if m[-1].text == "Drill" else m[:-1], self.graph)
                 for m in matches.get("EXERCISE", [])]  # "Cyber Coalition exercise", "… Drill"
        named += _quoted_after(span, ("exercise", "drill"))  # 'a cyber drill, "Baltic Guardian"'
        for name in named:
            if len(name) and name.text not in self.entities:
                # "organised the national exercise …": led by the verb's subject
                leading = next((t for t in reversed(span.doc[span.start:name.start])
                                if t.lower_ in LEADING), None)
                leader, decide = None, "who leads it (ccb:ledBy) and which edition"
                if leading is not None and self._denied(span, leading.i) is None:
                    opens = next((w.i for w in reversed(span.doc[span.start:leading.i])
                                  if w.text in CLAUSE_END), span.start - 1) + 1
                    leader = next((e.curie for m, e in self._names(span)
                                   if opens <= m.start < leading.i and e.kind in PARTIES),
                                  None if self._unknown_before(span, leading.i) else here)
                    decide = f"who leads it: the text says {leading.text!r}; and which edition"
                self._node("exercise", name, "ccb:Exercise", "exercise", cite, here,
                           [("ccb:ledBy", leader)], [], [decide])
        found = self._names(span)
        words = [t.lower_ for t in span]
        start = next((t.i for t in span if t.lower_.startswith("participat")), None)
        denied = self._denied(span, start) if start is not None else None
        if start is not None and denied is not None:
            self.notes.append(f"{denied.text!r} … {span.doc[start].text!r}: the text denies "
                              "it, so no participation is proposed from it")
        elif start is not None:
            opens = next((w.i for w in reversed(span.doc[span.start:start])
                          if w.text in CLAUSE_END), span.start - 1) + 1
            # the body that is the verb's subject: "CERT-MU (has) participated in …", not one
            # named as another verb's object ("signed an MoU with NCIRC and participates …")
            bodies = [e.curie for m, e in found if opens <= m.start < start
                      and e.kind in PARTIES and e.kind != "Country"
                      and all(w.is_lower and w.lower_ not in ("and", "with", "to", "of")
                              for w in span.doc[m.end:start])
                      and (m.start == span.start or span.doc[m.start - 1].lower_ not in (
                          "with", "to", "of", "and"))]
            taking_part = bodies[-1] if bodies else here
            for s, e in found:
                if s.start > start and e.kind in ACTIVITIES:
                    self._node("participation", s, "ccb:Participation", "participation", cite,
                               here, [("ccb:participant", taking_part),
                                      ("ccb:inActivity", e.curie),
                                      ("ccb:participationRole", "prole:participant")], [],
                               ["the role, if not a participant"],
                               key=f"{taking_part.split(':')[-1].lower()}-"
                                   f"{e.curie.split(':')[-1]}")
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
        """A funding commitment for each amount a verb of funding gives ("The EU pledged €3m
        …, and the United States committed US$1.5 million": two): the amount as stated, no
        currency code; an amount in brackets after another ("(approximately $700,000)") is
        the same money, named on the first."""
        money = matches.get("MONEY", [])
        verbs = [t for t in span if t.lower_ in FUNDING]
        if here is None or not verbs:
            return
        if not money:  # "The Netherlands funded the exercise component": no amount stated
            for verb in verbs:
                if verb.lower_ in FUNDED:
                    self._commitment(span, None, verb, found, span.start, here, cite)
            return
        previous: Node | None = None
        start = span.start  # where the words about this amount begin
        for amount in money:
            bracketed = any(t.text == "(" for t in
                            span.doc[max(span.start, amount.start - 2):amount.start])
            if previous is not None and bracketed:
                previous.decide.append(f"the text also gives {self._said(amount)!r} in "
                                       "brackets: the same money, not a second commitment")
                continue
            verb = max((v for v in verbs if start <= v.i < amount.start), default=None,
                       key=lambda v: v.i) or min(verbs, key=lambda v: abs(v.i - amount.start))
            previous = self._commitment(span, amount, verb, found, start, here, cite)
            start = amount.end

    def _project(self, span: Span, fields: dict[str, tuple[int, int]],
                 matches: dict[str, list[Span]], found: list[tuple[Span, Entity]],
                 here: str | None, cite: str) -> None:
        """A record of a project list (GFCE's Cybil portal lists projects so): the project as a
        programme, and the funding its fields give: a funder's own contribution ("Japan
        contribution: EUR 2,500,000"), or the budget when one funder is named; the other
        fields (dates, status, beneficiaries) named for the curator."""
        if here is None:
            return
        doc, start = span.doc, span.start_char

        def within(name: str) -> list[tuple[Span, Entity]]:
            at = fields.get(name)
            return [] if at is None else [(m, e) for m, e in found
                                          if at[0] <= m.start_char - start < at[1]]

        title = next((fields[n] for n in PROJECT_FIELDS if n in fields), None)
        programme = None
        if title is not None:
            name = span.char_span(*title, alignment_mode="contract")  # (relative to span)
            if name is not None and len(name):
                runner = next((e.curie for n in RUNNER_FIELDS for _, e in within(n)), None)
                said = [self.source.text[start + a:start + b] for n, (a, b) in fields.items()
                        if n in RUNNER_FIELDS]
                programme = self._node(
                    "programme", name, "ccb:Programme", "programme", cite, here,
                    [("ccb:responsibleAgent", runner)], [],
                    [f"who runs it (ccb:responsibleAgent): the record says {said[0]!r}, which "
                     f"is not in the data: {DESCRIBE_IT}" if runner is None and said else
                     "its objectives (ccb:hasObjective)"])
        funders = [e for n in FUNDER_FIELDS for _, e in within(n) if e.kind in PARTIES]
        budget = next((fields[n] for n in BUDGET_FIELDS if n in fields), None)
        amounts = [m for m in matches.get("MONEY", []) if budget is not None
                   and budget[0] <= m.start_char - start < budget[1]]
        own = {e.curie: m for m in amounts for s, e in found
               if e.kind in PARTIES and 0 < m.start - s.end <= 3
               and any(t.lower_ == "contribution" for t in doc[s.end:m.start])}
        paid = [(funder, own.get(funder.curie)) for funder in funders]
        if len(funders) == 1 and not own and amounts:
            paid = [(funders[0], amounts[0])]
        others = ", ".join(f"{n.capitalize()} {self.source.text[start + a:start + b]!r}"
                           for n, (a, b) in fields.items() if n in OTHER_FIELDS)
        unpaid = [funder.curie for funder, amount in paid if amount is None]
        if unpaid:
            self.notes.append(f"the record names {', '.join(unpaid)} among its funders but not "
                              "their part of the budget: no funding commitment is proposed")
        for funder, amount in paid:
            if amount is None:
                continue
            node = self._commitment(span, amount, doc[amount.start - 1], found, span.start,
                                    here, cite, funder=funder.curie)
            if node is not None:
                if programme is not None:
                    node.props.append(("ccb:fundedProgramme", programme.iri))
                if others:
                    node.decide.append(f"what else the record says ({others}): a date in "
                                       "time:hasTime where it dates the commitment")

    def _named_as_one(self, span: Span, name: Span) -> bool:
        """Whether a strategy's name is written as a text names one: "National" in it, a year
        first, at the sentence's start, or after the, a, its, a possessive, a year or a party's
        name (not after a field's colon or in a list of themes)."""
        if name[0].like_num or name.start == span.start or \
                any(t.text == "National" for t in name):
            return True
        before = span.doc[name.start - 1]
        return before.lower_ in DETERMINERS or before.text in ("'s", "’s") or \
            before.like_num or before.text in self.entities

    def _unknown_before(self, span: Span, at: int) -> Span | None:
        """The name written right before token `at` ("the Ministry of Defence trained") when
        the data does not know it and it is not the country's own government, else None."""
        named = _name_before(span, at)
        if named is None or (len(named) == 1 and named[0].is_stop) or \
                named.text in self.entities or named.text in OWN_BODIES:
            return None
        return named

    def _commitment(self, span: Span, amount: Span | None, verb: Token,
                    found: list[tuple[Span, Entity]], start: int, here: str,
                    cite: str, funder: str | None = None) -> Node | None:
        """The funding commitment of one amount given by verb (None when the text denies
        it); the funder is the party named before the verb, from `start` on ("The United
        Kingdom pledged … to Ghana"), else the sentence's country; a party after the amount
        receives the money (up to the end of its clause or the next verb of funding). With
        no amount (the text states none), the commitment is the verb's clause, amount-less."""
        denied = self._denied(span, verb.i)
        if denied is not None:
            self.notes.append(f"{denied.text!r} … {verb.text!r}: the text denies it, so no "
                              "funding commitment is proposed from it")
            return None
        before = [e for m, e in found if start <= m.start < verb.i and e.kind in PARTIES]
        words = amount if amount is not None else _clause(span, verb.i)
        stop = next((t.i for t in span.doc[words.end:span.end] if t.text in CLAUSE_END
                     or t.lower_ in FUNDING or t.lower_ in CLAUSE_WORDS), span.end)
        after = _recipients(span, [(m, e) for m, e in found if words.end <= m.start < stop
                                   and e.kind in PARTIES] if amount is not None else
                            [(m, e) for m, e in found if verb.i < m.start < words.end
                             and e.kind in PARTIES])
        named = None if before or funder else self._unknown_before(span, verb.i)
        giver: Span | None = None
        if verb.lower_ in RECEIVING and funder is None:
            # "Mauritius received a grant of USD 1.2 million from the World Bank": the money
            # comes from the party after "from"; the subject receives it
            frm = next((t.i for t in span.doc[verb.i:stop] if t.lower_ == "from"), None)
            source = next((e for m, e in found if frm is not None and frm < m.start < stop
                           and e.kind in PARTIES), None)
            after = [before[-1]] if before else [e for e in self.graph.names.values()
                                                 if e.curie == here][:1]
            before, named = [source] if source else [], None
            if source is None and frm is not None:
                giver = _title_words(span, frm + 1 + (span.doc[frm + 1].lower_ == "the"))
        funder = funder or (before[-1].curie if before else
                            None if named is not None or giver is not None else here)
        decide = ["the currency: the amount is kept as the text writes it; add "
                  "schema:currency (the ISO 4217 code of the currency the text names"
                  + (f": {code}" if (code := next((t.text for t in amount
                                                    if t.text in CURRENCY_CODES), None))
                     else ", not one the funder's country suggests")
                  + ") on the amount only if the source names the currency"
                  ] if amount is not None else [
                      "the amount: the text states none, so the commitment has no ccb:amount "
                      "(add one only from a passage that states it); its label is the text's "
                      "words"]
        if named is not None:
            decide.append(f"the funder (ccb:funder): the text names {self._said(named)!r} "
                          f"before {verb.text!r}, which is not in the data: {DESCRIBE_IT}")
        if giver is not None:
            decide.append(f"the funder (ccb:funder): the money comes from "
                          f"{self._said(giver)!r}, which is not in the data: {DESCRIBE_IT}")
        planned = self._planned(span, verb.i)
        if planned is not None:
            decide.append(f"the text says {planned.text!r} {verb.text!r}: a plan, not a "
                          "commitment made; keep the words in ccb:qualifierAsStated")
        if after:
            decide.append(f"who receives it ({', '.join(e.curie for e in after)}): no "
                          "property says so; name it in the label or a dcterms:description")
        links = [("ccb:funder", funder)]
        links += [("ccb:fundedProgramme", e.curie) for _, e in found if e.kind == "Programme"]
        links += [("ccb:targetRegion", e.curie) for _, e in found if e.kind == "Region"]
        node = self._node("funding", words, "ccb:FundingCommitment", "funding commitment",
                          cite, funder or here, links, [], decide)
        if amount is None:
            return node
        stated = literal(self._said(amount))
        node.props.append(("ccb:amount", f"<{_expand(node.iri)}#amount>"))
        node.extra = (f"\n<{_expand(node.iri)}#amount> a schema:MonetaryAmount ;\n"
                      f"    rdfs:label {literal(self._said(amount), 'en')} ;\n"
                      f"    ccb:amountAsStated {stated} ;\n"
                      f"    ccb:citesPassage {cite} .")
        return node

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
                        ("ccb:quote", literal(" ".join(self.source.text[
                            span.start_char + m.start(1):span.start_char + m.end(1)].split())))],
                       [],
                       ["the speaker and where and when it was said; a position "
                        "(ccb:Position) rather than a statement when it is a belief"])

    def _positions(self, span: Span, here: str | None, cite: str) -> None:
        """A position for each view a verb introduces (`believes that …`, `advocated for
        …`), up to the end of its clause; the stance from the verb."""
        if here is None:
            return
        doc = span.doc
        for verb in span:
            if verb.lower_ not in HOLDING:
                continue
            opens = next((w.i for w in reversed(doc[span.start:verb.i])
                          if w.text in CLAUSE_END), span.start - 1) + 1
            if any(w.lower_ in NOT_THE_COUNTRY for w in doc[opens:verb.i]):
                continue  # "The project supports …": not the country's view
            start = verb.idx + len(verb.text) - span.start_char
            rest = span.text[start:]
            if verb.lower_ in ASSISTING and re.match(r"[^,;.]*?\sin\s+\w+ing\b", rest):
                continue  # "supports partner countries in establishing …": help, not a view
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

    def _objectives(self, span: Span, here: str | None, cite: str) -> None:
        """Objectives: what follows "aims to", "intended to", "the ambition to", "assists …
        in", "emphasis on" or "focused on"; the words before "constitutes one of the
        objectives" or "as its central objective"; the items after "components include"."""
        doc = span.doc
        pieces: list[Span] = []
        for t in span[:-1]:
            after = doc[t.i + 1]
            if (t.lower_ in AIMS | AIMING and after.lower_ in ("to", "of", "at")) or \
                    t.lower_ in ASSISTING:  # "aim of promoting", "assists countries in …"
                verb = next((w for w in doc[t.i + 2:min(span.end, t.i + 6)]
                             if _purpose(w.lower_)), None)
                if verb is not None and (verb.i == t.i + 2 or doc[verb.i - 1].lower_ == "in"):
                    pieces += _split(_clause(span, verb.i, CLAUSE_WORDS - {"while"},
                                             aims=True), _purpose_cut)
            elif t.lower_ in PARTS and after.lower_ in INCLUDING:
                start = t.i + 2 + (t.i + 2 < span.end and doc[t.i + 2].text == ":")
                lettered = _lettered(span, start)  # "(a) …; (b) …; and (c) …"
                pieces += lettered or self._items(_clause(
                    span, start, CLAUSE_WORDS - {"are", "is"}, {";", ".", ":"}))
            elif t.lower_ in EMPHASIS and not any(
                    w.lower_ in GROWING for w in doc[max(span.start, t.i - 2):t.i]):
                on = next((w.i for w in doc[t.i + 1:min(span.end, t.i + 3)]
                           if w.lower_ == "on"), None)
                while on is not None and on + 1 < span.end:
                    piece = _clause(span, on + 1)
                    close = next((w.i for w in piece if w.text == "”"), None)
                    if piece[0].text == "“" and close is not None:  # "on “A” and on “B”"
                        piece = doc[piece.start:close + 1]
                    pieces.append(piece)
                    nxt = doc[piece.end:piece.end + 2] if piece.end + 2 <= span.end else None
                    on = piece.end + 1 if nxt is not None and [w.lower_ for w in nxt] == [
                        "and", "on"] else None
            elif t.lower_ in AIMS and t.i > span.start and doc[t.i - 1].lower_ != "the" and any(
                    w.lower_ == "as" for w in doc[max(span.start, t.i - 3):t.i]):
                as_ = max(w.i for w in doc[max(span.start, t.i - 3):t.i] if w.lower_ == "as")
                pieces.append(_back(span, as_, participle=True))
            elif t.lower_ in ("one", "among") and any(
                    w.lower_ in AIMS for w in doc[t.i + 1:min(span.end, t.i + 5)]):
                pieces.append(_back(span, t.i - 1))
        for piece in pieces:
            if len(piece) < 1:
                continue
            quoted = piece[0].text == "“" and piece[-1].text == "”"
            inner = piece[1:-1] if quoted else piece
            self._node("objective", piece, "ccb:Objective", "objective", cite, here,
                       [("ccb:quote", literal(self._said(inner)))] if quoted else [],
                       [], ["who has it: ccb:hasObjective on the strategy, programme or "
                            "initiative the sentence names"])

    def _developments(self, span: Span, here: str | None, cite: str) -> None:
        """Developments: a verb of change after "has" ("has significantly expanded …"), or
        as a participle after a comma ("…, modernising both A and B": one for each), and
        "increased emphasis … on …"."""
        if here is None:
            return
        doc = span.doc
        pieces: list[Span] = []
        for t in span:
            before = doc[max(span.start, t.i - 3):t.i]
            nxt = doc[t.i + 1] if t.i + 1 < span.end else None
            if nxt is not None and "mandate" in (nxt.lower_, doc[min(t.i + 2, span.end - 1)]
                                                 .lower_):
                continue
            if t.lower_ in CHANGED and any(w.lower_ in HAVING for w in before):
                pieces.append(_clause(span, t.i))
            elif _changing(t.lower_) and t.i > span.start and doc[t.i - 1].text == ",":
                whole = _clause(span, t.i)
                if nxt is not None and nxt.lower_ == "both":
                    pieces += _split(whole, lambda d, i: 1 if d[i].lower_ == "and" else 0)
                else:
                    pieces.append(whole)
            elif t.lower_ in GROWING and nxt is not None and \
                    nxt.lower_ in EMPHASIS | {"attention", "importance"}:
                pieces.append(_clause(span, t.i, CLAUSE_WORDS - HAVING - {"is", "was"}))
        for piece in pieces:
            if len(piece):
                self._node("development", piece, "ccb:Development", "development", cite, here,
                           [("ccb:country", here)], [],
                           ["who acts (ccb:actor), whether one is an aspect of another "
                            "(ccb:aspectOf), and since when, if the text says"])

    def _changes(self, span: Span, found: list[tuple[Span, Entity]], here: str | None,
                 dates: list[When], cite: str) -> None:
        """Organisational changes: a merger ("merged with") of the body before the verb and
        the one after it; a mandate expansion ("an expanded mandate", "expanded its
        mandate") of the body before it."""
        doc = span.doc
        bodies = [(s, e) for s, e in found if e.kind in PARTIES - {"Country"}]
        for t in span:
            before = [e for s, e in bodies if s.end <= t.i]
            if t.lower_ in MERGING:
                after = [e for s, e in bodies if s.start > t.i]
                parties = list(dict.fromkeys(e.curie for e in (before[:1] + after[:1])))
                if len(parties) < 2:
                    continue
                self._node("changeevent", _clause(span, t.i), "ccb:Merger", "merger", cite,
                           here, [("org:originalOrganization", c) for c in parties], dates,
                           ["the resulting organisation (org:resultingOrganization)"],
                           key="-".join(c.split(":")[-1] for c in parties) + "-merger")
            elif t.lower_ == "mandate" and before:
                near = doc[max(span.start, t.i - 2):min(span.end, t.i + 3)]
                widened = [w for w in near if w.lower_ in WIDENED]
                if not widened:
                    continue
                words = doc[min(widened[0].i, t.i):max(widened[0].i, t.i) + 1]
                body = before[-1].curie
                self._node("changeevent", words, "ccb:MandateExpansion", "mandate expansion",
                           cite, here, [("org:originalOrganization", body),
                                        ("org:resultingOrganization", body)], dates,
                           ["what the mandate now covers, and the label"],
                           key=f"{body.split(':')[-1]}-mandate-expansion")

    def _trainings(self, span: Span, found: list[tuple[Span, Entity]], here: str | None,
                   dates: list[When], cite: str) -> None:
        """A training initiative for each "trained <a number of> people" ("RIA and eGA
        trained more than 1,200 officials"): run by the bodies named before the verb in its
        clause, else the sentence's country; how many, as the text says, in
        ccb:qualifierAsStated."""
        if here is None:
            return
        doc = span.doc
        for verb in span:
            if verb.lower_ not in ("trained", "trains") or self._denied(span, verb.i):
                continue
            count = next((w.i for w in doc[verb.i + 1:min(span.end, verb.i + 5)]
                          if w.like_num), None)
            if count is None or count + 1 >= span.end:
                continue  # "trained" with no number of people after it
            words = _clause(span, verb.i)
            start = next((w.i for w in reversed(doc[span.start:verb.i])
                          if w.text in CLAUSE_END), span.start - 1) + 1
            bodies = [e.curie for m, e in found if start <= m.start < verb.i
                      and e.kind in PARTIES]
            named = None if bodies else self._unknown_before(span, verb.i) or next(
                (doc[start:verb.i] for w in doc[start:verb.i] if w.lower_ in NOT_THE_COUNTRY),
                None)  # "The programme trained …", "…, which trained …"
            end = count + 1
            while end < min(span.end, count + 4) and doc[end].is_alpha and \
                    doc[end].lower_ not in PHRASE_ENDS:
                end += 1
            how_many = literal(self._said(doc[verb.i + 1:end]))
            decide = ["its name, if the text gives one (the label is the text's words)",
                      "who was trained: the text says "
                      + literal(self._said(doc[verb.i + 1:max(words.end, count + 2)]))]
            if named is not None:  # "the Ministry of Defence trained …": not the country
                decide.append(f"who trained them (ccb:responsibleAgent): the text names "
                              f"{self._said(named)!r} before {verb.text!r}, which is not in "
                              f"the data: {DESCRIBE_IT}")
            self._node("traininginit", words, "ccb:TrainingInitiative", "training initiative",
                       cite, here, [*(("ccb:responsibleAgent", b) for b in bodies
                                      or ([] if named is not None else [here])),
                                    ("ccb:qualifierAsStated", how_many)], dates, decide)

    def _initiatives(self, span: Span, found: list[tuple[Span, Entity]], here: str | None,
                     cite: str) -> None:
        """Initiatives the text gives an actor ("several Canadian initiatives", "planned
        initiatives"): one for each item after "including" or "such as", otherwise the
        initiatives themselves; CBM initiatives in a sentence about confidence-building
        measures."""
        doc = span.doc
        named = {i for s, _ in found for i in range(s.start, s.end)}
        cbm = any(t.lower_ in ("cbm", "cbms") for t in span) or "confidence-building" in \
            span.text.lower()
        for t in span:
            if t.lower_ not in ("initiative", "initiatives") or t.i in named:
                continue
            before = doc[max(span.start, t.i - 3):t.i]
            own = [w for w in before if w.lower_ in SEVERAL or w.text in self.graph.demonyms]
            if not own:
                continue
            agent = next((self.graph.demonyms[w.text].curie for w in before
                          if w.text in self.graph.demonyms), here)
            rest = _clause(span, t.i + 1, CLAUSE_WORDS, {";", ".", ":"})
            venue = next((e.curie for s, e in found if t.i < s.start <= t.i + 3 and
                          e.kind in FORUMS), None)
            links = [("ccb:responsibleAgent", agent), ("ccb:venue", venue)]
            lead = next((w.i for w in rest if w.lower_ in ("including", "such")), None)
            if lead is None:
                self._node("initiative", _clause(span, own[0].i), "ccb:Initiative",
                           "initiative", cite, here, links, [],
                           ["what it is, who runs it and its objectives (ccb:hasObjective)"
                            ])
                continue
            start = lead + (2 if doc[lead].lower_ == "such" else 1)
            items = self._items(_clause(span, start, frozenset(), {";", ".", ":"}))
            for item in items:
                self._node("cbminit" if cbm else "initiative", item,
                           "ccb:CBMInitiative" if cbm else "ccb:Initiative",
                           "CBM initiative" if cbm else "initiative", cite, here, links, [],
                           ["one node for each initiative the words name; its activity "
                            "type (ccb:activityType) and subject"
                            + (", and the CBM it relates to (ccb:relatesToCBM)" if cbm
                               else "")])

    def _principles(self, span: Span, matches: dict[str, list[Span]],
                    found: list[tuple[Span, Entity]], here: str | None, cite: str) -> None:
        """Named principles ("the Ise-Shima Principles"), who introduced them and at which
        event, and the principles they include ("which included …")."""
        doc = span.doc
        for m in matches.get("PRINCIPLE", []):
            m = _strip(m, self.graph)
            if m.text in self.entities:
                continue
            introduced = any(t.lower_ in INTRODUCING for t in doc[span.start:m.start])
            event = next((e.curie for _, e in found if e.kind in EVENTS), None)
            node = self._node("principle", m, "ccb:Principle", "principle", cite, here, [
                ("ccb:introducedBy", here if introduced else None),
                ("ccb:introducedAt", event)], [], ["what it says, and who introduced it"])
            lead = next((w.i for w in doc[m.end:min(span.end, m.end + 3)] if w.lower_ in (
                "including", "include", "includes", "included")), None)
            if lead is None:
                continue
            for item in self._items(_clause(span, lead + 1)):
                part = self._node("principle", item, "ccb:Principle", "principle", cite, here,
                                  [], [], [f"whether {node.iri} includes it"])
                node.props.append(("ccb:includesPrinciple", part.iri))

    def _items(self, piece: Span) -> list[Span]:
        """A list's items: "A, B and C" is split before C too (no comma before its "and" or
        "or"), with a NOTE, since the last item may be one of its own ("research and
        development")."""
        items = _split(piece, _list_cut)
        if len(items) < 2:
            return items
        last = items[-1]
        joined = _split(last, lambda d, i: 1 if d[i].lower_ in ("and", "or") else 0)
        if len(joined) < 2 or joined[-1].end != last.end:
            return items
        head, tail = last.doc[last.start:joined[-1].start - 1], joined[-1]
        self.notes.append(f"{last.text!r} is read as two items ({head.text!r} and "
                          f"{tail.text!r}): one node instead if it is one")
        return [*items[:-1], head, tail]

    def _approaches(self, span: Span, found: list[tuple[Span, Entity]], here: str | None,
                    cite: str) -> None:
        """A position for an approach an actor takes ("has assumed a balanced approach"),
        and a statement the text reports without quoting it ("the Canadian representative
        has highlighted the importance of …")."""
        if here is None:
            return
        for t in span:
            if t.lower_ in ADOPTING and t.i + 1 < span.end:
                view = _clause(span, t.i + 1)
                if any(w.lower_ in APPROACH for w in view):
                    self._node("position", view, "ccb:Position", f"position (from {t.text!r})",
                               cite, here, [("ccb:heldBy", here),
                                            ("ccb:stance", "stance:supports")], [],
                               ["what the approach means, and what motivates it"])
            elif t.lower_ in REPORTING and "“" not in span.text[t.idx - span.start_char:]:
                countries = [e.curie for s, e in found if s.end <= t.i and e.kind == "Country"]
                said = _clause(span, t.i)
                if len(said) < 3 or (not countries and not any(
                        w.lower_ in SPEAKERS for w in span.doc[span.start:t.i])):
                    continue  # "every passage highlighted": no one speaks
                venue = [("ccb:venue", e.curie) for _, e in found if e.kind in FORUMS]
                self._node("statement", said, "ccb:Statement", "statement",
                           cite, here, [("ccb:speaker", (countries or [here])[0]), *venue], [],
                           ["the text reports it without quoting: a description "
                            "(dcterms:description), no ccb:quote; who spoke and when"])

    # ------------------------------------------------------------------ nodes

    def _node(self, prefix: str, words: Span, cls: str, what: str, cite: str,
              here: str | None, links: Sequence[tuple[str, str | None]],
              dates: list[When],
              decide: list[str], label: Span | None = None, key: str | None = None) -> Node:
        """A new candidate (or, when one has the same key, the same candidate citing one
        more passage)."""
        shown = self._said(label or words)
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
        if self.curated_here.get(_expand(iri)) == cls.removeprefix("ccb:"):
            # as an earlier draft of this text proposed it, accepted: named, not proposed
            node = Node(iri, cls, f"{what} {shown!r}", [], [], [cite], in_data=True)
            self.nodes[iri] = node
            return node
        if _expand(iri) in self.graph.subjects:  # the same key for another text's node
            decide = [*decide, f"whether it is {iri} (instances/ has it, from another text "
                      "or of another kind)"]
        n = 2
        while _expand(iri) in self.taken:
            iri, n = f"{prefix}:{base}-{n}", n + 1
        props = [("rdfs:label", literal(shown, "en"))]
        if label is not None:
            props.append(("skos:altLabel", literal(self._said(words), "en")))
        props += [(p, o) for p, o in dict.fromkeys(links) if o is not None]
        extra = ""
        if dates:
            # the most precise date ("In its 2023 report ... on 4 May 2022": the day)
            chosen = min(dates, key=lambda d: PRECISION.index(d.datatype))
            lexical, datatype, stated = chosen.lexical, chosen.datatype, chosen.stated
            props.append(("time:hasTime", f"<{_expand(iri)}#time>"))
            extra = (f"\n# the text says {stated!r}: the date at that precision\n"
                     f"<{_expand(iri)}#time> a time:Instant ;\n"
                     f"    time:inXSD{'Date' if datatype == 'date' else datatype} "
                     f'"{lexical}"^^xsd:{datatype} .')
            others = [repr(d.stated) for d in dates if d is not chosen]
            decide = [*decide, f"whether {stated!r} dates this {what}" + (
                f" (the sentence also says {', '.join(others)})" if others else "")]
        elif len(self.dates) == 1:  # the date of another claim of the sentence, or this one's
            decide = [*decide, f"the sentence gives {self.dates[0].stated!r}: whether it dates "
                      f"this {what} (then time:hasTime, a time:Instant at that precision)"]
        elif self.dates:  # "between 2019 and 2023": a period, or dates of other claims
            decide = [*decide, "the sentence gives " + ", ".join(repr(d.stated)
                                                                 for d in self.dates)
                      + f": whether they date this {what} (a period has no time:hasTime: "
                      "the model records instants only, so keep its words in "
                      "ccb:qualifierAsStated)"]
        names = (shown, " ".join(words.text.split())) if prefix in NAMED else ()
        node = Node(iri, cls, f"{what}: {shown!r}", props, decide, [cite], extra, names)
        self.taken.add(_expand(iri))
        self.nodes[iri] = node
        return node


# ---------------------------------------------------------------------- helpers


def _negation(token: Token) -> bool:
    """A word that negates its clause ("not", "never", "no longer"; not the "not" of "not
    only")."""
    following = token.nbor(1).lower_ if token.i + 1 < len(token.doc) else ""
    return (token.lower_ in NEGATING and following not in AFFIRMING) or (
        token.lower_ == "no" and following == "longer")


def _before_amount(span: Span, at: int) -> bool:
    """Whether the word at token `at` stands right before a number or an amount (a currency's
    sign or code first, or "than", "to": "more than 1,200", "up to USD 5 million")."""
    for token in span.doc[at + 1:min(span.end, at + 4)]:
        if token.like_num or token.text in CURRENCY_CODES or re.fullmatch(
                r"([A-Z]{1,3})?[$€£¥₹₩₦₵]", token.text):
            return True
        if token.lower_ not in ("than", "to"):
            return False
    return False


def _before(span: Span, at: int, cue: Callable[[Token], bool], reach: int = 4) -> Token | None:
    """The nearest of the `reach` words before token `at`, in its clause, that is a cue."""
    for token in reversed(span.doc[max(span.start, at - reach):at]):
        if token.text in CLAUSE_END:
            return None
        if cue(token):
            return token
    return None


def _trim(sent: Span) -> Span | None:
    """The sentence without white space or a footnote marker (`[x]`, `²`, `†`) at either
    end, nor a rule line before it (`_____`, the line above a page's footnotes)."""
    text = sent.text
    lead = re.match(rf"(\s|[_=*~–—-]{{3,}}|\[?\s*\w{{0,3}}\](?!\w)|{_SIGN})*", text)
    tail = re.search(rf"(\s|\[\s*\w{{0,3}}\]?|{_SIGN})*$", text)
    start = lead.end() if lead else 0
    end = max(start, tail.start() if tail else len(text))
    span = sent.char_span(start, end, alignment_mode="contract")
    return span if span is not None and len(span) > 2 else None


def _clause(span: Span, start: int, stops: frozenset[str] = CLAUSE_WORDS,
            ends: set[str] = CLAUSE_END, *, aims: bool = False) -> Span:
    """The words from token `start` to the end of their clause: a mark of `ends` or a word
    of `stops` outside quotation marks and brackets (empty when there are none); with aims,
    a comma before the next verb of purpose ("to protect A, build B") does not end it."""
    depth, end = 0, start
    for t in span.doc[start:span.end]:
        depth = _nest(depth, t.text)
        if aims and t.text == "," and _purpose_cut(span.doc, t.i):
            end = t.i + 1
            continue
        if depth == 0 and (t.text in ends or t.lower_ in stops):
            break
        end = t.i + 1
    return span.doc[start:end]


def _title_words(span: Span, start: int) -> Span | None:
    """The name in title case (and its acronym in brackets) that starts at token start:
    "African Union (AU)"; None when none does."""
    doc, end = span.doc, start
    small = ("of", "on", "for", "and", "the")  # inside a name: "Ministry of … and the …"
    while end < span.end and (doc[end].is_title or doc[end].is_upper or (
            doc[end].lower_ in small and end > start)):
        if doc[end].lower_ == "and" and end + 1 < span.end and doc[end + 1].lower_ == "of":
            break  # "the A and of the B": two names
        end += 1
    while end > start and doc[end - 1].lower_ in small:
        end -= 1
    if end == start:
        return None
    if end + 2 < span.end and doc[end].text == "(" and doc[end + 2].text == ")":
        end += 3
    return doc[start:end]


_YEARS_RE = re.compile(r"^(19|20)\d\d([–-](19|20)\d\d)?$")


def _with_period(name: Span) -> Span:
    """A strategy's name with the year or years written after it ("Strategy 2022",
    "Strategy 2019–2022", "Strategy 2024 - 2027")."""
    doc, end = name.doc, name.end
    if end < len(doc) and _YEARS_RE.match(doc[end].text):
        end += 1
        if end + 1 < len(doc) and doc[end].text in ("-", "–") and \
                re.fullmatch(r"(19|20)\d\d", doc[end + 1].text):
            end += 2
    return doc[name.start:end]


def _quoted_after(span: Span, words: tuple[str, ...]) -> list[Span]:
    """The names in quotation marks right after one of words ("a regional cyber drill,
    “Baltic Guardian 2024”"): the words inside the marks."""
    doc, found = span.doc, []
    for t in span:
        if t.lower_ not in words:
            continue
        at = t.i + 1 + (t.i + 1 < span.end and doc[t.i + 1].text in (",", ":"))
        if at < span.end and doc[at].text == "“":
            close = next((w.i for w in doc[at + 1:span.end] if w.text == "”"), None)
            if close is not None and close > at + 1:
                found.append(doc[at + 1:close])
    return found


_LETTER = re.compile(r"^([a-z]|[ivx]+|\d{1,2})$")


def _lettered(span: Span, start: int) -> list[Span]:
    """The items of a lettered list from token `start` ("(a) protecting X; (b) building Y;
    and (c) deepening Z", or "a) …"), each without its letter, its "and" or its end mark; none
    when the words there are not one."""
    doc, items, at = span.doc, [], start
    while at < span.end:
        opened = doc[at].text == "("
        mark = at + opened
        if mark + 1 >= span.end or not _LETTER.match(doc[mark].text) or \
                doc[mark + 1].text != ")":
            break
        begin = mark + 2
        end = next((w.i for w in doc[begin:span.end] if w.text == ";"), span.end)
        stop = end
        while stop > begin and doc[stop - 1].text in CLAUSE_END:
            stop -= 1
        if stop > begin:
            items.append(doc[begin:stop])
        at = end + 1
        if at < span.end and doc[at].lower_ in ("and", "or"):
            at += 1
    return items if len(items) >= 2 else []


def _recipients(span: Span, parties: list[tuple[Span, Entity]]) -> list[Entity]:
    """The parties named after "to" or "for" (and those joined to them by "and" or a comma):
    "to Albania and Kenya", not the subject of the next clause ("… and Canada will host")."""
    doc, found, last = span.doc, [], -1
    for m, entity in sorted(parties, key=lambda p: p[0].start):
        before = m.start - 1 - (doc[m.start - 1].lower_ == "the")
        word = doc[before].lower_ if before >= span.start else ""
        if word in ("to", "for") or (word in ("and", ",") and before == last):
            found.append(entity)
            last = m.end
    return found


def _name_before(span: Span, at: int) -> Span | None:
    """The name in title case (or an acronym) that ends right before token `at`, without a
    leading "The": "The European Union pledged" gives "European Union"."""
    doc, begin = span.doc, at
    while begin > span.start and (doc[begin - 1].is_title or doc[begin - 1].is_upper or (
            doc[begin - 1].lower_ in ("of", "for", "and") and begin < at)):
        begin -= 1
    while begin < at and doc[begin].lower_ in ("the", "of", "for", "and"):
        begin += 1
    return doc[begin:at] if begin < at else None


def _abbreviated(token: Token) -> bool:
    """Whether the token follows a full stop that ends an abbreviation, not a sentence: a
    number after "No." or "Art." ("Resolution No. 5"), or a word in lower case."""
    if token.i < 2 or token.doc[token.i - 1].text != ".":
        return False
    return token.is_lower or (token.text[0].isdigit()
                              and token.doc[token.i - 2].lower_ in NUMBERING)


def _and_next(span: Span, end: int) -> int | None:
    """Where the next of two names starts after "and", "and of" or "and of the" (at end, or
    after the first name's acronym in brackets: "the African Union (AU) and of …"), else
    None."""
    doc = span.doc
    if end + 3 < span.end and doc[end].text == "(" and doc[end + 2].text == ")":
        end += 3
    words = [t.lower_ for t in doc[end:min(span.end, end + 3)]]
    if words[:1] != ["and"]:
        return None
    skip = 1 + (words[1:2] == ["of"])
    return end + skip + (words[skip:skip + 1] == ["the"])


def _curled(text: str) -> str:
    """Straight double quotation marks as curly ones, opening and closing in turn (one
    character for one: the offsets stay the text's), so that the rules read `argued that
    "…"` as they read `argued that “…”`."""
    marks = iter("“”" * (text.count('"') // 2 + 1))
    return re.sub('"', lambda _: next(marks), text)


def _nest(depth: int, text: str) -> int:
    """How deep in quotation marks and brackets the words are after the token `text`."""
    if text in ("“", "("):
        return depth + 1
    return max(0, depth - 1) if text in ("”", ")") else depth


def _split(piece: Span, cut: Callable[[Doc, int], int]) -> list[Span]:
    """The parts of `piece` between the separators `cut` finds outside quotation marks and
    brackets (`cut(doc, i)`: the separator's length in tokens at token i, or 0)."""
    parts, depth, begin, i = [], 0, piece.start, piece.start
    while i < piece.end:
        depth = _nest(depth, piece.doc[i].text)
        size = cut(piece.doc, i) if depth == 0 and i < piece.end - 1 else 0
        if size:
            parts.append(piece.doc[begin:i])
            begin = i + size
            i += size
        else:
            i += 1
    parts.append(piece.doc[begin:piece.end])
    return [p for p in parts if len(p)]


def _list_cut(doc: Doc, i: int) -> int:
    """A separator of a list's items: a comma (with "and" or "or" after it) or "as well
    as"."""
    if doc[i].text == ",":
        return 2 if i + 1 < len(doc) and doc[i + 1].lower_ in ("and", "or") else 1
    words = [t.lower_ for t in doc[i:i + 3]]
    return 3 if words == ["as", "well", "as"] else 0


def _purpose_cut(doc: Doc, i: int) -> int:
    """A separator of two aims: "and" or a comma (", and", ", to") before a verb of purpose
    ("to protect A, build B and strengthen C"), or "while (also)"."""
    if doc[i].lower_ == "while":
        return 2 if i + 1 < len(doc) and doc[i + 1].lower_ == "also" else 1
    if doc[i].text == "," and i + 1 < len(doc):
        if _purpose(doc[i + 1].lower_):
            return 1
        if doc[i + 1].lower_ == "to" and i + 2 < len(doc) and _purpose(doc[i + 2].lower_):
            return 2  # "to strengthen A, to develop B and to deepen C"
        return 1 + _purpose_cut(doc, i + 1) if doc[i + 1].lower_ == "and" else 0
    if doc[i].lower_ != "and":
        return 0
    to = 1 if i + 1 < len(doc) and doc[i + 1].lower_ == "to" else 0  # "and to protect"
    return 1 + to if i + 1 + to < len(doc) and _purpose(doc[i + 1 + to].lower_) else 0


def _purpose(word: str) -> bool:
    """Whether a word is a verb of purpose, as written or as its -ing form."""
    stem = word[:-3] if word.endswith("ing") else None
    return word in PURPOSE or (stem is not None and (stem in PURPOSE or stem + "e" in PURPOSE))


def _changing(word: str) -> bool:
    """Whether a word is the -ing form of a verb of change ("modernising")."""
    return word.endswith("ing") and word[:-3] + "ed" in CHANGED


def _back(span: Span, last: int, participle: bool = False) -> Span:
    """The words of the clause that ends at token `last` (back to the sentence's start or a
    comma), with a `participle` that leads them left out ("naming resilience": "resilience")."""
    begin = last
    while begin > span.start and span.doc[begin - 1].text not in CLAUSE_END:
        begin -= 1
    if participle and begin < last and span.doc[begin].lower_.endswith("ing"):
        begin += 1
    return span.doc[begin:last]


def _one_apart(written: str, name: str) -> bool:
    """Whether two words differ by one letter: one changed, added or left out (a bracket or
    another mark is no letter: "… Group (OEWG" is the name "… Group (OEWG)" cut short)."""
    if written == name or abs(len(written) - len(name)) > 1 or \
            re.sub(r"\W", "", written) == re.sub(r"\W", "", name):
        return False
    i = 0
    while i < min(len(written), len(name)) and written[i] == name[i]:
        i += 1
    return written[i + 1:] == name[i + 1:] or written[i:] == name[i + 1:] or \
        written[i + 1:] == name[i:]


def _strip(span: Span, graph: Gazetteer) -> Span:
    """A name without a leading article, country or demonym (The Canadian National …), but
    with the country its acronym spells ("Japan International Cooperation Agency (JICA)")."""
    acronym = span[-2].text if len(span) > 3 and span[-3].text == "(" and \
        span[-1].text == ")" else None
    i = 0
    while i < len(span) - 1 and (span[i].lower_ in ("the", "its", "a") or (
            (span[i].text in graph.demonyms or span[i].text in graph.names)
            and not _spelt(span[i:], acronym)) or
            span[i].text in ("’s", "'s") or (span[i].is_title and span[i].lower_ in (
                "through", "in", "at", "since", "as", "under", "with", "by"))):
        i += 1
    return span[i:]


def _spelt(name: Span, acronym: str | None) -> bool:
    """Whether the acronym is the initials of the name's words before it (small words aside)."""
    if acronym is None:
        return False
    words = [t.text for t in name if t.text != "(" and t.text != acronym and t.text != ")"
             and t.lower_ not in ("of", "for", "and", "the", "on")]
    return "".join(w[0] for w in words).upper() == acronym.upper()


PRECISION = ("date", "gYearMonth", "gYear")  # most precise first


def _dates(spans: list[Span]) -> list[When]:
    """The dates in the spans at the precision the text gives: (lexical form, xsd type,
    the words), from the text's own numbers and month names."""
    out = []
    for m in spans:
        year = next((t.text for t in m if re.fullmatch(r"(1[89]|20)\d{2}", t.text)), None)
        if year is None:
            continue
        month = next((MONTHS.index(t.lower_) + 1 for t in m if t.lower_ in MONTHS), None)
        day = next((int(found[1]) for t in m
                    if (found := re.fullmatch(r"(\d{1,2})(st|nd|rd|th)?", t.text))), None)
        if month and day and _is_day(int(year), month, day):
            out.append(When(f"{year}-{month:02d}-{day:02d}", "date", m.text, m.start))
        elif month:
            out.append(When(f"{year}-{month:02d}", "gYearMonth", m.text, m.start))
        else:
            out.append(When(year, "gYear", m.text, m.start))
    return out


def _record(text: str) -> dict[str, tuple[int, int]]:
    """The fields of a record ("Funders: Japan" on a line of its own, two or more), by their
    names in lower case, each with where its value starts and ends in text; else empty."""
    fields = {m.group("name").strip().lower(): m.span("value") for m in FIELD.finditer(text)}
    return fields if len(fields) >= 2 else {}


def _prose(value: str) -> bool:
    """Whether a field's value is running text (a summary) rather than a name or a figure."""
    return len(value) > 80 or bool(re.search(r"[a-z]\.(\s|$)", value))


def _is_day(year: int, month: int, day: int) -> bool:
    """Whether the day is one of that month ("31 April" is none: the month alone is kept)."""
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def _key(words: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower())[:8]) or "node"


def _expand(curie_: str) -> str:
    prefix, local = curie_.split(":", 1)
    return NAMESPACES[prefix] + local

