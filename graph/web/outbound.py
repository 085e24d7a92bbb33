"""No outbound requests from queries: SERVICE and LOAD are refused unless their host is allowed.

pyoxigraph really does fetch: `SERVICE <http://...>` in a query and `LOAD <...>`
in an update make HTTP requests from the server, and it has no switch to stop
it (remote `FROM <...>` only names a graph in the store and fetches nothing;
both checked by experiment, see tests/web/test_outbound.py). A text scan cannot
decide this (`ex:a\\#b`, comments, strings and `\\u` escapes defeat it), so the
decision is made on the parsed query:

1. cheap gate: neither the text nor its `\\u`-unescaped form contains "service"
   or "load" (any case) -> nothing can be fetched; the engine never sees a
   keyword that is not spelt out in one of the two.
2. otherwise rdflib parses the query or update (it applies `\\u` escapes first,
   as the grammar says) and translates it to algebra with the same prefixes and
   base IRI the engine gets, which resolves prefixed names and relative IRIs.
   Every SERVICE and LOAD node is found by walking the whole algebra (nested
   groups, OPTIONAL, EXISTS, subqueries) and its target must be an IRI whose host
   is on the allow-list; a variable is refused because its value is only known
   at run time.
3. text that rdflib cannot parse is refused when it reaches step 2: what the
   checker cannot read must not be run (pyoxigraph accepts a few SPARQL 1.2
   forms rdflib does not, such as LATERAL; such queries simply may not mention
   SERVICE/LOAD). rdflib's parser recurses about ten frames per triple pattern,
   so a query of more than ~90 patterns that mentions either word (even in a
   comment) is refused as too deeply nested; raising the interpreter-wide
   recursion limit for it would weaken every other thread's guard.

rdflib only parses here; it never evaluates (its evaluator would fetch
`FROM` IRIs). Parsing costs about 5 ms and only queries that pass the gate pay it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class Refused(Exception):
    """The query or update would contact a host that is not allowed, or cannot be checked."""


def _unescape(text: str) -> str:
    def one(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF else m.group(0)
    return _ESCAPE.sub(one, text)


def might_fetch(text: str) -> bool:
    """False when the text cannot contain SERVICE or LOAD, escaped or not."""
    for form in (text, _unescape(text)) if "\\" in text else (text,):
        low = form.lower()
        if "service" in low or "load" in low:
            return True
    return False


def _algebra(text: str, *, update: bool, prefixes: dict[str, str] | None, base: str | None):
    from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    if update:
        return list(translateUpdate(parseUpdate(text), base=base, initNs=prefixes or {}).algebra)
    return translateQuery(parseQuery(text), base=base, initNs=prefixes or {}).algebra


def _walk(node, found: list) -> None:
    """Every SERVICE and LOAD node under `node` (iteratively: the algebra can be deep)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack, seen = [node], set()
    while stack:
        n = stack.pop()
        if isinstance(n, (dict, list, tuple, set)):
            if id(n) in seen:
                continue
            seen.add(id(n))
        if isinstance(n, CompValue) and n.name in ("ServiceGraphPattern", "Load"):
            found.append(n.get("term") if n.name == "ServiceGraphPattern" else n.get("iri"))
        if isinstance(n, dict):
            stack.extend(n.values())
        elif isinstance(n, (list, tuple, set)):
            stack.extend(n)


def outbound_targets(text: str, *, update: bool = False, prefixes: dict[str, str] | None = None,
                     base: str | None = None) -> list[str | None]:
    """The SERVICE/LOAD targets as absolute IRIs; None where the target is a variable.

    Raises Refused when the text might fetch but cannot be parsed.
    """
    if not might_fetch(text):
        return []
    try:
        algebra = _algebra(text, update=update, prefixes=prefixes, base=base)
    except RecursionError:
        raise Refused("this request mentions SERVICE or LOAD and is nested too deeply to be checked") from None
    except Exception as e:  # any parser or translation failure: unreadable means refused
        detail = " ".join(str(e).split())[:200]
        raise Refused("this request mentions SERVICE or LOAD and could not be checked by the standard "
                      f"SPARQL 1.1 grammar ({detail}); remove them or fix the syntax") from None
    found: list = []
    _walk(algebra, found)
    from rdflib.term import URIRef

    return [str(t) if isinstance(t, URIRef) else None for t in found]


def check(text: str, allowed_hosts: Iterable[str], *, update: bool = False,
          prefixes: dict[str, str] | None = None, base: str | None = None) -> None:
    """Raise Refused unless every SERVICE/LOAD target is an IRI on an allowed host.

    `prefixes` and `base` must be what the engine is given, so that prefixed names
    and relative IRIs resolve here exactly as they will there.
    """
    allowed = {h.lower() for h in allowed_hosts}
    for target in outbound_targets(text, update=update, prefixes=prefixes, base=base):
        if target is None:
            raise Refused("SERVICE and LOAD need an IRI as target on this endpoint "
                          "(a variable could reach any host)")
        host = (urlsplit(target).hostname or "").lower()
        if not host or host not in allowed:
            raise Refused(f"requests to {host or target} are not allowed on this endpoint: queries may not "
                          "fetch remote data unless the operator lists the host in DEVKG_SERVICE_ALLOW")
