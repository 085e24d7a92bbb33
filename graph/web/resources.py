"""Linked data: every IRI under /id/ and the ontology at /def, as HTML or RDF by Accept or extension."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template, request

from graph.mapping.iris import canonical_path
from graph.namespaces import prefixes
from graph.store import NamedNode, RdfFormat, serialize
from graph.web import negotiate
from graph.web.errors import ApiError
from graph.web.rdfviews import describe

bp = Blueprint("resources", __name__)
PAGE = 200


@dataclass(frozen=True)
class Kept:
    """A page body kept in the per-build answer cache (state.AnswerCache holds anything with a `body`)."""

    body: bytes


def _split_extension(path: str) -> tuple[str, negotiate.Format | None]:
    for f in negotiate.GRAPHS:
        if path.endswith("." + f.name):
            return path[: -len(f.name) - 1], f
    return path, None


def _etag(iri: str, fmt: str, page: int) -> str:
    build = current_app.extensions["devkg"].build_id
    query = request.query_string.decode("latin-1")  # sorting, paging and filters change the page
    return hashlib.sha256(f"{build}|{iri}|{fmt}|{page}|{query}".encode()).hexdigest()[:32]


def render_resource(iri: str, explicit: negotiate.Format | None) -> Response:
    store = current_app.extensions["devkg"].get()
    accept = request.headers.get("Accept")
    override = request.args.get("format")
    browser = negotiate.wants_html(accept)
    fmt = explicit or (negotiate.HTML if browser and not override else  # Turtle first: */* gets RDF
                       negotiate.choose(negotiate.GRAPHS + [negotiate.HTML], accept, override))
    if fmt is None:
        raise ApiError(406, "this resource is available as HTML, " + ", ".join(f.media_type for f in negotiate.GRAPHS))
    page = max(request.args.get("page", 1, type=int), 1)
    etag = _etag(iri, fmt.name, page)
    if request.if_none_match and etag in request.if_none_match:
        resp = Response(status=304)
        resp.set_etag(etag)
        return resp
    # a browser that asked for a format by link shows it as text rather than downloading it
    shown = "text/html" if fmt is negotiate.HTML else "text/plain" if browser and fmt.writer != RdfFormat.JSON_LD \
        else "application/json" if browser else fmt.media_type
    # The ETag names the body (build, IRI, format, page, query string), so a body made once is kept for the
    # build: a popular page costs a lookup, not a dozen queries and a template.
    live = current_app.extensions["devkg"]
    key = ("page", etag, shown)
    kept = live.answers.get(key)
    if kept is None:
        d = describe(store, iri, incoming_limit=PAGE, incoming_offset=(page - 1) * PAGE)
        if not d.exists:
            raise ApiError(404, f"no resource {iri} in this graph")
        if fmt is negotiate.HTML:
            from graph.web.resourcepage import render_html
            body = render_html(iri, d, page).encode("utf-8")
        else:
            body = serialize(d.triples(), fmt.writer, prefixes(current_app.config["DEVKG"].base))
        kept = Kept(body)
        live.answers.put(key, kept)
    resp = Response(kept.body, mimetype=shown)
    resp.set_etag(etag)
    resp.headers["Vary"] = "Accept"
    return resp


def _raw_path() -> str:
    """The path as the client sent it, %-escapes intact (werkzeug's `request.path` decodes `%2F` to `/`)."""
    raw = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI")
    if raw:
        raw = raw.split("?", 1)[0].split("#", 1)[0]
        if "://" in raw:  # an absolute-form request target
            raw = "/" + raw.split("://", 1)[1].partition("/")[2]
        script = quote(request.script_root)
        if raw.startswith(script):
            raw = raw[len(script):]
        if raw.startswith("/id/"):
            return raw
    return quote(request.path, safe="/")  # a server that keeps no raw URI: `%2F` is lost, the rest holds


@bp.route("/id/<path:path>")
def resource(path: str):
    settings = current_app.config["DEVKG"]
    raw_path, fmt = _split_extension(_raw_path()[len("/id/"):])
    try:
        iri_path = canonical_path(raw_path)
    except ValueError as e:
        raise ApiError(400, f"not a devkg resource path: {e}") from None
    return render_resource(f"{settings.base}id/{iri_path}", fmt)


@bp.route("/def")
@bp.route("/def.<ext>")
def ontology(ext: str | None = None):
    settings = current_app.config["DEVKG"]
    fmt = negotiate.by_extension(negotiate.GRAPHS, ext) if ext else None
    if ext and fmt is None:
        raise ApiError(404, f"no ontology format .{ext}")
    store = current_app.extensions["devkg"].get()
    graph = f"{settings.base}graph/ontology"
    fmt = fmt or negotiate.choose(negotiate.GRAPHS + [negotiate.HTML], request.headers.get("Accept"),
                                  request.args.get("format"))
    if fmt is None:
        raise ApiError(406, "the ontology is available as HTML, " + ", ".join(f.media_type for f in negotiate.GRAPHS))
    etag = _etag(graph, fmt.name, 0)
    if request.if_none_match and etag in request.if_none_match:
        resp = Response(status=304)
    elif fmt is negotiate.HTML:
        from graph.web.pages import compact, ontology_terms
        resp = Response(render_template("ontology.html", terms=ontology_terms(store, settings), base=settings.base,
                                        compact=lambda iri: compact(iri, settings.base)), mimetype="text/html")
    else:
        quads = list(store.quads(graph=NamedNode(graph)))
        data = quads if fmt.writer in (RdfFormat.N_QUADS, RdfFormat.TRIG) else [q.triple for q in quads]
        resp = Response(serialize(data, fmt.writer, prefixes(settings.base)), mimetype=fmt.media_type)
    resp.set_etag(etag)
    resp.headers["Vary"] = "Accept"
    return resp
