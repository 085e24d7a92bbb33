"""The SPARQL 1.1 Protocol at /sparql: query by GET or POST, update only with the bearer token.

Without a query, browsers get the query page and other clients the Service
Description, generated from what this server really supports (description.py).
Queries run under the limits of limits.py; SERVICE and LOAD are checked by
outbound.py before the engine sees them.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, render_template, request

from graph.namespaces import prefixes
from graph.store import QuerySyntaxError, StoreError
from graph.web import negotiate, outbound, using
from graph.web.errors import ApiError
from graph.web.limits import Busy, Job, QueryTimeout, WorkerDied

bp = Blueprint("sparql", __name__)

QUERY_TYPE, UPDATE_TYPE, FORM_TYPE = "application/sparql-query", "application/sparql-update", \
    "application/x-www-form-urlencoded"


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise ApiError(400, f"send one {name} parameter, not {len(values)}")
    return values[0] if values else None


def _body_text() -> str:
    charset = (request.mimetype_params.get("charset") or "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ApiError(415, f"the body must be UTF-8, not {charset}")
    try:
        return request.get_data().decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "the body is not valid UTF-8") from None


def _params() -> tuple[str | None, str | None, list[str], list[str]]:
    """(query, update, default-graph-uri, named-graph-uri) from GET, form POST or direct POST."""
    args = request.args
    if request.method in ("GET", "HEAD"):
        if "update" in args:
            raise ApiError(400, "updates must be sent with POST")
        return (_one(args.getlist("query"), "query"), None, args.getlist("default-graph-uri"),
                args.getlist("named-graph-uri"))
    ctype = (request.mimetype or "").lower()
    if ctype == QUERY_TYPE:
        return _body_text(), None, args.getlist("default-graph-uri"), args.getlist("named-graph-uri")
    if ctype == UPDATE_TYPE:
        return None, _body_text(), [], []
    if ctype in (FORM_TYPE, "multipart/form-data"):
        form = request.form
        query, update = _one(form.getlist("query"), "query"), _one(form.getlist("update"), "update")
        if query is not None and update is not None:
            raise ApiError(400, "send either query or update, not both")
        return (query, update, form.getlist("default-graph-uri") or args.getlist("default-graph-uri"),
                form.getlist("named-graph-uri") or args.getlist("named-graph-uri"))
    raise ApiError(415, f"POST a form ({FORM_TYPE}), {QUERY_TYPE} or {UPDATE_TYPE}, "
                        f"not {ctype or 'a body with no content type'}")


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint():
    query, update, default_graphs, named_graphs = _params()
    if update is not None:
        return _update(update)
    if request.method == "POST" and (query is None or not query.strip()):
        raise ApiError(400, "a POST needs a query or an update; GET /sparql without one for the service description")
    if query is None or not query.strip():
        if _format_param() is None and negotiate.wants_html(request.headers.get("Accept")):
            return render_template("query.html", **query_page())
        from graph.web.description import service_description
        return service_description()
    return _query(query, default_graphs, named_graphs)


def _format_param() -> str | None:
    return request.args.get("format") or (request.form.get("format") if request.method == "POST" else None)


def _query(query: str, default_graphs: list[str], named_graphs: list[str]) -> Response:
    settings = current_app.config["DEVKG"]
    try:
        outbound.check(query, settings.service_allow, prefixes=prefixes(settings.base), base=request.base_url)
    except outbound.Refused as e:
        raise ApiError(403, str(e)) from None
    accept, override = request.headers.get("Accept"), _format_param()
    results = negotiate.choose(negotiate.RESULTS, accept, override)
    graphs = negotiate.choose(negotiate.GRAPHS, accept, override)
    job = Job(query, results.name if results else None, graphs.name if graphs else None,
              settings.max_rows, settings.query_timeout, settings.max_bytes, default_graphs, named_graphs,
              base_iri=_base_iri(), prefixes=prefixes(settings.base))
    try:
        answer = current_app.extensions["devkg"].run(job)
    except QueryTimeout:
        raise ApiError(503, f"the query did not finish within {settings.query_timeout:g} s and was stopped; "
                            "narrow it down (LIMIT, more specific patterns) and try again",
                       {"Retry-After": "1"}, title="Query timeout") from None
    except Busy:
        raise ApiError(503, "every query worker is busy; try again shortly", {"Retry-After": "2"}) from None
    except WorkerDied:
        raise ApiError(503, "the query was stopped: it exceeded the memory or nesting limits of a query "
                            "worker; simplify it and try again", title="Query stopped") from None
    if answer.kind == "memory":
        raise ApiError(503, f"the query was stopped: {answer.message}; narrow it down and try again",
                       title="Query stopped")
    if answer.kind == "syntax":
        raise QuerySyntaxError(answer.message)
    if answer.kind == "store":
        raise StoreError(answer.message)
    if answer.kind == "not-acceptable":
        offered = negotiate.GRAPHS if answer.form == "graph" else negotiate.RESULTS
        raise ApiError(406, f"cannot answer in {override or accept}; this result is available as "
                            + ", ".join(f.media_type for f in offered))
    fmt = next(f for f in negotiate.RESULTS + negotiate.GRAPHS if f.name == answer.format
               and (f in negotiate.GRAPHS) == (answer.form == "graph"))
    resp = respond(answer.body, fmt)
    if answer.cut.reason:
        resp.headers["X-Devkg-Truncated"] = answer.cut.header()
    return resp


def _base_iri() -> str:
    """This endpoint's IRI, the base for relative IRIs in queries (cheaper than request.base_url)."""
    return f"{request.scheme}://{request.host}{request.root_path}{request.path}"


def respond(body: bytes, fmt: negotiate.Format) -> Response:
    """A response in `fmt`, UTF-8, varying by Accept."""
    resp = Response(body, mimetype=fmt.media_type)
    resp.charset = "utf-8"
    resp.headers["Vary"] = "Accept"
    return resp


def _update(update: str) -> Response:
    settings = current_app.config["DEVKG"]
    token = settings.update_token
    given = request.headers.get("Authorization", "")
    if not token:
        raise ApiError(403, "this endpoint is read-only: SPARQL Update is disabled")
    if not (given[:7].lower() == "bearer " and hmac.compare_digest(given[7:].strip().encode(), token.encode())):
        error = ', error="invalid_token"' if given else ""
        raise ApiError(401, "SPARQL Update needs the bearer token configured by the operator",
                       {"WWW-Authenticate": f'Bearer realm="devkg"{error}'})
    dataset = [request.form.getlist(n) or request.args.getlist(n) for n in ("using-graph-uri", "using-named-graph-uri")]
    try:
        update = using.apply(update, *dataset)
    except using.UsingError as e:
        raise ApiError(400, str(e)) from None
    try:
        outbound.check(update, settings.service_allow, update=True, base=request.base_url)
    except outbound.Refused as e:
        raise ApiError(403, str(e)) from None
    current_app.extensions["devkg"].update(update, base_iri=request.base_url)
    return Response(status=204)


def query_page() -> dict:
    """What the query page needs: examples, prefixes, the endpoint and where local IRIs live."""
    from graph.web.pages import example_queries

    settings = current_app.config["DEVKG"]
    return {"examples": example_queries(settings.base), "prefixes": prefixes(settings.base),
            "endpoint": request.base_url, "base_id": f"{settings.base}id/"}
