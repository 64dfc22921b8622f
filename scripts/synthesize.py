"""Synthetic ccbkg data at N times the size of the real graph, deterministic for a seed.

The real instance files are replicated N times with renamed IRIs, so the classes, the
provenance on every node, the dated events and every proportion are exactly those of the real
graph. Copy 0 is the real data as it is. In copy k every instance IRI gets the key suffix
`-x<k>`, except a country with an ISO code: it gets an unused code of those ISO 3166-1 leaves to its
users (no country has one), in its IRI and in ccb:iso3166Alpha3, so the country key rule
still holds, and a key that starts with a
country's code (agreement/alb-cyp-mou) starts with the copy's code instead
(agreement/qzx-cyp-mou-x5), so the site keeps one page of facts per country (id/facts/qzx.html).
The user-assigned codes last for 121
copies (1,092 codes, nine countries a copy); the countries of the copies beyond get
identifiers of their own, outside the ISO space: the key suffix like every other node
(country/ALB-x2000), no ISO 3166-1 codes, and an editorial note saying so, as a territory
without an official code is recorded (the shapes report one Info per such country, no error);
their facts' keys start with the real code and the copy number (alb2000-cyp-mou-x2000), as
do the keys of other three letters and a hyphen (ise5-shima-principles-x5).
Each source document becomes a synthetic source text: the seed text under a fixed-length
header, with its own file name, checksum and shifted passage offsets, so the provenance check
still verifies every quote.
Half of the agreements of each copy are re-wired to a party of another copy, which makes the
agreements one network rather than N islands.

With --defects K, K defects of every kind that tests/mutation.py knows are injected, each on
its own node (in its own copy where there are enough), and listed in defects.json.

The output is a source tree: `ccbkg check --root OUT` (ontology/, shapes/ and queries/ are
copied beside the generated instances/), or pass OUT/instances/*.ttl as --data with --root OUT.

    .venv/bin/python scripts/synthesize.py --scale 1000 --out /tmp/ccbkg-1000x
    .venv/bin/python scripts/synthesize.py --scale 10 --defects 3 --out /tmp/ccbkg-defects
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import itertools
import json
import random
import re
import shutil
import string
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

# The kinds of defect are those of the mutation test (imported by name so that type checkers
# do not check the test helpers).
mutation = importlib.import_module("tests.mutation")
KINDS: tuple[str, ...] = mutation.KINDS
Mutant = Any

from ccbkg.core.namespaces import CCB, ID, OA, PREFIXES, RDF, RDFS, SKOS  # noqa: E402
from ccbkg.project.layout import Project, Role  # noqa: E402
from ccbkg.project.load import LoadedFile, LoadedProject, load  # noqa: E402

MARKER = ".ccbkg-synthetic"
TYPE = ox.NamedNode(str(RDF.type))
ALPHA3 = ox.NamedNode(str(CCB.iso3166Alpha3))
ISO_CODES = (ALPHA3, ox.NamedNode(str(CCB.iso3166Alpha2)))
USER_ASSIGNED = re.compile("AA[A-Z]|Q[M-Z][A-Z]|X[A-Z][A-Z]|ZZ[A-Z]")  # ISO 3166-1 alpha-3
NOTE = ox.NamedNode(str(SKOS.editorialNote))
NO_CODE = ox.Literal("A synthetic country beyond the user-assigned ISO 3166-1 alpha-3 codes, which "
                     "the synthetic copies have used up: it has no ISO code.", language="en")
FILE_NAME = ox.NamedNode(str(CCB.fileName))
SHA256 = ox.NamedNode(str(CCB.sha256))
HAS_SOURCE = ox.NamedNode(str(OA.hasSource))
HAS_SELECTOR = ox.NamedNode(str(OA.hasSelector))
OFFSETS = (ox.NamedNode(str(OA.start)), ox.NamedNode(str(OA.end)))
PARTY = ox.NamedNode(str(CCB.party))
DOCUMENT = ox.NamedNode(str(CCB.SourceDocument))
# A node identified by an external code needs no passage of its own (see provenance.py), so
# taking its citation away is no defect.
IDENTIFIERS = (ox.NamedNode("https://schema.org/sameAs"), ALPHA3)
ID_NS = str(ID)
_GROUPED = re.compile(r"[a-z]{3}-")  # a key the site shows on a page of facts (see links.py)
HEADER = "ccbkg synthetic copy {k:07d} of {name}\n"
Triple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]


@dataclass
class Plan:
    """What the real data holds that a copy must rewrite."""

    countries: dict[str, str]            # country IRI -> its ISO alpha-3 code
    documents: dict[str, tuple[str, str]]  # document IRI -> (file name, text)
    shift: dict[str, int]                # selector IRI -> offset shift in its copy
    agreements: dict[str, str]           # agreement IRI -> the party that may be re-wired
    codes: list[str]                     # unused alpha-3 codes, in a seeded order


@dataclass
class Summary:
    """What was written."""

    scale: int
    seed: int
    files: int = 0
    triples: int = 0
    defects: list[dict[str, object]] = field(default_factory=list)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, required=True, help="copies of the real data (>= 1)")
    parser.add_argument("--out", type=Path, required=True, help="output source tree")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--defects", type=int, default=0, metavar="K",
                        help="inject K defects of every kind (default 0: clean data)")
    parser.add_argument("--root", type=Path, default=REPO, help="the real source tree")
    parser.add_argument("--copies-per-file", type=int, default=100,
                        help="copies written into one instance file (default 100)")
    args = parser.parse_args(argv)
    summary = synthesize(args.root, args.out, args.scale, seed=args.seed, defects=args.defects,
                         copies_per_file=args.copies_per_file)
    print(f"wrote {summary.triples} data triples in {summary.files} files to {args.out} "
          f"(scale {summary.scale}, seed {summary.seed}, {len(summary.defects)} defects)")
    return 0


def synthesize(root: Path, out: Path, scale: int, *, seed: int = 7, defects: int = 0,
               copies_per_file: int = 100) -> Summary:
    """Write the synthetic source tree into out (replacing an earlier synthetic tree there)."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if out.exists() and not (out / MARKER).exists():
        raise ValueError(f"{out} exists and is not a synthetic tree; choose another --out")
    loaded = load(Project.discover(root))
    if loaded.result.errors:
        raise ValueError(f"{root}: the authored files do not parse; fix them first")
    _prepare(root, out)
    rng = random.Random(seed)
    data = loaded.of(Role.DATA)
    plan = _plan(loaded, rng)
    rewire = {(k, a): rng.randrange(scale) for k in range(1, scale) for a in plan.agreements
              if rng.random() < 0.5}
    chosen = _choose_defects(loaded, plan, scale, defects, rng, rewire) if defects else {}
    summary = Summary(scale, seed)
    (out / "instances" / "sources").mkdir(parents=True, exist_ok=True)
    for path in root.joinpath("instances", "sources").glob("*.txt"):
        shutil.copy2(path, out / "instances" / "sources" / path.name)
    for start in range(0, scale, copies_per_file):
        copies = range(start, min(scale, start + copies_per_file))
        chunk: dict[str, list[Triple]] = defaultdict(list)
        for k in copies:
            for name, triples in _copy(data, plan, k, rewire, chosen.get(k, [])).items():
                chunk[name].extend(triples)
            if k:
                _write_texts(out, plan, k)
        for name, triples in sorted(chunk.items()):
            suffix = "" if start == 0 and copies_per_file >= scale else f"-{start:07d}"
            if start == 0 and not chosen.get(0) and scale == 1:
                target = out / "instances" / f"{name}.ttl"
                shutil.copy2(root / "instances" / f"{name}.ttl", target)
            else:
                target = out / "instances" / f"{name}{suffix}.ttl"
                target.write_bytes(ox.serialize(
                    [ox.Triple(*t) for t in triples], format=ox.RdfFormat.TURTLE,
                    prefixes=PREFIXES) or b"")
            summary.files += 1
            summary.triples += len(triples)
    summary.defects = [{"copy": k, "kind": m.kind, "node": m.node}
                       for k in sorted(chosen) for m in chosen[k]]
    counts = {kind: sum(1 for d in summary.defects if d["kind"] == kind) for kind in KINDS}
    (out / "synthetic.json").write_text(json.dumps({
        "scale": scale, "seed": seed, "files": summary.files, "triples": summary.triples,
        "defects": summary.defects, "defect_counts": counts}, indent=2, sort_keys=True) + "\n")
    return summary


