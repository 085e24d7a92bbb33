"""Build at scale, run by hand: `python bench/scale.py -n 100000 [--work DIR]`. Prints figures, asserts nothing.

In one run, on generated data (`bench/generate.py`, seeded):
1. `devkg build` end to end in a child process: wall time, CPU time (build and its
   workers), peak RSS, per-stage seconds (the build's own summary);
2. the peer: the same quads (dumped from the built store) bulk-loaded raw into a new
   on-disk pyoxigraph store by a fresh process, with its time and peak RSS; with
   `--peer-from-dump` (for sizes where a plain dump and two stores do not fit on the
   disk, as at 1M), the build's store is removed first and the peer reads the build's
   own gzipped N-Quads dump (`dumps/devkg.nq.gz`), so its time includes the gunzip;
3. an incremental rebuild after one file changed (its first activity dropped), then
   the file restored;
4. with `--pyshacl N`: pyshacl over the first N activities' asserted graph against
   the compiled SHACL over the same graph in pyoxigraph.
The machine is shared, so wall times move with its load: compare each figure with
its peer from the same run, and read the CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def child(args: list[str], **kw) -> tuple[float, float, str]:
    """Run a child process; wall s, CPU s of it and its descendants, and its stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, **kw)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(f"{args[:4]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stderr


def peak(stderr: str) -> float:
    """The peak RSS (MB) a child reported ("peak memory N MB")."""
    return float(re.search(r"peak memory (\d+) MB", stderr).group(1))


def ensure_data(work: Path, n: int, seed: int) -> Path:
    data = work / "data"
    marker = data / "generated.json"
    wanted = {"activities": n, "seed": seed}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return data
    (data / "iati").mkdir(parents=True, exist_ok=True)
    for f in (data / "iati").glob("*.xml"):
        f.unlink()
    if not (data / "reference").exists():
        (data / "reference").symlink_to(ROOT / "data" / "reference")
    t0 = time.perf_counter()
    subprocess.run([PY, str(ROOT / "bench" / "generate.py"), str(data / "iati"), "-n", str(n), "--seed", str(seed)],
                   check=True)
    print(f"generated {n} activities in {time.perf_counter() - t0:.0f} s")
    marker.write_text(json.dumps(wanted))
    return data


def build(data: Path, store: Path) -> tuple[float, float, str]:
    return child([PY, "-m", "graph.cli", "build", "--data", str(data), "--store", str(store)], cwd=ROOT)


def summary(stderr: str) -> str:
    return stderr[stderr.index("built "):] if "built " in stderr else stderr[-2000:]


def peer_load(nq: Path, tmp: Path) -> tuple[float, float, str]:
    source = f"gzip.open({str(nq)!r})" if nq.suffix == ".gz" else f"path={str(nq)!r}"
    code = (f"import gzip, pyoxigraph as ox, time; s = ox.Store({str(tmp / 'peer')!r}); t = time.perf_counter(); "
            f"s.bulk_load({source}, format=ox.RdfFormat.N_QUADS); "
            "import sys; print(f'bulk_load {time.perf_counter() - t:.1f} s', file=sys.stderr); "
            "t = time.perf_counter(); "
            "s.optimize(); print(f'optimize {time.perf_counter() - t:.1f} s', file=sys.stderr); import resource; "
            "print(f'peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB', file=sys.stderr)")
    return child([PY, "-c", code])


def pyshacl_sample(data: Path, n: int) -> None:
    sys.path.insert(0, str(ROOT))
    import pyoxigraph as ox

    from graph.build import map_projects, rebase, reference_graphs
    from graph.config import Settings
    from graph.mapping.iris import Iris
    from graph.reference import Reference
    from graph.shacl_sparql import check
    from graph.sources.iati import read_iati_files
    from graph.validate import load_shapes, shape_reference, validate

    settings = Settings.from_env({}, data=data)
    iris = Iris()
    projects = []
    for path in sorted((data / "iati").glob("*.xml")):
        projects += read_iati_files([path], data.parent)[0]
        if len(projects) >= n:
            break
    projects = projects[:n]
    reference = reference_graphs(settings, iris)
    graph = shape_reference(reference[iris.graph("codelists")], reference[iris.graph("sdg")])
    for g in map_projects(projects, iris, Reference.load(data).sdg_iri).values():
        graph += g
    shapes = rebase(load_shapes(settings.shapes), settings.base)
    t0 = time.process_time()
    whole = validate(graph, shapes)
    t_py = time.process_time() - t0
    t0 = time.process_time()
    store = ox.Store()
    store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES,
                    to_graph=ox.NamedNode("urn:g"))
    fast = check(store, shapes)
    t_sp = time.process_time() - t0
    print(f"SHACL on {len(projects)} activities ({len(graph)} triples): pyshacl {t_py:.1f} CPU s, "
          f"{len(whole.results)} findings; compiled SPARQL in pyoxigraph (incl. load) {t_sp:.1f} CPU s, "
          f"{len(fast.results)} findings; ratio {t_py / max(t_sp, 1e-9):.0f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--activities", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, help="working directory (kept; default a temporary one)")
    parser.add_argument("--pyshacl", type=int, default=0, help="also compare with pyshacl on this many activities")
    parser.add_argument("--no-incremental", action="store_true")
    parser.add_argument("--peer-from-dump", action="store_true",
                        help="remove the build's store, then load its gzipped N-Quads dump as the peer (saves disk)")
    args = parser.parse_args()
    if args.peer_from_dump and not args.no_incremental:
        parser.error("--peer-from-dump removes the built store: use it with --no-incremental")
    work = args.work or Path(tempfile.mkdtemp(prefix="devkg-scale-"))
    data = ensure_data(work, args.activities, args.seed)
    var = work / "var"
    subprocess.run(["rm", "-rf", str(var)], check=True)
    print(f"== {args.activities} activities, seed {args.seed}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")

    wall, cpu, err = build(data, var / "store")
    print(f"devkg build (full): {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak(err):.0f} MB")
    print("  " + summary(err).replace("\n", "\n  "))
    quads = int(re.search(r"triples (\d+)", err).group(1))

    subprocess.run(["rm", "-rf", str(work / "peer")], check=True)
    if args.peer_from_dump:
        nq = var / "dumps" / "devkg.nq.gz"
        subprocess.run(["rm", "-rf", str(var / "store"), str(var / "builds")], check=True)
    else:
        nq = work / "dump.nq"
        sys.path.insert(0, str(ROOT))
        from graph.store import open_live

        open_live(var / "store").raw.dump(str(nq), __import__("pyoxigraph").RdfFormat.N_QUADS)
    pwall, pcpu, perr = peer_load(nq, work)
    print(f"peer, raw pyoxigraph bulk_load + optimize of the same {quads} quads: {pwall:.1f} s wall, {pcpu:.1f} s CPU "
          f"({perr.strip().replace(chr(10), ', ')})")
    print(f"  build / peer: {wall / pwall:.1f}x wall, {cpu / max(pcpu, 1e-9):.1f}x CPU")
    if not args.peer_from_dump:
        nq.unlink()
    subprocess.run(["rm", "-rf", str(work / "peer")], check=True)

    if not args.no_incremental:
        changed = max((data / "iati").glob("*.xml"), key=lambda p: p.stat().st_size)
        original = changed.read_bytes()
        text = original.decode("utf-8")
        start = text.index("<iati-activity ")
        end = text.index("</iati-activity>", start) + len("</iati-activity>")
        try:
            changed.write_text(text[:start] + text[end:], encoding="utf-8")
            iwall, icpu, ierr = build(data, var / "store")
        finally:
            changed.write_bytes(original)
        print(f"devkg build (incremental, {changed.name} changed): {iwall:.1f} s wall, {icpu:.1f} s CPU, "
              f"peak RSS {peak(ierr):.0f} MB; full / incremental {wall / iwall:.1f}x")
        print("  " + summary(ierr).replace("\n", "\n  "))
    if args.pyshacl:
        pyshacl_sample(data, args.pyshacl)
    print(f"work directory: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
