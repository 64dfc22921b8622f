"""Provenance: every quote is where it says it is, every fact cites a passage, and every node
the data describes is the release's own.

The source documents ship under `instances/sources/`. Each `ccb:SourceDocument` names its
file and SHA-256; each `ccb:Passage` has a Web Annotation quote selector (exact, prefix,
suffix) and position selector (start, end: Unicode code points, as Python indexes a str).
A data file describes (uses as subject) only IRIs of https://w3id.org/ccbkg/id/ or of a
namespace the ontology allows with `ccb:allowedExternalNamespace`; other IRIs would be
published under a name the release does not own. What a node records in the source's own
words (ccb:quote, the ccb:...AsStated properties) is in the words of the passages it cites,
and so, or a warning, are its dates. Every passage has a row in the claims inventory
(instances/README.md), and each row names nodes that cite its passage.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from dataclasses import replace
from decimal import Decimal

import pycountry
import pyoxigraph as ox

from ccbkg.core.findings import Finding, Severity, StageResult
from ccbkg.core.namespaces import CCB, ID, OA, RDF, SCHEMA, TIME
from ccbkg.core.termtext import curie
from ccbkg.project.layout import RefusedFile, Role
from ccbkg.project.load import LoadedFile, LoadedProject

STAGE = "provenance"
TYPE = ox.NamedNode(str(RDF.type))
CITES = ox.NamedNode(str(CCB.citesPassage))
PASSAGE = ox.NamedNode(str(CCB.Passage))
DOCUMENT = ox.NamedNode(str(CCB.SourceDocument))
QUOTE_SELECTOR = ox.NamedNode(str(OA.TextQuoteSelector))
POSITION_SELECTOR = ox.NamedNode(str(OA.TextPositionSelector))
# Nodes that need no passage of their own: they are provenance or parts of other nodes (as in
# the data shapes' ccbsh:FactNodes), or reference entities that carry an external identifier.
EXEMPT_TYPES = frozenset({PASSAGE, DOCUMENT, QUOTE_SELECTOR, POSITION_SELECTOR,
                          ox.NamedNode(str(TIME.Instant))})
IDENTIFIERS = frozenset({ox.NamedNode(str(SCHEMA.sameAs)), ox.NamedNode(str(CCB.iso3166Alpha3))})
# The classes of reference entities (countries, regions, organisations, forums): a fact (a
# funding commitment, an agreement...) with a Wikidata link still cites its passage.
REFERENCE_TYPES = frozenset(ox.NamedNode(f"{CCB}{name}") for name in (
    "Country", "Region", "Organisation", "GovernmentAgency", "NationalAuthority", "CSIRT",
    "InternationalOrganisation", "RegionalOrganisation", "Alliance", "Forum"))

FILE_NAME, SHA256 = ox.NamedNode(str(CCB.fileName)), ox.NamedNode(str(CCB.sha256))
HAS_SOURCE, HAS_SELECTOR = ox.NamedNode(str(OA.hasSource)), ox.NamedNode(str(OA.hasSelector))
EXACT, PREFIX, SUFFIX = (ox.NamedNode(str(p)) for p in (OA.exact, OA.prefix, OA.suffix))
START, END = ox.NamedNode(str(OA.start)), ox.NamedNode(str(OA.end))
HAS_TIME = ox.NamedNode(str(TIME.hasTime))
DATES = tuple(ox.NamedNode(str(TIME) + p) for p in ("inXSDgYear", "inXSDgYearMonth",
                                                    "inXSDDate"))
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
# The only properties this stage reads, each to itself (the nodes' properties share these
# objects); of the rest of the data, only which nodes use a ccb: property is noted, and the
# source's own words they record.
CURRENCY = ox.NamedNode(str(SCHEMA.currency))
VALUE = ox.NamedNode(str(SCHEMA.value))
AMOUNT_AS_STATED = ox.NamedNode(str(CCB.amountAsStated))
READ = {p: p for p in (TYPE, CITES, *IDENTIFIERS, FILE_NAME, SHA256, HAS_SOURCE, HAS_SELECTOR,
                       HAS_TIME, *DATES, CURRENCY, VALUE,
                       EXACT, PREFIX, SUFFIX, START, END)}
CCB_NS = str(CCB)
ALLOWED = ox.NamedNode(str(CCB.allowedExternalNamespace))
# An allowed namespace is an absolute IRI ending in / or #, so that it cannot allow everything.
NAMESPACE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"{}|\\^`]+[/#]$")

# A footnote marker a text kept (`[3]`, `¹²`, `†`): noise in a quote, not the source's words.
FOOTNOTE_MARKER = re.compile(r"\[\s*\w{0,3}\]|[\u00b9\u00b2\u00b3\u2070-\u2079]+|[\u2020\u2021]")
QUOTE = ox.NamedNode(str(CCB.quote))
# The longest key (the last segment of an instance IRI) in bytes: the release's files named
# after it add a suffix (".html", ".jsonld") and the file system allows 255 bytes.
KEY_BYTES = 200
AS_STATED = "AsStated"  # ccb:qualifierAsStated, ccb:amountAsStated and the like
# The claims inventory: a Markdown table | # | Claim | Nodes | Passage |, Passage an id: CURIE.
INVENTORY = "instances/README.md"
INVENTORY_ROW = re.compile(r"^\|\s*(?P<number>\d+)\s*\|.*\|(?P<nodes>.*)\|(?P<passage>[^|]*)\|\s*$")

Value = ox.NamedNode | ox.BlankNode | ox.Literal
Props = dict[ox.NamedNode, list[Value]]


def check_provenance(loaded: LoadedProject) -> StageResult:
    """Check checksums, quotes at their offsets, and that every instance node cites a passage."""
    result = StageResult(STAGE)
    allowed = _allowed_namespaces(loaded, result)
    nodes: dict[str, Props] = {}
    uses_ccb: set[str] = set()
    stated: dict[str, list[tuple[ox.NamedNode, ox.Literal]]] = {}  # the source's own words
    classes: dict[Value, Value] = {}  # each class to itself: the nodes' types share these objects
    for f in loaded.of(Role.DATA):
        subjects: set[ox.NamedNode | ox.BlankNode | ox.Triple] = set()
        for s, p, o, _ in f.quads():
            subjects.add(s)
            if isinstance(s, ox.Triple):
                continue
            key = _key(s)
            read = READ.get(p)
            if read is not None:
                if read is TYPE:
                    o = classes.setdefault(o, o)
                nodes.setdefault(key, {}).setdefault(read, []).append(o)
            if p.value.startswith(CCB_NS):
                uses_ccb.add(key)
                if isinstance(o, ox.Literal) and (p == QUOTE or p.value.endswith(AS_STATED)):
                    stated.setdefault(key, []).append((p, o))
        _check_namespaces(f, subjects, allowed, result)
        _check_keys(f, subjects, result)
    texts, changed = _documents(loaded, nodes, result)
    passages = [iri for iri, props in nodes.items() if PASSAGE in props.get(TYPE, [])]
    for iri in sorted(passages):
        _check_passage(loaded, iri, nodes, texts, changed, result)
    _check_inventory(loaded, passages, nodes, result)
    unsound = {f.node for f in result.findings  # passages whose quote is not where it says
               if f.severity is Severity.ERROR}
    cited = 0
    for iri in sorted(uses_ccb | {iri for iri, props in nodes.items() if props.get(TYPE)}):
        # An instance node has a class or a ccb: property, whatever its IRI.
        props = nodes.get(iri, {})
        if EXEMPT_TYPES & set(props.get(TYPE, [])):
            continue
        _check_value(loaded, iri, props, stated.get(iri, []), result)
        targets = [t for t in props.get(CITES, []) if isinstance(t, ox.NamedNode)]
        if not targets:
            if IDENTIFIERS & set(props) and REFERENCE_TYPES & set(props.get(TYPE, [])):
                continue
            _add(result, loaded, iri, "cites no passage: add ccb:citesPassage with the passage "
                 "of the source that states this (see instances/sources.ttl)", path=CITES.value)
            continue
        cited += 1
        for target in targets:
            if PASSAGE not in nodes.get(target.value, {}).get(TYPE, []):
                _add(result, loaded, iri, f"cites <{target.value}>, which is not a ccb:Passage "
                     "described in the data: fix the IRI or add the passage")
        if not unsound & {t.value for t in targets}:
            _check_own_words(loaded, iri, stated.get(iri, []), targets, nodes, result)
    result.notes.append(
        f"{len(texts)} source documents, {len(passages)} passages checked; "
        f"{cited} nodes cite passages"
    )
    if not passages:
        result.findings.append(Finding(STAGE, Severity.ERROR, "the data has no ccb:Passage: "
                                       "nothing can be traced to its source"))
    result.findings.sort(key=lambda f: f.node or "")  # blank nodes by where they are written
    return result


# An amount as a source prints it: one number (1,200 / 27.7), a scale word after it or not.
_PRINTED_AMOUNT = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\d,]|\.\d)"
                             r"\s*([A-Za-z]+\.?)?")
_SCALES = {"thousand": 3, "thousands": 3, "k": 3, "lakh": 5, "lakhs": 5, "million": 6,
           "millions": 6, "mn": 6, "mln": 6, "mio": 6, "m": 6, "crore": 7, "crores": 7,
           "billion": 9, "billions": 9, "bn": 9, "b": 9, "mrd": 9, "trillion": 12, "tn": 12}
# Words after a number that name its currency, not a scale ("5 million US dollars").
_CURRENCY_WORDS = re.compile(r"(?i:us|u\.s\.|dollars?|euros?|pounds?|yen|yuan|francs?|"
                             r"rupees?|shillings?|cedis?)$|[A-Z]{3}$")  # or a code: "10 EUR"


def stated_amount(words: str) -> Decimal | None:
    """The number an amount as printed states ("$27.7M": 27700000, "KES 1.2 billion",
    "EUR 250,000", "INR 10 crore"), or None when it holds no number, more than one (a range),
    or a word after the number that is neither a scale nor a currency."""
    found = _PRINTED_AMOUNT.findall(words)
    if len(found) != 1:
        return None
    whole, fraction, word = found[0]
    number = Decimal(whole.replace(",", "") + fraction)
    scale = word.lower().rstrip(".")
    if not word or _CURRENCY_WORDS.match(word):
        return number
    return number.scaleb(_SCALES[scale]) if scale in _SCALES else None  # a word not known


def _check_value(loaded: LoadedProject, iri: str, props: Props,
                 stated: list[tuple[ox.NamedNode, ox.Literal]], result: StageResult) -> None:
    """An amount's schema:value is the number its ccb:amountAsStated states, where that words
    one number ("EUR 2.5 million" is 2500000, not 25000000)."""
    printed = [v for p, v in stated if p == AMOUNT_AS_STATED]
    for value in props.get(VALUE, []):
        if not isinstance(value, ox.Literal) or len(printed) != 1:
            continue
        expected = stated_amount(printed[0].value)
        try:
            given = Decimal(value.value)
        except ArithmeticError:
            continue  # not a number: the shapes say so
        if expected is not None and given != expected:
            _add(result, loaded, iri, f"schema:value {value.value} is not the amount "
                 f"ccb:amountAsStated {printed[0].value!r} states ({expected:f}): give the "
                 "number the source prints, scaled by its 'million' or 'M'", path=VALUE.value)


def _in_whole_words(said: str, words: str) -> bool:
    """Whether said stands in words at least once neither starting nor ending inside a word
    ("ort, and no cou" of "report, and no country" does not)."""
    at = words.find(said)
    while at >= 0:
        end = at + len(said)
        cut_before = at > 0 and words[at - 1].isalnum() and said[0].isalnum()
        cut_after = end < len(words) and words[end].isalnum() and said[-1].isalnum()
        if not cut_before and not cut_after:
            return True
        at = words.find(said, at + 1)
    return False


def _check_own_words(loaded: LoadedProject, iri: str,
                  stated: list[tuple[ox.NamedNode, ox.Literal]], targets: list[ox.NamedNode],
                  nodes: dict[str, Props], result: StageResult) -> None:
    """The source's own words a node records (ccb:quote, the ccb:...AsStated properties) are in
    the words of the passages it cites, white space aside and, for a capital at the start of
    a sentence, case aside: a changed word, date or amount is an error. The year, month and day
    of its dates (time:hasTime) are there too, or it is a warning."""
    times = [t for t in nodes.get(iri, {}).get(HAS_TIME, []) if not isinstance(t, ox.Literal)]
    currencies = [c for c in nodes.get(iri, {}).get(CURRENCY, []) if isinstance(c, ox.Literal)]
    if not stated and not times and not currencies:
        return
    words = " ".join(" ".join(exact.value.split()) for target in targets
                     for selector in nodes.get(target.value, {}).get(HAS_SELECTOR, [])
                     for exact in nodes.get(_key(selector), {}).get(EXACT, [])
                     if isinstance(exact, ox.Literal))
    if not words:
        return  # no passage with a quote: reported where the citations are checked
    for p, value in stated:
        said = " ".join(value.value.split())
        if said in words or said.lower() in words.lower():
            if p == QUOTE and not _in_whole_words(said.lower(), words.lower()):
                _add(result, loaded, iri, f"ccb:quote {value.value!r} starts or ends inside a "
                     "word of the passages this node cites: quote whole words",
                     path=p.value, severity=Severity.WARNING)
            continue
        cited = ", ".join(curie(t.value) for t in targets)
        _add(result, loaded, iri, f"{curie(p.value)} {value.value!r} is not in the words of the "
             f"passages this node cites ({cited}): the source's own words go here as the "
             "source writes them; copy them from the passage, or cite the passage that says "
             "them", path=p.value)
    for code in currencies:
        if not _names_currency(code.value, words):
            _add(result, loaded, iri, f"schema:currency {code.value!r} is not named in the words "
                 "of the passages this node cites (by its code, name or sign): a currency is "
                 "recorded only where the source names it; leave it out, the amount as printed "
                 "stays in ccb:amountAsStated", path=CURRENCY.value)
    for time in times:
        for p in DATES:
            for date in nodes.get(_key(time), {}).get(p, []):
                missing = _date_words(date.value, words)
                if not missing:
                    continue
                # the passages give one other year, and nothing that dates from it: a wrong
                # fact, not one dated from context ("a year later", "FY 2022/23")
                other = missing.startswith("the year") and _one_other_year(words)
                years = sorted(set(_YEAR.findall(words)))
                _add(result, loaded, iri, f"the date {date.value} ({curie(p.value)} of its "
                     f"time:hasTime) is not in the words of the passages this node cites: "
                     f"they do not give {missing}" + (
                         f" but {' and '.join(years)}" if other else "") + ". A date is given "
                     "at the precision the source gives it, from the passage cited",
                     path=HAS_TIME.value,
                     severity=Severity.ERROR if other else Severity.WARNING)


# Signs and words that name one currency alone, as texts write them ("$" is the sign of many
# dollars, "¥" of the yen and the yuan).
CURRENCY_SIGNS = {"EUR": ("€",), "GBP": ("£",), "INR": ("₹",), "USD": ("US$",),
                  "GHS": ("GH₵",), "CNY": ("RMB", "yuan", "renminbi"), "JPY": ("円",),
                  "AUD": ("A$", "AU$"), "CAD": ("C$", "CA$"), "NZD": ("NZ$",), "HKD": ("HK$",),
                  "SGD": ("S$",), "BRL": ("R$",), "KES": ("KSh", "Ksh"), "NGN": ("₦",),
                  "KRW": ("₩",), "PHP": ("₱",), "TRY": ("₺",), "UAH": ("₴",), "RUB": ("₽",)}
_AMOUNT = r"\d[\d.,]*\s*(?:[a-z]+\s+)?"  # "2 million ", "40 "


@functools.cache
def _last_words() -> Counter[str]:
    """How many ISO 4217 currencies' names end with each word (dollar: dozens, yen: one)."""
    return Counter(c.name.split()[-1].lower() for c in pycountry.currencies)


