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
`Quad`...), formats and result kinds are pyoxigraph's data model, re-exported from
here so that no other module imports the engine; so is its in-memory store
(`MemoryStore`), which the build's SHACL shards and the reasoner's checks load and query.

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
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Triple,
)
from pyoxigraph import Store as MemoryStore  # the engine in memory: build-time shards and checks

__all__ = ["BlankNode", "DefaultGraph", "Literal", "NamedNode", "Quad", "QueryBoolean", "QuerySolutions",
           "QueryResultsFormat", "QueryTriples", "RdfFormat", "Triple", "EmbeddedStore", "MemoryStore", "Store",
           "StoreError", "QuerySyntaxError", "parse", "serialize"]

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


def _dataset_nodes(iris: list[str], what: str) -> list[ox.NamedNode]:
    """Graph names a client chose (default-graph-uri, named-graph-uri): one that is not an IRI is its error."""
    nodes = []
    for iri in iris:
        try:
            nodes.append(ox.NamedNode(iri))
        except ValueError as e:
            raise QuerySyntaxError(f"the {what} graph {iri[:200]!r} is not an absolute IRI ({e})") from None
    return nodes


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

    @classmethod
    def of(cls, raw: MemoryStore) -> EmbeddedStore:
        """An engine store already open (a build shard's, in memory) read through this interface."""
        store = cls.__new__(cls)
        store.path, store.raw, store.read_only = None, raw, False
        return store

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
            kwargs["default_graph"] = _dataset_nodes(default_graphs, "default")
        elif union_default_graph and not (has_dataset_clause(sparql) if dataset_clause is None else dataset_clause):
            kwargs["use_default_graph_as_union"] = True
        if named_graphs:
            kwargs["named_graphs"] = _dataset_nodes(named_graphs, "named")
        try:
            return self.raw.query(sparql, base_iri=base_iri, prefixes=prefixes, **kwargs)
        except SyntaxError as e:
            raise QuerySyntaxError(str(e)) from None
        except OSError as e:
            raise StoreError(str(e)) from None

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.raw.named_graphs())

    def count(self, graph: str | None = None) -> int:
        """Quads in `graph`, or in all named graphs (the default graph is left out)."""
        if graph is None:  # the store's own length (a key count, 2-3x faster than COUNT(*)) less the default graph
            return len(self.raw) - sum(1 for _ in self.raw.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        return int(next(iter(self.raw.query(query, default_graph=_node(graph))))["n"].value)

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

    def optimize(self) -> None:
        """Compact after a bulk load: aggregates ran 2-4x slower before it when measured.

        Not overlapped with the build's last stages: tried (a background thread while the search index
        and the export read), those reads ran 2-4x slower beside the compaction and nothing was gained
        (10k, two alternating rounds: 37.8 vs 37.5 s and 32.3 vs 24.2 s for the three stages).
        """
        self.raw.optimize()

    def close(self) -> None:
        """Release the on-disk store (pyoxigraph closes it when the object goes away)."""
        if hasattr(self, "raw"):
            try:
                if not self.read_only:
                    self.raw.flush()
            except OSError:
                pass
            del self.raw


def serialize(triples: list, fmt, prefixes: dict[str, str] | None = None, output: IO[bytes] | None = None
              ) -> bytes | None:
    """Triples or quads in an RDF format: bytes, or written to `output`. Triple formats take the quads'
    triples; JSON-LD keeps what it is given (named graphs for quads)."""
    if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        triples = [t if isinstance(t, ox.Quad) else ox.Quad(t.subject, t.predicate, t.object) for t in triples]
    elif fmt != ox.RdfFormat.JSON_LD:
        triples = [t.triple if isinstance(t, ox.Quad) else t for t in triples]
    kwargs = {"prefixes": prefixes} if prefixes and fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else {}
    return ox.serialize(triples, output, format=fmt, **kwargs)


def dump_graph(store, output: Path, fmt, graph: str | None, prefixes: dict[str, str] | None = None) -> None:
    """One graph (None: the default graph) of an embedded, remote or in-memory store into a file,
    written by the engine (no Python object per triple)."""
    kwargs = {"prefixes": prefixes} if prefixes and fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else {}
    if isinstance(store, RemoteStore):
        if graph is None:  # devkg keeps nothing in the default graph, and a remote store shows none
            Path(output).write_bytes(b"")
        else:
            store.dump(output, fmt, graph=graph, prefixes=prefixes)
        return
    raw = getattr(store, "raw", store)
    raw.dump(str(output), fmt, from_graph=ox.NamedNode(graph) if graph is not None else ox.DefaultGraph(), **kwargs)


def parse(data: bytes | str, fmt, *, graph: NamedNode | None = None) -> list[Quad]:
    """RDF text in a format of `RdfFormat` as quads, put in `graph` when given (for triple formats)."""
    try:
        quads = ox.parse(data, format=fmt)
        return [Quad(q.subject, q.predicate, q.object, graph) if graph is not None else q for q in quads]
    except SyntaxError as e:
        raise StoreError(f"not valid {fmt}: {e}") from None


def _may_name_a_graph(sparql: str) -> bool:
    """Whether `GRAPH` in this query may be followed by a graph named outright, not a variable.

    Decided in the safe direction only: after SPARQL's `\\u` escapes (processed before
    parsing), the keyword cannot occur without the letters "graph", so a query in which every
    "graph" (in IRIs, strings, comments or names too) is followed by a variable cannot name a
    graph outright. Any other "graph" counts, e.g. `GRAPH # a comment` before `<iri>`; the cost
    of a false alarm is only the explicit dataset.
    """
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), sparql)
    return _GRAPH_NOT_VARIABLE.search(text) is not None


