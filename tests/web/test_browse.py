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


def _index(web_settings):
    from graph import search
    from graph.store import live_target

    return search.connect(search.index_path(live_target(web_settings.store)))


def test_items_are_numbered_by_kind_then_projects_ending_latest_first(web_settings):
    """Kinds are ranges of row ids (what search counts and filters by) and projects run from the latest end."""
    with _index(web_settings) as db:
        ranges = db.execute("SELECT kind, first, last FROM kinds ORDER BY first").fetchall()
        assert [k for k, _, _ in ranges] == ["place", "organisation", "project"]
        for kind, first, last in ranges:
            assert db.execute("SELECT COUNT(*), MIN(id), MAX(id) FROM items WHERE kind = ?", (kind,)).fetchone() == \
                (last - first + 1, first, last)
        ends = [e for (e,) in db.execute("SELECT end_ FROM items WHERE kind = 'project' ORDER BY id")]
        dated = [e for e in ends if e is not None]
        assert dated == sorted(dated, reverse=True) and ends[:len(dated)] == dated


@pytest.mark.parametrize("kinds", [("project", "organisation", "place"), ("place",), ("place", "project")])
@pytest.mark.parametrize("ranked", [1, 3, 5_000])
def test_search_pages_reach_every_match_once_whatever_is_ranked(web_settings, monkeypatch, kinds, ranked):
    """Only the first `RANKED` matches (and exact names) are ranked; paging must still give every
    match exactly once, the count must be right, and the ranked ones come from the start of the index."""
    from graph import search

    monkeypatch.setattr(search, "RANKED", ranked)
    with _index(web_settings) as db:
        for text in ("peru", "governance", "a", "colombia"):
            expr = search.match_expression(text)
            marks = ",".join("?" * len(kinds))
            expected = [iri for (iri,) in db.execute(
                f"SELECT items.iri FROM words JOIN items ON items.id = words.rowid WHERE words MATCH ? "
                f"AND items.kind IN ({marks}) ORDER BY items.id", (expr, *kinds))]
            total, first = search.search(db, text, kinds, limit=len(expected) + 5)
            paged = [h.iri for start in range(0, len(expected) + 4, 4)
                     for h in search.search(db, text, kinds, limit=4, offset=start)[1]]
            assert total == len(expected), text
            assert sorted(paged) == sorted(expected) and len(paged) == len(set(paged)), (text, kinds)
            assert [h.iri for h in first] == paged
            # ranked: the first `ranked` matches of any kind between the chosen kinds' first and last row
            lo, hi = db.execute(f"SELECT MIN(first), MAX(last) FROM kinds WHERE kind IN ({marks})", kinds).fetchone()
            span = [(i, iri) for i, iri, kind in db.execute(
                "SELECT items.id, items.iri, items.kind FROM words JOIN items ON items.id = words.rowid "
                "WHERE words MATCH ? ORDER BY items.id", (expr,)) if lo <= i <= hi]
            cut = span[ranked - 1][0] if len(span) >= ranked else hi
            exact = [h.iri for h in first if h.label.lower() == text and h.iri not in {iri for i, iri in span
                                                                                         if i <= cut}]
            window = {iri for i, iri in span if i <= cut and iri in expected}
            assert {h.iri for h in first[:len(exact)]} == set(exact)
            assert {h.iri for h in first[len(exact):len(exact) + len(window)]} == window, (text, kinds)


def test_an_exact_name_comes_first_even_beyond_the_ranked_matches(web_settings, monkeypatch):
    from graph import search

    monkeypatch.setattr(search, "RANKED", 1)
    with _index(web_settings) as db:
        total, hits = search.search(db, "peru", limit=3)
        assert (hits[0].kind, hits[0].iri) == ("place", PERU) and total > 3


def test_an_index_of_another_layout_is_rebuilt_not_read(web_settings, tmp_path):
    """A store built by an older devkg has an index this code cannot read: the server indexes the store itself."""
    import shutil
    import sqlite3

    from graph import search

    with _index(web_settings) as db:
        src = db.execute("PRAGMA database_list").fetchone()[2]
    old = tmp_path / search.INDEX_NAME
    shutil.copy(src, old)
    assert search.current(old)
    with sqlite3.connect(old) as db:
        db.execute("PRAGMA user_version = 1")
    assert not search.current(old) and not search.current(tmp_path / "missing.sqlite")


def test_paging_a_search_counts_its_matches_once(client, monkeypatch):
    """The counts per kind are kept per index file: page 2 of the same words does not count them again."""
    from graph import search

    calls = []
    real = search.kind_counts
    monkeypatch.setattr(search, "kind_counts", lambda db, text: calls.append(text) or real(db, text))
    first = client.get("/search?q=municipal+projects+counted+once", headers=HTML)
    again = client.get("/search?q=municipal+projects+counted+once&page=2", headers=HTML)
    other = client.get("/search?q=governance+counted+once", headers=HTML)
    assert first.status_code == again.status_code == other.status_code == 200
    assert calls == ["municipal projects counted once", "governance counted once"]
