"""A bounded load test of `devkg serve` on loopback: N clients for a while on a mix of requests.

    .venv/bin/python bench/load.py [--clients 50] [--duration 300] [--iati [FILE ...]] [--json OUT]

It builds a store in a temporary directory (the curated seeds; with `--iati`, plus IATI files:
without names, every file of tests/fixtures/iati-real/ that `devkg import-iati` accepts, about
600 activities), starts its own `devkg serve` on a free loopback port and runs `--clients`
threads, each with one keep-alive HTTP connection, sending requests drawn from a weighted mix:

- `lookup`: `SELECT ?p ?o WHERE { <iri> ?p ?o }` on project, organisation and place IRIs read
  from the store before the clock starts;
- `example`: one of the example queries in graph/queries/*.rq;
- `page-html` / `page-ttl`: a resource page `/id/...` as HTML or Turtle;
- `browse`: the project/organisation/place lists with facets, pages, sorting, CSV; `search`: /search;
- `dump`: `/dumps/` and a dump file (whole, or a byte range);
- `misc`: home page, /def, VoID, Service Description, /stats;
- `runaway`: a cross product that only the query timeout stops (at most one in flight).

Every second it samples the RSS of the server and all its descendants (granian's processes and
their query processes) from /proc. At the end it prints per kind the count, answers by status,
p50/p90/p99 latency, then 5xx answers other than the deliberate 503s (timeout, query stopped,
busy with `Retry-After`), connection errors, and memory at start/peak/end. Exit status 1 when
there was an unexpected 5xx, a 4xx (every request of the mix is valid), a connection error, a
traceback in the server's log, or when the quads served or the dumps' SHA256SUMS differ after the
load from before; 2 on bad usage (a non-loopback `--url`).

`--url http://127.0.0.1:PORT` drives a server already running instead (loopback only; its memory
is sampled only with `--pid`). The script stops by itself: clients stop at `--duration`, requests
in flight get the query timeout plus 30 s, then the server it started is stopped.
Standard library only (http.client and threads).
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JSON = "application/sparql-results+json"
WEIGHTS = {"lookup": 30, "example": 8, "page-html": 14, "page-ttl": 14, "browse": 10, "search": 5, "dump": 4,
           "misc": 5, "runaway": 1}
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }"
BASE = "https://w3id.org/devkg/"  # DEVKG_BASE of the store (the default)
DEV = BASE + "def#"
WORDS = ["governance", "health", "water", "education", "Peru", "Kyrgyz", "migration", "climate", "local",
         "public", "border", "women", "training", "emergency", "rural"]


# --- the server ---------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loopback_only(url: str) -> tuple[str, int]:
    """(host, port) of an http URL whose host resolves to loopback addresses only; SystemExit(2) otherwise."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        print(f"load.py: {url!r} is not an http://host:port URL", file=sys.stderr)
        raise SystemExit(2)
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 80)}
    except socket.gaierror as e:
        print(f"load.py: refusing {parts.hostname}: it does not resolve ({e})", file=sys.stderr)
        raise SystemExit(2) from None
    if not addresses or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        print(f"load.py: refusing {parts.hostname} ({', '.join(sorted(addresses))}): this script only loads "
              "a server on loopback (127.0.0.0/8, ::1)", file=sys.stderr)
        raise SystemExit(2)
    return parts.hostname, parts.port or 80


def devkg(*args: str, env: dict | None = None, **kwargs) -> subprocess.Popen:
    """`python -m graph.cli ...` with this checkout's code (not an installed copy)."""
    return subprocess.Popen([sys.executable, "-m", "graph.cli", *args], cwd=ROOT, env={**os.environ, **(env or {})},
                            **kwargs)


