"""The one media-type table, and the one content negotiation for every route.

Every response format devkg serves is listed here once: its media type, the
`format=` short name and file extension that select it, and the pyoxigraph
format that writes it. Accept parsing and matching is werkzeug's (q-values,
q=0 exclusions, wildcards); this module only maps its answer onto the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from graph.store import QueryResultsFormat, RdfFormat


@dataclass(frozen=True, eq=False)  # one object per format: compared and hashed by identity (cheap memo keys)
class Format:
    name: str  # `format=` value and file extension
    media_type: str
    writer: object  # RdfFormat or QueryResultsFormat, or None for HTML
    aliases: tuple[str, ...] = ()
    w3c: str = ""  # the format's IRI in http://www.w3.org/ns/formats/, for the service description


W3 = "http://www.w3.org/ns/formats/"
HTML = Format("html", "text/html", None, ("application/xhtml+xml",))
RESULTS = [  # SELECT and ASK
    Format("json", "application/sparql-results+json", QueryResultsFormat.JSON, ("application/json",),
           W3 + "SPARQL_Results_JSON"),
    Format("xml", "application/sparql-results+xml", QueryResultsFormat.XML, ("application/xml", "text/xml"),
           W3 + "SPARQL_Results_XML"),
    Format("csv", "text/csv", QueryResultsFormat.CSV, (), W3 + "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", QueryResultsFormat.TSV, (), W3 + "SPARQL_Results_TSV"),
]
GRAPHS = [  # CONSTRUCT, DESCRIBE, resources, the ontology, the service description
    Format("ttl", "text/turtle", RdfFormat.TURTLE, ("application/x-turtle",), W3 + "Turtle"),
    Format("nt", "application/n-triples", RdfFormat.N_TRIPLES, ("text/plain",), W3 + "N-Triples"),
    Format("nq", "application/n-quads", RdfFormat.N_QUADS, (), W3 + "N-Quads"),
    Format("trig", "application/trig", RdfFormat.TRIG, (), W3 + "TriG"),
    Format("rdf", "application/rdf+xml", RdfFormat.RDF_XML, (), W3 + "RDF_XML"),
    Format("jsonld", "application/ld+json", RdfFormat.JSON_LD, ("application/json",), W3 + "JSON-LD"),
    # Turtle is a subset of N3, so the Turtle writer (with prefixes) writes valid N3.
    Format("n3", "text/n3", RdfFormat.TURTLE, ("text/rdf+n3", "application/n3"), W3 + "N3"),
]
SHORT_NAMES = {"turtle": "ttl", "ntriples": "nt", "n-triples": "nt", "nquads": "nq", "rdfxml": "rdf",
               "json-ld": "jsonld", "sparql-json": "json", "sparql-xml": "xml"}


def _accept(header: str | None) -> MIMEAccept:
    """werkzeug's parse of Accept: q-values, q=0 exclusions, the most specific range first."""
    return parse_accept_header(header or "*/*", MIMEAccept)


def by_name(candidates: list[Format], value: str) -> Format | None:
    """A `format=` value (short name, extension or media type) among `candidates`."""
    name = SHORT_NAMES.get(value.lower(), value.lower())
    return next((f for f in candidates if name in (f.name, f.media_type, *f.aliases)), None)


def choose(candidates: list[Format], accept: str | None, override: str | None = None) -> Format | None:
    """The format to answer with; None means 406.

    `format=` wins when it names one of `candidates`; a value it does not name
    (SPARQLWrapper sends `format=xml` with `Accept: application/rdf+xml` for
    CONSTRUCT) falls back to Accept. Among equally acceptable formats the first
    candidate wins, so list the default first. Answers are remembered (the same few
    Accept headers come again and again, and werkzeug's parse is most of a cheap request).
    """
    if accept is not None and len(accept) > MEMO_LENGTH or override is not None and len(override) > MEMO_LENGTH:
        return _choose(tuple(candidates), accept, override)
    return _memo(tuple(candidates), accept, override)


MEMO_LENGTH = 500  # longer headers are parsed each time rather than kept


def _choose(candidates: tuple[Format, ...], accept: str | None, override: str | None) -> Format | None:
    if override:
        fmt = by_name(list(candidates), override)
        if fmt is not None:
            return fmt
    ranges = _accept(accept)
    # A format whose own media type the client refuses (q=0) is not offered under an alias either;
    # primary media types come before aliases, so `text/*` means CSV, not `text/xml`.
    usable = [f for f in candidates if not (f.media_type in ranges and ranges.quality(f.media_type) <= 0)]
    offered = [(f.media_type, f) for f in usable] + [(a, f) for f in usable for a in f.aliases]
    best = ranges.best_match([media for media, _ in offered])
    return next((f for media, f in offered if media == best), None)


_memo = lru_cache(maxsize=512)(_choose)


def by_extension(candidates: list[Format], ext: str) -> Format | None:
    return next((f for f in candidates if f.name == ext), None)


def wants_html(accept: str | None) -> bool:
    """A browser: text/html acceptable and ranked above every machine format (ties go to the machine)."""
    return choose(RESULTS + GRAPHS + [HTML], accept) is HTML
