"""`devkg serve`: the app under granian, a Rust HTTP server, with a few processes of request threads.

Measured on this machine kind (bench/README.md): a Flask app answering a constant
gave 2,600 req/s under waitress, 3,300 under gunicorn and 7,000 under granian.
Granian also keeps every connection in its async runtime, so slow clients
(slowloris) hold no request thread, and it drops a connection whose headers have
not arrived within `HEADER_TIMEOUT_MS`. Settings reach the server processes
through the `DEVKG_*` environment, like any other start of the app.
"""

from __future__ import annotations

import os
import sys

from graph.config import Settings

HEADER_TIMEOUT_MS = 10_000
STOP_GRACE_S = 5  # on SIGTERM, requests in flight get this long before the server process is killed


def application():
    """The WSGI app for one server process (granian calls this factory in each).

    A server process exits when granian's main process goes, even by SIGKILL, so
    that neither it nor its query workers go on computing for nobody.
    """
    from graph.web.limits import die_with_parent
    from server import create_app

    die_with_parent()
    return create_app(Settings.from_env())


def preload() -> None:
    """Import the app's modules (Flask, Jinja, the views) once, here, before granian starts its server processes.

    Granian forks them on Linux (its start method is multiprocessing's), so they begin with these modules
    already loaded instead of each importing them again on a shared CPU: the first answer comes sooner and
    the pages are shared. Only modules are loaded: no app, store, thread or worker exists before the fork.
    Where granian spawns instead, each process imports them itself as before.
    """
    import server  # noqa: F401
    from graph.web import (  # noqa: F401
        browse,
        dumps,
        errors,
        feed,
        htmlsafety,
        lane,
        overview,
        pages,
        resourcepage,
        resources,
        sparql,
        state,
    )


def serve(settings: Settings) -> None:
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server

    for name, value in settings.to_env().items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    workers = 1 if settings.update_token else max(1, settings.workers)  # one writer holds the store
    preload()
    print(f"devkg serving {settings.store} on http://{settings.host}:{settings.port}/ "
          f"({workers} processes x {settings.threads} threads; Ctrl-C stops)", file=sys.stderr, flush=True)
    Server("graph.serve:application", factory=True, interface=Interfaces.WSGI, address=settings.host,
           port=settings.port, workers=workers, blocking_threads=max(2, settings.threads), http=HTTPModes.http1,
           websockets=False, http1_settings=HTTP1Settings(header_read_timeout=HEADER_TIMEOUT_MS),
           respawn_failed_workers=True, workers_kill_timeout=STOP_GRACE_S, log_level=LogLevels.warning,
           log_access=False,
           ).serve()
