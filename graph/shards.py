"""The per-shard work of a large build, in in-memory stores on every core: SHACL, reasoning,
the source graphs' dumps and the feed's project descriptions.

A shard is a group of sources' cache entries (about `SHARD_QUADS` quads) loaded with
the reference graphs the shapes look into (codelists, UN SDG KOS) into an in-memory
pyoxigraph store, where `graph.shacl_sparql` runs the compiled shapes. Memory stays
that of one shard per worker; an in-memory store also answers the checks about four
times faster than the on-disk one.

Why the shards give what one whole-graph run gives: a project and everything under it
come from one source, so they are whole in their shard, and so are the whole-graph
SPARQL checks (percentage sums per project). Each source also brings the organisation
and concept triples it states, so links to them resolve. Only organisations are
described by several sources: findings about an organisation are taken from one last
shard holding the merged `graph/organisations`, and ignored in the others.

With `Publish`, a shard also does what would otherwise read the built store back (slow:
an on-disk store decodes every term, 2M quads in 24 s here): it writes each source
graph's dumps, describes its projects for the feed, reasons (see `_reason`) and reads
its projects' search-index rows (`graph.search.collect`). Each
source graph is already in the shard as the store will hold it (`assemble.Placement`).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SH

from graph.assemble import Placement, as_quads
from graph.buildlog import Stage
from graph.mapping.iris import Iris
from graph.shacl_sparql import CompiledShapes, compile_shapes, report_graph, run_checks
from graph.sourcework import SourceMeta, nq_path, open_entry, read_member
from graph.store import EmbeddedStore, MemoryStore, NamedNode, RdfFormat, parse, serialize
from graph.validate import SEVERITY_ORDER, Finding, ValidationReport

CONTEXT = "urn:devkg:context"  # a shard's graph of what its sources link to but other graphs hold
CONTEXT_ORGANISATIONS = "urn:devkg:context-organisations"  # what its sources say of organisations
SHARD_INFERRED = "urn:devkg:inferred"
SHARD_QUADS = 250_000  # small shards keep both cores busy to the end, and are checked faster (10k: 36.5 s -> 17 s)
_shared: dict = {}  # set before the pool forks: the compiled shapes and the reference bytes


def _subclasses(shapes: Graph, reference: list[Graph]) -> dict[str, set[str]]:
    """Subclasses (in the data: sources state none, so the reference graphs) of each class the shapes name."""
    classes = set(shapes.objects(None, SH.targetClass)) | set(shapes.objects(None, SH["class"]))
    out = {}
    for c in classes:
        subs = set()
        for g in reference:
            subs |= {str(s) for s in g.transitive_subjects(RDFS.subClassOf, c) if isinstance(s, URIRef) and s != c}
        out[str(c)] = subs
    return out


@dataclass
class Unit:
    """What one shard takes of a source: its whole cache entry (`member` None), or one piece of it.

    The first unit of a source brings what the build adds to its graph (`own`: shared triples
    homed there, and `related` links); every unit brings what links resolve to (`context`, and
    the source's statements about organisations, which the worker makes from the metas it
    inherits: as bytes for every unit they were 1.6 GB at 1M activities). A piece's projects
    link to the source document, which the first piece loads into the graph and the others
    into the context graph, so every piece is checked as the whole source would be.
    """

    path: Path
    member: tuple[int, int, int, int] | None
    graph: str
    piece: int  # 0 for a whole entry or a source's first piece
    own: bytes
    related: bytes
    context: bytes
    projects: list[str]
    quads: int
    document: tuple[int, int, int, int] | None = None  # a piece's: the entry's document member, to load


@dataclass
class Shard:
    """A group of sources (or of a large source's pieces) checked together."""

    units: list[Unit] = field(default_factory=list)
    projects: set[str] = field(default_factory=set)  # IRIs of the shard's projects
    quads: int = 0
    organisations_only: bool = False  # the last shard: the merged organisations graph
    number: int = 0

    @property
    def graphs(self) -> list[tuple[str, int]]:
        """The shard's source graphs in order, each with the piece it starts at."""
        first: dict[str, int] = {}
        for u in self.units:
            first.setdefault(u.graph, u.piece)
        return list(first.items())


@dataclass
class ShardResult:
    findings: list[Finding]
    parts: list = field(default_factory=list)  # graph.export.GraphPart of each source graph
    descriptions: list = field(default_factory=list)  # graph.feed.Description of each project, in graph order
    inferred: Path | None = None  # N-Triples inferred about the shard's projects (theirs alone)
    inferred_elsewhere: list[bytes] = field(default_factory=list)  # inferred about other nodes: checked by the build
    index: object = None  # graph.search.IndexRows of the shard's projects (or the merged organisations)


def _load(store: MemoryStore, data: bytes | IO[bytes]) -> None:
    """N-Quads into a shard's store, in order (the engine dumps a graph in the order it was given).

    Leniently (IRIs are not validated again) and not as a bulk load: half the CPU of a strict
    bulk load (a 257k-quad shard in 0.55 s, not 1.05 s). What is loaded is devkg's own
    output (cache entries and build-made quads); the load stage still reads every cache entry
    strictly into the store, so bad data stops the build all the same.
    """
    store.load(data, RdfFormat.N_QUADS, lenient=True)


def _check_shard(shard: Shard) -> ShardResult:
    compiled: CompiledShapes = _shared["compiled"]
    org_prefix = _shared["org_prefix"]
    store = MemoryStore()
    _load(store, _shared["reference"])
    for u in shard.units:
        if u.member is None:
            with open_entry(u.path) as entry:
                _load(store, entry)
        else:
            _load(store, read_member(u.path, u.member))
            if u.document is not None and not u.piece:
                _load(store, read_member(u.path, u.document))
            elif u.document is not None:  # the document's triples, in the context graph
                triples = serialize(parse(read_member(u.path, u.document), RdfFormat.N_QUADS), RdfFormat.N_TRIPLES)
                store.load(triples, RdfFormat.N_TRIPLES, to_graph=NamedNode(CONTEXT), lenient=True)
    for u in shard.units:
        for extra in (u.own, u.context, as_quads(_shared["orgs"][u.graph], CONTEXT_ORGANISATIONS)):
            if extra:
                _load(store, extra)
    if shard.organisations_only:
        _load(store, as_quads(_shared["organisations"], "urn:devkg:organisations"))
    result = ShardResult([])
    for f in run_checks(store, compiled):
        about_org = f.focus.startswith(org_prefix) and "/codelist/" not in f.focus
        if about_org == shard.organisations_only:
            result.findings.append(f)
    for u in shard.units:  # checked nowhere (their targets are in other shards); dumped and reasoned over
        if u.related:
            _load(store, u.related)
    publish = _shared.get("publish")
    if publish is not None:
        if not shard.organisations_only:
            _publish(store, shard, publish, result)
        _reason(store, shard, publish, result)
        _index(store, shard, publish, result)
    return result


def _publish(store: MemoryStore, shard: Shard, publish: Publish, result: ShardResult) -> None:
    """The dumps and project descriptions of each source graph, as the store will hold it."""
    from graph.export import write_part
    from graph.feed import ProjectGroups

    groups = ProjectGroups(Iris(publish.base))

    def take(graph, lines) -> None:
        result.descriptions.extend(groups.take(graph, lines))

    for graph, piece in shard.graphs:
        result.parts.append(write_part(store, graph, publish.work, publish.base, take, piece))
    result.descriptions += groups.flush()


def _reason(store: MemoryStore, shard: Shard, publish: Publish, result: ShardResult) -> None:
    """What the rules infer from the shard's sources with the reference graphs and their closure.

    Why a shard's inferences are its own: a project and everything under it come from one
    source, and every rule (domain, range, sub-class, sub-property, inverse, the place and
    SDG chains) joins a project's triples only with reference data. The sources' own
    statements about organisations are dropped first: the organisations shard reasons
    over the merged graph, which is what the store holds. Inferences about the shard's
    projects go to a file; those about other nodes (an organisation's type, a related
    project) may be stated or inferred elsewhere, so the build checks them against the store.
    """
    from graph.reason import materialise
    from graph.store import dump_graph

    store.remove_graph(NamedNode(CONTEXT_ORGANISATIONS))
    _load(store, publish.reasoning_reference)
    materialise(store, publish.ontology, SHARD_INFERRED)
    out = publish.work / f".inferred-{shard.number}.nt"
    dump_graph(store, out, RdfFormat.N_TRIPLES, SHARD_INFERRED)
    project_of, own = Iris(publish.base).project_of, []
    with out.open("rb") as f:
        for line in f:
            subject = line[:line.index(b" ")]
            if subject[:1] == b"<" and project_of(subject[1:-1].decode("utf-8")) in shard.projects:
                own.append(line)
            else:
                result.inferred_elsewhere.append(line)
    out.write_bytes(b"".join(own))
    result.inferred = out


def _index(store: MemoryStore, shard: Shard, publish: Publish, result: ShardResult) -> None:
    """The search index's rows of the shard's projects, or of the merged organisations, read after
    reasoning (facets follow inferred place types) and before anything is loaded: the build
    adds them to the index file while other shards are still being checked."""
    from graph.search import collect

    if shard.organisations_only:
        result.index = collect(EmbeddedStore.of(store), "organisation", publish.base)
    else:
        result.index = collect(EmbeddedStore.of(store), "project", publish.base, shard.projects)


def units(m: SourceMeta, placement: Placement, iris: Iris, cache: Path) -> list[Unit]:
    """A source as shards take it: whole, or (above `SHARD_QUADS`, written in several pieces) piece by piece,
    each piece with its own projects and the `dev:relatedProject` links from them."""
    path, own = nq_path(cache, m.key), placement.shared.get(m.graph, [])
    homed = set(own)
    own_quads = as_quads(own, m.graph)
    elsewhere = as_quads([t for t in m.shared if t not in homed], CONTEXT)  # shared triples other graphs hold
    projects = [str(iris.project(identifier)) for identifier, _line in m.identifiers]
    related = placement.related.get(m.graph, [])
    if m.triples <= SHARD_QUADS or len(m.pieces) < 2:
        return [Unit(path, None, m.graph, 0, own_quads, as_quads(related, m.graph), elsewhere, projects, m.triples)]
    every_shared = as_quads(m.shared, CONTEXT)  # for later pieces: what the first piece's graph holds, too
    out, start, piece_of = [], 0, {}
    for k, (_offset, _length, quads, count) in enumerate(m.pieces):
        these = projects[start:start + count]
        start += count
        piece_of.update(dict.fromkeys(these, k))
        out.append(Unit(path, m.pieces[k], m.graph, k, b"" if k else own_quads, b"", every_shared if k else elsewhere,
                        these, quads, m.document))
    by_piece: dict[int, list[str]] = {}
    for line in related:
        by_piece.setdefault(piece_of.get(iris.project_of(line[1:line.index(">")]), 0), []).append(line)
    for k, lines in by_piece.items():
        out[k].related = as_quads(lines, m.graph)
    return out


@dataclass(frozen=True)
class Publish:
    """What the workers do beyond SHACL: write each source graph's dumps into the export's staging
    directory (`work`), describe its projects for the feed, and reason over it (`ontology`'s rules,
    with `reasoning_reference`: the ontology and places graphs and the reference graphs' closure)."""

    work: Path
    base: str
    ontology: Graph
    reasoning_reference: bytes


def validate_sources(metas: list[SourceMeta], shapes: Graph, reference: dict[URIRef, Graph], placement: Placement,
                     iris: Iris, cache: Path, line: Stage, workers: int | None = None,
                     publish: Publish | None = None,
                     on_shard: Callable[[ShardResult], None] | None = None) -> ValidationReport:
    """SHACL findings of all sources (and the merged organisations), shard by shard. With `publish`,
    each shard also writes its source graphs' dumps and describes their projects for the feed,
    handed to `on_shard` shard by shard in graph order (so that no more than a few are held)."""
    from graph.ntriples import nt_line

    org_prefix = f"{iris.id}org/"
    compiled = compile_shapes(shapes, _subclasses(shapes, list(reference.values())))
    if compiled.unsupported:
        raise ValueError("shapes use SHACL features devkg does not compile: " + "; ".join(compiled.unsupported))
    _shared.update(compiled=compiled, org_prefix=org_prefix, publish=publish,
                   reference=b"".join(as_quads((nt_line(t) for t in g), str(name)) for name, g in reference.items()),
                   orgs={m.graph: m.orgs for m in metas}, organisations=placement.organisations)
    shards, shard = [], Shard()
    for m in sorted((m for m in metas if m.triples), key=lambda m: m.graph):
        for unit in units(m, placement, iris, cache):
            shard.units.append(unit)
            shard.projects.update(unit.projects)
            shard.quads += unit.quads
            if shard.quads >= SHARD_QUADS:
                shards.append(shard)
                shard = Shard(number=len(shards))
    if shard.units:
        shards.append(shard)
    shards.append(Shard(organisations_only=True, number=len(shards)))
    line.total = len(shards)
    findings: set[Finding] = set()
    workers = workers or min(os.cpu_count() or 1, 4)
    # Always in worker processes, in order (graph order for the feed; the pool still runs ahead): a
    # shard's in-memory store is given back when its worker ends, not kept by the build process.
    # The workers read the metas they inherit; frozen, the collector never walks (and so copies) them.
    gc.freeze()
    pool = multiprocessing.get_context("fork").Pool(max(1, min(workers, len(shards))))
    done_shards = pool.imap(_check_shard, shards)
    try:
        for done, result in enumerate(done_shards, 1):
            findings.update(result.findings)
            if on_shard is not None:
                on_shard(result)
            line.update(done, f"{done}/{len(shards)} shards, {len(findings)} findings")
    finally:
        pool.close()
        pool.join()
        gc.unfreeze()
        _shared.clear()
    ordered = sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 3), f.focus, f.path or "", f.message))
    return ValidationReport(not any(f.severity == "Violation" for f in ordered), ordered, report_graph(ordered))
