"""The SPARQL 1.1 Protocol, every variant against the same queries (a parametrized table)."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

import pytest
from rdflib import Graph

SELECT = "SELECT ?p WHERE { ?p dev:recipientCountry <https://w3id.org/devkg/id/place/PE> } ORDER BY ?p"
ASK = "ASK { ?p dev:recipientCountry <https://w3id.org/devkg/id/place/PE> }"
CONSTRUCT = "CONSTRUCT { ?p a dev:Project } WHERE { ?p dev:recipientCountry <https://w3id.org/devkg/id/place/PE> }"
PERU = {"https://w3id.org/devkg/id/project/CA-3-A034224001",
        "https://w3id.org/devkg/id/project/devkg-usaid-peru-governance-in-action"}


def send(client, how: str, query: str, accept: str | None = None, extra: str = ""):
    headers = {"Accept": accept} if accept else {}
    if how == "get":
        return client.get(f"/sparql?{urlencode({'query': query})}{extra}", headers=headers)
    if how == "post-form":
        return client.post(f"/sparql?{extra.lstrip('&')}", data={"query": query}, headers=headers)
    return client.post(f"/sparql?{extra.lstrip('&')}", data=query, content_type="application/sparql-query",
                       headers=headers)


def projects_in(body: bytes, media: str) -> set[str]:
    text = body.decode("utf-8")
    if "json" in media:
        return {b["p"]["value"] for b in json.loads(text)["results"]["bindings"]}
    if "xml" in media:
        return {line.split("<uri>")[1].split("</uri>")[0] for line in text.replace("><", ">\n<").splitlines()
                if "<uri>" in line}
    if media.startswith("text/csv"):
        return {row["p"] for row in csv.DictReader(io.StringIO(text))}
    return {line.strip("<>") for line in text.splitlines()[1:] if line}


METHODS = ["get", "post-form", "post-direct"]
RESULT_FORMATS = [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/html;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
]


@pytest.mark.parametrize("how", METHODS)
@pytest.mark.parametrize("accept, expected", RESULT_FORMATS)
def test_select_in_every_method_and_format(client, how, accept, expected):
    r = send(client, how, SELECT, accept)
    assert r.status_code == 200, r.data
    assert r.mimetype == expected
    assert r.headers["Vary"] == "Accept"
    assert projects_in(r.data, r.mimetype) == PERU


@pytest.mark.parametrize("how", METHODS)
@pytest.mark.parametrize("accept, check", [
    ("application/sparql-results+json", lambda b: json.loads(b)["boolean"] is True),
    ("application/sparql-results+xml", lambda b: b"<boolean>true</boolean>" in b),
    ("text/csv", lambda b: b.strip() == b"true"),
])
def test_ask_in_every_method_and_format(client, how, accept, check):
    r = send(client, how, ASK, accept)
    assert r.status_code == 200 and check(r.data)


@pytest.mark.parametrize("how", METHODS)
@pytest.mark.parametrize("accept, rdflib_format", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/n-quads", "nquads"),
    ("application/trig", "trig"), ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld"),
])
def test_construct_in_every_method_and_format(client, how, accept, rdflib_format):
    r = send(client, how, CONSTRUCT, accept)
    assert r.status_code == 200 and r.mimetype == accept
    g = Graph()
    g.parse(data=r.data, format=rdflib_format)
    assert {str(s) for s in g.subjects()} == PERU


@pytest.mark.parametrize("fmt, media", [("csv", "text/csv"), ("json", "application/sparql-results+json"),
                                        ("xml", "application/sparql-results+xml"),
                                        ("tsv", "text/tab-separated-values")])
def test_format_parameter_overrides_accept(client, fmt, media):
    r = send(client, "get", SELECT, "application/sparql-results+json", extra=f"&format={fmt}")
    assert r.mimetype == media


def test_nothing_acceptable_is_406(client):
    r = send(client, "get", SELECT, "image/png")
    assert r.status_code == 406 and r.is_json and "image/png" in r.json["error"]["message"]


def test_bad_query_is_400_with_the_parsers_message(client):
    r = send(client, "get", "SELECT ?x WHERE { ?x ?y }")
    assert r.status_code == 400
    assert "error at" in r.json["error"]["message"]


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_405(client, method):
    r = getattr(client, method)("/sparql")
    assert r.status_code == 405 and "GET" in r.headers["Allow"]


def test_post_with_an_unknown_content_type_is_415(client):
    r = client.post("/sparql", data="x", content_type="text/plain")
    assert r.status_code == 415


def test_default_graph_uri_restricts_the_dataset(client):
    """Leaving out graph/inferred: no location was asserted for Peru projects at country level by region."""
    q = ("ASK { <https://w3id.org/devkg/id/project/devkg-usaid-peru-governance-in-action> "
         "dev:location <https://w3id.org/devkg/id/place/PE> }")
    src = "https://w3id.org/devkg/graph/source/curated/usaid-peru-governance-in-action"
    with_inference = send(client, "get", q, extra="&" + urlencode(
        {"default-graph-uri": [src, "https://w3id.org/devkg/graph/inferred"]}, doseq=True))
    without = send(client, "get", q, extra="&" + urlencode({"default-graph-uri": src}))
    assert with_inference.json["boolean"] is True and without.json["boolean"] is False


def test_named_graph_uri_limits_graph_patterns(client):
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    g = "https://w3id.org/devkg/graph/ontology"
    r = send(client, "get", q, extra="&" + urlencode({"named-graph-uri": g}))
    assert [b["g"]["value"] for b in r.json["results"]["bindings"]] == [g]


def test_update_is_403_without_a_token(client):
    r = client.post("/sparql", data="INSERT DATA { <http://a> <http://b> <http://c> }",
                    content_type="application/sparql-update")
    assert r.status_code == 403
    r = client.post("/sparql", data={"update": "CLEAR ALL"})
    assert r.status_code == 403


def test_service_description_for_programs_without_a_query(client, web_settings):
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    g = Graph().parse(data=r.data, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    names = {str(o) for o in g.objects(None, __import__("rdflib").URIRef(sd + "name"))}
    assert "https://w3id.org/devkg/graph/inferred" in names
    features = {str(o) for o in g.objects(None, __import__("rdflib").URIRef(sd + "feature"))}
    assert sd + "UnionDefaultGraph" in features
    assert sd + "BasicFederatedQuery" not in features  # SERVICE is off by default
    # the build's counts: the default graph (the union) and each named graph, as in the store
    from rdflib import URIRef

    from graph.store import open_live

    store, triples = open_live(web_settings.store), URIRef("http://rdfs.org/ns/void#triples")
    graph_of = {str(g.value(ng, URIRef(sd + "name"))): g.value(ng, URIRef(sd + "graph"))
                for ng in g.subjects(URIRef(sd + "name"), None)}
    assert {name: int(g.value(node, triples)) for name, node in graph_of.items()} == {
        name: store.count(name) for name in store.named_graphs()}
    (default_graph,) = g.objects(None, URIRef(sd + "defaultGraph"))
    default = g.value(default_graph, triples)
    assert int(default) == store.count() == sum(store.count(name) for name in store.named_graphs())


def test_query_page_for_browsers_lists_every_example(client):
    from graph.web.pages import example_queries

    r = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and r.mimetype == "text/html"
    for q in example_queries():
        assert q["name"].encode() in r.data
