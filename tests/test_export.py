"""Dumps, SHA256SUMS and the VoID/DCAT description, on a small fixture store and on the seed build."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib import namespace as ns
from rdflib.compare import isomorphic

from graph.config import Settings
from graph.describe import describe
from graph.export import DESCRIPTION, SUMS, ExportError, export, graph_file_name, read_sums
from graph.store import EmbeddedStore

FIXTURE = Path(__file__).parent / "fixtures" / "export" / "small.trig"
BASE = "https://w3id.org/devkg/"
DS = URIRef(f"{BASE}id/dataset")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DCTERMS, RDF, VOID = ns.DCTERMS, ns.RDF, ns.VOID  # DCAT, XSD via ns.: pytest trips on them
SD_NAME = URIRef("http://www.w3.org/ns/sparql-service-description#name")


def _store_from(trig: Path, path: Path) -> EmbeddedStore:
    """An on-disk store like a build's: loaded, closed, reopened read-only."""
    store = EmbeddedStore(path)
    store.load(trig.read_bytes(), ox.RdfFormat.TRIG)
    store.close()
    return EmbeddedStore(path, read_only=True)


def _graph(store: EmbeddedStore | ox.Store, name: str) -> Graph:
    """One named graph as an rdflib Graph (blank nodes kept), for isomorphism checks."""
    raw = store.raw if isinstance(store, EmbeddedStore) else store
    data = raw.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name))
    return Graph().parse(data=data, format="nt")


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    return Settings.from_env({}, exports=tmp_path_factory.mktemp("exp") / "dumps")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> EmbeddedStore:
    return _store_from(FIXTURE, tmp_path_factory.mktemp("store") / "small")


@pytest.fixture(scope="module")
def exported(store, settings):
    return export(store, settings.exports, settings), settings.exports


@pytest.fixture(scope="module")
def void(exported) -> Graph:
    return Graph().parse(exported[1] / DESCRIPTION, format="turtle")


def test_fixture_has_several_named_graphs_and_a_blank_node(store):
    assert len(store.named_graphs()) == 6
    assert any(isinstance(q.object, ox.BlankNode) for q in store.quads())


