"""Each kind of devkg page passes axe-core's WCAG 2 A and AA rules in a real headless Chromium (seed build).

axe-core comes from package-lock.json (`npm ci`, which `make test` runs); its script is injected with
Runtime.evaluate, which the page's Content-Security-Policy does not govern.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cdp import open_page

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

PAGES = {
    "home": "/",
    "project": "/id/project/CA-3-A034224001",
    "organisation": "/id/org/CA-3",
    "place": "/id/place/PE",
    "sdg": "/sdg/16.6",
    "projects": "/id/project/",
    "search": "/search?q=governance",
    "dumps": "/dumps/",
    "ontology": "/def",
    "query": "/sparql",
    "query-results": "/sparql?example=05-projects-per-sdg-goal",  # runs the example: its result table shows
}

# Markup devkg ships but does not author: the syntax-coloured lines of YASGUI's query editor on /sparql
# (CodeMirror tokens in YASQE's theme colours, some below 4.5:1 on white). The rest of YASGUI stays checked;
# devkg labels the editor's typing box itself (static/devkg/query.js).
EXCLUDE = ["#yasgui .CodeMirror-code"]


@pytest.fixture(scope="module", autouse=True)
def axe():
    if not AXE.is_file():
        pytest.skip(f"{AXE} is missing: run `npm ci` (make test does)")


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:3])
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']}; e.g. {targets}")
    return "\n".join(lines)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_wcag_a_or_aa_violations(browser, devkg_server, name):
    open_page(browser, devkg_server + PAGES[name])
    # check the maps and charts as drawn (a map that cannot be drawn says so in words, and is checked too)
    browser.wait_for("Array.from(document.querySelectorAll('.worldmap, canvas.sdgchart'))"
                     ".every(e => e.dataset.ready || e.textContent)")
    if "example=" in PAGES[name]:
        browser.wait_for("document.querySelectorAll('.yasr table tbody tr').length")
    if browser.evaluate("typeof axe") != "object":
        browser.evaluate(AXE.read_text(encoding="utf-8"))
    exclude = json.dumps([[selector] for selector in EXCLUDE])
    violations = browser.evaluate(f"""axe.run({{exclude: {exclude}}},
        {{runOnly: {{type: 'tag', values: ['wcag2a', 'wcag2aa']}}, resultTypes: ['violations']}})
        .then(r => r.violations.map(v => ({{id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({{target: n.target}}))}})))""")
    assert violations == [], f"{PAGES[name]}:\n" + describe(violations)
