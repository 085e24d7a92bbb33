"""Labels for many IRIs in one query: English or untagged first, then any language, then a short name."""

from __future__ import annotations

from collections.abc import Iterable

from graph.namespaces import prefixes
from graph.web.present import iri_ref, local_name, select

BATCH = 400


KEPT = 50_000  # labels remembered per build (the map is emptied when it grows past this)


def labels(iris: Iterable[str]) -> dict[str, str]:
    """`{iri: label}` for every IRI given; one with no label gets its compact name or last segment.

    Labels are remembered for the build (properties, codes, places and organisations recur on every
    page), so only IRIs not seen before are looked up.
    """
    from flask import current_app

    kept: dict[str, str] = current_app.extensions["devkg"].cached("labels", dict)
    asked = {i for i in iris if i}
    out = {}
    for i in asked:
        label = kept.get(i)  # .get: another request may empty the map meanwhile
        if label is not None:
            out[i] = label
    if len(out) < len(asked):
        found = _lookup(sorted(asked - out.keys()))
        if len(kept) + len(found) > KEPT:
            kept.clear()
        kept.update(found)
        out.update(found)
    return out


def _lookup(wanted: list[str]) -> dict[str, str]:
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(wanted), BATCH):
        values = " ".join(iri_ref(i) for i in wanted[start:start + BATCH])
        rows = select(f"""SELECT ?s ?l WHERE {{ VALUES ?s {{ {values} }}
            {{ ?s rdfs:label ?l }} UNION {{ ?s skos:prefLabel ?l }} UNION {{ ?s dev:title ?l }} """
                      f"UNION {{ ?s dev:name ?l }} }}")
        for r in rows:
            lang = r["l"].lang or ""
            rank = 0 if lang in ("", "en") or lang.startswith("en-") else 1
            old = found.get(r["s"].value)
            if old is None or (rank, len(r["l"].value)) < (old[0], len(old[1])):
                found[r["s"].value] = (rank, r["l"].value)
    out = {i: v for i, (_, v) in found.items()}
    for i in wanted:
        out.setdefault(i, compact(i))
    return out


def compact(iri: str) -> str:
    """`rdf:type` for vocabulary terms; the last path segment for anything else."""
    from flask import current_app

    for prefix, ns in prefixes(current_app.config["DEVKG"].base).items():
        if prefix != "devid" and iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return local_name(iri)
