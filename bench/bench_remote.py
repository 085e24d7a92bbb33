"""The remote store, run by hand: `python bench/bench_remote.py [--copies N | --data DIR | --store PATH] [--remote]`.

Prints figures, asserts nothing.

Without `--remote`, against a fresh `oxigraph serve` (the PyPI `oxigraph` CLI) on loopback:
1. build: the whole `devkg build` embedded, then the same into the remote store
   (upload + switch), and a rebuild with nothing changed (the switch then
   writes nothing); the peer is `oxigraph load` of the same quads (bulk loader);
2. queries: each example query (graph/queries/*.rq) through RemoteStore, set
   against the same query sent straight to the server with its own union
   default graph, and against the embedded store.

With `--remote`, against the already running store that `DEVKG_REMOTE_QUERY_URL`,
`DEVKG_REMOTE_UPDATE_URL`, `DEVKG_REMOTE_GSP_URL` (and `DEVKG_REMOTE_USER`,
`DEVKG_REMOTE_PASSWORD`) name (Virtuoso, Fuseki...): one embedded `devkg build`
(or `--store`, a build made before), then its graphs published to the server
twice with `RemoteStore.publish` (what `devkg build` does in its upload stage):
graphs new to the server, then the same build again (everything staged, the
switch by difference writes nothing); upload and switch timed apart. Then the
queries as above, plus each through `devkg serve` (HTTP /sparql on loopback,
started here on the remote store); "straight" sends the query to the query URL
with no dataset (the server's own default graph: the union of all graphs in
Virtuoso; `--direct-param union-default-graph=` for Oxigraph). `--union` adds
RemoteStore and a devkg serve with DEVKG_REMOTE_UNION=virtuoso. Each query runs
once untimed straight to the server first (a warm-up); a client timeout
(`--timeout`; `--embedded-timeout` for the embedded store, queried in a child
process) is recorded as such, what would repeat a timed-out request is skipped,
and with `--server-pid` the bench waits until the server is idle again.
`--no-queries` stops after the publishes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))


def timed(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def ms(fn, repeat: int) -> tuple[str, float | None]:
    try:
        t = timed(fn, repeat)
        return f"{t * 1000:10.1f}", t
    except Exception as e:  # noqa: BLE001 - a bench reports and goes on
        return f"{'error':>10}", print(f"    ({type(e).__name__}: {str(e)[:160]})") or None


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))  # so that `finally` stops the devkg serve started here
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2, help="renamed copies of the IOM file (577 activities each)")
    parser.add_argument("--data", type=Path, help="build this data directory (e.g. bench/generate.py output)")
    parser.add_argument("--store", type=Path, help="an embedded devkg build made before (no build here)")
    parser.add_argument("--remote", action="store_true", help="use the running store DEVKG_REMOTE_* name")
    parser.add_argument("--direct-param", action="append", default=[], metavar="K=V",
                        help="extra parameter of the straight-to-server queries")
    parser.add_argument("--publish", type=int, default=2, choices=(0, 1, 2),
                        help="--remote: publishes of the build (0: query what is live, 1: only the first)")
    parser.add_argument("--no-queries", action="store_true", help="--remote: publish only, no queries")
    parser.add_argument("--repeat", type=int, default=5, help="runs per query (median)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per query")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--union", action="store_true",
                        help="--remote: also through DEVKG_REMOTE_UNION=virtuoso (RemoteStore and devkg serve)")
    parser.add_argument("--embedded-timeout", type=float, default=600.0, help="seconds per embedded query")
    parser.add_argument("--server-pid", type=int, help="--remote: after a timeout, wait until this pid is idle")
    parser.add_argument("--settle-max", type=float, default=900.0, help="longest such wait, seconds")
    parser.add_argument("--only", help="example queries whose name matches this regular expression")
    args = parser.parse_args()
    if args.remote:
        remote_bench(args)
    else:
        oxigraph_bench(args)


def oxigraph_bench(args) -> None:
    from oxiserver import oxigraph_exe, oxigraph_serve, remote_env
    from run import data_dir

    from graph.build import build
    from graph.config import Settings
    from graph.namespaces import prefixes
    from graph.store import RemoteStore, open_live

    tmp = Path(tempfile.mkdtemp(prefix="devkg-bench-remote-"))
    data = args.data or data_dir(tmp, args.copies)
    local = Settings.from_env({}, data=data, store=tmp / "local" / "store")
    t0 = time.perf_counter()
    report = build(local, progress=lambda m: None)
    quads = sum(report.graphs.values())
    print(f"embedded build: {report.projects} projects, {quads} quads, {time.perf_counter() - t0:.1f} s "
          f"(stages: {', '.join(f'{k} {v:.1f}s' for k, v in report.seconds.items())})")
    embedded = open_live(local.store)
    dump = tmp / "all.nq"
    embedded.dump(dump, __import__("pyoxigraph").RdfFormat.N_QUADS)
    peer_dir = tmp / "peer"
    t0 = time.perf_counter()
    subprocess.run([oxigraph_exe(), "load", "--location", str(peer_dir), "--file", str(dump)], check=True,
                   capture_output=True)
    print(f"peer: oxigraph load (bulk loader) of the same {quads} quads: {time.perf_counter() - t0:.1f} s")

    with oxigraph_serve(tmp / "server") as url:
        settings = Settings.from_env(remote_env(url), data=data, store=tmp / "remote" / "store")
        for label in ("remote build (new graphs)", "remote rebuild (nothing changed)"):
            t0 = time.perf_counter()
            report = build(settings, progress=lambda m: None)
            print(f"{label}: {time.perf_counter() - t0:.1f} s, of which upload+switch "
                  f"{report.seconds['upload']:.1f} s ({quads / report.seconds['upload']:.0f} quads/s)")
        remote = RemoteStore.from_settings(settings)
        pre = prefixes(settings.base)
        head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in pre.items())

        def direct(query: str) -> None:
            body = urllib.parse.urlencode({"query": head + query, "union-default-graph": ""}).encode()
            req = urllib.request.Request(f"{url}/query", data=body,
                                         headers={"Accept": "application/sparql-results+json"})
            urllib.request.urlopen(req).read()

        print(f"{'query':45} {'remote ms':>10} {'direct ms':>10} {'ratio':>6} {'embedded ms':>12}")
        for path in sorted((ROOT / "graph" / "queries").glob("*.rq")):
            q = path.read_text(encoding="utf-8")
            r = timed(lambda: list(remote.query(q, prefixes=pre)), args.repeat)
            d = timed(lambda: direct(q), args.repeat)
            e = timed(lambda: list(embedded.query(q, prefixes=pre)), args.repeat)
            print(f"{path.stem:45} {r * 1000:10.1f} {d * 1000:10.1f} {r / d:6.2f} {e * 1000:12.1f}")
        lookup = "ASK { ?s ?p ?o }"
        r, d = timed(lambda: remote.query(lookup), 50), timed(lambda: direct(lookup), 50)
        print(f"{'ASK (round trip)':45} {r * 1000:10.2f} {d * 1000:10.2f} {r / d:6.2f}")


def remote_bench(args) -> None:
    from oxiserver import free_port

    from graph.build import build
    from graph.config import Settings
    from graph.namespaces import prefixes
    from graph.sparql_client import Endpoint
    from graph.store import MANIFEST_BUILD, RemoteStore, StoreTimeout, open_live

    # RemoteStore as with the setting off (the explicit dataset); `--union` adds one with it on
    settings = Settings.from_env(query_timeout=args.timeout, remote_union="")
    if not (settings.remote_query_url and settings.remote_update_url and settings.remote_gsp_url):
        sys.exit("--remote needs DEVKG_REMOTE_QUERY_URL, DEVKG_REMOTE_UPDATE_URL and DEVKG_REMOTE_GSP_URL")
    figures: dict = {"load_start": load()}
    print(f"load average at start: {figures['load_start']}")
    tmp = Path(tempfile.mkdtemp(prefix="devkg-bench-remote-"))
    if args.store:
        store_path = args.store
    else:
        from run import data_dir

        data = args.data or data_dir(tmp, args.copies)
        local = Settings.from_env({}, data=data, store=tmp / "local" / "store")
        t0 = time.perf_counter()
        report = build(local, progress=lambda m: None)
        figures["embedded_build_s"] = time.perf_counter() - t0
        print(f"embedded build: {report.projects} projects, {figures['embedded_build_s']:.1f} s")
        store_path = local.store
    embedded = open_live(store_path)
    quads = embedded.count()
    figures["quads"] = quads
    print(f"embedded store: {quads} quads in {len(embedded.named_graphs())} graphs")

    remote = RemoteStore.from_settings(settings)
    updates: list[tuple[str, float]] = []
    plain_update = remote.update

    def timed_update(sparql: str, **kwargs) -> None:
        t0 = time.perf_counter()
        plain_update(sparql, **kwargs)
        kind = "switch" if MANIFEST_BUILD in sparql else "pending" if sparql.startswith("INSERT DATA") else "cleanup"
        updates.append((kind, time.perf_counter() - t0))
    remote.update = timed_update
    for label in ("new", "again")[:args.publish]:
        updates.clear()
        marks: list[float] = []
        t0 = time.perf_counter()
        remote.publish(embedded, f"bench-{label}-{int(time.time())}",
                       progress=lambda m: marks.append(time.perf_counter()))
        total = time.perf_counter() - t0
        upload = marks[-1] - t0
        figures[f"publish_{label}"] = {"total_s": total, "upload_s": upload, "quads_per_s": quads / upload,
                                       "updates": updates[:], "load": load()}
        print(f"publish ({label}): {total:.1f} s; upload {upload:.1f} s ({quads / upload:,.0f} quads/s); "
              f"updates {', '.join(f'{k} {s:.1f}s' for k, s in updates)}; load {load()}")
    remote.update = plain_update
    if args.no_queries:
        figures["load_end"] = load()
        if args.json:
            args.json.write_text(json.dumps(figures, indent=1))
        return
    remote.manifest_ttl = 60
    pre = prefixes(settings.base)
    head = "".join(f"PREFIX {p}: <{ns}> " for p, ns in pre.items())
    direct_ep = Endpoint(settings.remote_query_url, timeout=args.timeout)
    extra = [tuple(p.split("=", 1)) for p in args.direct_param]

    def direct(query: str) -> int:
        answer = direct_ep.request("POST", form=[("query", head + query), *extra],
                                   headers={"Accept": "application/sparql-results+json"})
        try:
            body = json.loads(answer.read())
        finally:
            answer.close()
        return len(body["results"]["bindings"]) if "results" in body else 1

    serve_urls: dict[str, str] = {}
    serves: list[subprocess.Popen] = []

    def start_serve(label: str, extra_env: dict[str, str]) -> None:
        port = free_port()
        env = {**os.environ, "DEVKG_PORT": str(port), "DEVKG_QUERY_TIMEOUT": str(args.timeout),
               "DEVKG_STORE": str(tmp / f"serve-{label}" / "store"), "DEVKG_MAX_ROWS": "1000000",
               "DEVKG_MAX_BYTES": "1000000000", "PYTHONPATH": str(ROOT), **extra_env}
        serves.append(subprocess.Popen([sys.executable, "-m", "graph.cli", "serve"], cwd=ROOT, env=env,
                                       stdout=subprocess.DEVNULL, stderr=open(tmp / f"serve-{label}.log", "wb")))
        serve_urls[label] = f"http://127.0.0.1:{port}/sparql"
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{serve_urls[label]}?query=ASK%7B%7D", timeout=5).read()
                break
            except OSError:
                time.sleep(0.2)

    def via_serve(query: str, label: str = "explicit") -> int:
        req = urllib.request.Request(serve_urls[label], data=urllib.parse.urlencode({"query": query}).encode(),
                                     headers={"Accept": "application/sparql-results+json"})
        try:
            body = json.loads(urllib.request.urlopen(req, timeout=args.timeout + 30).read())
        except urllib.error.HTTPError as e:
            if e.code == 503 and b"did not finish" in e.read():
                raise TimeoutError("devkg serve: query timeout") from None
            raise
        return len(body["results"]["bindings"]) if "results" in body else 1

    def embedded_run(query: str) -> tuple[float | None, int | None]:
        """In a child process (pyoxigraph cannot be stopped in-process), killed past the timeout."""
        code = ("import sys, time, json; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
                "from graph.store import open_live; from graph.config import Settings; "
                "from graph.namespaces import prefixes; s = open_live(Path(sys.argv[2])); "
                "q = sys.stdin.read(); t0 = time.perf_counter(); r = s.query(q, prefixes=prefixes(Settings().base)); "
                "n = len(list(r)) if hasattr(r, 'variables') else 1; "
                "print(json.dumps([time.perf_counter() - t0, n]))")
        try:
            out = subprocess.run([sys.executable, "-c", code, str(ROOT), str(store_path)], input=query, text=True,
                                 capture_output=True, timeout=args.embedded_timeout, check=True).stdout
        except subprocess.TimeoutExpired:
            return None, None
        t, n = json.loads(out.strip().splitlines()[-1])
        return t, n

    settle_log: list[str] = []

    def settle() -> None:
        """After a client timeout the server may still be evaluating: wait until its CPU is idle."""
        if not args.server_pid:
            return
        t0 = time.perf_counter()

        def cpu() -> float:
            fields = Path(f"/proc/{args.server_pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        while time.perf_counter() - t0 < args.settle_max:
            c0 = cpu()
            time.sleep(2)
            if cpu() - c0 < 0.2:
                break
        settle_log.append(f"{time.perf_counter() - t0:.0f}s")
        print(f"    (server busy after a timeout: waited {time.perf_counter() - t0:.0f} s)", flush=True)

    def guarded(fn) -> tuple[str, float | None, str]:
        """(text, seconds or None, 'ok' | 'timeout' | 'error'); one run (args.repeat runs, median)."""
        try:
            t = timed(fn, args.repeat)
            return f"{t * 1000:10.1f}", t, "ok"
        except Exception as e:  # noqa: BLE001 - a bench reports and goes on
            text = f"{type(e).__name__}: {e}"
            if isinstance(e, (TimeoutError, StoreTimeout)) or "timed out" in text or "timeout" in text.lower():
                settle()
                return f"{'timeout':>10}", None, "timeout"
            print(f"    ({text[:200]})")
            return f"{'error':>10}", None, "error"

    start_serve("explicit", {"DEVKG_REMOTE_UNION": ""})
    remote_u = None
    if args.union:
        start_serve("union", {"DEVKG_REMOTE_UNION": "virtuoso"})
        remote_u = RemoteStore.from_settings(replace(settings, remote_union="virtuoso"))
        remote_u.manifest_ttl = 60
        _, foreign = remote_u.named_graphs(), remote_u._live[4] or []
        print(f"union mode: {len(foreign)} foreign graphs in the manifest: {foreign}")

    rows: dict[str, dict] = {}
    cols = ["serve", "remote", "direct", "embedded"] + (["serve_union", "remote_union"] if args.union else [])
    print(f"{'query':42} " + " ".join(f"{c:>12}" for c in cols) + "  rows emb/rem/direct/union")
    only = re.compile(args.only) if args.only else None
    try:
        for path in sorted((ROOT / "graph" / "queries").glob("*.rq")):
            if only and not only.search(path.stem):
                continue
            q = path.read_text(encoding="utf-8")
            got: dict[str, tuple[str, float | None, str]] = {}
            counts: dict[str, int | None] = {"embedded": None, "remote": None, "direct": None, "union": None}
            skipped = (f"{'skipped':>10}", None, "skipped")
            warm = guarded(lambda: direct(q))  # warm-up, untimed: the first run of a query pays for a cold cache
            if warm[2] == "timeout":  # the others name the same graphs or more: they would time out too
                got = {c: skipped for c in cols} | {"direct": warm}
            else:
                got["direct"] = guarded(lambda: counts.__setitem__("direct", direct(q)))
                if remote_u is not None:
                    got["remote_union"] = guarded(lambda: counts.__setitem__(
                        "union", len(list(remote_u.query(q, prefixes=pre)))))
                    got["serve_union"] = guarded(lambda: via_serve(q, "union"))
                got["remote"] = guarded(lambda: counts.__setitem__(
                    "remote", len(list(remote.query(q, prefixes=pre)))))
                # the same request as RemoteStore's: it would time out too
                got["serve"] = skipped if got["remote"][2] == "timeout" else guarded(lambda: via_serve(q))
            e, counts["embedded"] = embedded_run(q)
            got["embedded"] = (f"{e * 1000:10.1f}" if e is not None else f"{'timeout':>10}", e,
                               "ok" if e is not None else "timeout")
            print(f"{path.stem:42} " + " ".join(f"{got[c][0]:>12}" for c in cols) +
                  f"  {counts['embedded']}/{counts['remote']}/{counts['direct']}/{counts['union']}"
                  f"  load {load()}", flush=True)
            rows[path.stem] = {c: {"s": got[c][1], "status": got[c][2]} for c in cols}
            rows[path.stem]["rows"] = counts
        lookup = "ASK { ?s ?p ?o }"
        ask = {"serve": timed(lambda: via_serve(lookup), 50), "remote": timed(lambda: remote.query(lookup), 50),
               "direct": timed(lambda: direct(lookup), 50)}
        if remote_u is not None:
            ask["serve_union"] = timed(lambda: via_serve(lookup, "union"), 50)
            ask["remote_union"] = timed(lambda: remote_u.query(lookup), 50)
        print(f"{'ASK (round trip, median of 50)':42} " +
              " ".join(f"{ask[c] * 1000:12.2f}" if c in ask else f"{'':>12}" for c in cols))
        rows["ASK"] = ask
    finally:
        for serve in serves:
            serve.terminate()
            serve.wait(30)
    figures["queries"] = rows
    figures["settle"] = settle_log
    figures["load_end"] = load()
    print(f"load average at end: {figures['load_end']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))

if __name__ == "__main__":
    main()
