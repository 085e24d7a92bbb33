"""The devkg web app: `create_app()` builds settings, opens the store, registers blueprints.

Nothing happens at import time, so tests and WSGI servers make as many apps as they like.
"""

from __future__ import annotations

from flask import Flask, request

from graph.config import Settings


def create_app(settings: Settings | None = None, *, store=None) -> Flask:
    from graph.web import browse, dumps, errors, feed, htmlsafety, overview, pages, resourcepage, resources, sparql
    from graph.web.state import LiveStore

    settings = settings or Settings.from_env()
    app = Flask("graph.web", template_folder="templates", static_folder="static", static_url_path="/static")
    app.config["DEVKG"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body  # larger bodies get 413
    app.json.sort_keys = False
    app.extensions["devkg"] = LiveStore(settings, store)
    errors.init_app(app)
    htmlsafety.init_app(app)
    for bp in (pages.bp, sparql.bp, browse.bp, resources.bp, dumps.bp, feed.bp, resourcepage.bp, overview.bp):
        app.register_blueprint(bp)

    @app.after_request
    def common(resp):
        for name, value in common_headers(settings, request.headers.get("Origin"), request.method,
                                          resp.status_code):
            if name == "Vary":
                resp.headers.add(name, value)
            else:
                resp.headers.setdefault(name, value)
        return resp

    from graph.web.lane import FastLane

    app.wsgi_app = FastLane(app.wsgi_app, app)
    return app


def common_headers(settings: Settings, origin: str | None, method: str, status: int) -> list[tuple[str, str]]:
    """Headers every response gets (CORS, nosniff): one list for Flask's responses and the fast lane's."""
    out = []
    origins = settings.cors_origins
    if origins:  # on errors too, or a browser client cannot read why its request failed
        if "*" in origins:
            out.append(("Access-Control-Allow-Origin", "*"))
        elif origin in origins:
            out += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        out.append(("Access-Control-Expose-Headers", "X-Devkg-Truncated, ETag"))
        if method == "OPTIONS":  # preflight for POST with a SPARQL body
            out += [("Access-Control-Allow-Methods", "GET, POST, HEAD"),
                    ("Access-Control-Allow-Headers", "Content-Type, Accept, Authorization")]
    out.append(("X-Content-Type-Options", "nosniff"))
    return out
