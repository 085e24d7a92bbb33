"""Mints every devkg IRI, so that one identifier always gives one IRI.

IRIs are readable and built from real identifiers (IATI activity and organisation
identifiers, ISO 3166 codes, UN M49 codes, codelist codes), which makes a reload
idempotent. Child nodes live under their parent:
`{base}id/project/CA-3-A034224001/budget/2010-04-01--2011-03-31/1` (keys: graph/mapping/keys.py).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import quote, unquote_to_bytes

from graph.namespaces import DEFAULT_BASE, IRIS

# Characters kept as they are in an IRI path segment; everything else is %-encoded.
# IATI identifiers may contain "/", ":" and spaces ("XM-DAC-41114-PROJECT-00089/2"),
# so a segment never keeps "/" (which would make a false child path).
_SAFE = "-._~!$&'()*+,;=:@"


def URIRef(value: str):  # noqa: N802 - stands for rdflib's URIRef
    """rdflib's `URIRef(value)` (made as `graph.mapping.terms.URIRef` does, without rdflib's per-character
    scan); rdflib is imported on the first IRI minted, not with this module (the web server imports it for
    `canonical_path` and `Iris` and never needs rdflib)."""
    from graph.mapping.terms import URIRef as real

    globals()["URIRef"] = real
    return real(value)


_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


@lru_cache(maxsize=1 << 16)  # codes, currencies and identifiers repeat across a build's triples
def segment(value: str) -> str:
    """One IRI path segment from an identifier, reversible and readable.

    Everything an IRI path segment cannot hold as is (space, "/", "%", "#", "?",
    quotes, brackets, controls, non-ASCII) is %-encoded as UTF-8, so
    `identifier(segment(x)) == x.strip()` for every identifier.
    """
    return quote(value.strip(), safe=_SAFE)


def identifier(encoded: str) -> str:
    """The identifier a %-encoded path segment stands for; ValueError if the encoding is broken."""
    if _PERCENT.search(encoded):
        raise ValueError(f"{encoded!r} has a % that is not followed by two hex digits")
    try:
        return unquote_to_bytes(encoded).decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{encoded!r} does not decode to UTF-8") from None


def canonical_path(encoded: str) -> str:
    """A request path under /id/ in the one form devkg mints (`x%20y`, `%3A` -> `:`, `%2F` kept)."""
    return "/".join(quote(identifier(part), safe=_SAFE) for part in encoded.split("/"))


@lru_cache(maxsize=1 << 14)  # organisation names recur in every activity of a publisher
def slug(text: str) -> str:
    """A lowercase ASCII slug for names that have no identifier ("Instituto de Estudios Peruanos")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "unnamed"


