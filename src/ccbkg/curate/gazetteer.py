"""What the graph already knows, as names to find in a text: the labels and skos:altLabels of
the nodes in instances/, and pycountry's names for the countries the data does not describe."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pycountry

from ccbkg.core.errors import CcbkgError
from ccbkg.core.namespaces import CCB, RDF, RDFS, SKOS
from ccbkg.curate.country import COUNTRY_NS, PREFIXES, iso_country
from ccbkg.curate.files import triples
from ccbkg.project.layout import Project, Role

# Nodes whose labels describe a claim rather than name a thing the text may mention.
NOT_NAMED = {"Passage", "SourceDocument", "Objective", "Position", "Statement", "Development",
             "Participation", "ForumUse", "Membership", "Collaboration", "FundingCommitment",
             "Merger", "MandateExpansion", "Relationship", "InitiativeInclusion"}
NAMESPACES: dict[str, str] = dict(re.findall(r"@prefix (\w+): <([^>]+)> \.", PREFIXES))


@dataclass(frozen=True)
class Entity:
    """A node a text may name: its IRI, its class's local name and whether instances/ has it
    (a country only pycountry knows is not yet in the data)."""

    iri: str
    kind: str
    known: bool = True
    csirt_of: str | None = None  # for a national CSIRT, its country's IRI

    @property
    def curie(self) -> str:
        """The prefixed name the country files use, or the full IRI in angle brackets."""
        return curie(self.iri)


def curie(iri: str) -> str:
    """An IRI as a prefixed name of the country files' header, when one fits."""
    for prefix, ns in NAMESPACES.items():
        local = iri.removeprefix(ns)
        if local != iri and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", local):
            return f"{prefix}:{local}"
    return f"<{iri}>"


@dataclass(frozen=True)
class Gazetteer:
    """Names (as written) to the entities they name; country names and their demonyms."""

    names: dict[str, Entity]
    demonyms: dict[str, Entity]
    subjects: frozenset[str]  # every IRI the data already uses as a subject
    citing: dict[str, frozenset[tuple[str, str]]]  # a passage: the nodes citing it, and
                                                   # their classes' local names

    def country(self, code: str) -> Entity:
        """The country of `--country`: an ISO 3166-1 alpha-3 code or the key of a country
        node the data describes (as country:kosovo)."""
        iri = COUNTRY_NS + (code.upper() if re.fullmatch(r"[A-Za-z]{3}", code) else code)
        for entity in self.names.values():
            if entity.iri == iri and entity.kind == "Country":
                return entity
        named = self.names.get(code) or next(
            (e for name, e in self.names.items() if name.casefold() == code.casefold()), None)
        if named is not None and named.kind == "Country":  # its name, as the text writes it
            key = named.iri.removeprefix(COUNTRY_NS)
            raise CcbkgError(f"--country {code}: give the country's code or key: --country "
                             f"{key}" + ("" if named.iri in self.subjects else
                                         f" (after `ccbkg new country {key}`: the data "
                                         "does not describe it yet)"))
        meant = iso_country(code)
        raise CcbkgError(f"--country {code}: neither an ISO 3166-1 alpha-3 code pycountry "
                         "knows nor the key of a country in instances/ (add it with "
                         "`ccbkg new country`)" + (f"; did you mean --country {meant.alpha_3} "
                                                  f"({meant.name})?" if meant else ""))


def gazetteer(project: Project) -> Gazetteer:
    """The gazetteer of the project's data files and pycountry."""
    kinds: dict[str, str] = {}
    labels: dict[str, list[str]] = {}
    csirt_of: dict[str, str] = {}
    subjects: set[str] = set()
    cited: dict[str, set[str]] = {}  # a node: the passages it cites
    for file in project.of(Role.DATA):
        for s, p, o in triples(project, file.path):
            subjects.add(s)
            if p == str(RDF.type) and o.startswith(str(CCB)):
                kinds.setdefault(s, o.removeprefix(str(CCB)))
            elif p in (str(RDFS.label), str(SKOS.altLabel)):
                labels.setdefault(s, []).append(o)
            elif p == str(CCB.nationalCsirtOf):
                csirt_of[s] = o
            elif p == str(CCB.citesPassage):
                cited.setdefault(s, set()).add(o)
    names: dict[str, Entity] = {}
    for iri, kind in kinds.items():
        if kind in NOT_NAMED:
            continue
        entity = Entity(iri, kind, True, csirt_of.get(iri))
        for label in labels.get(iri, []):
            names.setdefault(label, entity)
            bare = re.sub(r"\s*\([^)]*\)$", "", label)  # "Open-ended Working Group (OEWG)"
            names.setdefault(bare, entity)
    for country in pycountry.countries:
        iri = COUNTRY_NS + country.alpha_3
        entity = next((e for e in names.values() if e.iri == iri),
                      Entity(iri, "Country", known=False))
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if name:
                names.setdefault(name, entity)
    citing: dict[str, set[tuple[str, str]]] = {}
    for node, passages in cited.items():
        for passage in passages:
            citing.setdefault(passage, set()).add((node, kinds.get(node, "")))
    return Gazetteer(names, _demonyms(names), frozenset(subjects),
                     {p: frozenset(ns) for p, ns in citing.items()})


def _demonyms(names: dict[str, Entity]) -> dict[str, Entity]:
    """Adjectives of one-word country names (Canadian, Japanese, Albanian); one that two
    countries could form is left out."""
    found: dict[str, set[Entity]] = {}
    for name, entity in names.items():
        if entity.kind != "Country" or not re.fullmatch(r"[A-Z][a-z]+", name):
            continue
        stem = name[:-1] if name[-1] in "aeiou" else name
        for form in {name + "n", name + "ese", name + "ian", stem + "ian", stem + "an"}:
            found.setdefault(form, set()).add(entity)
    return {form: next(iter(es)) for form, es in found.items()
            if len(es) == 1 and form not in names}
