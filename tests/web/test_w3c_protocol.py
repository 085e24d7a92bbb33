"""The W3C SPARQL 1.1 Protocol test cases that apply to a read-only endpoint, one row each.

Names and requests follow the protocol test suite (sparql11 protocol manifest:
query_get, query_post_form, ..., bad_query_method, ...). The dataset is
tests/web/data/small.trig, which holds the suite's data1.rdf..data3.rdf graphs
under http://example.org/. Update cases are in test_updates.py.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest

D1, D2, D3 = (f"http://example.org/data{i}.rdf" for i in (1, 2, 3))
FORM = "application/x-www-form-urlencoded"
QTYPE = "application/sparql-query"


def qs(**params) -> str:
    return urlencode([(k.replace("_", "-"), v) for k, vs in params.items()
                      for v in (vs if isinstance(vs, list) else [vs])])


def ok_boolean(expected: bool):
    return lambda r: r.json["boolean"] is expected


# name, method, query string, content type, body, expected status, check
CASES = [
    ("query_get", "GET", qs(query="ASK {}"), None, None, 200, ok_boolean(True)),
    ("query_post_form", "POST", "", FORM, qs(query="ASK {}"), 200, ok_boolean(True)),
    ("query_post_direct", "POST", "", QTYPE, "ASK {}", 200, ok_boolean(True)),
    ("query_dataset_default_graph", "POST", qs(default_graph_uri=D1), QTYPE, f"ASK {{ <{D1}> ?p ?o }}", 200,
     ok_boolean(True)),
    ("query_dataset_default_graphs_get", "GET",
     qs(default_graph_uri=[D1, D2], query=f"ASK {{ <{D1}> ?p ?o . <{D2}> ?p2 ?o2 }}"), None, None, 200,
     ok_boolean(True)),
    ("query_dataset_default_graphs_post", "POST", qs(default_graph_uri=[D1, D2]), QTYPE,
     f"ASK {{ <{D1}> ?p ?o . <{D2}> ?p2 ?o2 }}", 200, ok_boolean(True)),
    ("query_dataset_named_graphs_post", "POST", qs(named_graph_uri=[D1, D2]), QTYPE,
     "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g", 200,
     lambda r: [b["g"]["value"] for b in r.json["results"]["bindings"]] == [D1, D2]),
    ("query_dataset_named_graphs_get", "GET",
     qs(named_graph_uri=[D1, D2], query="SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"), None, None,
     200, lambda r: [b["g"]["value"] for b in r.json["results"]["bindings"]] == [D1, D2]),
    ("query_dataset_full", "POST", qs(default_graph_uri=D3, named_graph_uri=[D1, D2]), QTYPE,
     "SELECT ?g ?x ?s { ?x ?y ?o2 GRAPH ?g { ?s ?p ?o } }", 200,
     lambda r: {(b["g"]["value"], b["x"]["value"]) for b in r.json["results"]["bindings"]} == {(D1, D3), (D2, D3)}),
    ("query_multiple_dataset", "POST", qs(default_graph_uri=D2), QTYPE,
     f"ASK FROM <{D1}> {{ <data1.rdf> ?p ?o }}", 200, ok_boolean(False)),  # the protocol's dataset wins
    ("query_content_type_select", "POST", "", QTYPE, "SELECT (1 AS ?value) {}", 200,
     lambda r: r.mimetype in ("application/sparql-results+json", "application/sparql-results+xml")
     and r.json["results"]["bindings"][0]["value"]["value"] == "1"),
    ("query_content_type_ask", "POST", "", QTYPE, "ASK {}", 200,
     lambda r: r.mimetype == "application/sparql-results+json"),
    ("query_content_type_describe", "POST", "", QTYPE, "DESCRIBE <http://example.org/>", 200,
     lambda r: r.mimetype == "text/turtle"),
    ("query_content_type_construct", "POST", "", QTYPE, "CONSTRUCT { <s> <p> 1 } WHERE {}", 200,
     lambda r: r.mimetype == "text/turtle" and b"<http://localhost/s>" in r.data),  # relative to the endpoint
    ("bad_query_method", "PUT", qs(query="ASK {}"), None, None, 405, None),
    ("bad_multiple_queries", "GET", qs(query=["ASK {}", "SELECT * {}"]), None, None, 400, None),
    ("bad_query_wrong_media_type", "POST", "", "text/plain", "ASK {}", 415, None),
    ("bad_query_missing_form_type", "POST", "", None, qs(query="ASK {}"), 415, None),
    ("bad_query_missing_direct_type", "POST", "", None, "ASK {}", 415, None),
    ("bad_query_non_utf8", "POST", "", QTYPE + "; charset=UTF-16", "ASK {}".encode("utf-16"), 415, None),
    ("bad_query_syntax", "GET", "query=" + quote("ASK {"), None, None, 400, None),
    ("bad_update_get", "GET", qs(update="CLEAR ALL"), None, None, 400, None),
    ("bad_multiple_updates", "POST", "", FORM, qs(update=["CLEAR NAMED", "CLEAR DEFAULT"]), 400, None),
    ("bad_update_wrong_media_type", "POST", "", "text/plain", "CLEAR NAMED", 415, None),
    ("bad_update_missing_form_type", "POST", "", None, qs(update="CLEAR NAMED"), 415, None),
    ("bad_update_non_utf8", "POST", "", "application/sparql-update; charset=UTF-16",
     "CLEAR NAMED".encode("utf-16"), 415, None),
]


@pytest.mark.parametrize("name, method, query, ctype, body, status, check", CASES, ids=[c[0] for c in CASES])
def test_w3c_protocol_case(small_app, name, method, query, ctype, body, status, check):
    client = small_app.test_client()
    headers = {"Content-Type": ctype} if ctype else {}
    r = client.open(f"/sparql?{query}" if query else "/sparql", method=method, data=body, headers=headers)
    assert r.status_code == status, r.data[:300]
    if status >= 400:
        assert r.is_json and r.json["error"]["status"] == status and r.json["error"]["message"]
    if check is not None:
        assert check(r), r.data[:500]
