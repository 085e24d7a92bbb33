"""Pages and assets: the query page uses the vendored YASGUI, the ontology docs, the live VoID fallback."""

from __future__ import annotations

import json
import re

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, VOID

from graph.web.vendor import FILES, STATIC, vendor_yasgui


def test_query_page_loads_yasgui_from_this_server_only(client):
    r = client.get("/sparql", headers={"Accept": "text/html"})
    sources = re.findall(rb'(?:src|href)="([^"#]+)"', r.data)
    assert b"/static/yasgui/yasgui.min.js" in sources and b"/static/yasgui/yasgui.min.css" in sources
    assert not [s for s in sources if s.startswith((b"http:", b"https:", b"//"))
                and not s.startswith(b"http://localhost/")]


def test_vendored_yasgui_is_served_with_its_licence(client):
    for name in FILES + ("LICENSE.txt",):
        r = client.get(f"/static/yasgui/{name}")
        assert r.status_code == 200 and len(r.data) > 100, name
    assert b"MIT" in client.get("/static/yasgui/LICENSE.txt").data


def test_query_page_presets_every_example_and_the_prefixes(client):
    from graph.namespaces import prefixes
    from graph.web.pages import example_queries

    html = client.get("/sparql", headers={"Accept": "text/html"}).data.decode()
    data = json.loads(re.search(r'<script id="example-data" type="application/json">(.*?)</script>',
                                html, re.S).group(1))
    assert [e["name"] for e in data] == [e["name"] for e in example_queries()] and len(data) >= 1
    assert all(e["title"] and e["description"] for e in data)
    shown = json.loads(re.search(r'<script id="prefix-data" type="application/json">(.*?)</script>',
                                 html, re.S).group(1))
    assert shown == prefixes()


def test_examples_open_on_the_question_and_answer_as_the_files_do(client):
    """The editor shows each example without its header comments and the PREFIX lines the endpoint
    presets; sent like that, it answers exactly as the whole file does."""
    from graph.web.pages import example_queries

    accept = {"Accept": "application/sparql-results+json"}
    for e in example_queries():
        body = e["body"]
        assert body.lstrip().upper().startswith(("SELECT", "CONSTRUCT", "ASK", "DESCRIBE", "PREFIX SH:")), e["name"]
        assert "# title:" not in body and not re.search(r"(?im)^PREFIX (dev|rdfs|skos|xsd|sdgo|prov):", body)
        whole = client.post("/sparql", data={"query": e["query"]}, headers=accept)
        short = client.post("/sparql", data={"query": body}, headers=accept)
        assert whole.status_code == short.status_code == 200, e["name"]
        assert short.json == whole.json, e["name"]


def test_editor_text_keeps_prefixes_the_endpoint_does_not_preset():
    from graph.web.pages import editor_text

    query = ("# title: T\n# description: D\nPREFIX dev: <https://w3id.org/devkg/def#>\n"
             "PREFIX rdfs: <http://example.org/not-rdfs#>\nPREFIX ex: <http://example.org/>\n\nSELECT * {}\n")
    assert editor_text(query, {"dev": "https://w3id.org/devkg/def#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}) \
        == "PREFIX rdfs: <http://example.org/not-rdfs#>\nPREFIX ex: <http://example.org/>\n\nSELECT * {}\n"


def test_country_codes_for_the_query_page_map(client):
    countries = client.get("/stats/countries.json").json["countries"]
    peru = next(c for c in countries if c["code"] == "PE")
    assert peru == {"iri": "https://w3id.org/devkg/id/place/PE", "code": "PE", "m49": "604", "label": "Peru"}
    assert len(countries) > 200 and all(c["m49"] for c in countries)


def test_vendor_copies_the_dist_files_and_writes_the_licence(tmp_path):
    package = tmp_path / "node_modules" / "@zazuko" / "yasgui"
    (package / "build").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": "@zazuko/yasgui", "version": "9.9.9", "license": "MIT"}))
    for name in FILES:
        (package / "build" / name).write_text(f"/* {name} */")
    written = vendor_yasgui(tmp_path / "node_modules", tmp_path / "out")
    assert {p.name for p in written} == set(FILES) | {"LICENSE.txt", "VERSION"}
    assert (tmp_path / "out" / "VERSION").read_text().strip() == "9.9.9"
    assert (STATIC / "VERSION").exists()  # the committed copy exists too


def test_ontology_docs_link_domains_ranges_and_super_properties(client):
    html = client.get("/def", headers={"Accept": "text/html"}).data.decode()
    section = html[html.index('<section id="fundedBy">'):]
    section = section[:section.index("</section>")]
    assert 'href="#participatingOrg"' in section  # super-property
    assert 'href="#Project"' in section and 'href="#Organisation"' in section  # domain and range


def test_void_is_generated_live_when_there_is_no_export(small_app):
    c = small_app.test_client()
    r = c.get("/.well-known/void")
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    g = Graph().parse(data=r.data, format="turtle")
    dataset = URIRef("https://w3id.org/devkg/id/dataset")
    assert (dataset, RDF.type, VOID.Dataset) in g
    assert int(g.value(dataset, VOID.triples)) == 13  # every triple of small.trig
    assert c.get("/.well-known/void", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


def test_home_page_links_everywhere_and_is_also_data(client):
    html = client.get("/", headers={"Accept": "text/html"}).data
    for link in (b'href="/sparql"', b'href="/def"', b'href="/dumps/"', b'href="/.well-known/void"'):
        assert link in html
    data = client.get("/", headers={"Accept": "application/json"}).json
    assert set(data["counts"]) == {"projects", "organisations", "triples", "graphs"} and data["counts"]["graphs"] > 3
