"""`source add` and `passage add`: a source text under instances/sources/ and its passages.

Naming rule for a new source: the file is `NNN_<h>.txt`, where NNN is the next three-digit
number in instances/sources/ and <h> the first 16 hexadecimal digits of the file's SHA-256;
its node is `src:<h>`. (The seed text, 000_311875a826843e54.txt, predates the rule: its key is
not a prefix of its checksum.)
"""

from __future__ import annotations

import bisect
import difflib
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ccbkg.core.errors import CcbkgError
from ccbkg.core.namespaces import CCB, ID, OA
from ccbkg.core.textlines import split_lines
from ccbkg.curate.files import append, literal, one_line, sources_ttl, triples
from ccbkg.project.layout import Project, read_regular
from ccbkg.project.literals import problem
from ccbkg.project.load import INVISIBLE_RE
from ccbkg.release.atomic import write_bytes

SOURCE_NS = f"{ID}source/"
PASSAGE_NS = f"{ID}passage/"
DRAFTS = "drafts"  # the folder `ccbkg draft` writes its proposals in
# a passage a draft proposes, as `passage_block` writes it
_DRAFTED_RE = re.compile(r"(?m)^passage:([a-z0-9]+(?:-[a-z0-9]+)*) a ccb:Passage\b")
OA_SOURCE, OA_START, OA_END = str(OA.hasSource), str(OA.start), str(OA.end)
CONTEXT = 32  # characters of oa:prefix and oa:suffix, as the existing passages
DATE = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?", re.ASCII)
_DATATYPES = {4: "gYear", 7: "gYearMonth", 10: "date"}
SLUG_WORDS = 6
LABEL_CHARS = 80  # of a passage's default label
# A label as the shapes want it (ccbsh:Instance-labelSpacing): words of no white space each,
# one ordinary space between them.
LABEL_SPACING = re.compile(r"\S+( \S+)*")
# Page breaks (form feeds, as pdftotext writes them) and vertical tabs become line breaks when
# a text is cleaned; every other character a literal may not hold (`INVISIBLE_RE`) is deleted.
_AS_LINE_BREAKS = str.maketrans({"\f": "\n", "\v": "\n"})
_CONTROL_NAMES = {"\f": "FORM FEED, a page break", "\v": "LINE TABULATION", "\x00": "NULL"}


@dataclass(frozen=True)
class Bibliography:
    """What a curator knows of a source document."""

    title: str
    author: str | None = None
    publisher: str | None = None
    date: str | None = None
    url: str | None = None


