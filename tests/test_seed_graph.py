"""The seed projects in the built store: every example query answers right, key facts are findable."""

from __future__ import annotations

import pytest

from graph.config import PROJECT_ROOT

QUERIES = {p.name: p.read_text(encoding="utf-8") for p in sorted((PROJECT_ROOT / "graph" / "queries").glob("*.rq"))}
ID = "https://w3id.org/devkg/id/"
CA = f"{ID}project/CA-3-A034224001"
GIA = f"{ID}project/devkg-usaid-peru-governance-in-action"
CAMI = f"{ID}project/devkg-usaid-kg-cami"
ACTIVE = f"{ID}project/devkg-usaid-kg-active-communities"
ECLAC = f"{ID}project/devkg-unda-2225O"


def column(rows, name):
    return [r.get(name) for r in rows]


def check_01(rows):
    assert set(column(rows, "project")) == {CA, GIA}


def check_02(rows):
    counts = {r["name"]: int(r["projects"]) for r in rows}
    assert counts["Latin America and the Caribbean"] == 3 and counts["Americas"] == 3
    assert counts["Central Asia"] == 2


def check_03(rows):
    assert set(column(rows, "project")) == {CAMI, ACTIVE}


def check_04(rows):
    """Peru's two seed projects: Canada's in CAD, USAID's Governance in Action in USD (not its Kyrgyz ones)."""
    totals = {(r["funder"].rsplit("/", 1)[1], r["currency"]): (float(r["total"]), int(r["projects"])) for r in rows}
    assert totals == {("CA-3", "CAD"): (19075668.0, 1), ("US-GOV-1", "USD"): (12000000.0, 1)}


def check_05(rows):
    counts = {r["code"]: int(r["projects"]) for r in rows}
    assert counts == {"5": 1, "11": 1, "16": 1, "17": 1}  # goal 11 only through target 11.3


def check_06(rows):
    """In Peru only Canada's project is governance (DAC 151); ECLAC's regional one is not located in Peru."""
    assert set(column(rows, "project")) == {CA}
    assert {(r["org"], r["role"].rsplit("#", 1)[1], float(r["value"]), r["currency"]) for r in rows} == {
        ("Global Affairs Canada", "fundedBy", 19075668.0, "CAD"),
        ("Alinea International Ltd", "implementedBy", 19075668.0, "CAD")}


def check_07(rows):
    pairs = {(r["orgName"], r["roleName"], r.get("lead")) for r in rows}
    assert ("Instituto de Estudios Peruanos", "Implementing", "true") in pairs
    assert ("Global Affairs Canada", "Reporting", None) in pairs
    titles = {r["title"] for r in rows}  # Peru's two projects (Canada's under two titles), no Kyrgyz one
    assert "Governance in Action" in titles and len(titles - {"Governance in Action"}) >= 1
    assert all(t == "Governance in Action" or t.startswith("Strengthening Regional Governments") for t in titles)


def check_08(rows):
    assert any(r["orgA"] == "ACTED" and r["orgB"] == "Ferghana Valley Lawyers Without Borders" for r in rows)


def check_09(rows):
    by_indicator = {r["indicator"]: r for r in rows}
    wait = by_indicator["Wait-time for the issuance of drivers' licenses in Lambayeque"]
    assert (float(wait["baseline"]), float(wait["actual"]), wait["unit"]) == (30.0, 3.0, "days")
    assert float(by_indicator["Districts with improved public services"]["target"]) == 60


def check_10(rows):
    markers = {(r["code"], r.get("detail")) for r in rows if r["kind"] == "policy marker"}
    assert ("3", "principal objective") in markers and ("CHILD", "significant objective") in markers
    assert any(r["kind"] == "sector" and r["code"] == "15112" for r in rows)


def check_11(rows):
    assert [(r["category"], int(r["projects"])) for r in rows] == [("151", 1)]


def check_12(rows):
    """The two Kyrgyz seeds, each from its own curated document and graph."""
    assert set(column(rows, "project")) == {CAMI, ACTIVE} and len(rows) == 2
    assert set(column(rows, "kind")) == {"curated"} and len(set(column(rows, "graph"))) == 2
    assert all(len(r["sha256"]) == 64 for r in rows)


def check_13(rows):
    assert set(column(rows, "project")) == {ECLAC}


def check_14(rows):
    counts = {r["name"]: int(r["projects"]) for r in rows}
    assert counts["Peru"] == 2 and counts["Kyrgyzstan"] == 2 and counts["Paraguay"] == 1


def check_15(rows):
    members = {r["group"]: set(r["memberCountries"].split(", ")) for r in rows}
    assert members["Land Locked Developing Countries (LLDC)"] == {"Paraguay"}
    assert members["Small Island Developing States (SIDS)"] == {"Dominica", "Dominican Republic", "Jamaica"}


def check_16(rows):
    """The seed finding: CA-3-A034224001's only budget line (2010-04-01..2011-03-31) ends before its
    2011-07-20 start."""
    ca = [r for r in rows if r["project"] == CA]
    assert any("ends before the project starts" in r["message"] and r["severity"] == "Warning"
               and r["location"].startswith("data/projects/ca-3-a034224001.yaml:") for r in ca)
    assert {r["project"] for r in rows} == {CA}  # the only seed project Global Affairs Canada reports


CHECKS = {name: globals()[f"check_{name[:2]}"] for name in QUERIES}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_example_query_answers_on_the_seeds(select, name):
    rows = select(QUERIES[name])
    assert rows, f"{name} returned no rows"
    CHECKS[name](rows)


