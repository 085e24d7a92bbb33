"""RemoteStore against a real `oxigraph serve`: publishing, the staged switch, answers equal to the embedded store's.

The seed build (the embedded store every other test uses) is published to a
fresh server, so both stores hold the same data and must give the same answers.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from live import free_port
from oxiserver import auth_proxy, oxigraph_serve

from graph.store import (
    EmbeddedStore,
    QuerySyntaxError,
    RemoteStore,
    RemoteTriples,
    ResultTooLarge,
    StoreError,
    StoreTimeout,
)

BASE = "https://w3id.org/devkg/"
DEV = BASE + "def#"


def remote_at(url: str, **kwargs) -> RemoteStore:
    return RemoteStore(f"{url}/query", f"{url}/update", f"{url}/store", base=BASE, **kwargs)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with oxigraph_serve(tmp_path_factory.mktemp("oxigraph"), "--timeout-s", "3") as url:
        yield url


@pytest.fixture(scope="module")
def remote(server, seed_store) -> RemoteStore:
    store = remote_at(server, chunk_bytes=200_000)
    store.publish(seed_store, "seed-1")
    store.manifest_ttl = 0  # tests below switch builds and must see it at once
    return store


def rows(result) -> list[tuple]:
    """Solutions as sorted tuples of N-Triples terms (blank node labels differ between stores)."""
    names = [v.value for v in result.variables]
    out = []
    for r in result:
        out.append(tuple("_:b" if isinstance(r[n], ox.BlankNode) else str(r[n]) if r[n] is not None else ""
                         for n in names))
    return sorted(out)


def test_publish_makes_every_seed_graph_live_with_its_triples(remote, seed_store):
    assert remote.named_graphs() == seed_store.named_graphs()
    for g in seed_store.named_graphs():
        assert remote.count(g) == seed_store.count(g), g
    assert remote.count() == seed_store.count()
    assert remote.build_id() == "seed-1"
    assert remote.staging_graphs() == []


QUERIES = [
    f"SELECT ?p ?t WHERE {{ ?p a <{DEV}Project> ; <{DEV}title> ?t }}",
    "SELECT ?c (COUNT(*) AS ?n) WHERE { ?s a ?c } GROUP BY ?c",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    f"SELECT ?p ?place WHERE {{ ?p <{DEV}location> ?place }}",
    "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o FILTER(lang(?o) = 'en') }",
]


@pytest.mark.parametrize("query", QUERIES)
def test_select_answers_equal_the_embedded_store(remote, seed_store, query):
    assert rows(remote.query(query)) == rows(seed_store.query(query))


def test_default_graphs_leave_out_inference_as_in_the_embedded_store(remote, seed_store):
    asserted = [g for g in seed_store.named_graphs() if not g.endswith("/inferred")]
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{DEV}location> ?o }}"
    want = rows(seed_store.query(query, default_graphs=asserted))
    assert rows(remote.query(query, default_graphs=asserted)) == want
    assert want != rows(seed_store.query(query))  # inference adds locations, so the test can fail


def test_ask_and_construct_come_back_as_pyoxigraph_objects(remote, seed_store):
    prefixes = {"dev": DEV}
    assert bool(remote.query("ASK { ?p a dev:Project }", prefixes=prefixes)) is True
    assert bool(remote.query("ASK { ?p a dev:Nothing }", prefixes=prefixes)) is False
    query = "CONSTRUCT { ?p dev:fundedBy ?o } WHERE { ?p dev:fundedBy ?o }"
    got = remote.query(query, prefixes=prefixes)
    assert isinstance(got, RemoteTriples)
    assert sorted(map(str, got)) == sorted(map(str, seed_store.query(query, prefixes=prefixes)))


def test_quads_for_a_resource_match_the_embedded_store(remote, seed_store):
    project = next(iter(seed_store.query(f"SELECT ?p WHERE {{ ?p a <{DEV}Project> }} LIMIT 1")))["p"]
    assert sorted(map(str, remote.quads(project))) == sorted(map(str, seed_store.quads(project)))
    assert (sorted(map(str, remote.quads(None, None, project)))
            == sorted(map(str, seed_store.quads(None, None, project))))


def test_staging_graphs_stay_invisible_whatever_the_query_asks(remote):
    staging = f"{remote.staging_prefix}other-build/0"
    remote._upload(staging, [ox.Triple(ox.NamedNode(BASE + "id/project/HIDDEN"), ox.NamedNode(DEV + "title"),
                                       ox.Literal("half-built"))], replace=True)
    try:
        assert remote.staging_graphs() == [staging]
        hidden = '{ ?s ?p "half-built" }'
        assert not remote.query(f"ASK {hidden}")
        assert not remote.query(f"ASK {{ GRAPH ?g {hidden} }}")
        assert not remote.query(f"ASK FROM <{staging}> {hidden}")
        assert not remote.query(f"ASK FROM NAMED <{staging}> {{ GRAPH <{staging}> {hidden} }}")
        assert not remote.query(f"ASK {hidden}", default_graphs=[staging])
        assert not remote.query("ASK { GRAPH ?g { ?s ?p ?o } }", named_graphs=[remote.manifest])
        assert staging not in remote.named_graphs()
    finally:
        remote.cleanup()
    assert remote.staging_graphs() == []


def test_an_aborted_publish_drops_its_staging_graphs_and_keeps_the_old_build(remote, seed_store):
    before = remote.count()

    class Stop(Exception):
        pass

    def interrupt(message: str) -> None:  # the operator's Ctrl-C, after the first graph is uploaded
        assert remote.staging_graphs(), "the first graph should be staged by now"
        raise Stop()

    with pytest.raises(Stop):
        remote.publish(seed_store, "seed-aborted", progress=interrupt)
    assert remote.staging_graphs() == []
    assert remote.build_id() == "seed-1"
    assert remote.count() == before


def test_a_new_build_replaces_the_graph_set_in_one_switch(server, seed_store, tmp_path):
    store = remote_at(server)
    store.manifest_ttl = 0
    small = EmbeddedStore(None)
    small.load(b'<http://example.org/s> <http://example.org/p> "new" .', ox.RdfFormat.N_TRIPLES,
               graph=BASE + "graph/source/curated/new")
    try:
        assert store.publish(small, "small-2") == {BASE + "graph/source/curated/new": 1}
        assert store.named_graphs() == [BASE + "graph/source/curated/new"]
        assert store.count() == 1
        assert not store.query(f"ASK {{ ?p a <{DEV}Project> }}")  # the old graphs are gone, not hidden
        assert not store.query(f"ASK {{ GRAPH <{BASE}graph/ontology> {{ ?s ?p ?o }} }}",
                               named_graphs=[BASE + "graph/ontology"])
    finally:
        store.publish(seed_store, "seed-1")  # put the seeds back for the other tests
    assert store.count() == seed_store.count()


def triples_store(graphs: dict[str, str]) -> EmbeddedStore:
    store = EmbeddedStore(None)
    for name, nt in graphs.items():
        store.load(nt.encode(), ox.RdfFormat.N_TRIPLES, graph=name)
    return store


def stored_graphs(store: RemoteStore) -> set[str]:
    """Every graph of this store's base on the server, live or not (the manifest aside)."""
    rows = store._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {r["g"].value for r in rows if r["g"].value.startswith(store.base)} - {store.manifest}


