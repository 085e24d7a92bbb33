"""The query path: one safe path whatever the settings, bounded bytes and memory, FROM honoured,
flat lookups answered in the server process with the same answers, repeated answers cached."""

from __future__ import annotations

import threading

import pytest
from conftest import small_settings

from graph.web.fastpath import is_flat
from server import create_app

TOKEN = "s3cret-token"
# 12 quads in small.trig: 12^8 rows to count, far beyond any timeout here
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { " + " . ".join(f"?s{i} ?p{i} ?o{i}" for i in range(8)) + " }"
NESTED = "SELECT * WHERE { FILTER(" + "(" * 10_000 + "1" + ")" * 10_000 + ") }"
ONTO = "https://w3id.org/devkg/graph/source/curated/x"
JSON = {"Accept": "application/sparql-results+json"}


def ask(client, query: str, **params) -> bool:
    r = client.get("/sparql", query_string={"query": query, **params}, headers=JSON)
    assert r.status_code == 200, r.data
    return r.json["boolean"]


def count(client, query: str, **params) -> int:
    r = client.get("/sparql", query_string={"query": query, **params}, headers=JSON)
    assert r.status_code == 200, r.data
    return int(r.json["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def writable_app(tmp_path_factory):
    return create_app(small_settings(tmp_path_factory.mktemp("writable"), update_token=TOKEN, query_timeout=2.0))


def test_with_an_update_token_a_runaway_query_is_still_stopped_at_the_timeout(writable_app):
    r = writable_app.test_client().get("/sparql", query_string={"query": RUNAWAY}, headers=JSON)
    assert r.status_code == 503 and r.json["error"]["title"] == "Query timeout"
    assert ask(writable_app.test_client(), "ASK { ?s ?p ?o FILTER(true) }") is True  # a fresh worker answers


def test_with_an_update_token_deep_nesting_stops_a_worker_not_the_server(writable_app):
    client = writable_app.test_client()
    r = client.get("/sparql", query_string={"query": NESTED}, headers=JSON)
    assert r.status_code in (400, 503), r.data
    assert r.is_json and "error" in r.json
    assert ask(client, "ASK { ?s ?p ?o }") is True


def test_queries_see_updates_at_once_through_the_worker_snapshot(writable_app):
    client = writable_app.test_client()
    query = 'ASK { ?s <http://www.w3.org/2000/01/rdf-schema#comment> "snap" FILTER(isIRI(?s)) }'
    assert not is_flat(query)
    assert ask(client, query) is False
    r = client.post("/sparql", data={"update": 'INSERT DATA { GRAPH <urn:t> { <urn:s> '
                                               '<http://www.w3.org/2000/01/rdf-schema#comment> "snap" } }'},
                    headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 204, r.data
    assert ask(client, query) is True  # not the cached False: the update changed the build id


@pytest.fixture(scope="module")
def tight_app(tmp_path_factory):
    return create_app(small_settings(tmp_path_factory.mktemp("tight"), max_bytes=400, worker_memory=1000,
                                     query_timeout=20.0))


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_the_byte_limit_cuts_results_and_says_so(tight_app, fmt):
    r = tight_app.test_client().get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s",
                                                             "format": fmt})
    assert r.status_code == 200
    assert r.headers["X-Devkg-Truncated"].startswith("max-bytes; rows=")
    assert len(r.data) < 1200


def test_one_huge_row_is_cut_before_it_is_written(tight_app):
    r = tight_app.test_client().get("/sparql", query_string={
        "query": "SELECT (GROUP_CONCAT(STR(?o); separator=' ') AS ?all) WHERE { ?s ?p ?o . ?a ?b ?c }"},
        headers=JSON)
    assert r.headers["X-Devkg-Truncated"] == "max-bytes; rows=0"
    assert r.json["results"]["bindings"] == [] and r.json["devkg"]["reason"] == "max-bytes"


def test_a_query_that_outgrows_the_worker_memory_gets_a_clear_error_and_the_server_lives(tight_app):
    doubling = " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(32))
    query = f'SELECT (STRLEN(?x32) AS ?n) WHERE {{ BIND("0123456789abcdef" AS ?x0) {doubling} }}'
    client = tight_app.test_client()
    r = client.get("/sparql", query_string={"query": query}, headers=JSON)
    assert r.status_code == 503 and r.json["error"]["title"] == "Query stopped", r.data
    assert "memory" in r.json["error"]["message"]
    assert ask(client, "ASK { ?s ?p ?o FILTER(true) }") is True


def test_from_names_the_default_graph(small_app):
    client = small_app.test_client()
    union = count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    one = count(client, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ONTO}> {{ ?s ?p ?o }} }}")
    assert count(client, f"SELECT (COUNT(*) AS ?n) FROM <{ONTO}> WHERE {{ ?s ?p ?o }}") == one < union
    assert ask(client, "ASK FROM <http://example.org/data1.rdf> { ?s ?p \"data2\" }") is False
    assert count(client, f"select (count(*) as ?n) from <{ONTO}> where {{ ?s ?p ?o }}") == one


