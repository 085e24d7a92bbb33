"""SHACL validation with pyshacl, reported as findings that name focus node, path and message.

Shapes validate the asserted data together with the reference graphs it points
into (codelists, SDG KOS, places), with `inference="none"`: codelist membership
is checked through `skos:inScheme`, not RDFS classes, so no inference is needed
and pyshacl stays fast. SHACL-SPARQL constraints (percentages summing to 100)
need `advanced=True`. pyshacl is the reference: at scale the build checks the same shapes compiled to
SPARQL (graph/shacl_sparql.py), and tests compare the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH, SKOS

from graph.namespaces import SDGO, prefixes

SHAPES_NS = "https://w3id.org/devkg/shapes#"
WHOLE_GRAPH = SHAPES_NS + "data"  # the target node of whole-graph SPARQL checks
SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class Finding:
    """One SHACL result, in terms a data maintainer can act on."""

    severity: str  # "Violation", "Warning" or "Info"
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str | None  # the named shape whose constraint failed (for a property shape, its node shape)

    def __str__(self) -> str:
        where = f"<{self.focus}>" + (f" {_short(self.path)}" if self.path else "")
        prefix = "" if self.severity == "Violation" else f"{self.severity.lower()}: "
        return f"{where}: {prefix}{self.message}"


def _short(iri: str) -> str:
    """`dev:title`, `skos:inScheme`, `prov:wasDerivedFrom`; the vocabulary namespace whatever the base."""
    if "/def#" in iri:
        return "dev:" + iri.rsplit("#", 1)[1]
    for prefix, ns in prefixes().items():
        if prefix not in ("dev", "devid") and iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


@dataclass
class ValidationReport:
    """`conforms` is False only for violations: warnings are reported, and a build goes on."""

    conforms: bool
    results: list[Finding] = field(default_factory=list)
    graph: Graph = field(default_factory=Graph)  # the SHACL report, for the graph/validation named graph

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.results if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.results if f.severity != "Violation"]

    def __str__(self) -> str:
        return "\n".join(str(f) for f in self.results) or "conforms"


def load_shapes(shapes_dir: Path) -> Graph:
    """Every `*.ttl` in `shapes_dir` (one file per entity) as one shapes graph."""
    g = Graph()
    for path in sorted(shapes_dir.glob("*.ttl")):
        try:
            g.parse(path, format="turtle")
        except Exception as e:  # rdflib raises several parser error types; name the file
            raise ValueError(f"{path}: cannot parse shapes: {e}") from e
    return g


def shape_reference(*graphs: Graph) -> Graph:
    """Only what the shapes look up in reference graphs: scheme memberships and SDG classes.

    The whole codelists + SDG + places graphs work too, but are several times
    bigger; pyshacl's time grows with the data graph.
    """
    out = Graph()
    for g in graphs:
        for t in g.triples((None, SKOS.inScheme, None)):
            out.add(t)
        for t in g.triples((None, RDF.type, None)):
            if str(t[2]).startswith(str(SDGO)):
                out.add(t)
    return out


def validate(data: Graph, shapes: Graph) -> ValidationReport:
    """Validate `data` (asserted triples + reference) against `shapes`, with no inference."""
    _, report_graph, _ = pyshacl_validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                          allow_warnings=True, abort_on_first=False)
    findings = sorted({_finding(report_graph, r, shapes) for r in report_graph.subjects(RDF.type, SH.ValidationResult)},
                      key=lambda f: (SEVERITY_ORDER.get(f.severity, 3), f.focus, f.path or "", f.message))
    return ValidationReport(not any(f.severity == "Violation" for f in findings), findings, report_graph)


def _finding(report: Graph, result, shapes: Graph) -> Finding:
    def value(p: URIRef):
        return report.value(result, p)

    shape = value(SH.sourceShape)
    if isinstance(shape, BNode):  # a blank property shape: name the node shape it belongs to
        shape = shapes.value(None, SH.property, shape) or shape
    severity = str(value(SH.resultSeverity) or SH.Violation).rsplit("#", 1)[1]
    path, focus, val = value(SH.resultPath), value(SH.focusNode), value(SH.value)
    if str(focus) == WHOLE_GRAPH and isinstance(val, URIRef):
        focus = val  # whole-graph checks name the offending node as their value
    return Finding(severity=severity, focus=str(focus),
                   path=str(path) if isinstance(path, URIRef) else None,
                   value=str(val) if val is not None else None,
                   message=str(value(SH.resultMessage) or "constraint not met"),
                   shape=str(shape) if shape is not None else None)


