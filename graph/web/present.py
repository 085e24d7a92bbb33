"""Small helpers shared by the pages for people: SELECT rows as plain values, links, money, IRIs in queries.

The pages read the store only through SPARQL on the app's store interface, so a
remote store serves them as well as the embedded one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask import current_app

from graph.namespaces import prefixes

SDG_NS = "http://metadata.un.org/sdg/"
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("decimal", "integer", "double", "float", "int", "long", "nonNegativeInteger")}


@dataclass(frozen=True)
class Term:
    kind: str  # "iri", "literal" or "bnode"
    value: str
    datatype: str | None = None
    lang: str | None = None

    @property
    def is_iri(self) -> bool:
        return self.kind == "iri"

    @property
    def is_number(self) -> bool:
        return self.datatype in NUMERIC


def _term(t) -> Term | None:
    if t is None:
        return None
    name = type(t).__name__
    if name == "NamedNode":
        return Term("iri", t.value)
    if name == "BlankNode":
        return Term("bnode", t.value)
    if name == "Literal":
        return Term("literal", t.value, t.datatype.value if t.datatype else None, t.language or None)
    return Term("literal", str(t))  # a quoted triple: shown as text


def settings():
    return current_app.config["DEVKG"]


def store():
    return current_app.extensions["devkg"].get()


def select(query: str, **kwargs) -> list[dict[str, Term]]:
    """Run a SELECT with the devkg prefixes; rows as dicts of `Term` (unbound variables left out)."""
    result = store().query(query, prefixes=prefixes(settings().base), **kwargs)
    names = [v.value for v in result.variables]
    rows = []
    for solution in result:
        row = {}
        for n in names:
            t = _term(solution[n])
            if t is not None:
                row[n] = t
        rows.append(row)
    return rows


def ask(query: str) -> bool:
    return bool(store().query(query, prefixes=prefixes(settings().base)))


_IRIREF_SAFE = re.compile(r'[^<>"{}|^`\\\x00-\x20]*')


def iri_ref(iri: str) -> str:
    """`<iri>` safe to put in a query: characters SPARQL forbids in an IRIREF are percent-encoded."""
    if _IRIREF_SAFE.fullmatch(iri):
        return "<" + iri + ">"
    out = []
    for ch in iri:
        if ch in '<>"{}|^`\\' or ord(ch) <= 0x20:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8")))
        else:
            out.append(ch)
    return "<" + "".join(out) + ">"


def literal(text: str) -> str:
    """A SPARQL string literal for any text."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def sdg_code(iri: str) -> str | None:
    """`http://metadata.un.org/sdg/16.6` -> `16.6` (goals, targets and indicators)."""
    if not iri.startswith(SDG_NS):
        return None
    code = iri[len(SDG_NS):]
    return code if code and all(c.isalnum() or c == "." for c in code) else None


def number(value: str) -> str:
    """`19075668` -> `19,075,668`; `1234.5` -> `1,234.50`; anything else as given."""
    try:
        d = Decimal(value)
    except (InvalidOperation, ValueError):
        return value
    if not d.is_finite():
        return value
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d:,.2f}"


def money(value: str | None, currency: str | None) -> str:
    if value is None:
        return ""
    return f"{currency or ''} {number(value)}".strip()


def local_name(iri: str) -> str:
    for sep in ("#", "/"):
        if sep in iri:
            iri = iri.rsplit(sep, 1)[1] or iri
    return iri
