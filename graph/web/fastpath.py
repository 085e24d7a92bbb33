"""The one kind of query answered in the server process: a flat lookup, proven cheap from its tokens.

Handing a query to a worker process costs a pipe round trip and two context
switches, which on a busy machine is most of a lookup's time. A query whose
whole text parses under this small grammar is cheap by construction and may
skip the hop:

    query  := ('PREFIX' pname-ns IRI | 'BASE' IRI)* (select | ask)
    select := 'SELECT' (VAR+ | '*') 'WHERE'? group ('LIMIT' INTEGER)?
    ask    := 'ASK' 'WHERE'? group
    group  := '{' (term term term '.'?)? '}'

One triple pattern, no repeated variable, no DISTINCT, OFFSET, FILTER, paths,
subqueries, dataset clauses, comments or escapes. pyoxigraph answers such a
pattern from one index range and streams it, so every row costs one index step
and the row, byte and deadline limits (results.py) bound the work; nothing here
can recurse or run long. Anything else, however harmless, takes the worker path.
"""

from __future__ import annotations

import re

MAX_LENGTH = 4000
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>"[^"\\\r\n]*"(?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*)?)
  | (?P<pname>(?:[A-Za-z](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?:(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?)
  | (?P<int>[0-9]+)
  | (?P<word>[A-Za-z]+)
  | (?P<punct>[{}.*]|\^\^)
""", re.VERBOSE)


def tokens(text: str) -> list[tuple[str, str]] | None:
    """(kind, text) pairs, or None when something outside the grammar's alphabet appears."""
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            return None
        if m.lastgroup != "ws":
            out.append((m.lastgroup, m.group()))
        pos = m.end()
    return out


def is_flat(query: str) -> bool:
    """Whether `query` is a flat lookup (see the module docstring) and may run in the server process."""
    if len(query) > MAX_LENGTH:
        return False
    toks = tokens(query)
    if toks is None:
        return False
    i, n = 0, len(toks)

    def word(k: int, *values: str) -> bool:
        return k < n and toks[k][0] == "word" and toks[k][1].upper() in values

    while word(i, "PREFIX", "BASE"):
        if word(i, "PREFIX"):
            if not (i + 2 < n and toks[i + 1][0] == "pname" and toks[i + 1][1].endswith(":")
                    and toks[i + 2][0] == "iri"):
                return False
            i += 3
        else:
            if not (i + 1 < n and toks[i + 1][0] == "iri"):
                return False
            i += 2
    if word(i, "SELECT"):
        i += 1
        if i < n and toks[i] == ("punct", "*"):
            i += 1
        else:
            start = i
            while i < n and toks[i][0] == "var":
                i += 1
            if i == start:
                return False
        limit = True
    elif word(i, "ASK"):
        i += 1
        limit = False
    else:
        return False
    if word(i, "WHERE"):
        i += 1
    i = _group(toks, i)
    if i is None:
        return False
    if limit and word(i, "LIMIT"):
        if not (i + 1 < n and toks[i + 1][0] == "int"):
            return False
        i += 2
    return i == n


def _group(toks: list[tuple[str, str]], i: int) -> int | None:
    """The index after `{ (s p o .?)? }` starting at i, or None."""
    n = len(toks)
    if not (i < n and toks[i] == ("punct", "{")):
        return None
    i += 1
    if i < n and toks[i] == ("punct", "}"):
        return i + 1
    terms, variables = [], set()
    for position in ("s", "p", "o"):
        if i >= n:
            return None
        kind, text = toks[i]
        if kind == "var":
            if text[1:] in variables:
                return None  # ?x ?x ?y filters a scan: not one index range
            variables.add(text[1:])
        elif kind == "word" and text == "a" and position == "p":
            pass
        elif kind == "string" and position == "o":
            if i + 2 < n and toks[i + 1] == ("punct", "^^") and toks[i + 2][0] in ("iri", "pname"):
                i += 2
        elif kind == "int" and position == "o":
            pass
        elif kind not in ("iri", "pname"):
            return None
        terms.append(text)
        i += 1
    if i < n and toks[i] == ("punct", "."):
        i += 1
    if not (i < n and toks[i] == ("punct", "}")):
        return None
    return i + 1
