"""From source files to named graphs in the store: the streamed half of `graph/build.py`.

`run_sources` brings every source's cache entry up to date (IATI files in a process
pool, curated YAML in this process); `load_sources` bulk-loads the entries in
batches and adds what sources share, so that every triple has exactly one named
graph (`single_home`, which the union default graph needs: pyoxigraph's union is a
bag, a triple in two graphs would count twice):

- a source's own triples go to its graph as they are (`{cache}/*.nq`);
- organisation triples go once to `graph/organisations`;
- other triples several sources state go to the first of those source graphs in
  IRI order, and are left out when a reference graph already has them;
- `dev:relatedProject` links are kept only when the target project is in the build.

`Placement` decides all of this from the sources' entries before anything is loaded, so
the validating workers (graph/shards.py) see each source graph as the store will hold it.

This is what `single_home()` and `map_projects()` do on rdflib graphs, decided
from per-source results so that memory stays bounded.
"""

from __future__ import annotations

import io
import multiprocessing
import os
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef

from graph.buildlog import Stage
from graph.config import Settings
from graph.mapping.iris import Iris
from graph.ntriples import nt_line
from graph.records import Problem, Where
from graph.sourcework import (
    SourceMeta,
    SourceWriter,
    cached,
    entry_files,
    fingerprint,
    nq_path,
    open_entry,
    process_iati,
)
from graph.store import EmbeddedStore, Literal, MemoryStore, NamedNode, RdfFormat, parse, serialize

LOAD_BATCH_QUADS = 1_000_000  # per bulk_load call (about 230 MB of N-Quads): the loader's memory grows with it


def run_sources(settings: Settings, iris: Iris, ref, cache: Path, line: Stage,
                workers: int | None = None) -> list[SourceMeta]:
    """Every source's up-to-date cache entry: YAML first, then IATI files in path order."""
    from graph.sources.iati.reader import sha256

    fp = fingerprint(settings.data, settings.base)
    root = settings.data.parent
    metas = _yaml_sources(settings, iris, ref, cache, fp)
    iati_dir = settings.data / "iati"
    paths = sorted(iati_dir.rglob("*.xml")) if iati_dir.is_dir() else []
    found: dict[Path, SourceMeta] = {}
    jobs = []
    for path in paths:
        key = f"iati/{path.stem}"
        graph = str(iris.source_graph(key))
        try:
            digest = sha256(path)
        except OSError:
            digest = ""
        hit = cached(cache, key, digest, fp) if digest else None
        if hit is not None:
            found[path] = hit
        else:
            jobs.append((str(path), root, key, graph, digest, fp, settings.base, settings.data, cache))
    sizes = {job[0]: _size(Path(job[0])) for job in jobs}
    total = sum(sizes.values()) or 1
    line.total = total
    done = activities = 0
    jobs.sort(key=lambda j: -sizes[j[0]])  # largest first: the pool finishes together
    path_of = {job[2]: job[0] for job in jobs}
    for meta in _map(process_iati, jobs, workers):
        found[Path(path_of[meta.key])] = meta
        done += sizes[path_of[meta.key]]
        activities += len(meta.identifiers)
        line.update(done, f"{len(found) - (len(paths) - len(jobs))}/{len(jobs)} changed files, {activities} activities")
    return metas + [found[p] for p in paths]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _map(fn, jobs: list[tuple], workers: int | None):
    """`fn` over `jobs`, in a pool of worker processes when there is more than one job."""
    workers = workers or min(os.cpu_count() or 1, 4)
    if workers <= 1 or len(jobs) <= 1:
        yield from map(fn, jobs)
        return
    with multiprocessing.get_context("fork").Pool(min(workers, len(jobs))) as pool:
        yield from pool.imap_unordered(fn, jobs, chunksize=1)


