"""Replaying /ldes with the npm `ldes-client` against a running server, across real builds.

The client (installed by `npm ci`, which `make test` runs) is what harvesters use: it reads the stream,
follows the pages and extracts each member (its metadata and the named graph named by it). The builds
are real ones of the seed projects and the IOM IATI file (582 projects, six pages), made with DEVKG_BASE
set to the server's own address: an LDES client dereferences the page IRIs and checks that each page is
the node it was sent to.

Node is needed; without it the tests are skipped. With node but without `npm ci` they fail.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from live import free_port, stop, wait_for
from seedlib import IATI_DIR

from graph.build import build
from graph.config import PROJECT_ROOT, Settings
from graph.feed import FEED_DB, stamp
from graph.mapping.iris import Iris
from graph.store import open_live

NODE = shutil.which("node")
HARVEST = Path(__file__).with_name("ldes_harvest.mjs")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed: the LDES harvest tests run the npm "
                                                     "ldes-client (`npm ci` installs it)")
CHANGED = "usaid-kyrgyz-cami.yaml"


def harvest(url: str, *options: str) -> tuple[list[dict], dict]:
    """Members as ldes-client emits them, and its summary (members, fragments, ms)."""
    if not (PROJECT_ROOT / "node_modules" / "ldes-client").is_dir():
        pytest.fail("the npm package ldes-client is not installed: run `npm ci` (`make test` does)")
    proc = subprocess.run([NODE, str(HARVEST), url, *options], capture_output=True, text=True, timeout=600,
                          cwd=PROJECT_ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = next(json.loads(line) for line in reversed(proc.stderr.splitlines()) if line.startswith("{"))
    members = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert summary["members"] == len(members)
    return members, summary


def term(t: dict):
    if t["type"] == "NamedNode":
        return ox.NamedNode(t["value"])
    if t["type"] == "Literal":
        return ox.Literal(t["value"], language=t["language"]) if t["language"] else \
            ox.Literal(t["value"], datatype=ox.NamedNode(t["datatype"]))
    if t["type"] == "DefaultGraph":
        return ox.DefaultGraph()
    raise AssertionError(f"unexpected term {t}")


def content(member: dict) -> set[ox.Triple]:
    """The triples in the member's named graph: the project as that version describes it."""
    out = set()
    for s, p, o, g in member["quads"]:
        if g["type"] == "NamedNode" and g["value"] == member["id"]:
            out.add(ox.Triple(term(s), term(p), term(o)))
    return out


def kind(member: dict) -> str:
    return next(o["value"].rsplit("#", 1)[1] for s, p, o, g in member["quads"]
                if s["value"] == member["id"] and p["value"].endswith("22-rdf-syntax-ns#type"))


def latest(members: list[dict]) -> dict[str, dict]:
    """The newest version of each project, as a harvester keeps them."""
    out: dict[str, dict] = {}
    for m in sorted(members, key=lambda m: m["timestamp"]):
        out[m["isVersionOf"]] = m
    return out


def store_projects(settings: Settings) -> dict[str, set[ox.Triple]]:
    """What the served store says about each project in its source graphs."""
    iris, store = Iris(settings.base), open_live(settings.store)
    prefix = str(iris.source_graph(""))
    out: dict[str, set[ox.Triple]] = defaultdict(set)
    for g in store.named_graphs():
        if g.startswith(prefix):
            for q in store.quads(graph=ox.NamedNode(g)):
                project = iris.project_of(q.subject.value)
                if project is not None:
                    out[project].add(q.triple)
    return out


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A server on a build of the seed projects and the IOM file, its IRIs under the server's address."""
    tmp = tmp_path_factory.mktemp("feed-live")
    data = tmp / "data"
    (data / "projects").mkdir(parents=True)
    (data / "iati").mkdir()
    os.symlink(PROJECT_ROOT / "data" / "reference", data / "reference")
    for p in sorted((PROJECT_ROOT / "data" / "projects").glob("*.yaml")):
        os.symlink(p, data / "projects" / p.name)
    os.symlink(IATI_DIR / "iom-577-activities-2.03.xml", data / "iati" / "iom-577-activities-2.03.xml")
    port = free_port()
    settings = Settings.from_env({}, data=data, store=tmp / "var" / "store", base=f"http://127.0.0.1:{port}/")
    build(settings, progress=lambda m: None)
    code = (f"from graph.config import Settings; from graph.serve import serve; "
            f"serve(Settings.from_env({{}}, store={str(settings.store)!r}, base={settings.base!r}, "
            f"host='127.0.0.1', port={port}))")
    log = open(tmp / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=log, cwd=PROJECT_ROOT)
    try:
        wait_for(f"{settings.base}ldes")
        yield settings
    finally:
        stop(proc)
        log.close()


