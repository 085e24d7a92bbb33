"""Where the real IATI test files are, and a data dir with the seed projects only."""

from __future__ import annotations

import os
from pathlib import Path

from graph.config import PROJECT_ROOT

IATI_DIR = PROJECT_ROOT / "tests" / "fixtures" / "iati-real"  # licences in its README.md


def seed_data_dir(tmp: Path) -> Path:
    """A data dir with the curated projects and reference data only (symlinked, not copied)."""
    data = tmp / "data"
    data.mkdir()
    for name in ("projects", "reference"):
        os.symlink(PROJECT_ROOT / "data" / name, data / name)
    return data
