"""Organisations: one resource per IATI organisation identifier, merged across sources.

`US-GOV-1` named by a curated YAML file and by an IATI file is the same IRI, so
both graphs describe one organisation. Without an identifier the IRI is a slug
of the name, the best a source allows.
"""

from __future__ import annotations

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from graph.mapping import terms as t
from graph.mapping.iris import Iris
from graph.namespaces import WD, vocab
from graph.records import OrgRef


def org_iri(iris: Iris, org: OrgRef) -> URIRef | None:
    name = org.names[0].value if org.names else None
    if not (org.ref or name):
        return None
    return iris.org(org.ref, name)


def add_organisation(g: Graph, iris: Iris, org: OrgRef) -> URIRef | None:
    """Describe an organisation in `g`; returns its IRI (None when it has neither id nor name)."""
    node = org_iri(iris, org)
    if node is None:
        return None
    dev = vocab(iris.base)
    g.add((node, RDF.type, dev.Organisation))
    if org.ref:
        g.add((node, dev.identifier, Literal(org.ref)))
    for name in org.names:
        g.add((node, dev.name, t.text(name)))
        g.add((node, RDFS.label, t.text(name)))
    if not org.names and org.ref:
        g.add((node, RDFS.label, Literal(org.ref)))
    if org.abbreviation:
        g.add((node, dev.abbreviation, Literal(org.abbreviation)))
        g.add((node, SKOS.altLabel, Literal(org.abbreviation)))
    if org.type:
        g.add((node, dev.organisationType, iris.code("OrganisationType", org.type)))
    if org.country:
        g.add((node, dev.basedIn, iris.place(org.country.upper())))
    if org.website:
        g.add((node, dev.website, t.uri(org.website)))
    if org.wikidata:
        g.add((node, SKOS.exactMatch, WD[org.wikidata]))
    return node