@pytest.fixture(scope="module")
def first_harvest(served):
    """ldes-client's harvest of the first build, and what the store held then."""
    return (*harvest(f"{served.base}ldes"), store_projects(served))


@pytest.fixture(scope="module")
def changed(served, first_harvest):
    """A second build after one project's title changed; `since` is a time between the two builds."""
    since = stamp(datetime.now(timezone.utc))
    target = served.data / "projects" / CHANGED
    text = target.read_text(encoding="utf-8")
    title = yaml.safe_load(text)["title"]
    target.unlink()
    target.write_text(text.replace(f"title: {title}\n", f"title: {title} (revised)\n", 1), encoding="utf-8")
    report = build(served, progress=lambda m: None)
    wait_for(f"{served.base}ldes")
    return since, report


def test_ldes_client_rebuilds_every_project_the_store_holds(served, first_harvest):
    members, summary, expected = first_harvest
    assert len(expected) == 582
    assert summary["members"] == 582 and summary["fragments"] == 1 + math.ceil(582 / 100)  # /ldes and 6 pages
    assert {kind(m) for m in members} == {"Create"}
    kept = latest(members)
    assert set(kept) == set(expected)
    for project, m in kept.items():
        assert content(m) == expected[project], project


def test_a_changed_project_is_one_new_version_and_since_sees_it_alone(served, first_harvest, changed):
    since, report = changed
    assert (report.feed.created, report.feed.updated, report.feed.deleted) == (0, 1, 0)
    project = f"{served.base}id/project/devkg-usaid-kg-cami"
    members, summary = harvest(f"{served.base}ldes?since={since}")
    assert summary["members"] == 1
    (m,) = members
    assert (m["isVersionOf"], kind(m)) == (project, "Update")
    assert m["timestamp"] >= since  # both UTC with milliseconds: they sort as text
    new = store_projects(served)[project]
    assert content(m) == new
    assert any("(revised)" in t.object.value for t in new if isinstance(t.object, ox.Literal))


def test_a_full_harvest_after_the_change_ends_at_the_latest_versions(served, changed):
    members, summary = harvest(f"{served.base}ldes", "--ordered", "ascending")
    assert summary["members"] == 583
    times = [m["timestamp"] for m in members]
    assert times == sorted(times)  # ordered by the stream's timestampPath
    expected = store_projects(served)
    kept = latest(members)
    assert set(kept) == set(expected)
    assert all(content(m) == expected[p] for p, m in kept.items())


def test_a_build_that_fails_after_staging_leaves_the_feed_as_it_was(served, changed, monkeypatch):
    """The feed is staged before the store switches; a failure there discards it, nothing else changes."""
    import requests

    import graph.build

    link = os.readlink(served.feed)
    digest = (served.feed / FEED_DB).read_bytes()
    root = requests.get(f"{served.base}ldes", timeout=30)

    def broken(build_dir, live):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(graph.build, "publish", broken)
    small = served.data.parent / "data-small"  # one project: the build is quicker and its feed would differ
    (small / "projects").mkdir(parents=True)
    os.symlink(PROJECT_ROOT / "data" / "reference", small / "reference")
    os.symlink(PROJECT_ROOT / "data" / "projects" / "ca-3-a034224001.yaml", small / "projects" / "one.yaml")
    with pytest.raises(OSError, match="simulated"):
        build(served.with_(data=small), progress=lambda m: None)
    assert os.readlink(served.feed) == link and (served.feed / FEED_DB).read_bytes() == digest
    leftovers = [p.name for p in served.feed.parent.iterdir() if p.name.startswith(".feed.")]
    assert leftovers == [link]
    again = requests.get(f"{served.base}ldes", timeout=30)
    assert again.status_code == 200 and again.headers["ETag"] == root.headers["ETag"]