def has_dataset_clause(sparql: str) -> bool:
    """Whether a query has `FROM` or `FROM NAMED`, decided on rdflib's parse of it.

    Only queries whose text (after SPARQL's `\\u` escapes) has the word FROM outside
    IRIs, strings, comments, variables and prefixed names can have one, so the parse (a
    few ms) runs only for those: never for the pages' own queries (`prov:wasDerivedFrom`).
    That matters beyond speed: pyparsing leaves reference cycles holding the caller's
    frames, so a QuerySolutions in them outlived its request and was dropped by the
    garbage collector on another server thread, which pyoxigraph refuses (it logs
    "unsendable ... dropped on another thread" and leaks the object). A query rdflib
    cannot parse keeps the union default graph; pyoxigraph then reports its own errors.
    """
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), sparql)
    if not any(m.group(1) for m in _FROM_WORD.finditer(text)):
        return False
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        return "datasetClause" in parseQuery(text)[1]
    except Exception:  # noqa: BLE001 - any parse failure: rdflib's grammar is not the engine's
        return False


_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# tokens that may contain the letters "from" without being the keyword, then the keyword itself (group 1)
_FROM_WORD = re.compile("|".join([
    r"\#[^\n\r]*",  # a comment
    r"<[^<>\"{}|^`\\\s]*>",  # an IRI
    r'"{3}(?:[^"\\]|\\.|"(?!""))*"{3}', r"'{3}(?:[^'\\]|\\.|'(?!''))*'{3}",  # long strings
    r'"(?:[^"\\\n\r]|\\.)*"', r"'(?:[^'\\\n\r]|\\.)*'",  # strings
    r"[?$]\w+", r"[\w.-]*:[\w.:%\\-]*",  # a variable, a prefixed name or blank node label
    r"(?<![\w@])(from)(?!\w)", r"\w+",  # the keyword (not a language tag), any other word
]), re.I)


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


# --- a remote triplestore over HTTP ------------------------------------------------
# Reads go through the SPARQL 1.1 Protocol, loads through the Graph Store Protocol
# (graph/sparql_client.py). A build is made locally in an EmbeddedStore as always
# (the reasoner needs one), then `RemoteStore.publish` uploads each named graph
# under a staging name and switches with one SPARQL Update; see `publish`.

