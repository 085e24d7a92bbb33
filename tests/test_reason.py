"""The fast rules and owlrl agree, and the inferences that matter are there.

owlrl is the reference: on the seed projects (with the places and SDG concepts
they point to) its useful new triples must equal what the SPARQL rules add.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, SKOS

from graph.build import core_ontology, map_projects, read_sources, reference_graphs, write_graphs
from graph.mapping.iris import Iris
from graph.namespaces import vocab
from graph.reason import derive_rules, materialise, owlrl_closure, useful
from graph.store import EmbeddedStore

IRIS = Iris()
DEV = vocab()
INFERRED = "https://w3id.org/devkg/graph/inferred"


@pytest.fixture(scope="module")
def fixture_graph(seed_settings) -> Graph:
    """Seed projects plus only the places and SDG concepts they reach (owlrl is slow on all 60k)."""
    projects, _ = read_sources(seed_settings)
    data = Graph()
    for g in map_projects(projects, IRIS).values():
        data += g
    ref = reference_graphs(seed_settings, IRIS)
    places, sdg = ref[IRIS.graph("places")], ref[IRIS.graph("sdg")]
    todo = {o for o in data.objects() if isinstance(o, URIRef)}
    seen = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for g, predicates in ((places, (DEV.withinPlace, RDF.type)), (sdg, (SKOS.broader, RDF.type))):
            for p in predicates:
                for o in g.objects(node, p):
                    data.add((node, p, o))
                    todo.add(o)
    return data


@pytest.fixture(scope="module")
def rules_result(fixture_graph, seed_settings) -> set:
    store = EmbeddedStore(None)
    write_graphs(store, {URIRef("https://w3id.org/devkg/graph/source/test"): fixture_graph})
    materialise(store, core_ontology(seed_settings), INFERRED)
    return {(q.subject.value, q.predicate.value, q.object.value) for q in store.quads(graph=ox.NamedNode(INFERRED))}


def test_rules_give_exactly_owlrls_useful_inferences(fixture_graph, rules_result, seed_settings):
    reference = {(str(s), str(p), str(o)) for s, p, o in owlrl_closure(fixture_graph, core_ontology(seed_settings))}
    assert rules_result, "the rules inferred nothing"
    assert reference - rules_result == set()
    assert rules_result - reference == set()


@pytest.mark.parametrize("s, p, o", [
    # region => country => macro-regions (property chain with the transitive withinPlace)
    ("project/CA-3-A034224001", "location", "place/PE"),
    ("project/CA-3-A034224001", "location", "place/m49-005"),
    ("project/CA-3-A034224001", "location", "place/m49-419"),
    ("project/CA-3-A034224001", "location", "place/m49-019"),
    ("project/devkg-usaid-kg-cami", "location", "place/m49-143"),
    ("place/KG-Y-TEPLOKLYUCHENKA", "withinPlace", "place/KG"),
    # target => goal
    ("project/devkg-unda-2225O", "addressesSDG", "sdg:16.6"),
    ("project/devkg-unda-2225O", "addressesSDG", "sdg:11"),
    # role shortcut => participatingOrg, and its inverse
    ("project/CA-3-A034224001", "participatingOrg", "org/CA-3"),
    ("org/CA-3", "participatesIn", "project/CA-3-A034224001"),
])
def test_inferences_that_matter(rules_result, s, p, o):
    full = lambda x: x.replace("sdg:", "http://metadata.un.org/sdg/") if x.startswith("sdg:") else f"{IRIS.id}{x}"
    assert (full(s), str(DEV[p]), full(o)) in rules_result


def test_subclass_and_domain_typing(rules_result):
    assert (f"{IRIS.id}place/PE-PIU", str(RDF.type), str(DEV.Place)) in rules_result
    assert (f"{IRIS.id}place/m49-419", str(RDF.type), str(DEV.Place)) in rules_result


def test_no_junk_in_the_inferred_graph(rules_result):
    assert not any(p == str(OWL.sameAs) for _, p, _ in rules_result)
    assert not any(o in (str(OWL.Thing), "http://www.w3.org/2000/01/rdf-schema#Resource") for _, _, o in rules_result)


def test_useful_filter_drops_owlrl_noise():
    tbox = {DEV.Project}
    x = URIRef("http://example.org/x")
    assert not useful((Literal("2017-03-12"), RDF.type, URIRef("http://www.w3.org/2001/XMLSchema#date")), tbox)
    assert not useful((x, OWL.sameAs, x), tbox)
    assert not useful((x, RDF.type, OWL.Thing), tbox)
    assert not useful((DEV.Project, RDF.type, OWL.Class), tbox)
    assert useful((x, RDF.type, DEV.Project), tbox)


def test_rules_are_derived_from_the_ontology_axioms(seed_settings):
    names = {r.name.split()[0] for r in derive_rules(core_ontology(seed_settings))}
    assert {"subClassOf", "subPropertyOf", "inverseOf", "TransitiveProperty", "domain", "range",
            "propertyChainAxiom"} <= names
