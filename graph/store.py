"""The only module that knows storage backends.

A *build* writes a complete new pyoxigraph store in its own directory beside the
live one, then `publish()` swaps a symlink (`var/store -> builds/<stamp>`) with
one atomic `rename(2)`. Readers open whatever the link points to; a failed build
never touches the link, so the previous graph stays in service. `publish()`
first marks the build complete (`builds/<name>.complete`); a directory without
the mark is a build in progress or one that was killed (its process is gone),
never "the previous build": killed ones are removed, and pruning keeps the live
build and the newest other complete one.

`Store` is the small interface the rest of devkg uses (query, update, quads,
snapshot, counts); `EmbeddedStore` implements it on pyoxigraph, and a remote
backend (SPARQL 1.1 Protocol + Graph Store Protocol) implements the same
methods over HTTP. Backend errors are turned into `StoreError` here, so callers
never see a backend's own exception. The RDF terms (`NamedNode`, `Literal`,
`Quad`...) and result kinds are pyoxigraph's data model, re-exported from here so
that no other module imports the engine.

Dataset of a query (SPARQL 1.1 Query §13.2 and Protocol §2.1.4): the protocol's
graphs when given; else the query's own `FROM`/`FROM NAMED` when it has any;
else devkg's default, the union of all graphs.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Protocol

import pyoxigraph as ox
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, QueryBoolean, QuerySolutions, \
    QueryTriples, Triple

__all__ = ["BlankNode", "DefaultGraph", "Literal", "NamedNode", "Quad", "QueryBoolean", "QuerySolutions",
           "QueryTriples", "Triple", "EmbeddedStore", "Store", "StoreError", "QuerySyntaxError", "serialize"]

BUILDS_DIR = "builds"
KEEP_BUILDS = 2  # the live build and the one before it
COMPLETE = ".complete"  # suffix of the mark `publish()` leaves beside a finished build


class StoreError(Exception):
    """A backend failed (missing store, I/O error); never a user's query error."""


class QuerySyntaxError(ValueError):
    """The query or update does not parse; the message is the parser's."""


class UpdateError(ValueError):
    """A well-formed update that cannot be applied (CREATE GRAPH on an existing graph); the engine's message."""


class Store(Protocol):
    """What the web layer and the CLI need from a backend; a remote store implements the same."""

    def query(self, sparql: str, *, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None, base_iri: str | None = None,
              prefixes: dict[str, str] | None = None) -> QuerySolutions | QueryBoolean | QueryTriples: ...
    def update(self, sparql: str, *, base_iri: str | None = None) -> None: ...
    def quads(self, subject=None, predicate=None, obj=None, graph=None) -> Iterator[Quad]: ...
    def named_graphs(self) -> list[str]: ...
    def count(self, graph: str | None = None) -> int: ...
    def snapshot(self, target: Path) -> Path | None: ...


def _node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