def _names_currency(code: str, words: str) -> bool:
    """Whether the words name the ISO 4217 currency: its code (as written, in capitals), a
    sign or word of it alone (CURRENCY_SIGNS), or after an amount its name, the last word
    of its name when no other currency's name ends with it ("2 million euros", "10 billion
    yen", not "7 million Canadian dollars" for USD, nor "won praise"), or that word after its
    country's adjective ("Mauritian rupees"). "Rs" names no one rupee."""
    if re.search(rf"(?<![A-Za-z]){re.escape(code)}(?![A-Za-z])", words) or any(
            re.search(rf"(?<![A-Za-z]){re.escape(sign)}", words)  # not the S$ of US$
            for sign in CURRENCY_SIGNS.get(code, ())):
        return True
    currency = pycountry.currencies.get(alpha_3=code)
    if currency is None:
        return False
    parts = currency.name.split()
    if len(parts) > 1 and re.search(  # "Pound Sterling", "US Dollar": anywhere, plural or not
            r"\b" + r"s?\s+".join(map(re.escape, parts)) + r"s?\b", words, re.IGNORECASE):
        return True
    alone = [currency.name] if len(parts) == 1 else []
    if _last_words()[parts[-1].lower()] == 1:
        alone.append(parts[-1])
    if any(re.search(rf"{_AMOUNT}{re.escape(n)}(s|es)?\b", words, re.IGNORECASE)
           for n in alone):
        return True
    # the country's adjective for its name ("10 million Mauritian rupees": Mauritius Rupee)
    country = " ".join(parts[:-1])
    stem = re.escape(country[:max(4, len(country) - 3)])
    return len(parts) > 1 and re.search(rf"{_AMOUNT}{stem}\w*\s+{re.escape(parts[-1])}(s|es)?\b",
                                        words, re.IGNORECASE) is not None


