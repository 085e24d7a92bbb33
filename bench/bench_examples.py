"""The example queries on a built store, run by hand: `python bench/bench_examples.py --store DIR`. Prints figures.

Each query in graph/queries/*.rq runs through devkg's store (`EmbeddedStore.query`, the union
default graph the endpoint answers over) and, as the peer, through pyoxigraph's own `Store.query`
on the same files opened read-only, median of `--repeat` runs after one warm-up, rows counted.
With `--url` it also times the same query through a running `devkg serve` over HTTP (JSON results),
each run made distinct by a comment so that the server computes it rather than answering from its cache.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn, repeat: int) -> tuple[float, int]:
    rows = fn()  # warm-up: the first run also reads the store's pages from disk
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        rows = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a built store's live link (var/store)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--url", help="a devkg serve on this store, e.g. http://127.0.0.1:8000/sparql")
    args = parser.parse_args()
    import pyoxigraph as ox

    from graph.config import Settings
    from graph.namespaces import prefixes
    from graph.store import live_target, open_live

    settings = Settings.from_env({}, store=args.store)
    store = open_live(args.store)
    peer = ox.Store.read_only(str(live_target(args.store)))
    px = prefixes(settings.base)
    header = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in px.items())
    projects = len(list(store.query("SELECT ?p WHERE { ?p a dev:Project }", prefixes=px)))
    print(f"store: {projects} projects, {len(peer)} quads")
    print(f"{'query':45} {'rows':>7} {'devkg ms':>10} {'pyoxigraph ms':>14} {'HTTP ms':>9}")
    for path in sorted((ROOT / "graph" / "queries").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        ours, rows = timed(lambda: sum(1 for _ in store.query(text, prefixes=px)), args.repeat)
        theirs, _ = timed(lambda: sum(1 for _ in peer.query(header + text, use_default_graph_as_union=True)),
                          args.repeat)
        http = ""
        if args.url:
            runs = itertools.count()

            def fetch() -> int:
                # A new comment each run: the server's per-build answer cache would answer a repeated text.
                query = f"# run {next(runs)}\n{text}"
                url = args.url + "?" + urllib.parse.urlencode({"query": query})
                request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
                with urllib.request.urlopen(request, timeout=600) as r:
                    return len(json.load(r)["results"]["bindings"])
            http = f"{timed(fetch, args.repeat)[0] * 1000:9.0f}"
        print(f"{path.stem:45} {rows:7} {ours * 1000:10.0f} {theirs * 1000:14.0f} {http:>9}")


if __name__ == "__main__":
    main()
