"""The SPARQL 1.1 Protocol at /sparql: query by GET or POST, update only with the bearer token.

Without a query, browsers get the query page and other clients the Service
Description, generated from what this server really supports.
"""

from __future__ import annotations

import hmac
import re
import time
from urllib.parse import urlsplit

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request

from graph.namespaces import SD, prefixes
from graph.web import negotiate
from graph.web.errors import ApiError
from graph.web.results import Cut, take, write_boolean, write_solutions, write_triples

bp = Blueprint("sparql", __name__)

_STRINGS = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*')
_SERVICE = re.compile(r"\bSERVICE\s+(?:SILENT\s+)?(<[^>]*>|\?\w+|\$\w+)", re.IGNORECASE)


def outbound_hosts(query: str) -> list[str]:
    """Hosts a query would contact through SERVICE (comments and strings ignored)."""
    code = _STRINGS.sub(" ", query)
    hosts = []
    for target in _SERVICE.findall(code):
        hosts.append(urlsplit(target[1:-1]).hostname or target if target.startswith("<") else target)
    return hosts


def _check_outbound(query: str) -> None:
    allowed = set(current_app.config["DEVKG"].service_allow)
    for host in outbound_hosts(query):
        if host not in allowed:
            raise ApiError(403, f"SERVICE to {host} is not allowed on this endpoint (no outbound requests "
                                "unless the operator lists the host in DEVKG_SERVICE_ALLOW)")


def _params() -> tuple[str | None, str | None, list[str], list[str]]:
    """(query, update, default-graph-uri, named-graph-uri) from GET, form or direct POST."""
    args = request.args
    if request.method == "GET":
        if "update" in args:
            raise ApiError(400, "updates must be sent with POST")
        return args.get("query"), None, args.getlist("default-graph-uri"), args.getlist("named-graph-uri")
    ctype = (request.mimetype or "").lower()
    if ctype == "application/sparql-query":
        return request.get_data(as_text=True), None, args.getlist("default-graph-uri"), args.getlist("named-graph-uri")
    if ctype == "application/sparql-update":
        return None, request.get_data(as_text=True), [], []
    if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = request.form
        if "query" in form and "update" in form:
            raise ApiError(400, "send either query or update, not both")
        return (form.get("query"), form.get("update"), form.getlist("default-graph-uri") or args.getlist("default-graph-uri"),
                form.getlist("named-graph-uri") or args.getlist("named-graph-uri"))
    raise ApiError(415, f"POST a form (application/x-www-form-urlencoded), application/sparql-query or "
                        f"application/sparql-update, not {ctype or 'no content type'}")


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint():
    query, update, default_graphs, named_graphs = _params()
    if update is not None:
        return _update(update)
    if query is None or not query.strip():
        if request.args.get("format") is None and negotiate.wants_html(request.headers.get("Accept")):
            return render_template("query.html", **_query_page())
        return service_description()
    return _query(query, default_graphs, named_graphs)


def _query(query: str, default_graphs: list[str], named_graphs: list[str]) -> Response:
    settings = current_app.config["DEVKG"]
    _check_outbound(query)
    store = current_app.extensions["devkg"].get()
    result = store.query(query, default_graphs=default_graphs or None, named_graphs=named_graphs or None,
                         prefixes=prefixes(settings.base))
    accept, override = request.headers.get("Accept"), request.args.get("format") or request.form.get("format")
    deadline = time.monotonic() + settings.query_timeout
    if isinstance(result, ox.QueryBoolean):
        fmt = _pick(negotiate.RESULTS, accept, override)
        return _respond(write_boolean(bool(result), fmt), fmt, Cut(1))
    if isinstance(result, ox.QuerySolutions):
        fmt = _pick(negotiate.RESULTS, accept, override)
        variables = [v.value for v in result.variables]
        rows, cut = take(result, settings.max_rows, deadline)
        return _respond(write_solutions(variables, rows, fmt, cut), fmt, cut)
    fmt = _pick(negotiate.GRAPHS, accept, override)
    triples, cut = take(result, settings.max_rows, deadline)
    return _respond(write_triples(triples, fmt, cut, prefixes(settings.base)), fmt, cut)


