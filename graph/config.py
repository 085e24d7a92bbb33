"""Settings, read once from `DEVKG_*` environment variables and CLI flags and passed explicitly.

Nothing else in devkg reads the environment: a `Settings` object is built at the
edge (CLI, `create_app`) and handed down, so tests can make as many as they like.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from graph.namespaces import DEFAULT_BASE

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


@dataclass(frozen=True)
class Settings:
    base: str = DEFAULT_BASE  # DEVKG_BASE: IRI base; terms at {base}def#, instances at {base}id/
    data: Path = PROJECT_ROOT / "data"  # DEVKG_DATA: curated projects, IATI files, reference data
    store: Path = PROJECT_ROOT / "var" / "store"  # DEVKG_STORE: the live store (a symlink to a build)
    exports: Path = PROJECT_ROOT / "var" / "dumps"  # DEVKG_EXPORTS: dumps + VoID of the live build (/dumps/); default beside the store
    ontology: Path = PROJECT_ROOT / "ontology"  # core vocabulary and alignments
    shapes: Path = PROJECT_ROOT / "shapes"  # SHACL shapes, one file per entity
    remote_query_url: str | None = None  # DEVKG_REMOTE_QUERY_URL: SPARQL endpoint of a remote store
    remote_update_url: str | None = None  # DEVKG_REMOTE_UPDATE_URL
    remote_gsp_url: str | None = None  # DEVKG_REMOTE_GSP_URL: Graph Store Protocol endpoint
    host: str = "127.0.0.1"  # DEVKG_HOST
    port: int = 8000  # DEVKG_PORT
    threads: int = 8  # DEVKG_THREADS: WSGI worker threads
    query_timeout: float = 30.0  # DEVKG_QUERY_TIMEOUT, seconds
    max_rows: int = 10000  # DEVKG_MAX_ROWS: result rows (or triples) before truncation
    max_body: int = 1_000_000  # DEVKG_MAX_BODY: request body bytes before 413
    update_token: str | None = None  # DEVKG_UPDATE_TOKEN: bearer token that enables SPARQL Update
    service_allow: tuple[str, ...] = ()  # DEVKG_SERVICE_ALLOW: hosts SERVICE/LOAD/FROM may reach
    cors_origins: tuple[str, ...] = ("*",)  # DEVKG_CORS_ORIGINS; empty disables CORS
    reasoner: str = "rules"  # DEVKG_REASONER: "rules" (fast, SPARQL) or "owlrl" (reference)
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
            elif isinstance(default, int):
                values[f.name] = int(raw)
            elif isinstance(default, float):
                values[f.name] = float(raw)
            elif isinstance(default, tuple):
                values[f.name] = _list(raw)
            elif isinstance(default, Path):
                values[f.name] = Path(raw)
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "exports" not in values and "store" in values:  # the dumps of a build live beside its store
            values["exports"] = Path(values["store"]).parent / "dumps"
        for f in fields(cls):  # flags and callers may pass paths as text
            if isinstance(getattr(cls, f.name, None), Path) and isinstance(values.get(f.name), str):
                values[f.name] = Path(values[f.name])
        settings = cls(**values)
        if not settings.base.endswith(("/", "#")):
            settings = replace(settings, base=settings.base + "/")
        return settings

    def with_(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
