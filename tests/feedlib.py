"""Small stores for the feed tests: projects in source graphs, changed at will, published like builds.

A full `devkg build` takes half a minute; the feed only reads the store's source graphs, so these
tests load a few projects from TriG, publish the store and stage/publish the feed as `build()` does.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

BASE = "https://w3id.org/devkg/"
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def trig(projects: dict[str, str], base: str = BASE, *, last_updated: dict[str, str] | None = None) -> bytes:
    """TriG with one source graph per project: the project, a budget child node, an organisation (which
    goes to graph/organisations in a build) and an inferred fact, each where a build puts them."""
    out = [f"@prefix dev: <{base}def#> .", "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> ."]
    for key, title in projects.items():
        p = f"<{base}id/project/{key}>"
        updated = (last_updated or {}).get(key)
        out.append(f"<{base}graph/source/curated/{key.lower()}> {{\n"
                   f"  {p} a dev:Project ; dev:title \"{title}\"@en ; dev:budget <{base}id/project/{key}/budget/1>"
                   + (f" ; dev:lastUpdated \"{updated}\"^^xsd:date" if updated else "") + " .\n"
                   f"  <{base}id/project/{key}/budget/1> a dev:Budget ; dev:value \"10\"^^xsd:decimal .\n"
                   f"  <{base}id/source/curated/{key.lower()}> a dev:SourceDocument .\n}}")
        out.append(f"<{base}graph/inferred> {{ {p} dev:location <{base}id/place/PE> . }}")
    out.append(f"<{base}graph/organisations> {{ <{base}id/org/O> dev:name \"O\" . }}")
    return "\n".join(out).encode("utf-8")


def fake_build(settings, data: bytes, now: datetime):
    """Publish a store holding `data` and the feed that follows the published one, as `build()` does."""
    import pyoxigraph as ox

    from graph.feed import publish_feed, stage
    from graph.store import EmbeddedStore, new_build_path, publish

    path = new_build_path(settings.store)
    store = EmbeddedStore(path)
    store.load(data, ox.RdfFormat.TRIG)
    report = stage(store, settings, build_id=path.name, now=now)
    store.close()
    del store
    publish(path, settings.store)
    publish_feed(report)
    return report


def feed_settings(tmp: Path, **changes):
    from graph.config import Settings

    return Settings.from_env({}, store=tmp / "var" / "store", **changes)
