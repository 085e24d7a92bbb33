"""A real `oxigraph serve` (the PyPI `oxigraph` package's CLI) on a free loopback port, for remote-store tests."""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from live import free_port, stop, wait_for


def oxigraph_exe() -> str | None:
    exe = Path(sys.executable).parent / "oxigraph"
    return str(exe) if exe.exists() else shutil.which("oxigraph")


@contextmanager
def oxigraph_serve(location: Path, *extra: str):
    """Yield the server's base URL (`/query`, `/update`, `/store` under it); stop the server after."""
    exe = oxigraph_exe()
    if exe is None:
        raise RuntimeError("the oxigraph CLI is missing: install the test extra (pip install -e '.[test]')")
    port = free_port()
    proc = subprocess.Popen([exe, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/query?query=ASK%7B%7D", proc=proc)
        yield url
    finally:
        stop(proc)


def remote_env(url: str) -> dict[str, str]:
    """The DEVKG_REMOTE_* settings for a server started by `oxigraph_serve`."""
    return {"DEVKG_REMOTE_QUERY_URL": f"{url}/query", "DEVKG_REMOTE_UPDATE_URL": f"{url}/update",
            "DEVKG_REMOTE_GSP_URL": f"{url}/store"}


@contextmanager
def auth_proxy(upstream: str, user: str | None, password: str | None = None, *, scheme: str = "digest",
               pragmas: bool = False):
    """A real HTTP server in front of `upstream` that demands credentials, as Virtuoso's `-auth` endpoints do.

    Digest (RFC 7616, MD5, `qop=auth`, the response checked against the password) or
    Basic. Without valid credentials it answers `401` with its challenge; to a request
    that says `Expect: 100-continue` it sends `100 Continue` and then the `401` at once
    without reading the body, and closes the connection (Virtuoso's behaviour). Nonces
    stay valid for the server's life. With `user` None it lets every request through.
    Like Virtuoso, it echoes each graph of a query's dataset as an `X-SPARQL-default-graph`
    or `X-SPARQL-named-graph` header. With `pragmas`, it also reads Virtuoso's
    `define input:default-graph-exclude <g>` / `define input:named-graph-exclude <g>`
    at the head of a query as Virtuoso does for a query that names no dataset (every
    graph of the server but the excluded ones): it strips them and sends upstream
    the graphs the server holds minus those, as the protocol's dataset (counted in
    `pragma_queries`; queries that came with a dataset in `dataset_queries`).
    Yield (the proxy's base URL, a dict of counters).
    """
    import hashlib
    import http.client
    import os
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import urlsplit
    from urllib.request import parse_http_list, parse_keqv_list

    target = urlsplit(upstream)
    nonces: set[str] = set()
    seen = {"401": 0, "forwarded": 0, "bodies_refused": 0, "pragma_queries": 0, "dataset_queries": 0}
    realm = "devkg-test"

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    def authorized(method: str, header: str | None) -> bool:
        if user is None:
            return True
        if not header:
            return False
        kind, _, rest = header.partition(" ")
        if scheme == "basic":
            return kind == "Basic" and base64.b64decode(rest).decode() == f"{user}:{password}"
        if kind != "Digest":
            return False
        f = parse_keqv_list(parse_http_list(rest))
        if f.get("username") != user or f.get("nonce") not in nonces or f.get("qop") != "auth":
            return False
        ha1, ha2 = md5(f"{user}:{realm}:{password}"), md5(f"{method}:{f['uri']}")
        return f.get("response") == md5(f"{ha1}:{f['nonce']}:{f['nc']}:{f['cnonce']}:auth:{ha2}")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def handle_expect_100(self):
            self.send_response_only(100)
            self.end_headers()
            return True

        def _any(self):
            if not authorized(self.command, self.headers.get("Authorization")):
                seen["401"] += 1
                if self.headers.get("Expect", "").lower() == "100-continue":
                    seen["bodies_refused"] += 1
                else:
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))
                nonce = os.urandom(16).hex()
                nonces.add(nonce)
                self.send_response(401)
                self.send_header("WWW-Authenticate", f'Basic realm="{realm}"' if scheme == "basic" else
                                 f'Digest realm="{realm}", nonce="{nonce}", qop="auth", algorithm="MD5"')
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                return
            seen["forwarded"] += 1
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if pragmas and self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                body = exclusions(body)
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("authorization", "expect", "host", "connection", "content-length")}
            conn.request(self.command, self.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            self.send_response(resp.status)
            from urllib.parse import parse_qsl
            asked = parse_qsl(body.decode("latin-1")) if self.headers.get("Content-Type", "").startswith(
                "application/x-www-form-urlencoded") else []
            for k, v in asked:
                if k in ("default-graph-uri", "named-graph-uri"):
                    self.send_header("X-SPARQL-" + k[:-4], v)
            for k, v in resp.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

    def exclusions(body: bytes) -> bytes:
        import json
        import re
        from urllib.parse import parse_qsl, urlencode

        form = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        if any(k in ("default-graph-uri", "named-graph-uri") for k, _ in form):
            seen["dataset_queries"] += 1
            return body
        query = dict(form).get("query", "")
        pragma = re.compile(r"\s*define\s+input:(default|named)-graph-exclude\s+<([^>]*)>", re.I)
        left: dict[str, set[str]] = {"default": set(), "named": set()}
        while m := pragma.match(query):
            left[m.group(1).lower()].add(m.group(2))
            query = query[m.end():]
        if not any(left.values()):
            return body
        seen["pragma_queries"] += 1
        ask = urlencode({"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"}).encode()
        req = urllib.request.Request(upstream + "/query", data=ask,
                                     headers={"Accept": "application/sparql-results+json"})
        graphs = {b["g"]["value"] for b in json.loads(urllib.request.urlopen(req).read())["results"]["bindings"]}
        none = "urn:devkg-test:no-graph"
        out = [(k, v) for k, v in form if k != "query"] + [("query", query)]
        out += [("default-graph-uri", g) for g in sorted(graphs - left["default"]) or [none]]
        out += [("named-graph-uri", g) for g in sorted(graphs - left["named"]) or [none]]
        return urlencode(out).encode()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()
