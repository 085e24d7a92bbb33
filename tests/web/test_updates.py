"""SPARQL Update: refused unless the operator configured a bearer token; then it works with that token."""

from __future__ import annotations

import pytest
from conftest import small_settings

from server import create_app

TOKEN = "s3cret-token"
INSERT = 'INSERT DATA { GRAPH <urn:test> { <https://w3id.org/devkg/id/org/O> <http://www.w3.org/2000/01/rdf-schema#comment> "added" } }'
ADDED = 'ASK { <https://w3id.org/devkg/id/org/O> <http://www.w3.org/2000/01/rdf-schema#comment> "added" }'


@pytest.fixture
def writable(tmp_path):
    return create_app(small_settings(tmp_path, update_token=TOKEN)).test_client()


def bearer(token: str = TOKEN) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("how", ["direct", "form"])
def test_update_with_the_token_changes_the_data(writable, how):
    if how == "direct":
        r = writable.post("/sparql", data=INSERT, content_type="application/sparql-update", headers=bearer())
    else:
        r = writable.post("/sparql", data={"update": INSERT}, headers=bearer())
    assert r.status_code == 204, r.data
    assert writable.get("/sparql", query_string={"query": ADDED}).json["boolean"] is True


@pytest.mark.parametrize("headers", [{}, bearer("wrong"), {"Authorization": f"Basic {TOKEN}"}])
def test_update_without_the_right_token_is_403(writable, headers):
    r = writable.post("/sparql", data=INSERT, content_type="application/sparql-update", headers=headers)
    assert r.status_code == 403 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert writable.get("/sparql", query_string={"query": ADDED}).json["boolean"] is False


def test_update_changes_resource_etags(writable):
    before = writable.get("/id/org/O", headers={"Accept": "text/turtle"})
    writable.post("/sparql", data=INSERT, content_type="application/sparql-update", headers=bearer())
    after = writable.get("/id/org/O", headers={"Accept": "text/turtle", "If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and b"added" in after.data


@pytest.mark.parametrize("body, status, words", [
    ("CLEAR XYZ", 400, "error"),  # W3C bad_update_syntax
    ("LOAD <http://127.0.0.1:8/data.ttl>", 403, "not allowed"),
])
def test_bad_or_outbound_updates_are_refused(writable, body, status, words):
    r = writable.post("/sparql", data={"update": body}, headers=bearer())
    assert r.status_code == status and words in r.json["error"]["message"]


def test_using_graph_uri_is_refused_with_a_clear_message(writable):
    r = writable.post("/sparql?using-named-graph-uri=http://example/people", data={"update": INSERT}, headers=bearer())
    assert r.status_code == 400 and "using-named-graph-uri" in r.json["error"]["message"]


def test_service_description_offers_update_only_with_a_token(writable, small_app):
    sd = "http://www.w3.org/ns/sparql-service-description#SPARQL11Update"
    assert sd.encode() in writable.get("/sparql", headers={"Accept": "application/n-triples"}).data
    assert sd.encode() not in small_app.test_client().get("/sparql", headers={"Accept": "application/n-triples"}).data
