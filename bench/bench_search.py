"""Search and browse speed, run by hand: `python bench/bench_search.py [--copies N | --store DIR [--grow N]]`.
Prints figures.

With `--store` it times the index and store a `devkg build` left (e.g. of `bench/generate.py`
data, whose titles draw on a small vocabulary: every word is a common word there), skipping 1.
With `--grow N` as well, it then copies that index's projects N times (new IRIs, same words
and facets) into a new index and times the same searches there: the index at N times the
activities, without a build of that size.

Builds the seeds plus the real IOM IATI file once, then makes a bigger store by
copying the IOM projects' quads N times under new project IRIs (the SHACL stage
would take far longer than what is measured here). On that store it times:
1. writing the FTS5 index (graph/search.py), against pyoxigraph dumping the same
   store to N-Quads (the cheapest full pass over it);
2. word search through the index, against the same words found by SPARQL
   `CONTAINS(LCASE(...))` over titles and descriptions on the same store;
3. a browse page with a country facet and its facet counts, against the SPARQL
   count of projects in that country.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
WORDS = ["migration", "health colombia", "humanitarian response", "governance", "shelter"]
GENERATED_WORDS = ["water", "health education", "governance rural women", "nutrition recovery", "justice peace"]


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), value


def big_store(tmp: Path, copies: int):
    import pyoxigraph as ox
    from run import data_dir

    from graph.build import build
    from graph.config import Settings
    from graph.store import EmbeddedStore, open_live

    settings = Settings.from_env({}, data=data_dir(tmp, 0), store=tmp / "var" / "store", exports=tmp / "dumps")
    iom = ROOT / "tests/fixtures/iati-real/iom-577-activities-2.03.xml"
    (settings.data / "iati" / "iom.xml").write_bytes(iom.read_bytes())
    build(settings, progress=lambda m: None)
    source = open_live(settings.store)
    prefix = f"{settings.base}id/project/XM-DAC-47066"
    project_quads = [q for q in source.raw if any(isinstance(t, ox.NamedNode) and t.value.startswith(prefix)
                                                  for t in (q.subject, q.object))]
    big = EmbeddedStore(tmp / "big")
    big.raw.bulk_extend(source.raw)

    def rename(term, i):
        if isinstance(term, ox.NamedNode) and term.value.startswith(prefix):
            return ox.NamedNode(term.value.replace(prefix, f"{prefix}-C{i}", 1))
        return term

    for i in range(copies):
        big.raw.bulk_extend(ox.Quad(rename(q.subject, i), q.predicate, rename(q.object, i), q.graph_name)
                            for q in project_quads)
    big.optimize()
    return settings, big


def grow(source: Path, factor: int, out: Path) -> dict[str, int]:
    """`source`'s index with its projects copied `factor` times over (copy k: IRIs suffixed `#ck`)."""
    import sqlite3

    from graph import search

    db = sqlite3.connect(out)
    db.executescript(search.SCHEMA)
    db.execute("ATTACH ? AS src", (str(source),))
    off = db.execute("SELECT MAX(id) + 1 FROM src.items").fetchone()[0]
    for k in range(factor):
        only = "" if k == 0 else "WHERE kind = 'project'"
        iri = "iri" if k == 0 else f"iri || '#c{k}'"
        db.execute(f"INSERT INTO items SELECT id + {k * off}, {iri}, kind, label, detail, start, end_, value, currency "
                   f"FROM src.items {only}")
        db.execute(f"INSERT INTO words (rowid, label, body) SELECT words.rowid + {k * off}, words.label, words.body "
                   f"FROM src.words JOIN src.items ON items.id = words.rowid {only}")
        db.execute(f"INSERT INTO facets SELECT item + {k * off}, facet, facets.value FROM src.facets "
                   f"JOIN src.items ON items.id = facets.item {only}")
    db.execute("INSERT INTO names SELECT * FROM src.names")
    counts = search.seal(db)
    db.close()
    return counts


def rank_every_match(db, text: str, limit: int = 50) -> list:
    """The peer: search before ranking was bounded (counts by kind through the items, BM25 over every match)."""
    from graph import search

    expr = search.match_expression(text)
    db.execute("SELECT items.kind, COUNT(*) FROM words JOIN items ON items.id = words.rowid WHERE words MATCH ? "
               "GROUP BY items.kind", (expr,)).fetchall()
    return db.execute(f"""SELECT {search.COLUMNS}, snippet(words, 1, char(2), char(3), ' … ', 16) FROM words
        JOIN items ON items.id = words.rowid WHERE words MATCH ?
        ORDER BY items.label = ? COLLATE NOCASE DESC, bm25(words, 8.0, 1.0), items.label LIMIT ?""",
                      (expr, text, limit)).fetchall()


