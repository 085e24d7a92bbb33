"""SHACL validation with pyshacl, reported as findings that name focus node, path and message.

Shapes validate the asserted data together with the reference graphs it points
into (codelists, SDG KOS, places), with `inference="none"`: codelist membership
is checked through `skos:inScheme`, not RDFS classes, so no inference is needed
and pyshacl stays fast. SHACL-SPARQL constraints (percentages summing to 100)
need `advanced=True`. For large builds `validate_shards()` validates projects in
groups, so 100k projects are never one pyshacl call (DESIGN §8: 6 GB at 100k).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pyshacl import validate as pyshacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH


WHOLE_GRAPH = "https://w3id.org/devkg/shapes#data"  # the target node of whole-graph SPARQL checks


@dataclass
class Finding:
    severity: str  # "Violation", "Warning" or "Info"
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str | None

    def __str__(self) -> str:
        where = f"<{self.focus}>" + (f" {_short(self.path)}" if self.path else "")
        prefix = "" if self.severity == "Violation" else f"{self.severity.lower()}: "
        return f"{where}: {prefix}{self.message}"


def _short(iri: str) -> str:
    for prefix, ns in (("dev:", "#"), ):
        if ns in iri:
            return prefix + iri.rsplit(ns, 1)[1]
    return f"<{iri}>"


@dataclass
class ValidationReport:
    conforms: bool
    results: list[Finding] = field(default_factory=list)
    graph: Graph = field(default_factory=Graph)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.results if f.severity == "Violation"]

    def __str__(self) -> str:
        return "\n".join(str(f) for f in self.results) or "conforms"


def load_shapes(shapes_dir: Path) -> Graph:
    g = Graph()
    for path in sorted(shapes_dir.glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def validate(data: Graph, shapes: Graph) -> ValidationReport:
    """Validate `data` against `shapes`; conforms is False only for violations, not warnings."""
    _, report_graph, _ = pyshacl_validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                          allow_warnings=True, abort_on_first=False)
    findings = []
    for result in report_graph.subjects(RDF.type, SH.ValidationResult):
        value = lambda p: report_graph.value(result, p)
        severity = str(value(SH.resultSeverity) or SH.Violation).rsplit("#", 1)[1]
        path = value(SH.resultPath)
        focus = value(SH.focusNode)
        if str(focus) == WHOLE_GRAPH and isinstance(value(SH.value), URIRef):
            focus = value(SH.value)  # whole-graph checks name the offending node as their value
        findings.append(Finding(
            severity=severity, focus=str(focus),
            path=str(path) if isinstance(path, URIRef) else None,
            value=str(value(SH.value)) if value(SH.value) is not None else None,
            message=str(value(SH.resultMessage) or "constraint not met"),
            shape=str(value(SH.sourceShape)) if value(SH.sourceShape) is not None else None))
    findings.sort(key=lambda f: (f.severity != "Violation", f.focus, f.path or "", f.message))
    return ValidationReport(not any(f.severity == "Violation" for f in findings), findings, report_graph)


def validate_shards(projects: Iterable[Graph], reference: Graph, shapes: Graph) -> ValidationReport:
    """Validate each project subgraph with the reference data; merge the findings."""
    merged = ValidationReport(True)
    for g in projects:
        report = validate(g + reference, shapes)
        merged.results += report.results
        merged.graph += report.graph
        merged.conforms = merged.conforms and report.conforms
    return merged
