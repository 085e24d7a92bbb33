"""The build pipeline: sources -> records -> checks -> triples -> SHACL -> store -> reasoning -> export -> publish.

Each stage is a function of its inputs, so large builds can run stages apart
(and shard them), and a test can stop after any stage. `build()` strings them
together and only swaps the live store link once every stage has succeeded:
any error leaves the previous graph serving.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef

from graph.assemble import (
    Placement,
    cross_source_duplicates,
    load_inferred,
    load_sources,
    prune_cache,
    reasoning_reference,
    run_sources,
    settled_organisations,
)
from graph.buildlog import Stage, WarningGroups, peak_rss_mb
from graph.config import Settings
from graph.mapping.iris import Iris
from graph.mapping.project import ProjectMapper
from graph.namespaces import DEFAULT_BASE
from graph.records import Problem, Project, Where
from graph.store import EmbeddedStore, RdfFormat, discard, new_build_path, open_remote, publish

if TYPE_CHECKING:
    from graph.feed import FeedReport

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
    exports: Path | None = None  # the dumps and VoID of this build (served at /dumps/)
    feed: FeedReport | None = None  # the versions this build added to /ldes
    projects: int = 0
    organisations: int = 0
    sources: int = 0
    reused: int = 0  # sources taken from the cache unchanged
    graphs: dict[str, int] = field(default_factory=dict)  # graph IRI -> triples
    inferred: int = 0
    warnings: WarningGroups = field(default_factory=WarningGroups)  # reader and check warnings
    findings: list = field(default_factory=list)  # SHACL warnings that did not stop the build
    seconds: dict[str, float] = field(default_factory=dict)
    memory_mb: dict[str, float] = field(default_factory=dict)  # peak RSS when each stage ended
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # CPU of the build and its workers per stage

    def summary(self) -> str:
        total = sum(self.graphs.values())
        lines = [f"built {self.store}" + (f" (dumps in {self.exports})" if self.exports else ""),
                 f"  projects {self.projects}, organisations {self.organisations}, sources {self.sources}"
                 f" ({self.reused} unchanged, from the cache)",
                 f"  triples {total} in {len(self.graphs)} named graphs (inferred {self.inferred})",
                 "  stages " + ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items())
                 + f"; total {sum(self.seconds.values()):.1f}s",
                 "  cpu " + ", ".join(f"{k} {v:.1f}s" for k, v in self.cpu_seconds.items()),
                 f"  peak memory {max(self.memory_mb.values(), default=0):.0f} MB ("
                 + ", ".join(f"{k} {v:.0f}" for k, v in self.memory_mb.items()) + ")"]
        if self.feed is not None:
            lines.append(self.feed.line())
        if self.warnings or self.findings:
            lines.append(f"  warnings {len(self.warnings) + len(self.findings)}")
        return "\n".join(lines)

    def warning_lines(self) -> list[str]:
        """Reader/check warnings and SHACL warnings, each grouped by kind."""
        shacl = WarningGroups()
        for f in self.findings:
            shacl.add(f"<{f.focus}>", f"SHACL {f.shape.rsplit('#', 1)[-1] if f.shape else ''}: {f.message}")
        return self.warnings.lines() + shacl.lines()


class _Timer:
    def __init__(self, report: BuildReport, progress: Progress):
        self.report, self.progress = report, progress

    @contextmanager
    def stage(self, name: str, total: float | None = None):
        line = Stage(self.progress, name, total)
        self.progress(f"[{name}] ...")
        cpu = _cpu()
        try:
            yield line
        finally:
            self.report.seconds[name] = time.perf_counter() - line.t0
            self.report.cpu_seconds[name] = _cpu() - cpu
            self.report.memory_mb[name] = peak_rss_mb()
            if line.count_text:
                self.progress(line.line())


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


# --- stage 1: read ----------------------------------------------------------------
def read_sources(settings: Settings) -> tuple[list[Project], list[Problem]]:
    """Read curated YAML and IATI XML into records and run the shared checks on all of them."""
    from graph.reference import Reference
    from graph.sources.checks import check_project, first_of_each
    from graph.sources.yaml_projects import read_projects

    root = settings.data.parent  # messages name "data/projects/x.yaml"; dev:path drops the "data/"
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
    for p in projects:  # dev:path is relative to the data directory, whatever it is called
        p.source.locate(root, settings.data)
    for project in projects:
        problems += check_project(project, ref)
    return projects, problems


# --- stage 2: map -----------------------------------------------------------------
def map_projects(projects: list[Project], iris: Iris, sdg_iri: Callable[[str], str]) -> dict[URIRef, Graph]:
    """One graph per source (`{base}graph/source/{kind}/{key}`), so provenance stays per source.
    `sdg_iri` is `Reference.sdg_iri`: the UN KOS assigns indicator IRIs, so only its table mints them."""
    from graph.mapping.organisation import OrgIndex, settle_names

    graphs: dict[URIRef, Graph] = {}
    by_source: dict[str, list[Project]] = {}
    for p in projects:
        by_source.setdefault(p.source.key, []).append(p)
    for key, found in by_source.items():
        mapper = ProjectMapper(iris, sdg_iri, graphs.setdefault(iris.source_graph(key), Graph()), OrgIndex.of(found))
        for p in found:
            mapper.add(p)
    _drop_dangling_related(graphs, {iris.project(p.identifier) for p in projects}, iris)
    settle_names(graphs.values(), iris)  # one label per organisation across all sources
    return graphs


@dataclass
class InMemoryGraph:
    """What `devkg build` assembles before reasoning, as rdflib graphs held in memory: the same quads
    as the streamed build (tests/test_streamed_build.py compares them). For `devkg validate`,
    `devkg reason`, benchmarks and tests, at the scale rdflib can hold."""

    settings: Settings
    iris: Iris
    projects: list[Project]
    problems: list[Problem]
    asserted: dict[URIRef, Graph]  # one per source; empty when the sources have errors
    reference: dict[URIRef, Graph]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def graphs(self) -> dict[URIRef, Graph]:
        """Every named graph, each triple in one of them (as the build stores them)."""
        return single_home({**self.reference, **self.asserted}, self.iris)


def in_memory_graph(settings: Settings) -> InMemoryGraph:
    from graph.reference import Reference

    iris = Iris(settings.base)
    projects, problems = read_sources(settings)
    errors = any(p.severity == "error" for p in problems)
    asserted = {} if errors else map_projects(projects, iris, Reference.load(settings.data).sdg_iri)
    return InMemoryGraph(settings, iris, projects, problems, asserted, reference_graphs(settings, iris))


def _drop_dangling_related(graphs: dict[URIRef, Graph], known: set[URIRef], iris: Iris) -> None:
    """dev:relatedProject links only to projects in the graph (the identifier literal stays)."""
    related = URIRef(iris.vocab + "relatedProject")
    for g in graphs.values():
        for s, o in list(g.subject_objects(related)):
            if o not in known:
                g.remove((s, related, o))


def reference_graphs(settings: Settings, iris: Iris) -> dict[URIRef, Graph]:
    """The ontology, codelists, UN SDG KOS and places, each in its own named graph."""
    from graph.mapping.reference import add_reference_provenance, codelists_graph, places_graph, sdg_graph
    from graph.namespaces import vocab
    from graph.reference import Reference

    ref = Reference.load(settings.data)
    graphs = {
        iris.graph("ontology"): load_ontology(settings),
        iris.graph("codelists"): codelists_graph(ref, iris),
        iris.graph("sdg"): sdg_graph(ref),
        iris.graph("places"): places_graph(ref, iris, vocab(iris.base)),
    }
    for name in ("codelists", "sdg", "places"):
        add_reference_provenance(graphs[iris.graph(name)], iris.graph(name), name, ref, iris, vocab(iris.base))
    return graphs


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
    """The ontology or shapes with devkg's IRIs under `base` (`DEVKG_BASE`). Shape IRIs
    (`.../shapes#ProjectShape`, the whole-graph target `shapes#data`) stay: they name the checks
    devkg publishes, not data, and validation reports compare them as they are."""
    from graph.validate import SHAPES_NS

    if base == DEFAULT_BASE:
        return g
    out = Graph()

    def fix(n):
        if isinstance(n, URIRef) and str(n).startswith(DEFAULT_BASE) and not str(n).startswith(SHAPES_NS):
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
    from graph.mapping.organisation import derived_from_sources

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
    derived_from_sources(organisations, iris.graph("organisations"))
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
    own_docs = URIRef(iris.vocab + "SourceDocument")  # the graph's provenance, not SDG classes
    for t in reference[iris.graph("sdg")].triples((None, RDF.type, None)):
        if t[2] != own_docs:
            data.add(t)
    return validate(data, rebase(load_shapes(settings.shapes), settings.base))


# --- stage 4: store ---------------------------------------------------------------
def write_graphs(store: EmbeddedStore, graphs: dict[URIRef, Graph]) -> dict[str, int]:
    counts = {}
    for iri, g in graphs.items():
        store.load(g.serialize(format="nt", encoding="utf-8"), RdfFormat.N_TRIPLES, graph=str(iri))
        counts[str(iri)] = len(g)
    return counts


def build(settings: Settings, progress: Progress = _stderr, *, workers: int | None = None) -> BuildReport:
    """Build a new store from `settings.data` and make it live; raise BuildFailed on bad input.

    Streamed: each source file is read, checked and mapped in a worker into its cache
    entry (`graph.sourcework`; unchanged files are reused); shards of sources are validated
    by SHACL compiled to SPARQL, reasoned over, dumped and described for the feed in
    in-memory stores on every core (`graph.shards`); everything is bulk-loaded in batches
    into a new on-disk store (`graph.assemble`), which is optimized and indexed for search
    but never read back whole. Memory does not grow with the number of activities, only
    with the number of organisations, concepts and identifiers.

    Publishing is part of the build: the dumps and VoID/DCAT of the new store, and the
    harvest feed's next state (`graph.feed`), are written before it goes live and
    switched in right after it (`settings.exports`, `settings.feed`).
    """
    from graph.export import Prepared, check_target, discard_export, publish_export, stage, staging_dir
    from graph.feed import FeedTurn, discard_feed, page_size, publish_feed
    from graph.reference import Reference
    from graph.search import IndexWriter, collect, index_path
    from graph.shards import Publish, ShardResult, validate_sources
    from graph.validate import load_shapes

    page_size(settings)  # a bad DEVKG_FEED_PAGE stops the build before any work
    report = BuildReport()
    timer = _Timer(report, progress)
    iris = Iris(settings.base)
    cache = settings.store.parent / "cache" / "sources"
    cache.mkdir(parents=True, exist_ok=True)
    with timer.stage("reference"):
        ref = Reference.load(settings.data)
        reference = {k: v for k, v in single_home(reference_graphs(settings, iris), iris).items()
                     if k != iris.graph("organisations")}
        shapes = rebase(load_shapes(settings.shapes), settings.base)
    with timer.stage("read+map") as line:
        metas = run_sources(settings, iris, ref, cache, line, workers)
    problems = [p for m in metas for p in m.problem_list()] + cross_source_duplicates(metas)
    for p in problems:
        if p.severity != "error":
            report.warnings.add(str(p.where), p.message)
    if any(p.severity == "error" for p in problems):
        raise BuildFailed(problems, "read")
    report.sources = len([m for m in metas if m.identifiers])
    report.reused = len([m for m in metas if m.cached])
    check_target(settings.exports)
    path = new_build_path(settings.store)
    work = staging_dir(settings.exports, path.name)  # the export: source graphs are written while validating
    turn = index = staged = None
    try:
        turn = FeedTurn(settings, build_id=path.name)
        prepared = Prepared(settings.base, work)
        path.mkdir()
        index = IndexWriter(index_path(path))  # beside the store, in its build directory: switched with it

        inferred_files: list[Path] = []
        inferred_elsewhere: set[bytes] = set()

        def take(shard: ShardResult) -> None:  # dumps, project versions and inferences of a shard's sources
            for part in shard.parts:
                prepared.add(part)
            for d in shard.descriptions:
                turn.add(d)
            inferred_files.append(shard.inferred)
            inferred_elsewhere.update(shard.inferred_elsewhere)
            if shard.index is not None:
                index.add(shard.index)

        with timer.stage("shards") as line:  # SHACL, reasoning, source graphs' dumps and feed versions
            checked = {g: reference[g] for g in (iris.graph("codelists"), iris.graph("sdg"))}
            placement = Placement.of(metas, settled_organisations(metas, iris), reference, iris)
            ontology = core_ontology(settings)
            shard_reference, closure = reasoning_reference(reference, ontology, iris)
            inferred_elsewhere.update(closure)
            beyond = Publish(work, settings.base, ontology, shard_reference)
            validation = validate_sources(metas, shapes, checked, placement, iris, cache, line, workers, beyond, take)
        if not validation.conforms:
            raise BuildFailed([Problem(Where("shacl"), str(f)) for f in validation.results if _is_violation(f)],
                              "validate")
        report.findings = list(validation.results)
        store = EmbeddedStore(path)
        with timer.stage("load", sum(m.triples for m in metas)) as line:
            report.graphs = load_sources(store, metas, placement, reference, iris, cache, line)
        with timer.stage("inferred"):  # the workers reasoned; what they inferred about shared nodes is checked here
            inferred = str(iris.graph("inferred"))
            report.inferred = load_inferred(store, inferred_files, inferred_elsewhere, inferred)
            report.graphs[inferred] = report.inferred
        with timer.stage("quality"):  # SHACL findings and build warnings, queryable per project
            from graph.mapping.quality import quality_graph

            quality = quality_graph(validation.results, [p for p in problems if p.severity != "error"],
                                    (i for m in metas for i, _line in m.identifiers), iris)
            report.graphs.update(write_graphs(store, {iris.graph("validation"): quality}))
        with timer.stage("optimize"):
            store.optimize()
        report.projects = sum(len(m.identifiers) for m in metas)
        with timer.stage("export"):  # dumps of the other graphs from the store, VoID; the feed's next state
            staged = stage(store, settings.exports, settings, build_id=path.name, work=work, prepared=prepared)
            work = None  # the export owns it now
            report.feed, turn = turn.finish(), None
        with timer.stage("search index"):  # the shards gave projects and organisations; places and labels here
            index.add(collect(store, "place", settings.base))
            kinds = index.finish(store, settings.base, staged.graphs)  # with the export's counts per graph
            report.organisations = kinds.get("organisation", 0)
            index = None
        for note in report.feed.notes:
            progress(f"  feed: {note}")
        try:
            remote = open_remote(settings)
            if remote is not None:  # the remote store serves; the local build was only the workshop
                from graph.search import keep_index

                kept = keep_index(index_path(path), settings.store, path.name, remote.build_id())  # before the switch
                try:
                    with timer.stage("upload"):
                        remote.publish(store, path.name, progress)
                except BaseException:
                    kept.unlink(missing_ok=True)
                    raise
                store.close()
                discard(path)
            else:
                store.close()
                publish(path, settings.store)
        except BaseException:
            discard_export(staged)
            discard_feed(report.feed)
            raise
        prune_cache(cache, metas)
    except BaseException:
        if index is not None:
            index.close()
        if staged is not None:
            discard_export(staged)
        discard(path)
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        if turn is not None:
            turn.abandon()
        if report.feed is not None:
            discard_feed(report.feed)
        raise
    try:
        publish_export(staged)
    finally:  # the feed of the live store, whether or not its dumps could be switched
        publish_feed(report.feed)
    report.exports = settings.exports
    report.store = settings.store
    return report


def _is_violation(finding) -> bool:
    return str(getattr(finding, "severity", "Violation")).endswith("Violation")