def _prepare(root: Path, out: Path) -> None:
    if out.exists():
        if not (out / MARKER).exists():
            raise ValueError(f"{out} exists and is not a synthetic tree; choose another --out")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("made by scripts/synthesize.py; safe to delete\n")
    for part in ("ontology", "shapes", "queries"):
        if (root / part).is_dir():
            shutil.copytree(root / part, out / part)


def _plan(loaded: LoadedProject, rng: random.Random) -> Plan:
    quads = [q for f in loaded.of(Role.DATA) for q in f.quads()]
    by_subject: dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]] = \
        defaultdict(lambda: defaultdict(list))
    for q in quads:
        if isinstance(q.subject, ox.NamedNode | ox.BlankNode) and \
                isinstance(q.object, ox.NamedNode | ox.BlankNode | ox.Literal):
            by_subject[q.subject.value][q.predicate.value].append(q.object)
    countries = {s: str(p[ALPHA3.value][0].value) for s, p in by_subject.items()
                 if ALPHA3.value in p}
    folder = loaded.project.root / "instances" / "sources"
    documents = {}
    for s, p in sorted(by_subject.items()):
        if DOCUMENT in p.get(TYPE.value, []):
            name = str(p[FILE_NAME.value][0].value)
            documents[s] = (name, (folder / name).read_text(encoding="utf-8"))
    shift = {}
    for p in by_subject.values():
        for doc in p.get(HAS_SOURCE.value, []):
            if doc.value in documents:
                header = HEADER.format(k=0, name=documents[doc.value][0])
                for selector in p.get(HAS_SELECTOR.value, []):
                    shift[selector.value] = len(header)
    agreement_classes = _subclasses(loaded, str(CCB.Agreement))
    agreements = {s: max(o.value for o in p[PARTY.value] if isinstance(o, ox.NamedNode))
                  for s, p in sorted(by_subject.items())
                  if any(t.value in agreement_classes for t in p.get(TYPE.value, []))
                  and any(isinstance(o, ox.NamedNode) for o in p.get(PARTY.value, []))}
    used = set(countries.values())
    codes = unused_codes(used)
    rng.shuffle(codes)
    return Plan(countries, documents, shift, agreements, codes)


