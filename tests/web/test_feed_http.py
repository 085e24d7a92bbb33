"""/ldes over HTTP: the stream, its pages and links, the since view, formats, caching and errors.

The stores are a few projects published like builds (tests/feedlib.py), served two versions per page.
"""

from __future__ import annotations

import time

import pyoxigraph as ox
import pytest
from feedlib import BASE, day, fake_build, feed_settings, trig

from graph.feed import stage
from graph.store import open_live
from graph.web.feed import IMMUTABLE, SHORT
from graph.web.state import LINK_CHECK

FIVE = {k: f"Project {k}" for k in "ABCDE"}
LDES, TREE = "https://w3id.org/ldes#", "https://w3id.org/tree#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
GENERATED = "http://www.w3.org/ns/prov#generatedAtTime"
IS_VERSION_OF = "http://purl.org/dc/terms/isVersionOf"
MODIFIED = "http://purl.org/dc/terms/modified"
AS = "https://www.w3.org/ns/activitystreams#"
STREAM = f"{BASE}ldes"
XSD = "http://www.w3.org/2001/XMLSchema#"
READERS = {"text/turtle": ox.RdfFormat.TURTLE, "application/trig": ox.RdfFormat.TRIG,
           "application/n-quads": ox.RdfFormat.N_QUADS, "application/n-triples": ox.RdfFormat.N_TRIPLES,
           "application/ld+json": ox.RdfFormat.JSON_LD}


def app_for(settings):
    from server import create_app

    return create_app(settings).test_client()


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """One build of five projects (A states a publisher's date)."""
    settings = feed_settings(tmp_path_factory.mktemp("feed-first"), feed_page=2)
    fake_build(settings, trig(FIVE, last_updated={"A": "2025-09-19"}), day(0))
    return settings


