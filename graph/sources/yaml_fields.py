"""Typed access to the fields of a YAML mapping, collecting problems instead of raising.

A curated file should report every mistake in one run, so each accessor returns
None for a missing or wrong value and records a `Problem` at the value's line.
Accessors take the mapping, the key and a fallback `Where` for values that were
synthesised (a bare `PE` standing for `{code: PE}`) and so have no line of their own.
"""

from __future__ import annotations

import difflib
from decimal import Decimal, InvalidOperation
from typing import Any

from graph.records import PartialDate, Problem, Text, Where
from graph.sources.dates import parse_stated_date
from graph.sources.values import decimal_problem, language_problem, wikidata_problem
from graph.sources.yaml_lines import LineDict, LineList, kind, literal


class FieldReader:
    """Reads one file's fields, collecting every problem instead of stopping at the first."""

    def __init__(self, file: str):
        self.file = file
        self.lang = "en"
        self.problems: list[Problem] = []

    def at(self, d: Any, key: str | None = None, default: Where | None = None) -> Where:
        """Where `d[key]` was written; else `default`; else where `d` itself starts."""
        if isinstance(d, LineDict) and key in d.lines:
            return Where(self.file, d.lines[key])
        return default or Where(self.file, getattr(d, "line", None) or None)

    def error(self, where: Where, message: str) -> None:
        self.problems.append(Problem(where, message))

    def mapping(self, value: Any, where: Where, what: str, allowed: tuple[str, ...] | None) -> LineDict | None:
        """`value` as a mapping whose keys are all in `allowed` (None: any key)."""
        if not isinstance(value, dict):
            self.error(where, f"{what} must be a mapping (key: value), not {kind(value)}")
            return None
        for key in value if allowed is not None else ():
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                self.error(self.at(value, key), f'unknown field "{key}" in {what}'
                           + (f'; did you mean "{hint[0]}"?' if hint else ""))
        return value

    def items(self, d: LineDict, key: str) -> list[tuple[Any, Where]]:
        """A list field as (item, where) pairs; a single item may be written without the list."""
        value = d.get(key)
        if value is None:
            return []
        if isinstance(value, LineList):
            return [(v, Where(self.file, line)) for v, line in zip(value, value.lines)]
        return [(value, self.at(d, key))]

    def scalar(self, d: dict, key: str, where: Where, what: str, required: bool) -> str | None:
        value = d.get(key)
        if value is None or value == "":
            if required:
                self.error(where, f'missing required field "{key}"')
            return None
        if isinstance(value, bool):
            self.error(self.at(d, key, where), f'"{key}" was read as {str(value).lower()}; quote it if it is {what}')
            return None
        if isinstance(value, (dict, list)):
            self.error(self.at(d, key, where), f'"{key}" must be {what}, not {kind(value)}')
            return None
        return literal(value).strip()

    def text(self, d: dict, key: str, where: Where, required: bool = False) -> str | None:
        return self.scalar(d, key, where, "text", required)

    def code(self, d: dict, key: str, where: Where, required: bool = False) -> str | None:
        return self.scalar(d, key, where, "a code", required)

    def decimal(self, d: dict, key: str, where: Where, required: bool = False) -> Decimal | None:
        text = self.scalar(d, key, where, "a number", required)
        if text is None:
            return None
        try:
            number = Decimal(text.replace(",", "").replace("_", "").removesuffix("%").strip())
        except InvalidOperation:
            number = None
        if number is None or decimal_problem(number):
            self.error(self.at(d, key, where), f'"{key}" must be a number, not "{text}"')
            return None
        return number

    def date(self, d: dict, key: str, where: Where | None = None) -> PartialDate | None:
        value = d.get(key)
        if value is None:
            return None
        try:
            return parse_stated_date(value)
        except ValueError as e:
            self.error(self.at(d, key, where), f'"{key}": {e}')
            return None

    def boolean(self, d: dict, key: str, where: Where | None = None) -> bool | None:
        value = d.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.error(self.at(d, key, where), f'"{key}" must be true or false, not "{literal(value)}"')
        return None

    def single(self, key: str, value: Any, where: Where) -> LineDict:
        """A bare value written where a mapping may stand (`- PE` for `- {code: PE}`)."""
        d = LineDict({key: value})
        d.line, d.lines = where.line or 0, {key: where.line} if where.line else {}
        return d

    def texts(self, d: dict, key: str, lang: str | None = "") -> list[Text]:
        """Text in the project's language, a list of such texts, or a mapping language -> text."""
        lang = self.lang if lang == "" else lang
        value, where = d.get(key), self.at(d, key)
        values = value if isinstance(value, list) else [value]
        out: list[Text] = []
        for i, item in enumerate(values):
            line = Where(self.file, value.lines[i]) if isinstance(value, LineList) else where
            if isinstance(item, dict):
                for k in item:
                    if (t := self.text(item, k, line)) and not self._bad_language(str(k), self.at(item, k, line)):
                        out.append(Text(t, str(k)))
            elif item is not None and (t := self.text(self.single(key, item, line), key, line)):
                out.append(Text(t, lang))
        return out

    def _bad_language(self, tag: str, where: Where) -> bool:
        problem = language_problem(tag)
        if problem:
            self.error(where, problem)
        return problem is not None

    def language(self, d: dict, key: str, where: Where) -> str | None:
        """A language tag (`language: es`), checked."""
        tag = self.code(d, key, where)
        return None if tag is None or self._bad_language(tag, self.at(d, key, where)) else tag

    def wikidata(self, d: dict, key: str, where: Where) -> str | None:
        qid = self.code(d, key, where)
        problem = wikidata_problem(qid) if qid else None
        if problem:
            self.error(self.at(d, key, where), f'"{key}": {problem}')
            return None
        return qid

    def strings(self, d: dict, key: str, where: Where) -> list[str]:
        """One text or a list of texts."""
        return [s for value, w in self.items(d, key) if (s := self.text(self.single(key, value, w), key, w))]
