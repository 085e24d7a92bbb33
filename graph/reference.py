"""Reference data in one object: IATI codelists, UN SDG codes and places, for checks and mapping.

Loaded once per data directory (`Reference.load` is cached) and shared by
readers, checks and mappers; nothing here knows RDF. Codelist names are the IATI
file names ("Sector", "Currency", "OrganisationRole", "UNSDG-Targets").
"""

from __future__ import annotations

import functools
from pathlib import Path

from graph.records import Text
from graph.sources.codelists import Code, Codelist, read_codelists, read_extra_codelists
from graph.sources.places import PlaceInfo, fold, name_forms, name_index, read_places

SDG_KOS = "sdg/un-sdg-kos-goals-targets-indicators.ttl"
SDG_ONTOLOGY = "sdg/un-sdg-ontology.ttl"
SDG_BASE = "http://metadata.un.org/sdg/"
DEVKG_ROLES = {
    "reporting": ("Reporting",
                  "The organisation that published the information about the activity (IATI reporting-org)."),
    "partner": ("Partner", "A sub-partner or collaborating organisation named by the source without an IATI role."),
}


class Reference:
    """Codelists, places and SDG notations read from one `reference/` directory."""

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
        self.sdg: dict[str, str] = read_sdg_notations(directory / SDG_KOS)

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
        """The English name of a code, None when the code (or the codelist) is unknown."""
        cl = self.codelists.get(codelist)
        item = cl.items.get(str(code)) if cl else None
        return item.name() if item else None

    # --- places ---------------------------------------------------------------------
    def place(self, key: str) -> PlaceInfo | None:
        """A place by its key ("PE", "pe", "PE-PIU", "m49-419", "group-SIDS", "KG-Y-AKSUU")."""
        key = key.strip()
        found = self.places.get(key)
        if found is None and key[:4].lower() in ("m49-", "dac-"):
            found = self.places.get(key[:4].lower() + key[4:])
        elif found is None and key.lower().startswith("group-"):
            found = self.places.get("group-" + key[6:].upper())
        return found or self.places.get(key.upper())

    def find_place(self, text: str, country: str | None = None) -> PlaceInfo | None:
        """A place by the name a curator wrote ("Piura", "Issyk-Kul", "Osh"), within a country if given.

        Accents, case and words like "Region" or "Oblast" do not matter. Without a
        country the name must be unambiguous; None when nothing (or too much) fits.
        """
        if (by_key := self.place(text)) is not None and (country is None or by_key.country in (None, country.upper())):
            return by_key
        wanted = country.upper() if country else None
        candidates = sorted({c for form in name_forms(text) for c in self._names.get(form, ())
                             if wanted is None or c[2] == wanted})
        if not candidates:
            return None
        best = [c for c in candidates if c[:2] == candidates[0][:2]]
        keys = {c[3] for c in best}
        return self.places[candidates[0][3]] if len(keys) == 1 else None

    def ancestors(self, key: str) -> list[str]:
        """Every place `key` is within, nearest first (the closure of `parents`; groups excluded)."""
        seen: list[str] = []
        place = self.place(key)
        todo = list(place.parents) if place else []
        while todo:
            k = todo.pop(0)
            if k not in seen and k in self.places:
                seen.append(k)
                todo.extend(self.places[k].parents)
        return seen

    # --- SDGs -----------------------------------------------------------------------
    def has_sdg(self, code: str) -> bool:
        """True for a goal ("16"), target ("16.6") or indicator ("16.6.1", "C160601") of the UN SDG KOS."""
        return str(code).strip() in self.sdg

    def sdg_iri(self, code: str) -> str:
        """The UN KOS IRI of a goal ("16"), target ("16.6") or indicator ("16.6.1" -> .../C160601)."""
        code = str(code).strip()
        return self.sdg.get(code, SDG_BASE + code)


def read_sdg_notations(path: Path) -> dict[str, str]:
    """Every skos:notation in the UN SDG KOS -> its IRI (and each concept's local name too).

    Parsed with pyoxigraph's streaming Turtle parser: 7,600 triples in ~30 ms, where
    rdflib takes about a second, and a real parser, so a change of layout cannot fool it.
    """
    from graph.store import NamedNode, RdfFormat, StoreError, parse

    notation = "http://www.w3.org/2004/02/skos/core#notation"
    notations: dict[str, str] = {}
    try:
        for t in parse(path.read_bytes(), RdfFormat.TURTLE):
            if t.predicate.value == notation and isinstance(t.subject, NamedNode) \
                    and t.subject.value.startswith(SDG_BASE):
                iri = t.subject.value
                notations.setdefault(t.object.value, iri)
                notations.setdefault(iri[len(SDG_BASE):], iri)
    except OSError as e:
        raise ValueError(f"{path}: cannot read the UN SDG KOS: {e}") from None
    except StoreError as e:
        raise ValueError(f"{path}: {e}") from None
    if not notations:
        raise ValueError(f"{path}: no skos:notation of a {SDG_BASE} concept found")
    return notations


@functools.lru_cache(maxsize=4)
def _load(directory: Path) -> Reference:
    return Reference(directory)


__all__ = ["Reference", "PlaceInfo", "Codelist", "Code", "DEVKG_ROLES", "SDG_KOS", "SDG_ONTOLOGY", "fold"]
