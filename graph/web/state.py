"""The app's view of the live store: reopened when a build switches the live link."""

from __future__ import annotations

import threading
from pathlib import Path

from graph.config import Settings
from graph.store import EmbeddedStore, StoreError, live_target


class LiveStore:
    """Hands out the store the live link points at; a new build is picked up without a restart.

    Read-only unless an update token is configured, because only then may the
    server write (SPARQL Update with the bearer token).
    """

    def __init__(self, settings: Settings, store: EmbeddedStore | None = None):
        self.settings = settings
        self._fixed = store
        self._lock = threading.Lock()
        self._target: Path | None = None
        self._store: EmbeddedStore | None = None

    def get(self) -> EmbeddedStore:
        if self._fixed is not None:
            return self._fixed
        target = live_target(self.settings.store)
        if target is None:
            raise StoreError("no store has been built yet")
        with self._lock:
            if target != self._target:
                self._store = EmbeddedStore(target, read_only=not self.settings.update_token)
                self._target = target
            return self._store

    @property
    def build_id(self) -> str:
        """Changes with every build: part of every ETag."""
        if self._fixed is not None:
            return str(id(self._fixed))
        target = live_target(self.settings.store)
        return target.name if target else "none"