def test_every_file_in_sums_exists_and_matches(exported):
    report, out = exported
    sums = read_sums(out)
    assert set(sums) == {f.name for f in report.files} == {p.name for p in out.iterdir()} - {SUMS}
    for name, digest in sums.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    assert {f.name: f.size for f in report.files} == {n: (out / n).stat().st_size for n in sums}


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="no sha256sum on this machine")
def test_sha256sum_c_accepts_the_sums_file(exported):
    _, out = exported
    done = subprocess.run(["sha256sum", "-c", SUMS], cwd=out, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_nquads_dump_reloads_isomorphic_per_graph(exported, store):
    _, out = exported
    copy = ox.Store()
    copy.load(gzip.decompress((out / "devkg.nq.gz").read_bytes()), ox.RdfFormat.N_QUADS)
    assert len(copy) == store.count() == 43
    assert sorted(g.value for g in copy.named_graphs()) == store.named_graphs()
    for name in store.named_graphs():
        assert isomorphic(_graph(copy, name), _graph(store, name)), name


def test_trig_dump_reloads_to_the_same_quads(exported, store):
    _, out = exported
    copy = ox.Store()
    copy.load(gzip.decompress((out / "devkg.trig.gz").read_bytes()), ox.RdfFormat.TRIG)
    assert len(copy) == store.count()
    for name in store.named_graphs():
        assert isomorphic(_graph(copy, name), _graph(store, name)), name


@pytest.mark.parametrize("graph, file", [
    (f"{BASE}graph/ontology", "graph-ontology.ttl.gz"),
    (f"{BASE}graph/inferred", "graph-inferred.ttl.gz"),
    (f"{BASE}graph/source/curated/peru-governance", "graph-source-curated-peru-governance.ttl.gz"),
    (f"{BASE}graph/source/iati/US GOV 1?x", "graph-source-iati-US-GOV-1-x.ttl.gz"),
    ("http://elsewhere.org/g", "graph-http---elsewhere.org-g.ttl.gz"),
])
def test_graph_file_names_follow_the_graph_iri(graph, file):
    assert graph_file_name(graph, BASE) == file


def test_each_graph_turtle_dump_parses_with_its_triple_count(exported, store):
    _, out = exported
    for name in store.named_graphs():
        data = gzip.decompress((out / graph_file_name(name, BASE)).read_bytes())
        parsed = Graph().parse(data=data, format="turtle")
        assert len(parsed) == store.count(name), name
        assert isomorphic(parsed, _graph(store, name)), name


def test_gzip_headers_carry_no_time_or_name(exported):
    _, out = exported
    for path in out.glob("*.gz"):
        header = path.read_bytes()[:10]
        assert header[4:8] == b"\0\0\0\0", path.name  # MTIME
        assert not header[3] & 0x08, path.name  # FNAME flag


def test_void_triples_and_counts_equal_the_store(void, store):
    assert int(void.value(DS, VOID.triples)) == store.count() == 43
    assert int(void.value(DS, VOID.properties)) == len(list(void.objects(DS, VOID.propertyPartition)))
    assert int(void.value(DS, VOID.classes)) == len(list(void.objects(DS, VOID.classPartition)))
    subjects = {q.subject for q in store.quads()}
    assert int(void.value(DS, VOID.distinctSubjects)) == len(subjects)
    in_space = {s for s in subjects if isinstance(s, ox.NamedNode) and s.value.startswith(f"{BASE}id/")}
    assert int(void.value(DS, VOID.entities)) == len(in_space)


def test_class_partitions_match_sparql_counts(void, store):
    expected = {row["c"].value: int(row["n"].value) for row in store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c")}
    got = {str(void.value(p, VOID["class"])): int(void.value(p, VOID.entities))
           for p in void.objects(DS, VOID.classPartition)}
    assert got == expected
    assert got[f"{BASE}def#Project"] == 2 and got["http://www.w3.org/ns/prov#Entity"] == 2


def test_property_partitions_match_sparql_counts_and_sum_to_the_triples(void, store):
    expected = {}
    for q in store.quads():
        expected[q.predicate.value] = expected.get(q.predicate.value, 0) + 1
    got = {str(void.value(p, VOID.property)): int(void.value(p, VOID.triples))
           for p in void.objects(DS, VOID.propertyPartition)}
    assert got == expected
    assert sum(got.values()) == int(void.value(DS, VOID.triples))


def test_each_named_graph_is_a_subset_with_its_count_name_and_dump(void, store):
    subsets = {str(void.value(s, SD_NAME)): s for s in void.objects(DS, VOID.subset)}
    assert sorted(subsets) == store.named_graphs()
    for name, sub in subsets.items():
        assert int(void.value(sub, VOID.triples)) == store.count(name)
        assert void.value(sub, VOID.dataDump) == URIRef(f"{BASE}dumps/{graph_file_name(name, BASE)}")
    assert void.value(subsets[f"{BASE}graph/ontology"], DCTERMS.license) == \
        URIRef("https://creativecommons.org/licenses/by/4.0/")


def test_vocabularies_are_the_ones_found_in_the_data(void):
    vocabularies = {str(v) for v in void.objects(DS, VOID.vocabulary)}
    assert {f"{BASE}def#", "http://www.w3.org/2004/02/skos/core#", "http://www.w3.org/ns/prov#",
            "http://www.opengis.net/ont/geosparql#", "http://www.w3.org/2002/07/owl#"} <= vocabularies
    assert "http://xmlns.com/foaf/0.1/" not in vocabularies  # not used by the fixture


def test_every_dump_is_a_distribution_with_size_checksum_and_media_type(void, exported):
    report, out = exported
    media = {".nq.gz": "application/n-quads", ".trig.gz": "application/trig", ".ttl.gz": "text/turtle"}
    dumps = [f for f in report.files if f.name != DESCRIPTION]
    assert len(dumps) == 2 + 6
    for f in dumps:
        dist = void.value(predicate=ns.DCAT.downloadURL, object=URIRef(f"{BASE}dumps/{f.name}"))
        assert dist is not None, f.name
        assert (dist, RDF.type, ns.DCAT.Distribution) in void
        assert int(void.value(dist, ns.DCAT.byteSize)) == (out / f.name).stat().st_size
        checksum = void.value(dist, SPDX.checksum)
        assert void.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(void.value(checksum, SPDX.checksumValue)) == read_sums(out)[f.name]
        ext = next(e for e in media if f.name.endswith(e))
        assert void.value(dist, ns.DCAT.mediaType) == URIRef(f"https://www.iana.org/assignments/media-types/{media[ext]}")
        assert void.value(dist, ns.DCAT.compressFormat) == \
            URIRef("https://www.iana.org/assignments/media-types/application/gzip")
    whole = {str(d) for d in void.objects(DS, VOID.dataDump)}
    assert whole == {f"{BASE}dumps/devkg.nq.gz", f"{BASE}dumps/devkg.trig.gz"}


def test_catalog_holds_the_dataset_and_the_sparql_service(void):
    catalog, endpoint = URIRef(f"{BASE}id/catalog"), URIRef(f"{BASE}sparql")
    assert (catalog, RDF.type, ns.DCAT.Catalog) in void
    assert (catalog, ns.DCAT.dataset, DS) in void
    assert (catalog, ns.DCAT.service, endpoint) in void
    assert (endpoint, RDF.type, ns.DCAT.DataService) in void
    assert (endpoint, ns.DCAT.servesDataset, DS) in void
    assert void.value(DS, VOID.sparqlEndpoint) == endpoint
    assert str(void.value(DS, VOID.uriSpace)) == f"{BASE}id/"
    for p in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.publisher, DCTERMS.modified):
        assert void.value(DS, p) is not None, p


def test_catalog_lists_the_harvest_feed_as_a_data_service(void):
    view, stream = URIRef(f"{BASE}ldes#view"), URIRef(f"{BASE}ldes")
    assert (URIRef(f"{BASE}id/catalog"), ns.DCAT.service, view) in void
    assert (view, RDF.type, ns.DCAT.DataService) in void
    assert void.value(view, ns.DCAT.endpointURL) == stream
    assert (view, ns.DCAT.servesDataset, DS) in void
    assert void.value(view, DCTERMS.conformsTo) == URIRef("https://w3id.org/ldes/specification")
    assert (view, RDF.type, URIRef("https://w3id.org/ldes#EventSource")) in void
    assert (URIRef(f"{BASE}id/catalog"), ns.DCAT.dataset, stream) in void
    assert (stream, RDF.type, URIRef("https://w3id.org/ldes#EventStream")) in void
    assert void.value(stream, DCTERMS.type) == URIRef("https://w3id.org/ldes#EventStream")


def test_void_ttl_has_no_blank_nodes(exported):
    text = (exported[1] / DESCRIPTION).read_text()
    assert "_:" not in text and "[" not in text


def test_exporting_twice_gives_byte_identical_files(exported, store, settings, tmp_path):
    _, out = exported
    again = export(store, tmp_path / "again", settings)
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    second = {p.name: p.read_bytes() for p in again.directory.iterdir()}
    assert first == second


def test_another_process_exports_the_same_bytes(exported, store, tmp_path):
    """Nothing in the bytes may depend on the process (hash seeds, blank-node labels, clocks)."""
    _, out = exported
    code = ("import sys; from pathlib import Path; from graph.config import Settings; "
            "from graph.export import export; from graph.store import EmbeddedStore; "
            "export(EmbeddedStore(Path(sys.argv[1]), read_only=True), Path(sys.argv[2]), Settings.from_env({}))")
    subprocess.run([sys.executable, "-c", code, str(store.path), str(tmp_path / "other")], check=True)
    assert {p.name: p.read_bytes() for p in (tmp_path / "other").iterdir()} == \
        {p.name: p.read_bytes() for p in out.iterdir()}


def test_default_graph_triples_go_into_the_whole_dataset_dumps(settings, tmp_path):
    trig = tmp_path / "default.trig"
    trig.write_text(f"<{BASE}id/x> <{BASE}def#p> 1 .\n<{BASE}graph/g> {{ <{BASE}id/y> <{BASE}def#p> 2 }}\n")
    report = export(_store_from(trig, tmp_path / "st"), tmp_path / "dumps", settings)
    copy = ox.Store()
    copy.load(gzip.decompress((tmp_path / "dumps" / "devkg.nq.gz").read_bytes()), ox.RdfFormat.N_QUADS)
    assert len(copy) == report.triples == 2
    assert sorted(f.name for f in report.files if f.graph) == ["graph-g.ttl.gz"]
    void = Graph().parse(tmp_path / "dumps" / DESCRIPTION)
    assert int(void.value(DS, VOID.triples)) == 2


def test_modified_is_when_the_store_last_changed_unless_given(store, settings):
    when = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    given = describe(store, settings, [], modified=when)
    stamp = given.value(DS, DCTERMS.modified)
    assert (str(stamp), stamp.datatype) == ("2024-05-01T12:00:00Z", ns.XSD.dateTime)
    live = describe(store, settings, [])
    stamp = max(p.stat().st_mtime for p in store.path.iterdir() if p.name.startswith("MANIFEST-"))
    assert live.value(DS, DCTERMS.modified).toPython().timestamp() >= int(stamp)


def test_export_replaces_an_older_export_completely(store, settings, tmp_path):
    out = tmp_path / "dumps"
    out.mkdir()  # an export made by an older devkg: a plain directory with a SHA256SUMS
    (out / SUMS).write_text("0" * 64 + "  stale.nq.gz\n")
    (out / "stale.nq.gz").write_bytes(b"old")
    export(store, out, settings)
    first_target = out.resolve()
    export(store, out, settings)
    assert out.is_symlink()
    assert "stale.nq.gz" not in {p.name for p in out.iterdir()}
    assert set(read_sums(out)) | {SUMS} == {p.name for p in out.iterdir()}
    assert not first_target.exists()  # the previous export is gone, not left beside it
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [out.resolve().name]


def test_export_refuses_a_directory_that_is_not_an_export(store, settings, tmp_path):
    out = tmp_path / "home"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="no devkg export"):
        export(store, out, settings)
    assert (out / "notes.txt").read_text() == "mine"


