"""The app's view of the live store: reopened when a build switches the live link.

Also where queries are dispatched, always the same way whatever the settings:
flat lookups (fastpath.py) in this process, everything else in a killable worker
(limits.py) on a read-only store. With an update token the server holds the
store read-write, so workers read a snapshot of it instead (hard links, made
after each update), never the live files a writer is changing.
Answers from workers are kept in a small cache keyed by the query, its formats
and dataset and the build, so a repeated query costs no hop at all.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections import OrderedDict
from pathlib import Path

from graph.config import Settings
from graph.store import EmbeddedStore, StoreError, live_target, open_remote
from graph.web import fastpath
from graph.web.limits import Answer, Job, WorkerPool
from graph.web.rdfviews import forget_labels

SNAPSHOTS_DIR = "snapshots"
LINK_CHECK = 0.5  # seconds: a new build is served at most this long after it is published
# Functions whose value changes from one run to the next, and SERVICE (remote data): never cached.
# Matched on the unescaped, lower-cased text, so a false match only costs a cache miss.
_VOLATILE = re.compile(r"now|rand|uuid|bnode|service|\\u|\\U", re.IGNORECASE)


class AnswerCache:
    """A least-recently-used map of answers (or anything with a `body`: resource pages), bounded in bytes."""

    def __init__(self, max_bytes: int, max_entry: int):
        self.max_bytes, self.max_entry = max_bytes, max_entry
        self._items: OrderedDict[tuple, Answer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Answer | None:
        with self._lock:
            answer = self._items.get(key)
            if answer is not None:
                self._items.move_to_end(key)
            return answer

    def put(self, key: tuple, answer: Answer) -> None:
        size = len(answer.body)
        if size > self.max_entry or size > self.max_bytes:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, old = self._items.popitem(last=False)
                self._bytes -= len(old.body)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


class LiveStore:
    """Hands out the store the live link points at; a new build is picked up without a restart.

    Read-only unless an update token is configured, because only then may the
    server write (SPARQL Update with the bearer token).
    """

    def __init__(self, settings: Settings, store: EmbeddedStore | None = None):
        if store is not None and store.path is None:
            raise StoreError("the endpoint needs a store on disk: its query workers open it by path")
        self.settings = settings
        self._fixed = store
        self.remote = open_remote(settings) if store is None else None  # DEVKG_REMOTE_QUERY_URL
        self._lock = threading.Lock()
        self._target: Path | None = None
        self._store: EmbeddedStore | None = None
        self._generation = 0  # bumped by every update, part of every ETag
        self._snapshot: tuple[int, Path] | None = None  # (generation, path) workers read when writable
        self._retired: list[tuple[float, Path]] = []  # snapshots replaced, with when
        self._cache: dict[tuple, object] = {}
        self._link: tuple[float, Path | None] = (0.0, None)  # (when read, target) of the live link
        self.answers = AnswerCache(settings.cache_bytes, max(settings.cache_bytes // 16, 1))
        self.pool = WorkerPool(settings.query_workers, queue_length=settings.query_queue,
                               memory_mb=settings.worker_memory)

    @property
    def writable(self) -> bool:
        return bool(self.settings.update_token)

    def _live_target(self) -> Path | None:
        """The live link's target, read again at most every LINK_CHECK seconds (it is on every request's path)."""
        when, target = self._link
        now = time.monotonic()
        if now - when > LINK_CHECK:
            target = live_target(self.settings.store)
            self._link = (now, target)
        return target

    def get(self) -> EmbeddedStore:
        if self.remote is not None:
            return self.remote  # type: ignore[return-value]
        if self._fixed is not None:
            return self._fixed
        target = self._live_target()
        if target is None:
            raise StoreError("no store has been built yet")
        with self._lock:
            if target != self._target:
                self._store = EmbeddedStore(target, read_only=not self.writable)
                self._target = target
                self._cache.clear()
                self.answers.clear()
            return self._store

    def _reader_path(self) -> Path:
        """What workers open read-only: the live build, or a snapshot of it when the server writes."""
        store = self.get()
        if not self.writable:
            return store.path  # type: ignore[return-value]
        with self._lock:
            if self._snapshot is None or self._snapshot[0] != self._generation:
                self._snapshot = (self._generation, self._new_snapshot(store))
            return self._snapshot[1]

    def _new_snapshot(self, store: EmbeddedStore) -> Path:
        root = store.path.parent / SNAPSHOTS_DIR  # type: ignore[union-attr]
        if self._snapshot is None:  # left by an earlier server: no worker of ours reads them
            shutil.rmtree(root, ignore_errors=True)
        root.mkdir(exist_ok=True)
        now = time.monotonic()
        if self._snapshot is not None:
            self._retired.append((now, self._snapshot[1]))
        # A replaced snapshot goes once no query can still be reading it.
        grace = self.settings.query_timeout + 5
        for when, old in [r for r in self._retired if r[0] < now - grace]:
            shutil.rmtree(old, ignore_errors=True)
            self._retired.remove((when, old))
        target = root / f"{store.path.name}.{self._generation}.{time.monotonic_ns()}"  # type: ignore[union-attr]
        return store.snapshot(target)

    def run(self, job: Job) -> Answer:
        """Answer a query under the limits; raises limits.QueryTimeout, Busy or WorkerDied."""
        if self.remote is not None:
            from graph.web.remote import run_remote
            return run_remote(self.remote, job)
        flat = fastpath.parse(job.query)
        if flat is not None:
            return fastpath.answer(self.get(), job, flat)
        path = self._reader_path()
        key = (job.query, job.results_format, job.graph_format, job.max_rows, job.max_bytes,
               tuple(job.default_graphs), tuple(job.named_graphs), job.base_iri, self.build_id)
        cacheable = _VOLATILE.search(job.query) is None
        if cacheable and (hit := self.answers.get(key)) is not None:
            return hit
        answer = self.pool.run(path, job)
        if cacheable and answer.kind == "ok" and answer.cut.reason != "timeout":
            self.answers.put(key, answer)
        return answer

    def update(self, sparql: str, base_iri: str | None = None) -> None:
        store = self.get()  # embedded or remote: both raise QuerySyntaxError, UpdateError, StoreError
        store.update(sparql, base_iri=base_iri)
        forget_labels(store)
        with self._lock:
            self._generation += 1
            self._cache.clear()
            self.answers.clear()

    def cached(self, key: str, compute):
        """A value computed once per build (counts are slow on big stores)."""
        full = (key, self.build_id)
        with self._lock:
            if full in self._cache:
                return self._cache[full]
        value = compute()
        with self._lock:
            self._cache[full] = value
        return value

    @property
    def build_id(self) -> str:
        """Changes with every build and every update: part of every ETag."""
        if self.remote is not None:
            return f"remote-{self.remote.build_id()}.{self._generation}"
        if self._fixed is not None:
            return f"{id(self._fixed)}.{self._generation}"
        target = self._live_target()
        return f"{target.name if target else 'none'}.{self._generation}"
