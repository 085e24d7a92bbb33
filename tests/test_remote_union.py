"""DEVKG_REMOTE_UNION=virtuoso against a real `oxigraph serve` behind a proxy that reads Virtuoso's pragmas.

Queries then name no graph: they carry `define input:default-graph-exclude` /
`input:named-graph-exclude` for the manifest and the graphs that are not devkg's.
The proxy (tests/oxiserver.py, `pragmas=True`) strips them and asks Oxigraph for
every graph it holds minus those, which is what Virtuoso does with them; its
counters tell which queries came that way and which with the explicit dataset.
The server also holds a foreign graph (as Virtuoso holds its system graphs) with
a project in it, which no answer may show.
"""

from __future__ import annotations

import urllib.parse
import urllib.request

import pytest
from oxiserver import auth_proxy, oxigraph_serve
from test_remote_store import BASE, DEV, QUERIES, remote_at, rows, triples_store

from graph.config import Settings
from graph.store import MANIFEST_LISTED, MANIFEST_STAGING, RemoteStore

FOREIGN = "http://www.openlinksw.com/schemas/virtrdf#"
MORE = QUERIES + [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }",
    "SELECT ?s WHERE { ?s a ?c } ORDER BY ?s LIMIT 5",
]


def insert(url: str, update: str) -> None:
    urllib.request.urlopen(urllib.request.Request(
        f"{url}/update", data=urllib.parse.urlencode({"update": update}).encode())).read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with oxigraph_serve(tmp_path_factory.mktemp("oxigraph-union")) as url:
        insert(url, f"INSERT DATA {{ GRAPH <{FOREIGN}> {{ <urn:x:sys> a <{DEV}Project> ; "
                    f"<{DEV}title> \"not devkg's\" }} }}")
        yield url


@pytest.fixture(scope="module")
def proxy(server):
    with auth_proxy(server, None, pragmas=True) as (url, seen):
        yield url, seen


@pytest.fixture(scope="module")
def union(proxy, seed_store) -> RemoteStore:
    store = remote_at(proxy[0], chunk_bytes=200_000, union="virtuoso")
    store.publish(seed_store, "seed-u1")
    store.manifest_ttl = 0
    return store


def counted(seen: dict, fn):
    before = dict(seen)
    out = fn()
    return out, seen["pragma_queries"] - before["pragma_queries"], seen["dataset_queries"] - before["dataset_queries"]


def test_the_build_lists_the_foreign_graph_and_leaves_no_staging_mark(union, server):
    rows_ = union._select(f"SELECT ?p ?o WHERE {{ GRAPH <{union.manifest}> {{ <{union.manifest}> ?p ?o }} }}")
    facts = {(r["p"].value, r["o"].value) for r in rows_}
    assert ("urn:devkg:foreign", FOREIGN) in facts
    assert not any(p == MANIFEST_STAGING for p, _ in facts)


@pytest.mark.parametrize("query", MORE)
def test_answers_equal_the_embedded_store_without_naming_graphs(union, proxy, seed_store, query):
    answer, pragma, dataset = counted(proxy[1], lambda: rows(union.query(query)))
    assert answer == rows(seed_store.query(query))
    assert (pragma, dataset) == (1, 0)


def test_ask_and_count_leave_out_the_manifest_and_the_foreign_graph(union, proxy, seed_store):
    ask = f"ASK {{ ?s <{DEV}title> \"not devkg's\" }}"
    (n, g, a), pragma, _ = counted(proxy[1], lambda: (union.count(), union.named_graphs(), bool(union.query(ask))))
    assert (n, g, a) == (seed_store.count(), seed_store.named_graphs(), False)
    assert pragma == 2


@pytest.mark.parametrize("query", [
    "SELECT ?p ?o WHERE { GRAPH <%s> { ?s ?p ?o } }" % (BASE + "graph/manifest"),
    "SELECT ?s WHERE { GRAPH <%s> { ?s ?p ?o } }" % FOREIGN,
    "PREFIX v: <http://www.openlinksw.com/schemas/> SELECT ?s WHERE { GRAPH v:virtrdf { ?s ?p ?o } }",
    "SELECT ?p ?o WHERE { GRAPH # a comment between the keyword and the graph\n <%s> { ?s ?p ?o } }"
    % (BASE + "graph/manifest"),
    "SELECT ?s WHERE { graph<%s>{ ?s ?p ?o } }" % FOREIGN,
    "SELECT ?s FROM <%s> WHERE { ?s ?p ?o }" % FOREIGN,
    "SELECT ?s FROM NAMED <%s> WHERE { GRAPH ?g { ?s ?p ?o } }" % FOREIGN,
])
def test_a_graph_named_outright_or_from_falls_back_to_the_explicit_dataset(union, proxy, query):
    """As with the setting off: the protocol's dataset (the live graphs) overrides FROM, so no foreign triple."""
    answer, pragma, dataset = counted(proxy[1], lambda: rows(union.query(query)))
    assert (pragma, dataset) == (0, 1)
    assert answer == rows(remote_at(proxy[0]).query(query))
    assert ("<urn:x:sys>",) not in answer and ("FROM" in query or answer == [])


def test_staging_and_fresh_graphs_stay_invisible_through_a_rebuild(tmp_path):
    with oxigraph_serve(tmp_path / "oxigraph") as server:
        insert(server, f"INSERT DATA {{ GRAPH <{FOREIGN}> {{ <urn:x:sys> <urn:p> 0 }} }}")
        with auth_proxy(server, None, pragmas=True) as proxy:
            rebuild_checked(*proxy)


