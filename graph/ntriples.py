"""N-Triples lines straight from rdflib terms, and a triple sink the mappers can write into.

Why: a build of 100k activities makes some ten million triples. Adding each to an
rdflib `Graph` and serialising the graph costs more than the mapping itself, so the
streamed build collects the mappers' triples in a `TripleSink` (a set: the same
triple mapped twice is one triple, as in a Graph) and writes them as N-Triples for
pyoxigraph's `bulk_load`. One function, `nt_line`, serialises every triple, so two
sources' lines for the same triple are equal strings and can be deduplicated as such.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile('[\\\\"\n\r]').search
_XSD_STRING = str(XSD.string)


def nt_term(term) -> str:
    kind = type(term)
    if kind is URIRef:
        return f"<{term}>"
    if kind is Literal:
        return _nt_literal(term)
    return _nt_other(term)


def _nt_literal(term: Literal) -> str:
    """A Literal as N-Triples: made each time (a cache would hash and compare rdflib terms, which costs
    more than these few string operations)."""
    lexical = str.translate(term, _ESCAPES) if _NEEDS_ESCAPE(term) else term
    language = term._language  # the slots behind rdflib's `language` and `datatype` properties
    if language:
        return f'"{lexical}"@{language}'
    datatype = term._datatype
    if datatype is not None and str(datatype) != _XSD_STRING:
        return f'"{lexical}"^^<{datatype}>'
    return f'"{lexical}"'


@lru_cache(maxsize=1 << 12)
def _nt_other(term) -> str:  # subclasses of URIRef and Literal, blank nodes
    if isinstance(term, URIRef) and not isinstance(term, Literal):
        return f"<{term}>"
    if isinstance(term, Literal):
        return _nt_literal(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    raise TypeError(f"not an RDF term: {term!r}")


def nt_line(triple) -> str:
    s, p, o = triple
    return f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .\n"


class TripleSink:
    """Quacks like the part of `rdflib.Graph` the mappers use (`add`) and keeps N-Triples lines.

    Equal triples give equal lines, so the set of lines is the set of triples; hashing a
    string is also cheaper than hashing rdflib terms.
    """

    def __init__(self) -> None:
        self.lines: set[str] = set()

    def add(self, triple, _uri=URIRef, _literal=Literal) -> "TripleSink":
        s, p, o = triple
        if type(s) is _uri and type(p) is _uri:  # nearly every triple: no call per term
            kind = type(o)
            if kind is _uri:
                self.lines.add(f"<{s}> <{p}> <{o}> .\n")
                return self
            if kind is _literal:
                self.lines.add(f"<{s}> <{p}> {_nt_literal(o)} .\n")
                return self
        self.lines.add(nt_line(triple))
        return self

    def __len__(self) -> int:
        return len(self.lines)

    def drain(self) -> set[str]:
        out, self.lines = self.lines, set()
        return out
