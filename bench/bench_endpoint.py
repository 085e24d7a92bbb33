"""Endpoint throughput, run by hand: devkg against `oxigraph serve-read-only` and rdflib-endpoint.

    .venv/bin/python bench/bench_endpoint.py [--store var/store] [--seconds 5] [--connections 1 8 32]
        [--rdflib-python /path/to/python-with-rdflib-endpoint]

Each server is started in turn on the same store (rdflib-endpoint on the same quads,
loaded from an N-Quads dump) and driven by wrk on loopback, so every figure has its
peer from the same run. Kinds of request:
- `lookup`: `SELECT ?p ?o WHERE { <project> ?p ?o }` as SPARQL JSON, the same IRI each time;
- `lookup-mix`: the same query over 200 different projects (no response is repeated soon);
- `ask`: `ASK {}`;
- `page-ttl` / `page-html`: devkg's resource page; the peer is `DESCRIBE <project>` as Turtle;
- `html-mix`: the HTML pages of the same 200 projects in turn (the first pass makes each page).
Also: devkg's start time (until it answers) and its RSS (all processes) before the first query.
Needs wrk (Debian `wrk`) and the `oxigraph` CLI (the test extra). Prints figures, asserts nothing.
Without `--store` it builds the seeds plus one copy of the real IOM IATI file in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
JSON = "application/sparql-results+json"
RDFLIB_RUNNER = """
import sys, uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint
ds = Dataset(default_union=True)
ds.parse(sys.argv[1], format="nquads")
uvicorn.run(SparqlEndpoint(graph=ds, path="/sparql"), host="127.0.0.1", port=int(sys.argv[2]), log_level="error")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 120) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return time.monotonic() - t0
        except OSError:
            time.sleep(0.02)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants, in MB."""
    pids, total = [pid], 0
    while pids:
        p = pids.pop()
        try:
            total += int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{p}/status").read_text()).group(1))
            pids += [int(c) for t in os.listdir(f"/proc/{p}/task")
                     for c in Path(f"/proc/{p}/task/{t}/children").read_text().split()]
        except (OSError, AttributeError):
            pass
    return total / 1024


def wrk(url: str, connections: int, seconds: int, accept: str, paths: list[str] | None = None) -> float:
    """Requests per second, or 0 when wrk saw errors (non-2xx answers or socket errors)."""
    cmd = ["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{seconds}s",
           "-H", f"Accept: {accept}"]
    script = None
    if paths:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script.write("local paths = {" + ",".join(json.dumps(p) for p in paths) + "}\nlocal i = 0\n"
                     "request = function()\n  i = i + 1\n  return wrk.format('GET', paths[(i % #paths) + 1])\nend\n")
        script.close()
        cmd += ["-s", script.name]
    out = subprocess.run(cmd + [url], capture_output=True, text=True).stdout
    if script:
        os.unlink(script.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if bad or (errors and any(int(x) for x in errors.groups())):
        print(f"    ! {url.split('?')[0]} c={connections}: {bad.group(0) if bad else ''} "
              f"{errors.group(0) if errors else ''}", file=sys.stderr)
    return rate


def projects(store_dir: Path, n: int = 200) -> list[str]:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(store_dir))
    q = f"SELECT ?s WHERE {{ ?s a <https://w3id.org/devkg/def#Project> }} ORDER BY ?s LIMIT {n}"
    iris = [r["s"].value for r in store.query(q, use_default_graph_as_union=True)]
    del store
    return iris


def sparql_path(endpoint: str, query: str) -> str:
    return f"{endpoint}?{urllib.parse.urlencode({'query': query})}"


def lookup(iri: str) -> str:
    return f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"


class Server:
    def __init__(self, name: str, cmd: list[str], probe: str, env: dict | None = None):
        self.name, self.probe = name, probe
        t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_for(probe)
        self.start_seconds = time.monotonic() - t0

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def build_store(tmp: Path) -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    from run import data_dir

    from graph.build import build
    from graph.config import Settings

    settings = Settings.from_env({}, data=data_dir(tmp, 1), store=tmp / "var" / "store",
                                 exports=tmp / "var" / "dumps")
    build(settings, progress=lambda m: None)
    return settings.store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="a devkg live store (default: build seeds + 1 x IOM)")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--rdflib-python", help="a Python with rdflib-endpoint and uvicorn installed")
    parser.add_argument("--only", nargs="+", help="run only these servers (devkg, oxigraph, rdflib)")
    args = parser.parse_args()

    from graph.store import live_target

    tmp = Path(tempfile.mkdtemp(prefix="devkg-bench-endpoint-"))
    try:
        live = args.store.resolve() if args.store else build_store(tmp)
        store_dir = live_target(live)
        iris = projects(store_dir)
        iri = iris[0]
        page = iri.replace("https://w3id.org/devkg/", "/")
        kinds = {  # kind -> {server: (url path, accept, varied paths)}
            "lookup": {"devkg": (sparql_path("/sparql", lookup(iri)), JSON, None),
                       "oxigraph": (sparql_path("/query", lookup(iri)), JSON, None),
                       "rdflib": (sparql_path("/sparql", lookup(iri)), JSON, None)},
            "lookup-mix": {"devkg": ("/sparql", JSON, [sparql_path("/sparql", lookup(i)) for i in iris]),
                           "oxigraph": ("/query", JSON, [sparql_path("/query", lookup(i)) for i in iris]),
                           "rdflib": ("/sparql", JSON, [sparql_path("/sparql", lookup(i)) for i in iris])},
            "ask": {"devkg": (sparql_path("/sparql", "ASK {}"), JSON, None),
                    "oxigraph": (sparql_path("/query", "ASK {}"), JSON, None),
                    "rdflib": (sparql_path("/sparql", "ASK {}"), JSON, None)},
            "page-ttl": {"devkg": (page, "text/turtle", None),
                         "oxigraph": (sparql_path("/query", f"DESCRIBE <{iri}>"), "text/turtle", None)},
            "page-html": {"devkg": (page, "text/html", None)},
            "html-mix": {"devkg": ("/", "text/html", [i.replace("https://w3id.org/devkg/", "/") for i in iris])},
        }
        servers = {}
        port = free_port()
        servers["devkg"] = lambda: Server("devkg", [str(BIN / "devkg"), "serve", "--port", str(port)],
                                          f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D",
                                          {"DEVKG_STORE": str(live), "DEVKG_EXPORTS": str(tmp / "dumps")})
        oport = free_port()
        servers["oxigraph"] = lambda: Server("oxigraph", [str(BIN / "oxigraph"), "serve-read-only", "--location",
                                                          str(store_dir), "--bind", f"127.0.0.1:{oport}",
                                                          "--union-default-graph"],
                                             f"http://127.0.0.1:{oport}/query?query=ASK%7B%7D")
        if args.rdflib_python:
            import pyoxigraph as ox

            nq = tmp / "all.nq"
            ro = ox.Store.read_only(str(store_dir))
            ro.dump(str(nq), ox.RdfFormat.N_QUADS)
            del ro
            runner = tmp / "rdflib_runner.py"
            runner.write_text(RDFLIB_RUNNER)
            rport = free_port()
            servers["rdflib"] = lambda: Server("rdflib", [args.rdflib_python, str(runner), str(nq), str(rport)],
                                               f"http://127.0.0.1:{rport}/sparql?query=ASK%7B%7D")
        ports = {"devkg": port, "oxigraph": oport, "rdflib": rport if args.rdflib_python else 0}
        wanted = [s for s in servers if not args.only or s in args.only]
        results: dict[tuple, float] = {}
        for name in wanted:
            server = servers[name]()
            if name == "devkg":
                server.stop()  # measure a cold start and the memory before any query
                t0 = time.monotonic()
                proc = subprocess.Popen([str(BIN / "devkg"), "serve", "--port", str(port)],
                                        env={**os.environ, "DEVKG_STORE": str(live),
                                             "DEVKG_EXPORTS": str(tmp / "dumps")},
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                while True:
                    try:
                        socket.create_connection(("127.0.0.1", port), 0.2).close()
                        break
                    except OSError:
                        time.sleep(0.01)
                started = time.monotonic() - t0
                first = wait_for(f"http://127.0.0.1:{port}/") + started  # the home page: no query yet
                time.sleep(1.0)
                print(f"devkg: accepts connections {started:.2f} s after start, first answer at {first:.2f} s; "
                      f"RSS before the first SPARQL query {tree_rss_mb(proc.pid):.0f} MB (all processes)")
                server.proc = proc
                wait_for(server.probe)
            base = f"http://127.0.0.1:{ports[name]}"
            try:
                for kind, per in kinds.items():
                    if name not in per:
                        continue
                    path, accept, varied = per[name]
                    wrk(base + path, 2, 1, accept, varied)  # warm up
                    for c in args.connections:
                        results[(kind, name, c)] = wrk(base + path, c, args.seconds, accept, varied)
                if name == "devkg":
                    print(f"devkg: RSS after the runs {tree_rss_mb(server.proc.pid):.0f} MB (all processes)")
            finally:
                server.stop()
        print(f"\n{len(iris)} projects in the store; wrk {args.seconds} s per cell, loopback, req/s")
        header = f"{'kind':<11}{'c':>4}" + "".join(f"{n:>11}" for n in wanted)
        header += "".join(f"{'x ' + n:>12}" for n in wanted if n != "devkg")
        print(header)
        for kind in kinds:
            for c in args.connections:
                row = f"{kind:<11}{c:>4}"
                row += "".join(f"{results.get((kind, n, c), 0):>11.0f}" if (kind, n, c) in results else f"{'-':>11}"
                               for n in wanted)
                mine = results.get((kind, "devkg", c))
                for n in wanted:
                    if n == "devkg":
                        continue
                    theirs = results.get((kind, n, c))
                    row += f"{mine / theirs:>12.2f}" if mine and theirs else f"{'-':>12}"
                print(row)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
