"""Protocol edges real clients hit: format fallback, q=0, N3, HEAD, empty POST, CORS on errors, /def and /id/
caching and paths."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from test_sparql_protocol import CONSTRUCT, SELECT, send

from server import create_app

CA = "https://w3id.org/devkg/id/project/CA-3-A034224001"


@pytest.mark.parametrize("accept, media", [
    ("application/sparql-results+json;q=0, */*;q=0.5", "application/sparql-results+xml"),
    ("application/sparql-results+json;q=0, application/json;q=0.9, text/csv;q=0.5", "text/csv"),
    ("text/*", "text/csv"),
    ("application/json", "application/sparql-results+json"),
])
def test_accept_q_values_and_exclusions_are_honoured(client, accept, media):
    r = send(client, "get", SELECT, accept)
    assert r.status_code == 200 and r.mimetype == media


@pytest.mark.parametrize("fmt, accept, media", [
    ("xml", "application/rdf+xml", "application/rdf+xml"),  # what SPARQLWrapper sends for CONSTRUCT
    ("n3", None, "text/n3"),
    ("rdf+xml", "text/turtle", "text/turtle"),
    ("nonsense", "application/n-triples", "application/n-triples"),
])
def test_unknown_format_parameter_falls_back_to_accept(client, fmt, accept, media):
    r = send(client, "get", CONSTRUCT, accept, extra=f"&format={fmt}")
    assert r.status_code == 200 and r.mimetype == media


@pytest.mark.parametrize("how", ["get", "post-form", "post-direct"])
def test_construct_as_n3(client, how):
    r = send(client, how, CONSTRUCT, "text/n3")
    assert r.status_code == 200 and r.mimetype == "text/n3"
    assert len(Graph().parse(data=r.data, format="n3")) >= 2


def test_head_sparql_answers_like_get_without_a_body(client):
    get = client.get("/sparql", query_string={"query": "ASK {}"})
    head = client.head("/sparql", query_string={"query": "ASK {}"})
    assert head.status_code == 200 == get.status_code and head.mimetype == get.mimetype and head.data == b""
    assert client.head("/sparql").status_code == 200


@pytest.mark.parametrize("kwargs", [
    {"data": b"", "content_type": "application/sparql-query"},
    {"data": {"query": ""}},
    {"data": {}, "content_type": "application/x-www-form-urlencoded"},
])
def test_empty_post_is_400(client, kwargs):
    r = client.post("/sparql", **kwargs)
    assert r.status_code == 400 and r.is_json


def test_cors_headers_on_server_errors_too(tmp_path):
    from graph.config import Settings

    app = create_app(Settings.from_env({}, store=tmp_path / "missing" / "store", exports=tmp_path / "dumps",
                                       cors_origins=("*",)))
    r = app.test_client().get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://x.example"})
    assert r.status_code == 503 and r.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("accept", ["text/turtle", "text/html", "application/ld+json"])
def test_def_has_an_etag_and_answers_304(client, accept):
    r = client.get("/def", headers={"Accept": accept})
    assert r.status_code == 200 and r.headers.get("ETag")
    again = client.get("/def", headers={"Accept": accept, "If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_def_and_resources_negotiate_like_sparql(client):
    assert client.get("/def", headers={"Accept": "text/turtle;q=0, */*;q=0.1"}).mimetype != "text/turtle"
    assert client.get("/id/project/CA-3-A034224001", headers={"Accept": "text/html;q=0, */*"}).mimetype != "text/html"
    assert client.get("/def", headers={"Accept": "text/n3"}).mimetype == "text/n3"
    assert client.get("/nowhere", headers={"Accept": "text/html;q=0, */*"}).is_json


@pytest.mark.parametrize("path, status", [
    ("/id/x%20y", 404), ("/id/org/%ZZ", 400), ("/id/org/a%", 400), ("/id/org/%FF%FE", 400),
    ("/id/project/a%2Fb", 404), ("/id/place/P E", 404), ("/id/org/%3Cscript%3E", 404),
])
def test_odd_resource_paths_are_400_or_404_never_500(client, path, status):
    r = client.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == status, r.data


@pytest.mark.parametrize("identifier", ["XM-DAC-41114-PROJECT-00089/2", "GB-COH-123 456", "a%b", "ü:é#?x"])
def test_minted_iris_round_trip_through_id(small_app_with, identifier):
    """An identifier with a slash, space, percent or non-ASCII gets a page at exactly the link devkg writes."""
    from graph.mapping.iris import Iris

    iri = str(Iris().project(identifier))
    client = small_app_with(iri)
    path = iri[len("https://w3id.org/devkg"):]
    r = client.get(path, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200, (path, r.data)
    assert (URIRef(iri), None, None) in Graph().parse(data=r.data, format="nt")


@pytest.fixture(scope="module")
def small_app_with(tmp_path_factory):
    """A writable small app to which a test adds one resource by its IRI."""
    from conftest import small_settings

    app = create_app(small_settings(tmp_path_factory.mktemp("paths"), update_token="t"))
    client = app.test_client()

    def add(iri: str):
        r = client.post("/sparql", data=f'INSERT DATA {{ <{iri}> <http://www.w3.org/2000/01/rdf-schema#label> "x" }}',
                        content_type="application/sparql-update", headers={"Authorization": "Bearer t"})
        assert r.status_code == 204, r.data
        return client
    return add