_YEAR = re.compile(r"(?<![\d/–-])\b(1[89]\d\d|20\d\d)\b(?![/–-]\d)(?!\s+(?:[a-z]+\s+)?"
                   r"(?:officials|people|staff|participants|experts|members|persons))")
# What makes a year of the passage date other things too: relative dates, periods, fiscal years
_RELATIVE = re.compile(r"(?i)\b(later|earlier|previous|following|next|last|after|before|"
                       r"since|until|FY|fiscal)\b|\d{4}\s*[/–-]\s*\d{2,4}")


def _one_other_year(words: str) -> bool:
    """Whether the words name exactly one year and nothing relative to it or a period, so that
    a date of another year cannot come from them."""
    return len(set(_YEAR.findall(words))) == 1 and _RELATIVE.search(words) is None


def _date_words(date: str, words: str) -> str | None:
    """What of an xsd:gYear, gYearMonth or date (the year, the month's name or number, the
    day) the words do not give, or None."""
    match = re.fullmatch(r"(\d{4})(?:-(0[1-9]|1[0-2])(?:-(\d{2}))?)?", date)
    if match is None:
        return None  # an ill-formed date: the syntax stage says so
    year, month, day = match.groups()
    if not re.search(rf"\b{year}\b", words):
        return f"the year {year}"
    if month and not (re.search(rf"\b{MONTHS[int(month) - 1][:3]}", words)
                      or f"{year}-{month}" in words or _numeric(words, year, int(month))):
        return f"the month {MONTHS[int(month) - 1]}"
    if day and not _gives_day(words, year, int(month), int(day)):
        return f"the day {int(day)}"
    return None