def add_source(project: Project, file: Path, bib: Bibliography,
               clean: bool = False) -> tuple[Path, str, list[str]]:
    """Copy a UTF-8 text under instances/sources/ and describe it; the copy, its IRI and what
    was cleaned out of it. A text that a passage's words or context could not be taken from
    (characters a literal may not hold, decomposed accents) is refused, or with clean stored
    cleaned (`_cleaned`), CR LF line ends then made LF too."""
    raw = read_regular(file, str(file))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CcbkgError(f"{file}: byte offset {exc.start} is not UTF-8; convert the text to "
                         "UTF-8 first (passage offsets count its characters)") from None
    if not text.strip():
        raise CcbkgError(f"{file}: the text is empty: a source's passages quote its words")
    found = Counter(match.group() for match in INVISIBLE_RE.finditer(text))
    decomposed = not unicodedata.is_normalized("NFC", text)  # accents apart from letters
    if (found or decomposed) and not clean:
        raise CcbkgError(_unclean(file, text, found, decomposed))
    cleaned: list[str] = []
    if clean:
        text, cleaned = _cleaned(text, found)
        raw = text.encode("utf-8")
    if not bib.title.strip():
        raise CcbkgError("--title is empty: give the source's title")
    for option, value in (("--title", bib.title), ("--author", bib.author),
                          ("--publisher", bib.publisher), ("--date", bib.date),
                          ("--url", bib.url)):
        one_line(value, option)
    if bib.date is not None and not DATE.fullmatch(bib.date):
        raise CcbkgError(f"--date {bib.date!r}: write YYYY, YYYY-MM or YYYY-MM-DD, at the "
                         "precision the source gives")
    wrong = problem(bib.date, _xsd(bib.date)) if bib.date is not None else None
    if wrong is not None:
        raise CcbkgError(f"--date: {wrong}")
    if bib.url is not None and not _is_url(bib.url):
        raise CcbkgError(f"--url {bib.url!r}: give an absolute http(s) URL")
    digest = hashlib.sha256(raw).hexdigest()
    folder = project.root / "instances" / "sources"
    ttl = sources_ttl(project)
    for s, p, o in triples(project, ttl):
        if p == str(CCB.sha256) and o.lower() == digest:
            raise CcbkgError(f"{file}: this text is already a source ({s}); "
                             "ccbkg never adds a text twice")
    numbers = [int(p.name[:3]) for p in folder.glob("[0-9][0-9][0-9]_*.txt")]
    key = digest[:16]
    name = f"{max(numbers, default=-1) + 1:03d}_{key}.txt"
    target = folder / name
    if target.exists():
        raise CcbkgError(f"{project.display(target)} exists already")
    lines = [f"src:{key} a ccb:SourceDocument ;",
             f"    rdfs:label {literal(bib.title.strip(), 'en')} ;",
             f"    dcterms:title {literal(bib.title.strip(), 'en')} ;"]
    optional = (("creator", bib.author and literal(bib.author)),
                ("publisher", bib.publisher and literal(bib.publisher)),
                ("issued", bib.date and f'"{bib.date}"^^xsd:{_xsd(bib.date).split("#")[1]}'),
                ("source", bib.url and f"<{bib.url}>"))
    lines += [f"    dcterms:{name} {value} ;" for name, value in optional if value]
    lines += ['    dcterms:format "text/plain" ;', f"    ccb:fileName {literal(name)} ;",
              f"    ccb:sha256 {literal(digest)} ."]
    write_bytes(target, raw)
    try:
        append(ttl, "\n".join(lines), project.display(ttl))
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target, SOURCE_NS + key, cleaned


def _cleaned(text: str, found: Counter[str]) -> tuple[str, list[str]]:
    """The text with page breaks and vertical tabs as line breaks, the other characters a
    literal may not hold deleted, CR LF line ends as LF and decomposed characters composed
    (Unicode NFC); and what was done, for a message."""
    done = [_characters(found)] if found else []
    text = INVISIBLE_RE.sub("", text.translate(_AS_LINE_BREAKS))
    crlf = text.count("\r\n")
    if crlf:
        done.append(f"{crlf} CR LF line ends made LF")
        text = text.replace("\r\n", "\n")
    composed = unicodedata.normalize("NFC", text)
    if composed != text:
        done.append(f"{sum(1 for c in text if unicodedata.combining(c))} combining characters "
                    "composed with the letter before them (Unicode NFC)")
    return composed, done


def _characters(found: Counter[str]) -> str:
    """The characters counted, for a message: `2 × U+000C FORM FEED, a page break`."""
    return ", ".join(f"{count} × U+{ord(char):04X} "
                     f"{_CONTROL_NAMES.get(char) or unicodedata.name(char, 'a control character')}"
                     for char, count in sorted(found.items()))


def _unclean(file: Path, text: str, found: Counter[str], decomposed: bool) -> str:
    first = INVISIBLE_RE.search(text)
    at = min([first.start()] if first is not None else [], default=len(text))
    if decomposed:  # the first of either kind
        at = min(at, next(i for i, c in enumerate(text) if unicodedata.combining(c)))
    what = [_characters(found)] if found else []
    if decomposed:
        what.append("letters and their accents as separate characters, which is not Unicode "
                    "NFC, as PDF extraction often gives")
    before = split_lines(text[:at])
    return (f"{file}:{len(before)}:{len(before[-1]) + 1}: the text holds what a passage's words "
            f"and context may not ({'; '.join(what)}), so ccbkg check would reject the "
            "passages next to it; pass --clean to store a copy with page breaks and vertical "
            "tabs as line breaks, the other such characters deleted, CR LF line ends as LF and "
            "accents composed (passages then cite that copy), or clean the file yourself")


def _xsd(date: str) -> str:
    return f"http://www.w3.org/2001/XMLSchema#{_DATATYPES[len(date)]}"