def build(tmp: Path, iati: list[str] | None) -> tuple[Path, Path]:
    """A data dir (seeds, and IATI files when asked) built into tmp/var/store; returns (store, exports)."""
    data = tmp / "data"
    data.mkdir()
    for name in ("projects", "reference"):
        os.symlink(ROOT / "data" / name, data / name)
    if iati is not None:
        sys.path.insert(0, str(ROOT))
        from graph.sources.iati import IatiImportError, import_iati

        files = [Path(f) for f in iati] or sorted((ROOT / "tests" / "fixtures" / "iati-real").glob("*.xml"))
        for f in files:
            try:
                import_iati([f], data)
            except IatiImportError as e:
                print(f"  skipped {f.name}: {str(e).splitlines()[0][:150]}", file=sys.stderr)
    store, exports = tmp / "var" / "store", tmp / "var" / "dumps"
    t0 = time.monotonic()
    proc = devkg("build", "--data", str(data), "--store", str(store), env={"DEVKG_EXPORTS": str(exports)},
                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"load.py: devkg build failed ({proc.returncode}):\n{err[-3000:]}")
    print(f"  built {store} in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    return store, exports


def wait_for(host: str, port: int, seconds: float = 120) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            conn = http.client.HTTPConnection(host, port, timeout=5)
            conn.request("GET", "/sparql?query=ASK%20%7B%7D", headers={"Accept": JSON})
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"load.py: the server on {host}:{port} did not answer within {seconds:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


# --- memory ---------------------------------------------------------------------------------------------------

def tree(pid: int) -> list[int]:
    """A process and all its descendants (from /proc/<pid>/task/*/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def rss_mb(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                m = re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M)
            total += int(m.group(1)) if m else 0
        except OSError:
            pass
    return total / 1024


class Memory(threading.Thread):
    """RSS of the server's process tree once a second: start, peak, end (MB) and the most processes seen."""

    def __init__(self, pid: int | None):
        super().__init__(daemon=True)
        self.pid, self.samples, self.processes = pid, [], 0
        self.done = threading.Event()

    def sample(self) -> float | None:
        if self.pid is None:
            return None
        pids = tree(self.pid)
        self.processes = max(self.processes, len(pids))
        value = rss_mb(pids)
        self.samples.append(value)
        return value

    def run(self) -> None:
        while not self.done.wait(1.0):
            self.sample()


# --- requests -------------------------------------------------------------------------------------------------

def sparql(query: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query})


def local_path(iri: str) -> str:
    """`/id/...` for `{base}id/...` (the server answers for its own IRIs whatever the base's host)."""
    return "/" + iri[len(BASE):] if iri.startswith(BASE) else urllib.parse.urlsplit(iri).path


class Mix:
    """Draws (kind, path, headers) from the weighted mix, on what the server really holds."""

    def __init__(self, iris: dict[str, list[str]], dumps: list[str]):
        self.iris, self.dumps = iris, dumps
        self.all_iris = [i for group in iris.values() for i in group]
        self.queries = [q.read_text(encoding="utf-8") for q in sorted((ROOT / "graph" / "queries").glob("*.rq"))]
        self.kinds, self.weights = list(WEIGHTS), list(WEIGHTS.values())
        self.runaway = threading.Semaphore(1)  # at most one runaway query in flight

    def draw(self, rng: random.Random) -> tuple[str, str, dict[str, str]]:
        kind = rng.choices(self.kinds, self.weights)[0]
        if kind == "runaway":
            if self.runaway.acquire(blocking=False):
                return kind, sparql(RUNAWAY), {"Accept": JSON}
            kind = "lookup"
        if kind == "lookup":
            return kind, sparql(f"SELECT ?p ?o WHERE {{ <{rng.choice(self.all_iris)}> ?p ?o }}"), {"Accept": JSON}
        if kind == "example":
            return kind, sparql(rng.choice(self.queries)), {"Accept": rng.choice([JSON, "text/csv"])}
        if kind in ("page-html", "page-ttl"):
            accept = "text/html" if kind == "page-html" else "text/turtle"
            return kind, local_path(rng.choice(self.all_iris)), {"Accept": accept}
        if kind == "browse":
            which = rng.choice(["project", "org", "place"])
            params = rng.choice([{}, {"page": rng.randint(1, 5)}, {"sort": "title", "order": "desc"},
                                 {"q": rng.choice(WORDS)}, {"format": "csv"}, {"country": "PE"}])
            query = ("?" + urllib.parse.urlencode(params)) if params else ""
            return kind, f"/id/{which}/{query}", {"Accept": "text/html"}
        if kind == "search":
            params = {"q": " ".join(rng.sample(WORDS, rng.randint(1, 2)))}
            if rng.random() < 0.2:
                params["format"] = "csv"
            return kind, "/search?" + urllib.parse.urlencode(params), {"Accept": "text/html"}
        if kind == "dump":
            if not self.dumps or rng.random() < 0.2:
                return kind, "/dumps/", {"Accept": rng.choice(["text/html", "application/json"])}
            headers = {"Accept": "*/*"}
            if rng.random() < 0.3:
                headers["Range"] = "bytes=0-65535"
            return kind, "/dumps/" + urllib.parse.quote(rng.choice(self.dumps)), headers
        return kind, rng.choice(["/", "/def", "/.well-known/void", "/sparql", "/stats/projects-per-country.json",
                                 "/stats/sdg-goals.json", "/id/place/PE"]), \
            {"Accept": rng.choice(["text/html", "text/turtle", "*/*"])}


