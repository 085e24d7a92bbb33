"""Property-based tests of /sparql: random and mutated SPARQL through the SPARQL 1.1 Protocol.

The example queries of graph/queries/ are cut into tokens and mutated (tokens deleted,
duplicated, swapped or replaced, random unicode inserted), or replaced by random text,
deep nesting, huge literals and runaway cross products, then sent to the app on the seed
build by GET, POST form or POST `application/sparql-query` with random Accept, `format`
and dataset parameters. Whatever arrives, the answer is one of the statuses below
with a body in the negotiated format or a JSON/HTML error, never a 500 or a traceback,
and it comes within the query timeout (plus the time to start a fresh query process).

Statuses: 200; 400 bad query or parameters; 403 SERVICE/LOAD refused or update without
the token; 406 nothing acceptable; 413 body over DEVKG_MAX_BODY; 415 a body not in
UTF-8; 503 timeout, worker stopped (memory, nesting) or busy.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from fuzzlib import examples
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from graph.config import PROJECT_ROOT
from graph.web import negotiate
from server import create_app

TIMEOUT = 1.5  # DEVKG_QUERY_TIMEOUT of the app under test, seconds
MAX_BODY = 200_000
STATUSES = {200, 400, 403, 406, 413, 415, 503}
QUERIES = [q.read_text(encoding="utf-8") for q in sorted((PROJECT_ROOT / "graph" / "queries").glob("*.rq"))]
TOKEN = re.compile(r'\s+|<[^<>\s]*>|"(?:[^"\\]|\\.)*"|\?\w+|[\w:.-]+|.', re.S)
WORDS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "(", ")", ".", ";", ",", "*", "OPTIONAL",
         "UNION", "MINUS", "FILTER", "BIND", "AS", "VALUES", "GROUP BY", "ORDER BY", "DESC(", "LIMIT 0", "OFFSET 99",
         "HAVING", "COUNT(*)", "GROUP_CONCAT(", "SERVICE", "SERVICE SILENT <http://127.0.0.1:9/>", "LOAD",
         "INSERT DATA", "DELETE WHERE", "CLEAR ALL", "FROM <urn:x>", "FROM NAMED", "GRAPH ?g", "EXISTS", "NOT",
         "?s", "?p", "?o", "?x", "a", "dev:Project", "undeclared:x", "<>", "<urn:x>", "<http://exa mple/>",
         '"x"', '"x"@en', '"1"^^xsd:integer', '"x"^^<urn:t>', "1e999999", "-0", "9" * 40, "true", "[]", "()",
         "^", "|", "/", "+", "?", "!", "^^", "@", "#", "\\u0053ERVICE", "\\U0001F600", "'", '"""', "$x", "_:b",
         "BASE <urn:b/>", "PREFIX : <urn:p#>", "STRLEN(", "REGEX(?x, \"(a+)+$\")", "REPLACE(", "IRI(", "UUID()"]
ACCEPTS = [None, "*/*", "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values", "text/turtle", "application/n-triples", "application/ld+json",
           "application/rdf+xml", "text/n3", "application/n-quads", "application/trig", "text/html",
           "application/json;q=0", "image/png", "text/*;q=0.5, application/*;q=0", "*/*;q=0", ";;;,,q=x",
           "application/sparql-results+json;q=0, text/html;q=0, */*;q=0.1"]
FORMATS = ["json", "xml", "csv", "tsv", "ttl", "turtle", "nt", "jsonld", "rdf+xml", "n3", "trig", "html", "bogus", ""]
MEDIA = {f.media_type for f in negotiate.RESULTS + negotiate.GRAPHS} | {"text/html"}
RUNAWAY = ("SELECT ?a ?b WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z } ORDER BY ?x ?y ?z",
           "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z . ?d ?s ?w }",
           "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y FILTER(REGEX(STR(?x), STR(?y))) }")


@pytest.fixture(scope="module")
def fuzz_client(web_settings):
    return create_app(dataclasses.replace(web_settings, query_timeout=TIMEOUT, max_body=MAX_BODY)).test_client()


@st.composite
def mutated_query(draw):
    tokens = TOKEN.findall(draw(st.sampled_from(QUERIES)))
    for _ in range(draw(st.integers(1, 5))):
        i, j = draw(st.integers(0, len(tokens) - 1)), draw(st.integers(0, len(tokens) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "replace", "insert", "unicode"]))
        if op == "delete" and len(tokens) > 1:
            del tokens[i]
        elif op == "duplicate":
            tokens.insert(j, tokens[i])
        elif op == "swap":
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif op == "replace":
            tokens[i] = draw(st.sampled_from(WORDS))
        elif op == "insert":
            tokens.insert(i, f" {draw(st.sampled_from(WORDS))} ")
        else:
            tokens.insert(i, draw(st.text(min_size=1, max_size=12)))
    return "".join(tokens)


