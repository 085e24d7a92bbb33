"""The query page in a real headless Chromium: YASGUI loads from this server, an example runs, rows show;
examples run from a click and from the page's address, errors read with their line, Chart and Map views
appear when a result suits them, downloads are named, and the page fits a phone.

Set DEVKG_SCREENSHOTS=<dir> to keep screenshots of the query page with a chart and a map at 1280 and 400 px.
"""

from __future__ import annotations

import json
import urllib.parse

from cdp import Browser, console_problems, keep_screenshot, open_page


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


ROWS = "document.querySelectorAll('.yasr table tbody tr').length"
READY = "document.querySelector({0}) && document.querySelector({0}).dataset.ready"


def open_query_page(browser: Browser, url: str, width: int = 1280) -> None:
    """The query page at `url`, loaded afresh (not a same-document jump to another #query=)."""
    if not getattr(browser, "watching", False):  # once per browser: report console messages and exceptions
        browser.call("Runtime.enable", browser.session)
        browser.call("Log.enable", browser.session)
        browser.watching = True
    open_page(browser, "about:blank", width)
    browser.goto(url)  # the page may rewrite its address at once (?example=14 becomes ?example=14-projects-...)
    browser.wait_for("location.pathname === '/sparql' && typeof window.devkgYasgui === 'object'")


def shown(browser: Browser, selector: str) -> bool:
    return browser.evaluate(f"(e => !!e && e.offsetParent !== null)(document.querySelector({json.dumps(selector)}))")


def test_examples_run_from_a_click_and_from_the_address(browser, devkg_server):
    open_query_page(browser, f"{devkg_server}/sparql")
    console_problems(browser)
    browser.evaluate("document.querySelector('button.example[data-name=\"05-projects-per-sdg-goal\"]').click()")
    assert browser.wait_for(ROWS, timeout=30) >= 1
    assert browser.evaluate("location.search") == "?example=05-projects-per-sdg-goal"  # the address to share
    text = browser.evaluate("window.devkgYasgui.getTab().getYasqe().getValue()")
    assert text.startswith("SELECT ?goal") and "PREFIX" not in text  # the question, not its prologue
    assert browser.evaluate("document.querySelectorAll('.parseErrorIcon').length") == 0  # presets are known
    assert browser.evaluate("document.querySelector('button.example[aria-pressed=true]').dataset.name") \
        == "05-projects-per-sdg-goal"
    assert "Projects per SDG goal" in browser.evaluate("document.getElementById('example-about').innerText")

    open_query_page(browser, f"{devkg_server}/sparql?example=14")  # the short form opens and runs it
    assert browser.wait_for(ROWS, timeout=30) >= 1
    assert "Peru" in browser.evaluate("document.querySelector('.yasr table').innerText")

    query = "SELECT ?name WHERE { <https://w3id.org/devkg/id/place/KG> rdfs:label ?name }"
    open_query_page(browser, f"{devkg_server}/sparql#query={urllib.parse.quote(query)}")
    assert browser.wait_for(ROWS, timeout=30) == 1
    assert "Kyrgyzstan" in browser.evaluate("document.querySelector('.yasr table').innerText")
    browser.evaluate("window.devkgYasgui.getTab().getYasqe().setValue('SELECT ?n WHERE { VALUES ?n { 1 2 } }'); "
                     "document.querySelector('.yasqe_queryButton').click(); 1")
    assert browser.wait_for(f"location.hash.startsWith('#query=') && {ROWS} === 2", timeout=30)
    assert urllib.parse.unquote(browser.evaluate("location.hash"))[len("#query="):] == \
        "SELECT ?n WHERE { VALUES ?n { 1 2 } }"
    assert console_problems(browser) == []


def test_a_syntax_error_reads_as_a_message_with_its_line(browser, devkg_server):
    query = "SELECT ?x\nWHERE { ?x a foo:Project }\n"
    open_query_page(browser, f"{devkg_server}/sparql#query={urllib.parse.quote(query)}")
    message = browser.wait_for("document.querySelector('.devkg-error') && "
                               "document.querySelector('.devkg-error').innerText", timeout=30)
    assert "Syntax error at line 2, column" in message
    assert "foo: is not declared" in message and "WHERE { ?x a foo:Project }" in message
    assert '{"error"' not in message and "['" not in message  # read, not the raw body or character classes
    assert browser.evaluate("document.querySelectorAll('.CodeMirror .devkg-error-line').length") == 1
    problems = console_problems(browser)  # the 400 itself is the only thing the browser reports
    assert all("status of 400" in p for p in problems), problems