_ORDINAL = r"(?:st|nd|rd|th)?"
_OTHER_DAY = rf"\d{{1,2}}{_ORDINAL}"  # the other end of "14th-15th June", "4 and 5 May"


def _numeric(words: str, year: str, month: int, day: int | None = None) -> bool:
    """Whether the words write the date in figures, day and month either way round
    ("01/07/2018", "1.7.2018"; with day None, any day)."""
    d = rf"0?{day}" if day is not None else r"\d{1,2}"
    m = rf"0?{month}"
    return re.search(rf"\b(?:{d}[/.]{m}|{m}[/.]{d})[/.]{year}\b", words) is not None


def _gives_day(words: str, year: str, month: int, day: int) -> bool:
    """Whether the words give the day of that month: next to the month's name ("17th August",
    "4 and 5 May", "the 4th of May", "August 17", "June 14-15"), or in figures."""
    name = MONTHS[month - 1][:3]
    before = rf"\b0?{day}{_ORDINAL}(?:\s*(?:[-–]|and|to)\s*{_OTHER_DAY})?\s+(?:of\s+)?{name}"
    after = rf"\b{name}[a-z]*\.?\s+(?:{_OTHER_DAY}\s*(?:[-–]|and|to)\s*)?0?{day}{_ORDINAL}\b"
    return re.search(before, words) is not None or re.search(after, words) is not None or \
        f"{year}-{month:02d}-{day:02d}" in words or _numeric(words, year, month, day)