def time_index(db, words_list: list[str], country: str) -> None:
    """The search page's work (counts by kind, a ranked page) and the browse page on one index; the peer
    ranks every match, as search did before."""
    from graph import search

    for words in words_list:
        fts, (total, _) = timed(lambda: search.search(db, words, limit=50, counts=search.kind_counts(db, words)))
        peer, _ = timed(lambda: rank_every_match(db, words))
        print(f"  search {words!r}: {fts * 1000:.1f} ms ({total} hits); ranking every match {peer * 1000:.1f} ms "
              f"({peer / fts:.1f}x)")
    page, result = timed(lambda: search.browse(db, "project", {"country": [country]}, limit=50))
    print(f"  browse country with 8 facet counts: {page * 1000:.1f} ms ({result['total']} projects)")
    page, result = timed(lambda: search.browse(db, "project", {}, limit=50))
    print(f"  browse all projects, first page with stored facet counts: {page * 1000:.1f} ms ({result['total']})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=20, help="copies of the 577 IOM projects (default 20)")
    parser.add_argument("--store", type=Path, help="a built store (its live link) to time instead")
    parser.add_argument("--grow", type=int, default=0, help="with --store: also time its index grown N times")
    args = parser.parse_args()
    import pyoxigraph as ox

    from graph import search
    from graph.config import Settings
    from graph.namespaces import prefixes
    from graph.store import live_target, open_live

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.store:
            settings, store = Settings.from_env({}, store=args.store), open_live(args.store)
            index, words_list = search.index_path(live_target(args.store)), GENERATED_WORDS
        else:
            settings, store = big_store(tmp, args.copies)
            index, words_list = tmp / "index.sqlite", WORDS
        n = int(next(iter(store.query("SELECT (COUNT(?p) AS ?n) WHERE { ?p a dev:Project }",
                                      prefixes=prefixes(settings.base))))["n"].value)
        print(f"store: {n} projects, {len(store.raw)} quads")
        if not args.store:
            t0 = time.perf_counter()
            counts = search.build_index(store, index, settings.base)
            index_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            store.raw.dump(str(tmp / "all.nq"), ox.RdfFormat.N_QUADS)
            dump_s = time.perf_counter() - t0
            print(f"index: {counts}, {index_s:.1f} s, {index.stat().st_size / 1e6:.1f} MB; "
                  f"peer N-Quads dump {dump_s:.1f} s (ratio {index_s / dump_s:.1f}x)")
        db = search.connect(index)
        for words in words_list:
            fts, (total, _) = timed(lambda: search.search(db, words, limit=50))
            terms = " && ".join(f'CONTAINS(LCASE(STR(?t)), "{w}")' for w in words.split())
            sparql = f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a dev:Project ; dev:title|dev:description ?t
                FILTER({terms}) }}"""
            scan, result = timed(
                lambda: int(next(iter(store.query(sparql, prefixes=prefixes(settings.base))))["n"].value), repeat=3)
            print(f"search {words!r}: FTS5 {fts * 1000:.1f} ms ({total} hits, ranked) vs SPARQL CONTAINS "
                  f"{scan * 1000:.0f} ms ({result} projects) -> {scan / fts:.0f}x")
        country = f"{settings.base}id/place/CO"
        page, result = timed(lambda: search.browse(db, "project", {"country": [country]}, limit=50))
        sparql = f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a dev:Project ; dev:location <{country}> }}"
        peer, _ = timed(lambda: store.query(sparql, prefixes=prefixes(settings.base)).__iter__().__next__())
        print(f"browse country=CO with 8 facet counts: {page * 1000:.1f} ms ({result['total']} projects) vs SPARQL "
              f"count alone {peer * 1000:.1f} ms")
        if args.store and args.grow:
            print(f"the same index, {n} projects, without peers:")
            time_index(db, words_list, country)
            t0 = time.perf_counter()
            counts = grow(index, args.grow, tmp / "grown.sqlite")
            print(f"grown {args.grow}x: {counts} in {time.perf_counter() - t0:.0f} s")
            time_index(search.connect(tmp / "grown.sqlite"), words_list, country)


if __name__ == "__main__":
    main()
