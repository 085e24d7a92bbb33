"""What identifies a part of a project in its source, as IRI path segments.

A budget, transaction, result or indicator gets its IRI from what the source says
about it, not from its position in the file, so the curated page and the IATI file
of one project give the same IRI to the same thing, and reordering a file changes
no IRI. The rules (also in docs/terms.md, "IRIs of a project's parts"):

- budget: its period and BudgetType (`budget/2010-04-01--2011-03-31/1`); a planned
  disbursement likewise, `-` for an unstated type;
  "--" is ISO 8601's interval separator for names, "open" an unstated end.
- transaction: its `@ref` when the activity uses that ref once, else date, type
  and amount (`transaction/2019-03-01/3/150000-USD`).
- result, indicator: a reference code when the source gives one (`ref-1-3.2`),
  else a slug of the title (`lambayeque-improved-office-procedures-...`), cut to
  `MAX_SLUG` characters plus a short hash of the whole slug when it is longer.
- indicator period: its dates (`period/2016-01-01--2016-12-31`).
- location: its `@ref`, else its place key, else a slug of its name.
- document: a short hash of its URL; related activity: type and identifier;
  contact: a slug of the person, organisation or e-mail.
- CRS other flag: its code; loan status and spending forecast: their year;
  condition: its type and a slug of its text; country budget item: vocabulary and code.

When two parts of one project still share a key (a file that repeats a budget line),
the second gets `-2`, the third `-3`, in source order. A part with nothing to key it
by falls back to its position (`n3`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TypeVar

from graph.mapping.iris import slug
from graph.records import (
    Budget,
    BudgetItem,
    Condition,
    Contact,
    DocumentLink,
    Indicator,
    IndicatorPeriod,
    Location,
    PartialDate,
    Result,
    Text,
    Transaction,
)

MAX_SLUG = 60
DEFAULT_BUDGET_TYPE = "1"  # IATI: a budget without @type is an original budget

T = TypeVar("T")


def unique(keys: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Keys made distinct in order: a repeated key gets `-2`, `-3` on its last segment."""
    seen: dict[tuple[str, ...], int] = {}
    out = []
    for key in keys:
        n = seen[key] = seen.get(key, 0) + 1
        out.append(key if n == 1 else (*key[:-1], f"{key[-1]}-{n}"))
    return out


def keyed(items: Sequence[T], key: Callable[[T, int], tuple[str, ...]]) -> list[tuple[tuple[str, ...], T]]:
    """Each item with its distinct key (`key(item, position)` where position counts from 1)."""
    if not items:  # most fields of most projects
        return []
    return list(zip(unique(key(item, n) for n, item in enumerate(items, 1)), items))


def period(start: PartialDate | None, end: PartialDate | None) -> str:
    return f"{start or 'open'}--{end or 'open'}"


def amount(value: Decimal, currency: str) -> str:
    return f"{format(value.normalize(), 'f')}-{currency.upper()}"


def text_key(titles: list[Text], references: list[tuple[str, str]], n: int) -> tuple[str, ...]:
    """A result or indicator: its first reference code, else its title, else its position."""
    if references:
        vocabulary, code = references[0]
        return (f"ref-{vocabulary}-{code}",)
    if titles and titles[0].value.strip():
        return (short_slug(titles[0].value),)
    return (f"n{n}",)


def short_slug(text: str) -> str:
    s = slug(text)
    if len(s) <= MAX_SLUG:
        return s
    return f"{s[:MAX_SLUG].rstrip('-')}-{hashlib.sha256(s.encode()).hexdigest()[:8]}"


def budget_key(b: Budget, n: int) -> tuple[str, ...]:
    return (period(b.period_start, b.period_end), b.type or DEFAULT_BUDGET_TYPE)


def planned_disbursement_key(pd, n: int) -> tuple[str, ...]:
    return (period(pd.period_start, pd.period_end), pd.type or "-")


def transaction_keys(transactions: Sequence[Transaction]) -> list[tuple[tuple[str, ...], Transaction]]:
    refs: dict[str, int] = {}
    for tr in transactions:
        if tr.ref:
            refs[tr.ref] = refs.get(tr.ref, 0) + 1

    def key(tr: Transaction, n: int) -> tuple[str, ...]:
        if tr.ref and refs[tr.ref] == 1:
            return ("ref", tr.ref)
        return (str(tr.date), tr.type, amount(tr.value.value, tr.value.currency))

    return keyed(transactions, key)


def result_key(r: Result, n: int) -> tuple[str, ...]:
    return text_key(r.titles, r.references, n)


def indicator_key(ind: Indicator, n: int) -> tuple[str, ...]:
    return text_key(ind.titles, ind.references, n)


def period_key(per: IndicatorPeriod, n: int) -> tuple[str, ...]:
    if per.start is None and per.end is None:
        return (f"n{n}",)
    return (period(per.start, per.end),)


def location_key(loc: Location, n: int) -> tuple[str, ...]:
    if loc.ref:
        return ("ref", loc.ref)
    if loc.place:
        return (loc.place,)
    if loc.names:
        return (short_slug(loc.names[0].value),)
    return (f"n{n}",)


def document_key(d: DocumentLink, n: int) -> tuple[str, ...]:
    return (hashlib.sha256(d.url.strip().encode()).hexdigest()[:12],)


def contact_key(c: Contact, n: int) -> tuple[str, ...]:
    name = c.person or c.organisation or (c.email[0] if c.email else None)
    return (short_slug(name),) if name else (f"n{n}",)


def condition_key(c: Condition, n: int) -> tuple[str, ...]:
    return (c.type, short_slug(c.texts[0].value) if c.texts and slug(c.texts[0].value) else f"n{n}")


def budget_item_key(b: BudgetItem, n: int) -> tuple[str, ...]:
    return (b.vocabulary, b.code)
