"""graph/validate.py: findings name focus, path and message; shards give what one call gives."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, SKOS

from graph.build import rebase
from graph.config import PROJECT_ROOT
from graph.namespaces import SDGO, vocab
from graph.validate import (
    Finding,
    load_shapes,
    shape_reference,
    validate,
)

SHAPES_DIR = PROJECT_ROOT / "shapes"
EXAMPLES = SHAPES_DIR / "examples"
SHAPES = load_shapes(SHAPES_DIR)
ID = "https://w3id.org/devkg/id/"
DEV = vocab()
SHAPES_NS = "https://w3id.org/devkg/shapes#"
XSD_DATE, XSD_DECIMAL, XSD_ANYURI = (URIRef(f"http://www.w3.org/2001/XMLSchema#{t}")
                                     for t in ("date", "decimal", "anyURI"))


def example(name: str) -> Graph:
    return Graph().parse(EXAMPLES / f"{name}.ttl")


def projects_graph(n: int, *, bad_dates: int | None = None, short_shares: int | None = None) -> Graph:
    """`n` valid projects sharing one funder and one source; optionally one with a problem."""
    g = Graph()
    status, org, src = URIRef(ID + "codelist/ActivityStatus/2"), URIRef(ID + "org/XM-ORG"), URIRef(ID + "source/x")
    g.add((status, SKOS.inScheme, URIRef(ID + "codelist/ActivityStatus")))
    g.add((org, RDF.type, DEV.Organisation))
    g.add((org, DEV.name, Literal("Example funder")))
    g.add((src, RDF.type, DEV.SourceDocument))
    g.add((src, DEV.sourceKind, Literal("curated")))
    g.add((src, DEV.url, Literal("https://example.org/x", datatype=XSD_ANYURI)))
    for i in range(n):
        p = URIRef(f"{ID}project/XM-{i}")
        for pred, obj in ((RDF.type, DEV.Project), (DEV.identifier, Literal(f"XM-{i}")), (DEV.title, Literal(f"P{i}")),
                          (DEV.status, status), (DEV.fundedBy, org),
                          (URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), src)):
            g.add((p, pred, obj))
        end = "2019-01-01" if i == bad_dates else "2022-01-01"
        g.add((p, DEV.startDate, Literal("2020-01-01", datatype=XSD_DATE)))
        g.add((p, DEV.endDate, Literal(end, datatype=XSD_DATE)))
        for code, pct in (("PE", "60.0"), ("BO", "30.0" if i == short_shares else "40.0")):
            share = URIRef(f"{p}/recipient-country/{code}")
            g.add((p, DEV.geographicShare, share))
            g.add((share, RDF.type, DEV.GeographicShare))
            g.add((share, DEV.place, URIRef(f"{ID}place/{code}")))
            g.add((share, DEV.percentage, Literal(pct, datatype=XSD_DECIMAL)))
    return g


def test_valid_example_conforms_with_an_empty_report():
    report = validate(example("ProjectShape-valid"), SHAPES)
    assert report.conforms and report.results == []
    assert str(report) == "conforms"
    assert (None, SH.conforms, Literal(True)) in report.graph


def test_invalid_example_gives_a_finding_with_focus_path_message_and_shape():
    report = validate(example("ProjectShape-invalid-01"), SHAPES)
    assert not report.conforms
    [f] = report.results
    assert f.severity == "Violation"
    assert f.focus == ID + "project/XM-1"
    assert f.path == str(DEV.startDate)
    assert f.value == "2022-01-01"
    assert "on or before the end date" in f.message
    assert f.shape == SHAPES_NS + "ProjectShape"
    assert len(list(report.graph.subjects(RDF.type, SH.ValidationResult))) == 1


def test_str_prints_one_finding_per_line_as_focus_path_message():
    g = example("ProjectShape-valid")
    project = URIRef(ID + "project/XM-1")
    g.remove((project, DEV.identifier, None))
    g.add((project, DEV.status, URIRef(ID + "codelist/ActivityStatus/9")))
    lines = str(validate(g, SHAPES)).splitlines()
    assert lines == [
        f"<{ID}codelist/ActivityStatus/9> skos:inScheme: "
        "A project status is a concept of the IATI ActivityStatus codelist.",
        f"<{project}> dev:identifier: A project has exactly one identifier, an xsd:string "
        "(its IATI activity identifier or a devkg one).",
        f"<{project}> dev:status: A project has at most one status (an ActivityStatus concept).",
    ]


def test_node_level_finding_has_no_path():
    [f] = validate(example("ProjectShape-invalid-05"), SHAPES).results
    assert f.path is None and str(f) == f"<{ID}project/XM-1>: {f.message}"


def test_warnings_are_reported_but_data_still_conforms():
    report = validate(example("MonetaryAmountShape-invalid-02"), SHAPES)
    assert report.conforms and report.violations == []
    [f] = report.warnings
    assert f.severity == "Warning" and str(f).startswith(f"<{ID}amount/1> dev:value: warning: ")


def test_whole_graph_check_names_the_project_as_focus():
    [f] = validate(example("GeographicPercentagesShape-invalid-01"), SHAPES).results
    assert f.focus == ID + "project/XM-1" and "sum to 90" in f.message
    assert f.shape == SHAPES_NS + "GeographicPercentagesShape"


def test_same_problem_found_by_several_constraints_is_listed_once():
    report = validate(example("GeographicShareShape-invalid-02"), SHAPES)  # datatype, min and max all fail
    assert len(report.results) == 1
    assert len(list(report.graph.subjects(RDF.type, SH.ValidationResult))) == 3


@pytest.mark.parametrize("iri, short", [
    ("https://w3id.org/devkg/def#title", "dev:title"),
    ("https://example.org/kg/def#title", "dev:title"),
    ("http://www.w3.org/ns/prov#wasDerivedFrom", "prov:wasDerivedFrom"),
    ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "rdf:type"),
    ("https://example.org/other", "<https://example.org/other>"),
])
def test_paths_print_with_prefixes(iri, short):
    assert str(Finding("Violation", "urn:x", iri, None, "m", None)) == f"<urn:x> {short}: m"


def test_shapes_work_under_another_base():
    base = "https://example.org/kg/"
    shapes = rebase(SHAPES, base)
    assert validate(rebase(example("ProjectShape-valid-02"), base), shapes).conforms
    [f] = validate(rebase(example("ProjectShape-invalid-11"), base), shapes).results
    assert f.focus == base + "id/project/XM-1" and "funder or an implementer" in f.message


def test_load_shapes_names_the_file_that_does_not_parse(tmp_path):
    (tmp_path / "broken.ttl").write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\nsh:x sh:y\n")
    with pytest.raises(ValueError, match="broken.ttl"):
        load_shapes(tmp_path)


def test_shape_reference_keeps_scheme_membership_and_sdg_classes_only():
    ref = Graph()
    concept, goal = URIRef(ID + "codelist/Currency/USD"), URIRef("http://metadata.un.org/sdg/16")
    ref.add((concept, SKOS.inScheme, URIRef(ID + "codelist/Currency")))
    ref.add((concept, SKOS.prefLabel, Literal("US Dollar")))
    ref.add((concept, RDF.type, SKOS.Concept))
    ref.add((goal, RDF.type, SDGO.Goal))
    assert set(shape_reference(ref)) == {(concept, SKOS.inScheme, URIRef(ID + "codelist/Currency")),
                                          (goal, RDF.type, SDGO.Goal)}


def test_seed_projects_conform_without_warnings(tmp_path):
    from seedlib import seed_data_dir

    from graph.build import in_memory_graph
    from graph.config import Settings

    whole = in_memory_graph(Settings.from_env({}, data=seed_data_dir(tmp_path)))
    iris = whole.iris
    data = shape_reference(whole.reference[iris.graph("codelists")], whole.reference[iris.graph("sdg")])
    for g in whole.asserted.values():
        data += g
    report = validate(data, SHAPES)
    assert len(whole.projects) == 5
    assert report.conforms and report.results == [], str(report)


def test_whole_graph_checks_name_the_project_under_another_base():
    """Under a non-default `DEVKG_BASE`, data and shapes are rebased; the whole-graph check (percentages
    summing to 100) still names the project, in pyshacl and in the compiled SPARQL checks alike."""
    from graph.build import rebase

    base = "https://example.org/kg/"
    data = rebase(projects_graph(4, short_shares=2), base)
    shapes = rebase(SHAPES, base)
    for report in (validate(data, shapes), _compiled(data, shapes)):
        [finding] = report.results
        assert finding.focus == base + "id/project/XM-2"
        assert finding.shape == SHAPES_NS + "GeographicPercentagesShape"


def _compiled(data: Graph, shapes: Graph):
    import pyoxigraph as ox

    from graph.shacl_sparql import check

    store = ox.Store()
    store.bulk_load(data.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES,
                    to_graph=ox.NamedNode("urn:x"))
    return check(store, shapes)