FACTS = [
    # every seed: one ASK per fact a researcher may ask about
    f"<{GIA}> dev:plannedStartDate '2024-05-13'^^xsd:date ; dev:plannedEndDate '2029-05-12'^^xsd:date",
    f"<{GIA}> dev:totalBudget [ dev:value 12000000.0 ; dev:currency <{ID}codelist/Currency/USD> ]",
    f"<{GIA}> dev:location <{ID}place/PE-MDD>, <{ID}place/PE-CUS>, <{ID}place/PE-PUN>",
    (f"<{GIA}> dev:contact [ dev:personName 'Sobeida Gonzales' ; dev:email 'sgonzales@usaid.gov' ; "
     "dev:telephone '975 398 620' ]"),
    f"<{GIA}> dev:implementedBy ?o . ?o rdfs:label 'C230'@en",
    f"<{CA}> dev:status <{ID}codelist/ActivityStatus/4> ; dev:actualStartDate '2011-07-20'^^xsd:date",
    f"<{CA}> dev:budget [ dev:periodStart '2010-04-01'^^xsd:date ; dev:amount [ dev:value 19075668.0 ] ]",
    f"<{CA}> dev:aidType/skos:prefLabel 'Donor country personnel'@en ; dev:programme 'NGM Americas'",
    f"<{CA}> dev:collaborationType/skos:notation '1' ; dev:financeType/skos:notation '110'",
    f"<{CA}> dev:lastUpdated '2025-09-19'^^xsd:date",
    f"<{CA}> dev:additionalFact [ rdfs:label 'Selection mechanism' ; rdf:value 'Pre-APP' ]",
    (f"<{CA}> dev:policyMarker [ dev:marker <{ID}org/CA-3/codelist/PolicyMarker/INDIG> ; "
     f"dev:significance <{ID}codelist/PolicySignificance/1> ]"),
    f"<{CA}> dev:result/dev:indicator [ dev:unit 'producers' ; dev:period/dev:actualValue 376.0 ]",
    f"<{CA}> dev:implementedBy ?o . ?o rdfs:label 'Alinea International Ltd'@en",
    f"<{CAMI}> dev:startDateAsStated '2016-10'^^xsd:gYearMonth ; dev:endDate '2021-09-30'^^xsd:date",
    f"<{CAMI}> dev:location <{ID}place/KG-O>, <{ID}place/KG-Y-TEPLOKLYUCHENKA>, <{ID}place/KG-Y-AKSUU>",
    f"<{CAMI}> dev:partnerOrg ?o . ?o dev:abbreviation 'SALSGIR'",
    f"<{CAMI}> dev:result/dev:indicator [ dev:unit 'public hearings' ; dev:period/dev:actualValue 62.0 ]",
    f"<{CAMI}> dev:contact [ dev:personName 'Robert Bodo' ; dev:mailingAddress ?a ]",
    f"<{ACTIVE}> dev:title 'Jigerduu Jarandar'@ky-latn ; dev:partnerOrg ?acted . ?acted rdfs:label 'ACTED'@en",
    f"<{ACTIVE}> dev:totalBudget/dev:value 14000000.0 ; prov:wasDerivedFrom/dcterms:issued '2020-09-03'^^xsd:date",
    f"<{ECLAC}> dev:otherIdentifier '2225O', 'T14' ; dev:status <{ID}codelist/ActivityStatus/2>",
    (f"<{ECLAC}> dev:countryGroup <{ID}place/group-SIDS>, <{ID}place/group-LLDC> ; "
     f"dev:recipientRegion <{ID}place/m49-019>"),
    f"<{ECLAC}> dev:sdgGoal sdg:5, sdg:17 ; dev:sdgTarget sdg:5.5, sdg:17.4",
    f"<{ECLAC}> dev:implementedBy ?o . ?o dev:abbreviation 'ECLAC'",
    f"<{ID}place/PE> skos:exactMatch <http://www.wikidata.org/entity/Q419>, <https://sws.geonames.org/3932488/>",
    f"<{ID}org/US-GOV-1> dev:participatesIn <{CAMI}>, <{GIA}>, <{ACTIVE}>",
]


@pytest.mark.parametrize("fact", FACTS)
def test_seed_fact_is_findable(ask, fact):
    assert ask(f"ASK {{ {fact} }}")


def test_every_project_has_provenance_and_a_funder_or_implementer(select):
    rows = select("""SELECT ?p WHERE { ?p a dev:Project .
        FILTER NOT EXISTS { ?p prov:wasDerivedFrom ?s . ?p dev:fundedBy|dev:implementedBy ?o } }""")
    assert rows == []


def test_no_triple_is_stored_twice(seed_store):
    """pyoxigraph's union default graph is a bag: a triple in two graphs would count twice."""
    rows = list(seed_store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g1 { ?s ?p ?o } GRAPH ?g2 { ?s ?p ?o } "
                                 "FILTER (?g1 != ?g2) }",
                                 union_default_graph=False))
    assert int(rows[0]["n"].value) == 0


def test_quality_report_is_one_report_that_counts_per_publisher(select):
    sh = "PREFIX sh: <http://www.w3.org/ns/shacl#> "
    rows = select(sh + "SELECT ?conforms (COUNT(?r) AS ?n) WHERE { GRAPH <https://w3id.org/devkg/graph/validation> { "
                  "?report a sh:ValidationReport ; sh:conforms ?conforms ; sh:result ?r } } GROUP BY ?conforms")
    assert len(rows) == 1 and rows[0]["conforms"] == "true" and int(rows[0]["n"]) >= 1
    per_publisher = select("SELECT ?pub (COUNT(?r) AS ?n) WHERE { GRAPH <https://w3id.org/devkg/graph/validation> "
                           "{ ?r dev:aboutProject ?p } ?p dev:reportedBy ?pub } GROUP BY ?pub")
    assert {r["pub"] for r in per_publisher} >= {"https://w3id.org/devkg/id/org/CA-3"}
