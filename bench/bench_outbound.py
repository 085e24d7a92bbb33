"""What the SERVICE/LOAD guard costs per request, next to pyoxigraph answering the same query.

Run by hand: `.venv/bin/python bench/bench_outbound.py` (about 10 s; loopback only, nothing is fetched).
Prints microseconds per call for the guard (`graph.web.outbound.check`) and, as the peer in the same
run, for pyoxigraph parsing and answering the query on an empty in-memory store.
"""

from __future__ import annotations

import time

import pyoxigraph as ox

from graph.namespaces import prefixes
from graph.web import outbound

PREFIXES = prefixes("https://w3id.org/devkg/")
QUERIES = {
    "lookup (no keyword: gate only)": "SELECT ?p ?o WHERE { <https://w3id.org/devkg/id/project/X> ?p ?o }",
    "example query (no keyword)": open("graph/queries/01-projects-in-country.rq", encoding="utf-8").read(),
    "mentions 'service' in a comment (parsed)": "# customer service\nSELECT ?p ?o WHERE { ?s ?p ?o } LIMIT 10",
    "SERVICE to an allowed host (parsed)":
        "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } } LIMIT 1",
}


def per_call(fn, seconds: float = 1.0) -> float:
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    store = ox.Store()
    print(f"{'query':45} {'guard us':>10} {'pyoxigraph us':>14}")
    for name, query in QUERIES.items():
        guard = per_call(lambda: outbound.check(query, ("query.wikidata.org",), prefixes=PREFIXES))
        if "SERVICE <" in query:
            engine = per_call(lambda: ox.Store().query("ASK {}"))  # never run a real SERVICE in a bench
            label = "(ASK {} only)"
        else:
            engine = per_call(lambda: list(store.query(query, prefixes=PREFIXES)))
            label = ""
        print(f"{name:45} {guard:10.0f} {engine:14.0f} {label}")


if __name__ == "__main__":
    main()
