"""Provenance and identity hygiene on the seed build: every graph says where it comes from,
curators' notes qualify the statement they are about, and unchecked links merge nothing."""

from __future__ import annotations

import hashlib

import pytest

from graph.config import PROJECT_ROOT

ID = "https://w3id.org/devkg/id/"
GRAPH = "https://w3id.org/devkg/graph/"


def test_every_organisation_says_which_sources_name_it(select):
    rows = select("SELECT ?o (COUNT(DISTINCT ?src) AS ?n) WHERE { GRAPH <https://w3id.org/devkg/graph/organisations> "
                  "{ ?o a dev:Organisation OPTIONAL { ?o prov:wasDerivedFrom ?src } } } GROUP BY ?o")
    assert len(rows) >= 8
    assert all(int(r["n"]) >= 1 for r in rows), [r for r in rows if int(r["n"]) == 0]
    gac = select(f"SELECT ?src WHERE {{ <{ID}org/CA-3> prov:wasDerivedFrom ?src }}")
    assert {r["src"] for r in gac} == {f"{ID}source/curated/ca-3-a034224001"}


def test_the_organisations_graph_is_derived_from_the_sources_it_merges(select):
    rows = select(f"SELECT ?src WHERE {{ GRAPH <{GRAPH}organisations> "
                  f"{{ <{GRAPH}organisations> prov:wasDerivedFrom ?src }} }}")
    assert len(rows) == 5  # the five curated seed pages


@pytest.mark.parametrize("name, example", [
    ("codelists", "reference/codelists/Sector.xml"),
    ("sdg", "reference/sdg/un-sdg-kos-goals-targets-indicators.ttl"),
    ("places", "reference/places/seed-places.csv"),
])
def test_reference_graphs_are_derived_from_their_files_with_checksums(select, name, example):
    rows = select(f"SELECT ?path ?sha WHERE {{ GRAPH <{GRAPH}{name}> {{ <{GRAPH}{name}> prov:wasDerivedFrom ?doc . "
                  "?doc a dev:SourceDocument ; dev:path ?path ; dev:sha256 ?sha } }")
    files = {r["path"]: r["sha"] for r in rows}
    assert example in files
    assert files[example] == hashlib.sha256((PROJECT_ROOT / "data" / example).read_bytes()).hexdigest()


def test_source_graphs_are_derived_from_their_document(ask):
    assert ask(f"ASK {{ GRAPH <{GRAPH}source/curated/ca-3-a034224001> {{ <{GRAPH}source/curated/ca-3-a034224001> "
               f"prov:wasDerivedFrom <{ID}source/curated/ca-3-a034224001> }} }}")


def test_paths_are_relative_to_the_data_directory(select):
    paths = {r["path"] for r in select("SELECT ?path WHERE { ?s dev:sourceKind 'curated' ; dev:path ?path }")}
    assert "projects/ca-3-a034224001.yaml" in paths
    assert not any(p.startswith("data/") for p in paths)


def test_curators_notes_do_not_become_comments_on_places(select):
    """The seed table notes which seed project names Piura; that says nothing about Piura."""
    assert select(f"SELECT ?c WHERE {{ <{ID}place/PE-PIU> rdfs:comment ?c }}") == []
    assert select("SELECT ?c WHERE { ?place rdfs:comment ?c FILTER CONTAINS(STR(?c), 'CA-3-A034224001') }") == []


def test_an_unchecked_geonames_id_is_a_qualified_see_also_not_a_match(select, ask):
    assert ask(f"ASK {{ <{ID}place/PE> skos:exactMatch <https://sws.geonames.org/3932488/> }}")  # checked
    assert not ask(f"ASK {{ <{ID}place/AR> skos:exactMatch ?g "
                   f"FILTER STRSTARTS(STR(?g), 'https://sws.geonames.org/') }}")
    rows = select(f"SELECT ?note WHERE {{ ?st rdf:subject <{ID}place/AR> ; rdf:predicate rdfs:seeAlso ; "
                  "rdf:object <https://sws.geonames.org/3865483/> ; rdfs:comment ?note }")
    assert len(rows) == 1 and "not checked" in rows[0]["note"]
    assert ask(f"ASK {{ <{ID}place/AR> rdfs:seeAlso <https://sws.geonames.org/3865483/> }}")


def test_other_identifiers_keep_their_kind(select):
    rows = select("SELECT ?value ?kind WHERE { ?p dev:identifier 'devkg-unda-2225O' . "
                  "?p dev:identifiedBy [ dev:identifier ?value ; dev:identifierKind ?kind ] }")
    assert rows, "the ECLAC project's identifiers"
    assert {(r["value"], r["kind"]) for r in rows} >= {("2225O", "Project Code")}


def test_nothing_claims_owl_same_as(ask):
    assert not ask("ASK { GRAPH ?g { ?a owl:sameAs ?b } FILTER(?g != <https://w3id.org/devkg/graph/sdg>) }")