MANIFEST_BUILD = "urn:devkg:build"  # <manifest> MANIFEST_BUILD "<build id>"
MANIFEST_GRAPH = "urn:devkg:graph"  # <manifest> MANIFEST_GRAPH <a live graph>
MANIFEST_PENDING = "urn:devkg:pending"  # <manifest> MANIFEST_PENDING <a graph to drop unless live>
MANIFEST_STAGING = "urn:devkg:staging"  # <manifest> MANIFEST_STAGING "<build id>": a build is uploading
MANIFEST_FOREIGN = "urn:devkg:foreign"  # <manifest> MANIFEST_FOREIGN <a graph on the server that is not devkg's>
MANIFEST_LISTED = "urn:devkg:foreign-listed"  # <manifest> MANIFEST_LISTED true: the build listed them (else: none)
UNION_FORMS = ("", "virtuoso")  # DEVKG_REMOTE_UNION: off, or Virtuoso's exclusion pragmas
# "graph" not followed by a variable, anywhere in a query's text (see `_may_name_a_graph`)
_GRAPH_NOT_VARIABLE = re.compile(r"graph(?!\s*[?$])", re.I)
BULK_PARAM = ("no_transaction", "")  # Oxigraph: load without a transaction (others ignore it)
_RESULTS_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
_PARSER = ox.Store()  # empty: parses queries exactly as the embedded store would
WRITE_TIMEOUT = 3600.0  # seconds for one upload chunk or update (a switch moves whole graphs)
UNION_PAUSE = 3.0  # seconds a union build waits after its staging mark: past readers' manifest_ttl


class StoreTimeout(StoreError):
    """The remote store gave no complete answer within the query timeout."""


class ResultTooLarge(StoreError):
    """The remote store's answer passed the byte cap; the rows read so far are valid."""


def _remote_error(e: Exception) -> StoreError:
    from graph import sparql_client as http

    if isinstance(e, http.Timeout):
        return StoreTimeout(str(e))
    if isinstance(e, http.TooLarge):
        return ResultTooLarge(str(e))
    status = getattr(e, "status", None)
    return StoreError(f"remote store: {e}" if status is None else f"remote store: HTTP {status}: {e}")


class RemoteTriples:
    """The triples of a remote CONSTRUCT/DESCRIBE, read lazily (pyoxigraph's QueryTriples has no constructor)."""

    def __init__(self, answer):
        self._answer = answer
        self._quads = ox.parse(answer, ox.RdfFormat.N_TRIPLES)

    def __iter__(self) -> Iterator[ox.Triple]:
        try:
            for q in self._quads:
                yield ox.Triple(q.subject, q.predicate, q.object)
        finally:
            self.close()

    def close(self) -> None:
        """Stop reading: the connection closes and the server stops sending."""
        self._answer.close()


