"""The app on the seed build, with an export for the harvester routes."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def web_settings(seed_settings, seed_build):
    from graph.export import export
    from graph.store import open_live

    export(open_live(seed_settings.store), seed_settings.exports, seed_settings)
    return seed_settings


@pytest.fixture(scope="session")
def app(web_settings):
    from server import create_app

    return create_app(web_settings)


@pytest.fixture
def client(app):
    return app.test_client()
