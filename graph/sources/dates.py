"""Dates as sources state them: a day, a month or a year (`2011-07-20`, `2019-10`, `2019`).

A fact sheet that says "Oct. 2019 - Sep. 2024" knows the month and nothing
finer; turning that into 2019-10-01 would invent a day. `PartialDate` keeps the
precision, and both readers (curated YAML, IATI XML) parse through here so
that they accept and refuse the same things.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

from graph.records import PartialDate

# year, optional month, optional day; a time and/or time zone only after a full date (IATI datetimes)
_PATTERN = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)?$"
)


def parse_stated_date(value: Any) -> PartialDate:
    """A PartialDate from a YAML/Python date or datetime, a year number, or text.

    Text may be `YYYY-MM-DD` (optionally with an IATI time and zone), `YYYY-MM` or
    `YYYY`. Raises ValueError with a message that shows the value and the
    accepted forms, so readers can put it next to the file and line.
    """
    if isinstance(value, (dt.date, dt.datetime)):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, int) and not isinstance(value, bool):
        if 1000 <= value <= 9999:
            return PartialDate(int(value))
        raise ValueError(f'"{value}" is not a year (write YYYY-MM-DD, YYYY-MM or YYYY)')
    if type(value) is str:  # IATI dates: a few thousand distinct strings in a file of many activities
        return PartialDate(*_parse_text(value))
    return PartialDate(*_parse_text(str(getattr(value, "text", value))))


@lru_cache(maxsize=1 << 14)
def _parse_text(value: str) -> tuple[int, int | None, int | None]:
    """(year, month, day) of a stated date; ValueError as `parse_stated_date` explains (not cached)."""
    text = value.strip()
    m = _PATTERN.match(text)
    if not m:
        raise ValueError(f'"{text}" is not a date (write YYYY-MM-DD, YYYY-MM or YYYY)')
    year, month, day = (int(g) if g else None for g in m.group("year", "month", "day"))
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError as e:
        raise ValueError(f'"{text}" is not a valid date: {e}') from None
    return year, month, day
