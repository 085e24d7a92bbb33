"""Shared fixtures: settings pointing at temporary places, and one seed build per session.

The seed build uses the real `data/projects/` and `data/reference/` (no IATI
files), so tests see exactly what a maintainer's `devkg build` gives.

Hypothesis profiles (tests/test_fuzz.py, tests/web/test_fuzz_protocol.py): "ci", the
default, is derandomized (the same examples on every run, so CI is reproducible);
`HYPOTHESIS_PROFILE=explore` draws fresh random examples (bench/reliability.py, with
`DEVKG_FUZZ_SCALE` times the examples). Neither keeps a database in the work tree.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings
from seedlib import IATI_DIR, PUBLISHER_FILES, seed_data_dir

from graph.config import Settings

_FUZZ = dict(deadline=None, database=None, print_blob=False,
             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
settings.register_profile("ci", derandomize=True, **_FUZZ)
settings.register_profile("explore", derandomize=False, **_FUZZ)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "ci")


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory) -> Settings:
    tmp = tmp_path_factory.mktemp("seed")
    return Settings.from_env({}, data=seed_data_dir(tmp), store=tmp / "var" / "store",
                             exports=tmp / "var" / "dumps")


@pytest.fixture(scope="session")
def seed_build(seed_settings):
    from graph.build import build

    return build(seed_settings, progress=lambda message: None)


@pytest.fixture(scope="session")
def seed_store(seed_settings, seed_build):
    from graph.store import open_live

    return open_live(seed_settings.store)


@pytest.fixture(scope="session")
def iati_settings(tmp_path_factory) -> Settings:
    """The seeds and the publishers' IATI files of tests/fixtures/iati-real, built once per session."""
    from graph.build import build
    from graph.sources.iati import import_iati

    tmp = tmp_path_factory.mktemp("iati")
    data = seed_data_dir(tmp)
    import_iati([IATI_DIR / f for f in PUBLISHER_FILES], data)
    settings = Settings.from_env({}, data=data, store=tmp / "var" / "store")
    build(settings, progress=lambda m: None)
    return settings


@pytest.fixture(scope="session")
def select(seed_store, seed_settings):
    """Run a SELECT on the seed store; rows as dicts of plain strings."""
    from graph.namespaces import prefixes
    from graph.querying import term_text

    def run(query: str) -> list[dict[str, str]]:
        result = seed_store.query(query, prefixes=prefixes(seed_settings.base))
        names = [v.value for v in result.variables]
        return [{n: term_text(row[n]) for n in names if row[n] is not None} for row in result]

    return run


@pytest.fixture(scope="session")
def ask(seed_store, seed_settings):
    from graph.namespaces import prefixes

    return lambda query: bool(seed_store.query(query, prefixes=prefixes(seed_settings.base)))
