"""`new country`: a country file with the prefix header, the country node and an outline."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pycountry

from ccbkg.checks.provenance import KEY_BYTES
from ccbkg.core.errors import CcbkgError
from ccbkg.core.namespaces import CCB, ID_PREFIXES, RDF, RDFS, SKOS
from ccbkg.curate.files import create, literal, one_line, triples
from ccbkg.project.layout import Project

COUNTRY_NS = ID_PREFIXES["country"]
NAME_PROPERTIES = (str(RDFS.label), str(SKOS.altLabel))
# The prefixes of the curated country files (instances/japan.ttl and the others).
PREFIXES = """\
@prefix ccb: <https://w3id.org/ccbkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix schema: <https://schema.org/> .
@prefix wd: <http://www.wikidata.org/entity/> .
""" + "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in ID_PREFIXES.items()
             if p != "src") + "".join(
    f"@prefix {p}: <https://w3id.org/ccbkg/scheme/{n}/> .\n" for p, n in (
        ("agstatus", "agreement-status"), ("cisector", "ci-sectors"),
        ("activity", "activity-types"), ("gfce", "gfce-themes"), ("cbm", "osce-cbms"),
        ("stakeholder", "stakeholder-groups"), ("stance", "stances"),
        ("prole", "participation-roles")))

# The sections of docs/model.md §3 step 5, in the order the curated files follow.
OUTLINE = """
# ------------------------------------------------ developments
# ccb:Development (ccb:actor, ccb:country, ccb:qualifierAsStated for vague words)

# ------------------------------------------------ organisations, CSIRTs, authorities
# ccb:Organisation / ccb:CSIRT (ccb:country, ccb:nationalCsirtOf); counterparties of other
# countries go to shared.ttl

# ------------------------------------------------ strategies, regulations, papers
# (ccb:jurisdiction, ccb:hasObjective, time:hasTime at the source's precision)

# ------------------------------------------------ agreements
# (ccb:party >= 2, ccb:agreementStatus agstatus:signed / under-negotiation, ccb:actingThrough)

# ------------------------------------------------ memberships, participations, forum uses
# ------------------------------------------------ collaborations, funding
# (ccb:amountAsStated keeps the amount as the text writes it, its symbol or code included;
#  schema:currency only when the text names the currency)
# ------------------------------------------------ statements and positions
# (ccb:quote only for words the source quotes)

# Every node: one rdfs:label@en and ccb:citesPassage (add passages with `ccbkg passage add`).
"""


def new_country(project: Project, code: str, name: str | None = None) -> tuple[Path, str]:
    """Write instances/<name>.ttl for an ISO 3166-1 alpha-3 code, or, with a name, for a
    country or territory without one (a lowercase key, as country:kosovo); the file and what
    its node is."""
    if name is not None:
        if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", code):
            raise CcbkgError(f"{code!r}: with --name, give a lowercase key (e.g. kosovo) for a "
                             "country without an ISO 3166-1 code")
        if len(code) > KEY_BYTES:
            raise CcbkgError(f"the key is {len(code)} characters long: give one of at most "
                             f"{KEY_BYTES} (the release names files after it)")
        if not name.strip():
            raise CcbkgError("--name is empty")
        one_line(name, "--name")
        coded = iso_country(name.strip())
        if coded is not None:
            raise CcbkgError(f"{name.strip()} has an ISO 3166-1 code: run `ccbkg new country "
                             f"{coded.alpha_3}` ({coded.name}) instead; --name is for a "
                             "country or territory without one")
        data = _instances(project)
        named = _country_named(data, name.strip())
        if named is not None:
            raise CcbkgError(f"{name.strip()} is country:{named.removeprefix(COUNTRY_NS)} "
                             "already (its label or another name of it): add its nodes to the "
                             "file that describes it")
        key, label, codes = code, name.strip(), (
            "    skos:editorialNote \"No ISO 3166-1 code: the key is a lowercase slug.\"@en .\n")
    else:
        country = pycountry.countries.get(alpha_3=code.upper()) \
            if re.fullmatch(r"[A-Za-z]{3}", code) else None
        if country is None:
            meant = iso_country(code)
            raise CcbkgError(f"{code!r} is not an ISO 3166-1 alpha-3 code pycountry knows (three "
                             "letters, e.g. EST); " + (
                                 f"did you mean {meant.alpha_3} ({meant.name})?" if meant
                                 else "for a country without one, give a lowercase key and "
                                 "--name"))
        data = _instances(project)
        key = country.alpha_3
        label = getattr(country, "common_name", None) or country.name
        codes = (f"    ccb:iso3166Alpha3 {literal(country.alpha_3)} ;\n"
                 f"    ccb:iso3166Alpha2 {literal(country.alpha_2)} .\n")
    ascii_name = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    stem = code if name is not None else "-".join(re.findall(r"[a-z0-9]+", ascii_name))
    path = project.root / "instances" / f"{stem}.ttl"
    iri = f"country:{key}"
    elsewhere = _described_in(data, COUNTRY_NS + key)
    if elsewhere is not None:
        raise CcbkgError(f"{iri} is already described in {project.display(elsewhere)}: add the "
                         "country's nodes there" + ("" if elsewhere == path else
                                                   ", or move its node into a new "
                                                   f"{project.display(path)} by hand"))
    node = (f"{iri} a ccb:Country ;\n    rdfs:label {literal(label, 'en')} ;\n" + codes +
            "# Add schema:sameAs wd:Q... only when you are certain of the Wikidata item, and\n"
            "# ccb:citesPassage for the passages that mention the country.\n")
    text = (f"# ccbkg instance data: {label}.\n"
            "# Everything the sources say about it; each node cites its passage "
            "(passages are in sources.ttl).\n\n" + PREFIXES +
            "\n# ------------------------------------------------ country "
            "(reference entity)\n\n" + node + OUTLINE)
    create(path, text.encode("utf-8"), project.display(path))
    return path, f"{iri} ({label})"


def iso_country(text: str) -> Any:
    """The ISO 3166-1 country whose code or name text is (pycountry's lookup, any case), if
    any."""
    try:
        return pycountry.countries.lookup(text)
    except LookupError:
        return None


Triple = tuple[str, str, str]


def _instances(project: Project) -> dict[Path, list[Triple]]:
    """The triples of each data file, read once for the checks below."""
    return {path: triples(project, path)
            for path in sorted((project.root / "instances").glob("*.ttl"))}


def _country_named(data: dict[Path, list[Triple]], name: str) -> str | None:
    """The country node of the data whose label or other name is name (any case), if any."""
    countries = {s for triples_ in data.values() for s, p, o in triples_
                 if p == str(RDF.type) and o == str(CCB.Country)}
    return next((s for triples_ in data.values() for s, p, o in sorted(triples_)
                 if s in countries and p in NAME_PROPERTIES and o.casefold() == name.casefold()),
                None)


def _described_in(data: dict[Path, list[Triple]], iri: str) -> Path | None:
    """The data file that already describes the IRI (uses it as a subject), if any."""
    return next((path for path, triples_ in data.items() if any(s == iri for s, _, _ in triples_)),
                None)
