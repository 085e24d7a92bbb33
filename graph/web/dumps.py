"""Files for harvesters: /dumps/ (listing and files, with validators and ranges) and /.well-known/void."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, render_template, request, send_from_directory

from graph.export import DESCRIPTION, describe, read_sums
from graph.web import negotiate
from graph.web.errors import ApiError

bp = Blueprint("dumps", __name__)


@bp.route("/dumps/")
def listing():
    out = current_app.config["DEVKG"].exports
    sums = read_sums(out)
    files = [{"name": n, "size": (out / n).stat().st_size, "sha256": d} for n, d in sorted(sums.items())
             if (out / n).exists()]
    if negotiate.wants_html(request.headers.get("Accept")):
        return render_template("dumps.html", files=files)
    resp = current_app.json.response({"files": files})
    resp.headers["Vary"] = "Accept"
    return resp


@bp.route("/dumps/<name>")
def dump_file(name: str):
    out = current_app.config["DEVKG"].exports
    if name not in read_sums(out) and name != "SHA256SUMS":
        raise ApiError(404, f"no dump file {name}")
    # conditional=True gives ETag, Last-Modified, 304 and byte ranges; HEAD is answered by Flask.
    resp = send_from_directory(out, name, conditional=True, etag=True, max_age=0)
    if name.endswith(".gz"):
        resp.headers["Content-Type"] = "application/gzip"
    return resp


@bp.route("/.well-known/void")
def void():
    """The export's void.ttl when there is one, else a description computed live (no dump files)."""
    settings = current_app.config["DEVKG"]
    if (settings.exports / DESCRIPTION).exists():
        return send_from_directory(settings.exports, DESCRIPTION, conditional=True, etag=True,
                                   mimetype="text/turtle", max_age=0)
    live = current_app.extensions["devkg"]
    body = live.cached("void", lambda: describe(live.get(), settings, []).serialize(format="turtle").encode("utf-8"))
    resp = Response(body, mimetype="text/turtle")
    resp.charset = "utf-8"
    resp.set_etag(hashlib.sha256(body).hexdigest()[:32])
    return resp.make_conditional(request)
