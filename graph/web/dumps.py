"""Files for harvesters: /dumps/ (listing and files, with validators and ranges) and /.well-known/void.

Only an export of the build being served is offered: its directory names the
build it was made from (`graph.export.export_build`). In the moment between a
build switching the store and switching its export, or after a SPARQL Update
changed the data, the dumps would describe another graph, so /dumps/ answers
503 with `Retry-After` and /.well-known/void is computed live from what is served.

Compressed files are sent as the bytes on disk (`application/gzip`, no
`Content-Encoding`): with `Content-Encoding: gzip` python-requests, curl
`--compressed`, browsers and Node fetch save them decompressed, and the SHA-256
in SHA256SUMS and void.ttl would no longer match what they saved.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, send_from_directory

from graph.export import DESCRIPTION, SUMS, export_build, read_sums
from graph.mapping.iris import Iris
from graph.store import StoreError
from graph.web import negotiate
from graph.web.errors import ApiError

bp = Blueprint("dumps", __name__)
RETRY_SECONDS = 5


def served_build() -> str | None:
    """The build id of the data being served, None when it has no build (in memory, updated)."""
    live = current_app.extensions["devkg"]
    try:
        store = live.get()
    except StoreError:
        return None
    if not live.build_id.endswith(".0"):  # ".N": N SPARQL Updates since the build
        return None
    if live.remote is not None:
        return live.remote.build_id() or None
    return Path(store.path).name if store.path is not None else None


def _current_export() -> Path | None:
    """The export directory when it was made from the build being served, else None."""
    out = current_app.config["DEVKG"].exports
    built = export_build(out)
    return out if built is not None and built == served_build() else None


def _stale() -> ApiError:
    return ApiError(503, "the dumps of the graph being served are not published yet; retry shortly",
                    {"Retry-After": str(RETRY_SECONDS)})


@bp.route("/dumps/")
def listing():
    out = _current_export()
    sums = read_sums(out) if out is not None else {}
    files = [{"name": n, "size": (out / n).stat().st_size, "sha256": d} for n, d in sorted(sums.items())
             if (out / n).exists()]
    stale = out is None and export_build(current_app.config["DEVKG"].exports) is not None
    if negotiate.wants_html(request.headers.get("Accept")):
        resp = Response(render_template("dumps.html", files=files, stale=stale))
    else:
        resp = current_app.json.response({"files": files, "feed": str(Iris(current_app.config["DEVKG"].base).feed)})
    resp.headers["Vary"] = "Accept"
    if stale:
        resp.headers["Retry-After"] = str(RETRY_SECONDS)
    return resp


@bp.route("/dumps/<name>")
def dump_file(name: str):
    out = _current_export()
    if out is None:
        if export_build(current_app.config["DEVKG"].exports) is not None:
            raise _stale()
        raise ApiError(404, f"no dump file {name}")
    if name not in read_sums(out) and name != SUMS:
        raise ApiError(404, f"no dump file {name}")
    # conditional=True gives ETag, Last-Modified, 304 and byte ranges; HEAD is answered by Flask.
    # An explicit mimetype keeps werkzeug from guessing "gzip" as a Content-Encoding for .gz.
    mimetype = "application/gzip" if name.endswith(".gz") else \
        "text/turtle" if name.endswith(".ttl") else "text/plain"
    resp = send_from_directory(out, name, conditional=True, etag=True, max_age=0, mimetype=mimetype)
    resp.headers.pop("Content-Encoding", None)
    if mimetype.startswith("text/"):
        resp.charset = "utf-8"
    return resp


@bp.route("/.well-known/void")
def void():
    """The export's void.ttl when it describes the served build, else one computed live (no dump files)."""
    settings = current_app.config["DEVKG"]
    out = _current_export()
    if out is not None and (out / DESCRIPTION).exists():
        return send_from_directory(out, DESCRIPTION, conditional=True, etag=True,
                                   mimetype="text/turtle", max_age=0)
    from graph.describe import describe  # rdflib: loaded by the first request that needs it

    live = current_app.extensions["devkg"]
    body = live.cached("void", lambda: describe(live.get(), settings, []).serialize(format="turtle").encode("utf-8"))
    resp = Response(body, mimetype="text/turtle")
    resp.charset = "utf-8"
    resp.set_etag(hashlib.sha256(body).hexdigest()[:32])
    return resp.make_conditional(request)
