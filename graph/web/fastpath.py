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
`ASK {}` itself (no prologue, no dataset) is `true` over every dataset, so it is
answered from its parsed form without reading the store (`Flat.always_true`).

A SELECT that provably fits the limits (a probe skips `max_rows` rows in the
engine; the body is written by pyoxigraph into a buffer that refuses to grow past
`max_bytes`) is written by pyoxigraph itself, three times faster than row by row
in Python; one that does not fit is answered row by row with the cut announced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from graph.store import QuerySyntaxError, StoreError
from graph.web import negotiate
from graph.web.limits import Answer, Job, execute
from graph.web.results import Cut, write_boolean

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


@dataclass(frozen=True)
class Flat:
    """A flat lookup, as its parts: enough to write a probe query around its one pattern."""

    form: str  # "select" or "ask"
    prologue: str
    group: str
    limit: int | None

    @property
    def always_true(self) -> bool:
        """`ASK {}` / `ASK WHERE {}` with no prologue: the empty group has one solution in every dataset,
        so the answer is `true` without reading the store (a prologue goes to the engine, which checks its IRIs)."""
        return self.form == "ask" and not self.prologue and self.group == "{ }"


def is_flat(query: str) -> bool:
    """Whether `query` is a flat lookup (see the module docstring) and may run in the server process."""
    return parse(query) is not None


def parse(query: str) -> Flat | None:
    """The flat lookup `query` is, or None for anything else."""
    if len(query) > MAX_LENGTH:
        return None
    return _parse(query)


@lru_cache(maxsize=1024)  # a pure function of the text; the lane and the dispatcher both ask, clients repeat
def _parse(query: str) -> Flat | None:
    toks = tokens(query)
    if toks is None:
        return None
    i, n = 0, len(toks)

    def word(k: int, *values: str) -> bool:
        return k < n and toks[k][0] == "word" and toks[k][1].upper() in values

    while word(i, "PREFIX", "BASE"):
        if word(i, "PREFIX"):
            if not (i + 2 < n and toks[i + 1][0] == "pname" and toks[i + 1][1].endswith(":")
                    and toks[i + 2][0] == "iri"):
                return None
            i += 3
        else:
            if not (i + 1 < n and toks[i + 1][0] == "iri"):
                return None
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
                return None
        form = "select"
    elif word(i, "ASK"):
        i += 1
        form = "ask"
    else:
        return None
    if word(i, "WHERE"):
        i += 1
    start = i
    i = _group(toks, i)
    if i is None:
        return None
    group_end, limit = i, None
    if form == "select" and word(i, "LIMIT"):
        if not (i + 1 < n and toks[i + 1][0] == "int"):
            return None
        limit = int(toks[i + 1][1])
        i += 2
    if i != n:
        return None
    prologue = " ".join(text for _, text in toks[:_prologue_length(toks)])
    return Flat(form, prologue, " ".join(text for _, text in toks[start:group_end]), limit)


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


def _prologue_length(toks: list[tuple[str, str]]) -> int:
    i = 0
    while i < len(toks) and toks[i][0] == "word" and toks[i][1].upper() in ("PREFIX", "BASE"):
        i += 3 if toks[i][1].upper() == "PREFIX" else 2
    return i


class _Full(Exception):
    pass


class _CappedBuffer:
    """A binary sink for pyoxigraph's writers that refuses to hold more than `limit` bytes."""

    def __init__(self, limit: int):
        self.limit, self.size, self.parts, self.full = limit, 0, [], False

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.limit and self.size > self.limit:
            self.full = True
            raise _Full()
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


@lru_cache(maxsize=None)  # one body per results format
def _true(fmt: negotiate.Format) -> bytes:
    return write_boolean(True, fmt)


def answer(store, job: Job, flat: Flat) -> Answer:
    """Answer a flat lookup in this process: by pyoxigraph's writer when it fits the limits, else row by row."""
    fmt = next((f for f in negotiate.RESULTS if f.name == job.results_format), None)
    if flat.always_true and fmt is not None and not (job.default_graphs or job.named_graphs):
        return Answer("ok", "boolean", fmt.name, _true(fmt), Cut(1))
    if flat.form == "ask" or fmt is None or job.default_graphs or job.named_graphs:
        return execute(store, job, dataset_clause=False)
    options = {"base_iri": job.base_iri, "prefixes": job.prefixes or None, "dataset_clause": False}
    try:
        if flat.limit is None or flat.limit > job.max_rows:
            probe = f"{flat.prologue} ASK {{ {{ SELECT * WHERE {flat.group} OFFSET {job.max_rows} LIMIT 1 }} }}"
            if bool(store.query(probe, **options)):
                return execute(store, job, dataset_clause=False)  # more rows than allowed: cut row by row
        sink = _CappedBuffer(job.max_bytes)
        try:
            store.query(job.query, **options).serialize(sink, format=fmt.writer)
        except (_Full, OSError, ValueError):
            if not sink.full:
                raise
            return execute(store, job, dataset_clause=False)  # more bytes than allowed: cut row by row
    except (StoreError, QuerySyntaxError):
        return execute(store, job, dataset_clause=False)  # the general path reports it the usual way
    return Answer("ok", "solutions", fmt.name, b"".join(sink.parts), Cut(0))
