"""The fast rules and owlrl agree, and the inferences that matter are there.

owlrl is the reference. On the fixture ontology (tests/fixtures/reason/, every kind of axiom
the rules implement) and on the seed projects with the real ontology/devkg.ttl, owlrl's
useful new triples must equal, after literals are compared by value, what the SPARQL
rules add to the inferred graph.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from graph.reason import (
    canonical,
    canonical_triple,
    derive_rules,
    inferred_graph,
    materialise,
    owlrl_closure,
    unsupported_axioms,
    useful,
)
from graph.store import EmbeddedStore

FIXTURES = Path(__file__).parent / "fixtures" / "reason"
DEVKG_TTL = Path(__file__).resolve().parent.parent / "ontology" / "devkg.ttl"
EX, ID, SDG = Namespace("http://example.org/def#"), Namespace("http://example.org/id/"), Namespace("http://metadata.un.org/sdg/")
INFERRED = "http://example.org/graph/inferred"


def load(data: Graph, ontology: Graph, *, with_ontology: bool = True) -> EmbeddedStore:
    """An in-memory store with the data (and the ontology) in their own named graphs."""
    store = EmbeddedStore(None)
    store.load(data.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES, graph="http://example.org/graph/data")
    if with_ontology:
        store.load(ontology.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES,
                   graph="http://example.org/graph/ontology")
    return store


def canonical_graph(*graphs: Graph) -> Graph:
    out = Graph()
    for g in graphs:
        for t in g:
            out.add(canonical_triple(t))
    return out


def assert_same_closure(data: Graph, ours: Graph, reference: Graph) -> None:
    """data + rules' triples is isomorphic to data + owlrl's (blank nodes get new ids in the store)."""
    ours_all = canonical_graph(_store_view(data), ours)
    ref_all = canonical_graph(_store_view(data), reference)
    if not isomorphic(ours_all, ref_all):
        _, only_ours, only_ref = graph_diff(to_isomorphic(ours_all), to_isomorphic(ref_all))
        pytest.fail(f"rules only: {sorted(only_ours)}\nowlrl only: {sorted(only_ref)}")


def _store_view(data: Graph) -> Graph:
    """The data as the store holds it (pyoxigraph renames blank nodes, canonicalises literals)."""
    store = load(data, Graph(), with_ontology=False)
    return inferred_graph(store, "http://example.org/graph/data")


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(FIXTURES / "ontology.ttl")


@pytest.fixture(scope="module")
def data() -> Graph:
    return Graph().parse(FIXTURES / "data.ttl")


@pytest.fixture(scope="module")
def reasoned(onto, data):
    store = load(data, onto)
    report = materialise(store, onto, INFERRED)
    return store, report, inferred_graph(store, INFERRED)


# --- agreement with owlrl -------------------------------------------------------------------
def test_rules_give_exactly_owlrls_useful_inferences_on_the_fixture(onto, data, reasoned):
    _, _, ours = reasoned
    assert len(ours) > 40, "the rules inferred almost nothing"
    assert_same_closure(data, ours, owlrl_closure(data, onto))


T = "@prefix ex: <http://example.org/def#> . @prefix id: <http://example.org/id/> . "


@pytest.mark.parametrize("case, ontology, data", [
    ("cycle of a transitive property", "ex:w a owl:TransitiveProperty .",
     "id:a ex:w id:b . id:b ex:w id:c . id:c ex:w id:a ."),
    ("sub-property of a transitive property", "ex:w a owl:TransitiveProperty . ex:v rdfs:subPropertyOf ex:w .",
     "id:a ex:v id:b . id:b ex:w id:c . id:c ex:v id:d ."),
    ("inverse of a transitive property", "ex:w a owl:TransitiveProperty ; owl:inverseOf ex:c .",
     "id:a ex:w id:b . id:b ex:w id:c . id:d ex:c id:a ."),
    ("chain over a sub-property", "ex:l owl:propertyChainAxiom (ex:l ex:w) . ex:r rdfs:subPropertyOf ex:l .",
     "id:p ex:r id:a . id:a ex:w id:b . id:b ex:w id:c ."),
    ("symmetric with an inverse", "ex:s a owl:SymmetricProperty ; owl:inverseOf ex:t .",
     "id:a ex:s id:b . id:c ex:t id:a ."),
    ("domain and range of a super-property", "ex:q rdfs:subPropertyOf ex:p . ex:p rdfs:domain ex:A ; rdfs:range ex:B . "
     "ex:B rdfs:subClassOf ex:C .", "id:a ex:q id:b . id:c ex:q \"literal\" ."),
    ("equivalent classes and properties", "ex:A owl:equivalentClass ex:B . ex:p owl:equivalentProperty ex:q .",
     "id:a a ex:B . id:b ex:q id:c . id:d ex:p id:e ."),
    ("blank nodes", "ex:p rdfs:domain ex:A ; owl:inverseOf ex:q .", "[] ex:p [ ex:p id:a ] ."),
])
def test_rules_agree_with_owlrl(case, ontology, data):
    prefixes = T + ("@prefix owl: <http://www.w3.org/2002/07/owl#> . "
                    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . ")
    onto_g, data_g = (Graph().parse(data=prefixes + ontology, format="turtle"),
                      Graph().parse(data=prefixes + data, format="turtle"))
    store = load(data_g, onto_g)
    materialise(store, onto_g, INFERRED)
    ours = inferred_graph(store, INFERRED)
    assert ours, case
    assert_same_closure(data_g, ours, owlrl_closure(data_g, onto_g))


# --- the inferences that matter (fixture ontology) ------------------------------------------
@pytest.mark.parametrize("s, p, o", [
    # region => country => macro-regions: the chain composes with the transitive withinPlace
    (ID["project-1"], EX.location, ID["place-PE"]),
    (ID["project-1"], EX.location, ID["place-m49-005"]),
    (ID["project-1"], EX.location, ID["place-m49-419"]),
    (ID["project-1"], EX.location, ID["place-m49-019"]),
    (ID["place-PE-PIU"], EX.withinPlace, ID["place-m49-019"]),
    (ID["project-2"], EX.location, ID["place-m49-143"]),              # recipientCountry ⊑ location, then chain
    (ID["project-1"], EX.funderPlace, ID["place-m49-019"]),           # chain of length 3 with transitivity
    # SDG target => goal
    (ID["project-1"], EX.addressesSDG, SDG["16.6"]),
    (ID["project-1"], EX.addressesSDG, SDG["16"]),
    (ID["project-2"], EX.addressesSDG, SDG["11"]),
    # role shortcut => participatingOrg (three levels, and through an equivalent property), inverse
    (ID["project-1"], EX.participatingOrg, ID["org-CA-3"]),
    (ID["org-CA-3"], EX.participatesIn, ID["project-1"]),
    (ID["project-2"], EX.fundedBy, ID["org-US-GOV-1"]),
    (ID["org-US-GOV-1"], EX.partnerOf, ID["org-CA-3"]),               # symmetric
    # typing: subclass, equivalence, domain, range
    (ID["place-PE-PIU"], RDF.type, EX.Place),
    (ID["goal-x"], RDF.type, SKOS.Concept),
    (ID["org-UNDP"], RDF.type, EX.Actor),
    (ID["project-2"], RDF.type, EX.Project),
    (ID["project-1"], RDF.type, EX.Activity),
    (ID["org-CA-3"], RDF.type, EX.Organisation),
    (ID["place-CA"], RDF.type, EX.Country),
    (ID["project-1"], EX.date, Literal("2019-10-01T00:00:00Z", datatype=XSD.dateTime)),
    (ID["project-1"], EX.amount, Literal("1500000.50", datatype=XSD.decimal)),
], ids=lambda n: n.n3().rsplit("/", 1)[-1].rsplit("#", 1)[-1].strip(">") if isinstance(n, URIRef) else None)
def test_fixture_inference(reasoned, s, p, o):
    _, _, ours = reasoned
    assert canonical_triple((s, p, o)) in {canonical_triple(t) for t in ours}


@pytest.mark.parametrize("s, p, o", [
    (ID["place-PE"], EX.location, ID["place-m49-019"]),            # only projects get a location
    (ID["project-1"], EX.sdgTarget, SDG["16"]),                    # the goal is addressed, not a target
    (ID["project-2"], EX.participatingOrg, ID["org-US-GOV-1"]),     # asserted: never copied into inferred
    (ID["project-1"], RDF.type, EX.Organisation),
])
def test_fixture_non_inference(reasoned, s, p, o):
    _, _, ours = reasoned
    assert (s, p, o) not in ours


def test_participation_blank_node_is_typed_by_domain(reasoned):
    store, _, _ = reasoned
    assert store.query("ASK { ?p <http://example.org/def#participation> ?x . "
                       "?x a <http://example.org/def#Participation> "
                       "FILTER(isBlank(?x)) }")


def test_inferred_graph_holds_no_junk(reasoned):
    _, _, ours = reasoned
    assert not [t for t in ours if isinstance(t[0], Literal)]
    assert not [t for t in ours if t[1] == OWL.sameAs]
    assert not [t for t in ours if t[2] in (OWL.Thing, RDFS.Resource, OWL.NamedIndividual)]
    assert not [t for t in ours if t[0] == URIRef("http://www.wikidata.org/entity/Q1")], "equality is not materialised"
    assert not [t for t in ours if t[2] == SKOS.Concept and isinstance(t[0], Literal)]


def test_inferred_graph_holds_only_new_triples(reasoned, data):
    store, _, ours = reasoned
    asserted = {canonical_triple(t) for t in _store_view(data)}
    assert not asserted & {canonical_triple(t) for t in ours}


def test_fixpoint_needs_few_rounds_and_queries(reasoned, onto):
    _, report, ours = reasoned
    assert report.converged and report.rounds <= 3
    assert report.queries < 2 * len(derive_rules(onto)), "the proving round re-ran rules whose inputs did not change"
    assert report.total == len(ours)
    # Piura-Peru-005-419-019 has 4 edges, closed 10: 6 new; Canada-021-019 adds 1; in one query.
    assert report.added["TransitiveProperty ex:withinPlace"] == 7


def test_materialise_replaces_a_stale_inferred_graph(onto, data):
    store = load(data, onto)
    stale = ox.Quad(ox.NamedNode(ID["stale"]), ox.NamedNode(EX.location), ox.NamedNode(ID["place-PE"]),
                    ox.NamedNode(INFERRED))
    store.raw.add(stale)
    first = materialise(store, onto, INFERRED)
    assert stale not in store.raw
    assert materialise(store, onto, INFERRED).total == first.total == store.count(INFERRED)


def test_round_limit_is_reported(onto, data):
    report = materialise(load(data, onto), onto, INFERRED, max_rounds=1)
    assert report.rounds == 1 and not report.converged


# --- rules from axioms ----------------------------------------------------------------------
def test_rules_are_grouped_by_axiom_kind(onto):
    names = [r.name for r in derive_rules(onto)]
    assert names == ["subPropertyOf", "inverseOf", "TransitiveProperty ex:withinPlace",
                     "propertyChainAxiom ex:addressesSDG = ex:addressesSDG o skos:broader",
                     "propertyChainAxiom ex:funderPlace = ex:fundedBy o ex:basedIn o ex:withinPlace",
                     "propertyChainAxiom ex:location = ex:location o ex:withinPlace", "domain", "range", "subClassOf"]


@pytest.mark.parametrize("rule, axiom", [
    ("subPropertyOf", "subPropertyOf ex:fundedBy ex:participatingOrg"),
    ("subPropertyOf", "subPropertyOf ex:leadFunder ex:participatingOrg"),  # closed over the hierarchy
    ("subPropertyOf", "subPropertyOf ex:sponsoredBy ex:fundedBy"),         # equivalence, both ways
    ("subPropertyOf", "subPropertyOf ex:fundedBy ex:sponsoredBy"),
    ("inverseOf", "inverseOf ex:participatesIn ex:participatingOrg"),
    ("inverseOf", "SymmetricProperty ex:partnerOf"),
    ("domain", "domain ex:location ex:Project"),
    ("range", "range ex:withinPlace ex:Place"),
    ("subClassOf", "subClassOf ex:Region ex:Place"),
    ("subClassOf", "subClassOf ex:Actor ex:Agent"),
])
def test_rule_lists_its_axioms_readably(onto, rule, axiom):
    assert axiom in next(r for r in derive_rules(onto) if r.name == rule).axioms


def test_datatype_ranges_make_no_rule(onto):
    ranges = next(r for r in derive_rules(onto) if r.name == "range")
    assert str(XSD.dateTime) not in ranges.construct and str(XSD.decimal) not in ranges.construct


@pytest.mark.parametrize("axiom", [
    "ex:p a owl:FunctionalProperty .",
    "ex:A rdfs:subClassOf [ a owl:Restriction ; owl:onProperty ex:p ; owl:someValuesFrom ex:B ] .",
    "ex:A owl:hasKey ( ex:p ) .",
])
def test_axioms_without_a_rule_are_reported(onto, axiom):
    g = Graph() + onto
    g.parse(data=T + "@prefix owl: <http://www.w3.org/2002/07/owl#> . "
                     "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . "
            + axiom, format="turtle")
    assert unsupported_axioms(g)
    assert not unsupported_axioms(onto)


# --- the shared filter ----------------------------------------------------------------------
X, Y = URIRef("http://example.org/id/x"), URIRef("http://example.org/id/y")


@pytest.mark.parametrize("triple, expected", [
    ((Literal("2017-03-12", datatype=XSD.date), RDF.type, XSD.date), False),
    ((X, OWL.sameAs, X), False),
    ((X, OWL.sameAs, Y), False),
    ((EX.Project, OWL.equivalentClass, EX.Project), False),
    ((X, RDF.type, OWL.Thing), False),
    ((X, RDF.type, RDFS.Resource), False),
    ((X, RDF.type, BNode()), False),
    ((EX.location, RDF.type, OWL.ObjectProperty), False),
    ((OWL.Thing, RDFS.subClassOf, OWL.Thing), False),
    ((EX.Region, RDFS.subClassOf, EX.Place), False),      # a TBox inference about the ontology's terms
    ((X, OWL.differentFrom, Y), False),
    ((X, RDF.type, EX.Project), True),
    ((X, EX.location, Y), True),
    ((X, EX.date, Literal("2019-10-01", datatype=XSD.date)), True),
], ids=["literal subject", "reflexive sameAs", "sameAs", "reflexive equivalentClass", "a owl:Thing",
        "a rdfs:Resource", "a class expression", "property declaration", "built-in subject", "TBox inference",
        "differentFrom", "instance type", "instance link", "instance literal"])
def test_useful_filter(triple, expected, onto):
    from graph.reason import tbox_terms

    assert useful(triple, tbox_terms(onto)) is expected


@pytest.mark.parametrize("a, b", [
    (Literal("2019-10-01T00:00:00Z", datatype=XSD.dateTime),
     Literal("2019-10-01T00:00:00+00:00", datatype=XSD.dateTime)),
    (Literal("1.50", datatype=XSD.decimal), Literal("1.5", datatype=XSD.decimal)),
    (Literal("01", datatype=XSD.integer), Literal("1", datatype=XSD.integer)),
])
def test_literals_compare_by_value(a, b):
    assert canonical(a) == canonical(b)


# --- the real ontology, on the seed projects ------------------------------------------------
needs_devkg = pytest.mark.skipif(not DEVKG_TTL.exists(), reason="ontology/devkg.ttl is not written yet")


@needs_devkg
def test_devkg_ontology_uses_only_axioms_the_rules_implement():
    assert unsupported_axioms(Graph().parse(DEVKG_TTL)) == []


@pytest.fixture(scope="module")
def seeds(seed_settings):
    """Seed projects plus only the places and SDG concepts they reach (owlrl is slow on all 60k)."""
    from graph.build import core_ontology, in_memory_graph
    from graph.namespaces import vocab

    whole = in_memory_graph(seed_settings)
    iris, dev = whole.iris, vocab()
    data = Graph()
    for g in whole.asserted.values():
        data += g
    ref = whole.reference
    places, sdg = ref[iris.graph("places")], ref[iris.graph("sdg")]
    todo, seen = {o for o in data.objects() if isinstance(o, URIRef)}, set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for g, predicates in ((places, (dev.withinPlace, RDF.type)), (sdg, (SKOS.broader, RDF.type))):
            for p in predicates:
                for o in g.objects(node, p):
                    data.add((node, p, o))
                    todo.add(o)
    onto = core_ontology(seed_settings)
    store = load(data, onto)
    materialise(store, onto, INFERRED)
    return data, onto, inferred_graph(store, INFERRED), iris, dev


@needs_devkg
def test_rules_give_exactly_owlrls_useful_inferences_on_the_seeds(seeds):
    data, onto, ours, _, _ = seeds
    assert_same_closure(data, ours, owlrl_closure(data, onto))


@needs_devkg
@pytest.mark.parametrize("s, p, o", [
    ("project/CA-3-A034224001", "location", "place/PE"),
    ("project/CA-3-A034224001", "location", "place/m49-005"),
    ("project/CA-3-A034224001", "location", "place/m49-419"),
    ("project/CA-3-A034224001", "location", "place/m49-019"),
    ("project/devkg-usaid-kg-cami", "location", "place/m49-143"),
    ("place/KG-Y-TEPLOKLYUCHENKA", "withinPlace", "place/KG"),
    ("project/devkg-unda-2225O", "addressesSDG", "sdg:16.6"),
    ("project/devkg-unda-2225O", "addressesSDG", "sdg:11"),
    ("project/CA-3-A034224001", "participatingOrg", "org/CA-3"),
    ("org/CA-3", "participatesIn", "project/CA-3-A034224001"),
    ("place/PE-PIU", "a", "Place"),
    ("place/m49-419", "a", "Place"),
])
def test_seed_inference(seeds, s, p, o):
    _, _, ours, iris, dev = seeds
    node = lambda x: URIRef(x.replace("sdg:", str(SDG))) if x.startswith("sdg:") else URIRef(f"{iris.id}{x}")  # noqa: E731
    triple = (node(s), RDF.type, dev[o]) if p == "a" else (node(s), dev[p], node(o))
    assert triple in ours