class EmbeddedStore:
    """A pyoxigraph store on disk (or in memory when `path` is None)."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False):
        self.path = Path(path) if path else None
        try:
            if path is None:
                self.raw = ox.Store()
            elif read_only:
                self.raw = ox.Store.read_only(str(path))
            else:
                self.raw = ox.Store(str(path))
        except OSError as e:
            raise StoreError(f"cannot open the store: {e.strerror or e}") from None
        self.read_only = read_only

    # --- reading ------------------------------------------------------------------
    def query(self, sparql: str, *, union_default_graph: bool = True,
              default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
              base_iri: str | None = None, prefixes: dict[str, str] | None = None,
              dataset_clause: bool | None = None):
        """Run a SPARQL query; returns pyoxigraph's QuerySolutions, QueryBoolean or QueryTriples.

        With `default_graphs`, the default graph is the merge of exactly those graphs
        (so a caller can leave out `graph/inferred`); else the query's own dataset
        clause when it has one; otherwise the union of all graphs.
        """
        kwargs = {}
        if default_graphs:
            kwargs["default_graph"] = [_node(g) for g in default_graphs]
        elif union_default_graph and not (has_dataset_clause(sparql) if dataset_clause is None else dataset_clause):
            kwargs["use_default_graph_as_union"] = True
        if named_graphs:
            kwargs["named_graphs"] = [_node(g) for g in named_graphs]
        try:
            return self.raw.query(sparql, base_iri=base_iri, prefixes=prefixes, **kwargs)
        except SyntaxError as e:
            raise QuerySyntaxError(str(e)) from None
        except OSError as e:
            raise StoreError(str(e)) from None

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.raw.named_graphs())

    def count(self, graph: str | None = None) -> int:
        g = _node(graph) if graph else None
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        kwargs = {"default_graph": g} if g else {"use_default_graph_as_union": True}
        if graph is None:
            query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
            kwargs = {}
        return int(next(iter(self.raw.query(query, **kwargs)))["n"].value)

    def quads(self, subject=None, predicate=None, obj=None, graph=None) -> Iterator[ox.Quad]:
        return self.raw.quads_for_pattern(subject, predicate, obj, graph)

    def dump(self, output: IO[bytes] | str | Path, fmt: ox.RdfFormat, *, graph: str | None = None,
             prefixes: dict[str, str] | None = None) -> None:
        kwargs = {"prefixes": prefixes} if prefixes and fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else {}
        if graph is not None:
            kwargs["from_graph"] = _node(graph)
        self.raw.dump(output if not isinstance(output, Path) else str(output), fmt, **kwargs)

    def snapshot(self, target: Path) -> Path:
        """A consistent read-only copy of this store at `target` (hard links, cheap).

        Query workers open snapshots of a writable store: opening the store itself
        read-only beside its writer is undefined behaviour in pyoxigraph.
        """
        try:
            self.raw.flush()
            self.raw.backup(str(target))
        except OSError as e:
            raise StoreError(f"cannot snapshot the store: {e.strerror or e}") from None
        return target

    # --- writing ------------------------------------------------------------------
    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        try:
            self.raw.update(sparql, base_iri=base_iri)
        except SyntaxError as e:
            raise QuerySyntaxError(str(e)) from None
        except OSError as e:
            raise StoreError(str(e)) from None
        except RuntimeError as e:  # pyoxigraph's evaluation errors ("The graph <g> already exists")
            raise UpdateError(str(e)) from None

    def load(self, data: bytes | str | IO[bytes], fmt: ox.RdfFormat, *, graph: str | None = None) -> None:
        """Bulk-load serialized RDF into one named graph (or the dataset for quad formats)."""
        kwargs = {"to_graph": _node(graph)} if graph else {}
        self.raw.bulk_load(data, fmt, **kwargs)

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        self.raw.bulk_extend(quads)

    def clear_graph(self, graph: str) -> None:
        self.raw.remove_graph(_node(graph)) if self.raw.contains_named_graph(_node(graph)) else None

    def optimize(self) -> None:
        """Compact after a bulk load: aggregates run 2-4x slower before it (DESIGN §8)."""
        self.raw.optimize()

    def flush(self) -> None:
        self.raw.flush()

    def close(self) -> None:
        """Release the on-disk store (pyoxigraph closes it when the object goes away)."""
        if hasattr(self, "raw"):
            try:
                if not self.read_only:
                    self.raw.flush()
            except OSError:
                pass
            del self.raw


def serialize(triples: list, fmt, prefixes: dict[str, str] | None = None) -> bytes:
    """Triples (or quads, for quad formats) in an RDF format from negotiate.py's table."""
    if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        triples = [t if isinstance(t, ox.Quad) else ox.Quad(t.subject, t.predicate, t.object) for t in triples]
    kwargs = {"prefixes": prefixes} if prefixes and fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else {}
    return ox.serialize(triples, format=fmt, **kwargs)