def deliberate_503(resp: http.client.HTTPResponse, body: bytes) -> bool:
    """A 503 the server means: query timeout, query stopped, busy or dumps switching (with Retry-After)."""
    return resp.getheader("Retry-After") is not None or b"Query stopped" in body


def reason_503(body: bytes) -> str:
    """Why the server answered 503, from its JSON error: timeout, stopped, busy or other."""
    try:
        error = json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        return "other"
    title, message = error.get("title", ""), error.get("message", "")
    return "timeout" if title == "Query timeout" else "stopped" if title == "Query stopped" else \
        "busy" if "busy" in message else "other"


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, Counter] = defaultdict(Counter)
        self.reasons: dict[str, Counter] = defaultdict(Counter)  # 503s by reason
        self.unexpected: list[str] = []  # 5xx other than the deliberate 503s
        self.client_errors: list[str] = []  # 4xx: every request of the mix is valid, so none is expected
        self.connection_errors: dict[str, Counter] = defaultdict(Counter)
        self.reconnects = 0
        self.bytes = 0

    def add(self, kind: str, status: int, seconds: float, size: int, note: str | None, body: bytes) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            self.status[kind][status] += 1
            if status == 503:
                self.reasons[kind][reason_503(body)] += 1
            self.bytes += size
            if note:
                (self.client_errors if 400 <= status < 500 else self.unexpected).append(note)


def client(host: str, port: int, mix: Mix, results: Results, deadline: float, timeout: float, seed: int) -> None:
    rng = random.Random(seed)
    conn: http.client.HTTPConnection | None = None
    while time.monotonic() < deadline:
        kind, path, headers = mix.draw(rng)
        try:
            for attempt in (1, 2):
                fresh = conn is None
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=timeout)
                t0 = time.monotonic()
                try:
                    conn.request("GET", path, headers=headers)
                    resp = conn.getresponse()
                    body = resp.read()
                except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                    conn.close()
                    conn = None
                    if fresh or attempt == 2:
                        raise
                    with results.lock:  # a keep-alive connection the server had closed: retried once, as
                        results.reconnects += 1  # HTTP clients do for idempotent requests
                    continue
                seconds = time.monotonic() - t0
                note = None
                if resp.status >= 400 and not (resp.status == 503 and deliberate_503(resp, body)):
                    note = f"{kind} {resp.status} {path[:120]}: {body[:200]!r}"
                results.add(kind, resp.status, seconds, len(body), note, body)
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
                break
        except (OSError, http.client.HTTPException) as e:
            with results.lock:
                results.connection_errors[kind][type(e).__name__] += 1
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.1)
        finally:
            if kind == "runaway":
                mix.runaway.release()
    if conn is not None:
        conn.close()


# --- before and after ----------------------------------------------------------------------------------------

def get_json(host: str, port: int, path: str, accept: str = JSON) -> dict:
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.request("GET", path, headers={"Accept": accept})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise SystemExit(f"load.py: GET {path[:100]} answered {resp.status}: {body[:300]!r}")
        return json.loads(body)
    finally:
        conn.close()


def read_targets(host: str, port: int) -> tuple[dict[str, list[str]], list[str]]:
    """Project, organisation and place IRIs (from the store, through the endpoint) and the dump files."""
    iris = {}
    for name, cls, n in (("project", "Project", 300), ("org", "Organisation", 150), ("place", "Place", 150)):
        q = f"SELECT ?s WHERE {{ ?s a <{DEV}{cls}> FILTER(STRSTARTS(STR(?s), '{BASE}id/')) }} " \
            f"ORDER BY ?s LIMIT {n}"
        rows = get_json(host, port, sparql(q))["results"]["bindings"]
        iris[name] = [r["s"]["value"] for r in rows]
    dumps = [f["name"] for f in get_json(host, port, "/dumps/", "application/json").get("files", [])]
    return iris, dumps


