"""Running a query against the live store from the command line, and printing its result.

The devkg prefixes (`dev:`, `skos:`, `sdg:` ...) are preset, so a query may use
them without declaring them; the default graph is the union of all graphs.
"""

from __future__ import annotations

from typing import TextIO

from graph.config import Settings
from graph.namespaces import prefixes
from graph.store import (
    BlankNode,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QueryTriples,
    RdfFormat,
    RemoteTriples,
    open_store,
    serialize,
)


def run_query(settings: Settings, sparql: str):
    store = open_store(settings)
    return store.query(sparql, prefixes=prefixes(settings.base))


def term_text(term) -> str:
    """A term as a person reads it: IRIs in full, literals by their lexical form."""
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return term.value


def print_result(result, fmt: str, out: TextIO) -> None:
    if isinstance(result, QueryBoolean):
        out.write(("true" if bool(result) else "false") + "\n")
        return
    if isinstance(result, (QueryTriples, RemoteTriples)):
        rdf = RdfFormat.N_TRIPLES if fmt == "ntriples" else RdfFormat.TURTLE
        out.write(serialize(list(result), rdf).decode("utf-8"))
        return
    if fmt in ("csv", "tsv", "json"):
        formats = {"csv": QueryResultsFormat.CSV, "tsv": QueryResultsFormat.TSV,
                   "json": QueryResultsFormat.JSON}
        out.write(result.serialize(format=formats[fmt]).decode("utf-8"))
        if fmt == "json":
            out.write("\n")
        return
    variables = [v.value for v in result.variables]
    rows = [[term_text(solution[v]) for v in variables] for solution in result]
    _table(variables, rows, out)


def _table(header: list[str], rows: list[list[str]], out: TextIO, width: int = 60) -> None:
    def cut(s: str) -> str:
        return s if len(s) <= width else s[: width - 1] + "…"

    rows = [[cut(c) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return " | ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    out.write(line(header) + "\n")
    out.write("-+-".join("-" * w for w in widths) + "\n")
    for r in rows:
        out.write(line(r) + "\n")
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")
