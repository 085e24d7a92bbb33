"""Settings, read once from `DEVKG_*` environment variables and CLI flags and passed explicitly.

Nothing else in devkg reads the environment: a `Settings` object is built at the
edge (CLI, `create_app`) and handed down, so tests can make as many as they like.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASE = "https://w3id.org/devkg/"  # graph.namespaces re-exports it; here so that settings need no rdflib


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


@dataclass(frozen=True)
class Settings:
    base: str = DEFAULT_BASE  # DEVKG_BASE: IRI base; terms at {base}def#, instances at {base}id/
    data: Path = PROJECT_ROOT / "data"  # DEVKG_DATA: curated projects, IATI files, reference data
    store: Path = PROJECT_ROOT / "var" / "store"  # DEVKG_STORE: the live store (a symlink to a build)
    # dumps + VoID of the live build (/dumps/); default beside the store
    exports: Path = PROJECT_ROOT / "var" / "dumps"  # DEVKG_EXPORTS
    # the harvest feed's state (/ldes), carried from build to build and published by each; default beside the store
    feed: Path = PROJECT_ROOT / "var" / "feed"  # DEVKG_FEED
    feed_window: int = 90  # DEVKG_FEED_WINDOW: days /ldes keeps every version; older ones only while latest (0: all)
    feed_page: int = 100  # DEVKG_FEED_PAGE: versions per /ldes page (1-1000; pages are named by their range)
    ontology: Path = PROJECT_ROOT / "ontology"  # core vocabulary and alignments
    shapes: Path = PROJECT_ROOT / "shapes"  # SHACL shapes, one file per entity
    remote_query_url: str | None = None  # DEVKG_REMOTE_QUERY_URL: SPARQL endpoint of a remote store
    remote_update_url: str | None = None  # DEVKG_REMOTE_UPDATE_URL
    remote_gsp_url: str | None = None  # DEVKG_REMOTE_GSP_URL: Graph Store Protocol endpoint
    remote_chunk: int = 4_000_000  # DEVKG_REMOTE_CHUNK: bytes of N-Triples per upload request
    remote_union: str = ""  # DEVKG_REMOTE_UNION: "virtuoso" (a Virtuoso dedicated to devkg): queries name no graph
    # credentials for the three remote URLs, sent as the server's 401 asks (Digest or Basic); `user:pw@` in a URL wins
    remote_user: str | None = None  # DEVKG_REMOTE_USER
    remote_password: str | None = None  # DEVKG_REMOTE_PASSWORD
    host: str = "127.0.0.1"  # DEVKG_HOST
    port: int = 8000  # DEVKG_PORT
    workers: int = 2  # DEVKG_WORKERS: server processes (1 when an update token is set: one writer)
    threads: int = 8  # DEVKG_THREADS: request threads per server process
    query_workers: int = 2  # DEVKG_QUERY_WORKERS: killable query processes per server process
    query_queue: int = 2  # DEVKG_QUERY_QUEUE: queries that may wait for one; more get 503 + Retry-After
    worker_memory: int = 2048  # DEVKG_WORKER_MEMORY: address-space limit of a query process, MB (0: none)
    query_timeout: float = 30.0  # DEVKG_QUERY_TIMEOUT, seconds
    max_rows: int = 10000  # DEVKG_MAX_ROWS: result rows (or triples) before truncation
    max_bytes: int = 50_000_000  # DEVKG_MAX_BYTES: result body bytes (about) before truncation
    cache_bytes: int = 32_000_000  # DEVKG_CACHE_BYTES: answers kept for repeated queries, per process
    max_body: int = 1_000_000  # DEVKG_MAX_BODY: request body bytes before 413
    update_token: str | None = None  # DEVKG_UPDATE_TOKEN: bearer token that enables SPARQL Update
    service_allow: tuple[str, ...] = ()  # DEVKG_SERVICE_ALLOW: hosts SERVICE/LOAD/FROM may reach
    cors_origins: tuple[str, ...] = ("*",)  # DEVKG_CORS_ORIGINS; empty disables CORS
    # `devkg import-iati URL` downloads (graph/fetch.py)
    fetch_max_bytes: int = 200_000_000  # DEVKG_FETCH_MAX_BYTES: largest file, decoded bytes (flag --max-bytes)
    fetch_timeout: float = 60.0  # DEVKG_FETCH_TIMEOUT: seconds for the connection and for each read
    fetch_retries: int = 3  # DEVKG_FETCH_RETRIES: attempts after a failed connection, 429, 502, 503 or 504
    fetch_backoff: float = 1.0  # DEVKG_FETCH_BACKOFF: seconds before the first retry, doubled for each next one
    fetch_wait_max: float = 60.0  # DEVKG_FETCH_WAIT_MAX: longest wait; a longer Retry-After ends the download
    debug: bool = False  # DEVKG_DEBUG

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """Settings from `DEVKG_<FIELD>` variables, then explicit overrides (CLI flags)."""
        env = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = env.get(f"DEVKG_{f.name.upper()}")
            if raw is None:
                continue
            default = getattr(cls, f.name, None)
            if isinstance(default, bool):
                values[f.name] = _bool(raw)
            elif isinstance(default, (int, float)):
                try:
                    values[f.name] = type(default)(raw)
                except ValueError:
                    kind = "an integer" if isinstance(default, int) else "a number"
                    raise ValueError(f"DEVKG_{f.name.upper()} must be {kind}, not {raw!r}") from None
            elif isinstance(default, tuple):
                values[f.name] = _list(raw)
            elif isinstance(default, Path):
                values[f.name] = Path(raw)
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        for name, folder in (("exports", "dumps"), ("feed", "feed")):  # a build's dumps and feed: beside its store
            if name not in values and "store" in values:
                values[name] = Path(values["store"]).parent / folder
        for f in fields(cls):  # flags and callers may pass paths as text
            if isinstance(getattr(cls, f.name, None), Path) and isinstance(values.get(f.name), str):
                values[f.name] = Path(values[f.name])
        settings = cls(**values)
        if not settings.base.endswith(("/", "#")):
            settings = replace(settings, base=settings.base + "/")
        return settings

    def to_env(self) -> dict[str, str | None]:
        """The `DEVKG_*` variables that give these settings back through `from_env` (None: unset)."""
        out: dict[str, str | None] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                text = None
            elif isinstance(value, bool):
                text = "1" if value else "0"
            elif isinstance(value, tuple):
                text = ",".join(value)
            else:
                text = str(value)
            out[f"DEVKG_{f.name.upper()}"] = text
        return out

    def with_(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
