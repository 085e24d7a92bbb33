"""Harvesting as aggregators do: python-requests against a real server, dumps checked with SHA256SUMS.

Flask's test client never decompresses, so it cannot show what a real client saves;
these tests talk HTTP to `devkg serve` on loopback. The second half rebuilds with
other data while the server runs and checks that /.well-known/void and /dumps/
follow the build without a `devkg export`.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys

import pytest
import requests
from live import free_port, stop, wait_for
from rdflib import Graph, URIRef
from rdflib.namespace import VOID

from graph.build import build
from graph.config import PROJECT_ROOT, Settings
from graph.store import open_live

DS = URIRef("https://w3id.org/devkg/id/dataset")


def sums(base: str) -> dict[str, str]:
    text = requests.get(f"{base}/dumps/SHA256SUMS", timeout=30).text
    return {name: digest for digest, name in (line.split("  ", 1) for line in text.splitlines())}


def void_triples(base: str) -> int:
    r = requests.get(f"{base}/.well-known/void", timeout=60)
    r.raise_for_status()
    return int(Graph().parse(data=r.text, format="turtle").value(DS, VOID.triples))


@pytest.mark.parametrize("accept_encoding", ["gzip, deflate", "identity"])
def test_requests_saves_the_bytes_sha256sums_describes(devkg_server, accept_encoding):
    listed = sums(devkg_server)
    assert {"devkg.nq.gz", "devkg.trig.gz", "void.ttl"} <= set(listed)
    for name, digest in listed.items():
        r = requests.get(f"{devkg_server}/dumps/{name}", headers={"Accept-Encoding": accept_encoding}, timeout=60)
        assert r.status_code == 200, name
        assert "Content-Encoding" not in r.headers, name
        assert hashlib.sha256(r.content).hexdigest() == digest, name
        if name.endswith(".gz"):
            assert r.headers["Content-Type"] == "application/gzip"
            assert gzip.decompress(r.content)  # still compressed on arrival: the client did not unpack it


def test_streamed_download_to_a_file_verifies(devkg_server, tmp_path):
    """The way harvest scripts save large files: iter_content into a file, then sha256sum -c."""
    listed = sums(devkg_server)
    for name in ("devkg.nq.gz", "devkg.trig.gz"):
        with requests.get(f"{devkg_server}/dumps/{name}", stream=True, timeout=60) as r, \
                open(tmp_path / name, "wb") as f:
            for chunk in r.iter_content(65536):
                f.write(chunk)
    (tmp_path / "SHA256SUMS").write_text("".join(f"{listed[n]}  {n}\n" for n in ("devkg.nq.gz", "devkg.trig.gz")))
    subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, check=True, capture_output=True)


def test_void_dump_checksums_match_the_files(devkg_server):
    r = requests.get(f"{devkg_server}/.well-known/void", timeout=60)
    g = Graph().parse(data=r.text, format="turtle")
    spdx = "http://spdx.org/rdf/terms#"
    checked = 0
    for dist, url in g.subject_objects(URIRef("http://www.w3.org/ns/dcat#downloadURL")):
        name = str(url).rsplit("/", 1)[1]
        value = g.value(g.value(dist, URIRef(spdx + "checksum")), URIRef(spdx + "checksumValue"))
        body = requests.get(f"{devkg_server}/dumps/{name}", timeout=60).content
        assert hashlib.sha256(body).hexdigest() == str(value), name
        checked += 1
    assert checked >= 3


def _data_dir(tmp, projects: list[str]):
    data = tmp / "data"
    (data / "projects").mkdir(parents=True)
    os.symlink(PROJECT_ROOT / "data" / "reference", data / "reference")
    for name in projects:
        os.symlink(PROJECT_ROOT / "data" / "projects" / name, data / "projects" / name)
    return data


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    """A server on a store built from two seed projects, then rebuilt from all five while it runs."""
    tmp = tmp_path_factory.mktemp("harvest")
    small = _data_dir(tmp / "one", ["ca-3-a034224001.yaml", "usaid-kyrgyz-cami.yaml"])
    full = _data_dir(tmp / "two", sorted(p.name for p in (PROJECT_ROOT / "data" / "projects").glob("*.yaml")))
    settings = Settings.from_env({}, data=small, store=tmp / "var" / "store")
    build(settings, progress=lambda m: None)
    port = free_port()
    code = (f"from graph.config import Settings; from graph.serve import serve; "
            f"serve(Settings.from_env({{}}, store={str(settings.store)!r}, host='127.0.0.1', port={port}))")
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/")
        yield base, settings, settings.with_(data=full)
    finally:
        stop(proc)


def test_a_build_publishes_dumps_and_void_of_the_graph_it_serves(rebuilt):
    base, first, second = rebuilt
    assert first.exports == first.store.parent / "dumps"  # beside the store unless DEVKG_EXPORTS says otherwise
    before = void_triples(base)
    assert before == open_live(first.store).count()
    old = sums(base)

    build(second, progress=lambda m: None)  # no `devkg export` afterwards
    after = void_triples(base)
    assert after == open_live(second.store).count() and after > before
    new = sums(base)
    assert new["devkg.nq.gz"] != old["devkg.nq.gz"]
    body = requests.get(f"{base}/dumps/devkg.nq.gz", timeout=60).content
    assert hashlib.sha256(body).hexdigest() == new["devkg.nq.gz"]
    projects = gzip.decompress(body).count(b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                                           b"<https://w3id.org/devkg/def#Project>")
    assert projects == 5
