"""N-Triples lines straight from rdflib terms, and a triple sink the mappers can write into.

Why: a build of 100k activities makes some ten million triples. Adding each to an
rdflib `Graph` and serialising the graph costs more than the mapping itself, so the
streamed build collects the mappers' triples in a `TripleSink` (a set: the same
triple mapped twice is one triple, as in a Graph) and writes them as N-Triples for
pyoxigraph's `bulk_load`. One function, `nt_line`, serialises every triple, so two
sources' lines for the same triple are equal strings and can be deduplicated as such.
"""

from __future__ import annotations

from functools import lru_cache

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_XSD_STRING = str(XSD.string)


@lru_cache(maxsize=1 << 17)  # subjects, predicates, codes and dates recur in most lines
def nt_term(term) -> str:
    kind = type(term)
    if kind is URIRef or (kind is not Literal and isinstance(term, URIRef)):
        return f"<{term}>"
    if kind is Literal or isinstance(term, Literal):
        lexical = '"' + str(term).translate(_ESCAPES) + '"'
        if term.language:
            return f"{lexical}@{term.language}"
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return f"{lexical}^^<{term.datatype}>"
        return lexical
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

    def add(self, triple) -> "TripleSink":
        s, p, o = triple
        self.lines.add(f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .\n")
        return self

    def __len__(self) -> int:
        return len(self.lines)

    def drain(self) -> set[str]:
        out, self.lines = self.lines, set()
        return out
