"""Benchmarks, run by hand: `python bench/run.py [--copies N]`. Prints figures, asserts nothing.

Each figure is set against a peer measured in the same run (a ratio), since
machines here are noisy:
1. build: the whole pipeline on the seeds plus N renamed copies of the real IOM
   IATI file (577 activities each), per stage;
2. store: loading the built dataset and running the example queries in
   pyoxigraph vs rdflib (the engine the design card rejected);
3. reasoning: the SPARQL rules vs owlrl on the same data (owlrl only at the
   smallest size, it does not finish larger ones in reasonable time).
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
IOM = ROOT / "tests" / "fixtures" / "iati-real" / "iom-577-activities-2.03.xml"


def data_dir(tmp: Path, copies: int) -> Path:
    data = tmp / "data"
    (data / "iati").mkdir(parents=True)
    (data / "projects").symlink_to(ROOT / "data" / "projects")
    (data / "reference").symlink_to(ROOT / "data" / "reference")
    text = IOM.read_text(encoding="utf-8")
    for i in range(copies):
        renamed = re.sub(r"<iati-identifier>([^<]+)</iati-identifier>",
                         lambda m: f"<iati-identifier>{m.group(1)}-COPY{i}</iati-identifier>", text)
        (data / "iati" / f"iom-copy-{i}.xml").write_text(renamed, encoding="utf-8")
    return data


def bench_build(copies: int, tmp: Path):
    from graph.build import build
    from graph.config import Settings

    settings = Settings.from_env({}, data=data_dir(tmp, copies), store=tmp / "var" / "store",
                                 exports=tmp / "var" / "dumps")
    t0 = time.perf_counter()
    report = build(settings, progress=lambda m: None)
    total = time.perf_counter() - t0
    print(f"build: {report.projects} projects, {sum(report.graphs.values())} triples, {total:.1f} s "
          f"({report.projects / total:.0f} projects/s)")
    print("  stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items()))
    return settings


def bench_store(settings) -> None:
    import pyoxigraph as ox
    from rdflib import Dataset

    from graph.export import export
    from graph.store import open_live

    export(open_live(settings.store), settings.exports, settings)
    nq = gzip.decompress((settings.exports / "devkg.nq.gz").read_bytes())
    queries = [p.read_text() for p in sorted((ROOT / "graph" / "queries").glob("*.rq"))]

    t0 = time.perf_counter()
    ox_store = ox.Store()
    ox_store.bulk_load(nq, ox.RdfFormat.N_QUADS)
    ox_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    for q in queries:
        list(ox_store.query(q, use_default_graph_as_union=True))
    ox_query = time.perf_counter() - t0

    t0 = time.perf_counter()
    ds = Dataset(default_union=True)
    ds.parse(data=nq, format="nquads")
    rdflib_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    failed = 0
    for q in queries:
        try:
            list(ds.query(q))
        except Exception:  # rdflib fails on some valid queries (GROUP_CONCAT over unbound values)
            failed += 1
    rdflib_query = time.perf_counter() - t0
    print(f"store: {len(ox_store)} quads; load pyoxigraph {ox_load:.2f}s vs rdflib {rdflib_load:.2f}s "
          f"(x{rdflib_load / ox_load:.1f}); {len(queries)} example queries pyoxigraph {ox_query:.2f}s "
          f"vs rdflib {rdflib_query:.2f}s (x{rdflib_query / max(ox_query, 1e-9):.1f}; rdflib failed on {failed})")


def bench_reason(settings, with_owlrl: bool) -> None:
    from rdflib import Graph

    from graph.build import core_ontology, in_memory_graph, write_graphs
    from graph.reason import materialise, owlrl_closure
    from graph.store import EmbeddedStore

    whole = in_memory_graph(settings)
    iris, graphs = whole.iris, whole.asserted
    graphs[iris.graph("places")] = whole.reference[iris.graph("places")]
    store = EmbeddedStore(None)
    write_graphs(store, graphs)
    onto = core_ontology(settings)
    t0 = time.perf_counter()
    report = materialise(store, onto, str(iris.graph("inferred")))
    rules = time.perf_counter() - t0
    line = f"reasoning: rules {report.total} triples in {rules:.2f}s ({report.rounds} rounds)"
    if with_owlrl:
        union = Graph()
        for g in graphs.values():
            union += g
        t0 = time.perf_counter()
        ref = owlrl_closure(union, onto)
        owl = time.perf_counter() - t0
        line += f"; owlrl {len(ref)} useful triples in {owl:.1f}s (x{owl / rules:.0f} slower)"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="*", default=[1, 10], help="copies of the IOM file per run")
    args = parser.parse_args()
    for copies in args.copies:
        print(f"== seeds + {copies} x IOM ({copies * 577} IATI activities)")
        tmp = Path(tempfile.mkdtemp(prefix="devkg-bench-"))
        try:
            settings = bench_build(copies, tmp)
            bench_store(settings)
            bench_reason(settings, with_owlrl=copies <= 1)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
