"""The query page in a real headless Chromium: load it, run an example, see the rows."""

from __future__ import annotations

import shutil
import subprocess

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_query_page_runs_an_example_and_shows_rows(devkg_server, tmp_path):
    url = f"{devkg_server}/sparql?example=14-projects-per-country&run=1"
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom", url],
        capture_output=True, text=True, timeout=120).stdout
    assert 'class="result-row"' in dom
    assert "Kyrgyzstan" in dom and "Peru" in dom
    assert "8 rows" in dom
