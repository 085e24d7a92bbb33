"""Build directories: a killed build's leftovers are never taken for "the previous build"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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
