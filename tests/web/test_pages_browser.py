"""devkg's pages in a real headless Chromium (seed build): the summary shows, search works from the
header box, and nothing scrolls sideways on a 400 px phone.

Set DEVKG_SCREENSHOTS=<dir> to keep a screenshot of each page at 1280 and 400 px for a person to look at.
"""

from __future__ import annotations

import json
import time

import pytest
from cdp import keep_screenshot, open_page

PAGES = {
    "project": "/id/project/CA-3-A034224001",
    "project-sdgs": "/id/project/devkg-unda-2225O",
    "organisation": "/id/org/CA-3",
    "place": "/id/place/PE",
    "sdg": "/sdg/16.6",
    "codelist-concept": "/id/codelist/Sector/15112",
    "projects": "/id/project/",
    "places": "/id/place/?q=piura",
    "search": "/search?q=governance",
    "home": "/",
    "ontology": "/def",
    "query": "/sparql",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_no_sideways_scrolling_on_a_phone(browser, devkg_server, name):
    for width in (1280, 400):
        open_page(browser, devkg_server + PAGES[name], width)
        keep_screenshot(browser, name, width)
        wide = browser.evaluate("document.documentElement.scrollWidth")
        inner = browser.evaluate("window.innerWidth")
        culprits = browser.evaluate("""Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5).map(e => e.tagName + '.' + e.className)""")
        assert wide <= inner, (name, width, wide, culprits)


def test_project_summary_shows_money_people_and_goals(browser, devkg_server):
    open_page(browser, devkg_server + PAGES["project"])
    money = browser.evaluate("document.querySelector('#summary .money').innerText")
    assert money == "CAD 19,075,668"
    people = browser.evaluate("document.querySelector('#summary dl.summary').innerText")
    assert "Global Affairs Canada" in people and "Funding" in people and "Piura" in people
    visible = browser.evaluate("document.querySelector('#summary').getBoundingClientRect().top < window.innerHeight")
    assert visible  # the summary opens the page
    open_page(browser, devkg_server + PAGES["project-sdgs"])
    sdgs = browser.evaluate("Array.from(document.querySelectorAll('#summary .sdgs a')).map(a => a.innerText)")
    assert any(s.startswith("16.6 Develop effective") for s in sdgs)


def test_search_box_finds_a_project_and_its_page_opens(browser, devkg_server):
    open_page(browser, devkg_server + PAGES["place"], 400)
    browser.evaluate("""(() => { const box = document.querySelector('form.search input[type=search]');
        box.value = 'governance in action'; box.form.submit(); })()""")
    first = browser.wait_for("document.querySelector('li.hit a') && document.querySelector('li.hit a').innerText")
    assert first == "Governance in Action"
    browser.evaluate("document.querySelector('li.hit a').click()")
    title = browser.wait_for("location.pathname.startsWith('/id/project/') && document.querySelector('h1').innerText")
    assert title == "Governance in Action"
    assert browser.evaluate("document.querySelector('#summary .money').innerText") == "USD 12,000,000"


def test_facet_click_narrows_the_project_list(browser, devkg_server):
    open_page(browser, devkg_server + PAGES["projects"])
    before = browser.evaluate("document.querySelectorAll('table.listing tbody tr').length")
    browser.evaluate("""(() => { document.querySelector('details.facetbox').open = true;
        const a = Array.from(document.querySelectorAll('.facets a')).find(a => a.innerText === 'Peru'); """
                     "a.click(); })()")
    time.sleep(0.2)
    after = browser.wait_for("location.search.includes('country=') && document.readyState === 'complete' && "
                             "document.querySelectorAll('table.listing tbody tr').length")
    assert before == 5 and after == 2


@pytest.mark.parametrize("path,selector", [("/", ".worldmap"), ("/", "canvas.sdgchart"),
                                           (PAGES["project"], ".worldmap"), (PAGES["place"], ".worldmap")])
def test_maps_and_charts_draw_offline(browser, devkg_server, path, selector):
    open_page(browser, devkg_server + path)
    drawn = browser.wait_for(f"document.querySelector({json.dumps(selector)}).dataset.ready", timeout=20)
    assert int(drawn) >= 1  # countries shaded, or goals charted
    requests = browser.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert requests and all(url.startswith(devkg_server) for url in requests), requests  # nothing remote
