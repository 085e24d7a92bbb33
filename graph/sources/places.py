"""Places as plain records: ISO 3166 (pycountry), UN M49 regions, DAC regions, groupings, seed table.

Keys: ISO codes for countries and subdivisions (`PE`, `PE-PIU`), `m49-419` for UN
M49 regions (`m49-001` is the World), `dac-489` for OECD DAC regions (IATI Region
codelist), `group-SIDS` for country groupings, and the seed table's own keys for
places below ISO 3166-2 (`KG-Y-AKSUU`). `parents` are direct containers only; the
reasoner closes them. Group membership (`groups`) is kept apart from containment:
a project in Paraguay is not "in" the Land Locked Developing Countries the way it
is in South America.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pycountry

KINDS = ("country", "region", "district", "municipality", "macro-region", "country-group")
SEED_KINDS = {"city": "municipality"}  # the seed table's words for a kind devkg names otherwise
EXTRA_COUNTRY_PARENTS = {"XK": ("m49-039",)}  # Kosovo, in UN M49 Southern Europe


@dataclass
class PlaceInfo:
    key: str
    name: str
    kind: str  # one of KINDS
    iso3166: str | None = None
    m49: str | None = None
    parents: list[str] = field(default_factory=list)  # direct containers (withinPlace)
    groups: list[str] = field(default_factory=list)  # country groupings (memberOfGroup), not containers
    wikidata: str | None = None  # QID, "Q419"
    geonames: str | None = None  # GeoNames id, "3932488"
    alt_names: list[str] = field(default_factory=list)
    note: str | None = None  # a curator's remark about the place itself
    geonames_checked: bool | None = None  # the curators checked the GeoNames id (False: from memory)
    seed_name: str | None = None  # the name the curated seed table gives (wins name lookups)

    @property
    def country(self) -> str | None:
        """The ISO 3166-1 code of the country the place is (in), None for macro-regions and groups."""
        if self.kind in ("macro-region", "country-group"):
            return None
        return self.key.split("-")[0]


def fold(name: str) -> str:
    """Accent-, case- and punctuation-insensitive form of a place name, for matching what curators write."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    ascii_name = re.sub(r"['’`]", "", ascii_name)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_name).split())


def _m49(code: str) -> str:
    return f"m49-{code.zfill(3)}"


def _comment_free(f) -> list[str]:
    return [line for line in f if line.strip() and not line.startswith("#")]


def read_places(reference_dir: Path, dac_regions: dict[str, str] | None = None,
                iati_countries: dict[str, str] | None = None) -> dict[str, PlaceInfo]:
    """Every place devkg knows, by key. `dac_regions` and `iati_countries` come from the IATI codelists."""
    places: dict[str, PlaceInfo] = {"m49-001": PlaceInfo("m49-001", "World", "macro-region", m49="001")}
    _m49_regions(reference_dir / "places" / "iso3166-m49-regions.csv", places)
    for code, name in (iati_countries or {}).items():  # e.g. XK Kosovo: in IATI's list, not in ISO 3166-1
        if code not in places:
            places[code] = PlaceInfo(code, name, "country", iso3166=code,
                                     parents=list(EXTRA_COUNTRY_PARENTS.get(code, ())),
                                     note="country code from the IATI Country codelist (not in ISO 3166-1)")
    for sub in pycountry.subdivisions:
        kind = "district" if sub.parent_code else "region"
        places[sub.code] = PlaceInfo(sub.code, sub.name, kind, iso3166=sub.code,
                                     parents=[sub.parent_code or sub.country_code])
    _seed_table(reference_dir / "places" / "seed-places.csv", places)
    _groups(reference_dir / "country-groups.csv", places)
    _dac_regions(reference_dir / "dac-regions.csv", dac_regions or {}, places)
    return places


def _m49_regions(path: Path, places: dict[str, PlaceInfo]) -> None:
    """Each country within its intermediate region, else sub-region; those within region, within World."""
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            chain = [(row["region-code"], row["region"]), (row["sub-region-code"], row["sub-region"]),
                     (row["intermediate-region-code"], row["intermediate-region"])]
            parent = "m49-001"
            for code, name in ((c, n) for c, n in chain if c):
                key = _m49(code)
                place = places.setdefault(key, PlaceInfo(key, name, "macro-region", m49=code.zfill(3)))
                if parent not in place.parents:
                    place.parents.append(parent)
                parent = key
            alpha2 = row["alpha-2"]
            country = pycountry.countries.get(alpha_2=alpha2)
            name = getattr(country, "common_name", None) or (country.name if country else row["name"])
            alt = [row["name"], getattr(country, "name", ""), getattr(country, "official_name", "")]
            places[alpha2] = PlaceInfo(alpha2, name, "country", iso3166=alpha2, m49=row["country-code"],
                                       parents=[parent] if parent != "m49-001" else [],
                                       alt_names=list(dict.fromkeys(n for n in alt if n and n != name)))


def _seed_table(path: Path, places: dict[str, PlaceInfo]) -> None:
    """The curated table: Wikidata/GeoNames ids, curators' names, places below ISO 3166-2."""
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(_comment_free(f)):
            kind = SEED_KINDS.get(row["place_type"], row["place_type"])
            if kind not in KINDS:
                raise ValueError(f"{path}: place {row['key']}: unknown place_type {row['place_type']!r}")
            key = _m49(row["un_m49"]) if kind == "macro-region" else row["key"]
            place = places.get(key)
            if place is None:
                parent = row["parent_key"]
                parents = [_m49(parent) if parent.isdigit() else parent] if parent else []
                place = places[key] = PlaceInfo(key, row["name"], kind, iso3166=row["iso3166"] or None, parents=parents)
            elif place.name != row["name"]:
                place.alt_names.insert(0, place.name)  # keep the ISO name, show the curators' one
                place.name = row["name"]
            place.kind = kind
            place.seed_name = row["name"]
            place.wikidata = row["wikidata_qid"] or place.wikidata
            place.geonames = row["geonames_id"] or place.geonames
            place.note = row["notes"] or place.note
            checked = (row.get("geonames_checked") or "").strip().lower()
            if checked not in ("", "yes", "no"):
                raise ValueError(f"{path}: place {row['key']}: geonames_checked is {checked!r}, not yes, no or empty")
            place.geonames_checked = {"yes": True, "no": False}.get(checked, place.geonames_checked)
            # `named_by` (which seed project names the place) documents the table; it says nothing about the place.


def _groups(path: Path, places: dict[str, PlaceInfo]) -> None:
    """UN M49 country groupings; members get the group in `groups`, never in `parents`."""
    with path.open(encoding="utf-8") as f:
        for n, row in enumerate(csv.DictReader(_comment_free(f)), 2):
            short = row["key"].removeprefix("group-")
            name = row["name"]
            places[row["key"]] = PlaceInfo(row["key"], name, "country-group", m49=row["m49"],
                                           alt_names=[short, re.sub(r"\s*\(.*\)$", "", name)])
            for member in row["members"].split():
                if member not in places or places[member].kind != "country":
                    raise ValueError(f"{path}: group {row['key']}: member {member!r} is not a known country")
                places[member].groups.append(row["key"])


def _dac_regions(path: Path, names: dict[str, str], places: dict[str, PlaceInfo]) -> None:
    parents: dict[str, str] = {}
    if path.exists():
        with path.open(encoding="utf-8") as f:
            parents = {row["code"]: row["parent"] for row in csv.DictReader(_comment_free(f))}
    for code, name in names.items():
        places[f"dac-{code}"] = PlaceInfo(f"dac-{code}", name, "macro-region",
                                          parents=[f"dac-{parents[code]}"] if code in parents else [],
                                          note="OECD DAC region (IATI Region codelist)")


SUFFIXES = ("region", "regions", "oblast", "oblasty", "department", "departamento", "province", "district",
            "municipality", "city", "shaary", "state")
PREFIXES = ("region", "departamento de", "department of", "province of", "provincia de", "city of")
KIND_RANK = {k: i for i, k in enumerate(KINDS)}


def name_forms(name: str) -> set[str]:
    """The folded forms a name is found by: as written, without spaces, without "Region"/"Oblast"-like words."""
    folded = fold(name)
    forms = {folded}
    for suffix in SUFFIXES:
        if folded.endswith(" " + suffix):
            forms.add(folded[: -len(suffix) - 1])
    for prefix in PREFIXES:
        if folded.startswith(prefix + " "):
            forms.add(folded[len(prefix) + 1:])
    return {f for form in forms for f in (form, form.replace(" ", ""))}


def name_index(places: dict[str, PlaceInfo]) -> dict[str, list[tuple[int, int, str | None, str]]]:
    """folded name -> candidates `(rank, kind rank, country, key)`, best first.

    Rank 0 is a name from the curated seed table, 1 any other name: so "Osh"
    within KG is the region KG-O, as the seed table says, not the city KG-GO.
    """
    index: dict[str, set[tuple[int, int, str | None, str]]] = {}
    for p in places.values():
        named = [(0, p.seed_name)] if p.seed_name else []
        named += [(1, n) for n in (p.name, *p.alt_names)]
        for rank, n in named:
            for form in name_forms(n):
                index.setdefault(form, set()).add((rank, KIND_RANK[p.kind], p.country, p.key))
    return {form: sorted(c) for form, c in index.items()}
