"""Answering /sparql through a remote store, under the same limits as the embedded one.

No worker process is needed: the remote server does the work, and the HTTP
client (graph/sparql_client.py) stops waiting at the query timeout and closes
the connection, which stops a server that streams. The row limit and the
deadline between rows apply as in limits.py; an answer longer than the byte
cap is cut there and marked `max-bytes`. Configure the server's own timeout
too (README, "Remote store"): closing a connection does not stop every engine
from finishing a query that sorts or groups.
"""

from __future__ import annotations

import time

from graph.store import (
    QuerySyntaxError,
    RemoteStore,
    ResultTooLarge,
    StoreError,
    StoreTimeout,
)
from graph.web.limits import Answer, Job, QueryTimeout, write_answer
from graph.web.results import Cut


def _take(result, limit: int, deadline: float) -> tuple[list, Cut]:
    """Rows up to the limit, the deadline or the byte cap, whichever comes first."""
    rows: list = []
    try:
        for item in result:
            if len(rows) >= limit:
                return rows, Cut(len(rows), "max-rows")
            rows.append(item)
            if time.monotonic() > deadline:
                return rows, Cut(len(rows), "timeout")
    except ResultTooLarge:
        return rows, Cut(len(rows), "max-bytes")
    except StoreTimeout:
        if not rows:
            raise
        return rows, Cut(len(rows), "timeout")
    except SyntaxError:  # e.g. Oxigraph ends a cancelled answer with a plain-text note
        raise StoreError("remote store: its answer broke off") from None
    finally:
        close = getattr(result, "close", None)  # stop the server streaming what we will not read
        if close:
            close()
    return rows, Cut(len(rows))


def run_remote(store: RemoteStore, job: Job, max_bytes: int | None = None) -> Answer:
    """Answer one /sparql job on the remote store; raises limits.QueryTimeout when it runs out of time."""
    deadline = time.monotonic() + job.seconds
    try:
        result = store.query(job.query, default_graphs=job.default_graphs or None,
                             named_graphs=job.named_graphs or None, base_iri=job.base_iri,
                             prefixes=job.prefixes or None, timeout=job.seconds, max_bytes=max_bytes)
        return write_answer(result, job, lambda items, _size: _take(items, job.max_rows, deadline))
    except QuerySyntaxError as e:
        return Answer("syntax", message=str(e))
    except StoreTimeout:
        raise QueryTimeout() from None
    except StoreError as e:
        return Answer("store", message=str(e))
