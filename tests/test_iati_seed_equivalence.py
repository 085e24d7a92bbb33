"""One project, two inputs: the curated YAML of CA-3-A034224001 and an IATI file written by hand
from the same seed document must answer the same questions and give the same IRIs to the same things."""

from __future__ import annotations

import shutil

import pytest

from graph.build import build
from graph.config import PROJECT_ROOT, Settings
from graph.namespaces import prefixes
from graph.querying import term_text
from graph.store import open_live

P = "<https://w3id.org/devkg/id/project/CA-3-A034224001>"
QUESTIONS = {
    "places": f"SELECT ?place WHERE {{ {P} dev:location ?place }} ORDER BY ?place",
    "countries": f"SELECT ?c WHERE {{ {P} dev:recipientCountry ?c }}",
    "roles": f"SELECT ?role ?org WHERE {{ {P} ?role ?org . ?role rdfs:subPropertyOf dev:participatingOrg }} "
             "ORDER BY ?role ?org",
    "status": f"SELECT ?s WHERE {{ {P} dev:status ?s }}",
    "dates": f"SELECT ?start ?end WHERE {{ {P} dev:startDate ?start ; dev:endDate ?end }}",
    "running-2015": f"ASK {{ {P} dev:startDate ?s ; dev:endDate ?e "
                    f"FILTER(?s <= '2015-01-01'^^xsd:date && ?e >= '2015-01-01'^^xsd:date) }}",
    "sectors": f"SELECT ?sector ?category WHERE {{ {P} dev:sector ?sector . ?sector skos:broader ?category }}",
    "markers": f"SELECT ?m ?sig WHERE {{ {P} dev:policyMarker [ dev:marker ?m ; dev:significance ?sig ] "
               "FILTER STRSTARTS(STR(?m), 'https://w3id.org/devkg/id/codelist/') } ORDER BY ?m",
    "budget-total": f"SELECT ?v ?cur WHERE {{ {P} dev:totalBudget [ dev:value ?v ; dev:currency ?cur ] }}",
    "budget-periods": f"SELECT ?start ?end ?v WHERE {{ {P} dev:budget [ dev:periodStart ?start ; "
                      f"dev:periodEnd ?end ; dev:amount/dev:value ?v ] }}",
    "classifications": f"SELECT ?aid ?fin ?collab WHERE {{ {P} dev:aidType ?aid ; dev:financeType ?fin ; "
                       f"dev:collaborationType ?collab }}",
    "funder-currency-total": "SELECT ?funder ?cur (SUM(?v) AS ?total) WHERE { ?p dev:fundedBy ?funder ; "
                             "dev:totalBudget [ dev:value ?v ; dev:currency ?cur ] } GROUP BY ?funder ?cur",
    "macro-regions": f"SELECT ?r WHERE {{ {P} dev:location ?r . ?r a dev:MacroRegion }} ORDER BY ?r",
    "all-markers": f"SELECT ?m ?sig WHERE {{ {P} dev:policyMarker [ dev:marker ?m ; dev:significance ?sig ] }}",
    "results": f"SELECT ?r ?type ?title WHERE {{ {P} dev:result ?r . ?r dev:resultType ?type ; dev:title ?title }}",
    "indicator-actuals": f"SELECT ?i ?start ?end ?actual WHERE {{ {P} dev:result/dev:indicator ?i . "
                         "?i dev:period [ dev:periodStart ?start ; dev:periodEnd ?end ; dev:actualValue ?actual ] }",
    "funder-labels": f"SELECT ?org ?name WHERE {{ {P} dev:fundedBy ?org . ?org rdfs:label ?name }}",
}

# What only one route can say: the curated page's extra facts, and each route's own source document.
ONE_ROUTE_ONLY = ("/fact/", "/id/source/")


def build_with(tmp, projects: list, iati: list) -> Settings:
    data = tmp / "data"
    (data / "projects").mkdir(parents=True)
    (data / "reference").symlink_to(PROJECT_ROOT / "data" / "reference")
    for f in projects:
        shutil.copy(f, data / "projects")
    if iati:
        (data / "iati").mkdir()
        for f in iati:
            shutil.copy(f, data / "iati")
    settings = Settings.from_env({}, data=data, store=tmp / "store")
    build(settings, progress=lambda m: None)
    return settings


def answers(settings: Settings) -> dict:
    store = open_live(settings.store)
    out = {}
    for name, q in QUESTIONS.items():
        result = store.query(q, prefixes=prefixes(settings.base))
        if hasattr(result, "variables"):
            out[name] = sorted(tuple(term_text(row[v]) for v in result.variables) for row in result)
        else:
            out[name] = bool(result)
    return out


def asserted_iris(settings: Settings) -> set[str]:
    """Every IRI minted for the project and its organisations (places and codes are reference data)."""
    store = open_live(settings.store)
    q = ("SELECT DISTINCT ?x WHERE { GRAPH ?g { { ?x ?p ?o } UNION { ?s ?p ?x } } FILTER(isIRI(?x) && "
         "(STRSTARTS(STR(?g), 'https://w3id.org/devkg/graph/source/') || "
         "?g = <https://w3id.org/devkg/graph/organisations>) && "
         "(STRSTARTS(STR(?x), 'https://w3id.org/devkg/id/project/') "
         "|| STRSTARTS(STR(?x), 'https://w3id.org/devkg/id/org/'))) }")
    return {row["x"].value for row in store.query(q) if not any(part in row["x"].value for part in ONE_ROUTE_ONLY)}


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    curated = build_with(tmp_path_factory.mktemp("curated"),
                         [PROJECT_ROOT / "data" / "projects" / "ca-3-a034224001.yaml"], [])
    iati = build_with(tmp_path_factory.mktemp("iati"), [],
                      [PROJECT_ROOT / "tests" / "fixtures" / "iati-seed" / "ca-3-a034224001.xml"])
    return curated, iati


@pytest.fixture(scope="module")
def both(routes):
    return answers(routes[0]), answers(routes[1])


def test_both_routes_mint_the_same_iris(routes):
    curated, iati = (asserted_iris(s) for s in routes)
    assert len(curated) > 45  # results, indicators, periods, budgets, markers, organisations, publisher codes
    assert sorted(curated - iati) == [] and sorted(iati - curated) == []


@pytest.mark.parametrize("kind", ["result", "indicator", "period", "budget", "policy-marker", "participation"])
def test_parts_are_keyed_by_source_identity_not_position(routes, kind):
    iris = asserted_iris(routes[0])
    parts = [i for i in iris if f"/{kind}/" in i]
    assert parts, kind
    last = {i.rsplit(f"/{kind}/", 1)[1].split("/")[0] for i in parts}
    assert not any(segment.isdigit() for segment in last - {"1", "2", "99"}), last


@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_curated_and_iati_answer_alike(both, question):
    curated, iati = both
    assert curated[question], f"{question}: the curated graph has no answer"
    assert curated[question] == iati[question]
