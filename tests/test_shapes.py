"""SHACL shapes: every shape has valid and invalid examples, and each behaves as its name says.

Examples live in `shapes/examples/<Shape>-valid.ttl` and `<Shape>-invalid-NN.ttl`;
each is a self-contained data graph (with the codelist triples it needs). A valid
example gives no finding at all; an invalid one fails on the shape its name
gives, and on no other shape, so an example cannot pass by failing elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH

from graph.config import PROJECT_ROOT
from graph.validate import load_shapes, validate

SHAPES_DIR = PROJECT_ROOT / "shapes"
EXAMPLES = SHAPES_DIR / "examples"
NS = "https://w3id.org/devkg/shapes#"
SHAPES = load_shapes(SHAPES_DIR)
NAMED = sorted(str(s).removeprefix(NS) for s in SHAPES.subjects(RDF.type, SH.NodeShape)
               if isinstance(s, URIRef) and str(s).startswith(NS))
VALID = sorted(EXAMPLES.glob("*-valid*.ttl"))
INVALID = sorted(EXAMPLES.glob("*-invalid-*.ttl"))
# Constraint components that sit on a node shape itself (not on a property shape).
NODE_LEVEL = (SH["or"], SH["and"], SH["not"], SH.xone, SH["class"], SH["in"], SH.pattern, SH.nodeKind,
              SH.datatype, SH.hasValue, SH.node)


def shape_of(path: Path) -> str:
    return path.name.split("-")[0]


def test_shapes_are_found():
    assert len(NAMED) >= 20, NAMED


@pytest.mark.parametrize("name", NAMED)
def test_shape_has_label_valid_and_invalid_examples(name):
    assert SHAPES.value(URIRef(NS + name), RDFS.label) is not None, f"{name} has no rdfs:label"
    assert (EXAMPLES / f"{name}-valid.ttl").exists(), f"{name} has no valid example"
    assert list(EXAMPLES.glob(f"{name}-invalid-*.ttl")), f"{name} has no invalid example"


def test_every_example_names_a_real_shape():
    for path in VALID + INVALID:
        assert shape_of(path) in NAMED, f"{path.name} names no shape"


def test_every_property_shape_has_a_message():
    for shape, prop in SHAPES.subject_objects(SH.property):
        assert SHAPES.value(prop, SH.message) is not None, \
            f"{shape}: property shape on {SHAPES.value(prop, SH.path)} has no sh:message"


def test_every_node_level_and_sparql_constraint_has_a_message():
    for name in NAMED:
        shape = URIRef(NS + name)
        if any((shape, p, None) in SHAPES for p in NODE_LEVEL):
            assert SHAPES.value(shape, SH.message) is not None, f"{name} has a node-level constraint without sh:message"
        for constraint in SHAPES.objects(shape, SH.sparql):
            assert SHAPES.value(constraint, SH.message) is not None, (
                f"{name} has a SPARQL constraint without sh:message")


@pytest.mark.parametrize("path", INVALID, ids=[p.name for p in INVALID])
def test_invalid_example_says_what_is_wrong_on_its_first_line(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ") and len(first) > 8, f"{path.name}: first line should say what is wrong"


@pytest.mark.parametrize("path", VALID, ids=[p.name for p in VALID])
def test_valid_example_conforms(path):
    report = validate(Graph().parse(path), SHAPES)
    assert report.conforms and report.results == [], str(report)


@pytest.mark.parametrize("path", INVALID, ids=[p.name for p in INVALID])
def test_invalid_example_fails_on_its_shape_only(path):
    report = validate(Graph().parse(path), SHAPES)
    expected = NS + shape_of(path)  # findings name a property shape's node shape (graph/validate.py)
    hits = [f for f in report.results if f.shape == expected]
    assert hits, f"{path.name} did not fail on {shape_of(path)}:\n{report}"
    assert all(f.message for f in hits)
    others = [f for f in report.results if f.shape != expected]
    assert not others, f"{path.name} also fails elsewhere:\n" + "\n".join(map(str, others))
