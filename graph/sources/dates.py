"""Dates as sources state them: a day, a month or a year (`2011-07-20`, `2019-10`, `2019`)."""

from __future__ import annotations

import datetime as dt
import re

from graph.records import PartialDate

_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")


def parse_stated_date(value) -> PartialDate:
    """A PartialDate from a YAML date, a datetime or text; ValueError says what was wrong."""
    if isinstance(value, dt.datetime):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, int) and 1000 <= value <= 9999:
        return PartialDate(value)
    text = str(value).strip()
    m = _PATTERN.match(text)
    if not m:
        raise ValueError(f'"{text}" is not a date (write YYYY-MM-DD, YYYY-MM or YYYY)')
    year, month, day = (int(g) if g else None for g in m.groups())
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError as e:
        raise ValueError(f'"{text}" is not a valid date: {e}') from None
    return PartialDate(year, month, day)
