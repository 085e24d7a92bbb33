"""The dataset description (VoID + DCAT) computed from the live store.

Every number is a SPARQL count over the data at the time of the call; nothing is
written by hand. The same function serves the export (`void.ttl`, with the dump
files and their checksums) and the web layer (`/.well-known/void`, computed live
with no files). Every node has an IRI (no blank nodes), so the same data always
serialises to the same bytes and a harvester's ETag only changes when the data does.

How the description is laid out:
- `{base}id/dataset`: void:Dataset and dcat:Dataset, the whole graph; its
  distributions are the whole-dataset dumps (N-Quads, TriG).
- `{base}id/dataset/graph/{name}`: one void:subset per named graph, also a
  dcat:Dataset, with its triple count, `sd:name` (the graph IRI), licence, and its
  per-graph Turtle dump as its distribution.
- `{base}id/dataset/class/{key}`, `.../property/{key}`: class and property partitions.
- `{base}id/catalog`: the dcat:Catalog, with the dataset, the Linked Data Event Stream of project
  versions (`{base}ldes`, graph/feed.py) and two dcat:DataServices: the SPARQL endpoint and the
  stream's view (`{base}ldes#view`, an ldes:EventSource).
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, VOID, XSD

from graph.config import Settings
from graph.dumpinfo import DatasetStats, DumpFile
from graph.mapping.iris import Iris
from graph.namespaces import EURIO, LDES, SD, SH, prefixes
from graph.store import EmbeddedStore

SPDX = Namespace("http://spdx.org/rdf/terms#")
LDES_SPEC = URIRef("https://w3id.org/ldes/specification")
IANA = "https://www.iana.org/assignments/media-types/"
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
CC_BY_SA = URIRef("https://creativecommons.org/licenses/by-sa/4.0/")

# Reference data keeps its own terms: graph local name -> (licence or None, source, rights note).
REFERENCE_TERMS: dict[str, tuple[URIRef | None, str, str]] = {
    "codelists": (CC_BY, "https://iatistandard.org/en/iati-standard/203/codelists/",
                  'IATI codelists, CC BY 4.0, "IATI Standard (http://iatistandard.org/)".'),
    "sdg": (None, "http://metadata.un.org/sdg",
            "UN SDG KOS, free to copy with the citation: Joshi, Gonzalez Morales, Klarman, Helton (2019), "
            "http://metadata.un.org/sdg."),
    "places": (CC_BY_SA, "https://github.com/lukes/ISO-3166-Countries-with-Regional-Codes",
               "ISO 3166 countries with UN M49 regions (lukes/ISO-3166-Countries-with-Regional-Codes), CC BY-SA 4.0."),
}
IATI_SOURCE_RIGHTS = "IATI activity data under the licence its publisher declares on the IATI Registry."
DEVKG_RIGHTS = "devkg's own data (curated projects, ontology, inferences), CC BY 4.0."


def _key(iri: str, base: str) -> str:
    """A stable, readable IRI segment for a class or property: `dev-Project`, else a short hash."""
    for prefix, ns in sorted(prefixes(base).items(), key=lambda kv: -len(kv[1])):
        local = iri.removeprefix(ns)
        if local != iri and re.fullmatch(r"[A-Za-z0-9_.-]+", local):
            return f"{prefix}-{local}"
    return "h-" + hashlib.sha256(iri.encode()).hexdigest()[:16]


def _namespace(iri: str, known: list[str]) -> str:
    """The vocabulary an IRI belongs to: a known namespace, else up to the last `#` or `/`."""
    for ns in known:
        if iri.startswith(ns) and len(iri) > len(ns):
            return ns
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1]


def modified_time(store: EmbeddedStore) -> datetime:
    """When the store's data last changed: the newest RocksDB manifest/table/WAL file, else now.

    Reading a store (even opening it read-only) does not touch these files, so two
    exports of one build carry the same date and give the same bytes.
    """
    path = getattr(store, "path", None)
    if path and Path(path).is_dir():
        stamps = [p.stat().st_mtime for p in Path(path).iterdir()
                  if p.name.startswith("MANIFEST-") or p.suffix in (".sst", ".log")]
        if stamps:
            return datetime.fromtimestamp(int(max(stamps)), tz=timezone.utc)
    return datetime.now(timezone.utc).replace(microsecond=0)


def _int(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)


def describe(store: EmbeddedStore, settings: Settings, files: list[DumpFile], *,
             modified: datetime | None = None, stats: DatasetStats | None = None) -> Graph:
    """VoID + DCAT of the dataset, its named graphs and dump files, counted from the store
    (or from `stats`, counted while the export read it).

    `modified` defaults to when the store last changed (see `modified_time`).
    Counts are over quads (the default graph of queries is the union of all graphs);
    a build keeps each triple in one named graph, so quads and triples agree.
    """
    base = settings.base
    ds = Iris(base).dataset
    g = Graph(bind_namespaces="core")
    for p, ns in prefixes(base).items():
        g.bind(p, ns)
    g.bind("spdx", SPDX)
    g.bind("sd", SD)
    g.bind("ldes", LDES)
    when = (modified or modified_time(store)).astimezone(timezone.utc).replace(microsecond=0)
    stamp = Literal(when.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD.dateTime, normalize=False)
    _about(g, ds, base, stamp)
    if stats is None:
        from graph.export import count

        stats = count(store, base)
    _statistics(g, ds, stats, base)
    by_graph: dict[str | None, list[DumpFile]] = {}
    for f in files:
        by_graph.setdefault(f.graph, []).append(f)
    _subsets(g, ds, stats, base, by_graph)
    for f in by_graph.get(None, []):
        _distribution(g, ds, f, base)
    _catalog(g, ds, base, stamp)
    return g


def _about(g: Graph, ds: URIRef, base: str, stamp: Literal) -> None:
    """Title, licence, publisher, dates and access points: what a catalogue shows first."""
    iris = Iris(base)
    publisher = iris.publisher
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title, Literal("devkg: development-cooperation projects knowledge graph", lang="en")))
    g.add((ds, DCTERMS.description, Literal(
        "Development-cooperation projects (IATI activities and curated project records) with their "
        "organisations, places, sectors, SDG targets, budgets and results, as linked data.", lang="en")))
    g.add((ds, DCTERMS.license, CC_BY))
    g.add((ds, DCTERMS.rights, Literal(" ".join([DEVKG_RIGHTS, IATI_SOURCE_RIGHTS]
                                                 + [t[2] for t in REFERENCE_TERMS.values()]), lang="en")))
    g.add((ds, DCTERMS.publisher, publisher))
    g.add((publisher, RDF.type, FOAF.Organization))
    g.add((publisher, FOAF.name, Literal("devkg maintainers", lang="en")))
    g.add((publisher, FOAF.homepage, URIRef(base)))
    g.add((ds, DCTERMS.modified, stamp))
    g.add((ds, FOAF.homepage, URIRef(base)))
    g.add((ds, VOID.sparqlEndpoint, iris.sparql_endpoint))
    g.add((ds, VOID.uriSpace, Literal(iris.id)))
    g.add((ds, VOID.uriRegexPattern, Literal("^" + re.escape(iris.id))))


def _statistics(g: Graph, ds: URIRef, stats: DatasetStats, base: str) -> None:
    """Counts, class and property partitions, and the vocabularies the data uses."""
    g.add((ds, VOID.entities, _int(stats.entities)))
    g.add((ds, VOID.distinctSubjects, _int(stats.distinct_subjects)))
    g.add((ds, VOID.distinctObjects, _int(stats.distinct_objects)))
    classes, properties = stats.class_counts(), stats.property_counts()
    g.add((ds, VOID.triples, _int(sum(stats.graphs.values()))))  # every quad, default graph too
    g.add((ds, VOID.classes, _int(len(classes))))
    g.add((ds, VOID.properties, _int(len(properties))))
    for c, n in classes:
        part = URIRef(f"{ds}/class/{_key(c, base)}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(c)))
        g.add((part, VOID.entities, _int(n)))
    for p, n in properties:
        part = URIRef(f"{ds}/property/{_key(p, base)}")
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(p)))
        g.add((part, VOID.triples, _int(n)))
    known = sorted({*prefixes(base).values(), str(SD), str(SH), str(EURIO), str(SPDX)}, key=len, reverse=True)
    for ns in sorted({_namespace(i, known) for i, _ in classes + properties}):
        g.add((ds, VOID.vocabulary, URIRef(ns)))


def _subsets(g: Graph, ds: URIRef, stats: DatasetStats, base: str,
             by_graph: dict[str | None, list[DumpFile]]) -> None:
    """One void:subset (and dcat:Dataset) per named graph, with its count, terms and dump."""
    for name, count in sorted((n, c) for n, c in stats.graphs.items() if n is not None):
        local = name.removeprefix(f"{base}graph/")
        sub = URIRef(f"{ds}/graph/{local}")
        g.add((ds, VOID.subset, sub))
        g.add((ds, DCTERMS.hasPart, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, RDF.type, DCAT.Dataset))
        g.add((sub, DCTERMS.isPartOf, ds))
        g.add((sub, DCTERMS.title, Literal(f"devkg graph {local}", lang="en")))
        g.add((sub, SD.name, URIRef(name)))
        g.add((sub, VOID.triples, _int(count)))
        _terms(g, sub, local)
        for f in by_graph.get(name, []):
            _distribution(g, sub, f, base)


def _catalog(g: Graph, ds: URIRef, base: str, stamp: Literal) -> None:
    iris = Iris(base)
    catalog, endpoint = iris.catalog, iris.sparql_endpoint
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, Literal("devkg catalogue", lang="en")))
    g.add((catalog, DCTERMS.publisher, iris.publisher))
    g.add((catalog, DCTERMS.modified, stamp))
    g.add((catalog, DCAT.dataset, ds))
    g.add((catalog, DCAT.service, endpoint))
    g.add((endpoint, RDF.type, DCAT.DataService))
    g.add((endpoint, RDF.type, SD.Service))
    g.add((endpoint, SD.endpoint, endpoint))
    g.add((endpoint, DCTERMS.title, Literal("devkg SPARQL endpoint", lang="en")))
    g.add((endpoint, DCAT.endpointURL, endpoint))
    g.add((endpoint, DCAT.servesDataset, ds))
    g.add((endpoint, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    _feed(g, ds, catalog, iris)


def _feed(g: Graph, ds: URIRef, catalog: URIRef, iris: Iris) -> None:
    """The harvest feed: an ldes:EventStream of project versions (a dcat:Dataset of the catalogue), served by
    its view, an ldes:EventSource and dcat:DataService whose endpoint is the stream (TREE discovery)."""
    stream, view = iris.feed, iris.feed_view
    g.add((catalog, DCAT.service, view))
    g.add((view, RDF.type, DCAT.DataService))
    g.add((view, RDF.type, LDES.EventSource))
    g.add((view, DCTERMS.title, Literal("devkg project versions (Linked Data Event Stream)", lang="en")))
    g.add((view, DCTERMS.description, Literal(
        "Every change to a project's description, build by build, for incremental harvesting; "
        "paged by time, with a ?since= view.", lang="en")))
    g.add((view, DCAT.endpointURL, stream))
    g.add((view, DCAT.servesDataset, stream))
    g.add((view, DCAT.servesDataset, ds))
    g.add((view, DCTERMS.conformsTo, LDES_SPEC))
    g.add((catalog, DCAT.dataset, stream))
    g.add((stream, RDF.type, LDES.EventStream))
    g.add((stream, RDF.type, DCAT.Dataset))
    g.add((stream, DCTERMS.type, LDES.EventStream))  # how TREE discovery finds a collection in a catalogue
    g.add((stream, DCTERMS.title, Literal("devkg project versions", lang="en")))


def _terms(g: Graph, sub: URIRef, local: str) -> None:
    """Licence and source of one named graph: reference data keeps its own terms."""
    if local in REFERENCE_TERMS:
        licence, source, rights = REFERENCE_TERMS[local]
        if licence is not None:
            g.add((sub, DCTERMS.license, licence))
        g.add((sub, DCTERMS.source, URIRef(source)))
        g.add((sub, DCTERMS.rights, Literal(rights, lang="en")))
    elif local.startswith("source/iati/"):
        g.add((sub, DCTERMS.rights, Literal(IATI_SOURCE_RIGHTS, lang="en")))
    else:
        g.add((sub, DCTERMS.license, CC_BY))


def _distribution(g: Graph, dataset: URIRef, f: DumpFile, base: str) -> None:
    iris = Iris(base)
    url, dist = iris.dump(f.name), iris.distribution(f.name)
    checksum = URIRef(f"{dist}/sha256")
    g.add((dataset, VOID.dataDump, url))
    g.add((dataset, DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCTERMS.title, Literal(f.name)))
    g.add((dist, DCAT.accessURL, iris.dumps))
    g.add((dist, DCAT.downloadURL, url))
    g.add((dist, DCAT.mediaType, URIRef(IANA + f.media_type)))
    g.add((dist, DCAT.byteSize, Literal(f.size, datatype=XSD.nonNegativeInteger)))
    if f.name.endswith(".gz"):
        g.add((dist, DCAT.compressFormat, URIRef(IANA + "application/gzip")))
    g.add((dist, SPDX.checksum, checksum))
    g.add((checksum, RDF.type, SPDX.Checksum))
    g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    g.add((checksum, SPDX.checksumValue, Literal(f.sha256, datatype=XSD.hexBinary)))
