"""The real server (`devkg serve`) on a loopback port, compared with `oxigraph serve` on the same data."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from live import free_port, select, stop, wait_for

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
        stop(proc)


@pytest.mark.parametrize("query", QUERIES)
def test_same_answers_as_oxigraph_serve(devkg_server, oxigraph_server, query):
    assert select(f"{devkg_server}/sparql", query) == select(oxigraph_server, query)


def test_a_slow_query_does_not_stop_other_requests(devkg_server):
    """The example answers while the runaway (stopped by the server's timeout) still runs."""
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f } "
    finished = threading.Event()

    def run_slow():
        try:
            select(f"{devkg_server}/sparql", slow, timeout=120)
        except Exception:  # the server answers 503 at its timeout; either way it has ended
            pass
        finished.set()

    threading.Thread(target=run_slow, daemon=True).start()
    time.sleep(0.5)
    rows = select(f"{devkg_server}/sparql", QUERIES[0], timeout=60)
    assert len(rows) == 5
    assert not finished.is_set(), "the slow query should still be running while the example answered"
