"""The real server (`devkg serve`) on a loopback port, compared with `oxigraph serve` on the same data."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from live import free_port, select, wait_for

QUERIES = [
    "SELECT ?p WHERE { ?p a <https://w3id.org/devkg/def#Project> } ORDER BY ?p",
    "SELECT ?c (COUNT(*) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c",
    "SELECT ?p ?place WHERE { ?p <https://w3id.org/devkg/def#location> ?place } ORDER BY ?p ?place",
]


@pytest.fixture(scope="module")
def oxigraph_server(web_settings, tmp_path_factory):
    exe = Path(sys.executable).parent / "oxigraph"
    if not exe.exists() and not shutil.which("oxigraph"):
        pytest.skip("the oxigraph CLI (PyPI package oxigraph) is not installed")
    location = tmp_path_factory.mktemp("oxigraph")
    dump = web_settings.exports / "devkg.nq.gz"
    subprocess.run([str(exe), "load", "--location", str(location), "--file", str(dump)], check=True,
                   capture_output=True)
    port = free_port()
    proc = subprocess.Popen([str(exe), "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                             "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/query")
        yield f"http://127.0.0.1:{port}/query"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize("query", QUERIES)
def test_same_answers_as_oxigraph_serve(devkg_server, oxigraph_server, query):
    assert select(f"{devkg_server}/sparql", query) == select(oxigraph_server, query)


def test_a_slow_query_does_not_stop_other_requests(devkg_server):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f } "
    done = {}

    def run_slow():
        try:
            select(f"{devkg_server}/sparql", slow, timeout=5)
        except Exception as e:  # it may time out on our side; that is fine
            done["slow"] = type(e).__name__

    t = threading.Thread(target=run_slow, daemon=True)
    t.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    rows = select(f"{devkg_server}/sparql", QUERIES[0], timeout=20)
    assert len(rows) == 5
    assert time.monotonic() - t0 < 5
