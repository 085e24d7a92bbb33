"""SHACL over a large build: shards of sources, each checked in an in-memory store, on every core.

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
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SH

from graph.buildlog import Stage
from graph.shacl_sparql import CompiledShapes, compile_shapes, report_graph, run_checks
from graph.sourcework import SourceMeta, nq_path
from graph.store import MemoryStore, RdfFormat
from graph.validate import SEVERITY_ORDER, Finding, ValidationReport

SHARD_QUADS = 1_500_000
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


def _check_shard(job: tuple) -> list[Finding]:
    paths, extra, org_prefix, organisations_only = job
    compiled: CompiledShapes = _shared["compiled"]
    store = MemoryStore()
    store.bulk_load(_shared["reference"], RdfFormat.N_QUADS)
    for path in paths:
        store.bulk_load(path=str(path), format=RdfFormat.N_QUADS)
    if extra:
        store.bulk_load(extra, RdfFormat.N_QUADS)
    out = []
    for f in run_checks(store, compiled):
        about_org = f.focus.startswith(org_prefix) and "/codelist/" not in f.focus
        if about_org == organisations_only:
            out.append(f)
    return out


def _quads(lines, graph: str) -> bytes:
    suffix = f" <{graph}> .\n"
    return "".join(line[:-3] + suffix for line in lines).encode("utf-8")


def validate_sources(metas: list[SourceMeta], shapes: Graph, reference: dict[URIRef, Graph], organisations: list[str],
                     org_prefix: str, cache: Path, line: Stage, workers: int | None = None) -> ValidationReport:
    """SHACL findings of all sources (and the merged organisations), shard by shard."""
    from graph.ntriples import nt_line

    compiled = compile_shapes(shapes, _subclasses(shapes, list(reference.values())))
    if compiled.unsupported:
        raise ValueError("shapes use SHACL features devkg does not compile: " + "; ".join(compiled.unsupported))
    _shared["compiled"] = compiled
    _shared["reference"] = b"".join(_quads((nt_line(t) for t in g), str(name)) for name, g in reference.items())
    jobs, paths, extra, size = [], [], [], 0
    for m in metas:
        if not m.triples:
            continue
        paths.append(nq_path(cache, m.key))
        extra.append(_quads(list(m.orgs) + list(m.shared), m.graph))
        size += m.triples
        if size >= SHARD_QUADS:
            jobs.append((paths, b"".join(extra), org_prefix, False))
            paths, extra, size = [], [], 0
    if paths:
        jobs.append((paths, b"".join(extra), org_prefix, False))
    jobs.append(([], _quads(organisations, "urn:devkg:organisations"), org_prefix, True))
    line.total = len(jobs)
    findings: set[Finding] = set()
    workers = workers or min(os.cpu_count() or 1, 4)
    if workers <= 1 or len(jobs) <= 2:
        results = map(_check_shard, jobs)
        pool = None
    else:
        pool = multiprocessing.get_context("fork").Pool(min(workers, len(jobs)))
        results = pool.imap_unordered(_check_shard, jobs)
    try:
        for done, found in enumerate(results, 1):
            findings.update(found)
            line.update(done, f"{done}/{len(jobs)} shards, {len(findings)} findings")
    finally:
        if pool is not None:
            pool.close()
            pool.join()
        _shared.clear()
    ordered = sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 3), f.focus, f.path or "", f.message))
    return ValidationReport(not any(f.severity == "Violation" for f in ordered), ordered, report_graph(ordered))