def rebuild_checked(url: str, seen: dict) -> None:
    g1, g2, g3 = (f"{BASE}graph/test-union/{n}" for n in (1, 2, 3))
    old = triples_store({g1: "<urn:a> <urn:p> \"1\" .", g2: "<urn:b> <urn:p> \"2\" ."})
    new = triples_store({g1: "<urn:a> <urn:p> \"10\" .", g3: "<urn:c> <urn:p> \"3\" ."})
    writer = remote_at(url, union="virtuoso")
    reader = remote_at(url, union="virtuoso")
    reader.manifest_ttl = 0
    query = "SELECT ?g ?s ?o WHERE { GRAPH ?g { ?s <urn:p> ?o } }"
    flat = "SELECT ?s ?o WHERE { ?s <urn:p> ?o }"
    writer.publish(old, "u-old")
    before = (rows(reader.query(query)), rows(reader.query(flat)))
    assert before[1] == rows(old.query(flat))
    seen_during: list[tuple] = []

    def check(_message: str) -> None:  # after each graph's upload: the old build, through the explicit dataset
        answer, pragma, _ = counted(seen, lambda: (rows(reader.query(query)), rows(reader.query(flat))))
        seen_during.append((answer, pragma))

    plain_cleanup = writer.cleanup

    def cleanup_after_switch(build=None, graphs=None):  # the switch is done, staging copies not yet dropped
        if build == "u-new":
            answer, pragma, _ = counted(seen, lambda: rows(reader.query(flat)))
            assert answer == rows(new.query(flat)) and pragma == 0  # still the explicit dataset
            assert writer.staging_graphs()  # the copies are there, and not seen
        return plain_cleanup(build, graphs)
    writer.cleanup = cleanup_after_switch
    writer.publish(new, "u-new", progress=check)
    assert seen_during and all(a == before and p == 0 for a, p in seen_during)
    answer, pragma, dataset = counted(seen, lambda: rows(reader.query(flat)))
    assert answer == rows(new.query(flat)) and (pragma, dataset) == (1, 0)


def test_a_killed_builds_mark_keeps_readers_on_the_explicit_dataset(union, proxy, seed_store):
    mark = f'<{union.manifest}> <{MANIFEST_STAGING}> "killed-1"'
    union.update(f"INSERT DATA {{ GRAPH <{union.manifest}> {{ {mark} }} }}")
    try:
        answer, pragma, dataset = counted(proxy[1], lambda: rows(union.query(QUERIES[0])))
        assert answer == rows(seed_store.query(QUERIES[0])) and (pragma, dataset) == (0, 1)
    finally:
        union.cleanup()
    _, pragma, _ = counted(proxy[1], lambda: union.query(QUERIES[0]))
    assert pragma == 1


def test_a_manifest_without_the_foreign_list_keeps_readers_on_the_explicit_dataset(union, proxy, seed_store):
    """A manifest written before the foreign list existed cannot say which graphs to leave out."""
    listed = f"<{union.manifest}> <{MANIFEST_LISTED}> true"
    union.update(f"DELETE DATA {{ GRAPH <{union.manifest}> {{ {listed} }} }}")
    try:
        answer, pragma, dataset = counted(proxy[1], lambda: rows(union.query(MORE[-3])))
        assert answer == rows(seed_store.query(MORE[-3])) and (pragma, dataset) == (0, 1)
    finally:
        union.update(f"INSERT DATA {{ GRAPH <{union.manifest}> {{ {listed} }} }}")
    _, pragma, _ = counted(proxy[1], lambda: union.query(QUERIES[0]))
    assert pragma == 1


def test_the_setting_off_names_every_graph_as_before(union, proxy, seed_store):
    plain = remote_at(proxy[0])
    for query in MORE:
        answer, pragma, dataset = counted(proxy[1], lambda: rows(plain.query(query)))
        assert answer == rows(seed_store.query(query)) and (pragma, dataset) == (0, 1)


def test_the_setting_reaches_the_store_and_rejects_unknown_forms():
    env = {"DEVKG_REMOTE_QUERY_URL": "http://127.0.0.1:9/q", "DEVKG_REMOTE_UNION": "virtuoso"}
    assert RemoteStore.from_settings(Settings.from_env(env)).union == "virtuoso"
    assert RemoteStore.from_settings(Settings.from_env({**env, "DEVKG_REMOTE_UNION": ""})).union == ""
    with pytest.raises(ValueError, match="DEVKG_REMOTE_UNION"):
        RemoteStore.from_settings(Settings.from_env({**env, "DEVKG_REMOTE_UNION": "oxigraph"}))


@pytest.mark.parametrize("query, named", [
    ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", False),
    ("SELECT * WHERE { GRAPH\t$g { ?s ?p ?o } }", False),
    ("SELECT * WHERE { ?s ?p ?o }", False),
    ("SELECT * WHERE { GRAPH <urn:g> { ?s ?p ?o } }", True),
    ("SELECT * WHERE { GRAPH # comment\n <urn:g> { ?s ?p ?o } }", True),
    ("SELECT * WHERE { \\u0047RAPH <urn:g> { ?s ?p ?o } }", True),  # SPARQL's escapes, as a server may apply them
    ("PREFIX g: <urn:> SELECT * WHERE { gRaPh g:x { ?s ?p ?o } }", True),
    ("SELECT * WHERE { ?s <urn:graph> ?o }", True),  # a false alarm: only the explicit dataset's cost
])
def test_only_a_query_whose_every_graph_is_a_variable_takes_the_union(query, named):
    from graph.store import _may_name_a_graph

    assert _may_name_a_graph(query) is named