def fingerprint(host: str, port: int) -> dict:
    """What must not change under a read-only load: the quads served and the published dumps."""
    q = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    quads = int(get_json(host, port, sparql(q))["results"]["bindings"][0]["n"]["value"])
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.request("GET", "/dumps/SHA256SUMS")
        resp = conn.getresponse()
        sums = resp.read().decode("utf-8", "replace") if resp.status == 200 else f"status {resp.status}"
    finally:
        conn.close()
    return {"quads": quads, "dump_sums": sums}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def summary(results: Results, memory: Memory, args, seconds: float, projects: int) -> dict:
    kinds = {}
    for kind in WEIGHTS:
        lat = results.latency.get(kind, [])
        kinds[kind] = {"count": len(lat), "status": dict(sorted(results.status[kind].items())),
                       "503_reasons": dict(results.reasons.get(kind, {})),
                       "connection_errors": dict(results.connection_errors.get(kind, {})),
                       "p50_ms": 1000 * percentile(lat, 50), "p90_ms": 1000 * percentile(lat, 90),
                       "p99_ms": 1000 * percentile(lat, 99), "max_ms": 1000 * max(lat, default=0.0)}
    samples = memory.samples
    total = sum(k["count"] for k in kinds.values())
    return {"clients": args.clients, "duration_s": args.duration, "elapsed_s": round(seconds, 1),
            "query_timeout_s": args.query_timeout,
            "projects": projects, "requests": total, "requests_per_s": round(total / seconds, 1) if seconds else 0,
            "megabytes_received": round(results.bytes / 1e6, 1), "kinds": kinds,
            "unexpected_5xx": len(results.unexpected), "unexpected_4xx": len(results.client_errors),
            "unexpected_examples": (results.unexpected + results.client_errors)[:10],
            "connection_errors": sum(sum(c.values()) for c in results.connection_errors.values()),
            "reconnects": results.reconnects,
            "deliberate_503": sum(k["status"].get(503, 0) for k in kinds.values()) - sum(
                1 for u in results.unexpected if " 503 " in u),
            "rss_mb": {"start": round(samples[0], 1), "peak": round(max(samples), 1), "end": round(samples[-1], 1),
                       "processes": memory.processes} if samples else None,
            "nproc": os.cpu_count(), "loadavg": os.getloadavg()}


