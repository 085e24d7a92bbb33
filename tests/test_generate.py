"""bench/generate.py: the same seed gives the same files; the reader and checks accept them."""

from __future__ import annotations

import sys
from collections import Counter

from graph.config import PROJECT_ROOT
from graph.reference import Reference
from graph.sources.checks import check_project
from graph.sources.iati import read_iati_files

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
from generate import generate  # noqa: E402


def contents(paths) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in paths}


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    a = contents(generate(tmp_path / "a", 120, seed=7))
    b = contents(generate(tmp_path / "b", 120, seed=7))
    c = contents(generate(tmp_path / "c", 120, seed=8))
    assert a == b
    assert a != c
    assert len(a) >= 2  # one file per publisher


def test_reader_and_checks_accept_generated_files_with_realistic_variety(tmp_path):
    generate(tmp_path / "iati", 200, seed=1)
    projects, problems = read_iati_files([tmp_path / "iati"], tmp_path)
    ref = Reference.load(PROJECT_ROOT / "data")
    for p in projects:
        problems += check_project(p, ref)
    assert len(projects) == 200
    assert [str(p) for p in problems if p.severity == "error"] == []
    assert len({p.source.key for p in projects}) >= 3
    langs = Counter(t.lang for p in projects for t in p.titles)
    assert len(langs) >= 4
    vocabularies = {s.vocabulary for p in projects for s in p.sectors}
    assert {"1", "2", "7"} <= vocabularies
    orgs = [part.org for p in projects for part in p.participations]
    assert any(o.ref is None and o.names for o in orgs) and any(o.ref for o in orgs)
    assert any(p.recipient_regions for p in projects) and any(p.locations for p in projects)
    assert any(p.results for p in projects) and any(p.transactions for p in projects)
    assert any(p.policy_markers for p in projects) and any(p.sdg_targets or p.sdg_goals for p in projects)
