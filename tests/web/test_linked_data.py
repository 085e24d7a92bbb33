"""Dereferencing /id/ and /def, the home page, and the harvester routes."""

from __future__ import annotations

import hashlib

import pytest
from rdflib import Graph, URIRef

CA = "https://w3id.org/devkg/id/project/CA-3-A034224001"


@pytest.mark.parametrize("accept, suffix, media, fmt", [
    ("text/turtle", "", "text/turtle", "turtle"),
    ("application/ld+json", "", "application/ld+json", "json-ld"),
    ("application/n-triples", "", "application/n-triples", "nt"),
    ("application/rdf+xml", "", "application/rdf+xml", "xml"),
    (None, ".ttl", "text/turtle", "turtle"),
    (None, ".jsonld", "application/ld+json", "json-ld"),
    (None, ".nt", "application/n-triples", "nt"),
    (None, ".rdf", "application/rdf+xml", "xml"),
])
def test_resource_as_rdf_by_accept_or_extension(client, accept, suffix, media, fmt):
    r = client.get("/id/project/CA-3-A034224001" + suffix, headers={"Accept": accept} if accept else {})
    assert r.status_code == 200 and r.mimetype == media
    g = Graph().parse(data=r.data, format=fmt)
    assert (URIRef(CA), URIRef("https://w3id.org/devkg/def#identifier"), None) in g


def test_resource_html_has_labels_links_and_incoming(client):
    r = client.get("/id/org/CA-3", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert b"Global Affairs Canada" in r.data
    assert b'href="/id/project/CA-3-A034224001"' in r.data  # incoming link, kept on this server


def test_unknown_resource_is_404(client):
    assert client.get("/id/project/no-such-thing").status_code == 404


def test_resource_etag_gives_304(client):
    r = client.get("/id/place/PE", headers={"Accept": "text/turtle"})
    etag = r.headers["ETag"]
    again = client.get("/id/place/PE", headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304


def test_ontology_as_html_documents_every_class(client):
    r = client.get("/def", headers={"Accept": "text/html"})
    assert r.status_code == 200
    for term in (b"Project", b"Participation", b"withinPlace", b"addressesSDG"):
        assert term in r.data


def test_ontology_as_turtle(client):
    r = client.get("/def.ttl")
    g = Graph().parse(data=r.data, format="turtle")
    assert (URIRef("https://w3id.org/devkg/def#Project"), None, None) in g


def test_home_page_shows_live_counts(client):
    r = client.get("/", headers={"Accept": "text/html"})
    assert b"<strong>5</strong> projects" in r.data
    assert client.get("/").json["counts"]["projects"] == 5


def test_dumps_listing_and_files_with_validators(client, web_settings):
    listing = client.get("/dumps/").json["files"]
    names = {f["name"] for f in listing}
    assert {"devkg.nq.gz", "devkg.trig.gz", "void.ttl"} <= names
    r = client.get("/dumps/devkg.nq.gz")
    assert r.status_code == 200 and int(r.headers["Content-Length"]) == len(r.data)
    digest = next(f["sha256"] for f in listing if f["name"] == "devkg.nq.gz")
    assert hashlib.sha256(r.data).hexdigest() == digest
    assert client.get("/dumps/devkg.nq.gz", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    assert client.get("/dumps/devkg.nq.gz",
                      headers={"If-Modified-Since": r.headers["Last-Modified"]}).status_code == 304
    part = client.get("/dumps/devkg.nq.gz", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == r.data[:100]
    head = client.head("/dumps/devkg.nq.gz")
    assert head.status_code == 200 and head.data == b""


def test_well_known_void_is_the_dataset_description(client):
    r = client.get("/.well-known/void")
    g = Graph().parse(data=r.data, format="turtle")
    assert (URIRef("https://w3id.org/devkg/id/dataset"), None, None) in g


def test_dumps_of_another_build_are_not_offered(web_settings, tmp_path):
    """An export whose build is not the one served (mid-switch, or a failed publish) is never listed."""
    from graph.export import export
    from graph.store import open_live
    from server import create_app

    settings = web_settings.with_(exports=tmp_path / "dumps")
    export(open_live(web_settings.store), settings.exports, settings, build_id="some-other-build")
    c = create_app(settings).test_client()
    listing = c.get("/dumps/")
    assert listing.json["files"] == [] and listing.headers["Retry-After"]
    r = c.get("/dumps/devkg.nq.gz")
    assert r.status_code == 503 and r.headers["Retry-After"] and r.json["error"]["status"] == 503
    void = Graph().parse(data=c.get("/.well-known/void").data, format="turtle")
    dump = URIRef("http://rdfs.org/ns/void#dataDump")
    assert (URIRef("https://w3id.org/devkg/id/dataset"), None, None) in void
    assert not list(void.objects(None, dump))  # computed live: no dump files it cannot vouch for


def test_the_seed_build_publishes_its_feed_listed_in_void_and_dumps(client, web_settings):
    """`devkg build` publishes /ldes with the store: one version per seed project, found from /dumps/ and the VoID."""
    import pyoxigraph as ox
    from rdflib.namespace import DCAT, RDF

    from graph.feed import feed_build
    from graph.store import live_target

    assert feed_build(web_settings.feed) == live_target(web_settings.store).name
    assert client.get("/dumps/").json["feed"] == "https://w3id.org/devkg/ldes"
    assert b'href="/ldes"' in client.get("/dumps/", headers={"Accept": "text/html"}).data
    void = Graph().parse(data=client.get("/.well-known/void").data, format="turtle")
    view = URIRef("https://w3id.org/devkg/ldes#view")
    assert (URIRef("https://w3id.org/devkg/id/catalog"), DCAT.service, view) in void
    assert (view, RDF.type, DCAT.DataService) in void
    assert void.value(view, DCAT.endpointURL) == URIRef("https://w3id.org/devkg/ldes")
    page = client.get("/ldes/page/1-100", headers={"Accept": "application/trig"})
    quads = list(ox.parse(page.data, format=ox.RdfFormat.TRIG))
    members = {q.object.value for q in quads if q.predicate.value == "https://w3id.org/tree#member"}
    assert len(members) == 5  # every seed project, as created by this build
    assert {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)} == members


@pytest.mark.parametrize("accept", ["text/html", "text/turtle"])
def test_a_resource_page_is_made_once_per_build_and_format(client, monkeypatch, accept):
    """The ETag names the body, so a repeated request is served from the per-build cache, byte for byte."""
    from graph.web import resources

    first = client.get("/id/project/CA-3-A034224001", headers={"Accept": accept})
    assert first.status_code == 200

    made = []
    real = resources.describe
    monkeypatch.setattr(resources, "describe", lambda *a, **k: made.append(a) or real(*a, **k))
    again = client.get("/id/project/CA-3-A034224001", headers={"Accept": accept})
    assert again.status_code == 200 and again.data == first.data and made == []
    assert again.headers["ETag"] == first.headers["ETag"] and again.mimetype == first.mimetype
    other = client.get("/id/project/CA-3-A034224001?sort=start", headers={"Accept": accept})
    assert other.status_code == 200 and len(made) == 1  # another query string is another page