@dataclass(frozen=True)
class Passage:
    """A passage cut: where it is and the IRI it was given."""

    iri: str
    start: int
    end: int
    block: str


class Ambiguous(CcbkgError):
    """The words occur more than once; the message lists each occurrence."""


def add_passage(project: Project, source: str, exact: str, occurrence: int | None,
                slug: str | None, label: str | None) -> Passage:
    """Find the words in the source text and append the passage to sources.ttl."""
    if not exact.strip() or exact != exact.strip():
        raise CcbkgError("the quote is empty or starts or ends with white space: give the "
                         "exact words, trimmed")
    text_of = source_text(project, source)
    text, name = text_of.text, text_of.name
    starts = [m.start() for m in re.finditer(re.escape(exact), text)]
    if not starts:
        raise CcbkgError(_not_verbatim(text, exact, name))
    if occurrence is None and len(starts) > 1:
        shown = "\n".join(f"  --occurrence {i}: at {s}: {_context(text, s, s + len(exact))}"
                          for i, s in enumerate(starts, 1))
        raise Ambiguous(f"the words occur {len(starts)} times in {name}; say which with "
                        f"--occurrence N:\n{shown}")
    index = 1 if occurrence is None else occurrence
    if not 1 <= index <= len(starts):
        raise CcbkgError(f"--occurrence {index}: the words occur {len(starts)} time(s) in {name} "
                         "(counted from 1)")
    one_line(label, "--label")
    if label is not None and not label.strip():
        raise CcbkgError("--label is empty: give the passage a label, or leave --label out for "
                         "its words")
    if label is not None and not LABEL_SPACING.fullmatch(label):
        raise CcbkgError(f"--label {label!r} has stray whitespace (a space at the start or end, "
                         "two in a row or a no-break space), which check rejects in a label: "
                         "write single ordinary spaces between words")
    start = starts[index - 1]
    end = start + len(exact)
    same = text_of.cut.get((start, end))
    if same is not None:
        raise CcbkgError(f"these words (characters {start}-{end} of {name}) are passage:"
                         f"{same.removeprefix(PASSAGE_NS)} already, in "
                         f"{project.display(text_of.ttl)}: cite that passage")
    drafted = drafted_passages(project)
    key = slug_for(exact, text_of.taken | drafted.keys()) if slug is None else slug
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key):
        raise CcbkgError(f"--slug {key!r}: use lowercase letters, digits and hyphens")
    iri = PASSAGE_NS + key
    if iri in text_of.taken:
        raise CcbkgError(f"passage:{key} exists already in {project.display(text_of.ttl)}: "
                         "pick another --slug")
    if iri in drafted:
        raise CcbkgError(f"passage:{key} is proposed in {drafted[iri]} (moved into sources.ttl, "
                         "the two would be one passage described twice): pick another --slug")
    block = passage_block(text_of, key, label or default_label(exact), start, end)
    append(text_of.ttl, block, project.display(text_of.ttl))
    return Passage(iri, start, end, block)


def drafted_passages(project: Project) -> dict[str, str]:
    """The passages the drafts in drafts/ propose (not in sources.ttl until a curator moves
    them there), by IRI: the draft that proposes each, as shown."""
    folder = project.root / DRAFTS
    if folder.is_symlink() or not folder.is_dir():
        return {}
    found: dict[str, str] = {}
    for path in sorted(folder.glob("*.ttl")):
        try:
            text = project.read_bytes(path).decode("utf-8", "replace")
        except (OSError, CcbkgError):  # a draft that cannot be read proposes nothing
            continue
        for key in _DRAFTED_RE.findall(text):
            found.setdefault(PASSAGE_NS + key, project.display(path))
    return found


def _is_url(url: str) -> bool:
    """Whether url is an absolute http(s) URL that is an IRI (pyoxigraph's reading: a host
    "[::1" or an escape "%zz" is none)."""
    if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", url):
        return False
    try:
        ox.NamedNode(url)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class SourceText:
    """A source document's text, checked against its checksum, and what sources.ttl holds."""

    ttl: Path
    doc: str
    name: str
    text: str
    taken: frozenset[str]  # the passage IRIs (and IRIs under them) sources.ttl uses
    cut: dict[tuple[int, int], str]  # the passages of this text by (start, end)


