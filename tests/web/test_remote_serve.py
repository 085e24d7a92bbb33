"""`devkg build` into a real `oxigraph serve`, then /sparql and the pages answered through it.

The same seed data is built twice, once embedded (the session's seed build) and
once into the remote server; every example query must give the same answer
through both apps. A build killed mid-upload must leave the previous graph answering.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from oxiserver import oxigraph_serve, remote_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with oxigraph_serve(tmp_path_factory.mktemp("oxigraph-serve")) as url:
        yield url


@pytest.fixture(scope="module")
def remote_settings(server, seed_settings, tmp_path_factory):
    from graph.build import build
    from graph.config import Settings

    tmp = tmp_path_factory.mktemp("remote-build")
    settings = Settings.from_env(remote_env(server), data=seed_settings.data, store=tmp / "var" / "store",
                                 exports=tmp / "var" / "dumps")
    report = build(settings, progress=lambda message: None)
    assert report.graphs and not settings.store.exists()  # nothing is served from this machine
    return settings


@pytest.fixture(scope="module")
def remote_client(remote_settings):
    from server import create_app

    app = create_app(remote_settings)
    app.extensions["devkg"].remote.manifest_ttl = 0
    return app.test_client()


def answer(client, query: str) -> list[tuple]:
    resp = client.get(f"/sparql?{urlencode({'query': query})}", headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = json.loads(resp.data)
    if "boolean" in body:
        return [(body["boolean"],)]
    names = body["head"]["vars"]
    return sorted(tuple(json.dumps(b.get(n), sort_keys=True) if b.get(n, {}).get("type") != "bnode" else "bnode"
                        for n in names) for b in body["results"]["bindings"])


def example_queries() -> list[tuple[str, str]]:
    return [(p.stem, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "graph" / "queries").glob("*.rq"))]


@pytest.mark.parametrize("name,query", example_queries())
def test_example_queries_answer_the_same_through_the_remote_store(client, remote_client, name, query):
    remote = answer(remote_client, query)
    assert remote == answer(client, query)
    assert remote, f"{name} has no answer on the seeds, so the comparison proves little"


def test_resource_pages_and_counts_come_from_the_remote_store(client, remote_client):
    iri = "/id/project/CA-3-A034224001"
    local, remote = client.get(iri, headers={"Accept": "application/n-triples"}), \
        remote_client.get(iri, headers={"Accept": "application/n-triples"})
    assert remote.status_code == 200
    assert sorted(remote.get_data(as_text=True).splitlines()) == sorted(local.get_data(as_text=True).splitlines())
    home = remote_client.get("/", headers={"Accept": "application/json"}).get_json()
    assert home["counts"] == client.get("/", headers={"Accept": "application/json"}).get_json()["counts"]
    assert remote_client.get(iri, headers={"Accept": "text/html"}).status_code == 200


def test_the_feed_of_a_remote_build_is_served(client, remote_client):
    """The feed is staged from the local workshop store and offered while the remote store serves its build."""
    import pyoxigraph as ox

    remote = remote_client.get("/ldes/page/1-100", headers={"Accept": "application/n-quads"})
    assert remote.status_code == 200, remote.get_data(as_text=True)
    quads = list(ox.parse(remote.data, format=ox.RdfFormat.N_QUADS))
    assert len([q for q in quads if q.predicate.value == "https://w3id.org/tree#member"]) == 5


def test_limits_and_safety_hold_through_the_remote_store(remote_settings, server):
    from dataclasses import replace

    from server import create_app

    app = create_app(replace(remote_settings, max_rows=5))
    client = app.test_client()
    resp = client.get(f"/sparql?{urlencode({'query': 'SELECT * WHERE { ?s ?p ?o }'})}",
                      headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200 and resp.headers["X-Devkg-Truncated"] == "max-rows; rows=5"
    assert len(resp.get_json()["results"]["bindings"]) == 5
    service = client.get(f"/sparql?{urlencode({'query': 'SELECT * { SERVICE <http://example.org/s> { ?s ?p ?o } }'})}")
    assert service.status_code == 403
    update = client.post("/sparql", data={"update": "CLEAR ALL"})
    assert update.status_code == 403
    bad = client.get(f"/sparql?{urlencode({'query': 'SELECT ?x WHERE { ?x }'})}",
                     headers={"Accept": "application/json"})
    assert bad.status_code == 400
    assert server.split("//")[1] not in bad.get_data(as_text=True)


def test_an_unreachable_remote_store_answers_503_without_its_address(remote_settings):
    from dataclasses import replace

    from live import free_port

    from server import create_app

    port = free_port()
    down = replace(remote_settings, remote_query_url=f"http://127.0.0.1:{port}/query")
    resp = create_app(down).test_client().get(f"/sparql?{urlencode({'query': 'ASK {}'})}",
                                              headers={"Accept": "application/json"})
    assert resp.status_code == 503
    assert str(port) not in resp.get_data(as_text=True)


def test_a_build_killed_mid_upload_leaves_the_previous_graph_answering(remote_settings, remote_client, server):
    from graph.store import RemoteStore

    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = answer(remote_client, query)
    remote = RemoteStore.from_settings(remote_settings)
    build_id = remote.build_id()
    env = dict(os.environ, **remote_env(server), DEVKG_DATA=str(remote_settings.data),
               DEVKG_STORE=str(remote_settings.store), DEVKG_REMOTE_CHUNK="20000")
    proc = subprocess.Popen([sys.executable, "-m", "graph.cli", "build"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stderr:  # wait until the upload has really begun
            if "uploaded" in line:
                break
        assert proc.poll() is None, "the build finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert answer(remote_client, query) == before
    assert remote.build_id() == build_id
    remote.cleanup()  # what the next build does first
    assert remote.staging_graphs() == []
    assert answer(remote_client, query) == before


def test_search_through_a_remote_store_reads_the_index_its_build_kept(remote_settings, remote_client, monkeypatch):
    """The local build directory goes once the remote store holds the build; its search index is kept
    beside the live link under the build's id, so the server never indexes the remote store itself."""
    from graph import search
    from graph.web import browse

    live = remote_client.application.extensions["devkg"].remote.build_id()
    kept = search.kept_index_path(remote_settings.store, live)
    assert search.current(kept)

    def refuse(store):
        raise AssertionError("the server indexed the remote store")

    monkeypatch.setattr(browse, "_fallback_index", refuse)
    html = remote_client.get("/search?q=governance+in+action", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "/id/project/devkg-usaid-peru-governance-in-action" in html


def test_only_the_new_and_the_live_builds_indexes_are_kept(tmp_path):
    """A killed build's index must not pile up, and the live build's must stay until the switch."""
    from graph import search

    live = tmp_path / "var" / "store"
    for build in ("live-build", "killed-build"):
        path = search.kept_index_path(live, build)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"index")
    new = tmp_path / "new.sqlite"
    new.write_bytes(b"new index")
    kept = search.keep_index(new, live, "new-build", "live-build")
    assert kept.read_bytes() == b"new index" and not new.exists()
    assert sorted(p.stem for p in kept.parent.glob("*.sqlite")) == ["live-build", "new-build"]
