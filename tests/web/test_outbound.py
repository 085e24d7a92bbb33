"""SSRF: a corpus of obfuscated SERVICE/LOAD requests against a real listener on loopback that must see nothing.

Each attack is first run straight on pyoxigraph (no devkg in between) to show
that it really reaches the listener: the corpus tests the guard, not typos.
"""

from __future__ import annotations

import http.server
import threading

import pyoxigraph as ox
import pytest
from conftest import small_settings

from graph.web import outbound
from server import create_app

TOKEN = "outbound-token"


class Listener:
    """An HTTP server on 127.0.0.1 that records every request line it receives."""

    def __init__(self):
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _record(self):
                seen.append(f"{self.command} {self.path}")
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_HEAD = _record

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _fresh(listener):
    listener.seen.clear()


# Each entry: (name, text with {U} for the listener's base URL and {H} for its host:port, engine runs it?)
# `engine runs it` False marks forms pyoxigraph itself rejects today (it applies \u escapes only inside IRIs
# and strings, and evaluates SERVICE ?var before the variable is bound, except under LATERAL): they must
# still be refused, so that a future engine release cannot turn them into calls.
QUERIES = [
    ("plain", "SELECT * WHERE {{ SERVICE <{U}plain> {{ ?s ?p ?o }} }}", True),
    ("lowercase silent", "select * where {{ service silent <{U}silent> {{ ?s ?p ?o }} }}", True),
    ("escaped hash hides the rest of the line", "PREFIX ex: <http://example.org/> SELECT * WHERE {{ "
     "OPTIONAL {{ ex:a\\#b ?p ?o }} SERVICE <{U}hash> {{ ?s ?p ?o }} }}", True),
    ("escaped hash, unescaped through \\u", "PREFIX ex: <http://example.org/> SELECT * WHERE {{ "
     "OPTIONAL {{ ex:a\\u005c#b ?p ?o }} SERVICE <{U}uhash> {{ ?s ?p ?o }} }}", False),
    ("comment before", "SELECT * WHERE {{ # SERVICE <http://allowed.example/>\n SERVICE <{U}comment> {{ ?s ?p ?o }} }}",
     True),
    ("keyword split by a comment line", "SELECT * WHERE {{ SERVICE#x\n<{U}split> {{ ?s ?p ?o }} }}", True),
    ("string with an escaped quote", 'SELECT * WHERE {{ BIND("a\\" #" AS ?x) SERVICE <{U}str> {{ ?s ?p ?o }} }}', True),
    ("long string with a hash", "SELECT * WHERE {{ BIND('''#\n''' AS ?x) SERVICE <{U}long> {{ ?s ?p ?o }} }}", True),
    ("IRI with a hash", "SELECT * WHERE {{ OPTIONAL {{ ?s <http://x/#> ?o }} SERVICE <{U}irihash> {{ ?s ?p ?o }} }}",
     True),
    ("\\u in the IRI path", "SELECT * WHERE {{ SERVICE <{U}\\u0071> {{ ?s ?p ?o }} }}", True),
    ("\\u in the IRI host", "SELECT * WHERE {{ SERVICE <http://\\u0031\\u0032\\u0037.0.0.1:{P}/h> {{ ?s ?p ?o }} }}",
     True),
    ("\\u in the keyword", "SELECT * WHERE {{ \\u0053ERVICE <{U}ukw> {{ ?s ?p ?o }} }}", False),
    ("nested groups", "SELECT * WHERE {{ {{ {{ OPTIONAL {{ {{ SERVICE <{U}nested> {{ ?s ?p ?o }} }} }} }} }} }}", True),
    ("union", "SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{U}union> {{ ?s ?p ?o }} }} }}", True),
    ("inside GRAPH", "SELECT * WHERE {{ GRAPH <http://example.org/g> {{ SERVICE <{U}graph> {{ ?s ?p ?o }} }} }}", True),
    ("subquery", "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{U}sub> {{ ?s ?p ?o }} }} LIMIT 1 }} }}", True),
    ("filter exists", "SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ SERVICE <{U}exists> {{ ?s ?p ?o }} }} }} LIMIT 1",
     True),
    ("prefixed name", "PREFIX ex: <{U}> SELECT * WHERE {{ SERVICE ex:pname {{ ?s ?p ?o }} }}", True),
    ("prefixed name with escapes", "PREFIX ex: <{U}> SELECT * WHERE {{ SERVICE ex:a\\#b {{ ?s ?p ?o }} }}", True),
    ("relative IRI under BASE", "BASE <{U}> SELECT * WHERE {{ SERVICE <rel> {{ ?s ?p ?o }} }}", True),
    ("variable bound by VALUES", "SELECT * WHERE {{ VALUES ?x {{ <{U}var> }} SERVICE ?x {{ ?s ?p ?o }} }}", False),
    ("variable bound by BIND",
     "SELECT * WHERE {{ BIND(IRI(CONCAT(\"{U}\", \"bind\")) AS ?x) SERVICE ?x {{ ?s ?p ?o }} }}", False),
    ("variable bound through LATERAL (SPARQL 1.2 draft; rdflib cannot parse it)",
     "SELECT * WHERE {{ {{ VALUES ?x {{ <{U}lateral> }} }} LATERAL {{ SERVICE ?x {{ ?s ?p ?o }} }} }}", True),
    ("tabs and newlines", "SELECT * WHERE {{\n\tSERVICE\n\t<{U}ws>\n\t{{ ?s ?p ?o }} }}", True),
    ("deeply nested", "SELECT * WHERE {{ " + "{{ " * 400 + "SERVICE <{U}deep> {{ ?s ?p ?o }} " + "}} " * 400 + "}}",
     True),
]
UPDATES = [
    ("load", "LOAD <{U}load>", True),
    ("load silent into graph", "load silent <{U}silent> INTO GRAPH <http://example.org/g>", True),
    ("comment then load", "# LOAD <http://allowed.example/>\nLOAD <{U}comment>", True),
    ("after an escaped hash", "PREFIX ex: <http://example.org/> INSERT DATA {{ ex:a\\#b ex:p ex:o }} ; "
     "LOAD <{U}hash>", True),
    ("relative IRI under BASE", "BASE <{U}> LOAD <rel>", True),
    ("\\u in the IRI", "LOAD <{U}\\u0078>", True),
    ("\\u in the keyword", "\\u004cOAD <{U}ukw>", False),
    ("service in an update's WHERE", "INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{U}where> {{ ?s ?p ?o }} }}", True),
]


