"""Browse and search (seed build): listings with facets and paging, ranked word search, CSV, escaping."""

from __future__ import annotations

import csv
import io
import re

import pytest

HTML = {"Accept": "text/html"}
GOV = "/id/project/devkg-usaid-peru-governance-in-action"
PERU = "https://w3id.org/devkg/id/place/PE"


def listed(html: str) -> list[str]:
    return re.findall(r'<td data-label="(?:Title|Name)"><a href="([^"]+)"', html)


def test_the_build_writes_the_search_index_into_the_live_store_directory(web_settings):
    from graph import search
    from graph.store import live_target

    path = search.index_path(live_target(web_settings.store))
    assert path.is_file()
    with search.connect(path) as db:
        kinds = dict(db.execute("SELECT kind, COUNT(*) FROM items GROUP BY kind").fetchall())
    assert kinds["project"] == 5 and kinds["organisation"] >= 10 and kinds["place"] > 1000


def test_project_listing_shows_every_project_with_facets(client):
    r = client.get("/id/project/", headers=HTML)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert len(listed(html)) == 5 and GOV in listed(html)
    for facet in ("Country", "Funder", "SDG", "Sector", "Status", "Year"):
        assert f"<h2>{facet}</h2>" in html, facet
    assert re.search(r'href="\?sdg=http%3A%2F%2Fmetadata.un.org%2Fsdg%2F16.6">16.6 Develop effective', html)


def test_facets_narrow_the_listing_and_combine(client):
    html = client.get(f"/id/project/?country={PERU}", headers=HTML).get_data(as_text=True)
    assert sorted(listed(html)) == ["/id/project/CA-3-A034224001", GOV]
    assert "Country: Peru ✕" in html
    both = client.get(f"/id/project/?country={PERU}&funder=https://w3id.org/devkg/id/org/US-GOV-1",
                      headers=HTML).get_data(as_text=True)
    assert listed(both) == [GOV]


def test_listing_sorts_and_pages(client, monkeypatch):
    from graph.web import browse

    monkeypatch.setattr(browse, "PAGE", 2)
    first = listed(client.get("/id/project/?sort=start&order=desc", headers=HTML).get_data(as_text=True))
    second = listed(client.get("/id/project/?sort=start&order=desc&page=2", headers=HTML).get_data(as_text=True))
    assert len(first) == 2 and len(second) == 2 and not set(first) & set(second)
    assert first[0] == GOV  # starts 2024-05-13, the latest


def test_organisation_and_place_listings(client):
    orgs = client.get("/id/org/?q=kyrgyz", headers=HTML).get_data(as_text=True)
    assert listed(orgs) and all(link.startswith("/id/org/") for link in listed(orgs))
    places = client.get(f"/id/place/?within={PERU}&q=piura", headers=HTML).get_data(as_text=True)
    assert listed(places) == ["/id/place/PE-PIU"]


def test_listing_as_csv(client):
    r = client.get(f"/id/project/?country={PERU}&format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert 'filename="devkg-projects.csv"' in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert {row["iri"] for row in rows} == {"https://w3id.org/devkg/id/project/CA-3-A034224001",
                                            "https://w3id.org/devkg/id/project/devkg-usaid-peru-governance-in-action"}
    ca = next(row for row in rows if row["identifier"] == "CA-3-A034224001")
    assert (ca["total_budget"], ca["currency"]) == ("19075668", "CAD")


def test_search_ranks_words_in_titles_first(client):
    html = client.get("/search?q=governance+in+action", headers=HTML).get_data(as_text=True)
    hits = re.findall(r'<li class="hit"><span class="badge">(\w+)</span> <a href="([^"]+)"', html)
    assert hits[0] == ("Project", GOV)
    assert "<mark>" in html
    both = client.get("/search?q=governance+peru", headers=HTML).get_data(as_text=True)  # stems: Governments too
    assert {GOV, "/id/project/CA-3-A034224001"} <= set(re.findall(r'<li class="hit">.*? <a href="([^"]+)"', both))


