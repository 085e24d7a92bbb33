"""Limits: a runaway query is stopped at the timeout without holding up others; cuts are announced."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from server import create_app

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }"
SIMPLE = "SELECT ?p WHERE { ?p a dev:Project } ORDER BY ?p"


@pytest.fixture(scope="module")
def quick_app(web_settings):
    return create_app(dataclasses.replace(web_settings, query_timeout=1.0, max_rows=3))


def test_runaway_query_times_out_while_a_parallel_query_answers(quick_app):
    slow: dict = {}

    def run_slow():
        r = quick_app.test_client().get("/sparql", query_string={"query": RUNAWAY})
        slow.update(status=r.status_code, body=r.json)

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.3)
    r = quick_app.test_client().get("/sparql", query_string={"query": "ASK { ?p a dev:Project }"})
    assert r.status_code == 200 and r.json["boolean"] is True
    assert thread.is_alive(), "the runaway query should still be running while the simple one answered"
    thread.join(15)
    assert slow["status"] == 503
    assert slow["body"]["error"]["title"] == "Query timeout" and "1 s" in slow["body"]["error"]["message"]
    again = quick_app.test_client().get("/sparql", query_string={"query": SIMPLE})  # a fresh worker serves
    assert again.status_code == 200


@pytest.mark.parametrize("fmt, check", [
    ("json", lambda r: r.json["devkg"] == {"truncated": True, "reason": "max-rows", "rows": 3}
     and len(r.json["results"]["bindings"]) == 3),
    ("xml", lambda r: b"urn:devkg:truncated:max-rows" in r.data),
    ("csv", lambda r: len(r.data.decode().strip().splitlines()) == 4),  # header + 3 rows; the cut is in the header
    ("tsv", lambda r: len(r.data.decode().strip().splitlines()) == 4),
])
def test_row_limit_is_announced_in_every_result_format(quick_app, fmt, check):
    r = quick_app.test_client().get("/sparql", query_string={"query": SIMPLE, "format": fmt})
    assert r.status_code == 200
    assert r.headers["X-Devkg-Truncated"] == "max-rows; rows=3"
    assert check(r), r.data


def test_a_complete_result_has_no_truncation_header(quick_app):
    r = quick_app.test_client().get("/sparql", query_string={"query": "SELECT * WHERE { ?p a dev:Project } LIMIT 2"})
    assert "X-Devkg-Truncated" not in r.headers and "devkg" not in r.json


def test_service_description_states_the_real_limits(quick_app):
    from rdflib import Graph, URIRef

    r = quick_app.test_client().get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200, r.data
    g = Graph().parse(data=r.data, format="turtle")
    dev = "https://w3id.org/devkg/def#"
    assert float(g.value(URIRef("http://localhost/sparql"), URIRef(dev + "queryTimeoutSeconds"))) == 1.0
    assert int(g.value(URIRef("http://localhost/sparql"), URIRef(dev + "maxResultRows"))) == 3


def test_query_workers_do_not_outlive_a_killed_server(web_settings, tmp_path):
    """A server killed mid-query must not leave its worker computing the runaway query."""
    import os
    import subprocess
    import sys

    from live import free_port, wait_for

    port = free_port()
    code = (f"from graph.config import Settings; from graph.serve import serve; "
            f"serve(Settings.from_env({{}}, store={str(web_settings.store)!r}, port={port}, query_timeout=60.0))")
    server = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/")
        slow = subprocess.Popen([sys.executable, "-c", f"import urllib.request, urllib.parse; urllib.request.urlopen("
                                 f"'http://127.0.0.1:{port}/sparql?' + "
                                 f"urllib.parse.urlencode({{'query': {RUNAWAY!r}}}))"],
                                stderr=subprocess.DEVNULL)
        time.sleep(1.5)
        tree = descendants(server.pid)
        assert any(b"spawn_main" in cmdline(pid) for pid in tree), "the query should be running in a worker process"
    finally:
        server.kill()
        server.wait(10)
    slow.kill()
    time.sleep(2.5)
    alive = [pid for pid in tree if os.path.exists(f"/proc/{pid}") and
             b"zombie" not in open(f"/proc/{pid}/status", "rb").read().lower()]
    assert not alive


def cmdline(pid: int) -> bytes:
    try:
        return open(f"/proc/{pid}/cmdline", "rb").read()
    except OSError:
        return b""


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (server processes, query workers)."""
    import subprocess

    out, todo = [], [pid]
    while todo:
        children = subprocess.run(["pgrep", "-P", str(todo.pop())], capture_output=True, text=True).stdout.split()
        out += [int(c) for c in children]
        todo += [int(c) for c in children]
    return out