def _key(node: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """A node's IRI, a blank node's label (no ':', which every IRI has: see load.shown_node),
    or a literal's Turtle form."""
    return node.value if isinstance(node, ox.NamedNode | ox.BlankNode) else str(node)


def _allowed_namespaces(loaded: LoadedProject, result: StageResult) -> tuple[str, ...]:
    """The release's namespace and those the ontology allows; a finding for each allowed one
    that is not a namespace."""
    allowed: tuple[str, ...] = (str(ID),)
    for f in loaded.of(Role.ONTOLOGY):
        for q in f.quads():
            if q.predicate != ALLOWED:
                continue
            if isinstance(q.object, ox.Literal) and NAMESPACE.match(q.object.value):
                allowed += (q.object.value,)
                continue
            node = _key(q.subject)
            result.findings.append(Finding(
                STAGE, Severity.ERROR, f"ccb:allowedExternalNamespace {q.object} is not a "
                "namespace: write an absolute IRI ending in / or # as an xsd:anyURI literal",
                file=f.display, line=f.subject_lines.get(node), node=node))
    return allowed


def _check_namespaces(f: LoadedFile, subjects: set[ox.NamedNode | ox.BlankNode | ox.Triple],
                      allowed: tuple[str, ...], result: StageResult) -> None:
    """Every IRI a data file describes (its subjects) is in an allowed namespace."""
    outside = {s.value for s in subjects
               if isinstance(s, ox.NamedNode) and not s.value.startswith(allowed)}
    for iri in sorted(outside, key=lambda iri: (f.subject_lines.get(iri, 0), iri)):
        line = f.subject_lines.get(iri)
        result.findings.append(Finding(
            STAGE, Severity.ERROR, f"<{iri}> is outside the release's namespace {ID}: "
            "name instance nodes https://w3id.org/ccbkg/id/<type>/<key> and link an "
            "external identifier with schema:sameAs (or, to describe IRIs of another "
            "namespace, declare it on the ontology header with "
            "ccb:allowedExternalNamespace)", file=f.display, line=line, node=iri))


def _check_keys(f: LoadedFile, subjects: set[ox.NamedNode | ox.BlankNode | ox.Triple],
                result: StageResult) -> None:
    """Every IRI of the release's namespace a data file describes has a key a file may be
    named after: the release writes files named by it (its page of the site, a country's
    documents), and a file system takes names of at most 255 bytes."""
    for s in sorted((s for s in subjects if isinstance(s, ox.NamedNode)),
                    key=lambda s: (f.subject_lines.get(s.value, 0), s.value)):
        if not s.value.startswith(str(ID)):
            continue
        key = s.value.split("#", 1)[0].rsplit("/", 1)[-1]
        size = len(key.encode("utf-8"))
        if size > KEY_BYTES:
            result.findings.append(Finding(
                STAGE, Severity.ERROR, f"the key of <{s.value[:80]}…> is {size} bytes long: "
                f"the release names files after it, and a file name holds at most 255 bytes; "
                f"give it a key of at most {KEY_BYTES} bytes", file=f.display,
                line=f.subject_lines.get(s.value), node=s.value))


def _documents(loaded: LoadedProject, nodes: dict[str, Props],
               result: StageResult) -> tuple[dict[str, str], dict[str, Finding]]:
    """Each source document's text, after checking that its file is shipped and its checksum,
    and the finding of each document whose text changed.

    Every text shipped (instances/sources/*.txt, which the build copies) is read, cited or not,
    so that a file the build could not read fails the check.
    """
    folder = loaded.project.root / "instances" / "sources"
    shipped: dict[str, bytes | None] = {}
    for path, read in loaded.source_texts().items():
        if isinstance(read, RefusedFile):
            shipped[path.name] = None
            result.findings.append(Finding(STAGE, Severity.ERROR, read.reason, file=read.shown))
        else:
            shipped[path.name] = read
    texts: dict[str, str] = {}
    changed: dict[str, Finding] = {}
    for iri, props in sorted(nodes.items()):
        if DOCUMENT not in props.get(TYPE, []):
            continue
        name = _literal(props, FILE_NAME)
        digest = _literal(props, SHA256)
        if name is None or digest is None:
            _add(result, loaded, iri, "a ccb:SourceDocument needs ccb:fileName and ccb:sha256")
            continue
        if name not in shipped:
            _add(result, loaded, iri, f"its file {name} is not in instances/sources/ "
                 "(a .txt file there)")
            continue
        raw = shipped[name]
        if raw is None:
            continue
        actual = hashlib.sha256(raw).hexdigest()
        if actual != digest.lower():
            _add(result, loaded, iri, f"ccb:sha256 says {digest} but {name} has {actual}: the "
                 "text changed since it was added (or the checksum is wrong), so no offset into "
                 f"it can be trusted: restore it (git checkout -- instances/sources/{name}); a "
                 "new version of the text is a new source (`ccbkg source add`, which names it "
                 "by its checksum), with its passages cut again")
            changed[iri] = result.findings[-1]
            continue
        try:
            texts[iri] = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            result.findings.append(Finding(
                STAGE, Severity.ERROR, file=loaded.project.display(folder / name), message=(
                    f"byte 0x{raw[exc.start]:02x} at byte offset {exc.start} is not valid "
                    "UTF-8; a source text must be UTF-8 (its passages' offsets count "
                    "characters)")))
    return texts, changed


def _check_passage(
    loaded: LoadedProject, iri: str, nodes: dict[str, Props], texts: dict[str, str],
    changed: dict[str, Finding], result: StageResult,
) -> None:
    props = nodes[iri]
    doc = _first_iri(props, HAS_SOURCE)
    if doc in changed:  # follows from the document's finding, which says what to do
        _add(result, loaded, iri, "its source's text changed: no offset into it can be trusted")
        result.findings[-1] = replace(result.findings[-1], cause=changed[doc].reference())
        return
    if doc is None or doc not in texts:
        _add(result, loaded, iri, "oa:hasSource must name a ccb:SourceDocument whose file "
             "is shipped and whose checksum matches")
        return
    text = texts[doc]
    keys = [_key(s) for s in props.get(HAS_SELECTOR, [])
            if isinstance(s, ox.NamedNode | ox.BlankNode)]
    quote_key = next((k for k in keys if QUOTE_SELECTOR in nodes.get(k, {}).get(TYPE, [])), None)
    position_key = next((k for k in keys
                         if POSITION_SELECTOR in nodes.get(k, {}).get(TYPE, [])), None)
    quote = nodes[quote_key] if quote_key is not None else None
    position = nodes[position_key] if position_key is not None else None
    if quote is None or position is None:
        _add(result, loaded, iri, "a passage needs an oa:TextQuoteSelector and an "
             "oa:TextPositionSelector (oa:hasSelector)")
        return
    exact = _literal(quote, EXACT)
    start = _integer(position, START)
    end = _integer(position, END)
    if not exact or start is None or end is None:
        _add(result, loaded, iri, "the selectors need a non-empty oa:exact and integer "
             "oa:start and oa:end")
        return
    actual = text[start:end]
    if actual != exact:
        found = text.find(exact)
        if found >= 0:
            hint = (f"the quote is found at {found}-{found + len(exact)}: set oa:start {found} "
                    f"and oa:end {found + len(exact)}")
        else:
            same = next((i for i, (a, b) in enumerate(zip(exact, actual, strict=False))
                         if a != b), min(len(exact), len(actual)))
            hint = (f"the quote is nowhere in the source: from its character {same + 1} it "
                    f"reads {exact[same:same + 20]!r} where the source has "
                    f"{actual[same:same + 20]!r}; copy it verbatim from the source file")
        _add(result, loaded, iri, f"oa:exact is not the text at {start}-{end} "
             f"(which reads {actual[:60]!r}); {hint}", at=quote_key)
        return
    prefix = _literal(quote, PREFIX)
    suffix = _literal(quote, SUFFIX)
    before = text[max(0, start - len(prefix or "")):start]
    if prefix is not None and before != prefix:
        _add(result, loaded, iri, f"oa:prefix {prefix!r} is not the text just before the "
             f"quote, which is {before!r}", at=quote_key)
    after = text[end:end + len(suffix or "")]
    if suffix is not None and after != suffix:
        _add(result, loaded, iri, f"oa:suffix {suffix!r} is not the text just after the "
             f"quote, which is {after!r}", at=quote_key)
    marker = FOOTNOTE_MARKER.search(exact)
    if marker is not None:
        _add(result, loaded, iri, f"the quote holds a footnote marker ({marker.group()!r}), "
             "which is not the source's words: end the passage before it, or quote the words "
             "on each side of it as two passages", severity=Severity.WARNING)


def _check_inventory(loaded: LoadedProject, passages: list[str], nodes: dict[str, Props],
                     result: StageResult) -> None:
    """The claims inventory, instances/README.md (when the data is the tree's own instances/
    and the inventory exists): every passage has a row, and a row's passage is a passage of
    the data that each node the row names cites (a node's #part need only exist)."""
    path = loaded.project.root / INVENTORY
    if loaded.project.data_files is not None or not path.exists():
        return
    try:
        text = loaded.project.read_bytes(path).decode("utf-8", errors="replace")
    except RefusedFile as exc:
        result.findings.append(Finding(STAGE, Severity.ERROR, exc.reason, file=exc.shown))
        return
    listed = set()
    for number, line in enumerate(text.splitlines(), start=1):
        row = INVENTORY_ROW.match(line)
        if row is None:
            continue
        passage = str(ID) + row.group("passage").strip("` ").removeprefix("id:")
        listed.add(passage)
        named = [n.strip().strip("`") for n in row.group("nodes").split(",")
                 if n.strip() not in ("", "—")]
        problems: list[tuple[str | None, str]] = []
        if named and PASSAGE not in nodes.get(passage, {}).get(TYPE, []):
            problems.append((None, f"{curie(passage)} is not a passage of the data"))
        for name in named:
            iri = str(ID) + name.removeprefix("id:")
            if not name.startswith("id:") or iri not in nodes:
                problems.append((None, f"{name} is not a node of the data"))
            elif "#" not in name and ox.NamedNode(passage) not in nodes[iri].get(CITES, []):
                problems.append((iri, f"{name} does not cite {curie(passage)}"))
        result.findings.extend(Finding(
            STAGE, Severity.ERROR, f"row {row.group('number')} of the claims inventory: {problem}"
            ": correct the row, or the node's ccb:citesPassage", file=INVENTORY, line=number,
            node=node) for node, problem in problems)
    for iri in sorted(set(passages) - listed):
        _add(result, loaded, iri, f"no row of the claims inventory {INVENTORY} names this "
             "passage: add | N | the claim | the nodes | id:passage/"
             f"{iri.removeprefix(str(ID) + 'passage/')} | (or a row saying why it is left out)")


def _literal(props: Props, p: ox.NamedNode) -> str | None:
    values = [v.value for v in props.get(p, []) if isinstance(v, ox.Literal)]
    return values[0] if len(values) == 1 else None


def _integer(props: Props, p: ox.NamedNode) -> int | None:
    value = _literal(props, p)
    return int(value) if value is not None and value.isdigit() else None


def _first_iri(props: Props, p: ox.NamedNode) -> str | None:
    values = [v.value for v in props.get(p, []) if isinstance(v, ox.NamedNode)]
    return values[0] if values else None


def _add(result: StageResult, loaded: LoadedProject, iri: str, message: str,
         path: str | None = None, severity: Severity = Severity.ERROR,
         at: str | None = None) -> None:
    """A finding on the node iri, located where it is described (or where the node `at` is:
    a passage's selector, whose lines hold its quote and offsets)."""
    file, line, node = loaded.locate(iri, Role.DATA)
    if at is not None:
        file, line, _ = loaded.locate(at, Role.DATA)
    result.findings.append(Finding(STAGE, severity, message, file=file, line=line, node=node,
                                   path=path))
