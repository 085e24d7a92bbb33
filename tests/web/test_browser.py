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
    assert browser.wait_for("typeof window.devkgYasgui === 'object' && "
                            "document.querySelectorAll('button.example').length")
    requests = browser.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert all(url.startswith(devkg_server) for url in requests), requests  # no CDN, nothing remote
    browser.evaluate("document.querySelector('button.example[data-name=\"14-projects-per-country\"]').click()")
    rows = browser.wait_for("document.querySelectorAll('.yasr table tbody tr').length", timeout=30)
    assert rows >= 1
    text = browser.evaluate("document.querySelector('.yasr table').innerText")
    assert "Peru" in text or "place/PE" in text
    query = browser.evaluate("window.devkgYasgui.getTab().getQuery()")
    assert "dev:" in query  # the example's text was loaded into the editor
    prefixes = json.loads(browser.evaluate(
        "JSON.stringify(window.devkgYasgui.getTab().getYasqe().getPrefixesFromQuery())"))
    assert "dev" in prefixes


def test_query_page_works_under_its_content_security_policy(browser, devkg_server):
    """The page's CSP blocks nothing YASGUI needs: no violation reported while an example runs."""
    import urllib.request

    with urllib.request.urlopen(urllib.request.Request(f"{devkg_server}/sparql", headers={"Accept": "text/html"})) as r:
        assert "script-src 'self' 'nonce-" in r.headers["Content-Security-Policy"]
    browser.goto(f"{devkg_server}/sparql")
    # window.devkgYasgui is set by the page's inline script: it ran under the nonce, and YASGUI loaded
    assert browser.wait_for("typeof window.devkgYasgui === 'object' && "
                            "document.querySelectorAll('button.example').length")
    browser.evaluate("window.__csp = []; document.addEventListener('securitypolicyviolation', "
                     "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI)); 1")
    browser.evaluate("document.querySelector('button.example').click()")
    assert browser.wait_for("document.querySelectorAll('.yasr table tbody tr').length", timeout=30) >= 1
    assert browser.evaluate("JSON.stringify(window.__csp)") == "[]"
    # and the policy is live: an injected inline script without the nonce is blocked and reported
    browser.evaluate("const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; "
                     "document.body.appendChild(s); 1")
    assert browser.wait_for("window.__csp.length") == 1
    assert browser.evaluate("typeof window.__ran") == "undefined"
