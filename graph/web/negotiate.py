"""The one media-type table, and Accept negotiation with q-values.

Every response format devkg serves is listed here once: its media type, the
`format=` short name and file extension that select it, and the pyoxigraph
format that writes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class Format:
    name: str  # `format=` value and file extension
    media_type: str
    writer: object  # ox.RdfFormat or ox.QueryResultsFormat, or None for HTML
    aliases: tuple[str, ...] = ()
    w3c: str = ""  # the format's IRI in http://www.w3.org/ns/formats/, for the service description


W3 = "http://www.w3.org/ns/formats/"
HTML = Format("html", "text/html", None, ("application/xhtml+xml",))
RESULTS = [  # SELECT and ASK
    Format("json", "application/sparql-results+json", ox.QueryResultsFormat.JSON, ("application/json",), W3 + "SPARQL_Results_JSON"),
    Format("xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML, ("application/xml", "text/xml"), W3 + "SPARQL_Results_XML"),
    Format("csv", "text/csv", ox.QueryResultsFormat.CSV, (), W3 + "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV, (), W3 + "SPARQL_Results_TSV"),
]
GRAPHS = [  # CONSTRUCT, DESCRIBE, resources, the ontology, the service description
    Format("ttl", "text/turtle", ox.RdfFormat.TURTLE, ("application/x-turtle",), W3 + "Turtle"),
    Format("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES, ("text/plain",), W3 + "N-Triples"),
    Format("nq", "application/n-quads", ox.RdfFormat.N_QUADS, (), W3 + "N-Quads"),
    Format("trig", "application/trig", ox.RdfFormat.TRIG, (), W3 + "TriG"),
    Format("rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML, (), W3 + "RDF_XML"),
    Format("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD, ("application/json",), W3 + "JSON-LD"),
]
SHORT_NAMES = {"turtle": "ttl", "ntriples": "nt", "n-triples": "nt", "nquads": "nq", "rdfxml": "rdf",
               "json-ld": "jsonld", "sparql-json": "json", "sparql-xml": "xml"}


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """`text/html;q=0.9, */*;q=0.1` -> [("text/html", 0.9), ("*/*", 0.1)], best first."""
    if not header:
        return [("*/*", 1.0)]
    out = []
    for i, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if fields[0]:
            out.append((fields[0].lower(), q, -i))
    out.sort(key=lambda t: (t[1], t[0].count("*") == 0, t[2]), reverse=True)
    return [(m, q) for m, q, _ in out if q > 0]


def choose(candidates: list[Format], accept: str | None, override: str | None = None) -> Format | None:
    """The format to answer with: `format=` wins, then the best Accept match; None means 406."""
    if override:
        name = SHORT_NAMES.get(override.lower(), override.lower())
        return next((f for f in candidates if name in (f.name, f.media_type) or override in f.aliases), None)
    for media, _ in parse_accept(accept):
        for f in candidates:
            if media in (f.media_type, *f.aliases) or media == "*/*" or (
                    media.endswith("/*") and f.media_type.startswith(media[:-1])):
                return f
    return None


def by_extension(candidates: list[Format], ext: str) -> Format | None:
    return next((f for f in candidates if f.name == ext), None)


def wants_html(accept: str | None) -> bool:
    """A browser: text/html ranked above every machine format it also accepts."""
    ranked = parse_accept(accept)
    return bool(ranked) and ranked[0][0] in ("text/html", "application/xhtml+xml")