@st.composite
def nested(draw):
    n = draw(st.integers(10, 20_000))
    open_, close = draw(st.sampled_from([("{", "}"), ("(", ")"), ("{ OPTIONAL {", "}}"), ("[ <urn:p> ", "]"),
                                         ("{ SELECT * WHERE {", "}}"), ("{ { ?s ?p ?o } UNION ", "}")]))
    inner = "?s ?p ?o" if open_.startswith(("{", "[")) else "1"
    head = draw(st.sampled_from(["SELECT * WHERE ", "ASK ", "SELECT * WHERE { SERVICE <urn:x> ",
                                 "SELECT * WHERE { FILTER", "CONSTRUCT WHERE "]))
    tail = "}" if head.endswith(("SERVICE <urn:x> ", "FILTER")) else ""
    if head.endswith("FILTER"):
        open_, close, inner = "(", ")", "1"
    return head + open_ * n + inner + close * draw(st.sampled_from([n, n - 1, n + 1, 0])) + tail


@st.composite
def huge_literal(draw):
    size = draw(st.sampled_from([1_000, 50_000, 150_000, 300_000]))
    char = draw(st.sampled_from(["x", "é", "\U0001F600", "\\n", '\\"']))
    where = draw(st.sampled_from(['SELECT * WHERE {{ ?s ?p "{}" }}', 'ASK {{ FILTER(STRLEN("{}") > 0) }}',
                                  'SELECT (STRLEN("{}") AS ?n) {{}}', "SELECT * WHERE {{ ?s ?p <urn:{}> }}",
                                  'SELECT * WHERE {{ VALUES ?x {{ "{}" }} }}', "# {}\nASK {{}}"]))
    return where.format(char * (size // len(char)))


QUERY_TEXT = st.one_of(*[mutated_query()] * 6, st.text(max_size=200), nested(), huge_literal(),
                       st.sampled_from(RUNAWAY), st.sampled_from(QUERIES), st.sampled_from(QUERIES))
IRIS = st.sampled_from(["urn:x", "https://w3id.org/devkg/graph/reference/places", "not an iri", "",
                        "http://exa mple.org/", "<urn:x>", "\U0001F600"]) | st.text(max_size=10)


@st.composite
def requests(draw):
    query = draw(QUERY_TEXT)
    how = draw(st.sampled_from(["get"] * 4 + ["post-form"] * 2 + ["post-direct"] * 2
                               + ["post-direct-latin1", "post-update"]))  # the last two: 415 and 403 at once
    accept = draw(st.sampled_from(ACCEPTS) | st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=20))
    params = {}
    if draw(st.booleans()):
        params["format"] = draw(st.sampled_from(FORMATS))
    for name in ("default-graph-uri", "named-graph-uri"):
        if draw(st.integers(0, 5)) == 0:
            params[name] = draw(st.lists(IRIS, min_size=1, max_size=2))
    return query, how, accept, params


def send(client, query: str, how: str, accept: str | None, params: dict):
    headers = {"Accept": accept} if accept is not None else {}
    if how == "get":
        return client.get("/sparql", query_string={"query": query, **params}, headers=headers)
    if how == "post-form":
        return client.post("/sparql", data={"query": query, **params}, headers=headers)
    if how == "post-update":
        return client.post("/sparql", data={"update": query}, headers=headers)
    body = query.encode("utf-8", "surrogatepass") if how == "post-direct" else query.encode("latin-1", "replace")
    ctype = "application/sparql-query" + ("; charset=latin-1" if how.endswith("latin1") else "")
    return client.post("/sparql", data=body, query_string=params, content_type=ctype, headers=headers)


@settings(max_examples=examples(70), suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                             HealthCheck.too_slow, HealthCheck.data_too_large])
@given(request=requests())
@example(request=(RUNAWAY[0], "get", "application/sparql-results+json", {}))
@example(request=("SELECT * WHERE { SERVICE <urn:x> " + "{" * 5000 + "?s ?p ?o" + "}" * 5001, "get", None, {}))
@example(request=("SELECT * WHERE { ?s ?p ?o }", "get", None, {"default-graph-uri": ["not an iri"]}))
def test_any_query_gets_a_protocol_answer_never_a_500(fuzz_client, request):
    query, how, accept, params = request
    r = send(fuzz_client, query, how, accept, params)  # a runaway ends as a 503 `Query timeout`, never a hang
    event(f"status {r.status_code}")
    assert r.status_code in STATUSES, (r.status_code, r.data[:500])
    assert b"Traceback" not in r.data and b"site-packages" not in r.data
    if r.status_code == 200:
        assert r.mimetype in MEDIA, r.mimetype
    elif r.mimetype == "text/html":
        assert b"<html" in r.data[:200].lower() or b"<!doctype html" in r.data[:200].lower()
    else:
        assert r.is_json, (r.status_code, r.mimetype, r.data[:200])
        assert r.json["error"]["status"] == r.status_code and r.json["error"]["message"]
