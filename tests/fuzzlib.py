"""How many examples the property-based tests draw: their own count times `DEVKG_FUZZ_SCALE` (default 1)."""

from __future__ import annotations

import os

SCALE = float(os.environ.get("DEVKG_FUZZ_SCALE") or 1)


def examples(n: int) -> int:
    return max(1, int(n * SCALE))
