"""What an export knows before VoID describes it: its files (`DumpFile`) and what it counted
of the data (`DatasetStats`). Kept apart from graph.describe, which builds the VoID graph with
rdflib, because the server reads exports and starts without rdflib."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from graph.mapping.iris import Iris

MEDIA = {".nq.gz": "application/n-quads", ".trig.gz": "application/trig", ".ttl.gz": "text/turtle",
         ".ttl": "text/turtle"}
_RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


@dataclass(frozen=True)
class DumpFile:
    """One file of an export; `graph` is the named graph it holds, None for whole-dataset files."""

    name: str
    size: int
    sha256: str
    graph: str | None = None

    @property
    def media_type(self) -> str:
        return next((m for ext, m in MEDIA.items() if self.name.endswith(ext)), "application/octet-stream")


class DatasetStats:
    """What VoID counts, taken from each graph's N-Triples lines as the export writes them.

    The export reads every graph once to write the dumps (build workers read their
    source graphs), so it counts on the way (`add`) instead of asking the store five
    aggregate queries afterwards (which decode every term again: 17 s of 2M quads here).
    Distinct terms are kept as 64-bit hashes of their N-Triples text, not the text, so
    the sets stay small (a collision would undercount by one in about 10^5 datasets of
    10^7 terms); a build's workers are forked, so they hash as the build does.
    """

    def __init__(self, base: str):
        self.id_space = f"<{Iris(base).id}".encode()
        self.graphs: dict[str | None, int] = {}  # graph IRI (None: the default graph) -> quads
        self.subjects: set[int] = set()
        self.objects: set[int] = set()
        self.outside: set[int] = set()  # distinct subjects outside devkg's id space (few)
        self.classes: dict[bytes, set[int]] = {}  # class IRI (N-Triples) -> hashes of its distinct instances
        self.predicates: Counter[bytes] = Counter()

    def add(self, graph: str | None, lines: list[bytes]) -> None:
        """Count N-Triples lines (`<s> <p> o .`, as pyoxigraph writes them) of `graph`."""
        self.graphs[graph] = self.graphs.get(graph, 0) + len(lines)
        subjects, objects, outside, id_space = self.subjects, self.objects, self.outside, self.id_space
        predicates = self.predicates
        for line in lines:
            s, p, o = line[:-3].split(b" ", 2)
            h = hash(s)
            if h not in subjects:
                subjects.add(h)
                if not s.startswith(id_space):
                    outside.add(h)
            objects.add(hash(o))
            predicates[p] += 1
            if p == _RDF_TYPE and o[:1] == b"<":
                self.classes.setdefault(o, set()).add(h)

    def merge(self, other: DatasetStats) -> None:
        """Add what another pass counted over other graphs (a build worker's)."""
        for g, n in other.graphs.items():
            self.graphs[g] = self.graphs.get(g, 0) + n
        self.subjects |= other.subjects
        self.outside |= other.outside
        self.objects |= other.objects
        for c, members in other.classes.items():
            self.classes.setdefault(c, set()).update(members)
        self.predicates.update(other.predicates)

    @property
    def entities(self) -> int:
        """Distinct subjects in devkg's id space (VoID's entities)."""
        return len(self.subjects) - len(self.outside)

    def class_counts(self) -> list[tuple[str, int]]:
        return sorted((c[1:-1].decode("utf-8"), len(members)) for c, members in self.classes.items())

    def property_counts(self) -> list[tuple[str, int]]:
        return sorted((p[1:-1].decode("utf-8"), n) for p, n in self.predicates.items())