def test_from_named_alone_leaves_an_empty_default_graph(small_app):
    client = small_app.test_client()
    assert ask(client, f"ASK FROM NAMED <{ONTO}> {{ ?s ?p ?o }}") is False
    assert ask(client, f"ASK FROM NAMED <{ONTO}> {{ GRAPH <{ONTO}> {{ ?s ?p ?o }} }}") is True


def test_the_protocol_dataset_overrides_from(small_app):
    client = small_app.test_client()
    assert ask(client, 'ASK FROM <http://example.org/data1.rdf> { ?s ?p "data2" }',
               **{"default-graph-uri": "http://example.org/data2.rdf"}) is True


@pytest.mark.parametrize("query", [
    "ASK {}",
    "SELECT ?p ?o WHERE { <https://w3id.org/devkg/id/project/X> ?p ?o }",
    "PREFIX dev: <https://w3id.org/devkg/def#> SELECT * { ?s a dev:Project } LIMIT 5",
    'SELECT ?s WHERE { ?s rdfs:label "Peru" . }',
])
def test_flat_lookups_answer_in_process_exactly_as_a_worker_would(small_app, query):
    """The same query with a no-op FILTER takes the worker path; both answers must agree."""
    assert is_flat(query)
    worker_query = query.replace("}", "FILTER(true) }", 1) if "{}" not in query else "ASK { FILTER(true) }"
    assert not is_flat(worker_query)
    client = small_app.test_client()
    a = client.get("/sparql", query_string={"query": query}, headers=JSON)
    b = client.get("/sparql", query_string={"query": worker_query}, headers=JSON)
    assert a.status_code == b.status_code == 200
    assert a.json == b.json


@pytest.mark.parametrize("query", [
    "SELECT ?s WHERE { ?s ?s ?o }",  # a repeated variable filters a whole scan
    "SELECT DISTINCT ?p WHERE { ?s ?p ?o }",
    "SELECT ?s WHERE { ?s ?p ?o } OFFSET 100000",
    "SELECT ?s FROM <urn:g> WHERE { ?s ?p ?o }",
    "SELECT ?s WHERE { ?s ?p ?o . ?o ?q ?r }",
    "SELECT ?s WHERE { ?s ?p ?o # comment\n }",
    "SELECT ?s WHERE { ?s <urn:a\\u003E ?o }",
    "SELECT ?s WHERE { ?s dev:a/dev:b* ?o }",
    "ASK { SERVICE <http://127.0.0.1:9/> { } }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    NESTED,
])
def test_anything_but_a_flat_lookup_goes_to_a_worker(query):
    assert not is_flat(query)


def test_a_repeated_query_is_answered_from_the_cache_until_the_build_changes(small_app):
    live = small_app.extensions["devkg"]
    query = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 3"
    client = small_app.test_client()
    first = client.get("/sparql", query_string={"query": query}, headers=JSON)
    calls = []
    real = live.pool.run
    live.pool.run = lambda *a: calls.append(a) or real(*a)
    try:
        again = client.get("/sparql", query_string={"query": query}, headers=JSON)
        assert again.data == first.data and calls == []
        volatile = "SELECT (RAND() AS ?r) WHERE { ?s ?p ?o } LIMIT 1"
        client.get("/sparql", query_string={"query": volatile})
        client.get("/sparql", query_string={"query": volatile})
        assert len(calls) == 2  # never cached: RAND() differs per run
    finally:
        live.pool.run = real


