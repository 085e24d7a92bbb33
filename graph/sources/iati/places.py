"""Which devkg place an IATI `location` is, from its administrative codes and location-ids.

IATI's GeographicVocabulary has no ISO 3166-2 entry: A1 is GAUL, A2 UN SALB, A3 GADM,
A4 ISO 3166-1 alpha-2, G1 GeoNames, G2 OpenStreetMap. So a location becomes a devkg
place when
- an A4 code is an ISO 3166-1 country (`JO` -> place `JO`),
- a G1 code is the GeoNames id of a place in `places/seed-places.csv`,
- any code, whatever vocabulary it claims, is an ISO 3166-2 subdivision (`PE-PIU`)
  or a key of the place table (publishers do write ISO codes under A1/A3).
GAUL and GADM codes are not mapped: devkg has no table for them. `location/@ref` is the
publisher's own reference and is never taken as a place, even when it looks like an ISO code.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import pycountry

from graph.sources.places import PlaceInfo

ISO_COUNTRY = "A4"
GEONAMES = "G1"


class PlaceIndex:
    """Place keys by ISO code, place key and GeoNames id, from the places of one reference directory
    (`Reference.places`: the same table the place graph is made from, so `--data` is honoured)."""

    def __init__(self, places: Mapping[str, PlaceInfo]):
        self.keys: set[str] = set(places)
        self.by_geonames: dict[str, str] = {p.geonames.strip(): key for key, p in places.items() if p.geonames}

    def code(self, vocabulary: str | None, code: str) -> str | None:
        """The place key a (vocabulary, code) pair names, or None."""
        code = code.strip()
        if vocabulary == GEONAMES:
            return self.by_geonames.get(code)
        upper = code.upper()
        if vocabulary == ISO_COUNTRY and _country(upper):
            return upper
        if code in self.keys:
            return code
        if "-" in upper and _subdivision(upper):
            return upper
        return None

    def location(self, administrative: list[tuple[str, str | None, str]],
                 location_ids: list[tuple[str, str]]) -> str | None:
        """The most precise known place: the location-id (the place itself), then the
        administrative areas it lies in, deepest level first."""
        for vocabulary, code in location_ids:
            key = self.code(vocabulary, code)
            if key:
                return key

        def depth(item: tuple[str, str | None, str]) -> int:
            level = item[1]
            return -int(level) if level and level.isdigit() else 0

        for vocabulary, _level, code in sorted(administrative, key=depth):
            key = self.code(vocabulary, code)
            if key:
                return key
        return None


@lru_cache(maxsize=4096)
def _country(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


@lru_cache(maxsize=4096)
def _subdivision(code: str) -> bool:
    return pycountry.subdivisions.get(code=code) is not None


@lru_cache(maxsize=1)
def default_places() -> PlaceIndex:
    """The index of the repository's own reference data, for readers called without one."""
    from graph.config import PROJECT_ROOT
    from graph.reference import Reference

    return PlaceIndex(Reference.load(PROJECT_ROOT / "data").places)
