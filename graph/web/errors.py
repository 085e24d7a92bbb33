"""One error path: JSON for programs, HTML for browsers; never a traceback, path or backend address."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from graph.store import QuerySyntaxError, StoreError, UpdateError
from graph.web.negotiate import wants_html

log = logging.getLogger("devkg.web")


class ApiError(Exception):
    """An error meant for the client, with an HTTP status and a plain message."""

    def __init__(self, status: int, message: str, headers: dict | None = None, *, title: str | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}
        self.title = title or _title(status)


def error_response(status: int, title: str, message: str, headers: dict | None = None) -> Response:
    if wants_html(request.headers.get("Accept")):
        resp = Response(render_template("error.html", status=status, title=title, message=message),
                        status=status, mimetype="text/html")
    else:
        resp = jsonify({"error": {"status": status, "title": title, "message": message}})
        resp.status_code = status
    resp.headers["Vary"] = "Accept"
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(e: ApiError):
        return error_response(e.status, e.title, e.message, e.headers)

    @app.errorhandler(QuerySyntaxError)
    def bad_query(e: QuerySyntaxError):
        return error_response(400, "Bad query", str(e))

    @app.errorhandler(UpdateError)
    def update_failed(e: UpdateError):
        return error_response(400, "Update failed", str(e))

    @app.errorhandler(StoreError)
    def store_error(e: StoreError):
        log.error("store error: %s", e)
        return error_response(503, "Store unavailable", "The graph store is not available; try again later.")

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        return error_response(e.code or 500, e.name, e.description or e.name,
                              {"Allow": ", ".join(e.valid_methods)} if getattr(e, "valid_methods", None) else None)

    @app.errorhandler(Exception)
    def server_error(e: Exception):
        log.exception("unhandled error")
        return error_response(500, "Server error", "Something went wrong on our side; it has been logged.")


def _title(status: int) -> str:
    return {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
            406: "Not acceptable", 413: "Request too large", 415: "Unsupported media type",
            503: "Unavailable", 504: "Query timeout"}.get(status, "Error")
