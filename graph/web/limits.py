"""Query limits: every query runs in a worker process that is killed at the timeout.

pyoxigraph cannot cancel a running query, and a query that sorts or groups
computes everything before its first row, so a thread cannot stop it. Each
query therefore goes to one of a few worker processes, each with the store
opened read-only; when the deadline passes, the parent kills that worker,
answers 503 and starts a fresh one on demand. Other requests use other workers
and are never held up.

The worker also enforces the row limit and writes the response body, so only
bytes cross the pipe. When the store is opened read-write (an update token is
configured; opening read-only beside a writer is undefined in pyoxigraph) or is
an in-memory store (tests), queries run in the calling thread instead, where
the row limit and a between-rows deadline still apply, but nothing is killed.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from graph.web import negotiate
from graph.web.results import Cut, take, write_boolean, write_solutions, write_triples


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to answer one query, picklable."""

    query: str
    results_format: str | None  # negotiated name for SELECT/ASK; None: nothing acceptable
    graph_format: str | None  # negotiated name for CONSTRUCT/DESCRIBE
    max_rows: int
    seconds: float
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    base_iri: str | None = None
    prefixes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """A worker's reply: a body in a format, or an error kind with the engine's message."""

    kind: str  # "ok", "syntax", "store", "not-acceptable"
    form: str = ""  # "solutions", "boolean" or "graph"
    format: str = ""
    body: bytes = b""
    cut: Cut = field(default_factory=lambda: Cut(0))
    message: str = ""


class QueryTimeout(Exception):
    """The query ran past the configured timeout and its worker was stopped."""


class Busy(Exception):
    """Every worker stayed busy for the whole timeout."""


def _by_name(candidates: list[negotiate.Format], name: str | None) -> negotiate.Format | None:
    return next((f for f in candidates if f.name == name), None)


def execute(raw: ox.Store, job: Job) -> Answer:
    """Run one query on an open pyoxigraph store and write its body; used in workers and inline."""
    kwargs: dict = {"base_iri": job.base_iri, "prefixes": job.prefixes or None}
    if job.default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    else:
        kwargs["use_default_graph_as_union"] = True
    if job.named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    deadline = time.monotonic() + job.seconds
    try:
        result = raw.query(job.query, **kwargs)
        if isinstance(result, ox.QueryBoolean):
            fmt = _by_name(negotiate.RESULTS, job.results_format)
            if fmt is None:
                return Answer("not-acceptable", "boolean")
            return Answer("ok", "boolean", fmt.name, write_boolean(bool(result), fmt), Cut(1))
        if isinstance(result, ox.QuerySolutions):
            fmt = _by_name(negotiate.RESULTS, job.results_format)
            if fmt is None:
                return Answer("not-acceptable", "solutions")
            variables = [v.value for v in result.variables]
            rows, cut = take(result, job.max_rows, deadline)
            return Answer("ok", "solutions", fmt.name, write_solutions(variables, rows, fmt, cut), cut)
        fmt = _by_name(negotiate.GRAPHS, job.graph_format)
        if fmt is None:
            return Answer("not-acceptable", "graph")
        triples, cut = take(result, job.max_rows, deadline)
        return Answer("ok", "graph", fmt.name, write_triples(triples, fmt, cut, job.prefixes), cut)
    except SyntaxError as e:
        return Answer("syntax", message=str(e))
    except OSError as e:
        return Answer("store", message=str(e))


def _die_with_parent() -> None:
    """Never outlive the server: a killed server must not leave a runaway query computing.

    pyoxigraph releases the GIL while it evaluates, so this thread runs even
    mid-query. (PR_SET_PDEATHSIG would tie the worker to the server *thread*
    that started it, not to the process.)
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()


def _worker_main(conn) -> None:
    """A worker's loop: (store path, job) in, Answer out; the store is reopened when the path changes."""
    _die_with_parent()
    path, raw = None, None
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        want, job = message
        try:
            if want != path:
                raw, path = None, None
                raw, path = ox.Store.read_only(want), want
            answer = execute(raw, job)
        except OSError as e:
            answer = Answer("store", message=str(e))
        except Exception as e:  # never leave the parent waiting on a dead pipe
            answer = Answer("store", message=f"{type(e).__name__}: {e}")
        conn.send(answer)


class _Worker:
    def __init__(self, ctx):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child,), daemon=True, name="devkg-query")
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """A few long-lived query processes; one is killed and replaced whenever a query times out."""

    def __init__(self, size: int = 2):
        self.size = max(1, size)
        self._ctx = mp.get_context("spawn")  # never fork a threaded server holding RocksDB handles
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(self.size)

    def run(self, store_path: Path, job: Job) -> Answer:
        """Answer `job` within `job.seconds` (plus a second's grace), or raise QueryTimeout/Busy."""
        if not self._slots.acquire(timeout=job.seconds):
            raise Busy()
        worker = None
        try:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                worker = _Worker(self._ctx)
            worker.conn.send((str(store_path), job))
            if worker.conn.poll(job.seconds + 1.0):
                answer = worker.conn.recv()
                self._idle.put(worker)
                worker = None
                return answer
            raise QueryTimeout()
        except (EOFError, OSError):  # the worker died (out of memory, killed): say so, never hang
            from graph.store import StoreError
            raise StoreError("a query worker stopped unexpectedly") from None
        finally:
            if worker is not None:  # timed out or broke: never reuse it
                worker.kill()
            self._slots.release()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                return
