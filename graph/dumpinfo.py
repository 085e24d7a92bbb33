"""What an export knows before VoID describes it: its files (`DumpFile`) and what it counted
of the data (`DatasetStats`). Kept apart from graph.describe, which builds the VoID graph with
rdflib, because the server reads exports and starts without rdflib."""

from __future__ import annotations

import shutil
from array import array
from collections import Counter
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from graph.mapping.iris import Iris

MEDIA = {".nq.gz": "application/n-quads", ".trig.gz": "application/trig", ".ttl.gz": "text/turtle",
         ".ttl": "text/turtle"}
_RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
SPILL_AT = 4_000_000  # distinct term hashes held in sets (about 400 MB) before they go to the spill files
_BUCKETS = 64  # spill files, by a hash's top bits: one bucket's sets are what counting holds at once
_SUBJECTS, _OBJECTS, _OUTSIDE = 0, 1, 2  # spilled measures; a class's instances are 3 and on


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

    With a `spill` directory the memory is bounded too: sets hold about 110 bytes a hash,
    10 GB for the 94M distinct subjects, objects and instances of 1M activities. Once they
    hold `SPILL_AT`, the hashes are appended to `_BUCKETS` files by their top bits (every
    copy of a hash lands in one file) and the sets start again; `settle` then counts the
    distinct hashes bucket by bucket, exactly, and removes the files.
    """

    def __init__(self, base: str, spill: Path | None = None):
        self.id_space = f"<{Iris(base).id}".encode()
        self.graphs: dict[str | None, int] = {}  # graph IRI (None: the default graph) -> quads
        self.subjects: set[int] = set()
        self.objects: set[int] = set()
        self.outside: set[int] = set()  # distinct subjects outside devkg's id space (few)
        self.classes: dict[bytes, set[int]] = {}  # class IRI (N-Triples) -> hashes of its distinct instances
        self.predicates: Counter[bytes] = Counter()
        self.spill, self.spilled = spill, False
        self._class_keys: dict[bytes, int] = {}  # class -> its measure, numbered as first seen (spills keep them)
        self._counts: dict[int, int] | None = None  # measure -> distinct hashes, once settled

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
        self._held()

    def merge(self, other: DatasetStats) -> None:
        """Add what another pass counted over other graphs (a build worker's)."""
        if other.spilled:
            raise ValueError("a spilled count cannot be merged into another")
        for g, n in other.graphs.items():
            self.graphs[g] = self.graphs.get(g, 0) + n
        self.subjects |= other.subjects
        self.outside |= other.outside
        self.objects |= other.objects
        for c, members in other.classes.items():
            self.classes.setdefault(c, set()).update(members)
        self.predicates.update(other.predicates)
        self._held()

    def _measures(self) -> list[tuple[int, set[int]]]:
        for c in self.classes:
            self._class_keys.setdefault(c, 3 + len(self._class_keys))
        return [(_SUBJECTS, self.subjects), (_OBJECTS, self.objects), (_OUTSIDE, self.outside),
                *((self._class_keys[c], members) for c, members in self.classes.items())]

    def _held(self) -> None:
        if self._counts is not None:
            raise ValueError("counts were settled; nothing more can be added")
        if self.spill is not None and sum(len(m) for _, m in self._measures()) >= SPILL_AT:
            self._spill_sets()

    def _spill_sets(self) -> None:
        self.spill.mkdir(parents=True, exist_ok=True)
        buckets = [array("q") for _ in range(_BUCKETS)]
        for key, members in self._measures():
            for h in members:
                buckets[(h >> 58) & (_BUCKETS - 1)].extend((key, h))
            members.clear()
        for i, bucket in enumerate(buckets):
            with (self.spill / f"bucket-{i:02d}").open("ab") as f:
                bucket.tofile(f)
        self.spilled = True

    def settle(self) -> None:
        """Count what was spilled with what is held, once, and remove the spill files."""
        if self._counts is not None:
            return
        if not self.spilled:
            self._counts = {key: len(members) for key, members in self._measures()}
            return
        if self.spill is None:
            raise AssertionError("spilled without a spill directory")
        self._spill_sets()
        counts: Counter[int] = Counter()
        for i in range(_BUCKETS):
            pairs = array("q")
            path = self.spill / f"bucket-{i:02d}"
            pairs.frombytes(path.read_bytes())
            counts.update(map(itemgetter(0), set(zip(pairs[0::2], pairs[1::2]))))
        shutil.rmtree(self.spill, ignore_errors=True)
        self._counts = dict(counts)

    def _count(self, key: int) -> int:
        self.settle()
        return self._counts.get(key, 0)

    @property
    def distinct_subjects(self) -> int:
        return self._count(_SUBJECTS)

    @property
    def distinct_objects(self) -> int:
        return self._count(_OBJECTS)

    @property
    def entities(self) -> int:
        """Distinct subjects in devkg's id space (VoID's entities)."""
        return self._count(_SUBJECTS) - self._count(_OUTSIDE)

    def class_counts(self) -> list[tuple[str, int]]:
        self.settle()
        return sorted((c[1:-1].decode("utf-8"), self._count(self._class_keys[c])) for c in self.classes)

    def property_counts(self) -> list[tuple[str, int]]:
        return sorted((p[1:-1].decode("utf-8"), n) for p, n in self.predicates.items())