def source_text(project: Project, source: str) -> SourceText:
    """The text of the source named by its file name, key or IRI; refused when it changed."""
    ttl = sources_ttl(project)
    quads = triples(project, ttl)
    doc, name, digest = _document(quads, source)
    raw = project.read_bytes(project.root / "instances" / "sources" / name)
    if hashlib.sha256(raw).hexdigest() != digest.lower():
        raise CcbkgError(f"instances/sources/{name} does not match its ccb:sha256: the text "
                         "changed, so no offset can be trusted (`ccbkg check` says more)")
    taken = frozenset(s.split("#")[0] for s, _, _ in quads if s.startswith(PASSAGE_NS))
    # decoded as checked when the text was added, and its checksum holds
    return SourceText(ttl, doc, name, raw.decode("utf-8"), taken, _cut(quads, doc))


def _cut(quads: list[tuple[str, str, str]], doc: str) -> dict[tuple[int, int], str]:
    """The passages of the document doc by their (start, end) position selectors."""
    ours = {s for s, p, o in quads if p == OA_SOURCE and o == doc}
    bounds: dict[str, dict[str, int]] = {}
    for s, p, o in quads:
        if p in (OA_START, OA_END) and s.split("#")[0] in ours and o.isdigit():
            bounds.setdefault(s.split("#")[0], {})[p] = int(o)
    return {(b[OA_START], b[OA_END]): iri for iri, b in sorted(bounds.items())
            if len(b) == 2}


def default_label(exact: str) -> str:
    """A passage's label when the curator gives none: its words, one space between each,
    shortened to the last whole word within LABEL_CHARS characters (a label may not end in a
    space, which `check` rejects)."""
    words = " ".join(exact.split())
    if len(words) <= LABEL_CHARS:
        return words
    cut = words[:LABEL_CHARS + 1]
    return cut.rsplit(" ", 1)[0] if " " in cut else words[:LABEL_CHARS]


def passage_block(source: SourceText, key: str, label: str, start: int, end: int) -> str:
    """A passage in the canonical form: its label, source, quote and position selectors."""
    iri = PASSAGE_NS + key
    text = source.text
    return "\n".join([
        f"passage:{key} a ccb:Passage ;",
        f"    rdfs:label {literal(label, 'en')} ;",
        f"    oa:hasSource {_source_term(source.doc)} ;",
        f"    oa:hasSelector <{iri}#quote>, <{iri}#position> .",
        f"<{iri}#quote> a oa:TextQuoteSelector ;",
        f"    oa:exact {literal(text[start:end])} ;",
        f"    oa:prefix {literal(text[max(0, start - CONTEXT):start])} ;",
        f"    oa:suffix {literal(text[end:end + CONTEXT])} .",
        f"<{iri}#position> a oa:TextPositionSelector ;",
        f'    oa:start "{start}"^^xsd:nonNegativeInteger ;',
        f'    oa:end "{end}"^^xsd:nonNegativeInteger .',
    ])


def _document(quads: list[tuple[str, str, str]], source: str) -> tuple[str, str, str]:
    """The source document named by its file name, key or IRI: its IRI, file name and
    checksum."""
    names = {s: o for s, p, o in quads if p == str(CCB.fileName)}
    sums = {s: o for s, p, o in quads if p == str(CCB.sha256)}
    for iri, name in names.items():
        key = iri.removeprefix(SOURCE_NS)
        if source in (name, iri, key, f"src:{key}") and iri in sums:
            return iri, name, sums[iri]
    known = ", ".join(sorted(names.values())) or "none"
    raise CcbkgError(f"no source document {source!r} in instances/sources.ttl (known: {known}); "
                     "add the text with `ccbkg source add` first")


def _source_term(iri: str) -> str:
    """src:<key> for a source of the release's namespace (as sources.ttl writes them)."""
    key = iri.removeprefix(SOURCE_NS)
    return f"src:{key}" if key != iri and re.fullmatch(r"[A-Za-z0-9_-]+", key) else f"<{iri}>"