def has_dataset_clause(sparql: str) -> bool:
    """Whether a query has `FROM` or `FROM NAMED`, decided on rdflib's parse of it.

    Only queries whose text (after SPARQL's `\\u` escapes) contains "from" can have
    one, so the parse (a few ms) runs only for those. A query rdflib cannot parse
    keeps the union default graph; pyoxigraph then reports its own syntax errors.
    """
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), sparql)
    if "from" not in text.lower():
        return False
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        return "datasetClause" in parseQuery(text)[1]
    except Exception:  # noqa: BLE001 - any parse failure: rdflib's grammar is not the engine's
        return False


_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


# --- builds and the live link ----------------------------------------------------
def _mark(build: Path) -> Path:
    return build.with_name(build.name + COMPLETE)


def _owner(build: Path, live: Path) -> int | None:
    """The pid in a build directory's name (`<live>-<stamp>-<pid>[-<n>]`), None if it has none."""
    parts = build.name[len(live.name) + 1:].split("-")
    return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None


def _running(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _killed(build: Path, live: Path) -> bool:
    """A build directory never marked complete whose process is gone."""
    return not _mark(build).exists() and not _running(_owner(build, live))


def new_build_path(live: Path) -> Path:
    """A fresh directory for a build, beside the live link; leftovers of killed builds are removed first."""
    builds = live.parent / BUILDS_DIR
    builds.mkdir(parents=True, exist_ok=True)
    current = live_target(live)
    for old in builds.glob(f"{live.name}-*"):
        if old.is_dir() and old != current and _killed(old, live):
            shutil.rmtree(old, ignore_errors=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = builds / f"{live.name}-{stamp}-{os.getpid()}"
    n = 0
    while path.exists():
        n += 1
        path = builds / f"{live.name}-{stamp}-{os.getpid()}-{n}"
    return path


def publish(build: Path, live: Path) -> None:
    """Point `live` at `build` atomically, then drop builds older than the previous one."""
    live.parent.mkdir(parents=True, exist_ok=True)
    if live.exists() and not live.is_symlink():
        raise StoreError(f"{live} exists and is not a devkg store link; move it away first")
    _mark(build).write_text(time.strftime("%Y-%m-%dT%H:%M:%S%z\n"), encoding="utf-8")
    tmp = live.with_name(f".{live.name}.{os.getpid()}.tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(build, live.parent), tmp)
    os.replace(tmp, live)
    _prune(live)


def discard(build: Path) -> None:
    """Remove a build that failed; the live link never pointed at it."""
    shutil.rmtree(build, ignore_errors=True)
    _mark(build).unlink(missing_ok=True)


def live_target(live: Path) -> Path | None:
    """The build directory the live link points at, or None when nothing was built yet."""
    if live.is_symlink():
        return (live.parent / os.readlink(live)).resolve()
    if live.is_dir():  # a store given directly, not built by devkg
        return live.resolve()
    return None


def _prune(live: Path) -> None:
    """Keep the live build and the newest other complete one; remove older ones and killed builds."""
    builds = live.parent / BUILDS_DIR
    current = live_target(live)
    dirs = [p for p in builds.glob(f"{live.name}-*") if p.is_dir() and p != current]
    complete = sorted((p for p in dirs if _mark(p).exists()), key=lambda p: _mark(p).stat().st_mtime, reverse=True)
    doomed = complete[KEEP_BUILDS - 1:] + [p for p in dirs if _killed(p, live)]
    for old in doomed:
        shutil.rmtree(old, ignore_errors=True)
        _mark(old).unlink(missing_ok=True)
    for mark in builds.glob(f"{live.name}-*{COMPLETE}"):  # marks whose build is gone
        if not mark.with_name(mark.name[: -len(COMPLETE)]).is_dir():
            mark.unlink(missing_ok=True)


def open_live(live: Path) -> EmbeddedStore:
    """Open the live store read-only, for serving and querying."""
    target = live_target(live)
    if target is None:
        raise StoreError(f"no store at {live}: run `devkg build` first")
    return EmbeddedStore(target, read_only=True)