def test_failed_export_leaves_the_previous_one_serving(settings, tmp_path):
    good = _store_from(FIXTURE, tmp_path / "good")
    out = tmp_path / "dumps"
    export(good, out, settings)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    clash = tmp_path / "clash.trig"  # two graph IRIs that give the same file name
    clash.write_text(f"<{BASE}graph/a/b> {{ <{BASE}id/x> <{BASE}def#p> 1 }}\n"
                     f"<{BASE}graph/a-b> {{ <{BASE}id/y> <{BASE}def#p> 2 }}\n")
    with pytest.raises(ExportError, match="graph-a-b.ttl.gz"):
        export(_store_from(clash, tmp_path / "bad"), out, settings)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]


@pytest.mark.parametrize("line, expected", [
    ("a" * 64 + "  devkg.nq.gz", {"devkg.nq.gz": "a" * 64}),
    ("A" * 64 + " *devkg.nq.gz", {"devkg.nq.gz": "a" * 64}),  # sha256sum's binary mark
    ("a" * 63 + "  short.gz", {}),
    ("z" * 64 + "  nothex.gz", {}),
    ("a" * 64 + "  ../etc/passwd", {}),
    ("a" * 64 + " one-space.gz", {}),
    ("", {}),
])
def test_read_sums_keeps_only_well_formed_file_lines(tmp_path, line, expected):
    (tmp_path / SUMS).write_text(line + "\n")
    assert read_sums(tmp_path) == expected