def unused_codes(used: set[str]) -> list[str]:
    """The alpha-3 codes ISO 3166-1 leaves to its users (AAA-AAZ, QMA-QZZ, XAA-XZZ, ZZA-ZZZ:
    the shapes accept them, and no country has one) that the real data does not use, in
    order."""
    codes = ["".join(c) for c in itertools.product(string.ascii_uppercase, repeat=3)]
    return [code for code in codes
            if USER_ASSIGNED.fullmatch(code) and code not in used]


def _subclasses(loaded: LoadedProject, cls: str) -> set[str]:
    graph = loaded.graph(Role.ONTOLOGY)
    return {str(c) for c in graph.transitive_subjects(RDFS.subClassOf, URIRef(cls))}


def _renamer(plan: Plan, k: int) -> dict[str, str]:
    """The countries of the real data mapped to their names in copy k, while unused ISO codes
    last; a country left out is renamed like any node (and has no ISO code in copy k). Each
    real code's key prefix ("alb-") is mapped too, to the copy's code or, beyond the ISO
    codes, to the real code and k ("alb2000-")."""
    names = {}
    for i, iri in enumerate(sorted(plan.countries)):
        index = (k - 1) * len(plan.countries) + i
        code = plan.countries[iri].lower()
        if index < len(plan.codes):
            names[iri] = f"{ID_NS}country/{plan.codes[index]}"
            names[f"{code}-"] = f"{plan.codes[index].lower()}-"
        else:
            names[f"{code}-"] = f"{code}{k}-"
    return names


