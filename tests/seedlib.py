"""Where the real IATI test files are, and a data dir with the seed projects only."""

from __future__ import annotations

import os
from pathlib import Path

from graph.config import PROJECT_ROOT

IATI_DIR = PROJECT_ROOT / "tests" / "fixtures" / "iati-real"  # licences in its README.md
# the publishers' files of the IATI fixture build (tests/conftest.py `iati_settings`)
PUBLISHER_FILES = [
    "iom-577-activities-2.03.xml",
    "nl-mfa-13-activities-2.03.xml",
    "dfid-purchase-of-equity-2.03.xml",
    "dfid-albania-governance-2.01.xml",
    "iati-standard-example-annotated-2.03.xml",
]


def seed_data_dir(tmp: Path) -> Path:
    """A data dir with the curated projects and reference data only (symlinked, not copied)."""
    data = tmp / "data"
    data.mkdir()
    for name in ("projects", "reference"):
        os.symlink(PROJECT_ROOT / "data" / name, data / name)
    return data
