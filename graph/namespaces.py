"""The RDF namespaces devkg uses, in one place, and the prefix table shown to users.

The names below (`SDG`, `SCHEMA`, ...) are rdflib `Namespace`s for the build, made
on first use: importing this module does not import rdflib, so the web server
(which only needs the IRIs: `prefixes()`, `Space`) starts without it.
"""

from __future__ import annotations

from functools import lru_cache

from graph.config import DEFAULT_BASE  # noqa: E402,F401 - the one definition, re-exported

IRIS = {
    "SDG": "http://metadata.un.org/sdg/",
    "SDGO": "http://metadata.un.org/sdg/ontology#",
    "SCHEMA": "https://schema.org/",
    "ORG": "http://www.w3.org/ns/org#",
    "EURIO": "http://data.europa.eu/s66#",
    "GEO": "http://www.opengis.net/ont/geosparql#",
    "SH": "http://www.w3.org/ns/shacl#",
    "SD": "http://www.w3.org/ns/sparql-service-description#",
    "WD": "http://www.wikidata.org/entity/",
    "GEONAMES": "https://sws.geonames.org/",
    "LDES": "https://w3id.org/ldes#",  # Linked Data Event Streams (the harvest feed, /ldes)
    "TREE": "https://w3id.org/tree#",
    "AS": "https://www.w3.org/ns/activitystreams#",
}
W3C = {  # rdflib's own namespaces, re-exported as they always were
    "RDF": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "RDFS": "http://www.w3.org/2000/01/rdf-schema#",
    "OWL": "http://www.w3.org/2002/07/owl#",
    "XSD": "http://www.w3.org/2001/XMLSchema#",
    "SKOS": "http://www.w3.org/2004/02/skos/core#",
    "DCTERMS": "http://purl.org/dc/terms/",
    "PROV": "http://www.w3.org/ns/prov#",
    "FOAF": "http://xmlns.com/foaf/0.1/",
    "DCAT": "http://www.w3.org/ns/dcat#",
    "VOID": "http://rdfs.org/ns/void#",
}


class Space(str):
    """A namespace IRI as a plain string whose attributes are its terms as plain strings
    (`space("DCTERMS").title`, even where `str` has a method of that name): for code that writes
    pyoxigraph terms and needs no rdflib. Names starting with `_` are the string's own."""

    __slots__ = ()

    def __getattribute__(self, name: str):
        if name.startswith("_"):
            return str.__getattribute__(self, name)
        return str(self) + name


def space(name: str) -> Space:
    """`space("LDES")`, `space("RDF")`: the namespace of that name as a `Space`."""
    return Space(IRIS.get(name) or W3C[name])


def __getattr__(name: str):
    """`SDG`, `RDF`, ...: rdflib namespaces, imported when first asked for (the build's code)."""
    if name in IRIS:
        from rdflib import Namespace

        value = Namespace(IRIS[name])
    elif name in W3C:
        from rdflib import namespace

        value = getattr(namespace, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def vocab(base: str = DEFAULT_BASE):
    """The devkg vocabulary namespace (`{base}def#`), an rdflib `Namespace`."""
    from rdflib import Namespace

    return Namespace(f"{base}def#")


@lru_cache(maxsize=16)
def _prefixes(base: str) -> tuple[tuple[str, str], ...]:
    return (
        ("dev", f"{base}def#"),
        ("devid", f"{base}id/"),
        ("rdf", W3C["RDF"]),
        ("rdfs", W3C["RDFS"]),
        ("owl", W3C["OWL"]),
        ("xsd", W3C["XSD"]),
        ("skos", W3C["SKOS"]),
        ("dcterms", W3C["DCTERMS"]),
        ("prov", W3C["PROV"]),
        ("foaf", W3C["FOAF"]),
        ("dcat", W3C["DCAT"]),
        ("void", W3C["VOID"]),
        ("sdg", IRIS["SDG"]),
        ("sdgo", IRIS["SDGO"]),
        ("schema", IRIS["SCHEMA"]),
        ("org", IRIS["ORG"]),
        ("geo", IRIS["GEO"]),
    )


def prefixes(base: str = DEFAULT_BASE) -> dict[str, str]:
    """Prefixes preset in queries, the query UI and serialisations (a new dict each call: callers may change it)."""
    return dict(_prefixes(base))


def sparql_prologue(base: str = DEFAULT_BASE) -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes(base).items())
