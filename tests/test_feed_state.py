"""The feed's state (graph/feed.py): one version per project per change, kept from build to build."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timedelta, timezone

import pytest
from feedlib import BASE, day, fake_build, feed_settings, trig

from graph.feed import FEED_DB, FeedError, FeedState, descriptions, discard_feed, feed_build, parse_time, stage, stamp
from graph.mapping.iris import Iris
from graph.store import EmbeddedStore, RdfFormat, live_target

FIVE = {k: f"Project {k}" for k in "ABCDE"}


def versions(settings) -> list:
    state = FeedState.open(settings.feed)
    try:
        return state.versions(1, state.count())
    finally:
        state.close()


def rows(settings) -> list[tuple]:
    """Every row of the log, kept or not: (seq, project key, kind, kept)."""
    state = FeedState.open(settings.feed)
    try:
        kept = set(state.kept_in(1, state.count()))
        out = []
        for seq, project, kind in state.conn.execute("SELECT seq, project, kind FROM version ORDER BY seq"):
            out.append((seq, project.rsplit("/", 1)[1], kind, seq in kept))
        return out
    finally:
        state.close()


def test_the_first_build_makes_one_create_per_project_with_its_own_triples(tmp_path):
    settings = feed_settings(tmp_path)
    report = fake_build(settings, trig(FIVE), day(0))
    assert (report.created, report.updated, report.deleted, report.kept) == (5, 0, 0, 5)
    found = versions(settings)
    assert [v.kind for v in found] == ["create"] * 5
    assert [v.project for v in found] == [f"{BASE}id/project/{k}" for k in "ABCDE"]
    assert {v.generated for v in found} == {"2026-01-01T00:00:00.000Z"}
    a = found[0]
    assert a.iri == f"{BASE}id/project/A/version/2026-01-01T00:00:00.000Z"
    # The project and its child node from its source graph; not the source document, the
    # organisation (graph/organisations) or what the reasoner inferred (graph/inferred).
    subjects = {line.split(" ", 1)[0] for line in a.content.splitlines()}
    assert subjects == {f"<{BASE}id/project/A>", f"<{BASE}id/project/A/budget/1>"}
    assert "location" not in a.content and "/org/" not in a.content
    assert a.content.splitlines() == sorted(a.content.splitlines())


def test_unchanged_projects_add_nothing_and_a_changed_one_gets_one_update(tmp_path):
    settings = feed_settings(tmp_path)
    fake_build(settings, trig(FIVE), day(0))
    again = fake_build(settings, trig(FIVE), day(1))
    assert (again.created, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 5)
    changed = fake_build(settings, trig({**FIVE, "B": "Project B, revised"}), day(2))
    assert (changed.created, changed.updated, changed.deleted, changed.unchanged) == (0, 1, 0, 4)
    last = versions(settings)[-1]
    assert (last.seq, last.kind, last.project) == (6, "update", f"{BASE}id/project/B")
    assert last.generated == "2026-01-03T00:00:00.000Z"
    assert '"Project B, revised"@en' in last.content


def test_a_project_that_disappears_gets_a_delete_marker_and_may_come_back(tmp_path):
    settings = feed_settings(tmp_path)
    fake_build(settings, trig(FIVE), day(0))
    gone = fake_build(settings, trig({k: v for k, v in FIVE.items() if k != "E"}), day(1))
    assert (gone.deleted, gone.unchanged) == (1, 4)
    marker = versions(settings)[-1]
    assert (marker.kind, marker.project, marker.content) == ("delete", f"{BASE}id/project/E", None)
    assert fake_build(settings, trig({k: v for k, v in FIVE.items() if k != "E"}), day(2)).deleted == 0
    back = fake_build(settings, trig(FIVE), day(3))
    assert (back.created, back.deleted) == (1, 0)
    assert [r[1:3] for r in rows(settings)][-3:] == [("E", "create"), ("E", "delete"), ("E", "create")]


def test_times_never_go_back_even_when_the_clock_does(tmp_path):
    settings = feed_settings(tmp_path)
    fake_build(settings, trig(FIVE), day(5))
    report = fake_build(settings, trig({**FIVE, "A": "new"}), day(1))  # the clock was set back
    assert report.stamp == "2026-01-06T00:00:00.001Z"
    times = [v.generated for v in versions(settings)]
    assert times == sorted(times)


def test_the_publishers_date_is_kept_apart_from_the_feed_time(tmp_path):
    settings = feed_settings(tmp_path)
    fake_build(settings, trig(FIVE, last_updated={"A": "2025-09-19"}), day(0))
    a, b = versions(settings)[:2]
    assert a.modified == ("2025-09-19", "http://www.w3.org/2001/XMLSchema#date")
    assert b.modified is None
    assert a.generated == "2026-01-01T00:00:00.000Z"  # the order of the stream is the build's


def test_retention_keeps_the_window_and_each_projects_latest_version(tmp_path):
    settings = feed_settings(tmp_path, feed_window=30)
    fake_build(settings, trig(FIVE), day(0))
    fake_build(settings, trig({**FIVE, "B": "B2"}), day(10))  # 6: B update
    fake_build(settings, trig({k: v for k, v in {**FIVE, "B": "B2"}.items() if k != "E"}), day(20))  # 7: E delete
    assert all(kept for *_, kept in rows(settings))  # everything is younger than 30 days
    report = fake_build(settings, trig({k: v for k, v in {**FIVE, "B": "B3"}.items() if k != "E"}), day(45))
    # day 45: the window starts at day 15. B's first version (day 0) and E's create (day 0) are neither
    # recent nor latest; B's day-10 version is no longer latest; E's delete marker (day 20) stays.
    assert [(seq, key, kept) for seq, key, _, kept in rows(settings)] == [
        (1, "A", True), (2, "B", False), (3, "C", True), (4, "D", True), (5, "E", False),
        (6, "B", False), (7, "E", True), (8, "B", True)]
    assert (report.dropped, report.kept) == (3, 5)
    assert next(v for v in versions(settings) if v.seq == 1).content  # kept versions keep their content
    fake_build(settings, trig({k: v for k, v in {**FIVE, "B": "B3"}.items() if k != "E"}), day(60))
    assert [seq for seq, *_, kept in rows(settings) if kept] == [1, 3, 4, 8]  # the delete marker's time is up
    state = FeedState.open(settings.feed)
    try:
        assert state.generated(2) == "2026-01-01T00:00:00.000Z"  # a dropped version keeps its place and time
        assert state.conn.execute("SELECT content FROM version WHERE seq = 2").fetchone()[0] is None
    finally:
        state.close()


def test_a_window_of_zero_keeps_every_version(tmp_path):
    settings = feed_settings(tmp_path, feed_window=0)
    fake_build(settings, trig(FIVE), day(0))
    fake_build(settings, trig({**FIVE, "B": "B2"}), day(400))
    assert all(kept for *_, kept in rows(settings)) and len(rows(settings)) == 6


def test_another_base_starts_a_new_stream(tmp_path):
    settings = feed_settings(tmp_path)
    fake_build(settings, trig(FIVE), day(0))
    other = settings.with_(base="https://example.org/kg/")
    report = fake_build(other, trig(FIVE, base=other.base), day(1))
    assert report.fresh and report.created == 5 and report.notes
    assert [v.project for v in versions(other)][0] == "https://example.org/kg/id/project/A"


def test_a_staged_feed_is_published_only_with_its_build(tmp_path):
    """`stage` writes beside DEVKG_FEED; until `publish_feed` the published state is the old one."""
    settings = feed_settings(tmp_path)
    fake_build(settings, trig(FIVE), day(0))
    before = os.readlink(settings.feed)
    digest = hashlib.sha256((settings.feed / FEED_DB).read_bytes()).hexdigest()
    store = EmbeddedStore(None)
    store.load(trig({**FIVE, "A": "changed"}), RdfFormat.TRIG)
    report = stage(store, settings, build_id="never-published", now=day(1))
    assert report.updated == 1 and report.staged.exists()
    assert os.readlink(settings.feed) == before and feed_build(settings.feed) == live_target(settings.store).name
    discard_feed(report)
    assert not report.staged and os.readlink(settings.feed) == before
    assert hashlib.sha256((settings.feed / FEED_DB).read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in settings.feed.parent.iterdir() if p.name.startswith(".feed.")) == [before]


def test_a_feed_path_that_is_not_a_link_is_refused(tmp_path):
    settings = feed_settings(tmp_path)
    settings.feed.mkdir(parents=True)
    (settings.feed / "notes.txt").write_text("mine")
    with pytest.raises(FeedError, match="not a devkg feed link"):
        fake_build(settings, trig(FIVE), day(0))
    assert (settings.feed / "notes.txt").read_text() == "mine"


def test_descriptions_group_by_project_not_by_iri_prefix():
    """`X1`'s triples sort between `X`'s children and `X` itself; each still goes to its own project."""
    store = EmbeddedStore(None)
    store.load(trig({"X": "x", "X1": "x one", "X-2": "x two"}), RdfFormat.TRIG)
    found = {d.project.rsplit("/", 1)[1]: d for d in descriptions(store, Iris(BASE))}
    assert sorted(found) == ["X", "X-2", "X1"]
    for key, d in found.items():
        subjects = {line.split(" ", 1)[0] for line in d.content.splitlines()}
        assert subjects == {f"<{BASE}id/project/{key}>", f"<{BASE}id/project/{key}/budget/1>"}


@pytest.mark.parametrize("order", ["grouped", "interleaved", "shuffled"])
def test_project_groups_describe_each_project_whole_in_any_line_order(order):
    """Lines of a source graph in its load order (projects together, `X1` between `X`'s nodes, a link
    added at the end), in a project-hopping order and shuffled: the same descriptions as grouping all
    of them first, with projects described early when their lines come together."""
    import random

    from graph.feed import ProjectGroups

    graph = f"{BASE}graph/source/iati/x"
    projects = [f"X{i}" for i in range(200)] + ["X", "X-2"]
    lines = sorted(f"<{BASE}id/project/{k}{node}> <{BASE}def#p{j}> \"{k} {j}\" .\n".encode()
                   for k in projects for node in ("", "/budget/1", "/budget/2") for j in range(3))
    lines.append(f"<{BASE}id/project/X> <{BASE}def#relatedProject> <{BASE}id/project/X-2> .\n".encode())
    if order == "interleaved":
        lines = sorted(lines, key=lambda line: (line.split(b" ")[2], line))
    elif order == "shuffled":
        random.Random(7).shuffle(lines)
    expected = {}
    for line in lines:
        project = Iris(BASE).project_of(line[1:line.index(b">")].decode())
        expected.setdefault(project, []).append(line)
    groups = ProjectGroups(Iris(BASE))
    for start in range(0, len(lines), 97):
        assert groups.take(graph, lines[start:start + 97]) == []
    if order == "grouped":  # described as they went by; X1 (say) again after X10-X19
        assert len(groups.described) > 150 and groups.reopened <= 25
    if order == "shuffled":  # held once reopens outweigh descriptions: the work stays linear
        assert groups.reopened <= ProjectGroups.REOPENS + 2 * len(expected)
    found = groups.flush()
    assert [d.project for d in found] == sorted(expected)
    assert {d.project: d.content for d in found} == {p: b"".join(sorted(v)).decode() for p, v in expected.items()}


@pytest.mark.parametrize("text,expected", [
    ("2026-05-01T10:11:12Z", "2026-05-01T10:11:12.000Z"),
    ("2026-05-01T10:11:12.5+02:00", "2026-05-01T08:11:12.500Z"),
    ("2026-05-01T10:11:12.0001Z", "2026-05-01T10:11:12.001Z"),  # never earlier than asked
    ("2026-05-01T10:11:12", "2026-05-01T10:11:12.000Z"),  # no zone: UTC
    ("2026-05-01", "2026-05-01T00:00:00.000Z"),
    ("yesterday", None), ("2026-13-01", None), ("2026-05-01T25:00:00Z", None), ("20260501", None),
    ("2026-05-01 10:11:12", None), ("", None),
])
def test_since_times_are_xsd_date_times(text, expected):
    parsed = parse_time(text)
    assert (stamp(parsed) if parsed else None) == expected


def test_stamps_sort_as_text_in_time_order():
    moments = [datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=n) for n in (0, 1, 999, 1000)]
    assert sorted(stamp(m) for m in moments) == [stamp(m) for m in moments]


def test_iris_find_the_project_of_a_child_node():
    iris = Iris(BASE)
    assert iris.project_of(f"{BASE}id/project/X%2F2/budget/1") == f"{BASE}id/project/X%2F2"
    assert iris.project_of(f"{BASE}id/project/X") == f"{BASE}id/project/X"
    assert iris.project_of(f"{BASE}id/org/X") is None and iris.project_of(f"{BASE}id/project/") is None
    assert str(iris.version(f"{BASE}id/project/X", "2026-01-01T00:00:00.000Z")) == \
        f"{BASE}id/project/X/version/2026-01-01T00:00:00.000Z"
    assert str(iris.feed_page(101, 200)) == f"{BASE}ldes/page/101-200"

