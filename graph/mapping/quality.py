"""The build's data-quality report as RDF, for the `graph/validation` named graph.

SHACL findings and the build's warnings (a budget period outside the project's
dates, percentages that do not add up, withdrawn codes, ...) are both written in
the SHACL report vocabulary, so one query reads them all: each is a
`sh:ValidationResult` with `sh:resultSeverity`, `sh:resultMessage` and
`sh:focusNode`, and `dev:aboutProject` names the project it concerns, so results
can be grouped per project and, through `dev:reportedBy`, per publisher.
Build warnings also carry `dev:sourceLocation` ("file:line"). Nodes have IRIs
(`{base}id/quality/...`, a hash of what they say), so a rebuild of the same data
gives the same graph.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SH

from graph.mapping.iris import Iris
from graph.namespaces import vocab
from graph.records import Problem

SEVERITY = {"Violation": SH.Violation, "Warning": SH.Warning, "Info": SH.Info,
            "error": SH.Violation, "warning": SH.Warning}


def quality_graph(findings: Iterable, warnings: Iterable[Problem], projects: Iterable[str], iris: Iris) -> Graph:
    """The report: SHACL `findings` (graph.validate.Finding) and build `warnings`, linked to their projects."""
    dev = vocab(iris.base)
    g = Graph()
    report = URIRef(f"{iris.id}quality/report")
    g.add((report, RDF.type, SH.ValidationReport))
    project_iris = {str(iris.project(p)) for p in projects}
    conforms = True
    for f in findings:
        node = _node(iris, "shacl", f.focus, f.path or "", f.message)
        _result(g, report, node, f.severity, f.message)
        g.add((node, SH.focusNode, URIRef(f.focus)))
        if f.path:
            g.add((node, SH.resultPath, URIRef(f.path)))
        if f.shape:
            g.add((node, SH.sourceShape, URIRef(f.shape)))
        if f.value:
            g.add((node, SH.value, Literal(f.value)))
        project = iris.project_of(f.focus)
        if project in project_iris:
            g.add((node, dev.aboutProject, URIRef(project)))
        conforms = conforms and f.severity != "Violation"
    for w in warnings:
        node = _node(iris, "build", str(w.where), w.message)
        _result(g, report, node, w.severity, w.message)
        g.add((node, dev.sourceLocation, Literal(str(w.where))))
        if w.project:
            project = iris.project(w.project)
            g.add((node, SH.focusNode, project))
            g.add((node, dev.aboutProject, project))
        conforms = conforms and w.severity != "error"
    g.add((report, SH.conforms, Literal(conforms)))
    return g


def _node(iris: Iris, kind: str, *parts: str) -> URIRef:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]
    return URIRef(f"{iris.id}quality/{kind}/{digest}")


def _result(g: Graph, report: URIRef, node: URIRef, severity: str, message: str) -> None:
    g.add((report, SH.result, node))
    g.add((node, RDF.type, SH.ValidationResult))
    g.add((node, SH.resultSeverity, SEVERITY.get(severity, SH.Warning)))
    g.add((node, SH.resultMessage, Literal(message)))