def _yaml_sources(settings: Settings, iris: Iris, ref, cache: Path, fp: str) -> list[SourceMeta]:
    """Curated YAML projects (a handful of small files): read and mapped here, not cached."""
    from graph.mapping.organisation import OrgIndex
    from graph.sources.checks import check_project
    from graph.sources.yaml_projects import read_projects

    projects_dir = settings.data / "projects"
    if not projects_dir.is_dir():
        return []
    projects, errors = read_projects(projects_dir, settings.data.parent)
    by_source: dict[str, list] = {}
    for p in projects:
        p.source.locate(settings.data.parent, settings.data)
        by_source.setdefault(p.source.key, []).append(p)
    writers: dict[str, SourceWriter] = {}
    for p in projects:
        w = writers.get(p.source.key)
        if w is None:
            w = writers[p.source.key] = SourceWriter(cache, p.source.key, str(iris.source_graph(p.source.key)),
                                                     p.source.sha256 or "", fp, settings.base, ref.sdg_iri,
                                                     p.source.kind, p.source.path, OrgIndex.of(by_source[p.source.key]))
        for problem in check_project(p, ref):
            w.problem(problem)
        w.add(p)
    metas = [w.close() for _, w in sorted(writers.items())]
    if errors:
        metas.insert(0, SourceMeta(key="yaml", graph="", sha256="", fingerprint=fp, kind="curated",
                                   problems=[(e.where.file, e.where.line, e.message, e.severity, e.project)
                                             for e in errors]))
    return metas


def cross_source_duplicates(metas: list[SourceMeta]) -> list[Problem]:
    """Identifiers claimed by two sources (each worker already ran `checks.first_of_each` within
    its file); the later project is the one reported."""
    from graph.sources.checks import duplicate

    first: dict[str, Where] = {}
    problems = []
    for m in metas:
        for identifier, line in m.identifiers:
            here = Where(m.path, line)
            seen = first.setdefault(identifier, here)
            if seen is not here:
                problems.append(duplicate(identifier, here, seen))
    return problems


class _Chain(io.RawIOBase):
    """Several files (and a tail of bytes) read as one stream, for one `bulk_load` call; `opener`
    reads a file (`open_entry` for the gzipped cache entries)."""

    def __init__(self, paths: list[Path], tail: bytes = b"", opener=lambda path: open(path, "rb")):
        self.paths, self.current, self.opener = list(paths), None, opener
        self.tail, self.at = memoryview(tail), 0  # read by position: the engine asks for a few KB at a time

    def close(self) -> None:
        self.tail.release()
        super().close()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            if self.current is None:
                if not self.paths:
                    n = min(len(buffer), len(self.tail) - self.at)
                    buffer[:n] = self.tail[self.at:self.at + n]
                    self.at += n
                    return n
                self.current = self.opener(self.paths.pop(0))
            n = self.current.readinto(buffer)
            if n:
                return n
            self.current.close()
            self.current = None


def as_quads(lines, graph: str) -> bytes:
    """N-Triples lines (as devkg writes them) as N-Quads in `graph`, encoded."""
    suffix = f" <{graph}> .\n"
    return "".join(line[:-3] + suffix for line in lines).encode("utf-8")


@dataclass
class Placement:
    """Where what sources share goes, decided from all sources' entries before anything is loaded:
    the triples each source graph gets beyond its cache entry (shared triples homed there,
    `dev:relatedProject` links whose target project is in the build), and the organisations graph."""

    shared: dict[str, list[str]]  # source graph -> N-Triples lines several sources state, homed there
    related: dict[str, list[str]]  # source graph -> its dev:relatedProject lines that link to a project
    organisations: list[str]  # N-Triples lines of graph/organisations

    def extra(self, graph: str) -> list[str]:
        return self.shared.get(graph, []) + self.related.get(graph, [])

    @classmethod
    def of(cls, metas: list[SourceMeta], organisations: list[str], reference: dict[URIRef, Graph],
           iris: Iris) -> Placement:
        in_reference = {nt_line(t) for g in reference.values() for t in g}
        home: dict[str, str] = {}
        for m in metas:
            for t in m.shared:
                if t not in in_reference and (t not in home or m.graph < home[t]):
                    home[t] = m.graph
        shared: dict[str, list[str]] = {}
        for t, g in home.items():
            shared.setdefault(g, []).append(t)
        known = {str(iris.project(identifier)) for m in metas for identifier, _line in m.identifiers}
        related = {}
        for m in metas:
            kept = sorted({text for text, target in m.related if target in known})
            if kept:
                related[m.graph] = kept
        return cls({g: sorted(lines) for g, lines in shared.items()}, related,
                   sorted(set(organisations) - in_reference))


