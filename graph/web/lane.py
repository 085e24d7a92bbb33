"""The fast lane: `GET /sparql?query=<flat lookup>` answered before Flask, everything else by Flask.

Measured with wrk on this machine kind (bench/README.md): granian answered a bare
WSGI callable about three times as fast as a Flask view returning a constant, so
Flask's request and response objects, not the engine, set the ceiling for the
cheapest requests (`ASK {}`, a lookup by IRI). This middleware takes only the
plainest form of the commonest request (GET, one `query` parameter and nothing
else, a query fastpath.py proves flat, an answer that came out `ok`) and answers
it with the same job, the same negotiation table, the same limits and the same
headers (`server.common_headers`) as the Flask view would. Anything else,
including every error, falls through to Flask, which answers as always.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qs

from werkzeug.utils import get_content_type

from graph.namespaces import prefixes
from graph.web import fastpath, negotiate
from graph.web.limits import Job

MEMO = 1024  # query strings remembered with what they hold (the parse is a pure function of the text)


@lru_cache(maxsize=MEMO)
def flat_query(query_string: str) -> str | None:
    """The query of a query string that holds one `query` parameter and nothing else, when it is a flat
    lookup (fastpath.py); None for anything else."""
    params = parse_qs(query_string, keep_blank_values=True)
    if list(params) != ["query"] or len(params["query"]) != 1:
        return None
    query = params["query"][0]
    if not query.strip() or fastpath.parse(query) is None:
        return None
    return query


class FastLane:
    def __init__(self, wsgi_app, flask_app):
        from server import common_headers

        self.next, self.app = wsgi_app, flask_app
        self.settings = flask_app.config["DEVKG"]
        self.prefixes = prefixes(self.settings.base)
        self.live = flask_app.extensions["devkg"]
        self.common_headers = common_headers
        self.content_types = {f.name: get_content_type(f.media_type, "utf-8") for f in negotiate.RESULTS}

    def __call__(self, environ, start_response):
        answered = self._try(environ)
        if answered is None:
            return self.next(environ, start_response)
        status, headers, body = answered
        start_response(status, headers)
        return [body]

    def _try(self, environ):
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != "/sparql":
            return None
        query_string = environ.get("QUERY_STRING", "")
        query = flat_query(query_string) if len(query_string) <= 3 * fastpath.MAX_LENGTH else None
        if query is None:
            return None
        accept = environ.get("HTTP_ACCEPT")
        results = negotiate.choose(negotiate.RESULTS, accept)
        if results is None:
            return None
        graphs = negotiate.choose(negotiate.GRAPHS, accept)
        settings = self.settings
        base_iri = (f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
                    f"{environ.get('SCRIPT_NAME', '')}/sparql")
        job = Job(query, results.name, graphs.name if graphs else None, settings.max_rows, settings.query_timeout,
                  settings.max_bytes, [], [], base_iri=base_iri, prefixes=self.prefixes)
        try:
            answer = self.live.run(job)
        except Exception:  # noqa: BLE001 - Flask runs it again and answers the error its one way
            return None
        if answer.kind != "ok" or answer.form == "graph":
            return None
        headers = [("Content-Type", self.content_types[answer.format]),
                   ("Content-Length", str(len(answer.body))), ("Vary", "Accept")]
        if answer.cut.reason:
            headers.append(("X-Devkg-Truncated", answer.cut.header()))
        headers += self.common_headers(settings, environ.get("HTTP_ORIGIN"), "GET", 200)
        return "200 OK", headers, answer.body
