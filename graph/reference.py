"""Reference data in one object: IATI codelists, UN SDG codes and places, for checks and mapping.

Loaded once per data directory (pycountry and the codelists take about a second)
and shared by readers, checks and mappers; nothing here knows RDF.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from graph.records import Text
from graph.sources.codelists import Code, Codelist, read_codelists, read_extra_codelists
from graph.sources.places import PlaceInfo, fold, name_index, read_places

SDG_KOS = "sdg/un-sdg-kos-goals-targets-indicators.ttl"
DEVKG_ROLES = {
    "reporting": ("Reporting", "The organisation that published the information about the activity (IATI reporting-org)."),
    "partner": ("Partner", "A sub-partner or collaborating organisation named by the source without an IATI role."),
}


class Reference:
    def __init__(self, directory: Path):
        self.directory = directory
        self.codelists: dict[str, Codelist] = read_codelists(directory / "codelists")
        extra = directory / "extra-codelists.csv"
        if extra.exists():
            for name, cl in read_extra_codelists(extra).items():
                self.codelists.setdefault(name, cl)
        roles = self.codelists.get("OrganisationRole")
        if roles is not None:
            for code, (name, definition) in DEVKG_ROLES.items():
                roles.items.setdefault(code, Code(code, [Text(name, "en")], [Text(definition, "en")]))
        dac = self.codelists.get("Region")
        countries = self.codelists.get("Country")
        self.places: dict[str, PlaceInfo] = read_places(
            directory, {c.code: c.name() or c.code for c in dac.items.values()} if dac else {},
            {c.code: c.name() or c.code for c in countries.items.values()} if countries else {})
        self._names = name_index(self.places)
        self.sdg = _read_sdg_notations(directory / SDG_KOS)

    @classmethod
    def load(cls, data_dir: Path) -> "Reference":
        """The reference data under `{data_dir}/reference/`, cached per directory."""
        return _load(Path(data_dir).resolve() / "reference")

    # --- codelists ------------------------------------------------------------------
    def codelist(self, name: str) -> Codelist | None:
        return self.codelists.get(name)

    def has_code(self, codelist: str, code: str) -> bool:
        cl = self.codelists.get(codelist)
        return cl is not None and str(code) in cl.items

    def label(self, codelist: str, code: str) -> str | None:
        cl = self.codelists.get(codelist)
        item = cl.items.get(str(code)) if cl else None
        return item.name() if item else None

    # --- places ---------------------------------------------------------------------
    def place(self, key: str) -> PlaceInfo | None:
        return self.places.get(key) or self.places.get(key.upper())

    def find_place(self, text: str, country: str | None = None) -> PlaceInfo | None:
        """A place by the name a curator wrote ("Piura", "Issyk-Kul", "Osh"), within a country."""
        folded = fold(text)
        for variant in (folded, folded.replace(" ", "")):
            key = self._names.get(((country or "").upper(), variant)) or (None if country else self._names.get(("", variant)))
            if key:
                return self.places[key]
        return None

    def ancestors(self, key: str) -> list[str]:
        seen: list[str] = []
        todo = list(self.places[key].parents) if key in self.places else []
        while todo:
            k = todo.pop(0)
            if k not in seen and k in self.places:
                seen.append(k)
                todo.extend(self.places[k].parents)
        return seen

    # --- SDGs -----------------------------------------------------------------------
    def has_sdg(self, code: str) -> bool:
        return str(code).strip() in self.sdg

    def sdg_iri(self, code: str) -> str:
        """The UN KOS IRI of a goal ("16"), target ("16.6") or indicator ("16.6.1", "C160601")."""
        return self.sdg.get(str(code).strip(), f"http://metadata.un.org/sdg/{str(code).strip()}")


def _read_sdg_notations(path: Path) -> dict[str, str]:
    """Every notation in the UN SDG KOS (compact "16.6.1", padded "16.06.01", permanent "C160601")."""
    notations: dict[str, str] = {}
    pattern = re.compile(r'^sdg:(\S+) skos:notation (.+?)\s*\.\s*$')
    for line in path.read_text(encoding="utf-8").splitlines():
        m = pattern.match(line)
        if m:
            iri = f"http://metadata.un.org/sdg/{m.group(1)}"
            for value in re.findall(r'"([^"]+)"', m.group(2)):
                notations.setdefault(value, iri)
            notations.setdefault(m.group(1), iri)
    return notations


@functools.lru_cache(maxsize=4)
def _load(directory: Path) -> Reference:
    return Reference(directory)