def load_sources(store: EmbeddedStore, metas: list[SourceMeta], placement: Placement,
                 reference: dict[URIRef, Graph], iris: Iris, cache: Path, line: Stage) -> dict[str, int]:
    """Load the reference graphs, every source with what `placement` adds to it, and the
    organisations graph; returns triples per graph."""
    counts: dict[str, int] = {}
    for name, g in reference.items():
        store.load(g.serialize(format="nt", encoding="utf-8"), RdfFormat.N_TRIPLES, graph=str(name))
        counts[str(name)] = len(g)
    loaded = 0
    batch: list[Path] = []
    size = 0
    for m in metas:
        if not m.triples:
            continue
        counts[m.graph] = m.triples
        batch.append(nq_path(cache, m.key))
        size += m.triples
        loaded += m.triples
        if size >= LOAD_BATCH_QUADS:
            store.load(_Chain(batch, opener=open_entry), RdfFormat.N_QUADS)
            batch, size = [], 0
            line.update(loaded, f"{loaded} quads")
    tail = [as_quads(placement.organisations, str(iris.graph("organisations")))]
    counts[str(iris.graph("organisations"))] = len(placement.organisations)
    for g in sorted(placement.shared.keys() | placement.related.keys()):
        lines = placement.extra(g)
        tail.append(as_quads(lines, g))
        counts[g] = counts.get(g, 0) + len(lines)
    store.load(_Chain(batch, b"".join(tail), open_entry), RdfFormat.N_QUADS)
    line.update(loaded, f"{loaded} quads")
    return counts


def reasoning_reference(reference: dict[URIRef, Graph], ontology: Graph, iris: Iris) -> tuple[bytes, list[bytes]]:
    """What a shard reasons with besides its sources and the codelists and SDG graphs it was checked
    with: the ontology and places graphs, and what the rules infer from the reference graphs alone
    (worked out once here, so that no shard infers it again), as N-Quads; and that closure as
    N-Triples lines, for the inferred graph."""
    from graph.reason import materialise

    store = MemoryStore()
    for name, g in reference.items():
        store.bulk_load(g.serialize(format="nt", encoding="utf-8"), RdfFormat.N_TRIPLES, to_graph=NamedNode(str(name)))
    closure = "urn:devkg:reference-closure"
    materialise(store, ontology, closure)
    shared = [q for g in (iris.graph("ontology"), iris.graph("places"), closure)
              for q in store.quads_for_pattern(None, None, None, NamedNode(str(g)))]
    lines = serialize(list(store.quads_for_pattern(None, None, None, NamedNode(closure))), RdfFormat.N_TRIPLES)
    return serialize(shared, RdfFormat.N_QUADS), lines.splitlines(keepends=True)


def load_inferred(store: EmbeddedStore, own: list[Path], elsewhere: set[bytes], graph: str) -> int:
    """Load what the shards inferred into `graph`: about their own projects as it is, about other
    nodes (organisations, concepts, places, related projects, and the reference closure) once,
    and only what no graph of the store states. Returns the triples loaded."""
    candidates = sorted(elsewhere)
    kept = [line for line, q in zip(candidates, parse(b"".join(candidates), RdfFormat.N_TRIPLES))
            if next(store.quads(q.subject, q.predicate, q.object), None) is None]
    total = len(kept)
    for path in own:
        with path.open("rb") as f:
            total += sum(1 for _ in f)
    store.load(_Chain(own, b"".join(kept)), RdfFormat.N_TRIPLES, graph=graph)
    for path in own:
        path.unlink(missing_ok=True)
    return total


