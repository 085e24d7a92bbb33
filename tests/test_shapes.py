"""SHACL shapes: each targeted shape has valid and invalid examples, and they behave as named.

Node shapes without a target (the codelist-concept shapes) are used through
`sh:node` and are exercised by the examples of the shapes that use them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from graph.config import PROJECT_ROOT
from graph.validate import load_shapes, validate

SHAPES_DIR = PROJECT_ROOT / "shapes"
EXAMPLES = SHAPES_DIR / "examples"
NS = "https://w3id.org/devkg/shapes#"
SHAPES = load_shapes(SHAPES_DIR)
TARGETED = sorted(str(s).removeprefix(NS) for s in SHAPES.subjects(RDF.type, SH.NodeShape)
                  if isinstance(s, URIRef) and any((s, p, None) in SHAPES for p in (SH.targetClass, SH.targetNode)))
VALID = sorted(EXAMPLES.glob("*-valid.ttl"))
INVALID = sorted(EXAMPLES.glob("*-invalid-*.ttl"))


def shape_of(path: Path) -> str:
    return path.name.split("-")[0]


def parts_of(shape: URIRef) -> set:
    """The shape and every property shape or SPARQL constraint hanging off it."""
    parts = {shape}
    for p in (SH.property, SH.sparql):
        parts |= set(SHAPES.objects(shape, p))
    return parts


def test_every_targeted_shape_has_valid_and_invalid_examples():
    assert TARGETED, "no shapes found"
    for name in TARGETED:
        assert (EXAMPLES / f"{name}-valid.ttl").exists(), f"{name} has no valid example"
        assert list(EXAMPLES.glob(f"{name}-invalid-*.ttl")), f"{name} has no invalid example"


def test_every_example_names_a_real_shape():
    for path in VALID + INVALID:
        assert shape_of(path) in TARGETED, f"{path.name} names no targeted shape"


def test_every_constraint_has_a_message():
    for prop in SHAPES.objects(None, SH.property):
        assert SHAPES.value(prop, SH.message) is not None, f"property shape {SHAPES.value(prop, SH.path)} has no message"
    for constraint in SHAPES.objects(None, SH.sparql):
        assert SHAPES.value(constraint, SH.message) is not None


@pytest.mark.parametrize("path", VALID, ids=[p.name for p in VALID])
def test_valid_example_conforms(path):
    report = validate(Graph().parse(path), SHAPES)
    assert report.results == [], str(report)


@pytest.mark.parametrize("path", INVALID, ids=[p.name for p in INVALID])
def test_invalid_example_fails_on_its_shape(path):
    report = validate(Graph().parse(path), SHAPES)
    shape = URIRef(NS + shape_of(path))
    expected = {str(s) for s in parts_of(shape)}
    hits = [f for f in report.results if f.shape in expected]
    assert hits, f"{path.name} did not fail on {shape_of(path)}: {report}"
    assert all(f.message for f in hits)
