"""The remote store, run by hand: `python bench/bench_remote.py [--copies N]`. Prints figures, asserts nothing.

Against a fresh `oxigraph serve` (the PyPI `oxigraph` CLI) on loopback:
1. build: the whole `devkg build` embedded, then the same into the remote store
   (upload + switch), and a rebuild with nothing changed (the switch then
   writes nothing); the peer is `oxigraph load` of the same quads (bulk loader);
2. queries: each example query (graph/queries/*.rq) through RemoteStore, set
   against the same query sent straight to the server with its own union
   default graph, and against the embedded store.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2, help="renamed copies of the IOM file (577 activities each)")
    args = parser.parse_args()

    from oxiserver import oxigraph_exe, oxigraph_serve, remote_env
    from run import data_dir

    from graph.build import build
    from graph.config import Settings
    from graph.namespaces import prefixes
    from graph.store import RemoteStore, open_live

    tmp = Path(tempfile.mkdtemp(prefix="devkg-bench-remote-"))
    data = data_dir(tmp, args.copies)
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
            r = timed(lambda: list(remote.query(q, prefixes=pre)))
            d = timed(lambda: direct(q))
            e = timed(lambda: list(embedded.query(q, prefixes=pre)))
            print(f"{path.stem:45} {r * 1000:10.1f} {d * 1000:10.1f} {r / d:6.2f} {e * 1000:12.1f}")
        lookup = "ASK { ?s ?p ?o }"
        r, d = timed(lambda: remote.query(lookup), 50), timed(lambda: direct(lookup), 50)
        print(f"{'ASK (round trip)':45} {r * 1000:10.2f} {d * 1000:10.2f} {r / d:6.2f}")


if __name__ == "__main__":
    main()