def test_a_rebuild_rewrites_live_graphs_to_exactly_the_new_triples(server):
    other = RemoteStore(f"{server}/query", f"{server}/update", f"{server}/store", base="https://example.org/b1/")
    other.manifest_ttl = 0
    g1, g2 = "https://example.org/b1/graph/one", "https://example.org/b1/graph/two"
    other.publish(triples_store({g1: "<urn:a> <urn:p> \"1\" .\n<urn:a> <urn:p> \"2\" .\n",
                                 g2: "<urn:b> <urn:p> \"9\" ."}), "b1-1")
    other.publish(triples_store({g1: "<urn:a> <urn:p> \"2\" .\n<urn:a> <urn:p> \"3\" .\n"}), "b1-2")
    assert other.named_graphs() == [g1]
    got = sorted(r["o"].value for r in other.query("SELECT ?o WHERE { <urn:a> <urn:p> ?o }"))
    assert got == ["2", "3"]
    assert g2 not in stored_graphs(other)  # dropped after the switch, not only hidden
    assert other.staging_graphs() == []


def test_an_aborted_rebuild_leaves_no_new_graph_behind(server):
    other = RemoteStore(f"{server}/query", f"{server}/update", f"{server}/store", base="https://example.org/b2/")
    other.manifest_ttl = 0
    g1, g2 = "https://example.org/b2/graph/one", "https://example.org/b2/graph/two"
    other.publish(triples_store({g1: "<urn:a> <urn:p> \"1\" ."}), "b2-1")
    seen = []

    def interrupt(message: str) -> None:
        seen.append(message)
        if len(seen) == 2:  # both graphs uploaded (one staged, one under its own name), not yet switched
            assert g2 in stored_graphs(other) and other.staging_graphs()
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        other.publish(triples_store({g1: "<urn:a> <urn:p> \"2\" .", g2: "<urn:b> <urn:p> \"2\" ."}), "b2-2", interrupt)
    assert other.named_graphs() == [g1] and other.build_id() == "b2-1"
    assert [r["o"].value for r in other.query("SELECT ?o WHERE { ?s ?p ?o }")] == ["1"]
    assert stored_graphs(other) == {g1}


