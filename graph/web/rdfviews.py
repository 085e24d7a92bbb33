"""Describing one resource for people and programs: its triples, labels for what it links to.

Only what a response uses is read: an RDF answer needs the outgoing triples and
nothing else, so the incoming links and the labels are read when first asked
for (the HTML page). Labels of the terms that recur on every page (properties,
classes, places) are kept per store, so a page costs a few index lookups.
"""

from __future__ import annotations

import threading
import weakref
from functools import cached_property

from graph.store import NamedNode, Quad, Store, Triple

LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PREF = NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
LABELS_KEPT = 50_000  # per store; the whole map is dropped when it grows past this

_labels: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_labels_lock = threading.Lock()


def forget_labels(store: Store) -> None:
    """Drop the labels kept for `store` (after an update may have changed them)."""
    with _labels_lock:
        _labels.pop(store, None)


def label_of(store: Store, node) -> str | None:
    best = None
    for pred in (LABEL, PREF):
        for q in store.quads(node, pred, None, None):
            lang = q.object.language
            if lang in (None, "", "en") or lang.startswith("en"):
                return q.object.value
            best = best or q.object.value
    return best


def _kept_label(store: Store, node) -> str | None:
    with _labels_lock:
        known = _labels.setdefault(store, {})
        if node.value in known:
            return known[node.value]
    label = label_of(store, node) or compact(node.value)
    with _labels_lock:
        if len(known) >= LABELS_KEPT:
            known.clear()
        known[node.value] = label
    return label


class Description:
    """One resource's outgoing triples, and (read on demand) its incoming links and labels."""

    def __init__(self, store: Store, iri: str, *, incoming_limit: int = 200, incoming_offset: int = 0):
        self.store, self.iri = store, iri
        self.node = NamedNode(iri)
        self.incoming_limit, self.incoming_offset = incoming_limit, incoming_offset
        seen, outgoing = set(), []
        for q in store.quads(self.node, None, None, None):
            key = (q.predicate, q.object)
            if key not in seen:  # the same triple may come from an asserted and a reference graph
                seen.add(key)
                outgoing.append(q)
        outgoing.sort(key=lambda q: (q.predicate.value, str(q.object)))
        self.outgoing: list[Quad] = outgoing

    @cached_property
    def _incoming_page(self) -> tuple[list[Quad], bool]:
        incoming = []
        for i, q in enumerate(self.store.quads(None, None, self.node, None)):
            if i < self.incoming_offset:
                continue
            if len(incoming) >= self.incoming_limit:
                return incoming, True
            incoming.append(q)
        return incoming, False

    @property
    def incoming(self) -> list[Quad]:
        return self._incoming_page[0]

    @property
    def more_incoming(self) -> bool:
        return self._incoming_page[1]

    @property
    def exists(self) -> bool:
        return bool(self.outgoing) or next(iter(self.store.quads(None, None, self.node, None)), None) is not None

    @cached_property
    def labels(self) -> dict[str, str]:
        terms = {q.predicate for q in self.outgoing} | {q.object for q in self.outgoing
                                                        if isinstance(q.object, NamedNode)} \
            | {q.subject for q in self.incoming} | {q.predicate for q in self.incoming} | {self.node}
        out = {}
        for term in terms:
            label = _kept_label(self.store, term) if term != self.node else \
                (label_of(self.store, term) or compact(term.value))
            if label:
                out[term.value] = label
        return out

    def triples(self) -> list[Triple]:
        return [Triple(q.subject, q.predicate, q.object) for q in self.outgoing]


def describe(store: Store, iri: str, *, incoming_limit: int = 200, incoming_offset: int = 0) -> Description:
    return Description(store, iri, incoming_limit=incoming_limit, incoming_offset=incoming_offset)


def compact(iri: str) -> str | None:
    """`rdf:type` for terms with no label in the store (the W3C vocabularies are not loaded)."""
    from graph.namespaces import prefixes

    for prefix, ns in prefixes().items():
        if iri.startswith(ns) and len(iri) > len(ns) and prefix not in ("devid",):
            return f"{prefix}:{iri[len(ns):]}"
    return None