def test_when_the_waiting_line_is_full_queries_get_503_and_cheap_requests_still_answer(tmp_path):
    app = create_app(small_settings(tmp_path, query_workers=1, query_queue=1, query_timeout=4.0))
    results: list = []

    def runaway():
        r = app.test_client().get("/sparql", query_string={"query": RUNAWAY}, headers=JSON)
        results.append((r.status_code, r.headers.get("Retry-After"), r.json["error"]["message"]))

    threads = [threading.Thread(target=runaway) for _ in range(4)]
    for t in threads:
        t.start()
    client = app.test_client()
    refused = None
    for _ in range(200):  # the refusals come at once, well before the runaways' timeout
        if any(s == 503 and ra for s, ra, _ in results):
            refused = True
            break
        threading.Event().wait(0.05)
    assert refused, results
    page = client.get("/id/project/X", headers={"Accept": "text/turtle"})
    assert page.status_code == 200
    assert ask(client, "ASK { ?s ?p ?o }") is True
    assert any(t.is_alive() for t in threads), "the runaways should still be running while cheap requests answer"
    for t in threads:
        t.join(30)
    busy = [r for r in results if "busy" in r[2]]
    stopped = [r for r in results if "did not finish" in r[2]]
    # one runs and is stopped; one waits (and may give up when the line does not move in time); two are refused
    assert len(results) == 4 and len(busy) >= 2 and len(stopped) >= 1, results
    assert all(ra for _, ra, _ in busy)


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_flat_lookups_in_text_formats_match_the_worker_path(small_app, fmt):
    client = small_app.test_client()
    query = "SELECT ?p ?o WHERE { <https://w3id.org/devkg/id/project/X> ?p ?o }"
    a = client.get("/sparql", query_string={"query": query, "format": fmt})
    b = client.get("/sparql", query_string={"query": query.replace("}", "FILTER(true) }"), "format": fmt})
    assert a.status_code == b.status_code == 200
    assert sorted(a.data.splitlines()) == sorted(b.data.splitlines())


def test_a_flat_lookup_over_the_byte_limit_is_cut_and_says_so(tight_app):
    r = tight_app.test_client().get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers=JSON)
    assert r.headers["X-Devkg-Truncated"].startswith("max-bytes; rows=")
    assert r.json["devkg"]["reason"] == "max-bytes"


def test_a_flat_lookup_over_the_row_limit_is_cut_and_says_so(tmp_path):
    app = create_app(small_settings(tmp_path, max_rows=3))
    r = app.test_client().get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers=JSON)
    assert r.headers["X-Devkg-Truncated"] == "max-rows; rows=3"
    assert len(r.json["results"]["bindings"]) == 3
    r = app.test_client().get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"}, headers=JSON)
    assert "X-Devkg-Truncated" not in r.headers and len(r.json["results"]["bindings"]) == 3


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/csv", "application/sparql-results+xml",
                                    None])
@pytest.mark.parametrize("origin", [None, "https://example.org"])
def test_the_fast_lane_answers_exactly_as_the_flask_view(small_app, accept, origin):
    """`format=` sends the same request through Flask; body and headers must not differ."""
    from graph.web.negotiate import RESULTS, choose

    fmt = choose(RESULTS, accept)
    headers = {k: v for k, v in (("Accept", accept), ("Origin", origin)) if v}
    query = "SELECT ?p ?o WHERE { <https://w3id.org/devkg/id/project/X> ?p ?o }"
    client = small_app.test_client()
    lane = client.get("/sparql", query_string={"query": query}, headers=headers)
    view = client.get("/sparql", query_string={"query": query, "format": fmt.name}, headers=headers)
    assert lane.status_code == view.status_code == 200
    assert lane.data == view.data
    assert sorted(lane.headers.items()) == sorted(view.headers.items())