def settled_organisations(metas: list[SourceMeta], iris: Iris) -> list[str]:
    """The organisations graph (N-Triples lines) as a whole-graph build makes it: one label per
    organisation across all sources (`settle_names`' choice) and derived from every source that names one.

    The lines are parsed by the engine and grouped by organisation; rdflib terms are made only for
    the names weighed, and only the settled name lines are written anew (an rdflib graph of every
    line cost minutes and gigabytes at 1M activities: 11M lines, 2.7M distinct).
    """
    from rdflib import RDF, RDFS
    from rdflib.namespace import PROV, SKOS

    from graph.mapping.organisation import settled_names
    from graph.namespaces import vocab
    from graph.reason import to_rdflib

    lines = sorted({t for m in metas for t in m.orgs})
    text = "".join(lines)
    if text.count("\n") != len(lines):  # a raw newline inside a term (rdflib warned of it)
        return settled_as_a_graph(text, iris)
    dev = vocab(iris.base)
    kinds = {str(RDFS.label): "preferred", str(dev.name): "preferred", str(SKOS.altLabel): "other",
             str(dev.identifier): "ids", str(dev.abbreviation): "abbreviations"}
    renamed = {str(RDFS.label), str(dev.name), str(SKOS.altLabel)}
    typed: set[str] = set()
    names: dict[str, dict[str, set]] = {}
    sources: set[str] = set()
    named: list[tuple[str, str]] = []  # each line's subject (or "") and predicate
    organisation = NamedNode(str(dev.Organisation))
    for triple in parse(text, RdfFormat.N_TRIPLES):
        s, p, o = triple.subject, triple.predicate.value, triple.object
        named.append((s.value if isinstance(s, NamedNode) else "", p))
        if not isinstance(s, NamedNode):
            continue
        if p == str(RDF.type) and o == organisation:
            typed.add(s.value)
        elif p in kinds:
            kind = kinds[p]
            if kind == "abbreviations":
                names.setdefault(s.value, {}).setdefault(kind, set()).add(o.value)
            elif isinstance(o, Literal):
                names.setdefault(s.value, {}).setdefault(kind, set()).add(to_rdflib(o))
        elif p == str(PROV.wasDerivedFrom) and isinstance(o, NamedNode):
            sources.add(o.value)
    out = {line for line, (s, p) in zip(lines, named, strict=True) if not (s in typed and p in renamed)}
    for org in typed:
        found = names.get(org, {})
        ids = {str(i) for i in found.get("ids", ())}
        out.update(nt_line(t) for t in settled_names(URIRef(org), found.get("preferred", set()),
                                                      found.get("other", set()), ids,
                                                      found.get("abbreviations", set()), dev))
    graph = iris.graph("organisations")
    out.update(nt_line((graph, PROV.wasDerivedFrom, URIRef(src))) for src in sources)
    return sorted(out)


def settled_as_a_graph(text: str, iris: Iris) -> list[str]:
    """What `settled_organisations` gives, the slow way: every line in an rdflib graph."""
    from graph.mapping.organisation import derived_from_sources, settle_names

    g = Graph()
    g.parse(data=text, format="nt")
    settle_names([g], iris)
    derived_from_sources(g, iris.graph("organisations"))
    return sorted(nt_line(t) for t in g)


def prune_cache(cache: Path, metas: list[SourceMeta]) -> None:
    """Drop cache entries of sources that are gone."""
    keep = set().union(*(entry_files(cache, m.key) for m in metas))
    for f in cache.iterdir():
        if f.name not in keep:  # gone sources, and entries in an older form
            f.unlink(missing_ok=True)
