"""The real server under slow clients (slowloris) and a flood of heavy queries: others keep being answered."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

SLOW = 300  # more slow connections than any thread pool here (waitress stopped at 100)


def get(url: str, accept: str = "application/sparql-results+json", timeout: float = 30):
    req = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def open_slow(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    return s


def test_many_slow_clients_do_not_stop_others(devkg_server):
    port = int(devkg_server.rsplit(":", 1)[1])
    slow = [open_slow(port) for _ in range(SLOW)]
    try:
        for s in slow:  # drip one more header line each, never finishing the request
            s.sendall(b"X-Drip: 1\r\n")
        status, _, body = get(f"{devkg_server}/sparql?query=ASK%7B%7D")
        assert status == 200 and json.loads(body)["boolean"] is True
        status, _, _ = get(f"{devkg_server}/id/project/CA-3-A034224001", accept="text/turtle")
        assert status in (200, 404)
    finally:
        for s in slow:
            s.close()


def test_a_client_that_never_finishes_its_headers_is_cut_off(devkg_server):
    from graph.serve import HEADER_TIMEOUT_MS

    port = int(devkg_server.rsplit(":", 1)[1])
    s = open_slow(port)
    s.settimeout(2)
    closed = False
    end = time.monotonic() + HEADER_TIMEOUT_MS / 1000 + 10
    try:
        while time.monotonic() < end:
            try:
                s.sendall(b"X-Drip: 1\r\n")
                if s.recv(4096) == b"":
                    closed = True
                    break
            except socket.timeout:
                continue
            except OSError:
                closed = True
                break
            else:  # the server answered something (e.g. 408) and will close
                closed = True
                break
    finally:
        s.close()
    assert closed


def test_a_flood_of_heavy_queries_is_refused_in_part_while_lookups_and_pages_answer(devkg_server):
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h } "
    url = f"{devkg_server}/sparql?{urllib.parse.urlencode({'query': heavy})}"
    statuses: list = []

    def run():
        try:
            status, headers, _ = get(url, timeout=120)
            statuses.append((status, headers.get("Retry-After")))
        except OSError as e:
            statuses.append((type(e).__name__, None))

    threads = [threading.Thread(target=run, daemon=True) for _ in range(20)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    try:
        for _ in range(3):
            status, _, body = get(f"{devkg_server}/sparql?query=ASK%7B%7D", timeout=20)
            assert status == 200
            status, _, _ = get(f"{devkg_server}/dumps/", accept="application/json", timeout=20)
            assert status == 200
        assert any(t.is_alive() for t in threads), "the heavy queries should still be running"
        refused = [s for s in statuses if s[0] == 503 and s[1]]
        assert refused, statuses
    finally:
        for t in threads:
            t.join(120)
    assert all(s[0] in (200, 503) for s in statuses), statuses
