"""Resource pages that summarise (seed build): what a person asks first, then every fact grouped."""

from __future__ import annotations

import json
import re

import pytest

CA = "/id/project/CA-3-A034224001"
UNDA = "/id/project/devkg-unda-2225O"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def page(client, path: str) -> str:
    r = client.get(path, headers=HTML)
    assert r.status_code == 200, (path, r.status_code)
    assert r.mimetype == "text/html"
    return r.get_data(as_text=True)


def section(html: str, ident: str) -> str:
    m = re.search(rf'<section id="{ident}">(.*?)</section>', html, re.S)
    assert m, ident
    return m.group(1)


def test_project_summary_has_budget_with_currency_and_separators(client):
    s = section(page(client, CA), "summary")
    assert "CAD 19,075,668" in s and "19075668" not in s
    assert "<code>CA-3-A034224001</code>" in s
    assert ">Closed</a>" in s  # status by its label
    assert "2011-07-20" in s and "2017-12-31" in s


def test_project_summary_lists_organisations_with_roles_places_sectors_and_source(client):
    s = section(page(client, CA), "summary")
    assert re.search(r'<a href="/id/org/CA-3">Global Affairs Canada</a> <span class="badge">Funding</span>', s)
    assert re.search(r'Alinea International Ltd</a> <span class="badge">Implementing</span>', s)
    assert '<a href="/id/place/PE-PIU">Piura</a>' in s
    assert "<code>15112</code>" in s
    assert "projects/ca-3-a034224001.yaml" in s  # dev:path, relative to the data directory


def test_project_summary_has_budget_lines_and_results_tables(client):
    s = section(page(client, CA), "summary")
    budgets = re.search(r'<table class="stack budgets">(.*?)</table>', s, re.S).group(1)
    assert "2010-04-01" in budgets and "CAD 19,075,668" in budgets
    indicators = re.findall(r'<table class="stack indicators">(.*?)</table>', s, re.S)
    assert any("Wait-time" in t and ">30<" in t and ">3<" in t for t in indicators)  # baseline 30, actual 3
    assert any("55,000" in t for t in indicators)


def test_project_sdgs_show_notation_and_title_and_link_locally(client):
    s = section(page(client, UNDA), "summary")
    assert re.search(r'<a href="/sdg/16.6"><strong>16.6</strong> Develop effective, accountable and transparent', s)
    # the source states goal 16 and target 11.3; goal 11 follows from 11.3 by the reasoner: marked inferred
    assert re.search(r'<li><a href="/sdg/16"><strong>16</strong>', s)
    assert re.search(r'<li><a href="/sdg/11.3"><strong>11.3</strong>', s)
    assert re.search(r'<li class="inferred"><a href="/sdg/11"><strong>11</strong>', s)


def test_every_fact_is_grouped_with_child_nodes_inline_and_inferred_marked(client):
    facts = section(page(client, CA), "facts")
    groups = re.findall(r"<h3>(\w+)</h3>", facts)
    assert groups[:3] == ["What", "Who", "Where"] and "Money" in groups and "Results" in groups
    assert "Provenance" in groups
    # a budget line (keyed by its period, see graph/mapping/keys.py) is shown inline with its amount
    assert re.search(r'budget/2010-04-01--2011-03-31/1/amount">.*?</div><dl>.*?19,075,668', facts, re.S)
    assert 'class="inferred"' in facts and "participating" in facts  # dev:participatingOrg is inferred


def test_organisation_page_lists_projects_by_role_with_budget_totals(client):
    html = page(client, "/id/org/CA-3")
    roles = re.search(r'<table class="stack roles">(.*?)</table>', html, re.S).group(1)
    row = re.search(r"<tr><td[^>]*><a [^>]*>Funding</a></td>(.*?)</tr>", roles, re.S).group(1)
    assert "CAD 19,075,668" in row
    assert "Strengthening Regional Governments" in section(html, "summary")


def test_place_page_lists_projects_sortable_apart_from_sub_places(client):
    html = page(client, "/id/place/PE?sort=budget&order=desc")
    summary = section(html, "summary")
    projects = re.search(r'<table class="stack projects">(.*?)</table>', summary, re.S).group(1)
    titles = re.findall(r'data-label="Project"><a href="([^"]+)"', projects)
    assert titles == [CA, "/id/project/devkg-usaid-peru-governance-in-action"]  # CAD 19,075,668 before USD 12,000,000
    ascending = section(page(client, "/id/place/PE?sort=budget&order=asc"), "summary")
    assert re.findall(r'data-label="Project"><a href="([^"]+)"', ascending) == titles[::-1]
    subs = re.search(r'<ul class="subplaces">(.*?)</ul>', summary, re.S).group(1)
    assert '/id/place/PE-PIU' in subs and CA not in subs
    assert "World" not in subs