def slug_for(exact: str, taken: Iterable[str]) -> str:
    """A passage key from the first words, unique among the taken IRIs."""
    ascii_text = unicodedata.normalize("NFKD", exact).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())[:SLUG_WORDS] or ["passage"]
    base = "-".join(words)
    key, n = base, 2
    while PASSAGE_NS + key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def _context(text: str, start: int, end: int) -> str:
    return repr(text[max(0, start - 20):start] + "[" + text[start:end] + "]" + text[end:end + 20])


def _not_verbatim(text: str, exact: str, name: str) -> str:
    """The message for words not in the text: the nearest passages and how they differ."""
    width = len(exact)
    starts = _anchored(text, exact, [0] + [m.end() for m in re.finditer(r"\s+", text)])
    scored: list[tuple[float, int, int]] = []
    for s in starts:
        for size in {width, width + width // 20 + 2}:
            window = text[s:s + size]
            matcher = difflib.SequenceMatcher(None, exact, window, autojunk=False)
            if matcher.real_quick_ratio() > 0.6 and matcher.quick_ratio() > 0.6:
                scored.append((matcher.ratio(), s, s + size))
    best: list[tuple[float, int, int]] = []
    for score, s, e in sorted(scored, reverse=True):
        if score >= 0.6 and all(abs(s - b[1]) > width // 2 for b in best):
            best.append((score, s, e))
        if len(best) == 3:
            break
    lines = [f"the words are not verbatim in {name}: copy them from the file (white space, "
             "quotation marks, hyphenation and footnote markers are the usual reasons)"]
    for score, s, e in best:
        # read on past the scored window (the source may have more characters than the words,
        # a line-end hyphen say), then cut where the words' last matching part ends
        window = _trim(exact, text[s:max(e, s + width + width // 4 + 16)])
        lines.append(f"  nearest at {s} ({score:.0%} alike): {window!r}")
        lines += [f"    {d}" for d in _differences(exact, window)]
    if not best:
        lines.append("  nothing in the text is close to them")
    if "\r\n" in text and "\n" in exact and "\r\n" not in exact:
        lines.append("  the source has Windows line ends (CR LF): write each line break of the "
                     "words as CR LF ($'...\\r\\n...' in bash), or add the source again with "
                     "--clean, which makes them LF")
    return "\n".join(lines)


_PIECE = 16  # characters of the words that must be verbatim to anchor a candidate


def _anchored(text: str, exact: str, starts: list[int]) -> list[int]:
    """The word starts where a passage like the words may begin: near where a piece of them
    is verbatim in the text (a slip is local, so most of a long quote is verbatim), else all.
    Comparing the words with a window at every word start costs seconds for a quote of a few
    hundred characters, and minutes for a few thousand."""
    width = len(exact)
    if width < 4 * _PIECE:
        return starts
    near: set[int] = set()
    for offset in range(0, width - _PIECE + 1, max(_PIECE, width // 32)):
        for found in re.finditer(re.escape(exact[offset:offset + _PIECE]), text):
            guess = found.start() - offset  # where the words begin if this piece is in place
            # a few characters left out or added before the piece move it a little
            lo = bisect.bisect_left(starts, guess - 2 * _PIECE)
            hi = bisect.bisect_right(starts, guess + 2 * _PIECE)
            near.update(starts[lo:hi])
    return sorted(near) or starts


def _trim(exact: str, window: str) -> str:
    """The window cut to end where the quote's last matching block ends."""
    blocks = difflib.SequenceMatcher(None, exact, window, autojunk=False).get_matching_blocks()
    last = [b for b in blocks if b.size][-1]
    return window[:last.b + last.size + (len(exact) - last.a - last.size)].rstrip()


def _differences(exact: str, window: str) -> list[str]:
    """Each place where the source differs from the words given."""
    out = []
    ops = difflib.SequenceMatcher(None, exact, window, autojunk=False).get_opcodes()
    for tag, a0, a1, b0, b1 in ops:
        if tag == "equal":
            continue
        out.append(f"you wrote {exact[a0:a1]!r}, the source has {window[b0:b1]!r} "
                   f"(after {exact[max(0, a0 - 15):a0]!r})")
    return out[:8]