def _rename(iri: str, k: int, fixed: dict[str, str]) -> str:
    if k == 0 or not iri.startswith(ID_NS):
        return iri
    base, hash_, fragment = iri.partition("#")
    new = fixed.get(base)
    if new is None:
        kind, _, key = base[len(ID_NS):].partition("/")
        prefix = fixed.get(key[:4]) or (f"{key[:3]}{k}-" if _GROUPED.match(key) else None)
        new = f"{ID_NS}{kind}/{prefix}{key[4:]}-x{k}" if prefix else f"{base}-x{k}"
    return new + hash_ + fragment


def _copy(files: list[LoadedFile], plan: Plan, k: int, rewire: dict[tuple[int, str], int],
          defects: list[Mutant]) -> dict[str, list[Triple]]:
    """The triples of copy k, per real file."""
    fixed = _renamer(plan, k) if k else {}
    other: dict[int, dict[str, str]] = {}
    cache: dict[str, ox.NamedNode] = {}

    def node(iri: str, copy: int = k) -> ox.NamedNode:
        if copy != k:
            table = other.setdefault(copy, _renamer(plan, copy) if copy else {})
            return ox.NamedNode(_rename(iri, copy, table))
        found = cache.get(iri)
        if found is None:
            found = cache[iri] = ox.NamedNode(_rename(iri, k, fixed))
        return found

    out: dict[str, list[Triple]] = {}
    for f in files:
        triples: list[Triple] = []
        for q in f.quads():
            s, p, o = q.subject, q.predicate, q.object
            if not isinstance(s, ox.NamedNode | ox.BlankNode) or isinstance(o, ox.Triple):
                raise TypeError("RDF-star triples are not supported")
            subject = node(s.value) if isinstance(s, ox.NamedNode) else s
            obj: ox.NamedNode | ox.BlankNode | ox.Literal = o
            if isinstance(o, ox.NamedNode):
                target = rewire.get((k, s.value))
                if target is not None and target != k and \
                        o.value == plan.agreements.get(s.value):
                    obj = node(o.value, target)
                else:
                    obj = node(o.value)
            elif k and isinstance(o, ox.Literal):
                if p in ISO_CODES and s.value in plan.countries and s.value not in fixed:
                    if p == ALPHA3:
                        triples.append((subject, NOTE, NO_CODE))
                    continue
                obj = _literal(plan, k, fixed, s.value, p, o)
            triples.append((subject, p, obj))
        out[f.file.path.stem] = triples
    for m in defects:
        _apply(out, m)
    return out


def _literal(plan: Plan, k: int, fixed: dict[str, str], subject: str, p: ox.NamedNode,
             o: ox.Literal) -> ox.Literal:
    if p == ALPHA3 and subject in plan.countries:
        return ox.Literal(_rename(subject, k, fixed).rsplit("/", 1)[1])
    if p == FILE_NAME and subject in plan.documents:
        return ox.Literal(_text_name(plan, subject, k))
    if p == SHA256 and subject in plan.documents:
        return ox.Literal(hashlib.sha256(_text(plan, subject, k).encode("utf-8")).hexdigest())
    if p in OFFSETS and subject in plan.shift:
        return ox.Literal(str(int(o.value) + plan.shift[subject]), datatype=o.datatype)
    return o


def _text_name(plan: Plan, document: str, k: int) -> str:
    return f"synthetic-{k:07d}-{plan.documents[document][0]}"


def _text(plan: Plan, document: str, k: int) -> str:
    name, text = plan.documents[document]
    return HEADER.format(k=k, name=name) + text


