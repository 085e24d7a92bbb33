"""The RDF namespaces devkg uses, in one place, and the prefix table shown to users."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

from graph.config import DEFAULT_BASE  # noqa: E402,F401 - the one definition, re-exported

SDG = Namespace("http://metadata.un.org/sdg/")
SDGO = Namespace("http://metadata.un.org/sdg/ontology#")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
EURIO = Namespace("http://data.europa.eu/s66#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
WD = Namespace("http://www.wikidata.org/entity/")
GEONAMES = Namespace("https://sws.geonames.org/")
LDES = Namespace("https://w3id.org/ldes#")  # Linked Data Event Streams (the harvest feed, /ldes)
TREE = Namespace("https://w3id.org/tree#")
AS = Namespace("https://www.w3.org/ns/activitystreams#")


def vocab(base: str = DEFAULT_BASE) -> Namespace:
    """The devkg vocabulary namespace (`{base}def#`)."""
    return Namespace(f"{base}def#")


def prefixes(base: str = DEFAULT_BASE) -> dict[str, str]:
    """Prefixes preset in queries, the query UI and serialisations."""
    return {
        "dev": f"{base}def#",
        "devid": f"{base}id/",
        "rdf": str(RDF),
        "rdfs": str(RDFS),
        "owl": str(OWL),
        "xsd": str(XSD),
        "skos": str(SKOS),
        "dcterms": str(DCTERMS),
        "prov": str(PROV),
        "foaf": str(FOAF),
        "dcat": str(DCAT),
        "void": str(VOID),
        "sdg": str(SDG),
        "sdgo": str(SDGO),
        "schema": str(SCHEMA),
        "org": str(ORG),
        "geo": str(GEO),
    }


def sparql_prologue(base: str = DEFAULT_BASE) -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes(base).items())
