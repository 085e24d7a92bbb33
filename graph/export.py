"""Dumps of the live store and the dataset description, for harvesters.

`export()` writes into a fresh directory beside the target and swaps it in with
renames, so a harvester never sees half a dump. Files are gzipped with mtime 0:
the same data gives the same bytes, so checksums and ETags only change when the
data does. The VoID/DCAT description (`void.ttl`) is computed from the store
with SPARQL, never written by hand.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, VOID, XSD

from graph.config import Settings
from graph.mapping.iris import Iris
from graph.namespaces import SD, prefixes
from graph.store import EmbeddedStore

SPDX = Namespace("http://spdx.org/rdf/terms#")
SUMS = "SHA256SUMS"
DESCRIPTION = "void.ttl"
MEDIA = {".nq.gz": "application/n-quads", ".trig.gz": "application/trig", ".ttl.gz": "text/turtle",
         ".ttl": "text/turtle"}
LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")


@dataclass
class DumpFile:
    name: str
    size: int
    sha256: str

    @property
    def media_type(self) -> str:
        return next((m for ext, m in MEDIA.items() if self.name.endswith(ext)), "application/octet-stream")


@dataclass
class ExportReport:
    directory: Path
    files: list[DumpFile] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0


def graph_file_name(graph_iri: str, base: str) -> str:
    """`{base}graph/source/curated/x` -> `graph-source-curated-x.ttl.gz`."""
    local = graph_iri.removeprefix(f"{base}graph/") if graph_iri.startswith(f"{base}graph/") else graph_iri
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in local.replace("/", "-"))
    return f"graph-{safe}.ttl.gz"


def _gzip_dump(path: Path, write) -> None:
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        write(gz)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def export(store: EmbeddedStore, out_dir: Path, settings: Settings) -> ExportReport:
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = out_dir.with_name(f".{out_dir.name}.new")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    pfx = prefixes(settings.base)
    _gzip_dump(work / "devkg.nq.gz", lambda f: store.dump(f, ox.RdfFormat.N_QUADS))
    _gzip_dump(work / "devkg.trig.gz", lambda f: store.dump(f, ox.RdfFormat.TRIG, prefixes=pfx))
    for g in store.named_graphs():
        _gzip_dump(work / graph_file_name(g, settings.base),
                   lambda f, g=g: store.dump(f, ox.RdfFormat.TURTLE, graph=g, prefixes=pfx))
    files = [DumpFile(p.name, p.stat().st_size, _sha256(p)) for p in sorted(work.iterdir())]
    description = describe(store, settings, files)
    (work / DESCRIPTION).write_bytes(description.serialize(format="turtle", encoding="utf-8"))
    files.append(DumpFile(DESCRIPTION, (work / DESCRIPTION).stat().st_size, _sha256(work / DESCRIPTION)))
    (work / SUMS).write_text("".join(f"{f.sha256}  {f.name}\n" for f in files), encoding="utf-8")
    _swap(work, out_dir)
    return ExportReport(out_dir, files, store.count(), time.perf_counter() - t0)


def _swap(new: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def read_sums(out_dir: Path) -> dict[str, str]:
    """File name -> SHA-256, from the `SHA256SUMS` of an export."""
    path = Path(out_dir) / SUMS
    if not path.exists():
        return {}
    return {name: digest for digest, name in (line.split("  ", 1) for line in path.read_text().splitlines() if line)}


def _rows(store: EmbeddedStore, query: str) -> list:
    return list(store.query(query))


def describe(store: EmbeddedStore, settings: Settings, files: list[DumpFile]) -> Graph:
    """VoID + DCAT for the dataset, its named graphs and dump files, counted from the store."""
    iris = Iris(settings.base)
    ds, catalog, service = iris.dataset, URIRef(f"{settings.base}id/catalog"), URIRef(f"{settings.base}sparql")
    g = Graph()
    for p, ns in prefixes(settings.base).items():
        g.bind(p, ns)
    g.bind("spdx", SPDX)
    g.bind("sd", SD)
    count = lambda q: int(_rows(store, q)[0][0].value)
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title, Literal("devkg: development-cooperation projects knowledge graph", lang="en")))
    g.add((ds, DCTERMS.description, Literal(
        "Development-cooperation projects (IATI activities and curated records) with their organisations, "
        "places, sectors, SDG targets, budgets and results, as linked data.", lang="en")))
    g.add((ds, DCTERMS.license, LICENCE))
    g.add((ds, RDFS.comment, Literal(
        "Reference data keeps its licence: IATI codelists CC BY 4.0 (IATI Standard); UN SDG KOS free with "
        "citation (Joshi et al. 2019, http://metadata.un.org/sdg); ISO 3166/UN M49 table CC BY-SA 4.0.", lang="en")))
    g.add((ds, DCTERMS.modified, Literal(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), datatype=XSD.dateTime)))
    g.add((ds, VOID.sparqlEndpoint, service))
    g.add((ds, VOID.uriSpace, Literal(iris.id)))
    g.add((ds, VOID.rootResource, URIRef(f"{settings.base}")))
    g.add((ds, VOID.triples, Literal(store.count())))
    g.add((ds, VOID.entities, Literal(count(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o FILTER STRSTARTS(STR(?s), '{iris.id}') }}"))))
    g.add((ds, VOID.distinctSubjects, Literal(count("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"))))
    g.add((ds, VOID.distinctObjects, Literal(count("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"))))
    g.add((ds, VOID.properties, Literal(count("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"))))
    g.add((ds, VOID.classes, Literal(count("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }"))))
    for ns in sorted({p.rsplit("#", 1)[0] + "#" if "#" in p else p.rsplit("/", 1)[0] + "/"
                      for p in (r[0].value for r in _rows(store, "SELECT DISTINCT ?p WHERE { ?s ?p ?o }"))}):
        g.add((ds, VOID.vocabulary, URIRef(ns)))
    for row in _rows(store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"):
        part = BNode()
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(row[0].value)))
        g.add((part, VOID.entities, Literal(int(row[1].value))))
    for row in _rows(store, "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p"):
        part = BNode()
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(row[0].value)))
        g.add((part, VOID.triples, Literal(int(row[1].value))))
    for name in store.named_graphs():
        sub = URIRef(f"{ds}/graph/{name.removeprefix(settings.base + 'graph/')}")
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, SD.name, URIRef(name)))
        g.add((sub, VOID.triples, Literal(store.count(name))))
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, Literal("devkg catalogue", lang="en")))
    g.add((catalog, DCAT.dataset, ds))
    g.add((catalog, DCAT.service, service))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCTERMS.title, Literal("devkg SPARQL endpoint", lang="en")))
    g.add((service, DCAT.endpointURL, service))
    g.add((service, DCAT.servesDataset, ds))
    g.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    for f in files:
        url = URIRef(f"{settings.base}dumps/{f.name}")
        dist = URIRef(f"{settings.base}id/distribution/{f.name}")
        g.add((ds, VOID.dataDump, url))
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{f.media_type}")))
        g.add((dist, DCAT.byteSize, Literal(f.size, datatype=XSD.nonNegativeInteger)))
        if f.name.endswith(".gz"):
            g.add((dist, DCAT.compressFormat, URIRef("https://www.iana.org/assignments/media-types/application/gzip")))
        checksum = BNode()
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(f.sha256, datatype=XSD.hexBinary)))
    g.add((ds, FOAF.homepage, URIRef(settings.base)))
    return g
