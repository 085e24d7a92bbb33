"""The harvest feed over HTTP: `/ldes`, a Linked Data Event Stream (LDES 1.0 on TREE) of project versions.

- `/ldes`: the `ldes:EventStream` `{base}ldes` with its context (timestamp and version
  paths, create/update/delete types, retention policy) and its view's root: the page
  holding the oldest version the policy keeps.
- `/ldes?since=T`: the root of a view of the versions generated at or after T (an
  xsd:dateTime): those of T's page, then the usual links onward.
- `/ldes/page/{first}-{last}`: the versions at log positions first..last, oldest first.
  A full page links to the next with a `tree:GreaterThanOrEqualToRelation` on
  `prov:generatedAtTime` (the time of its own last position, so the link is known as
  soon as the page is full) and never gains a member again: it is sent with a year-long
  `Cache-Control: immutable`. The last page, still filling, and the roots are cached for
  a minute. Pages are named by their range, so a page IRI keeps its meaning whatever
  `DEVKG_FEED_PAGE` a later server uses.

A version's content is the named graph named by its IRI (the member extraction of the
LDES spec), so TriG, N-Quads and JSON-LD carry it; Turtle and N-Triples hold one graph:
they carry the stream, the links and each version's metadata only. Only the feed the
served build published is offered (503 + `Retry-After` in between, as /dumps/).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, render_template, request

from graph.feed import FEED_DB, MAX_PAGE, FeedError, FeedState, Version, page_size, parse_time, stamp
from graph.mapping.iris import Iris
from graph.namespaces import prefixes, space
from graph.store import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, parse, serialize
from graph.web import negotiate
from graph.web.dumps import RETRY_SECONDS, served_build
from graph.web.errors import ApiError

bp = Blueprint("feed", __name__)
FORMATS = [negotiate.by_name(negotiate.GRAPHS, name) for name in ("ttl", "trig", "nq", "jsonld", "nt")]
WITH_GRAPHS = (RdfFormat.TRIG, RdfFormat.N_QUADS, RdfFormat.JSON_LD)
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60"
AS, LDES, TREE, DCAT, DCTERMS, PROV, RDF, RDFS, XSD = (space(n) for n in (
    "AS", "LDES", "TREE", "DCAT", "DCTERMS", "PROV", "RDF", "RDFS", "XSD"))
SHAPE = "1"  # part of every ETag: change it when the pages' RDF changes shape
KIND = {"create": AS.Create, "update": AS.Update, "delete": AS.Delete}
LDES_SPEC = "https://w3id.org/ldes/specification"


def _n(term) -> NamedNode:
    return NamedNode(str(term))


def _time(value: str) -> Literal:
    return Literal(value, datatype=_n(XSD.dateTime))


# --- which feed, which format ---------------------------------------------------------
def _state() -> FeedState:
    """The published feed state, when it was made by the build being served (the state names its build,
    so the check holds for the file actually opened, even if a build switches the link meanwhile)."""
    settings = current_app.config["DEVKG"]
    if not (settings.feed / FEED_DB).exists():
        raise ApiError(404, "no feed yet: `devkg build` publishes it with the graph")
    busy = ApiError(503, "the feed of the graph being served is not published yet; retry shortly",
                    {"Retry-After": str(RETRY_SECONDS)})
    try:
        state = FeedState.open(settings.feed)
    except FeedError:  # removed by a newer build between the check and the open
        raise busy from None
    if state.build != served_build():
        state.close()
        raise busy
    return state


def _format() -> negotiate.Format:
    override = request.args.get("format")
    if override and negotiate.by_name([negotiate.HTML], override) or \
            not override and negotiate.wants_html(request.headers.get("Accept")):
        return negotiate.HTML
    fmt = negotiate.choose(FORMATS, request.headers.get("Accept"), override)
    if fmt is None:
        raise ApiError(406, "the feed is available as " + ", ".join(f.media_type for f in FORMATS) + " and HTML")
    return fmt


def _since() -> str | None:
    """The `since=` time as the feed writes times, None without one; 400 when it is not an xsd:dateTime."""
    raw = request.args.get("since")
    if raw is None:
        return None
    when = parse_time(raw)
    if when is None:
        raise ApiError(400, f"since must be an xsd:dateTime such as 2026-01-31T00:00:00Z (or an xsd:date), "
                            f"not {raw[:64]!r}")
    return stamp(when)


# --- routes ---------------------------------------------------------------------------
@bp.route("/ldes")
def stream():
    fmt, since = _format(), _since()
    state = _state()
    try:
        view = _View(state, current_app.config["DEVKG"])
        return view.since(since, fmt) if since is not None else view.root(fmt)
    finally:
        state.close()


@bp.route("/ldes/page/<int:first>-<int:last>")
def page(first: int, last: int):
    fmt = _format()
    size = last - first + 1
    if first < 1 or not 1 <= size <= MAX_PAGE or (first - 1) % size:
        raise ApiError(404, f"no feed page {first}-{last}: pages hold 1-{MAX_PAGE} versions from a multiple of "
                            "their size plus one")
    state = _state()
    try:
        view = _View(state, current_app.config["DEVKG"])
        if first > state.count() + 1:
            raise ApiError(404, f"no feed page {first}-{last} yet: the feed holds {state.count()} versions")
        return view.page(first, last, fmt)
    finally:
        state.close()


# --- the RDF of the stream and its pages ----------------------------------------------------
@dataclass
class _Link:
    node: NamedNode
    value: str  # xsd:dateTime: every version from `node` on was generated at or after it


class _View:
    def __init__(self, state: FeedState, settings):
        self.state, self.settings = state, settings
        self.iris = Iris(settings.base)
        self.size = page_size(settings)
        self.stream = _n(self.iris.feed)

    # --- documents ---------------------------------------------------------------
    def root(self, fmt: negotiate.Format) -> Response:
        """The stream and its view's root page (the first holding a kept version)."""
        count = self.state.count()
        start = self.state.first_kept() or count + 1
        first = (start - 1) // self.size * self.size + 1
        root = _n(self.iris.feed_page(first, first + self.size - 1))
        view = _n(self.iris.feed_view)
        quads = self._context() + [Quad(self.stream, _n(TREE.view), root), Quad(root, _n(RDF.type), _n(TREE.Node)),
                                   Quad(root, _n(TREE.viewDescription), view)] + self._view_description()
        etag = _etag(fmt.name, "root", root.value, self.state.kept(), count, self.state.window, self.state.built)
        html = {"kind": "stream", "root": root.value, "count": count, "kept": self.state.kept(),
                "window": self.state.window, "built": self.state.built}
        return self._respond(quads, fmt, etag, SHORT, html)

    def since(self, when: str, fmt: negotiate.Format) -> Response:
        """The root of the view of versions generated at or after `when`: those on its page, then links on."""
        count = self.state.count()
        start = self.state.first_at_or_after(when) or count + 1
        first = (start - 1) // self.size * self.size + 1
        node = _n(self.iris.feed_since(when))
        return self._node(node, first, first + self.size - 1, fmt, from_seq=start, since=when)

    def page(self, first: int, last: int, fmt: negotiate.Format) -> Response:
        return self._node(_n(self.iris.feed_page(first, last)), first, last, fmt)

    def _node(self, node: NamedNode, first: int, last: int, fmt: negotiate.Format, *,
              from_seq: int | None = None, since: str | None = None) -> Response:
        count = self.state.count()
        full = last <= count
        link = _Link(_n(self.iris.feed_page(last + 1, last + last - first + 1)), self.state.generated(last)) \
            if full else None
        kept = [s for s in self.state.kept_in(first, last) if from_seq is None or s >= from_seq]
        immutable = full and since is None
        etag = _etag(fmt.name, node.value, kept, link.node.value if link else "", link.value if link else "",
                     self.state.window, since or "")
        if request.if_none_match and etag in request.if_none_match:
            return _not_modified(etag, IMMUTABLE if immutable else SHORT)
        versions = [v for v in self.state.versions(first, last) if from_seq is None or v.seq >= from_seq]
        quads = self._context()
        if since is not None:  # this document is the root of the since view
            quads.append(Quad(self.stream, _n(TREE.view), node))
        quads += self._page(node, link, immutable, since)
        if fmt.writer not in WITH_GRAPHS:
            quads.append(Quad(node, _n(RDFS.comment), Literal(
                "Each version's content is the named graph named by the version's IRI: ask for TriG, N-Quads or "
                "JSON-LD to get it.", language="en")))
        for v in versions:
            quads += self._member(v, fmt.writer in WITH_GRAPHS)
        html = {"kind": "page", "node": node.value, "first": first, "last": last, "since": since, "full": full,
                "next": link.node.value if link else None, "versions": versions}
        return self._respond(quads, fmt, etag, IMMUTABLE if immutable else SHORT, html)

    # --- parts --------------------------------------------------------------------------
    def _context(self) -> list[Quad]:
        """What a client needs before reading members: the ordering and version paths and the kinds."""
        s, rdf_type = self.stream, _n(RDF.type)
        return [Quad(s, rdf_type, _n(LDES.EventStream)),
                Quad(s, _n(DCTERMS.title), Literal("devkg project versions", language="en")),
                Quad(s, _n(LDES.timestampPath), _n(PROV.generatedAtTime)),
                Quad(s, _n(LDES.versionOfPath), _n(DCTERMS.isVersionOf)),
                Quad(s, _n(LDES.versionCreateObject), _n(AS.Create)),
                Quad(s, _n(LDES.versionUpdateObject), _n(AS.Update)),
                Quad(s, _n(LDES.versionDeleteObject), _n(AS.Delete)),
                Quad(s, _n(RDFS.seeAlso), _n(self.iris.base + ".well-known/void"))]

    def _view_description(self) -> list[Quad]:
        """The view: the ldes:EventSource (a dcat:DataService, as TREE discovery reads it) with its retention
        policy; none is stated when every version is kept."""
        view, rdf_type = _n(self.iris.feed_view), _n(RDF.type)
        quads = [Quad(view, rdf_type, _n(LDES.EventSource)), Quad(view, rdf_type, _n(DCAT.DataService)),
                 Quad(view, _n(DCAT.endpointURL), self.stream), Quad(view, _n(DCAT.servesDataset), self.stream),
                 Quad(view, _n(DCTERMS.conformsTo), NamedNode(LDES_SPEC))]
        if self.state.window > 0:
            policy = _n(self.iris.feed_retention)
            quads += [Quad(view, _n(LDES.retentionPolicy), policy)] + self._policy(policy)
        return quads

    def _policy(self, policy: NamedNode) -> list[Quad]:
        """Every version of the last W days, the latest of each project for ever, deletions W days."""
        window = Literal(f"P{self.state.window}D", datatype=_n(XSD.duration))
        return [Quad(policy, _n(RDF.type), _n(LDES.RetentionPolicy)),
                Quad(policy, _n(LDES.fullLogDuration), window),
                Quad(policy, _n(LDES.versionAmount), Literal("1", datatype=_n(XSD.integer))),
                Quad(policy, _n(LDES.versionDeleteDuration), window)]

    def _page(self, node: NamedNode, link: _Link | None, immutable: bool, since: str | None) -> list[Quad]:
        """The node, its link to the next page, and the view it belongs to (a since view: its own policy)."""
        rdf_type = _n(RDF.type)
        quads = [Quad(node, rdf_type, _n(TREE.Node))]
        if immutable:
            quads.append(Quad(node, _n(LDES.immutable), Literal("true", datatype=_n(XSD.boolean))))
        relation = NamedNode(node.value + "#next")
        if link is not None:
            quads.append(Quad(node, _n(TREE.relation), relation))
        if since is None:
            quads.append(Quad(node, _n(TREE.viewDescription), _n(self.iris.feed_view)))
        else:  # this view keeps the default one's versions from `since` on
            policy = NamedNode(node.value + "#retention")
            quads += [Quad(node, _n(LDES.retentionPolicy), policy), Quad(policy, rdf_type, _n(LDES.RetentionPolicy)),
                      Quad(policy, _n(LDES.startingFrom), _time(since))]
            if self.state.window > 0:
                quads += self._policy(policy)[1:]
        if link is not None:
            quads += [Quad(relation, rdf_type, _n(TREE.GreaterThanOrEqualToRelation)),
                      Quad(relation, _n(TREE.node), link.node),
                      Quad(relation, _n(TREE.path), _n(PROV.generatedAtTime)),
                      Quad(relation, _n(TREE.value), _time(link.value))]
        return quads + (self._view_description() if since is None else [])

    def _member(self, v: Version, with_content: bool) -> list[Quad]:
        m, project = NamedNode(v.iri), NamedNode(v.project)
        modified = Literal(v.modified[0], datatype=NamedNode(v.modified[1])) if v.modified else _time(v.generated)
        quads = [Quad(self.stream, _n(TREE.member), m),
                 Quad(m, _n(RDF.type), _n(KIND[v.kind])),
                 Quad(m, _n(DCTERMS.isVersionOf), project),
                 Quad(m, _n(PROV.generatedAtTime), _time(v.generated)),
                 Quad(m, _n(DCTERMS.modified), modified)]
        if with_content and v.content is not None:
            quads += parse(v.content, RdfFormat.N_TRIPLES, graph=m)
        return quads

    # --- the response ---------------------------------------------------------------------
    def _respond(self, quads: list[Quad], fmt: negotiate.Format, etag: str, cache: str, html: dict) -> Response:
        if request.if_none_match and etag in request.if_none_match:
            return _not_modified(etag, cache)
        if fmt is negotiate.HTML:
            resp = Response(render_template("feed.html", base=self.iris.base, formats=FORMATS, **html),
                            mimetype="text/html")
        else:
            data = quads if fmt.writer in WITH_GRAPHS else [q.triple for q in quads if q.graph_name == DefaultGraph()]
            browser = negotiate.wants_html(request.headers.get("Accept"))
            shown = "text/plain" if browser and fmt.writer != RdfFormat.JSON_LD else \
                "application/json" if browser else fmt.media_type
            resp = Response(serialize(data, fmt.writer, _prefixes(self.iris.base)), mimetype=shown)
        resp.set_etag(etag)
        resp.headers["Cache-Control"] = cache
        resp.headers["Vary"] = "Accept"
        return resp


def _prefixes(base: str) -> dict[str, str]:
    """devkg's prefixes (not `devid:`: instance IRIs have slashes) and the LDES ones."""
    out = {p: ns for p, ns in prefixes(base).items() if p != "devid"}
    return {**out, "ldes": str(LDES), "tree": str(TREE), "as": str(AS)}


def _etag(*parts) -> str:
    return hashlib.sha256("|".join(map(str, (SHAPE, *parts))).encode("utf-8")).hexdigest()[:32]


def _not_modified(etag: str, cache: str) -> Response:
    resp = Response(status=304)
    resp.set_etag(etag)
    resp.headers["Cache-Control"] = cache
    resp.headers["Vary"] = "Accept"
    return resp