def test_read_sums_of_a_missing_export_is_empty(tmp_path):
    assert read_sums(tmp_path / "nothing") == {}


def test_seed_export_names_a_file_per_real_graph(seed_store, seed_settings, tmp_path):
    report = export(seed_store, tmp_path / "dumps", seed_settings)
    names = {f.name for f in report.files}
    assert {"devkg.nq.gz", "devkg.trig.gz", "void.ttl", "graph-ontology.ttl.gz", "graph-inferred.ttl.gz",
            "graph-codelists.ttl.gz", "graph-source-curated-ca-3-a034224001.ttl.gz"} <= names
    void = Graph().parse(tmp_path / "dumps" / DESCRIPTION)
    projects = URIRef(f"{seed_settings.base}id/dataset/class/dev-Project")
    assert int(void.value(projects, VOID.entities)) == 5
    assert int(void.value(DS, VOID.triples)) == report.triples == seed_store.count()


def test_void_counts_spilled_to_disk_are_the_counts_held_in_memory(store, tmp_path, monkeypatch):
    """`DatasetStats` with a spill directory moves its hashes to bucket files whenever it holds
    SPILL_AT of them; settled, it must count exactly what sets held in memory count."""
    import graph.dumpinfo
    from graph.dumpinfo import DatasetStats

    lines = {g: store.raw.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(g)).splitlines(keepends=True)
             for g in store.named_graphs()}
    held, spilled = DatasetStats(BASE), DatasetStats(BASE, spill=tmp_path / "spill")
    monkeypatch.setattr(graph.dumpinfo, "SPILL_AT", 7)
    for g, part in lines.items():
        held.add(g, part)
        other = DatasetStats(BASE)  # as a build worker counts one graph, merged in
        other.add(g, part)
        spilled.merge(other)
        spilled.add(g, part[:3])  # counted again: distinct counts must not move
    assert spilled.spilled and (tmp_path / "spill").is_dir()
    assert (spilled.distinct_subjects, spilled.distinct_objects, spilled.entities, spilled.class_counts()) == \
        (held.distinct_subjects, held.distinct_objects, held.entities, held.class_counts())
    assert held.distinct_subjects > 7 and len(held.class_counts()) > 1
    assert not (tmp_path / "spill").exists()
    with pytest.raises(ValueError):
        spilled.add(next(iter(lines)), [])


