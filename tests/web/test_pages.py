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