@pytest.fixture(scope="module")
def client(first):
    return app_for(first)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Five projects; a day later B changed (6: update) and E is gone (7: delete)."""
    settings = feed_settings(tmp_path_factory.mktemp("feed-history"), feed_page=2)
    fake_build(settings, trig(FIVE), day(0))
    fake_build(settings, trig({"A": "Project A", "B": "B, revised", "C": "Project C", "D": "Project D"}), day(1))
    return app_for(settings)


def quads(r) -> list[ox.Quad]:
    assert r.status_code == 200, r.data[:300]
    return list(ox.parse(r.data, format=READERS[r.mimetype]))


def objects(found: list[ox.Quad], s: str, p: str) -> list:
    return [q.object for q in found if q.subject.value == s and q.predicate.value == p]


def path(iri: str) -> str:
    return "/" + iri[len(BASE):]


def walk(client, url: str = "/ldes", accept: str = "application/trig") -> list[tuple[str, object, list[ox.Quad]]]:
    """Follow the stream as a client does: /ldes, its tree:view, then each relation; (IRI, response, quads)."""
    root = quads(client.get(url, headers={"Accept": accept}))
    (node,) = objects(root, STREAM, TREE + "view")
    pages = []
    while node is not None:
        r = client.get(path(node.value), headers={"Accept": accept})
        found = quads(r)
        pages.append((node.value, r, found))
        relations = objects(found, node.value, TREE + "relation")
        node = objects(found, relations[0].value, TREE + "node")[0] if relations else None
    return pages


def members(found: list[ox.Quad]) -> list[str]:
    return [o.value for o in objects(found, STREAM, TREE + "member")]


def test_the_stream_states_its_paths_kinds_view_and_retention(client):
    r = client.get("/ldes")  # */*: Turtle
    assert r.mimetype == "text/turtle" and r.headers["Cache-Control"] == SHORT and r.headers["ETag"]
    assert r.headers["Vary"] == "Accept"
    found = quads(r)
    one = {(q.predicate.value, q.object.value) for q in found if q.subject.value == STREAM}
    assert {(RDF_TYPE, LDES + "EventStream"), (LDES + "timestampPath", GENERATED),
            (LDES + "versionOfPath", IS_VERSION_OF), (LDES + "versionCreateObject", AS + "Create"),
            (LDES + "versionUpdateObject", AS + "Update"), (LDES + "versionDeleteObject", AS + "Delete"),
            (TREE + "view", f"{BASE}ldes/page/1-2")} <= one
    assert objects(found, f"{BASE}ldes/page/1-2", TREE + "viewDescription")[0].value == f"{BASE}ldes#view"
    (policy,) = objects(found, f"{BASE}ldes#view", LDES + "retentionPolicy")
    assert {(q.predicate.value, q.object.value) for q in found if q.subject == policy} == {
        (RDF_TYPE, LDES + "RetentionPolicy"), (LDES + "fullLogDuration", "P90D"),
        (LDES + "versionAmount", "1"), (LDES + "versionDeleteDuration", "P90D")}


def test_pages_link_forward_in_time_and_only_the_last_one_changes(client):
    pages = walk(client)
    assert [iri for iri, _, _ in pages] == [f"{BASE}ldes/page/{a}-{a + 1}" for a in (1, 3, 5)]
    seen = [m for _, _, found in pages for m in members(found)]
    assert [m.split("/")[-3] for m in seen] == list("ABCDE")  # each version once, in log order
    for iri, r, found in pages[:2]:  # full pages
        assert r.headers["Cache-Control"] == IMMUTABLE == "public, max-age=31536000, immutable"
        assert objects(found, iri, LDES + "immutable")[0].value == "true"
        (relation,) = objects(found, iri, TREE + "relation")
        assert objects(found, relation.value, RDF_TYPE)[0].value == TREE + "GreaterThanOrEqualToRelation"
        assert objects(found, relation.value, TREE + "path")[0].value == GENERATED
        (value,) = objects(found, relation.value, TREE + "value")
        assert value.datatype.value == XSD + "dateTime"
        last = members(found)[-1]
        assert value.value == objects(found, last, GENERATED)[0].value  # everything after is at or after it
    iri, r, found = pages[-1]  # still filling
    assert r.headers["Cache-Control"] == SHORT
    assert not objects(found, iri, TREE + "relation") and not objects(found, iri, LDES + "immutable")


def test_each_version_holds_its_projects_triples_in_its_own_named_graph(client, first):
    found = quads(client.get("/ldes/page/1-2", headers={"Accept": "application/trig"}))
    a, b = members(found)
    assert a == f"{BASE}id/project/A/version/2026-01-01T00:00:00.000Z"
    assert objects(found, a, RDF_TYPE)[0].value == AS + "Create"
    assert objects(found, a, IS_VERSION_OF)[0].value == f"{BASE}id/project/A"
    (generated,) = objects(found, a, GENERATED)
    assert (generated.value, generated.datatype.value) == ("2026-01-01T00:00:00.000Z", XSD + "dateTime")
    (modified,) = objects(found, a, MODIFIED)  # the publisher's date, apart from the stream's order
    assert (modified.value, modified.datatype.value) == ("2025-09-19", XSD + "date")
    assert objects(found, b, MODIFIED)[0] == objects(found, b, GENERATED)[0]  # none stated: the build's
    store = open_live(first.store)
    graph = ox.NamedNode(f"{BASE}graph/source/curated/a")
    expected = {q.triple for q in store.quads(graph=graph) if "/id/project/A" in q.subject.value}
    assert {q.triple for q in found if q.graph_name == ox.NamedNode(a)} == expected and len(expected) == 6


@pytest.mark.parametrize("accept,named_graphs", [
    ("application/trig", True), ("application/n-quads", True), ("application/ld+json", True),
    ("text/turtle", False), ("application/n-triples", False),
])
def test_every_format_carries_the_links_and_quad_formats_the_content(client, accept, named_graphs):
    r = client.get("/ldes/page/1-2", headers={"Accept": accept})
    assert r.mimetype == accept
    found = quads(r)
    assert len(members(found)) == 2 and objects(found, f"{BASE}ldes/page/1-2", TREE + "relation")
    graphs = {q.graph_name.value for q in found if not isinstance(q.graph_name, ox.DefaultGraph)}
    assert graphs == (set(members(found)) if named_graphs else set())
    if not named_graphs:  # says where the content is
        assert "TriG" in objects(found, f"{BASE}ldes/page/1-2", "http://www.w3.org/2000/01/rdf-schema#comment")[0].value


def test_format_parameter_and_browsers(client):
    assert client.get("/ldes/page/1-2?format=nq").mimetype == "application/n-quads"
    page = client.get("/ldes/page/1-2", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.mimetype == "text/html" and b"/id/project/A" in page.data and b"/ldes/page/3-4" in page.data
    assert client.get("/ldes", headers={"Accept": "text/html"}).mimetype == "text/html"
    assert client.get("/ldes", headers={"Accept": "image/png"}).status_code == 406


def test_a_page_revalidates_with_its_etag(client):
    r = client.get("/ldes/page/1-2", headers={"Accept": "application/trig"})
    again = client.get("/ldes/page/1-2", headers={"Accept": "application/trig", "If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Cache-Control"] == IMMUTABLE and not again.data
    other = client.get("/ldes/page/1-2", headers={"Accept": "text/turtle"})
    assert other.headers["ETag"] != r.headers["ETag"]  # one ETag per representation
    assert client.head("/ldes/page/1-2").status_code == 200


@pytest.mark.parametrize("url", ["/ldes/page/2-3", "/ldes/page/0-1", "/ldes/page/1-1001", "/ldes/page/9-10",
                                 "/ldes/page/3-2"])
def test_pages_that_are_not_there_are_404(client, url):
    r = client.get(url)
    assert r.status_code == 404 and r.json["error"]["status"] == 404


def test_other_page_sizes_name_their_own_pages(client):
    """Pages are named by their range: a client may hold links from a server with another page size."""
    found = quads(client.get("/ldes/page/1-4", headers={"Accept": "application/n-quads"}))
    assert len(members(found)) == 4
    assert objects(found, f"{BASE}ldes/page/1-4#next", TREE + "node")[0].value == f"{BASE}ldes/page/5-8"


@pytest.mark.parametrize("accept,kind", [("application/json", "application/json"), ("*/*", "application/json"),
                                         ("text/html", "text/html")])
def test_a_bad_since_is_400_in_json_or_html_by_accept(client, accept, kind):
    r = client.get("/ldes?since=yesterday", headers={"Accept": accept})
    assert r.status_code == 400 and r.mimetype == kind
    assert b"xsd:dateTime" in r.data
    if kind == "application/json":
        assert r.json["error"]["status"] == 400


def test_since_serves_only_the_versions_generated_from_then(history):
    pages = walk(history, "/ldes?since=2026-01-02T00:00:00Z", "application/n-quads")
    root_iri, root, found = pages[0]
    assert root_iri == f"{BASE}ldes?since=2026-01-02T00:00:00.000Z" and root.headers["Cache-Control"] == SHORT
    (policy,) = objects(found, root_iri, LDES + "retentionPolicy")
    assert objects(found, policy.value, LDES + "startingFrom")[0].value == "2026-01-02T00:00:00.000Z"
    seen = [m for _, _, f in pages for m in members(f)]
    assert [(m.split("/")[-3], objects(f, m, RDF_TYPE)[0].value) for _, _, f in pages for m in members(f)] == [
        ("B", AS + "Update"), ("E", AS + "Delete")]
    assert len(seen) == 2
    everything = [m for _, _, f in walk(history, "/ldes?since=2026-01-01", "application/n-quads") for m in members(f)]
    assert len(everything) == 7  # at or after: the first build's versions too
    assert [m for _, _, f in walk(history, "/ldes?since=2026-01-03T00:00:00Z") for m in members(f)] == []


def test_a_delete_marker_is_a_member_without_content(history):
    found = quads(history.get("/ldes/page/7-8", headers={"Accept": "application/trig"}))
    (marker,) = members(found)
    assert objects(found, marker, RDF_TYPE)[0].value == AS + "Delete"
    assert objects(found, marker, IS_VERSION_OF)[0].value == f"{BASE}id/project/E"
    assert not [q for q in found if not isinstance(q.graph_name, ox.DefaultGraph)]  # no content graph


def test_a_page_becomes_immutable_when_it_fills(client, history):
    assert client.get("/ldes/page/5-6").headers["Cache-Control"] == SHORT  # one version: still filling
    full = history.get("/ldes/page/5-6", headers={"Accept": "application/n-quads"})
    assert full.headers["Cache-Control"] == IMMUTABLE
    assert objects(quads(full), f"{BASE}ldes/page/5-6#next", TREE + "node")[0].value == f"{BASE}ldes/page/7-8"


def test_retention_drops_old_versions_and_moves_the_root(tmp_path):
    settings = feed_settings(tmp_path, feed_page=2, feed_window=90)
    fake_build(settings, trig(FIVE), day(0))
    fake_build(settings, trig({**FIVE, "A": "A2", "B": "B2"}), day(1))  # 6, 7
    fake_build(settings, trig({**FIVE, "A": "A2", "B": "B2"}), day(200))  # 1 and 2 are neither recent nor latest
    client = app_for(settings)
    pages = walk(client)
    assert pages[0][0] == f"{BASE}ldes/page/3-4"
    assert [m.split("/")[-3] for _, _, f in pages for m in members(f)] == list("CDEAB")
    emptied = quads(client.get("/ldes/page/1-2", headers={"Accept": "application/n-quads"}))
    assert members(emptied) == [] and objects(emptied, f"{BASE}ldes/page/1-2", TREE + "relation")


def test_keeping_every_version_states_no_retention_policy(tmp_path):
    settings = feed_settings(tmp_path, feed_page=2, feed_window=0)
    fake_build(settings, trig(FIVE), day(0))
    found = quads(app_for(settings).get("/ldes"))
    assert not [q for q in found if q.predicate.value == LDES + "retentionPolicy"]


def test_the_feed_of_another_build_is_not_offered(tmp_path, first):
    """A feed whose build is not the one served (between the store switch and the feed's) answers 503."""
    import pyoxigraph as ox_

    from graph.feed import publish_feed
    from graph.store import EmbeddedStore

    settings = first.with_(feed=tmp_path / "feed")
    store = EmbeddedStore(None)
    store.load(trig(FIVE), ox_.RdfFormat.TRIG)
    publish_feed(stage(store, settings, build_id="some-other-build", now=day(3)))
    r = app_for(settings).get("/ldes")
    assert r.status_code == 503 and r.headers["Retry-After"] and r.json["error"]["status"] == 503


def test_no_feed_before_the_first_build(small_app):
    r = small_app.test_client().get("/ldes")
    assert r.status_code == 404 and "devkg build" in r.json["error"]["message"]


def test_a_new_build_is_served_without_a_restart(tmp_path):
    settings = feed_settings(tmp_path, feed_page=2)
    fake_build(settings, trig(FIVE), day(0))
    client = app_for(settings)
    assert client.get("/ldes/page/5-6").headers["Cache-Control"] == SHORT
    fake_build(settings, trig({**FIVE, "C": "C2"}), day(1))
    time.sleep(LINK_CHECK + 0.1)
    full = client.get("/ldes/page/5-6", headers={"Accept": "application/n-quads"})
    assert full.headers["Cache-Control"] == IMMUTABLE and len(members(quads(full))) == 2
