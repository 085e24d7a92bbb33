"""Read, check and map generated IATI files in this process, as a build worker does; prints CPU seconds.

    python bench/generate.py /tmp/gen1k -n 1000
    python bench/bench_mapping.py /tmp/gen1k [--profile]

The per-activity cost of the streamed build's read+map stage, without process start-up,
cache writes included. One cold pass per process (a build's worker starts cold too); run it a
few times and take the best, in CPU seconds, so a busy machine matters less.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.config import PROJECT_ROOT  # noqa: E402
from graph.reference import Reference  # noqa: E402
from graph.sourcework import process_iati  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("generated", type=Path, help="a directory written by bench/generate.py")
    ap.add_argument("--profile", action="store_true", help="print the 25 costliest functions instead")
    args = ap.parse_args()
    data = PROJECT_ROOT / "data"
    Reference.load(data)
    files = sorted(args.generated.glob("*.xml"))
    cache = Path(tempfile.mkdtemp(prefix="devkg-bench-map-"))
    jobs = [(str(f), str(args.generated.parent), f"iati/{f.stem}",
             f"https://w3id.org/devkg/graph/source/iati/{f.stem}", "0" * 64, "bench",
             "https://w3id.org/devkg/", str(data), str(cache)) for f in files]
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(lambda: [process_iati(j) for j in jobs])
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        return
    t = time.process_time()
    activities = sum(len(process_iati(j).identifiers) for j in jobs)
    cpu = time.process_time() - t
    print(f"{activities} activities in {len(files)} files: {cpu:.2f} CPU s, {1000 * cpu / activities:.2f} ms each")


if __name__ == "__main__":
    main()
