"""Writing query results with a row limit, a byte limit and a deadline, and saying so when one cuts them.

pyoxigraph evaluates lazily, so rows are pulled one by one: the limits stop the
pull and the deadline is checked between rows, so a slow stream ends early with
what it has, marked as cut. The byte limit counts each row's terms as it is
pulled (an estimate within a few per cent of the written body), so one huge row
(a GROUP_CONCAT over everything) is cut before it is written. A query that
computes everything before its first row (ORDER BY, GROUP BY) is stopped instead
by killing its worker (limits.py).

SELECT results are written here rather than by pyoxigraph's `serialize`, which
can only write a whole result stream, not a limited prefix of it with the cut
announced in the body.
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from graph.store import BlankNode, NamedNode, serialize
from graph.web.negotiate import Format

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass
class Cut:
    rows: int
    reason: str | None = None  # "max-rows", "max-bytes" or "timeout"; None when complete

    def header(self) -> str | None:
        return f"{self.reason}; rows={self.rows}" if self.reason else None


def solution_size(row, variables: list[str]) -> int:
    """About the bytes a row takes in SPARQL JSON (the largest of the four formats)."""
    size = 2
    for v in variables:
        t = row[v]
        if t is not None:
            size += len(v) + len(t.value) + 30
            if not isinstance(t, (NamedNode, BlankNode)):
                size += len(t.datatype.value) if not t.language else len(t.language) + 12
    return size


def triple_size(t) -> int:
    return len(str(t)) + 3


def take(iterator, limit: int, deadline: float, max_bytes: int = 0, size=None) -> tuple[list, Cut]:
    """Up to `limit` rows (and `max_bytes` by `size(row)`) from a lazy result, cut at the deadline."""
    rows, total = [], 0
    for item in iterator:
        if len(rows) >= limit:
            return rows, Cut(len(rows), "max-rows")
        if max_bytes and size is not None:
            total += size(item)
            if total > max_bytes:
                return rows, Cut(len(rows), "max-bytes")
        rows.append(item)
        if time.monotonic() > deadline:
            return rows, Cut(len(rows), "timeout")
    return rows, Cut(len(rows))


def _json_term(t) -> dict:
    if isinstance(t, NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, BlankNode):
        return {"type": "bnode", "value": t.value}
    out = {"type": "literal", "value": t.value}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype.value != XSD_STRING:
        out["datatype"] = t.datatype.value
    return out


def _xml_term(t) -> str:
    if isinstance(t, NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if t.language:
        return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
    if t.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
    return f"<literal>{escape(t.value)}</literal>"


def _csv_cell(t) -> str:
    if t is None:
        return ""
    v = t.value if not isinstance(t, BlankNode) else f"_:{t.value}"
    return f'"{v.replace(chr(34), chr(34) * 2)}"' if any(c in v for c in ',"\r\n') else v


def _tsv_cell(t) -> str:
    if t is None:
        return ""
    return str(t).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def write_solutions(variables: list[str], rows: list, fmt: Format, cut: Cut) -> bytes:
    if fmt.name == "json":
        doc = {"head": {"vars": variables}, "results": {"bindings": [
            {v: _json_term(r[v]) for v in variables if r[v] is not None} for r in rows]}}
        if cut.reason:
            doc["head"]["link"] = [f"urn:devkg:truncated:{cut.reason}"]
            doc["devkg"] = {"truncated": True, "reason": cut.reason, "rows": cut.rows}
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    if fmt.name == "xml":
        out = io.StringIO()
        out.write('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>')
        out.write("".join(f"<variable name={quoteattr(v)}/>" for v in variables))
        if cut.reason:
            out.write(f"<link href={quoteattr(f'urn:devkg:truncated:{cut.reason}')}/>")
        out.write("</head><results>")
        for r in rows:
            out.write("<result>" + "".join(f"<binding name={quoteattr(v)}>{_xml_term(r[v])}</binding>"
                                           for v in variables if r[v] is not None) + "</result>")
        out.write("</results></sparql>\n")
        return out.getvalue().encode("utf-8")
    if fmt.name == "csv":
        lines = [",".join(variables)] + [",".join(_csv_cell(r[v]) for v in variables) for r in rows]
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")
    lines = ["\t".join(f"?{v}" for v in variables)] + ["\t".join(_tsv_cell(r[v]) for v in variables) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_boolean(value: bool, fmt: Format) -> bytes:
    if fmt.name == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt.name == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()
    return (("true" if value else "false") + "\n").encode()


def write_triples(triples: list, fmt: Format, cut: Cut, prefixes: dict[str, str] | None = None) -> bytes:
    body = serialize(triples, fmt.writer, prefixes)
    if cut.reason and fmt.name in ("ttl", "nt", "nq", "trig"):
        body = f"# devkg: result truncated ({cut.reason}) after {cut.rows} triples\n".encode() + body
    return body