def test_place_project_list_pages(client, monkeypatch):
    from graph.web import summary

    monkeypatch.setattr(summary, "PAGE", 1)
    client.application.extensions["devkg"].answers.clear()  # pages other tests saw were kept at the real size
    first = section(page(client, "/id/place/PE"), "summary")
    second = section(page(client, "/id/place/PE?page=2"), "summary")
    one = re.findall(r'data-label="Project"><a href="([^"]+)"', first)
    two = re.findall(r'data-label="Project"><a href="([^"]+)"', second)
    assert len(one) == 1 and len(two) == 1 and one != two
    assert "page=2" in first and "Next" in first


def test_sdg_target_has_a_local_page_keeping_the_un_iri(client):
    html = page(client, "/sdg/16.6")
    assert "<h1>16.6 Develop effective, accountable and transparent institutions at all levels</h1>" in html
    assert "http://metadata.un.org/sdg/16.6" in html
    assert UNDA in section(html, "summary")
    assert re.search(r'Part of <a href="/sdg/16"><strong>16</strong>', html)
    r = client.get("/sdg/16.6", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    from rdflib import Graph, URIRef

    g = Graph().parse(data=r.data, format="turtle")
    assert (URIRef("http://metadata.un.org/sdg/16.6"), None, None) in g


def test_sdg_goal_page_lists_its_targets(client):
    html = page(client, "/sdg/16")
    assert re.search(r'<a href="/sdg/16.6"><strong>16.6</strong>', html)


def test_unknown_sdg_is_404(client):
    assert client.get("/sdg/99.99", headers=HTML).status_code == 404
    assert client.get("/sdg/a%3Cb", headers=HTML).status_code == 404


@pytest.mark.parametrize("fmt,marker", [("ttl", b"@prefix"), ("nt", b"<https://w3id.org/devkg/id/project/"),
                                        ("jsonld", b'"@id"')])
def test_also_as_links_answer_the_format_in_a_browser(client, fmt, marker):
    r = client.get(f"{CA}?format={fmt}", headers=HTML)
    assert r.status_code == 200 and marker in r.data
    assert r.mimetype in ("text/plain", "application/json")  # shown, not downloaded nor the HTML page again


def test_html_names_alternates_and_embeds_schema_org_json_ld(client):
    html = page(client, CA)
    alternates = re.findall(r'<link rel="alternate" type="([^"]+)" href="([^"]+)"', html)
    assert ("text/turtle", "?format=ttl") in alternates and ("application/ld+json", "?format=jsonld") in alternates
    doc = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert doc["@context"] == "https://schema.org/" and doc["@type"] == "Project"
    assert doc["identifier"] == "CA-3-A034224001" and doc["funder"][0]["name"] == "Global Affairs Canada"
    org = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page(client, "/id/org/CA-3"),
                               re.S).group(1))
    assert org["@type"] == "Organization"


def test_pages_keep_scripts_out_of_the_html(client):
    """A CSP without 'unsafe-inline' scripts is coming: only data blocks may be inline."""
    for path in (CA, "/id/org/CA-3", "/id/place/PE", "/sdg/16.6", "/id/project/", "/search?q=peru"):
        html = page(client, path)
        for attrs in re.findall(r"<script([^>]*)>", html):
            assert re.search(r'type="application/(ld\+)?json"', attrs) or "src=" in attrs, (path, attrs)
        assert not re.search(r"\son[a-z]+=", html), path


def test_sorted_and_paged_pages_have_their_own_etag(client):
    plain = client.get("/id/place/PE", headers=HTML)
    sorted_ = client.get("/id/place/PE?sort=budget&order=desc", headers=HTML)
    assert plain.headers["ETag"] != sorted_.headers["ETag"]
    again = client.get("/id/place/PE?sort=budget&order=desc",
                       headers={**HTML, "If-None-Match": sorted_.headers["ETag"]})
    assert again.status_code == 304
    other = client.get("/id/place/PE", headers={**HTML, "If-None-Match": sorted_.headers["ETag"]})
    assert other.status_code == 200


def test_overview_figures_as_json(client):
    countries = client.get("/stats/projects-per-country.json").get_json()["countries"]
    assert countries["604"]["label"] == "Peru" and countries["604"]["projects"] == 2  # M49 604, as world-atlas
    assert countries["604"]["href"] == "/id/place/PE"
    goals = {g["goal"]: g for g in client.get("/stats/sdg-goals.json").get_json()["goals"]}
    assert goals["16"]["projects"] >= 1 and goals["16"]["href"] == "/sdg/16"
    assert goals["16"]["budgets"]["USD"]


def test_project_page_carries_its_map_data(client):
    html = page(client, CA)
    data = json.loads(re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S).group(1))
    assert set(data["countries"]) == {"604"}
    assert '<script src="/static/leaflet/leaflet.js" defer></script>' in html


def test_vendored_map_and_chart_libraries_are_served_with_their_licences(client):
    from graph.web.vendor import PAGE_ASSETS

    for package, (files, licence) in PAGE_ASSETS.items():
        for name in files + (licence, "VERSION"):
            r = client.get(f"/static/{package}/{name.rsplit('/', 1)[-1]}")
            assert r.status_code == 200 and len(r.data) > 20, (package, name)