def test_search_finds_places_and_organisations_and_filters_by_kind(client):
    html = client.get("/search?q=peru", headers=HTML).get_data(as_text=True)
    hits = re.findall(r'<li class="hit"><span class="badge">(\w+)</span> <a href="([^"]+)"', html)
    assert hits[0] == ("Place", "/id/place/PE")  # the exact name first
    assert ("Organisation", "/id/org/instituto-de-estudios-peruanos") in hits or \
        any(kind == "Organisation" for kind, _ in hits)
    places = client.get("/search?q=peru&kind=place", headers=HTML).get_data(as_text=True)
    assert {k for k, _ in re.findall(r'<li class="hit"><span class="badge">(\w+)</span> <a href="([^"]+)"', places)} \
        == {"Place"}


def test_counts_per_kind_are_what_each_kinds_search_finds(web_settings):
    """The search page counts every kind's matches in one grouped query; each must be what a search of
    that kind alone counts, and the page's 'All' the sum."""
    from graph import search
    from graph.store import live_target

    with search.connect(search.index_path(live_target(web_settings.store))) as db:
        for text in ("peru", "governance", "a", "kyrgyz republic"):
            counts = search.kind_counts(db, text)
            listed = {k: len(search.search(db, text, (k,), limit=100_000)[1]) for k in search.KINDS}
            assert counts == {k: n for k, n in listed.items() if n}, text
            assert sum(counts.values()) == search.search(db, text, limit=1)[0]
        assert search.kind_counts(db, "peru")["place"] >= 1


def test_search_folds_accents_and_matches_word_beginnings(client):
    html = client.get("/search?q=Huanuco", headers=HTML).get_data(as_text=True)
    assert 'href="/id/place/PE-HUC"' in html  # Huánuco
    assert 'href="/id/place/PE"' in client.get("/search?q=Per", headers=HTML).get_data(as_text=True)


@pytest.mark.parametrize("words", ['"', "AND OR NOT", "a* NEAR(b", "col:umn", "^x", "(", "' OR 1=1 --"])
def test_search_takes_any_text_as_words(client, words):
    r = client.get("/search", query_string={"q": words}, headers=HTML)
    assert r.status_code == 200


def test_search_results_as_csv(client):
    r = client.get("/search?q=governance&format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert any(row["label"] == "Governance in Action" and row["kind"] == "project" for row in rows)
    assert client.get("/search?format=csv").status_code == 400


def test_search_box_is_on_every_page(client):
    for path in ("/", "/sparql", "/id/project/CA-3-A034224001", "/id/place/", "/dumps/"):
        html = client.get(path, headers=HTML).get_data(as_text=True)
        assert re.search(r'<form class="search" method="get" action="/search"', html), path


HOSTILE = """
@prefix dev: <https://w3id.org/devkg/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/devkg/graph/source/curated/h> {
  <https://w3id.org/devkg/id/project/H> a dev:Project ; dev:title "<script>alert(1)</script> pwned" ;
      dev:identifier "=HYPERLINK(\\"http://evil\\")" ;
      dev:description "<img src=x onerror=alert(2)> pwned" ;
      dev:fundedBy <javascript:alert(3)> ; dev:location <https://w3id.org/devkg/id/place/Z> ;
      dev:totalBudget <https://w3id.org/devkg/id/project/H/total-budget> .
  <https://w3id.org/devkg/id/project/H/total-budget> dev:value "12"^^<http://www.w3.org/2001/XMLSchema#decimal> .
  <javascript:alert(3)> rdfs:label "js org" .
  <https://w3id.org/devkg/id/place/Z> a dev:Place, dev:Country ; rdfs:label "Z<b>land</b>" .
}
"""


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory):
    from conftest import small_settings

    from server import create_app

    return create_app(small_settings(tmp_path_factory.mktemp("hostile"), HOSTILE.encode())).test_client()


@pytest.mark.parametrize("path", ["/id/project/H", "/id/project/", "/search?q=pwned", "/id/place/Z",
                                  "/id/place/", "/id/project/?country=https://w3id.org/devkg/id/place/Z"])
def test_values_are_escaped_and_only_http_links(hostile_client, path):
    html = hostile_client.get(path, headers=HTML).get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>land</b>" not in html
    assert 'href="javascript:' not in html
    assert "pwned" in html or "Z&lt;b&gt;land" in html


def test_csv_cells_are_not_spreadsheet_formulas(hostile_client):
    text = hostile_client.get("/search?q=pwned&format=csv").get_data(as_text=True)
    assert "<script>alert(1)</script> pwned" in text