def _text(template: str, listener: Listener) -> str:
    return template.format(U=f"http://127.0.0.1:{listener.port}/", P=listener.port)


def _engine() -> ox.Store:
    store = ox.Store()
    s, p, o = (ox.NamedNode(f"http://example.org/{n}") for n in "spo")
    store.add(ox.Quad(s, p, o))
    store.add(ox.Quad(s, p, o, ox.NamedNode("http://example.org/g")))
    return store


@pytest.mark.parametrize("name, template, runs", QUERIES + UPDATES, ids=[c[0] for c in QUERIES + UPDATES])
def test_the_attack_reaches_the_listener_without_the_guard(listener, name, template, runs):
    """Control: pyoxigraph alone really makes the request (or rejects the text outright)."""
    text, store = _text(template, listener), _engine()
    is_update = (name, template, runs) in UPDATES
    try:
        if is_update:
            store.update(text)
        else:
            list(store.query(text))
    except (SyntaxError, RuntimeError):
        assert not runs, f"pyoxigraph rejects {name!r}: the corpus entry is not an attack"
        return
    except OSError:
        pass  # the listener answered 500
    assert listener.seen if runs else True


@pytest.mark.parametrize("name, template, runs", QUERIES, ids=[c[0] for c in QUERIES])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_endpoint_makes_no_request_for_obfuscated_service(client, listener, name, template, runs, method):
    text = _text(template, listener)
    if method == "GET":
        r = client.get("/sparql", query_string={"query": text})
    else:
        r = client.post("/sparql", data=text.encode(), content_type="application/sparql-query")
    assert r.status_code in (400, 403), r.get_data(as_text=True)[:300]
    assert listener.seen == []


@pytest.fixture(scope="module")
def writable(tmp_path_factory):
    return create_app(small_settings(tmp_path_factory.mktemp("outbound"), update_token=TOKEN)).test_client()


@pytest.mark.parametrize("name, template, runs", UPDATES, ids=[c[0] for c in UPDATES])
def test_update_makes_no_request_for_obfuscated_load(writable, listener, name, template, runs):
    r = writable.post("/sparql", data=_text(template, listener).encode(), content_type="application/sparql-update",
                      headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code in (400, 403), r.get_data(as_text=True)[:300]
    assert listener.seen == []


@pytest.mark.parametrize("template", ["SELECT * FROM <{U}from> WHERE {{ ?s ?p ?o }} LIMIT 1",
                                      "SELECT * FROM NAMED <{U}named> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT 1"])
def test_from_names_a_local_graph_and_fetches_nothing(client, listener, template):
    r = client.get("/sparql", query_string={"query": _text(template, listener)})
    assert r.status_code == 200
    assert listener.seen == []


def test_an_allowed_host_is_really_called(web_settings, listener):
    """The positive control through devkg: with the listener's host allowed, SERVICE reaches it."""
    import dataclasses

    app = create_app(dataclasses.replace(web_settings, service_allow=("127.0.0.1",)))
    r = app.test_client().get("/sparql", query_string={
        "query": _text("SELECT * WHERE {{ SERVICE <{U}allowed> {{ ?s ?p ?o }} }}", listener)})
    assert r.status_code != 403
    assert listener.seen and listener.seen[0].endswith("/allowed") or "/allowed?" in listener.seen[0]


@pytest.mark.parametrize("text", [
    'SELECT * WHERE { BIND("SERVICE <http://x/>" AS ?x) }',
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/>",
    "SELECT * WHERE { ?s <http://x/SERVICE> ?o . ?s dev:LOAD ?x . ?SERVICE ?p ?o }",
    "SELECT ?load WHERE { ?load a dev:Project }",
])
def test_words_that_are_not_calls_pass(text):
    from graph.namespaces import prefixes

    outbound.check(text, (), prefixes=prefixes("https://w3id.org/devkg/"))


def test_unparsable_text_that_mentions_service_is_refused():
    with pytest.raises(outbound.Refused):
        outbound.check("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o }", ())