def _write_texts(out: Path, plan: Plan, k: int) -> None:
    for document in plan.documents:
        (out / "instances" / "sources" / _text_name(plan, document, k)).write_text(
            _text(plan, document, k), encoding="utf-8")


def _apply(files: dict[str, list[Triple]], m: Mutant) -> None:
    """Write one mutant into the triples of its copy."""
    for name, triples in files.items():
        if any(s.value == m.node for s, _, _ in triples):
            kept = [t for t in triples if t not in m.remove]
            kept.extend(sorted(m.add, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))))
            files[name] = kept
            return


def _choose_defects(loaded: LoadedProject, plan: Plan, scale: int, per_kind: int,
                    rng: random.Random, rewire: dict[tuple[int, str], int],
                    ) -> dict[int, list[Mutant]]:
    """per_kind mutants of every kind, on distinct nodes, spread over the copies."""
    found = mutation.rules(loaded.graph(Role.SHAPES), loaded.graph(Role.ONTOLOGY, Role.VOCAB))
    concepts = mutation.scheme_members(loaded.graph(Role.VOCAB))
    required = _required_by_violations(loaded)
    copies = list(range(1, scale)) or [0]
    rng.shuffle(copies)
    slots = itertools.cycle(copies)
    chosen: dict[int, list[Mutant]] = defaultdict(list)
    made: dict[int, list[Mutant]] = {}
    for kind in KINDS:
        for _ in range(per_kind):
            for _attempt in range(len(copies)):
                k = next(slots)
                if k not in made:
                    triples = [t for ts in _copy(loaded.of(Role.DATA), plan, k, rewire,
                                                 []).values() for t in ts]
                    quads = [ox.Quad(*t) for t in triples]
                    types: dict[str, set[str]] = defaultdict(set)
                    for s, p, o in triples:
                        if p == TYPE and isinstance(o, ox.NamedNode):
                            types[s.value].add(o.value)
                    identified = {s.value for s, p, _ in triples if p in IDENTIFIERS}
                    made[k] = [m for m in mutation.mutants(quads, found, concepts)
                               if _detectable(m, found.of(types[m.node]), required)
                               and not (m.kind == "missing-provenance" and m.node in identified)]
                taken = {m.node for m in chosen[k]}
                options = [m for m in made[k] if m.kind == kind and m.node not in taken]
                if options:
                    chosen[k].append(rng.choice(options))
                    break
            else:
                raise ValueError(f"no node to inject a {kind} defect into")
    return chosen


def _detectable(m: Mutant, types: set[str], required: dict[str, set[str]]) -> bool:
    """Keep the mutants that are an error of their own node and of no other.

    A property whose absence the shapes report only as a Warning or Info is not an error when
    dropped; and a quote taken out of a passage is also a defect of
    every node that cites the passage.
    """
    if m.kind == "drop-required-property":
        dropped = {t[1].value for t in m.remove}
        needed = set().union(*(required.get(t, set()) for t in types)) if types else set()
        return bool(dropped & needed) and not m.node.endswith("#quote")
    return True


def _required_by_violations(loaded: LoadedProject) -> dict[str, set[str]]:
    """Per target class, the properties a Violation-severity shape requires (sh:minCount)."""
    g = loaded.graph(Role.SHAPES)
    sh = "http://www.w3.org/ns/shacl#"
    out: dict[str, set[str]] = defaultdict(set)
    for shape, cls in g.subject_objects(URIRef(sh + "targetClass")):
        for prop in g.objects(shape, URIRef(sh + "property")):
            path, count = g.value(prop, URIRef(sh + "path")), g.value(prop, URIRef(sh + "minCount"))
            severity = g.value(prop, URIRef(sh + "severity"))
            if isinstance(path, URIRef) and count is not None and int(str(count)) >= 1 and \
                    severity in (None, URIRef(sh + "Violation")):
                out[str(cls)].add(str(path))
    return out


if __name__ == "__main__":
    sys.exit(main())
