"""The app on the seed build (whose dumps the build published), a real server, and a small store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from live import free_port, stop, wait_for


@pytest.fixture(scope="session")
def web_settings(seed_settings, seed_build):
    """The seed build; its dumps were published by the build itself (no `devkg export`)."""
    return seed_settings


@pytest.fixture(scope="session")
def app(web_settings):
    from server import create_app

    return create_app(web_settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def devkg_server(web_settings):
    port = free_port()
    code = (f"import dataclasses; from graph.config import Settings; from graph.serve import serve; "
            f"s = Settings.from_env(store={str(web_settings.store)!r}, exports={str(web_settings.exports)!r}, "
            f"host='127.0.0.1', port={port}); serve(s)")
    log = open(web_settings.exports.parent / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=log)
    try:
        wait_for(f"http://127.0.0.1:{port}/")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)




SMALL = Path(__file__).parent / "data" / "small.trig"


def small_settings(tmp: Path, trig: bytes | None = None, **changes):
    """Settings whose live store holds `trig` (tests/web/data/small.trig by default), published like a build."""
    import pyoxigraph as ox

    from graph.config import Settings
    from graph.store import EmbeddedStore, new_build_path, publish

    live = tmp / "var" / "store"
    live.parent.mkdir(parents=True, exist_ok=True)
    build = new_build_path(live)
    store = EmbeddedStore(build)
    store.load(SMALL.read_bytes() if trig is None else trig, ox.RdfFormat.TRIG)
    store.close()
    del store
    publish(build, live)
    return Settings.from_env({}, store=live, exports=tmp / "var" / "dumps", **changes)


@pytest.fixture(scope="module")
def small_app(tmp_path_factory):
    from server import create_app

    return create_app(small_settings(tmp_path_factory.mktemp("small")))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium (Debian's `chromium`) for one test module; the module is skipped without it."""
    from cdp import Browser, chromium_path

    exe = chromium_path()
    if exe is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    b = Browser(exe, tmp_path_factory.mktemp("chromium"))
    yield b
    b.close()