def report(s: dict) -> str:
    lines = [f"{s['clients']} clients for {s['duration_s']:g} s ({s['elapsed_s']:.0f} s with the requests in flight) "
             f"on {s['projects']} projects (query timeout {s['query_timeout_s']:g} s): {s['requests']} requests, "
             f"{s['requests_per_s']} req/s, {s['megabytes_received']} MB received", "",
             f"{'kind':<10} {'count':>7}  {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}  answers by status"]
    for kind, k in s["kinds"].items():
        statuses = ", ".join(f"{code}: {n}" for code, n in k["status"].items())
        if k["503_reasons"]:
            statuses += " (" + ", ".join(f"{why} {n}" for why, n in sorted(k["503_reasons"].items())) + ")"
        conn = ", ".join(f"{name}: {n}" for name, n in k["connection_errors"].items())
        lines.append(f"{kind:<10} {k['count']:>7}  {k['p50_ms']:>8.1f} {k['p90_ms']:>8.1f} {k['p99_ms']:>8.1f} "
                     f"{k['max_ms']:>8.0f}  {statuses}{'; connection errors ' + conn if conn else ''}")
    lines += ["", f"deliberate 503 (timeout, stopped, busy, with Retry-After): {s['deliberate_503']}",
              f"unexpected 5xx: {s['unexpected_5xx']}", f"unexpected 4xx: {s['unexpected_4xx']}",
              f"connection errors: {s['connection_errors']} "
              f"(keep-alive connections closed by the server and retried once: {s['reconnects']})"]
    lines += [f"  {u}" for u in s["unexpected_examples"]]
    if s["rss_mb"]:
        m = s["rss_mb"]
        lines.append(f"RSS of the server and its children: start {m['start']:.0f} MB, peak {m['peak']:.0f} MB, "
                     f"end {m['end']:.0f} MB ({m['processes']} processes at most)")
    if s.get("data"):
        d = s["data"]
        lines.append(f"data: {d['quads_before']} quads before the load, {d['quads_after']} after; the "
                     f"{d['dump_files']} dump files' SHA256SUMS {'unchanged' if d['dumps_unchanged'] else 'CHANGED'}")
    if s.get("server_log_tracebacks") is not None:
        lines.append(f"tracebacks in the server's log: {s['server_log_tracebacks']}")
    lines.append(f"load average at the end: {' '.join(f'{x:.1f}' for x in s['loadavg'])} on {s['nproc']} cores")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    ap.add_argument("--duration", type=float, default=300, help="seconds of load (default 300)")
    ap.add_argument("--iati", nargs="*", metavar="FILE",
                    help="also build IATI files (default without names: tests/fixtures/iati-real/*.xml)")
    ap.add_argument("--store", type=Path, help="serve this built store instead of building one (its dumps beside it)")
    ap.add_argument("--url", help="load a server already running on loopback instead of starting one")
    ap.add_argument("--pid", type=int, help="with --url: the server's pid, to sample its memory")
    ap.add_argument("--query-timeout", type=float, default=10, help="DEVKG_QUERY_TIMEOUT of the server started")
    ap.add_argument("--seed", type=int, default=1, help="random seed of the mix")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    ap.add_argument("--server-log", type=Path, help="keep the log of the server started here")
    args = ap.parse_args(argv)
    if args.clients < 1 or args.duration <= 0:
        ap.error("--clients and --duration must be positive")

    server = None
    tmp = Path(tempfile.mkdtemp(prefix="devkg-load-"))
    try:
        if args.url:
            host, port = loopback_only(args.url)
            pid = args.pid
        else:
            store, exports = (args.store, args.store.parent / "dumps") if args.store else build(tmp, args.iati)
            host, port = "127.0.0.1", free_port()
            log = open(tmp / "serve.log", "w")
            server = devkg("serve", "--store", str(store), "--host", host, "--port", str(port), stdout=log,
                           stderr=subprocess.STDOUT,
                           env={"DEVKG_EXPORTS": str(exports), "DEVKG_QUERY_TIMEOUT": str(args.query_timeout)})
            pid = server.pid
            wait_for(host, port)
        iris, dumps = read_targets(host, port)
        if not any(iris.values()):
            raise SystemExit("load.py: the store holds no project, organisation or place")
        count = get_json(host, port, sparql(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?p a <{DEV}Project> }}"))
        projects = int(count["results"]["bindings"][0]["n"]["value"])
        print(f"  {args.clients} clients for {args.duration:g} s on http://{host}:{port}/ "
              f"({projects} projects, {len(dumps)} dump files)", file=sys.stderr)
        before = fingerprint(host, port)
        mix, results, memory = Mix(iris, dumps), Results(), Memory(pid)
        memory.sample()
        memory.start()
        t0 = time.monotonic()
        deadline = t0 + args.duration
        timeout = args.query_timeout + 30
        threads = [threading.Thread(target=client, args=(host, port, mix, results, deadline, timeout, args.seed + i),
                                    daemon=True) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(0.0, deadline + timeout - time.monotonic()))
        seconds = time.monotonic() - t0
        memory.done.set()
        memory.sample()
        stuck = sum(t.is_alive() for t in threads)
        if stuck:
            with results.lock:
                results.connection_errors["stuck"]["no answer within the timeout"] += stuck
        s = summary(results, memory, args, seconds, projects)
        after = fingerprint(host, port)
        s["data"] = {"quads_before": before["quads"], "quads_after": after["quads"],
                     "dumps_unchanged": before["dump_sums"] == after["dump_sums"],
                     "dump_files": len(dumps)}
        log_text = (tmp / "serve.log").read_text(errors="replace") if server is not None else ""
        s["server_log_tracebacks"] = log_text.count("Traceback (most recent call last)") if server else None
        if args.server_log and server is not None:
            args.server_log.write_text(log_text, encoding="utf-8")
        print(report(s))
        if args.json:
            args.json.write_text(json.dumps(s, indent=1), encoding="utf-8")
        if server is not None and server.poll() is not None:
            print(f"load.py: the server exited with {server.returncode} during the run", file=sys.stderr)
            return 1
        data_kept = s["data"]["quads_before"] == s["data"]["quads_after"] and s["data"]["dumps_unchanged"]
        failed = s["unexpected_5xx"] or s["unexpected_4xx"] or s["connection_errors"] or s["server_log_tracebacks"]
        return 1 if failed or not data_kept else 0
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
