"""The query page in a real headless Chromium: YASGUI loads from this server, an example runs, rows show."""

from __future__ import annotations

import json

import pytest

from cdp import Browser, chromium_path


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    exe = chromium_path()
    if exe is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    b = Browser(exe, tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


def test_query_page_runs_an_example_and_shows_rows(browser, devkg_server):
    browser.goto(f"{devkg_server}/sparql")
    assert browser.wait_for("typeof window.devkgYasgui === 'object' && document.querySelectorAll('button.example').length")
    requests = browser.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert all(url.startswith(devkg_server) for url in requests), requests  # no CDN, nothing remote
    browser.evaluate("document.querySelector('button.example[data-name=\"14-projects-per-country\"]').click()")
    rows = browser.wait_for("document.querySelectorAll('.yasr table tbody tr').length", timeout=30)
    assert rows >= 1
    text = browser.evaluate("document.querySelector('.yasr table').innerText")
    assert "Peru" in text or "place/PE" in text
    query = browser.evaluate("window.devkgYasgui.getTab().getQuery()")
    assert "dev:" in query  # the example's text was loaded into the editor
    prefixes = json.loads(browser.evaluate("JSON.stringify(window.devkgYasgui.getTab().getYasqe().getPrefixesFromQuery())"))
    assert "dev" in prefixes
