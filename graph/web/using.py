"""The protocol's `using-graph-uri` / `using-named-graph-uri` for updates, which pyoxigraph has no option for.

SPARQL 1.1 Protocol §2.2.3: these parameters give the dataset of every
DELETE/INSERT ... WHERE operation in the request, exactly as `USING` and
`USING NAMED` clauses would, and a request that has them together with an
operation carrying its own USING or WITH is refused (400). So devkg writes the
clauses into the request: before the top-level `WHERE` of each such operation.
Where that position is found by a small tokenizer, rdflib parses the request
before and after the rewrite and the rewrite is used only if every
DELETE/INSERT operation now has exactly the requested dataset and nothing else
changed in shape; otherwise the request is refused, never run with a dataset
other than the one asked for.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r'''
    (?P<skip>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
        |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^<>"{}|^`\\\x00-\x20]*>|\#[^\n]*)
    |(?P<open>\{)|(?P<close>\})
    |(?P<word>(?:[A-Za-z_0-9:?$.\-]|\\.)+)
    |(?P<other>[\s\S])''', re.X)


class UsingError(ValueError):
    """The parameters cannot be applied to this request (the message says why)."""


def _where_positions(text: str) -> list[int]:
    """Offsets of every `WHERE` keyword outside braces, strings, IRIs and comments."""
    depth, found = 0, []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word" and depth == 0 and m.group().upper() == "WHERE":
            found.append(m.start())
    return found


def _operations(text: str) -> list:
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        return list(parseUpdate(text).request)
    except Exception as e:  # the parser's own message goes to the client
        raise UsingError("using-graph-uri needs an update the SPARQL 1.1 grammar can read: "
                         + " ".join(str(e).split())[:200]) from None


def _dataset(op) -> tuple[list[str], list[str]]:
    clauses = op["using"] if "using" in op else []
    return ([str(c["default"]) for c in clauses if "default" in c],
            [str(c["named"]) for c in clauses if "named" in c])


def apply(update: str, using: list[str], using_named: list[str]) -> str:
    """`update` with USING/USING NAMED clauses for every DELETE/INSERT ... WHERE; raises UsingError."""
    if not using and not using_named:
        return update
    ops = _operations(update)
    names = [op.name for op in ops]
    if "DeleteWhere" in names:
        raise UsingError("using-graph-uri cannot apply to DELETE WHERE; write DELETE { ... } WHERE { ... }")
    modify = [op for op in ops if op.name == "Modify"]
    if any("using" in op or "withClause" in op for op in modify):
        raise UsingError("send using-graph-uri/using-named-graph-uri or put USING/WITH in the update, not both")
    clause = "".join(f"USING <{g}> " for g in using) + "".join(f"USING NAMED <{g}> " for g in using_named)
    for g in using + using_named:
        if not re.fullmatch(r'[^<>"{}|^`\\\x00-\x20]+', g):
            raise UsingError(f"{g!r} is not an IRI")
    positions = _where_positions(update)
    if len(positions) != len(modify):
        raise UsingError("could not find the WHERE of every DELETE/INSERT operation")
    out = update
    for pos in reversed(positions):
        out = out[:pos] + clause + out[pos:]
    after = _operations(out)
    if [op.name for op in after] != names or any(
            _dataset(op) != (using, using_named) for op in after if op.name == "Modify"):
        raise UsingError("could not apply using-graph-uri to this update")
    return out