def test_the_fast_lane_leaves_errors_to_flask(small_app):
    r = small_app.test_client().get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s nope:x ?o }"},
                                    headers={"Accept": "text/html"})
    assert r.status_code in (400, 406) and r.mimetype == "text/html"


@pytest.mark.parametrize("query, expected", [
    ("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }", True),
    ("select * from named <urn:g> { ?s ?p ?o }", True),
    ("ASK\nFROM<urn:g>{}", True),
    ("SELECT * \\u0046ROM <urn:g> WHERE {}", True),
    ("SELECT * WHERE { ?s prov:wasDerivedFrom ?o }", False),
    ("SELECT ?from WHERE { ?s ?p ?from . ?s ex:from _:from }", False),
    ("SELECT * WHERE { ?s <urn:from> ?o }", False),
    ('SELECT * WHERE { ?s ?p "FROM <x>", "x"@from, """a\nFROM <x>""" } # FROM <x>', False),
])
def test_dataset_clauses_are_found_by_keyword_only(query, expected):
    from graph.store import has_dataset_clause

    assert has_dataset_clause(query) is expected


def test_pages_leave_no_query_results_in_reference_cycles(client):
    """A QuerySolutions kept alive by a reference cycle is dropped by whichever server thread collects it, which
    pyoxigraph refuses ("unsendable ... dropped on another thread", the object leaks). bench/load.py found the pages'
    queries parsed by rdflib for a FROM they do not have (`prov:wasDerivedFrom`), leaving their frames in cycles."""
    import gc
    from types import FrameType

    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        project = "/id/project/CA-3-A034224001"
        for path, accept in [(project, "text/html"), (project, "text/turtle"), ("/id/place/PE", "text/html"),
                             ("/id/org/CA-3", "text/html"), ("/", "text/html"),
                             ("/sdg/16", "text/html"), ("/.well-known/void", "text/turtle")]:
            assert client.get(path, headers={"Accept": accept}).status_code == 200
        gc.collect()
        held = [f"{o.f_code.co_filename}:{o.f_code.co_name}" for o in gc.garbage if isinstance(o, FrameType)
                and any(type(v).__name__ in ("QuerySolutions", "QueryTriples") for v in o.f_locals.values())]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert not held


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/csv", "application/sparql-results+xml",
                                    "text/tab-separated-values"])
def test_ask_of_the_empty_group_is_true_without_reading_the_store(small_app, accept):
    from graph.web import fastpath

    assert fastpath.parse("ask  where{ }").always_true and fastpath.parse("ASK {}").always_true
    for query in ("ASK { ?s ?p ?o }", "PREFIX x: <urn:x#> ASK {}", "BASE <urn:b> ASK {}", "SELECT * {}"):
        assert not fastpath.parse(query).always_true  # a pattern or a prologue: the engine answers
    client = small_app.test_client()
    engine = client.get("/sparql", query_string={"query": "ASK { FILTER(true) }"}, headers={"Accept": accept})
    live = small_app.extensions["devkg"]
    store, reads = live.get(), []
    real = store.query
    store.query = lambda *a, **k: reads.append(a) or real(*a, **k)
    try:
        for query in ("ASK {}", "ASK WHERE { }"):
            r = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
            assert r.status_code == 200 and r.data == engine.data and r.mimetype == engine.mimetype
        assert reads == []
    finally:
        del store.query


def test_ask_of_the_empty_group_with_a_dataset_still_checks_its_graphs(small_app):
    r = small_app.test_client().get("/sparql", query_string={"query": "ASK {}", "default-graph-uri": "not an iri"},
                                    headers=JSON)
    assert r.status_code == 400


def test_the_server_path_imports_no_rdflib():
    """rdflib is a third of a server process's start: the serve path loads it only for the views that need it."""
    import subprocess
    import sys

    code = ("import sys, graph.cli, graph.feed, graph.serve; graph.serve.preload(); "
            "from server import create_app; print('rdflib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
