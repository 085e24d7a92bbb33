"""Reference data to RDF: codelists as SKOS, the UN SDG KOS as published, places with links.

Each function returns the graph for one named graph (`graph/codelists`,
`graph/sdg`, `graph/places`); results are cached per reference directory and
base, since every build needs the same ones.
"""

from __future__ import annotations

import functools
import hashlib

from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, SKOS

from graph.mapping import terms as t
from graph.mapping.iris import Iris
from graph.reference import DEVKG_ROLES, SDG_KOS, SDG_ONTOLOGY, Reference

SDG_CODELISTS = {"UNSDG-Goals", "UNSDG-Targets"}
KIND_CLASS = {"country": "Country", "region": "Region", "district": "District", "municipality": "Municipality",
              "macro-region": "MacroRegion", "country-group": "CountryGroup"}


def codelists_graph(ref: Reference, iris: Iris) -> Graph:
    """Every codelist as a skos:ConceptScheme of skos:Concepts (devkg's extra roles included)."""
    return _copy(_codelists(ref, iris.base))


@functools.lru_cache(maxsize=4)
def _codelists(ref: Reference, base: str) -> Graph:
    iris = Iris(base)
    g = Graph()
    for name, cl in sorted(ref.codelists.items()):
        scheme = iris.scheme(name)
        g.add((scheme, RDF.type, SKOS.ConceptScheme))
        g.add((scheme, DCTERMS.title, Literal(cl.title or name, lang="en")))
        g.add((scheme, RDFS.label, Literal(cl.title or name, lang="en")))
        g.add((scheme, SKOS.notation, Literal(name)))
        if cl.description:
            g.add((scheme, DCTERMS.description, Literal(cl.description, lang="en")))
        if cl.source:
            g.add((scheme, DCTERMS.source, Literal(cl.source)))
        for code in cl.items.values():
            c = iris.code(name, code.code)
            g.add((c, RDF.type, SKOS.Concept))
            g.add((c, SKOS.notation, Literal(code.code)))
            g.add((c, SKOS.inScheme, scheme))
            g.add((c, SKOS.topConceptOf, scheme))
            for n in code.names:
                g.add((c, SKOS.prefLabel, t.text(n)))
            for d in code.descriptions:
                g.add((c, SKOS.definition, t.text(d)))
            if code.withdrawn:
                g.add((c, OWL.deprecated, Literal(True)))
            if name == "Sector" and len(code.code) == 5:
                g.add((c, SKOS.broader, iris.code("SectorCategory", code.code[:3])))
            if name in SDG_CODELISTS:
                g.add((c, SKOS.exactMatch, URIRef(ref.sdg_iri(code.code))))
            if name == "OrganisationRole" and code.code in DEVKG_ROLES:
                g.add((c, DCTERMS.source,
                       Literal("added by devkg: no IATI OrganisationRole code exists for this role")))
    return g


def sdg_graph(ref: Reference) -> Graph:
    """The UN SDG KOS and its ontology, as the UN publishes them."""
    return _copy(_sdg(ref))


@functools.lru_cache(maxsize=2)
def _sdg(ref: Reference) -> Graph:
    g = Graph()
    g.parse(ref.directory / SDG_KOS, format="turtle")
    g.parse(ref.directory / SDG_ONTOLOGY, format="turtle")
    return g


def places_graph(ref: Reference, iris: Iris, dev: Namespace) -> Graph:
    """Every place typed by kind, with names, codes, direct `withinPlace` parents, groups and links."""
    return _copy(_places(ref, iris.base, str(dev)))


@functools.lru_cache(maxsize=4)
def _places(ref: Reference, base: str, dev_ns: str) -> Graph:
    iris, dev = Iris(base), Namespace(dev_ns)
    g = Graph()
    for p in ref.places.values():
        node = iris.place(p.key)
        g.add((node, RDF.type, dev[KIND_CLASS[p.kind]]))
        g.add((node, dev.name, Literal(p.name)))
        g.add((node, RDFS.label, Literal(p.name)))
        g.add((node, SKOS.notation, Literal(p.key)))
        for alt in p.alt_names:
            g.add((node, SKOS.altLabel, Literal(alt)))
        if p.iso3166:
            g.add((node, dev.iso3166Code, Literal(p.iso3166)))
        if p.m49:
            g.add((node, dev.m49Code, Literal(p.m49)))
        for parent in p.parents:
            g.add((node, dev.withinPlace, iris.place(parent)))
        for group in p.groups:
            g.add((node, dev.memberOfGroup, iris.place(group)))
        if p.wikidata:
            g.add((node, SKOS.exactMatch, iris.wikidata(p.wikidata)))
        if p.geonames:
            _geonames(g, iris, node, p)
        if p.note:
            g.add((node, RDFS.comment, Literal(p.note)))
    return g


def _geonames(g: Graph, iris: Iris, node: URIRef, p) -> None:
    """A checked (or not questioned) GeoNames id is skos:exactMatch; one the curators flag as
    unchecked is only rdfs:seeAlso, and their note qualifies that statement (RDF reification),
    not the place."""
    target = iris.geonames(p.geonames)
    if p.geonames_checked is not False:
        g.add((node, SKOS.exactMatch, target))
        return
    g.add((node, RDFS.seeAlso, target))
    statement = iris.child(node, "statement", "geonames")
    g.add((statement, RDF.type, RDF.Statement))
    g.add((statement, RDF.subject, node))
    g.add((statement, RDF.predicate, RDFS.seeAlso))
    g.add((statement, RDF.object, target))
    g.add((statement, RDFS.comment, Literal("GeoNames id given from memory by the curators, not checked", lang="en")))


def _copy(g: Graph) -> Graph:
    """Callers may add to what they get; the cached graph stays as built."""
    out = Graph()
    for triple in g:
        out.add(triple)
    return out


# The files each reference graph is read from, relative to `data/reference/`.
REFERENCE_FILES = {
    "codelists": ("codelists/*.xml", "extra-codelists.csv"),
    "sdg": ("sdg/*.ttl",),
    "places": ("places/*.csv", "country-groups.csv", "dac-regions.csv"),
}


def add_reference_provenance(g: Graph, graph_iri: URIRef, name: str, ref: Reference, iris: Iris,
                             dev: Namespace) -> None:
    """`graph_iri prov:wasDerivedFrom` each file it is read from, each a dev:SourceDocument with its SHA-256.

    Places also come from the pycountry package (ISO 3166), named with its version.
    """
    files = sorted({f for pattern in REFERENCE_FILES.get(name, ()) for f in ref.directory.glob(pattern)})
    for f in files:
        rel = f.relative_to(ref.directory.parent).as_posix()  # "reference/codelists/Sector.xml"
        node = iris.source(rel)
        g.add((graph_iri, PROV.wasDerivedFrom, node))
        g.add((node, RDF.type, dev.SourceDocument))
        g.add((node, dev.sourceKind, Literal("reference")))
        g.add((node, RDFS.label, Literal(rel)))
        g.add((node, dev.path, Literal(rel)))
        g.add((node, dev.sha256, Literal(_sha256(f))))
    if name == "places":
        from importlib.metadata import version

        node = iris.source("package/pycountry")
        g.add((graph_iri, PROV.wasDerivedFrom, node))
        g.add((node, RDF.type, dev.SourceDocument))
        g.add((node, dev.sourceKind, Literal("reference")))
        g.add((node, RDFS.label, Literal(f"pycountry {version('pycountry')} (ISO 3166)")))
        g.add((node, dev.url, t.uri("https://pypi.org/project/pycountry/")))


@functools.lru_cache(maxsize=256)
def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
