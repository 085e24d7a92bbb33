"""Query limits: every query that could run long runs in a worker process that is killed at the timeout.

pyoxigraph cannot cancel a running query, and a query that sorts or groups
computes everything before its first row, so a thread cannot stop it. Each
query therefore goes to one of a few worker processes, each with the store
opened read-only (or, when updates are enabled, a read-only snapshot of it: see
state.py); when the deadline passes, the parent kills that worker, answers 503
and starts a fresh one on demand. The only exception is a flat lookup that
fastpath.py proves cheap from its tokens, answered in the server process.

Each worker runs under an address-space limit (RLIMIT_AS), so a query that
would grow without bound fails in its own process; the parent sees the worker
die and answers with a clear error instead of the whole server swapping. The
worker enforces the row and byte limits and writes the response body, so only
bounded bytes cross the pipe. At most `size` queries run and `queue` wait for a
worker; beyond that a query is refused at once with 503 and Retry-After, so
slow queries never hold every server thread and cheap requests keep answering.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from graph.store import EmbeddedStore, QueryBoolean, QuerySolutions, QuerySyntaxError, StoreError
from graph.web import negotiate
from graph.web.results import Cut, solution_size, take, triple_size, write_boolean, write_solutions, write_triples


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to answer one query, picklable."""

    query: str
    results_format: str | None  # negotiated name for SELECT/ASK; None: nothing acceptable
    graph_format: str | None  # negotiated name for CONSTRUCT/DESCRIBE
    max_rows: int
    seconds: float
    max_bytes: int = 0  # 0: no byte limit
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
    """Every worker is busy and the waiting line is full (or stayed full for the whole timeout)."""


class WorkerDied(Exception):
    """The worker stopped while answering: its memory limit, a parser stack overflow, or a kill."""


def _by_name(candidates: list[negotiate.Format], name: str | None) -> negotiate.Format | None:
    return next((f for f in candidates if f.name == name), None)


def write_answer(result, job: Job, rows_of) -> Answer:
    """A query's result written in the job's format: a boolean, solutions or triples.

    `rows_of(result, size)` takes the rows up to the job's limits and says where it cut; the
    embedded store (`execute`) and a remote one (`graph.web.remote`) take them differently.
    """
    if isinstance(result, QueryBoolean):
        fmt = _by_name(negotiate.RESULTS, job.results_format)
        if fmt is None:
            return Answer("not-acceptable", "boolean")
        return Answer("ok", "boolean", fmt.name, write_boolean(bool(result), fmt), Cut(1))
    if isinstance(result, QuerySolutions):
        fmt = _by_name(negotiate.RESULTS, job.results_format)
        if fmt is None:
            return Answer("not-acceptable", "solutions")
        variables = [v.value for v in result.variables]
        rows, cut = rows_of(result, lambda row: solution_size(row, variables))
        return Answer("ok", "solutions", fmt.name, write_solutions(variables, rows, fmt, cut), cut)
    fmt = _by_name(negotiate.GRAPHS, job.graph_format)
    if fmt is None:
        return Answer("not-acceptable", "graph")
    triples, cut = rows_of(result, triple_size)
    return Answer("ok", "graph", fmt.name, write_triples(triples, fmt, cut, job.prefixes), cut)


def execute(store: EmbeddedStore, job: Job, *, dataset_clause: bool | None = None) -> Answer:
    """Run one query on an open store and write its body; used in workers and by the fast path."""
    deadline = time.monotonic() + job.seconds
    try:
        result = store.query(job.query, default_graphs=job.default_graphs, named_graphs=job.named_graphs,
                             base_iri=job.base_iri, prefixes=job.prefixes or None, dataset_clause=dataset_clause)
        return write_answer(result, job, lambda items, size: take(items, job.max_rows, deadline, job.max_bytes, size))
    except QuerySyntaxError as e:
        return Answer("syntax", message=str(e))
    except (StoreError, OSError) as e:
        return Answer("store", message=str(e))


def die_with_parent() -> None:
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


def _limit_memory(megabytes: int) -> None:
    if megabytes > 0:
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _worker_main(conn, memory_mb: int = 0) -> None:
    """A worker's loop: (store path, job) in, Answer out; the store is reopened when the path changes."""
    die_with_parent()
    _limit_memory(memory_mb)
    path, store = None, None
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
                store, path = None, None
                store, path = EmbeddedStore(Path(want), read_only=True), want
            answer = execute(store, job)
        except StoreError as e:
            answer = Answer("store", message=str(e))
        except MemoryError:
            answer = Answer("memory", message=f"the query needed more than the worker's {memory_mb} MB")
        except Exception as e:  # never leave the parent waiting on a dead pipe
            answer = Answer("store", message=f"{type(e).__name__}: {e}")
        try:
            conn.send(answer)
        except MemoryError:
            conn.send(Answer("memory", message=f"the answer did not fit in the worker's {memory_mb} MB"))


class _Worker:
    def __init__(self, ctx, memory_mb: int):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, memory_mb), daemon=True, name="devkg-query")
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """A few long-lived query processes; one is killed and replaced whenever a query times out."""

    def __init__(self, size: int = 2, *, queue_length: int | None = None, memory_mb: int = 0):
        self.size = max(1, size)
        self.queue_length = self.size * 2 if queue_length is None else max(0, queue_length)
        self.memory_mb = memory_mb
        self._ctx = mp.get_context("spawn")  # never fork a threaded server holding RocksDB handles
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(self.size)
        self._admitted = 0
        self._lock = threading.Lock()

    def run(self, store_path: Path, job: Job) -> Answer:
        """Answer `job` within `job.seconds` (plus a second's grace), or raise QueryTimeout/Busy/WorkerDied."""
        with self._lock:
            if self._admitted >= self.size + self.queue_length:
                raise Busy()
            self._admitted += 1
        try:
            if not self._slots.acquire(timeout=job.seconds):
                raise Busy()
            try:
                return self._run(store_path, job)
            finally:
                self._slots.release()
        finally:
            with self._lock:
                self._admitted -= 1

    def _run(self, store_path: Path, job: Job) -> Answer:
        worker = None
        try:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                worker = _Worker(self._ctx, self.memory_mb)
            worker.conn.send((str(store_path), job))
            if worker.conn.poll(job.seconds + 1.0):
                answer = worker.conn.recv()
                self._idle.put(worker)
                worker = None
                return answer
            raise QueryTimeout()
        except (EOFError, OSError):  # the worker died (memory limit, stack overflow, killed): say so, never hang
            raise WorkerDied() from None
        finally:
            if worker is not None:  # timed out or broke: never reuse it
                worker.kill()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                return
