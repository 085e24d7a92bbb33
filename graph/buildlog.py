"""What a build says while it runs: a progress line per stage, warnings grouped by kind, memory.

At a million activities a build must not print 10,000 identical warnings nor stay
silent for minutes. `Stage` prints `[stage] done/total unit, rate/s, ETA` at most
every few seconds; `WarningGroups` keeps a count per kind of warning and the first
few `file:line` places; `peak_rss_mb()` reads the peak memory of the build and its
worker processes, for the per-stage summary.
"""

from __future__ import annotations

import re
import resource
import sys
import time
from collections.abc import Callable

Emit = Callable[[str], None]
EXAMPLES = 3  # file:line places shown per kind of warning


def peak_rss_mb() -> float:
    """Peak resident memory (MB) of this process and of the largest finished worker."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KB on Linux
    return max(own, children) * scale / 1e6


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Stage:
    """One stage's progress line; `every` seconds at most, plus one when it ends."""

    def __init__(self, emit: Emit, name: str, total: float | None = None, unit: str = "", every: float = 3.0):
        self.emit, self.name, self.total, self.unit, self.every = emit, name, total, unit, every
        self.t0 = self.last = time.perf_counter()
        self.done = 0.0
        self.count_text = ""

    def update(self, done: float, count_text: str = "") -> None:
        """`done` in the unit of `total` (bytes, items); `count_text` is what to show ("1200 activities")."""
        self.done, self.count_text = done, count_text
        now = time.perf_counter()
        if now - self.last >= self.every:
            self.last = now
            self.emit(self.line(now))

    def line(self, now: float | None = None) -> str:
        now = now or time.perf_counter()
        elapsed = max(now - self.t0, 1e-9)
        parts = [f"[{self.name}]"]
        if self.count_text:
            parts.append(self.count_text)
        if self.total:
            parts.append(f"{100 * self.done / self.total:.0f}%")
            rate = self.done / elapsed
            if 0 < self.done < self.total and rate > 0:
                parts.append(f"ETA {_duration((self.total - self.done) / rate)}")
        parts.append(f"{_duration(elapsed)}")
        return " ".join(parts)


_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'|<[^>]*>|\bhttps?://\S+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_ACTIVITY = re.compile(r" \(activity [^)]*\)$")


def kind_of(message: str) -> str:
    """A warning's kind: its message with the specific values (quoted, numbers, activity) taken out."""
    return _NUMBER.sub("N", _QUOTED.sub("…", _ACTIVITY.sub("", message)))


class WarningGroups:
    """Warnings by kind: a count and the first places, in the order kinds first appeared."""

    def __init__(self, examples: int = EXAMPLES):
        self.examples = examples
        self.groups: dict[str, list] = {}  # kind -> [count, first message, [places]]

    def add(self, where: str, message: str) -> None:
        kind = kind_of(message)
        group = self.groups.get(kind)
        if group is None:
            group = self.groups[kind] = [0, message, []]
        group[0] += 1
        if len(group[2]) < self.examples:
            group[2].append(where)

    def __len__(self) -> int:
        return sum(g[0] for g in self.groups.values())

    def lines(self) -> list[str]:
        out = []
        for count, first, places in sorted(self.groups.values(), key=lambda g: -g[0]):
            more = f" (and {count - len(places)} more)" if count > len(places) else ""
            out.append(f"warning x{count}: {first}\n    at {', '.join(places)}{more}")
        return out