def test_bad_queries_raise_the_embedded_parser_message(remote, seed_store):
    with pytest.raises(QuerySyntaxError) as remote_error:
        remote.query("SELECT ?x WHERE { ?x ?y }")
    with pytest.raises(QuerySyntaxError) as local_error:
        seed_store.query("SELECT ?x WHERE { ?x ?y }")
    assert str(remote_error.value) == str(local_error.value)


def test_an_update_sent_as_a_query_never_reaches_the_server(remote):
    with pytest.raises(QuerySyntaxError):
        remote.query(f"INSERT DATA {{ GRAPH <{BASE}graph/ontology> {{ <urn:x> <urn:y> <urn:z> }} }}")
    assert not remote.query("ASK { <urn:x> ?p ?o }")


def test_a_server_that_is_down_gives_a_store_error_without_its_address():
    port = free_port()
    store = RemoteStore(f"http://admin:s3cret@127.0.0.1:{port}/query", base=BASE, timeout=2)
    with pytest.raises(StoreError) as e:
        store.query("ASK {}")
    message = str(e.value)
    assert "reached" in message
    assert str(port) not in message and "127.0.0.1" not in message and "s3cret" not in message


def test_a_slow_query_stops_at_the_client_timeout(server, remote):
    slow = remote_at(server, timeout=1)
    with pytest.raises(StoreTimeout):
        list(slow.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"))


def test_an_answer_past_the_byte_cap_raises_after_the_rows_that_fit(remote):
    result = remote.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", max_bytes=5000)
    got = []
    with pytest.raises(ResultTooLarge):
        for row in result:
            got.append(row)
    assert 0 < len(got) < 100


def test_writes_without_an_update_url_are_refused(server):
    store = RemoteStore(f"{server}/query", base=BASE)
    assert store.read_only
    with pytest.raises(StoreError, match="no update URL"):
        store.update("CLEAR ALL")


@pytest.mark.parametrize("scheme", ["digest", "basic"])
def test_credentials_answer_the_servers_challenge_and_large_bodies_wait_for_it(server, scheme):
    """Behind a proxy that demands credentials as Virtuoso's `-auth` endpoints do (Digest, and `401` right
    after `100 Continue` without reading the body), a publish of graphs larger than one request works."""
    with auth_proxy(server, "devkg", "pa:ss w", scheme=scheme) as (proxy, seen):
        store = RemoteStore(f"{server}/query", f"{proxy}/update", f"{proxy}/store", base=f"https://example.org/{scheme}/",
                            user="devkg", password="pa:ss w", chunk_bytes=100_000)
        store.manifest_ttl = 0
        g = f"https://example.org/{scheme}/graph/one"
        lines = "".join(f'<urn:s{i}> <urn:p> "a value long enough to fill the chunks {i}" .\n' for i in range(6000))
        assert store.publish(triples_store({g: lines}), f"{scheme}-1") == {g: 6000}
        assert store.publish(triples_store({g: lines}), f"{scheme}-2") == {g: 6000}  # staged, then switched
        assert store.count() == 6000 and store.named_graphs() == [g]
        assert seen["forwarded"] > 6 and seen["401"] == 2  # one challenge per endpoint, answered from then on
        if scheme == "digest":
            assert seen["bodies_refused"] == 1  # the first upload's body was never sent before its challenge


def test_wrong_credentials_are_a_store_error_without_the_password(server):
    with auth_proxy(server, "devkg", "right") as (proxy, seen):
        store = RemoteStore(f"{server}/query", f"http://devkg:wrong-s3cret@{proxy[len('http://'):]}/update",
                            base=BASE)
        with pytest.raises(StoreError) as e:
            store.update("INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }")
        assert "401" in str(e.value) and "s3cret" not in str(e.value)
        assert seen["forwarded"] == 0 and seen["401"] == 2  # the challenge, then the refused answer


def test_a_server_that_echoes_the_dataset_as_headers_answers_with_many_graphs(server):
    """Virtuoso sends one header per graph of the dataset; devkg names every live graph (here 150)."""
    base = "https://example.org/many/"
    graphs = {f"{base}graph/g{i:03}": f"<urn:s{i}> <urn:p> \"{i}\" ." for i in range(150)}
    with auth_proxy(server, None) as (proxy, seen):
        store = RemoteStore(f"{proxy}/query", f"{server}/update", f"{server}/store", base=base)
        store.publish(triples_store(graphs), "many-1")
        assert store.count() == 150
        assert len(list(store.query("SELECT ?s WHERE { ?s <urn:p> ?o }"))) == 150
        assert seen["forwarded"] >= 3
