"""`devkg serve`: the app under waitress, a production WSGI server with worker threads."""

from __future__ import annotations

import sys

from graph.config import Settings


def serve(settings: Settings) -> None:
    import waitress

    from server import create_app

    app = create_app(settings)
    print(f"devkg serving {settings.store} on http://{settings.host}:{settings.port}/ "
          f"({settings.threads} threads; Ctrl-C stops)", file=sys.stderr, flush=True)
    waitress.serve(app, host=settings.host, port=settings.port, threads=settings.threads,
                   max_request_body_size=settings.max_body, ident="devkg")