class RemoteStore:
    """A SPARQL 1.1 triplestore (Oxigraph server, Fuseki, Virtuoso, GraphDB) as a devkg store.

    The live dataset is the list of graphs in the manifest graph
    (`{base}graph/manifest`) that the last successful build wrote. Every query is
    sent with `default-graph-uri` and `named-graph-uri` set to that list, so the
    default graph is their union (as in the embedded store) and staging graphs,
    the manifest and graphs that are not devkg's stay invisible whatever the
    query says: the protocol's dataset overrides FROM and FROM NAMED.

    That list costs: a server plans a default graph given as hundreds of graphs
    far worse than its own default graph (Virtuoso at 10k activities, 178 graphs:
    up to 130x; bench/README.md). With `union="virtuoso"` (DEVKG_REMOTE_UNION) on a
    Virtuoso that holds devkg's graphs and its own system graphs only, a query names
    no graph: it gets Virtuoso's default dataset (every graph of the server) narrowed
    by the pragmas `define input:default-graph-exclude <g>` and
    `define input:named-graph-exclude <g>` for the manifest and each graph that is
    not devkg's (`foreign`, listed in the manifest by each build: Virtuoso's system
    graphs). Queries fall back to the explicit dataset whenever that would not give
    the embedded store's answer:
    - while a build is under way (the manifest says `staging` from before the first
      upload until its staging and pending graphs are dropped) or left debris
      (pending graphs), since a graph being uploaded is in the server's union;
    - for a query with `GRAPH` and a graph named outright (`GRAPH <iri>`): Virtuoso's
      named-graph exclusion hides a graph from `GRAPH ?g` only;
    - for a query with FROM / FROM NAMED (the protocol's dataset must override them),
      and for the calls that pass their own dataset or no union default graph.
    Why not the other servers' union default graph: Oxigraph's `union-default-graph`
    (`oxigraph serve --union-default-graph`) is the union of every graph, its own
    default graph included, and has no way to leave one out, so the manifest and any
    staging graph would be in it; Fuseki/TDB2's `unionDefaultGraph` leaves out the
    stored default graph (where a manifest could live) but `GRAPH ?g` still sees every
    named graph. Virtuoso's graph groups would name the live graphs as one IRI, but
    they are kept by SQL procedures, out of reach of the SPARQL protocols devkg speaks.
    """

    path = None  # not on this machine
    manifest_ttl = 1.0  # seconds a reader may keep using the list of live graphs

    def __init__(self, query_url: str, update_url: str | None = None, gsp_url: str | None = None, *,
                 base: str, timeout: float = 30.0, chunk_bytes: int = 4_000_000,
                 max_bytes: int | None = 256_000_000, user: str | None = None, password: str | None = None,
                 union: str = ""):
        from graph.sparql_client import Endpoint

        if union not in UNION_FORMS:
            raise ValueError(f"DEVKG_REMOTE_UNION must be one of {', '.join(map(repr, UNION_FORMS))}, not {union!r}")
        self.union = union

        auth = {"timeout": timeout, "user": user, "password": password}
        self._query = Endpoint(query_url, **auth)
        self._update = Endpoint(update_url, **auth) if update_url else None
        self._gsp = Endpoint(gsp_url, **auth) if gsp_url else None
        self.base, self.timeout, self.chunk_bytes, self.max_bytes = base, timeout, chunk_bytes, max_bytes
        self.manifest = f"{base}graph/manifest"
        self.staging_prefix = f"{base}graph/staging/"
        self._none = f"{base}graph/none"  # names no graph: an empty default graph
        self._live: tuple[float, str, list[str], bool, list[str] | None] | None = None
        self.read_only = update_url is None

    @classmethod
    def from_settings(cls, settings) -> "RemoteStore":
        return cls(settings.remote_query_url, settings.remote_update_url, settings.remote_gsp_url,
                   base=settings.base, timeout=settings.query_timeout, chunk_bytes=settings.remote_chunk,
                   user=settings.remote_user, password=settings.remote_password, union=settings.remote_union)

    # --- the live dataset -------------------------------------------------------------
    def _manifest(self) -> tuple[str, list[str]]:
        from graph.sparql_client import allow_headers

        now = time.monotonic()
        if self._live is None or now - self._live[0] > self.manifest_ttl:
            rows = self._select(f"SELECT ?p ?o WHERE {{ GRAPH <{self.manifest}> {{ <{self.manifest}> ?p ?o }} }}")
            build = next((r["o"].value for r in rows if r["p"].value == MANIFEST_BUILD), "")
            graphs = sorted(r["o"].value for r in rows if r["p"].value == MANIFEST_GRAPH)
            busy = any(r["p"].value in (MANIFEST_PENDING, MANIFEST_STAGING) for r in rows)
            # a manifest from before the foreign list (no MANIFEST_LISTED) cannot say what to leave out
            foreign = sorted(r["o"].value for r in rows if r["p"].value == MANIFEST_FOREIGN) \
                if any(r["p"].value == MANIFEST_LISTED for r in rows) else None
            allow_headers(2 * len(graphs) + 100)  # some stores echo every graph of the dataset as a header
            self._live = (now, build, graphs, busy, foreign)
        return self._live[1], self._live[2]

    def _union_head(self, sparql: str, union: bool, default_graphs, named_graphs) -> str | None:
        """The pragmas that give this query the live dataset without naming it, or None: name it."""
        if not self.union or not union or default_graphs is not None or named_graphs is not None:
            return None
        build, _ = self._manifest()
        busy, foreign = self._live[3], self._live[4]
        if not build or busy or foreign is None or _may_name_a_graph(sparql) or has_dataset_clause(sparql):
            return None
        hidden = [self.manifest, *foreign]
        return "".join(f"define input:default-graph-exclude <{g}> define input:named-graph-exclude <{g}> "
                       for g in hidden)

    def build_id(self) -> str:
        """The id of the build being served ('' before the first build); part of every ETag."""
        return self._manifest()[0]

    def named_graphs(self) -> list[str]:
        return list(self._manifest()[1])

    def _dataset(self, union: bool, default_graphs, named_graphs) -> list[tuple[str, str]]:
        live = self.named_graphs()
        def keep(asked: list[str]) -> list[str]:
            return [g for g in asked if g in live] or [self._none]

        default = keep(default_graphs) if default_graphs is not None else live if union else [self._none]
        named = keep(named_graphs) if named_graphs is not None else live or [self._none]
        return [("default-graph-uri", g) for g in (default or [self._none])] + \
               [("named-graph-uri", g) for g in named]

    # --- reading ------------------------------------------------------------------------
    def query(self, sparql: str, *, union_default_graph: bool = True,
              default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
              base_iri: str | None = None, prefixes: dict[str, str] | None = None,
              timeout: float | None = None, max_bytes: int | None = None):
        """Like EmbeddedStore.query: QuerySolutions, QueryBoolean or RemoteTriples (iterating Triples).

        The query is parsed here first, by the same parser as the embedded store, so
        syntax errors read the same and nothing but a query reaches the server.
        """
        try:
            _PARSER.query(sparql, base_iri=base_iri, prefixes=prefixes)
        except SyntaxError as e:
            raise QuerySyntaxError(str(e)) from None
        # Declarations go on the query's first line, so the server's line numbers stay the user's.
        head = "".join(f"PREFIX {p}: <{ns}> " for p, ns in (prefixes or {}).items())
        if base_iri:
            head = f"BASE <{base_iri}> " + head
        pragmas = self._union_head(sparql, union_default_graph, default_graphs, named_graphs)
        if pragmas is not None:
            form = [("query", pragmas + head + sparql)]
        else:
            form = [("query", head + sparql)] + self._dataset(union_default_graph, default_graphs, named_graphs)
        answer = self._send(self._query, "POST", form=form, timeout=timeout,
                            max_bytes=self.max_bytes if max_bytes is None else max_bytes,
                            headers={"Accept": f"{_RESULTS_JSON}, {_NTRIPLES};q=0.9"})
        if answer.content_type == _NTRIPLES:
            return RemoteTriples(answer)
        if answer.content_type not in (_RESULTS_JSON, "application/json"):
            answer.close()
            raise StoreError(f"remote store: unexpected answer type {answer.content_type or 'none'}")
        try:
            result = ox.parse_query_results(answer, ox.QueryResultsFormat.JSON)
        except SyntaxError:
            answer.close()
            raise StoreError("remote store: its answer is not valid SPARQL JSON results") from None
        except StoreError:
            answer.close()
            raise
        if isinstance(result, ox.QueryBoolean):
            answer.close()
        return result

    def _send(self, endpoint, method: str, **kwargs):
        from graph.sparql_client import ProtocolError

        try:
            return endpoint.request(method, translate=_remote_error, **kwargs)
        except ProtocolError as e:
            if e.status == 400:
                raise QuerySyntaxError(str(e)) from None
            raise _remote_error(e) from None

    def _select(self, sparql: str) -> list[ox.QuerySolution]:
        """A query of devkg's own, over the whole remote dataset, read to the end."""
        answer = self._send(self._query, "POST", form=[("query", sparql)], headers={"Accept": _RESULTS_JSON})
        try:
            return list(ox.parse_query_results(answer, ox.QueryResultsFormat.JSON))
        except SyntaxError:
            raise StoreError("remote store: its answer is not valid SPARQL JSON results") from None
        finally:
            answer.close()

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            q = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        else:
            q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        return int(next(iter(self.query(q)))["n"].value)

    def quads(self, subject=None, predicate=None, obj=None, graph=None) -> Iterator[ox.Quad]:
        """Quads matching a pattern (pyoxigraph terms or None), in live graphs only."""
        if isinstance(graph, ox.DefaultGraph) or any(isinstance(t, ox.BlankNode) for t in (subject, obj)):
            return iter(())  # devkg keeps nothing in the default graph; blank nodes are local to an answer
        if subject is None and predicate is None and obj is None and graph is not None and self._gsp:
            return self._graph_quads(graph)
        terms = {"s": subject, "p": predicate, "o": obj, "g": graph}
        values = " ".join(f"VALUES ?{k} {{ {v} }}" for k, v in terms.items() if v is not None)
        result = self.query(f"SELECT ?s ?p ?o ?g WHERE {{ {values} GRAPH ?g {{ ?s ?p ?o }} }}")
        return (ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in result)

    def _graph_quads(self, graph: ox.NamedNode) -> Iterator[ox.Quad]:
        """A whole live graph, streamed as N-Triples through the Graph Store Protocol (for dumps)."""
        if graph.value not in self.named_graphs():
            return
        answer = self._send(self._gsp, "GET", params=[("graph", graph.value)], headers={"Accept": _NTRIPLES},
                            timeout=WRITE_TIMEOUT)
        try:
            for q in ox.parse(answer, ox.RdfFormat.N_TRIPLES):
                yield ox.Quad(q.subject, q.predicate, q.object, graph)
        except SyntaxError:
            raise StoreError("remote store: its answer is not valid N-Triples") from None
        finally:
            answer.close()

    def dump(self, output: IO[bytes] | str | Path, fmt: ox.RdfFormat, *, graph: str | None = None,
             prefixes: dict[str, str] | None = None) -> None:
        quads = self.quads(graph=_node(graph) if graph else None)
        data = (ox.Triple(q.subject, q.predicate, q.object) for q in quads) if graph else quads
        kwargs = {"prefixes": prefixes} if prefixes and fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else {}
        ox.serialize(data, output if not isinstance(output, Path) else str(output), fmt, **kwargs)

    # --- writing ------------------------------------------------------------------------
    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        if self._update is None:
            raise StoreError("remote store: no update URL is configured (DEVKG_REMOTE_UPDATE_URL)")
        text = (f"BASE <{base_iri}> " if base_iri else "") + sparql
        self._send(self._update, "POST", form=[("update", text)], timeout=WRITE_TIMEOUT).close()
        self._live = None

    def load(self, data: bytes | str | IO[bytes], fmt: ox.RdfFormat, *, graph: str | None = None) -> None:
        """Append RDF to one graph through the Graph Store Protocol (parsed here first, sent as N-Triples)."""
        if graph is None:
            raise StoreError("remote store: load into a named graph")
        triples = (ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, fmt))
        self._upload(graph, triples, replace=False)

    def _upload(self, graph: str, triples: Iterable[ox.Triple], *, replace: bool, bulk: bool = False) -> int:
        """Stream triples into `graph` as N-Triples requests of about `chunk_bytes` each."""
        if self._gsp is None:
            raise StoreError("remote store: no Graph Store Protocol URL is configured (DEVKG_REMOTE_GSP_URL)")
        sent, batch, buffer, method = 0, [], bytearray(), "PUT" if replace else "POST"

        def post(body: bytes) -> None:
            nonlocal method
            self._send(self._gsp, method, params=[("graph", graph)] + ([BULK_PARAM] if bulk else []), body=body,
                       headers={"Content-Type": _NTRIPLES}, timeout=WRITE_TIMEOUT).close()
            method = "POST"
        for t in triples:
            batch.append(t)
            if len(batch) >= 5000:
                buffer += ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES)
                sent, batch = sent + len(batch), []
                if len(buffer) >= self.chunk_bytes:
                    post(bytes(buffer))
                    buffer.clear()
        if batch:
            buffer += ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES)
            sent += len(batch)
        if buffer:
            post(bytes(buffer))
        return sent

    def server_graphs(self) -> list[str]:
        """Every graph on the server that holds a triple: one scan of the whole store (Virtuoso at
        100k activities: 75 s; with the staging prefix as a FILTER in the query it took about 200 s)."""
        return sorted(r["g"].value for r in self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"))

    def staging_graphs(self, graphs: list[str] | None = None) -> list[str]:
        return [g for g in (self.server_graphs() if graphs is None else graphs) if g.startswith(self.staging_prefix)]

    def cleanup(self, build: str | None = None, graphs: list[str] | None = None) -> list[str]:
        """Drop what builds leave behind and no reader sees: staging graphs (one build's, or all)
        and pending graphs (uploaded under their own name but never made live, or no longer live).
        `graphs`: the server's graphs (`server_graphs`) when the caller has just listed them.
        Returns the graphs dropped."""
        prefix = self.staging_prefix + (f"{build}/" if build else "")
        self._live = None
        _, live = self._manifest()
        rows = self._select(f"SELECT ?g WHERE {{ GRAPH <{self.manifest}> "
                            f"{{ <{self.manifest}> <{MANIFEST_PENDING}> ?g }} }}")
        pending = [r["g"].value for r in rows]
        marks = [r["b"].value for r in self._select(f"SELECT ?b WHERE {{ GRAPH <{self.manifest}> "
                                                      f"{{ <{self.manifest}> <{MANIFEST_STAGING}> ?b }} }}")]
        doomed = [g for g in self.staging_graphs(graphs) if g.startswith(prefix)] + \
                 [g for g in pending if g not in live]
        ops = [f"DROP SILENT GRAPH <{g}>" for g in doomed]
        if pending:
            ops.append(f"DELETE WHERE {{ GRAPH <{self.manifest}> {{ <{self.manifest}> <{MANIFEST_PENDING}> ?g }} }}")
        # last: the mark that keeps union readers on the explicit dataset goes once its graphs are gone
        # (a killed build's mark stays until the next build's cleanup of everything)
        for b in marks if build is None else [b for b in marks if b == build]:
            ops.append(f"DELETE DATA {{ GRAPH <{self.manifest}> {{ <{self.manifest}> <{MANIFEST_STAGING}> "
                       f"{ox.Literal(b)} }} }}")
        if ops:
            self.update(" ;\n".join(ops))
        return doomed

    def publish(self, source: EmbeddedStore, build: str, progress=lambda message: None) -> dict[str, int]:
        """Copy every named graph of a finished local build here, then make them live in one update.

        Readers see only the graphs the manifest lists, so a graph that is not live
        yet is uploaded straight under its own name (listed as pending, so that a
        killed build's leftovers are found and dropped). A graph that is live is
        uploaded under `{base}graph/staging/{build}/{n}`. Then one SPARQL Update
        (the switch) brings each live graph to its new content by deleting and
        inserting only the triples that differ, and rewrites the manifest. Oxigraph
        runs an update request as one transaction, so readers see the old dataset or
        the new one, never a mix (other stores: README, "Remote store"). Graphs that
        left the build are dropped after the switch. On any failure before the
        switch, what was uploaded is dropped and the previous build stays live.
        """
        graphs = self.server_graphs()  # one scan for the cleanup and the foreign graphs
        graphs = [g for g in graphs if g not in self.cleanup(graphs=graphs)]
        live = set(self.named_graphs())
        names = source.named_graphs()
        fresh = [g for g in names if g not in live]
        foreign = self.foreign_graphs(names, graphs)
        facts = " . ".join([f"<{self.manifest}> <{MANIFEST_STAGING}> {ox.Literal(build)}"] +
                           [f"<{self.manifest}> <{MANIFEST_PENDING}> <{g}>" for g in fresh])
        self.update(f"INSERT DATA {{ GRAPH <{self.manifest}> {{ {facts} }} }}")
        if self.union:
            time.sleep(UNION_PAUSE)  # readers that read the manifest just before see the mark before any upload
        counts: dict[str, int] = {}
        staged: dict[str, str] = {}
        try:
            for n, name in enumerate(names):
                target = name if name not in live else f"{self.staging_prefix}{build}/{n}"
                triples = (ox.Triple(q.subject, q.predicate, q.object)
                           for q in source.quads(graph=ox.NamedNode(name)))
                counts[name] = self._upload(target, triples, replace=True, bulk=True)
                if name in live and counts[name]:
                    staged[name] = target
                progress(f"  uploaded {name} ({counts[name]} triples)")
            keep = [g for g in names if counts[g]]
            self.update(self._switch(build, keep, staged, sorted(live - set(keep)), foreign))
        except BaseException:
            try:
                self.cleanup(build)
            except StoreError:
                pass  # the next build drops what is left
            raise
        self.cleanup(build)  # staging copies and graphs that left the build: invisible already
        return counts

    def foreign_graphs(self, names: list[str], graphs: list[str] | None = None) -> list[str]:
        """Graphs on the server that are not devkg's: not live, not in the build `names`, not the manifest,
        not staging or pending (Virtuoso's system graphs). Union readers leave them out."""
        _, live = self._manifest()
        ours = set(live) | set(names) | {self.manifest}
        graphs = self.server_graphs() if graphs is None else graphs
        return sorted(g for g in graphs if g not in ours and not g.startswith(self.staging_prefix))

    def _switch(self, build: str, keep: list[str], staged: dict[str, str], gone: list[str],
                foreign: list[str] = ()) -> str:
        """The one update that makes a build live: per live graph only the triples that differ.

        The new manifest keeps the build's `staging` mark: `cleanup` removes it after
        dropping the staging copies, which union readers must not see."""
        ops = []
        for g, s in staged.items():
            ops.append(f"DELETE {{ GRAPH <{g}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} "
                       f"FILTER NOT EXISTS {{ GRAPH <{s}> {{ ?s ?p ?o }} }} }}")
            ops.append(f"INSERT {{ GRAPH <{g}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{s}> {{ ?s ?p ?o }} "
                       f"FILTER NOT EXISTS {{ GRAPH <{g}> {{ ?s ?p ?o }} }} }}")
        ops.append(f"DROP SILENT GRAPH <{self.manifest}>")
        facts = [f'<{self.manifest}> <{MANIFEST_BUILD}> "{build}"'] + \
                [f"<{self.manifest}> <{MANIFEST_GRAPH}> <{g}>" for g in keep] + \
                [f"<{self.manifest}> <{MANIFEST_PENDING}> <{g}>" for g in gone] + \
                [f"<{self.manifest}> <{MANIFEST_FOREIGN}> <{g}>" for g in foreign] + \
                [f"<{self.manifest}> <{MANIFEST_LISTED}> true"] + \
                [f"<{self.manifest}> <{MANIFEST_STAGING}> {ox.Literal(build)}"]
        ops.append(f"INSERT DATA {{ GRAPH <{self.manifest}> {{ {' . '.join(facts)} }} }}")
        return " ;\n".join(ops)

    def close(self) -> None:
        """Nothing to release: every request has its own connection."""


def open_remote(settings) -> RemoteStore | None:
    """The remote store the settings name, or None when devkg keeps its store on this machine."""
    return RemoteStore.from_settings(settings) if settings.remote_query_url else None


def open_store(settings) -> "EmbeddedStore | RemoteStore":
    """The store being served: the remote one when configured, else the live embedded build."""
    return open_remote(settings) or open_live(settings.store)
