"""Real clients against the real server: SPARQLWrapper (query type x return format x method) and rdflib's stores."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest
import SPARQLWrapper
from live import free_port, stop, wait_for
from rdflib import Graph, Literal, URIRef

DEV = "https://w3id.org/devkg/def#"
CA = URIRef("https://w3id.org/devkg/id/project/CA-3-A034224001")
SELECT = f"SELECT ?p WHERE {{ ?p <{DEV}identifier> 'CA-3-A034224001' }}"
ASK = f"ASK {{ <{CA}> a <{DEV}Project> }}"
CONSTRUCT = f"CONSTRUCT {{ ?p a <{DEV}Project> }} WHERE {{ ?p <{DEV}identifier> 'CA-3-A034224001' }}"
DESCRIBE = f"DESCRIBE <{CA}>"

W = SPARQLWrapper
METHODS = [("GET", W.URLENCODED), ("POST", W.URLENCODED), ("POST", W.POSTDIRECTLY)]


def wrapper(endpoint: str, query: str, fmt: str, method: tuple[str, str]):
    sw = W.SPARQLWrapper(endpoint)
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    sw.setMethod(method[0])
    sw.setRequestMethod(method[1])
    return sw.query()


def _select_values(result, fmt: str) -> set[str]:
    data = result.convert()
    if fmt == W.JSON:
        return {b["p"]["value"] for b in data["results"]["bindings"]}
    if fmt == W.XML:
        return {u.firstChild.data for u in data.getElementsByTagName("uri")}
    text = data.decode() if isinstance(data, bytes) else data
    rows = list(csv.reader(io.StringIO(text), delimiter="," if fmt == W.CSV else "\t"))
    return {r[0].strip("<>") for r in rows[1:]}


@pytest.mark.parametrize("method", METHODS, ids=["get", "post-form", "post-direct"])
@pytest.mark.parametrize("fmt", [W.JSON, W.XML, W.CSV, W.TSV])
def test_sparqlwrapper_select(devkg_server, fmt, method):
    result = wrapper(f"{devkg_server}/sparql", SELECT, fmt, method)
    assert _select_values(result, fmt) == {str(CA)}


@pytest.mark.parametrize("method", METHODS, ids=["get", "post-form", "post-direct"])
@pytest.mark.parametrize("fmt", [W.JSON, W.XML, W.CSV, W.TSV])
def test_sparqlwrapper_ask(devkg_server, fmt, method):
    data = wrapper(f"{devkg_server}/sparql", ASK, fmt, method).convert()
    if fmt == W.JSON:
        assert data["boolean"] is True
    elif fmt == W.XML:
        assert data.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        assert (data.decode() if isinstance(data, bytes) else data).split()[-1] == "true"


@pytest.mark.parametrize("method", METHODS, ids=["get", "post-form", "post-direct"])
@pytest.mark.parametrize("fmt", [W.XML, W.RDFXML, W.TURTLE, W.N3, W.JSONLD])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_sparqlwrapper_graph_queries(devkg_server, query, fmt, method):
    data = wrapper(f"{devkg_server}/sparql", query, fmt, method).convert()
    g = data if isinstance(data, Graph) else Graph().parse(data=data, format="json-ld" if fmt == W.JSONLD else "turtle")
    assert (CA, None, None) in g


def test_rdflib_sparqlstore_reads_the_live_server(devkg_server):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    g = Graph(store=SPARQLStore(f"{devkg_server}/sparql"))
    assert {row.p for row in g.query(SELECT)} == {CA}
    assert bool(g.query(ASK)) is True
    assert (CA, URIRef(f"{DEV}identifier"), Literal("CA-3-A034224001")) in g
    assert len(g.query(CONSTRUCT).graph) == 1


@pytest.fixture(scope="module")
def writable_server(tmp_path_factory):
    from conftest import small_settings

    settings = small_settings(tmp_path_factory.mktemp("clients"))
    port = free_port()
    code = (f"from graph.config import Settings; from graph.serve import serve; "
            f"serve(Settings.from_env({{}}, store={str(settings.store)!r}, exports={str(settings.exports)!r}, "
            f"host='127.0.0.1', port={port}, update_token='client-token'))")
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/")
        yield f"http://127.0.0.1:{port}/sparql"
    finally:
        stop(proc)


def test_rdflib_sparqlupdatestore_writes_with_the_token(writable_server):
    from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore

    store = SPARQLUpdateStore(writable_server, writable_server, headers={"Authorization": "Bearer client-token"})
    g = Graph(store=store, identifier=URIRef("urn:clients:g"))
    triple = (URIRef("urn:clients:s"), URIRef("urn:clients:p"), Literal("written by rdflib"))
    g.add(triple)
    assert triple in g
    g.remove(triple)
    assert triple not in g


def test_rdflib_sparqlupdatestore_without_the_token_is_refused(writable_server):
    from urllib.error import HTTPError

    from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore

    g = Graph(store=SPARQLUpdateStore(writable_server, writable_server), identifier=URIRef("urn:clients:g"))
    with pytest.raises(HTTPError) as e:
        g.add((URIRef("urn:clients:s"), URIRef("urn:clients:p"), Literal("x")))
    assert e.value.code == 401
