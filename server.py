"""The devkg web app: `create_app()` builds settings, opens the store, registers blueprints.

Nothing happens at import time, so tests and WSGI servers make as many apps as they like.
"""

from __future__ import annotations

from flask import Flask, request

from graph.config import Settings


def create_app(settings: Settings | None = None, *, store=None) -> Flask:
    from graph.web import browse, dumps, errors, overview, pages, resourcepage, resources, sparql
    from graph.web.state import LiveStore

    settings = settings or Settings.from_env()
    app = Flask("graph.web", template_folder="templates", static_folder="static", static_url_path="/static")
    app.config["DEVKG"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body  # larger bodies get 413
    app.json.sort_keys = False
    app.extensions["devkg"] = LiveStore(settings, store)
    errors.init_app(app)
    for bp in (pages.bp, sparql.bp, browse.bp, resources.bp, dumps.bp, resourcepage.bp, overview.bp):
        app.register_blueprint(bp)

    @app.after_request
    def cors(resp):
        origins = settings.cors_origins
        if origins and resp.status_code < 500:
            origin = request.headers.get("Origin")
            if "*" in origins:
                resp.headers["Access-Control-Allow-Origin"] = "*"
            elif origin in origins:
                resp.headers["Access-Control-Allow-Origin"] = origin
                resp.headers.add("Vary", "Origin")
            resp.headers["Access-Control-Expose-Headers"] = "X-Devkg-Truncated, ETag"
            if request.method == "OPTIONS":  # preflight for POST with a SPARQL body
                resp.headers["Access-Control-Allow-Methods"] = "GET, POST, HEAD"
                resp.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, Authorization"
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        return resp

    return app
