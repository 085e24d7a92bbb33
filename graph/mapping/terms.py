"""Small helpers every mapper shares: typed literals and the IATI code -> property tables."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache

import rdflib
from rdflib import namespace as _ns
from rdflib.term import _is_valid_langtag

from graph.records import PartialDate, Text


class Terms:
    """A namespace whose terms are made once each: rdflib's namespaces mint a new `URIRef` per
    lookup (its `DefinedNamespace`s through a slow metaclass `__getattr__`). The first lookup of
    a name sets it as an attribute, so later ones are plain attribute reads. `ns["format"]` works too."""

    def __init__(self, namespace):
        self._ns = namespace

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        term = self._ns[name]
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str):
        term = self.__dict__.get(name)
        return term if term is not None else getattr(self, name)


RDF, RDFS, SKOS, DCTERMS, PROV, XSD = (Terms(n) for n in (_ns.RDF, _ns.RDFS, _ns.SKOS, _ns.DCTERMS, _ns.PROV,
                                                          _ns.XSD))
_XSD_DATE, _XSD_DECIMAL, _XSD_ANYURI = XSD.date, XSD.decimal, XSD.anyURI
_WKT = rdflib.URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")

# --- literals and IRIs without rdflib's per-term work -------------------------------------------
# rdflib's `Literal(...)` parses and normalises every lexical form and `URIRef(...)` scans every IRI
# (most of the mapping's time at scale). For a plain or language-tagged string there is nothing to
# parse: these make the very objects rdflib would (same slots), and hand anything else to rdflib.
_new = str.__new__
_RdfLiteral, _RdfURIRef = rdflib.Literal, rdflib.URIRef
_valid_langs: set[str] = set()
_BAD_IRI = re.compile('[<>" {}|\\\\^`]').search  # the characters rdflib warns about


def Literal(value, lang: str | None = None, datatype=None) -> rdflib.Literal:  # noqa: N802 - rdflib's Literal
    """`rdflib.Literal(value, lang=..., datatype=...)`, made without parsing when `value` is a str and no
    datatype is given; typed literals, booleans and integers are made once per process."""
    if type(value) is str and datatype is None:
        if lang:
            if lang not in _valid_langs:
                if not _is_valid_langtag(lang):
                    return _RdfLiteral(value, lang=lang)  # raises rdflib's ValueError
                _valid_langs.add(lang)
        else:
            lang = None
        lit = _new(_RdfLiteral, value)
        lit._language, lit._datatype, lit._value, lit._ill_typed = lang, None, value, None
        return lit
    if type(value) is str and lang is None:
        return _typed(value, datatype)
    if type(value) in (bool, int) and lang is None and datatype is None:
        return _python(value)
    return _RdfLiteral(value, lang=lang, datatype=datatype)


@lru_cache(maxsize=1 << 16)
def _typed(lexical: str, datatype) -> rdflib.Literal:
    return _RdfLiteral(lexical, datatype=datatype)


@lru_cache(maxsize=1 << 12, typed=True)  # typed: True and 1 are different literals
def _python(value: bool | int) -> rdflib.Literal:
    return _RdfLiteral(value)


def URIRef(value: str) -> rdflib.URIRef:  # noqa: N802 - rdflib's URIRef
    """`rdflib.URIRef(value)` without its per-character scan (a regex instead; rdflib still makes, and warns
    about, an IRI with characters N-Triples cannot hold)."""
    if _BAD_IRI(value) is not None:
        return _RdfURIRef(value)
    return _new(_RdfURIRef, value)

# IATI OrganisationRole codes (plus devkg's own) -> shortcut property local name and IRI slug.
ROLE_PROPERTY = {
    "1": "fundedBy",
    "2": "accountableOrg",
    "3": "extendingOrg",
    "4": "implementedBy",
    "reporting": "reportedBy",
    "partner": "partnerOrg",
}
ROLE_SLUG = {"1": "funding", "2": "accountable", "3": "extending", "4": "implementing",
             "reporting": "reporting", "partner": "partner"}

# IATI DescriptionType -> property local name.
DESCRIPTION_PROPERTY = {"1": "description", "2": "objective", "3": "targetGroup", "4": "otherDescription"}

# IATI ActivityDateType -> property local name.
DATE_PROPERTY = {"1": "plannedStartDate", "2": "actualStartDate", "3": "plannedEndDate", "4": "actualEndDate"}


def text(t: Text) -> rdflib.Literal:
    return Literal(t.value, lang=t.lang)


def decimal(value: Decimal | int | float) -> rdflib.Literal:
    """An `xsd:decimal` literal in canonical form (no exponent, no trailing zeros beyond one)."""
    return _decimal(str(value))


@lru_cache(maxsize=1 << 16)
def _decimal(value: str) -> rdflib.Literal:
    d = Decimal(value)
    lexical = format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")
    if "." not in lexical:
        lexical += ".0"
    return _RdfLiteral(lexical, datatype=_XSD_DECIMAL)


@lru_cache(maxsize=1 << 16)  # dates recur across activities
def xsd_date(d: date) -> rdflib.Literal:
    return _RdfLiteral(d.isoformat(), datatype=_XSD_DATE)


def stated(pd: PartialDate) -> rdflib.Literal:
    """The date as precisely as the source stated it: xsd:date, xsd:gYearMonth or xsd:gYear."""
    if pd.precision == "day":
        return xsd_date(pd.first())
    if pd.precision == "month":
        return _typed(str(pd), XSD.gYearMonth)
    return _typed(str(pd), XSD.gYear)


def uri(value: str) -> rdflib.Literal:
    return _typed(value, _XSD_ANYURI)


def wkt_point(lat: Decimal, lon: Decimal) -> rdflib.Literal:
    return _typed(f"POINT({lon} {lat})", _WKT)
