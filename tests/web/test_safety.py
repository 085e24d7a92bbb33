"""Limits and hostile requests: truncation is signalled, no outbound requests, bodies capped, values escaped."""

from __future__ import annotations

import dataclasses

import pytest

from server import create_app


@pytest.fixture
def small_app(web_settings):
    return create_app(dataclasses.replace(web_settings, max_rows=3, max_body=2000, update_token="s3cret"))


def test_row_limit_is_signalled_in_header_and_body(small_app):
    r = small_app.test_client().get("/sparql?query=SELECT * WHERE { ?s ?p ?o }")
    assert r.status_code == 200
    assert r.headers["X-Devkg-Truncated"] == "max-rows; rows=3"
    assert len(r.json["results"]["bindings"]) == 3
    assert r.json["devkg"]["truncated"] is True


def test_truncated_construct_says_so_in_the_body(small_app):
    r = small_app.test_client().get("/sparql?query=CONSTRUCT WHERE { ?s ?p ?o }", headers={"Accept": "text/turtle"})
    assert r.headers["X-Devkg-Truncated"].startswith("max-rows")
    assert r.data.startswith(b"# devkg: result truncated")


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9999/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://169.254.169.254/latest> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } VALUES ?endpoint { <http://example.org/> } }",
])
def test_service_is_refused_unless_allowed(client, query):
    r = client.get("/sparql", query_string={"query": query})
    assert r.status_code == 403 and "not allowed" in r.json["error"]["message"]


def test_service_inside_a_string_is_not_a_service_call(client):
    r = client.get("/sparql", query_string={"query": 'SELECT * WHERE { BIND("SERVICE <http://x/>" AS ?x) }'})
    assert r.status_code == 200


def test_bodies_above_the_limit_get_413(small_app):
    r = small_app.test_client().post("/sparql", data="SELECT * WHERE { ?s ?p ?o } #" + "x" * 5000,
                                     content_type="application/sparql-query")
    assert r.status_code == 413 and r.is_json


def test_update_needs_the_right_token_and_load_is_refused(small_app):
    c = small_app.test_client()
    body = "INSERT DATA { GRAPH <urn:test> { <urn:a> <urn:b> <urn:c> } }"
    assert c.post("/sparql", data=body, content_type="application/sparql-update",
                  headers={"Authorization": "Bearer wrong"}).status_code == 403
    r = c.post("/sparql", data="LOAD <http://127.0.0.1:9/x>", content_type="application/sparql-update",
               headers={"Authorization": "Bearer s3cret"})
    assert r.status_code == 403 and "LOAD" in r.json["error"]["message"]


def test_errors_are_html_for_browsers_and_never_tracebacks(client):
    r = client.get("/sparql?query=SELEKT", headers={"Accept": "text/html"})
    assert r.status_code == 400 and r.mimetype == "text/html"
    assert b"Traceback" not in r.data and b"/work/" not in r.data


def test_cors_is_on_for_get_by_default(client):
    r = client.get("/sparql?query=ASK{}", headers={"Origin": "https://example.org"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_markup_in_data_is_escaped_in_html(web_settings, tmp_path):
    import pyoxigraph as ox

    from graph.store import EmbeddedStore

    store = EmbeddedStore(None)
    s = ox.NamedNode(f"{web_settings.base}id/project/X")
    store.raw.add(ox.Quad(s, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                          ox.Literal("<script>alert(1)</script>"), ox.NamedNode("urn:g")))
    c = create_app(web_settings, store=store).test_client()
    r = c.get("/id/project/X", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert b"<script>alert(1)</script>" not in r.data and b"&lt;script&gt;" in r.data
