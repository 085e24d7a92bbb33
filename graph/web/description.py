"""The W3C SPARQL 1.1 Service Description of /sparql, generated from what this server really does.

Result formats come from the media-type table, limits from the settings, the
dataset (default graph = union, named graphs with their triple counts) from the
live store, and Update/federation only appear when the operator enabled them.
"""

from __future__ import annotations

from flask import Response, current_app, request

from graph.namespaces import IRIS, prefixes
from graph.store import BlankNode, Literal, NamedNode, Triple
from graph.web import negotiate
from graph.web.browse import counts
from graph.web.errors import ApiError
from graph.web.results import Cut, write_triples

SD = IRIS["SD"]
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
VOID_TRIPLES = NamedNode("http://rdfs.org/ns/void#triples")


def _sd(local: str) -> NamedNode:
    return NamedNode(f"{SD}{local}")


def service_triples(endpoint: str) -> list[Triple]:
    settings = current_app.config["DEVKG"]
    dev = f"{settings.base}def#"
    me = NamedNode(endpoint)
    t = [Triple(me, RDF_TYPE, _sd("Service")), Triple(me, _sd("endpoint"), me),
         Triple(me, _sd("supportedLanguage"), _sd("SPARQL11Query"))]
    if settings.update_token:
        t.append(Triple(me, _sd("supportedLanguage"), _sd("SPARQL11Update")))
    t.append(Triple(me, _sd("feature"), _sd("UnionDefaultGraph")))
    if settings.service_allow:
        t.append(Triple(me, _sd("feature"), _sd("BasicFederatedQuery")))
    for f in negotiate.RESULTS + negotiate.GRAPHS:
        t.append(Triple(me, _sd("resultFormat"), NamedNode(f.w3c)))
    t.append(Triple(me, NamedNode(f"{dev}queryTimeoutSeconds"),
                       Literal(repr(float(settings.query_timeout)), datatype=NamedNode(
                           "http://www.w3.org/2001/XMLSchema#decimal"))))
    t.append(Triple(me, NamedNode(f"{dev}maxResultRows"),
                       Literal(str(settings.max_rows), datatype=NamedNode(
                           "http://www.w3.org/2001/XMLSchema#integer"))))
    c = counts()
    total, graphs = c.quads, c.graphs
    dataset, default = BlankNode("dataset"), BlankNode("default")
    t += [Triple(me, _sd("defaultDataset"), dataset), Triple(dataset, RDF_TYPE, _sd("Dataset")),
          Triple(dataset, _sd("defaultGraph"), default), Triple(default, RDF_TYPE, _sd("Graph")),
          Triple(default, VOID_TRIPLES, Literal(total))]
    for i, (name, count) in enumerate(graphs):
        ng, g = BlankNode(f"ng{i}"), BlankNode(f"g{i}")
        t += [Triple(dataset, _sd("namedGraph"), ng), Triple(ng, RDF_TYPE, _sd("NamedGraph")),
              Triple(ng, _sd("name"), NamedNode(name)), Triple(ng, _sd("graph"), g),
              Triple(g, RDF_TYPE, _sd("Graph")), Triple(g, VOID_TRIPLES, Literal(count))]
    return t


def service_description() -> Response:
    """The description in Turtle (default) or any RDF format by Accept or `format=`."""
    settings = current_app.config["DEVKG"]
    override = request.args.get("format")
    accept = request.headers.get("Accept")
    fmt = negotiate.choose(negotiate.GRAPHS, accept, override)
    if fmt is None and override:
        raise ApiError(406, "the service description is available as "
                       + ", ".join(f.media_type for f in negotiate.GRAPHS))
    fmt = fmt or negotiate.GRAPHS[0]  # a SPARQL client asking for results still gets Turtle
    pre = dict(prefixes(settings.base), sd=str(SD), formats=negotiate.W3, void="http://rdfs.org/ns/void#")
    resp = Response(write_triples(service_triples(request.base_url), fmt, Cut(0), pre), mimetype=fmt.media_type)
    resp.charset = "utf-8"
    resp.headers["Vary"] = "Accept"
    return resp