def test_a_graphs_pieces_are_taken_in_order_from_the_first(tmp_path):
    """A source taken apart is dumped piece by piece; its Turtle file is piece 0's with the others appended,
    so a piece that comes before piece 0, or twice, is refused rather than published under a part's name."""
    from graph.dumpinfo import DatasetStats, DumpFile
    from graph.export import GraphPart, Prepared

    def part(piece: int) -> GraphPart:
        name = "graph-x.ttl.gz" if piece == 0 else f".graph-x.{piece}.ttl.part"
        (tmp_path / name).write_bytes(gzip.compress(f"<urn:s{piece}> <urn:p> <urn:o> .\n".encode(), mtime=0))
        size = (tmp_path / name).stat().st_size
        return GraphPart("urn:x", DumpFile(name, size, "", "urn:x"), tmp_path / f".x.{piece}.nq.part",
                         tmp_path / f".x.{piece}.trig.part", DatasetStats(BASE), piece)

    with pytest.raises(ExportError):
        Prepared(BASE, tmp_path).add(part(1))
    prepared = Prepared(BASE, tmp_path)
    prepared.add(part(0))
    prepared.add(part(1))
    with pytest.raises(ExportError):
        prepared.add(part(1))
    whole = (tmp_path / "graph-x.ttl.gz").read_bytes()
    assert gzip.decompress(whole) == b"<urn:s0> <urn:p> <urn:o> .\n<urn:s1> <urn:p> <urn:o> .\n"
    assert prepared.parts["urn:x"][0].turtle == DumpFile("graph-x.ttl.gz", len(whole),
                                                         hashlib.sha256(whole).hexdigest(), "urn:x")
