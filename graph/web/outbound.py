"""No outbound requests from queries: SERVICE and LOAD are refused unless their host is allowed.

pyoxigraph really does fetch: `SERVICE <http://...>` in a query and `LOAD <...>`
in an update make HTTP requests from the server (checked by experiment; remote
`FROM <...>` only names a graph in the store and fetches nothing). So the
protocol layer scans the text before the engine sees it. The scan decodes
SPARQL's `\\u` escapes first (the grammar applies them before parsing), blanks
out strings, comments and IRIs so that words inside them never count, and then
requires every SERVICE/LOAD target to be a full IRI whose host is on the
allow-list: a variable or prefixed name as target is refused, because its value
is only known at run time.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_MASK = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*|<[^<>"{}|^`\\\s]*>')
_KEYWORD = re.compile(r"(?<![\w:?$\-])(SERVICE|LOAD)(?![\w:\-])", re.IGNORECASE)
_TARGET = re.compile(r"\s*(?:SILENT\s+)?(<[^<>\s]*>)", re.IGNORECASE)
_MASKED_TARGET = re.compile(r"\s*(?:SILENT\s+)?< *>", re.IGNORECASE)


class Refused(Exception):
    """The query or update would contact a host that is not allowed."""


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def _masked(text: str) -> str:
    """Same length as `text`, with strings, comments and IRIs replaced by spaces (IRIs keep <>)."""
    def blank(m: re.Match) -> str:
        s = m.group(0)
        return "<" + " " * (len(s) - 2) + ">" if s.startswith("<") else " " * len(s)
    return _MASK.sub(blank, text)


def outbound_targets(text: str) -> list[str]:
    """The SERVICE/LOAD targets in a query or update, as written; '' where the target is not an IRI."""
    text = _unescape(text)
    code = _masked(text)
    targets = []
    for m in _KEYWORD.finditer(code):
        t = _TARGET.match(text, m.end())
        targets.append(t.group(1)[1:-1] if t and _MASKED_TARGET.match(code, m.end()) else "")
    return targets


def check(text: str, allowed_hosts: tuple[str, ...] | list[str]) -> None:
    """Raise Refused unless every SERVICE/LOAD target is an IRI on an allowed host."""
    allowed = {h.lower() for h in allowed_hosts}
    for target in outbound_targets(text):
        if not target:
            raise Refused("SERVICE and LOAD need a full IRI as target on this endpoint "
                          "(a variable or prefixed name could reach any host)")
        host = (urlsplit(target).hostname or "").lower()
        if host not in allowed:
            raise Refused(f"requests to {host or target} are not allowed on this endpoint: queries may not "
                          "fetch remote data unless the operator lists the host in DEVKG_SERVICE_ALLOW")