def _pick(candidates, accept, override) -> negotiate.Format:
    fmt = negotiate.choose(candidates, accept, override)
    if fmt is None:
        offered = ", ".join(f.media_type for f in candidates)
        raise ApiError(406, f"cannot answer in {override or accept}; this result is available as {offered}")
    return fmt


def _respond(body: bytes, fmt: negotiate.Format, cut: Cut) -> Response:
    resp = Response(body, mimetype=fmt.media_type)
    if fmt.media_type.startswith("text/") or fmt.name in ("json", "xml", "jsonld", "nt", "nq", "trig", "rdf"):
        resp.charset = "utf-8"
    resp.headers["Vary"] = "Accept"
    if cut.reason:
        resp.headers["X-Devkg-Truncated"] = cut.header()
    return resp


def _update(update: str) -> Response:
    settings = current_app.config["DEVKG"]
    token = settings.update_token
    given = request.headers.get("Authorization", "")
    if not token:
        raise ApiError(403, "this endpoint is read-only: SPARQL Update is disabled")
    if not (given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode())):
        raise ApiError(403, "SPARQL Update needs the bearer token configured by the operator",
                       {"WWW-Authenticate": 'Bearer realm="devkg"'})
    if re.search(r"\bLOAD\b", _STRINGS.sub(" ", update), re.IGNORECASE) and not settings.service_allow:
        raise ApiError(403, "LOAD fetches remote data and is disabled (DEVKG_SERVICE_ALLOW is empty)")
    current_app.extensions["devkg"].get().update(update)
    return Response(status=204)


def _query_page() -> dict:
    from graph.web.pages import example_queries

    settings = current_app.config["DEVKG"]
    return {"examples": example_queries(), "prefixes": prefixes(settings.base), "endpoint": request.base_url,
            "base_id": f"{settings.base}id/"}


def service_description() -> Response:
    """W3C SPARQL 1.1 Service Description of this endpoint, from its real settings and data."""
    from rdflib import BNode, Graph, Literal, URIRef
    from rdflib.namespace import RDF, VOID

    settings = current_app.config["DEVKG"]
    store = current_app.extensions["devkg"].get()
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    me = URIRef(request.base_url)
    g.add((me, RDF.type, SD.Service))
    g.add((me, SD.endpoint, me))
    g.add((me, SD.supportedLanguage, SD.SPARQL11Query))
    if settings.update_token:
        g.add((me, SD.supportedLanguage, SD.SPARQL11Update))
    for feature in (SD.UnionDefaultGraph, SD.BasicFederatedQuery) if settings.service_allow else (SD.UnionDefaultGraph,):
        g.add((me, SD.feature, feature))
    for f in negotiate.RESULTS + negotiate.GRAPHS:
        g.add((me, SD.resultFormat, URIRef(f"https://www.iana.org/assignments/media-types/{f.media_type}")))
    g.add((me, URIRef("https://w3id.org/devkg/def#queryTimeoutSeconds"), Literal(settings.query_timeout)))
    g.add((me, URIRef("https://w3id.org/devkg/def#maxResultRows"), Literal(settings.max_rows)))
    dataset, default = BNode(), BNode()
    g.add((me, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(store.count())))
    for name in store.named_graphs():
        ng, graph = BNode(), BNode()
        g.add((dataset, SD.namedGraph, ng))
        g.add((ng, SD.name, URIRef(name)))
        g.add((ng, SD.graph, graph))
        g.add((graph, VOID.triples, Literal(store.count(name))))
    fmt = negotiate.choose(negotiate.GRAPHS, request.headers.get("Accept"), request.args.get("format")) \
        or negotiate.GRAPHS[0]
    body = ox.serialize(ox.parse(g.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES),
                        format=fmt.writer) if fmt.writer not in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG) else \
        g.serialize(format="trig" if fmt.name == "trig" else "nquads", encoding="utf-8")
    return _respond(body, fmt, Cut(0))
