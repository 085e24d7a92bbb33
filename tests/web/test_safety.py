"""Hostile requests: no outbound requests, bodies capped, values escaped, errors without internals."""

from __future__ import annotations

import dataclasses

import pytest

from graph.web import outbound
from server import create_app


@pytest.fixture(scope="module")
def capped(web_settings):
    return create_app(dataclasses.replace(web_settings, max_body=2000)).test_client()


# text, allowed hosts, refused?
OUTBOUND = [
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9999/sparql> { ?s ?p ?o } }", (), True),
    ("select * where { service silent <http://169.254.169.254/latest> { ?s ?p ?o } }", (), True),
    ("SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } VALUES ?endpoint { <http://example.org/> } }", (), True),
    ("PREFIX ex: <http://evil.example/> SELECT * WHERE { SERVICE ex:sparql { ?s ?p ?o } }", (), True),
    ("SELECT * WHERE { \\u0053ERVICE <http://evil.example/> { ?s ?p ?o } }", (), True),  # escapes apply first
    ("LOAD <http://evil.example/x.ttl>", (), True),
    ("SELECT * WHERE { SERVICE <http://query.wikidata.org/sparql> { ?s ?p ?o } }", ("query.wikidata.org",), False),
    ("SELECT * WHERE { SERVICE <http://evil.example/> { ?s ?p ?o } }", ("query.wikidata.org",), True),
    ('SELECT * WHERE { BIND("SERVICE <http://x/>" AS ?x) }', (), False),  # inside a string
    ("SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/>", (), False),  # inside a comment
    ("SELECT * WHERE { ?s <http://x/SERVICE> ?o . ?s dev:LOAD ?x . ?SERVICE ?p ?o }", (), False),  # names, not calls
    ("SELECT * FROM <http://evil.example/x.ttl> WHERE { ?s ?p ?o }", (), False),  # FROM only names a local graph
]


@pytest.mark.parametrize("text, allowed, refused", OUTBOUND)
def test_outbound_guard(text, allowed, refused):
    from graph.namespaces import prefixes

    update = text.startswith("LOAD")
    if refused:
        with pytest.raises(outbound.Refused):
            outbound.check(text, allowed, update=update, prefixes=prefixes("https://w3id.org/devkg/"))
    else:
        outbound.check(text, allowed, update=update, prefixes=prefixes("https://w3id.org/devkg/"))


@pytest.mark.parametrize("text", [t for t, allowed, refused in OUTBOUND if refused and not allowed and "LOAD" not in t])
def test_service_is_refused_by_the_endpoint_with_403(client, text):
    r = client.get("/sparql", query_string={"query": text})
    assert r.status_code == 403 and r.is_json
    assert "SERVICE" in r.json["error"]["message"] or "not allowed" in r.json["error"]["message"]


def test_bodies_above_the_limit_get_413(capped):
    r = capped.post("/sparql", data="SELECT * WHERE { ?s ?p ?o } #" + "x" * 5000,
                    content_type="application/sparql-query")
    assert r.status_code == 413 and r.is_json


@pytest.mark.parametrize("path, accept", [("/sparql?query=SELEKT", "text/html"), ("/sparql?query=SELEKT", None),
                                          ("/id/nothing/here", "text/html"), ("/nowhere", None)])
def test_errors_never_show_tracebacks_or_paths(client, path, accept):
    r = client.get(path, headers={"Accept": accept} if accept else {})
    assert r.status_code in (400, 404)
    assert r.mimetype == ("text/html" if accept else "application/json")
    for secret in (b"Traceback", b"/work/", b"site-packages", b"pyoxigraph", b"127.0.0.1"):
        assert secret not in r.data


def test_store_errors_are_503_without_the_path(tmp_path):
    from graph.config import Settings

    app = create_app(Settings.from_env({}, store=tmp_path / "missing" / "store", exports=tmp_path / "dumps"))
    r = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert r.status_code == 503 and str(tmp_path).encode() not in r.data


@pytest.mark.parametrize("origin_setting, origin, expected", [
    (("*",), "https://example.org", "*"),
    (("https://a.example",), "https://a.example", "https://a.example"),
    (("https://a.example",), "https://b.example", None),
    ((), "https://example.org", None),
])
def test_cors_is_configurable(web_settings, origin_setting, origin, expected):
    app = create_app(dataclasses.replace(web_settings, cors_origins=origin_setting))
    r = app.test_client().get("/sparql?query=ASK{}", headers={"Origin": origin})
    assert r.headers.get("Access-Control-Allow-Origin") == expected


@pytest.mark.parametrize("path", ["/id/project/X", "/id/org/O", "/"])
def test_markup_in_data_is_escaped_in_html(small_app, path):
    r = small_app.test_client().get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200
    for raw in (b"<script>alert(1)", b"<b>bold</b>", b"<i>Co</i>"):
        assert raw not in r.data
    if path == "/id/project/X":
        assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in r.data and b"&lt;b&gt;bold&lt;/b&gt; &amp;" in r.data


@pytest.fixture(scope="module")
def hostile_links(tmp_path_factory):
    """A writable small store where one project links to IRIs with every dangerous scheme (in a named
    graph: devkg's pages show what its graphs say, and it keeps nothing in the default graph)."""
    from conftest import small_settings

    client = create_app(small_settings(tmp_path_factory.mktemp("xss"), update_token="t")).test_client()
    links = " , ".join(f"<{iri}>" for iri in HOSTILE_IRIS + SAFE_IRIS)
    r = client.post("/sparql", data=f"INSERT DATA {{ GRAPH <https://w3id.org/devkg/graph/curated> {{ "
                                     f"<https://w3id.org/devkg/id/project/X> "
                                     f"<http://www.w3.org/2000/01/rdf-schema#seeAlso> {links} }} }}",
                    content_type="application/sparql-update", headers={"Authorization": "Bearer t"})
    assert r.status_code == 204, r.data
    return client


HOSTILE_IRIS = ["javascript:alert(document.cookie)", "JavaScript:alert(1)", "data:text/html,x",
                "vbscript:msgbox(1)", "file:///etc/passwd"]
SAFE_IRIS = ["https://example.org/doc", "http://example.org/page", "mailto:someone@example.org"]


def test_only_http_https_and_mailto_iris_become_links(hostile_links):
    html = hostile_links.get("/id/project/X", headers={"Accept": "text/html"}).get_data(as_text=True)
    for iri in HOSTILE_IRIS:
        assert iri in html  # shown, as text
        assert f'href="{iri}"' not in html
    for iri in SAFE_IRIS:
        assert f'href="{iri}"' in html


@pytest.mark.parametrize("path", ["/", "/sparql", "/def", "/id/project/X", "/dumps/", "/nowhere"])
def test_every_html_page_has_a_content_security_policy(small_app, path):
    r = small_app.test_client().get(path, headers={"Accept": "text/html"})
    assert r.mimetype == "text/html"
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp and "unsafe-eval" not in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]


def test_query_page_script_carries_the_policy_nonce(small_app):
    import re

    r = small_app.test_client().get("/sparql", headers={"Accept": "text/html"})
    nonce = re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}">' in r.get_data(as_text=True)
    again = small_app.test_client().get("/sparql", headers={"Accept": "text/html"})
    assert nonce not in again.headers["Content-Security-Policy"]
