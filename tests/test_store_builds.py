"""Build directories: a killed build's leftovers are never taken for "the previous build"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox

from graph.store import BUILDS_DIR, EmbeddedStore, live_target, new_build_path, publish


def _build(live: Path, marker: str) -> Path:
    """A tiny real store holding one triple that names it, published like a build."""
    path = new_build_path(live)
    store = EmbeddedStore(path)
    store.load(f"<urn:build> <urn:is> \"{marker}\" .".encode(), ox.RdfFormat.N_TRIPLES, graph="urn:g")
    store.close()
    publish(path, live)
    return path


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_killed_builds_directory_is_not_kept_as_the_previous_build(tmp_path):
    live = tmp_path / "var" / "store"
    first = _build(live, "first")
    second = _build(live, "second")
    # a build killed after it had written its store: a directory with a dead owner and no completion mark
    killed = live.parent / BUILDS_DIR / f"{live.name}-{time.strftime('%Y%m%dT%H%M%S')}-{_dead_pid()}"
    EmbeddedStore(killed).close()
    os.utime(killed)  # newest of all, as a killed build is
    third = _build(live, "third")
    assert live_target(live) == third
    assert second.is_dir(), "the real previous build must survive"
    assert not killed.exists() and not first.exists()


def test_a_build_in_progress_in_another_process_is_left_alone(tmp_path):
    live = tmp_path / "var" / "store"
    _build(live, "first")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        running = live.parent / BUILDS_DIR / f"{live.name}-{time.strftime('%Y%m%dT%H%M%S')}-{child.pid}"
        running.mkdir()
        _build(live, "second")
        _build(live, "third")
        assert running.is_dir()
    finally:
        child.kill()
        child.wait()


def test_a_real_build_killed_midway_leaves_the_live_and_previous_builds(tmp_path):
    """`devkg build` killed with SIGKILL while writing: the next good build keeps the real previous one."""
    from seedlib import seed_data_dir

    data = seed_data_dir(tmp_path)
    live = tmp_path / "var" / "store"
    first = _build(live, "first")
    builds = live.parent / BUILDS_DIR
    before = set(builds.iterdir())
    proc = subprocess.Popen([sys.executable, "-m", "graph.cli", "build", "--data", str(data), "--store", str(live)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not (set(builds.iterdir()) - before) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    leftovers = [p for p in set(builds.iterdir()) - before if p.is_dir()]
    assert leftovers, "the build was not caught while writing its store"
    assert live_target(live) == first
    second = _build(live, "second")
    assert live_target(live) == second and first.is_dir(), "the real previous build must be kept"
    assert not any(p.exists() for p in leftovers)


def _store_of(path: Path, n: int) -> EmbeddedStore:
    store = EmbeddedStore(path)
    lines = "".join(f"<urn:s{i}> <urn:p{i % 7}> \"{i}\" .\n" for i in range(n))
    store.load(lines.encode(), ox.RdfFormat.N_TRIPLES, graph="urn:g")
    return store


def test_a_store_is_read_while_it_is_compacted_in_the_background(tmp_path):
    store = _store_of(tmp_path / "s", 20_000)
    with store.optimizing() as optimized:
        during = len(list(store.query("SELECT ?s WHERE { GRAPH ?g { ?s <urn:p3> ?o } }")))
        optimized()
    after = len(list(store.query("SELECT ?s WHERE { GRAPH ?g { ?s <urn:p3> ?o } }")))
    assert during == after == len(range(3, 20_000, 7))
    store.close()


def test_a_failed_compaction_is_raised_where_it_is_waited_for(tmp_path):
    _store_of(tmp_path / "s", 10).close()
    read_only = EmbeddedStore(tmp_path / "s", read_only=True)  # pyoxigraph refuses to compact it
    try:
        with read_only.optimizing() as optimized:
            try:
                optimized()
            except RuntimeError as e:
                assert "read-write" in str(e)
            else:
                raise AssertionError("the compaction's error was lost")
    finally:
        read_only.close()


def test_an_error_in_the_block_waits_for_the_compaction_and_is_the_one_raised(tmp_path):
    store = _store_of(tmp_path / "s", 20_000)
    try:
        with store.optimizing():
            raise KeyError("export failed")
    except KeyError as e:
        assert e.args == ("export failed",)
    assert not [t for t in threading.enumerate() if t.name == "devkg-optimize"]
    store.close()
