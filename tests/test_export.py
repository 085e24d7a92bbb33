"""Dumps and the VoID/DCAT description of the seed store."""

from __future__ import annotations

import gzip
import hashlib

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import VOID

from graph.export import SUMS, export, graph_file_name, read_sums


@pytest.fixture(scope="module")
def exported(seed_store, seed_settings, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "dumps"
    return export(seed_store, out, seed_settings), out


def test_sums_match_every_file(exported):
    report, out = exported
    sums = read_sums(out)
    assert set(sums) == {f.name for f in report.files}
    for name, digest in sums.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    assert (out / SUMS).read_text().splitlines()[0].count("  ") == 1  # sha256sum -c format


def test_nquads_dump_reloads_to_the_same_dataset(exported, seed_store):
    _, out = exported
    copy = ox.Store()
    copy.load(gzip.decompress((out / "devkg.nq.gz").read_bytes()), ox.RdfFormat.N_QUADS)
    assert len(copy) == seed_store.count()
    assert sorted(g.value for g in copy.named_graphs()) == seed_store.named_graphs()


def test_each_graph_has_a_turtle_dump_with_its_triples(exported, seed_store, seed_settings):
    _, out = exported
    for graph in seed_store.named_graphs():
        g = Graph().parse(data=gzip.decompress((out / graph_file_name(graph, seed_settings.base)).read_bytes()),
                          format="turtle")
        assert len(g) == seed_store.count(graph), graph


def test_description_counts_come_from_the_data(exported, seed_store, seed_settings):
    _, out = exported
    void = Graph().parse(out / "void.ttl")
    ds = URIRef(f"{seed_settings.base}id/dataset")
    assert int(void.value(ds, VOID.triples)) == seed_store.count()
    projects = next(p for p in void.objects(ds, VOID.classPartition)
                    if void.value(p, VOID["class"]) == URIRef(f"{seed_settings.base}def#Project"))
    assert int(void.value(projects, VOID.entities)) == 5
    assert len(list(void.objects(ds, VOID.dataDump))) >= 3


def test_export_is_byte_identical_when_data_is_unchanged(exported, seed_store, seed_settings):
    report, out = exported
    again = export(seed_store, out.parent / "again", seed_settings)
    first = {f.name: f.sha256 for f in report.files if f.name.endswith(".gz")}
    second = {f.name: f.sha256 for f in again.files if f.name.endswith(".gz")}
    assert first == second


def test_export_replaces_an_older_export_completely(seed_store, seed_settings, tmp_path):
    out = tmp_path / "dumps"
    out.mkdir()
    (out / "stale.nq.gz").write_bytes(b"old")
    export(seed_store, out, seed_settings)
    assert not (out / "stale.nq.gz").exists()
    assert (out / "devkg.nq.gz").exists()
