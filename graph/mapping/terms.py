"""Small helpers every mapper shares: typed literals and the IATI code -> property tables."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from graph.records import PartialDate, Text

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


# rdflib parses every literal it makes (a fifth of the mapping's time at scale), and dates, amounts,
# codes and names repeat across activities: literals are immutable, so each is made once per process.
_literal = lru_cache(maxsize=1 << 16)(Literal)


def text(t: Text) -> Literal:
    return _literal(t.value, lang=t.lang) if t.lang else _literal(t.value)


def decimal(value: Decimal | int | float) -> Literal:
    """An `xsd:decimal` literal in canonical form (no exponent, no trailing zeros beyond one)."""
    return _decimal(str(value))


@lru_cache(maxsize=1 << 16)
def _decimal(value: str) -> Literal:
    d = Decimal(value)
    lexical = format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")
    if "." not in lexical:
        lexical += ".0"
    return Literal(lexical, datatype=XSD.decimal)


def xsd_date(d: date) -> Literal:
    return _literal(d.isoformat(), datatype=XSD.date)


def stated(pd: PartialDate) -> Literal:
    """The date as precisely as the source stated it: xsd:date, xsd:gYearMonth or xsd:gYear."""
    if pd.precision == "day":
        return xsd_date(pd.first())
    if pd.precision == "month":
        return Literal(str(pd), datatype=XSD.gYearMonth)
    return Literal(str(pd), datatype=XSD.gYear)


def uri(value: str) -> Literal:
    return Literal(value, datatype=XSD.anyURI)


def wkt_point(lat: Decimal, lon: Decimal) -> Literal:
    return Literal(f"POINT({lon} {lat})", datatype=URIRef("http://www.opengis.net/ont/geosparql#wktLiteral"))
