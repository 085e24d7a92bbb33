"""The build pipeline: sources -> records -> checks -> triples -> SHACL -> store -> reasoning -> publish.

Each stage is a function of its inputs, so large builds can run stages apart
(and shard them), and a test can stop after any stage. `build()` strings them
together and only swaps the live store link once every stage has succeeded:
any error leaves the previous graph serving.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from graph.config import Settings
from graph.mapping.iris import Iris
from graph.mapping.project import ProjectMapper
from graph.namespaces import DEFAULT_BASE
from graph.records import Problem, Project, Source, Where
from graph.store import EmbeddedStore, discard, new_build_path, publish

Progress = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class BuildFailed(Exception):
    """The input has errors; `problems` lists every one (file:line: message)."""

    def __init__(self, problems: list[Problem], stage: str):
        self.problems = problems
        self.stage = stage
        super().__init__(f"{stage}: {len([p for p in problems if p.severity == 'error'])} error(s)")


@dataclass
class BuildReport:
    store: Path | None = None
    projects: int = 0
    organisations: int = 0
    sources: int = 0
    graphs: dict[str, int] = field(default_factory=dict)  # graph IRI -> triples
    inferred: int = 0
    warnings: list[Problem] = field(default_factory=list)
    findings: list = field(default_factory=list)  # SHACL warnings that did not stop the build
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        total = sum(self.graphs.values())
        lines = [f"built {self.store}",
                 f"  projects {self.projects}, organisations {self.organisations}, sources {self.sources}",
                 f"  triples {total} in {len(self.graphs)} named graphs (inferred {self.inferred})",
                 "  stages " + ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items())]
        if self.warnings or self.findings:
            lines.append(f"  warnings {len(self.warnings) + len(self.findings)}")
        return "\n".join(lines)


class _Timer:
    def __init__(self, report: BuildReport, progress: Progress):
        self.report, self.progress = report, progress

    def stage(self, name: str):
        timer = self

        class _Stage:
            def __enter__(self):
                timer.progress(f"[{name}] ...")
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                timer.report.seconds[name] = time.perf_counter() - self.t0
                return False

        return _Stage()


# --- stage 1: read ----------------------------------------------------------------
def read_sources(settings: Settings) -> tuple[list[Project], list[Problem]]:
    """Read curated YAML and IATI XML into records and run the shared checks on all of them."""
    from graph.reference import Reference
    from graph.sources.checks import check_project, first_of_each
    from graph.sources.yaml_projects import read_projects

    root = settings.data.parent
    problems: list[Problem] = []
    projects_dir = settings.data / "projects"
    projects: list[Project] = []
    if projects_dir.is_dir():
        found, errs = read_projects(projects_dir, root)
        projects += found
        problems += errs
    iati_dir = settings.data / "iati"
    iati_files = sorted(p for p in iati_dir.rglob("*.xml")) if iati_dir.is_dir() else []
    ref = Reference.load(settings.data)
    if iati_files:
        from graph.sources.iati import PlaceIndex, read_iati_files

        found, errs = read_iati_files(iati_files, root, places=PlaceIndex(ref.places))
        projects += found
        problems += errs
    kept: list[Project] = []
    for item in first_of_each(projects):  # across curated and IATI sources
        (problems if isinstance(item, Problem) else kept).append(item)
    projects = kept
    for project in projects:
        problems += check_project(project, ref)
    return projects, problems


# --- stage 2: map -----------------------------------------------------------------
def map_projects(projects: list[Project], iris: Iris, sdg_iri=None) -> dict[URIRef, Graph]:
    """One graph per source (`{base}graph/source/{kind}/{key}`), so provenance stays per source."""
    graphs: dict[URIRef, Graph] = {}
    mappers: dict[str, ProjectMapper] = {}
    for p in projects:
        mapper = mappers.get(p.source.key)
        if mapper is None:
            gi = iris.source_graph(p.source.key)
            mapper = mappers[p.source.key] = ProjectMapper(iris, graphs.setdefault(gi, Graph()), sdg_iri)
        mapper.add(p)
    _drop_dangling_related(graphs, {iris.project(p.identifier) for p in projects}, iris)
    return graphs


def _drop_dangling_related(graphs: dict[URIRef, Graph], known: set[URIRef], iris: Iris) -> None:
    """dev:relatedProject links only to projects in the graph (the identifier literal stays)."""
    related = URIRef(iris.vocab + "relatedProject")
    for g in graphs.values():
        for s, o in list(g.subject_objects(related)):
            if o not in known:
                g.remove((s, related, o))


def reference_graphs(settings: Settings, iris: Iris) -> dict[URIRef, Graph]:
    """The ontology, codelists, UN SDG KOS and places, each in its own named graph."""
    from graph.mapping.reference import codelists_graph, places_graph, sdg_graph
    from graph.namespaces import vocab
    from graph.reference import Reference

    ref = Reference.load(settings.data)
    return {
        iris.graph("ontology"): load_ontology(settings),
        iris.graph("codelists"): codelists_graph(ref, iris),
        iris.graph("sdg"): sdg_graph(ref),
        iris.graph("places"): places_graph(ref, iris, vocab(iris.base)),
    }


def load_ontology(settings: Settings, *, alignments: bool = True) -> Graph:
    """The core ontology (and its alignments), rebased when `DEVKG_BASE` is not the default."""
    g = Graph()
    g.parse(settings.ontology / "devkg.ttl")
    if alignments:
        for f in sorted((settings.ontology / "alignments").glob("*.ttl")):
            g.parse(f)
    return rebase(g, settings.base)


def core_ontology(settings: Settings) -> Graph:
    return load_ontology(settings, alignments=False)


def rebase(g: Graph, base: str) -> Graph:
    if base == DEFAULT_BASE:
        return g
    out = Graph()

    def fix(n):
        if isinstance(n, URIRef) and str(n).startswith(DEFAULT_BASE):
            return URIRef(base + str(n)[len(DEFAULT_BASE):])
        if isinstance(n, Literal) and str(n).startswith(DEFAULT_BASE):  # vann:preferredNamespaceUri
            return Literal(base + str(n)[len(DEFAULT_BASE):], datatype=n.datatype, lang=n.language)
        return n

    for s, p, o in g:
        out.add((fix(s), fix(p), fix(o)))
    return out


def single_home(graphs: dict[URIRef, Graph], iris: Iris) -> dict[URIRef, Graph]:
    """Give every triple exactly one named graph.

    pyoxigraph's union default graph is a bag, not an RDF merge: a triple stored
    in two graphs comes back twice, doubling counts and sums. So organisations
    (described by every source that names them) get their own merged graph,
    `graph/organisations`, and any triple still repeated stays only in the
    first graph in this order: reference graphs, organisations, sources.
    """
    org_prefix = f"{iris.id}org/"
    organisations = Graph()
    routed: dict[URIRef, Graph] = {}
    for name, g in graphs.items():
        if "/graph/source/" in str(name):
            kept = Graph()
            for t in g:
                (organisations if str(t[0]).startswith(org_prefix) and "/codelist/" not in str(t[0]) else kept).add(t)
            g = kept
        routed[name] = g
    ordered = sorted(routed.items(), key=lambda kv: ("/graph/source/" in str(kv[0]), str(kv[0])))
    ordered.insert(next((i for i, (n, _) in enumerate(ordered) if "/graph/source/" in str(n)), len(ordered)),
                   (iris.graph("organisations"), organisations))
    seen: set = set()
    out: dict[URIRef, Graph] = {}
    for name, g in ordered:
        unique = Graph()
        for t in g:
            if t not in seen:
                seen.add(t)
                unique.add(t)
        out[name] = unique
    return out


# --- stage 3: validate ------------------------------------------------------------
def shacl_validate(asserted: dict[URIRef, Graph], reference: dict[URIRef, Graph], settings: Settings):
    """SHACL over the asserted data together with the reference graphs it points into."""
    from rdflib.namespace import RDF, SKOS

    from graph.validate import load_shapes, validate

    iris = Iris(settings.base)
    data = Graph()
    for g in asserted.values():
        data += g
    # Only what the shapes look up: scheme membership and SDG classes (not 30k place triples).
    for t in reference[iris.graph("codelists")].triples((None, SKOS.inScheme, None)):
        data.add(t)
    for t in reference[iris.graph("sdg")].triples((None, RDF.type, None)):
        data.add(t)
    return validate(data, rebase(load_shapes(settings.shapes), settings.base))


# --- stage 4: store ---------------------------------------------------------------
def write_graphs(store: EmbeddedStore, graphs: dict[URIRef, Graph]) -> dict[str, int]:
    counts = {}
    for iri, g in graphs.items():
        store.load(g.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES, graph=str(iri))
        counts[str(iri)] = len(g)
    return counts


def build(settings: Settings, progress: Progress = _stderr) -> BuildReport:
    """Build a new store from `settings.data` and make it live; raise BuildFailed on bad input."""
    from graph.reason import materialise

    report = BuildReport()
    timer = _Timer(report, progress)
    iris = Iris(settings.base)
    with timer.stage("read"):
        projects, problems = read_sources(settings)
    errors = [p for p in problems if p.severity == "error"]
    report.warnings = [p for p in problems if p.severity != "error"]
    if errors:
        raise BuildFailed(problems, "read")
    with timer.stage("map"):
        from graph.reference import Reference

        ref = Reference.load(settings.data)
        asserted = map_projects(projects, iris, ref.sdg_iri)
        reference = reference_graphs(settings, iris)
    with timer.stage("validate"):
        validation = shacl_validate(asserted, reference, settings)
    if not validation.conforms:
        raise BuildFailed([Problem(Where("shacl"), str(f)) for f in validation.results
                           if _is_violation(f)], "validate")
    report.findings = list(validation.results)
    path = new_build_path(settings.store)
    try:
        store = EmbeddedStore(path)
        with timer.stage("store"):
            report.graphs = write_graphs(store, single_home({**reference, **asserted}, iris))
        with timer.stage("reason"):
            inferred = iris.graph("inferred")
            materialise(store, core_ontology(settings), str(inferred))
            report.inferred = store.count(str(inferred))
            report.graphs[str(inferred)] = report.inferred
        if len(validation.graph):
            report.graphs.update(write_graphs(store, {iris.graph("validation"): validation.graph}))
        with timer.stage("optimize"):
            store.optimize()
        with timer.stage("search index"):  # beside the store, in its build directory: switched with it
            from graph.search import build_index, index_path
            build_index(store, index_path(path), settings.base)
        report.projects = len({p.identifier for p in projects})
        report.sources = len({p.source.key for p in projects})
        report.organisations = _count_orgs(store, iris)
        store.close()
        publish(path, settings.store)
    except BaseException:
        discard(path)
        raise
    report.store = settings.store
    return report


def _is_violation(finding) -> bool:
    return str(getattr(finding, "severity", "Violation")).endswith("Violation")


def _count_orgs(store: EmbeddedStore, iris: Iris) -> int:
    q = f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o a <{iris.vocab}Organisation> }}"
    return int(next(iter(store.query(q)))["n"].value)
