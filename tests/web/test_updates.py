"""SPARQL Update: refused unless the operator configured a bearer token; then it works with that token."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from conftest import small_settings

from server import create_app

TOKEN = "s3cret-token"
INSERT = ('INSERT DATA { GRAPH <urn:test> { <https://w3id.org/devkg/id/org/O> '
          '<http://www.w3.org/2000/01/rdf-schema#comment> "added" } }')
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
def test_update_without_the_right_token_is_401_with_a_bearer_challenge(writable, headers):
    r = writable.post("/sparql", data=INSERT, content_type="application/sparql-update", headers=headers)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
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


@pytest.mark.parametrize("body", ["CREATE GRAPH <urn:test:g> ; CREATE GRAPH <urn:test:g>",
                                  "DROP GRAPH <urn:test:absent>"])
def test_update_the_engine_cannot_apply_is_400_with_its_message(writable, body):
    r = writable.post("/sparql", data={"update": body}, headers=bearer())
    assert r.status_code == 400 and "urn:test:" in r.json["error"]["message"]


# The W3C protocol suite's update_dataset_* cases (sparql11/protocol manifest), on the suite's own IRIs.
K = "http://kasei.us/2009/09/sparql/data/"
OUT = "http://example.org/protocol-update-dataset-test/"
_SETUP = ("PREFIX dc: <http://purl.org/dc/terms/> PREFIX foaf: <http://xmlns.com/foaf/0.1/> CLEAR ALL ; "
          f"INSERT DATA {{ GRAPH <{K}data1.rdf> {{ <{K}data1.rdf> a foaf:Document }} "
          f"GRAPH <{K}data2.rdf> {{ <{K}data2.rdf> a foaf:Document }} "
          f"GRAPH <{K}data3.rdf> {{ <{K}data3.rdf> a foaf:Document }} }} ;\n")
_DEFAULT = (f"INSERT {{ GRAPH <{OUT}> {{ ?s a dc:BibliographicResource }} }} WHERE {{ ?s a foaf:Document }}")
_NAMED = (f"INSERT {{ GRAPH <{OUT}> {{ ?g a dc:BibliographicResource }} }} "
          f"WHERE {{ GRAPH ?g {{ ?g a foaf:Document }} }}")
_FULL = (f"INSERT {{ GRAPH <{OUT}> {{ ?s a dc:BibliographicResource . ?g a dc:BibliographicResource }} }} "
         f"WHERE {{ ?s a foaf:Document . OPTIONAL {{ GRAPH ?g {{ ?g a foaf:Document }} }} }}")


@pytest.mark.parametrize("name, using, named, update, expected", [
    ("update_dataset_default_graph", [K + "data1.rdf"], [], _DEFAULT, {K + "data1.rdf"}),
    ("update_dataset_default_graphs", [K + "data1.rdf", K + "data2.rdf"], [], _DEFAULT,
     {K + "data1.rdf", K + "data2.rdf"}),
    ("update_dataset_named_graphs", [], [K + "data1.rdf", K + "data2.rdf"], _NAMED, {K + "data1.rdf", K + "data2.rdf"}),
    ("update_dataset_full", [K + "data3.rdf"], [K + "data1.rdf", K + "data2.rdf"], _FULL,
     {K + "data1.rdf", K + "data2.rdf", K + "data3.rdf"}),
])
@pytest.mark.parametrize("how", ["form", "direct"])
def test_w3c_update_dataset(writable, name, using, named, update, expected, how):
    params = [("using-graph-uri", g) for g in using] + [("using-named-graph-uri", g) for g in named]
    if how == "form":
        r = writable.post("/sparql", data=urlencode([("update", _SETUP + update)] + params),
                          content_type="application/x-www-form-urlencoded", headers=bearer())
    else:
        r = writable.post("/sparql", query_string=params, data=_SETUP + update,
                          content_type="application/sparql-update", headers=bearer())
    assert r.status_code == 204, r.data
    rows = writable.get("/sparql", query_string={
        "query": f"SELECT ?s WHERE {{ GRAPH <{OUT}> {{ ?s a <http://purl.org/dc/terms/BibliographicResource> }} }}"})
    assert {b["s"]["value"] for b in rows.json["results"]["bindings"]} == expected


@pytest.mark.parametrize("update", [
    "WITH <urn:g> INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "INSERT { ?s ?p ?o } USING <urn:g> WHERE { ?s ?p ?o }",
    "DELETE WHERE { ?s ?p ?o }",
])
def test_using_graph_uri_with_its_own_dataset_clause_is_400(writable, update):
    r = writable.post("/sparql?using-graph-uri=urn:other", data=update, content_type="application/sparql-update",
                      headers=bearer())
    assert r.status_code == 400 and "using" in r.json["error"]["message"].lower()


def test_using_graph_uri_is_written_before_each_top_level_where_only():
    from graph.web.using import apply

    text = ('INSERT { ?s <urn:p> "WHERE {" } WHERE { { SELECT ?s WHERE { ?s ?p ?o } } } ;\n'
            "# WHERE\nDELETE { ?s <urn:where> ?o } WHERE { ?s <urn:where> ?o }")
    out = apply(text, ["urn:g"], [])
    assert out.count("USING <urn:g> WHERE") == 2 and '"WHERE {"' in out and "SELECT ?s WHERE" in out


def test_service_description_offers_update_only_with_a_token(writable, small_app):
    sd = "http://www.w3.org/ns/sparql-service-description#SPARQL11Update"
    assert sd.encode() in writable.get("/sparql", headers={"Accept": "application/n-triples"}).data
    assert sd.encode() not in small_app.test_client().get("/sparql", headers={"Accept": "application/n-triples"}).data
