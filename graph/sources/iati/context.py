"""What the element readers share while reading one file: its name, defaults and problems.

Every helper here takes an element and answers a plain value, reporting what it
cannot read as a `Problem` at the element's line instead of raising, so one run
lists every problem in a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lxml import etree

from graph.records import Money, PartialDate, Problem, Text, Where
from graph.sources.dates import parse_stated_date
from graph.sources.values import decimal_problem, iri_problem, language_problem

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_TRUE = {"1", "true"}
_FALSE = {"0", "false"}


@dataclass
class Context:
    """One file being read: its display name, the current activity's defaults, the problems found."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    lang: str | None = None  # default xml:lang of the activity (else of the file)
    currency: str | None = None  # the activity's default-currency
    activity: str | None = None  # identifier of the activity being read, for messages

    def where(self, el: etree._Element) -> Where:
        return Where(self.file, el.sourceline)

    def error(self, el: etree._Element | None, message: str) -> None:
        self._add(el, message, "error")

    def warning(self, el: etree._Element | None, message: str) -> None:
        self._add(el, message, "warning")

    def _add(self, el: etree._Element | None, message: str, severity: str) -> None:
        where = Where(self.file, el.sourceline if el is not None else None)
        if self.activity:
            message = f"{message} (activity {self.activity})"
        self.problems.append(Problem(where, message, severity, project=self.activity))

    # --- text ------------------------------------------------------------------------
    def narratives(self, el: etree._Element | None) -> list[Text]:
        """All non-empty `narrative` children, each in its own language or the default one."""
        if el is None:
            return []
        out = []
        for n in el.iterchildren("narrative"):
            value = (n.text or "").strip()
            if value:
                out.append(Text(value, self.language(n) or self.lang))
        return out

    def first_text(self, el: etree._Element | None) -> str | None:
        """The first narrative of an element (contact fields hold one string)."""
        texts = self.narratives(el)
        return texts[0].value if texts else None

    # --- attributes ------------------------------------------------------------------
    def code(self, el: etree._Element | None, attr: str = "code") -> str | None:
        if el is None:
            return None
        value = (el.get(attr) or "").strip()
        return value or None

    def language(self, el: etree._Element) -> str | None:
        """The element's own xml:lang; a malformed tag is reported and dropped (the text is kept)."""
        tag = (el.get(XML_LANG) or "").strip()
        if not tag:
            return None
        problem = language_problem(tag)
        if problem:
            self.warning(el, f"xml:lang {problem}; ignored")
            return None
        return tag

    def iri(self, el: etree._Element | None, attr: str) -> str | None:
        """An IRI attribute (linked-data-uri, vocabulary-uri); a malformed one is reported and dropped."""
        value = self.code(el, attr)
        if value is None:
            return None
        problem = iri_problem(value)
        if problem:
            self.warning(el, f"@{attr} {problem}; ignored")
            return None
        return value

    def required(self, el: etree._Element, attr: str) -> str | None:
        value = self.code(el, attr)
        if value is None:
            self.error(el, f"<{el.tag}> has no @{attr}")
        return value

    def decimal(self, el: etree._Element, raw: str | None, what: str) -> Decimal | None:
        """A decimal number; IATI allows neither thousands separators nor units."""
        if raw is None or not raw.strip():
            return None
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            self.error(el, f"{what} {raw.strip()!r} is not a number")
            return None
        problem = decimal_problem(value)
        if problem:
            self.error(el, f"{what} {raw.strip()!r} {problem}")
            return None
        return value

    def boolean(self, el: etree._Element, attr: str) -> bool | None:
        raw = self.code(el, attr)
        if raw is None:
            return None
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        self.error(el, f"@{attr} {raw!r} is not a boolean (1, 0, true or false)")
        return None

    def integer(self, el: etree._Element, attr: str) -> int | None:
        raw = self.code(el, attr)
        if raw is None:
            return None
        try:
            return int(raw)
        except ValueError:
            self.error(el, f"@{attr} {raw!r} is not a whole number")
            return None

    def date(self, el: etree._Element | None, attr: str = "iso-date", what: str | None = None) -> PartialDate | None:
        """An ISO date (a datetime keeps its date part); reports what it cannot read."""
        if el is None:
            return None
        raw = el.get(attr)
        if raw is None or not raw.strip():
            return None
        try:
            return parse_stated_date(raw)
        except ValueError as e:  # the one date parser both readers share names the value and the forms
            self.error(el, f"{what or f'@{attr}'}: {e}")
            return None

    # --- money -----------------------------------------------------------------------
    def money(self, el: etree._Element | None, what: str) -> Money | None:
        """A `value` element: the amount, its currency (else default-currency) and value-date."""
        if el is None:
            return None
        amount = self.decimal(el, el.text, f"{what} value")
        if amount is None:
            if not (el.text or "").strip():
                self.error(el, f"{what} value is empty")
            return None
        currency = self.code(el, "currency") or self.currency
        if currency is None:
            self.error(el, f"{what} value has no @currency and the activity no default-currency")
            return None
        return Money(amount, currency, self.date(el, "value-date"), where=self.where(el))

