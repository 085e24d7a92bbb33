"""Places as plain records: ISO 3166 (pycountry), UN M49 regions, groupings and the seed table.

Keys: ISO codes for countries and subdivisions (`PE`, `PE-PIU`), `m49-419` for UN
M49 regions, `dac-489` for OECD DAC regions (IATI Region codelist), `group-SIDS`
for country groupings, and the seed table's own keys for places below ISO 3166-2
(`KG-Y-AKSUU`). `parents` are direct containers only; the reasoner closes them.
Group membership is kept apart from containment: a project in Paraguay is not
"in" the Land Locked Developing Countries the way it is in South America.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pycountry


@dataclass
class PlaceInfo:
    key: str
    name: str
    kind: str  # country, region, district, municipality, city, macro-region, country-group
    iso3166: str | None = None
    m49: str | None = None
    parents: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    wikidata: str | None = None
    geonames: str | None = None
    alt_names: list[str] = field(default_factory=list)
    note: str | None = None


def fold(name: str) -> str:
    """Accent- and case-insensitive form of a place name, for matching what curators write."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(ascii_name.replace("-", " ").replace("'", "").split())


EXTRA_COUNTRY_PARENTS = {"XK": ("m49-039",)}  # Kosovo, in UN M49 Southern Europe


def _m49(code: str) -> str:
    return f"m49-{code.zfill(3)}"


def read_places(reference_dir: Path, dac_regions: dict[str, str] | None = None,
                iati_countries: dict[str, str] | None = None) -> dict[str, PlaceInfo]:
    places: dict[str, PlaceInfo] = {"m49-001": PlaceInfo("m49-001", "World", "macro-region", m49="001")}
    _m49_regions(reference_dir / "places" / "iso3166-m49-regions.csv", places)
    for code, name in (iati_countries or {}).items():  # e.g. XK Kosovo: in IATI's list, not in ISO 3166-1
        if code not in places:
            places[code] = PlaceInfo(code, name, "country", iso3166=code, parents=list(EXTRA_COUNTRY_PARENTS.get(code, ())),
                                     note="country code from the IATI Country codelist (not in ISO 3166-1)")
    for sub in pycountry.subdivisions:
        parent = sub.parent_code or sub.country_code
        kind = "district" if sub.parent_code else "region"
        places[sub.code] = PlaceInfo(sub.code, sub.name, kind, iso3166=sub.code, parents=[parent])
    _seed_table(reference_dir / "places" / "seed-places.csv", places)
    _groups(reference_dir / "country-groups.csv", places)
    for code, name in (dac_regions or {}).items():
        places[f"dac-{code}"] = PlaceInfo(f"dac-{code}", name, "macro-region", note="OECD DAC region (IATI Region codelist)")
    return places


def _m49_regions(path: Path, places: dict[str, PlaceInfo]) -> None:
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            chain = [(row["region-code"], row["region"]), (row["sub-region-code"], row["sub-region"]),
                     (row["intermediate-region-code"], row["intermediate-region"])]
            chain = [(c, n) for c, n in chain if c]
            parent = None
            for code, name in chain:
                key = _m49(code)
                place = places.setdefault(key, PlaceInfo(key, name, "macro-region", m49=code.zfill(3)))
                parent = parent or "m49-001"
                if parent != key and parent not in place.parents:
                    place.parents.append(parent)
                parent = key
            alpha2 = row["alpha-2"]
            country = pycountry.countries.get(alpha_2=alpha2)
            name = getattr(country, "common_name", None) or (country.name if country else row["name"])
            places[alpha2] = PlaceInfo(alpha2, name, "country", iso3166=alpha2, m49=row["country-code"],
                                       parents=[parent] if parent else [],
                                       alt_names=[n for n in {row["name"], getattr(country, "name", ""),
                                                              getattr(country, "official_name", "")} if n and n != name])


def _seed_table(path: Path, places: dict[str, PlaceInfo]) -> None:
    """The curated table: Wikidata/GeoNames ids, curators' names, places below ISO 3166-2."""
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = row["key"] if row["place_type"] != "macro-region" else _m49(row["un_m49"])
            place = places.get(key)
            if place is None:
                kind = row["place_type"]
                parents = [row["parent_key"]] if row["parent_key"] else []
                place = places[key] = PlaceInfo(key, row["name"], kind, iso3166=row["iso3166"] or None, parents=parents)
            elif place.name != row["name"]:
                place.alt_names.insert(0, place.name)  # keep the ISO name, show the curators' one
                place.name = row["name"]
            if row["place_type"] == "city":
                place.kind = "city"
            place.wikidata = row["wikidata_qid"] or place.wikidata
            place.geonames = row["geonames_id"] or place.geonames
            place.note = row["notes"] or place.note


def _groups(path: Path, places: dict[str, PlaceInfo]) -> None:
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(line for line in f if not line.startswith("#")):
            places[row["key"]] = PlaceInfo(row["key"], row["name"], "country-group", m49=row["m49"],
                                           alt_names=[row["key"].removeprefix("group-")])
            for member in row["members"].split():
                if member in places:
                    places[member].groups.append(row["key"])


def name_index(places: dict[str, PlaceInfo]) -> dict[tuple[str, str], str]:
    """(country, folded name) -> key. Curated names win over ISO ones ("Osh" is the region KG-O)."""
    index: dict[tuple[str, str], str] = {}
    curated: set[tuple[str, str]] = set()
    for p in places.values():
        country = p.key.split("-")[0] if p.kind not in ("macro-region", "country-group") else ""
        names = [p.name, *p.alt_names]
        for n in list(names):
            for suffix in (" region", " oblast", " regions", " department", " province"):
                if fold(n).endswith(suffix):
                    names.append(n[: -len(suffix)])
        is_curated = bool(p.wikidata or p.geonames) and p.kind != "city"
        for k in {(country, v) for n in names for v in (fold(n), fold(n).replace(" ", ""))}:
            if k not in index or (is_curated and k not in curated):
                index[k] = p.key
                if is_curated:
                    curated.add(k)
    return index
