"""The app's view of the live store: reopened when a build switches the live link.

Also where queries are dispatched: to the worker pool (read-only, on-disk
stores: the default) or inline (read-write or in-memory stores; see limits.py).
"""

from __future__ import annotations

import threading
from pathlib import Path

from graph.config import Settings
from graph.store import EmbeddedStore, QuerySyntaxError, StoreError, live_target, open_remote
from graph.web.limits import Answer, Job, WorkerPool, execute


class LiveStore:
    """Hands out the store the live link points at; a new build is picked up without a restart.

    Read-only unless an update token is configured, because only then may the
    server write (SPARQL Update with the bearer token).
    """

    def __init__(self, settings: Settings, store: EmbeddedStore | None = None):
        self.settings = settings
        self._fixed = store
        self.remote = open_remote(settings) if store is None else None  # DEVKG_REMOTE_QUERY_URL
        self._lock = threading.Lock()
        self._target: Path | None = None
        self._store: EmbeddedStore | None = None
        self._generation = 0  # bumped by every update, part of every ETag
        self._cache: dict[tuple, object] = {}
        self.pool = WorkerPool(min(settings.threads, 4)) if self.uses_workers else None

    @property
    def uses_workers(self) -> bool:
        """Killable worker processes need a read-only store on disk."""
        if self.settings.update_token or self.remote is not None:
            return False
        return self._fixed is None or self._fixed.path is not None

    def get(self) -> EmbeddedStore:
        if self.remote is not None:
            return self.remote  # type: ignore[return-value]
        if self._fixed is not None:
            return self._fixed
        target = live_target(self.settings.store)
        if target is None:
            raise StoreError("no store has been built yet")
        with self._lock:
            if target != self._target:
                self._store = EmbeddedStore(target, read_only=not self.settings.update_token)
                self._target = target
                self._cache.clear()
            return self._store

    def _path(self) -> Path:
        if self._fixed is not None:
            return self._fixed.path  # type: ignore[return-value]
        self.get()
        return self._target  # type: ignore[return-value]

    def run(self, job: Job) -> Answer:
        """Answer a query under the limits; raises limits.QueryTimeout or limits.Busy."""
        if self.remote is not None:
            from graph.web.remote import run_remote
            return run_remote(self.remote, job)
        if self.pool is not None:
            return self.pool.run(self._path(), job)
        return execute(self.get().raw, job)

    def update(self, sparql: str, base_iri: str | None = None) -> None:
        store = self.get()
        try:
            if self.remote is not None:
                self.remote.update(sparql, base_iri=base_iri)
            else:
                store.raw.update(sparql, base_iri=base_iri)
        except SyntaxError as e:
            raise QuerySyntaxError(str(e)) from None
        except OSError as e:
            raise StoreError(str(e)) from None
        with self._lock:
            self._generation += 1
            self._cache.clear()

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
        target = live_target(self.settings.store)
        return f"{target.name if target else 'none'}.{self._generation}"