def test_chart_view_for_projects_per_sdg_goal(browser, devkg_server):
    for width in (1280, 400):
        open_query_page(browser, f"{devkg_server}/sparql?example=05", width)
        rows = browser.wait_for(ROWS, timeout=30)
        assert shown(browser, ".yasr .select_table") and shown(browser, ".yasr .select_chart")
        assert not shown(browser, ".yasr .select_map")  # no country column: no Map button
        browser.evaluate("document.querySelector('.yasr .select_chart').click()")
        assert int(browser.wait_for(READY.format("'canvas.devkg-resultchart'"), timeout=30)) == rows
        assert browser.evaluate("document.documentElement.scrollWidth") <= browser.evaluate("window.innerWidth")
        keep_screenshot(browser, "query-chart", width)
    assert console_problems(browser) == []


def test_map_view_for_projects_per_country_and_for_coordinates(browser, devkg_server):
    for width in (1280, 400):
        open_query_page(browser, f"{devkg_server}/sparql?example=14-projects-per-country", width)
        assert browser.wait_for(ROWS, timeout=30) >= 1
        assert shown(browser, ".yasr .select_map")
        browser.evaluate("document.querySelector('.yasr .select_map').click()")
        assert int(browser.wait_for(READY.format("'.devkg-resultmap'"), timeout=30)) >= 5  # countries shaded
        assert "shaded by ?projects" in browser.evaluate("document.querySelector('.devkg-viewnote').innerText")
        assert browser.evaluate("document.documentElement.scrollWidth") <= browser.evaluate("window.innerWidth")
        keep_screenshot(browser, "query-map", width)
    requests = browser.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert all(url.startswith(devkg_server) for url in requests), requests  # libraries and outlines from here
    points = ("#defaultView:Map\nSELECT ?city ?where WHERE { VALUES (?city ?where) { "
              '("Lima" "POINT(-77.03 -12.05)"^^geo:wktLiteral) ("Bishkek" "POINT(74.59 42.87)"^^geo:wktLiteral) } }')
    open_query_page(browser, f"{devkg_server}/sparql#query={urllib.parse.quote(points)}")
    assert browser.wait_for(READY.format("'.devkg-resultmap'"), timeout=30) == "2"  # two markers, opened on the map
    assert browser.evaluate("document.querySelectorAll('.devkg-resultmap path.leaflet-interactive').length") >= 2
    assert console_problems(browser) == []


def test_downloads_are_named_after_the_example(browser, devkg_server):
    open_query_page(browser, f"{devkg_server}/sparql?example=05")
    browser.wait_for(ROWS, timeout=30)
    links = json.loads(browser.evaluate("JSON.stringify(Array.from(document.querySelectorAll('#downloads a'), "
                                        "a => [a.textContent, a.download, a.href]))"))
    assert [(label, name) for label, name, _ in links] == [
        ("CSV", "devkg-05-projects-per-sdg-goal.csv"), ("TSV", "devkg-05-projects-per-sdg-goal.tsv"),
        ("JSON", "devkg-05-projects-per-sdg-goal.json"), ("XML", "devkg-05-projects-per-sdg-goal.xml")]
    answer = browser.evaluate(f"fetch({json.dumps(links[0][2])})"
                              ".then(r => r.status + ' ' + r.headers.get('content-type'))")
    assert answer.startswith("200 text/csv")
    first = browser.evaluate(f"fetch({json.dumps(links[0][2])}).then(r => r.text()).then(t => t.split('\\r\\n')[0])")
    assert first == "goal,code,name,projects"
    assert browser.evaluate("window.devkgYasgui.getTab().getYasr().config.getDownloadFileName()") == \
        "devkg-05-projects-per-sdg-goal"  # YASR's own download button too
    browser.evaluate("window.devkgYasgui.getTab().getYasqe()"
                     ".setValue('CONSTRUCT WHERE { ?s a dev:Country } LIMIT 3'); 1")
    assert browser.wait_for("document.querySelector('#downloads a').download === 'devkg-query.ttl'")
    assert browser.evaluate("Array.from(document.querySelectorAll('#downloads a'), a => a.textContent).join()") == \
        "Turtle,N-Triples,JSON-LD"  # a graph has graph formats
