"""Describing one resource for people and programs: its triples, labels for what it links to."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PREF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")


@dataclass
class Description:
    iri: str
    outgoing: list[ox.Quad] = field(default_factory=list)
    incoming: list[ox.Quad] = field(default_factory=list)
    more_incoming: bool = False
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return bool(self.outgoing or self.incoming)

    def triples(self) -> list[ox.Triple]:
        return [ox.Triple(q.subject, q.predicate, q.object) for q in self.outgoing]


def label_of(store, node) -> str | None:
    best = None
    for pred in (LABEL, PREF):
        for q in store.quads(node, pred, None, None):
            lang = q.object.language
            if lang in (None, "", "en") or lang.startswith("en"):
                return q.object.value
            best = best or q.object.value
    return best


def describe(store, iri: str, *, incoming_limit: int = 200, incoming_offset: int = 0) -> Description:
    node = ox.NamedNode(iri)
    d = Description(iri)
    seen = set()
    for q in store.quads(node, None, None, None):
        key = (q.predicate, q.object)
        if key not in seen:  # the same triple may come from an asserted and a reference graph
            seen.add(key)
            d.outgoing.append(q)
    for i, q in enumerate(store.quads(None, None, node, None)):
        if i < incoming_offset:
            continue
        if len(d.incoming) >= incoming_limit:
            d.more_incoming = True
            break
        d.incoming.append(q)
    d.outgoing.sort(key=lambda q: (q.predicate.value, str(q.object)))
    for term in {q.predicate for q in d.outgoing} | {q.object for q in d.outgoing if isinstance(q.object, ox.NamedNode)} \
            | {q.subject for q in d.incoming} | {q.predicate for q in d.incoming} | {node}:
        label = label_of(store, term) or compact(term.value)
        if label:
            d.labels[term.value] = label
    return d


def compact(iri: str) -> str | None:
    """`rdf:type` for terms with no label in the store (the W3C vocabularies are not loaded)."""
    from graph.namespaces import prefixes

    for prefix, ns in prefixes().items():
        if iri.startswith(ns) and len(iri) > len(ns) and prefix not in ("devid",):
            return f"{prefix}:{iri[len(ns):]}"
    return None