class Iris:
    """IRI factory for one base (`DEVKG_BASE`)."""

    def __init__(self, base: str = DEFAULT_BASE):
        self.base = base
        self.id = f"{base}id/"
        self.vocab = f"{base}def#"
        self._codes: dict[tuple[str, str], URIRef] = {}  # (codelist, code) -> concept, made once

    # --- vocabulary and graphs -------------------------------------------------
    def term(self, name: str) -> URIRef:
        return URIRef(self.vocab + name)

    @property
    def ontology(self) -> URIRef:
        return URIRef(f"{self.base}def")

    def graph(self, name: str) -> URIRef:
        """Named graphs: `ontology`, `codelists`, `sdg`, `places`, `inferred`, `validation`."""
        return URIRef(f"{self.base}graph/{name}")

    def source_graph(self, source_key: str) -> URIRef:
        return URIRef(f"{self.base}graph/source/{_path(source_key)}")

    # --- the dataset's description (VoID/DCAT) ---------------------------------------
    @property
    def dataset(self) -> URIRef:
        return URIRef(f"{self.base}id/dataset")

    @property
    def catalog(self) -> URIRef:
        return URIRef(f"{self.id}catalog")

    @property
    def publisher(self) -> URIRef:
        return URIRef(f"{self.id}publisher")

    @property
    def sparql_endpoint(self) -> URIRef:
        return URIRef(f"{self.base}sparql")

    @property
    def dumps(self) -> URIRef:
        """The dumps' landing page (dcat:accessURL)."""
        return URIRef(f"{self.base}dumps/")

    def dump(self, file_name: str) -> URIRef:
        """Where a dump file is downloaded (dcat:downloadURL, void:dataDump)."""
        return URIRef(f"{self.base}dumps/{segment(file_name)}")

    def distribution(self, file_name: str) -> URIRef:
        return URIRef(f"{self.id}distribution/{segment(file_name)}")

    # --- the harvest feed (a Linked Data Event Stream of project versions) ----------------
    @property
    def feed(self) -> URIRef:
        """The ldes:EventStream; dereferenced at /ldes."""
        return URIRef(f"{self.base}ldes")

    @property
    def feed_view(self) -> URIRef:
        """The view's description (`tree:viewDescription`): an ldes:EventSource and dcat:DataService with its
        retention policy."""
        return URIRef(f"{self.base}ldes#view")

    @property
    def feed_retention(self) -> URIRef:
        return URIRef(f"{self.base}ldes#retention")

    def feed_page(self, first: int, last: int) -> URIRef:
        """A page (tree:Node) holding the versions at log positions `first`..`last`: the range names it,
        so a page IRI means the same members whatever page size a later server uses."""
        return URIRef(f"{self.base}ldes/page/{first}-{last}")

    def feed_since(self, stamp: str) -> URIRef:
        """The root of the view of versions generated at or after `stamp` (an xsd:dateTime in UTC)."""
        return URIRef(f"{self.base}ldes?since={stamp}")

    def version(self, project: str, stamp: str) -> URIRef:
        """One version of a project, named by the time it entered the feed (one per project per build)."""
        return URIRef(f"{project}/version/{segment(stamp)}")

    def project_of(self, iri: str) -> str | None:
        """The project an IRI belongs to (the project itself or a child node under it), else None.

        A project's identifier is one path segment (`segment` %-encodes "/"), so the
        project is the id space's `project/` plus the first segment after it.
        """
        prefix = f"{self.id}project/"
        if not iri.startswith(prefix):
            return None
        key = iri[len(prefix):].split("/", 1)[0]
        return prefix + key if key else None

    # --- other datasets' IRIs, written one way ---------------------------------------
    @staticmethod
    def geonames(geoname_id: str) -> URIRef:
        """A GeoNames feature, in the form GeoNames itself uses (`https://sws.geonames.org/3937513/`)."""
        return URIRef(f"{IRIS['GEONAMES']}{geoname_id.strip()}/")

    @staticmethod
    def wikidata(qid: str) -> URIRef:
        return URIRef(IRIS["WD"] + qid.strip())

    # --- instances ----------------------------------------------------------------
    def project(self, identifier: str) -> URIRef:
        return URIRef(f"{self.id}project/{segment(identifier)}")

    def child(self, parent: URIRef, *parts: str | int) -> URIRef:
        """A node that belongs to its parent (`.../budget/1`, `.../result/2/indicator/1`)."""
        iri = str(parent)
        for p in parts:
            iri += "/" + segment(p if type(p) is str else str(p))
        return URIRef(iri)

    def org(self, ref: str | None = None, name: str | None = None) -> URIRef:
        """An organisation by IATI organisation identifier, else by a slug of its name."""
        if ref:
            return URIRef(f"{self.id}org/{segment(ref)}")
        if not name:
            raise ValueError("an organisation needs an identifier or a name")
        return URIRef(f"{self.id}org/{slug(name)}")

    def place(self, key: str) -> URIRef:
        """Places: ISO 3166 codes (`PE`, `PE-PIU`), `m49-419`, `group-SIDS`, table keys."""
        return URIRef(f"{self.id}place/{segment(key)}")

    def m49(self, code: str) -> URIRef:
        return self.place(f"m49-{code.zfill(3)}")

    def scheme(self, codelist: str) -> URIRef:
        return URIRef(f"{self.id}codelist/{segment(codelist)}")

    def code(self, codelist: str, code: str) -> URIRef:
        iri = self._codes.get((codelist, code))
        if iri is None:
            if len(self._codes) >= 1 << 16:
                self._codes.clear()
            iri = self._codes[codelist, code] = URIRef(f"{self.id}codelist/{segment(codelist)}/{segment(code)}")
        return iri

    def publisher_scheme(self, publisher: str, codelist: str) -> URIRef:
        """A publisher's own codes (IATI vocabulary 99) live under the publisher."""
        return URIRef(f"{self.org(publisher)}/codelist/{segment(codelist)}")

    def publisher_code(self, publisher: str, codelist: str, code: str) -> URIRef:
        return URIRef(f"{self.publisher_scheme(publisher, codelist)}/{segment(code)}")

    def source(self, key: str) -> URIRef:
        return URIRef(f"{self.id}source/{_path(key)}")


def _path(key: str) -> str:
    return "/".join(segment(part) for part in key.split("/"))
