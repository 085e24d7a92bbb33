"""The data-quality graph links each SHACL finding to the project its focus node belongs to."""

from __future__ import annotations

from rdflib import URIRef

from graph.mapping.iris import Iris
from graph.mapping.quality import quality_graph
from graph.namespaces import vocab
from graph.validate import Finding


def test_findings_are_about_the_project_their_focus_node_is_under():
    iris = Iris()
    dev = vocab(iris.base)
    a, a1 = str(iris.project("A")), str(iris.project("A-1"))  # one project's IRI extends the other's
    findings = [Finding("Warning", f"{a1}/budget/1", None, None, "under A-1", None),
                Finding("Warning", a, None, None, "A itself", None),
                Finding("Warning", f"{a}/transaction/2", None, None, "under A", None),
                Finding("Warning", str(iris.project("GONE")) + "/budget/1", None, None, "no such project", None),
                Finding("Warning", f"{iris.id}org/XM-1", None, None, "an organisation", None)]
    g = quality_graph(findings, [], ["A", "A-1"], iris)
    about = {str(g.value(node, URIRef("http://www.w3.org/ns/shacl#resultMessage"))): g.value(node, dev.aboutProject)
             for node in g.subjects(URIRef("http://www.w3.org/ns/shacl#focusNode"), None)}
    assert about == {"under A-1": URIRef(a1), "A itself": URIRef(a), "under A": URIRef(a),
                     "no such project": None, "an organisation": None}
