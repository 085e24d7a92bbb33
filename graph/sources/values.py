"""Values the graph must be able to hold: language tags, IRIs, decimals in range.

Both readers call these at read time, so a bad value becomes a `file:line`
problem instead of an exception deep in mapping or storage (rdflib refuses the
tag `en us!`, a Turtle writer refuses the IRI `http://exa mple.org/`, and
`Decimal("1E+9999999")` overflows the first sum it is part of). Each answers
None for a good value and a short reason otherwise.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlsplit

# BCP 47 as RDF 1.1 requires of language tags (the same production rdflib and pyoxigraph check)
_LANG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
# RFC 3987 absolute IRI: a scheme, then no space, control, or <>"{}|\^` characters
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|\\^`\x7f-\x9f]*")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_QID = re.compile(r"Q[1-9][0-9]*")
MAX_EXPONENT = 30  # |value| below 10**31 and not finer than 10**-30: every real amount and percentage


@lru_cache(maxsize=1 << 10)  # a file's narratives use a handful of tags
def language_problem(tag: str) -> str | None:
    return None if _LANG.fullmatch(tag) else f"{tag!r} is not a language tag (BCP 47, such as en or es-PE)"


def iri_problem(text: str) -> str | None:
    if not _IRI.fullmatch(text):
        return f"{text!r} is not an absolute IRI (a scheme such as https:, and no spaces or <>\"{{}}|\\^`)"
    if _BAD_PERCENT.search(text):
        return f"{text!r} has a % that is not followed by two hex digits"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError as e:
        return f"{text!r} is not a valid IRI ({e})"
    if "#" in parts.fragment or "[" in parts.path + parts.query + parts.fragment \
            or "]" in parts.path + parts.query + parts.fragment:
        return f"{text!r} is not a valid IRI"
    return None


def wikidata_problem(qid: str) -> str | None:
    return None if _QID.fullmatch(qid) else f"{qid!r} is not a Wikidata item id (Q followed by digits, such as Q419)"


def decimal_problem(value: Decimal) -> str | None:
    if not value.is_finite():
        return "is not a number"
    if value and not -MAX_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
        return f"is out of range (more than {MAX_EXPONENT} digits before or after the point)"
    return None
