"""Dumps of a store for harvesters: N-Quads, TriG, Turtle per graph, SHA256SUMS, void.ttl.

`devkg build` stages the export of its new store (`stage`) and publishes it right
after the store (`publish_export`); `devkg export DIR` writes one elsewhere.

An export is written into a fresh hidden directory beside `out_dir` and published
by swapping a symlink (`out_dir -> .<name>.export-XXXX`) with one atomic
`rename(2)`, the same way `graph.store` publishes builds: a harvester sees the
old export or the new one, never half of one. (Only replacing a plain directory,
as an older devkg wrote, leaves a moment with none, once.) Older exports are removed.
Files are gzipped with mtime 0 and no file name in the header, so the same data
gives the same bytes and checksums and ETags change only when the data does.

`SHA256SUMS` is in `sha256sum` format (`sha256sum -c SHA256SUMS` checks the
export); `void.ttl` (see `graph.describe`) lists every dump with its size and checksum.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from graph.config import Settings
from graph.dumpinfo import DatasetStats, DumpFile
from graph.namespaces import prefixes
from graph.store import DefaultGraph, EmbeddedStore, RdfFormat, dump_graph

__all__ = ["DESCRIPTION", "SUMS", "DumpFile", "ExportError", "ExportReport", "discard_export",
           "discard_staged", "export", "export_build", "graph_file_name", "publish_dir", "publish_export",
           "publish_staged", "read_sums", "seal", "stage", "staging_dir"]

SUMS = "SHA256SUMS"


DESCRIPTION = "void.ttl"
NQUADS = "devkg.nq.gz"
TRIG = "devkg.trig.gz"
_BUILDING, _DONE = "tmp", "export"  # hidden sibling directories: `.dumps.tmp-…`, `.dumps.export-…`
_SEP = "--"  # between the build id and mkdtemp's random part (which never holds "-")
GZIP_LEVEL = 6
LINES = 16 << 20  # bytes of N-Triples lines held at once while dumping


class ExportError(Exception):
    """The export cannot be written where it was asked (the message names the path)."""


@dataclass
class ExportReport:
    directory: Path
    files: list[DumpFile] = field(default_factory=list)
    triples: int = 0  # quads written: every triple of every graph
    graphs: dict[str, int] = field(default_factory=dict)  # quads per named graph, as VoID states them
    seconds: float = 0.0
    staged: Path | None = None  # the written export while it waits for `publish_export`


def graph_file_name(graph_iri: str, base: str) -> str:
    """`{base}graph/source/curated/x` -> `graph-source-curated-x.ttl.gz` (any other character -> `-`)."""
    local = graph_iri.removeprefix(f"{base}graph/")
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in local.replace("/", "-"))
    return f"graph-{safe.strip('.')}.ttl.gz"


class _Hashed:
    """The file under the gzip stream: writes bytes and keeps their SHA-256 and count (no re-read)."""

    def __init__(self, path: Path):
        self.raw, self.sha, self.size = path.open("wb"), hashlib.sha256(), 0

    def write(self, data) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


class _Output:
    """One dump file being written: gzip members with mtime 0 and no file name in the header.

    The whole-dataset files hold one member per graph (a valid gzip file; `gunzip` and
    every gzip reader join them), so a graph compressed ahead by a build worker is
    copied in as it is (`append_member`). Compression runs in a thread of its own (zlib
    lets go of the GIL): the files of a batch are compressed on another core while the
    next batch is read.
    """

    def __init__(self, path: Path, *, graph: str | None = None):
        self.path, self.graph, self.file = path, graph, _Hashed(path)
        self.pending: queue.Queue = queue.Queue(maxsize=8)
        self.failed: BaseException | None = None
        self.thread = threading.Thread(target=self._work, name=f"gzip {path.name}", daemon=True)
        self.thread.start()

    def _work(self) -> None:
        gz = None
        while (item := self.pending.get()) is not None:
            if self.failed is not None:
                continue
            try:
                if isinstance(item, bytes):
                    if gz is None:
                        gz = gzip.GzipFile(filename="", mode="wb", fileobj=self.file, mtime=0,
                                           compresslevel=GZIP_LEVEL)
                    gz.write(item)
                else:  # the end of a member, and a finished member to copy after it
                    if gz is not None:
                        gz.close()
                        gz = None
                    if item:
                        with open(item, "rb") as f:
                            while chunk := f.read(1 << 20):
                                self.file.write(chunk)
            except BaseException as e:  # a full disk: raised by close()
                self.failed = e
        if gz is not None and self.failed is None:
            gz.close()

    def write(self, data: bytes) -> None:
        self.pending.put(data)

    def end_member(self) -> None:
        self.pending.put("")

    def append_member(self, path: Path) -> None:
        """Copy in a gzip member written elsewhere (a build worker's `GraphPart`)."""
        self.pending.put(str(path))

    def stop(self) -> None:
        if self.thread.is_alive():
            self.pending.put(None)
            self.thread.join()

    def close(self) -> DumpFile:
        self.stop()
        self.file.raw.close()
        if self.failed is not None:
            raise self.failed
        return DumpFile(self.path.name, self.file.size, self.file.sha.hexdigest(), self.graph)


@dataclass
class GraphPart:
    """One named graph's dumps (or, for a source taken apart across shards, one piece's), written
    ahead by a build worker from its in-memory shard: its Turtle (already the graph's file in the
    export directory for piece 0, a file of its own to append to it for later pieces) and its
    members of the whole-dataset N-Quads and TriG files (copied in by `stage`, then deleted)."""

    graph: str
    turtle: DumpFile
    nquads: Path
    trig: Path
    stats: DatasetStats | None  # taken into `Prepared.stats` as the part arrives
    piece: int = 0


class Prepared:
    """The source graphs a build's workers dumped ahead (`GraphPart`s, a graph's in piece order),
    and what they counted. A graph written in pieces gets one Turtle file: each later piece's
    gzip members are appended to the first's as they arrive (Turtle allows a prefix declared
    again, TriG a graph in several blocks), hashed on the way."""

    def __init__(self, base: str, work: Path):
        self.parts: dict[str, list[GraphPart]] = {}
        self.stats = DatasetStats(base, spill=_spill(work))
        self._hashes: dict[str, hashlib._Hash] = {}

    def add(self, part: GraphPart) -> None:
        self.stats.merge(part.stats)
        part.stats = None
        parts = self.parts.setdefault(part.graph, [])
        if (parts[-1].piece if parts else -1) >= part.piece or (not parts and part.piece):
            raise ExportError(f"pieces of {part.graph} came out of order (piece {part.piece} after "
                              f"{[p.piece for p in parts]})")
        parts.append(part)
        if len(parts) > 1:
            self._append_turtle(parts[0], part)

    def _append_turtle(self, first: GraphPart, piece: GraphPart) -> None:
        whole, extra = first.nquads.parent / first.turtle.name, piece.nquads.parent / piece.turtle.name
        sha = self._hashes.get(first.graph)
        if sha is None:
            sha = self._hashes[first.graph] = hashlib.sha256()
            with whole.open("rb") as f:
                while chunk := f.read(1 << 20):
                    sha.update(chunk)
        size = first.turtle.size
        with whole.open("ab") as out, extra.open("rb") as f:
            while chunk := f.read(1 << 20):
                sha.update(chunk)
                out.write(chunk)
                size += len(chunk)
        extra.unlink()
        first.turtle = DumpFile(first.turtle.name, size, sha.hexdigest(), first.graph)


def _spill(work: Path) -> Path:
    """Where an export's VoID counts spill (inside its staging directory; gone before it is sealed)."""
    return work / ".distinct"


def _prefixes(base: str) -> dict[str, str]:
    # Not `devid:`: instance IRIs have slashes, which Turtle would escape (`devid:org\/US-GOV-1`).
    return {p: ns for p, ns in prefixes(base).items() if p != "devid"}


def _lines(path: Path) -> Iterator[list[bytes]]:
    with path.open("rb") as f:
        while lines := f.readlines(LINES):
            yield lines


def write_graph(store, graph: str | None, work: Path, outputs: list[_Output], stats: DatasetStats,
                pfx: dict[str, str], take: Callable[[str | None, list[bytes]], None] | None = None) -> None:
    """One graph into the N-Quads and TriG outputs (a member each) and, when given, its own Turtle file.

    The engine writes the graph as N-Triples and as Turtle into temporary files (its order,
    so the bytes depend only on the data); the N-Quads member is the N-Triples lines with
    the graph name, the TriG member the Turtle in a graph block. `take` sees the lines too.
    """
    nquads, trig, *own = outputs
    tmp = work / f".{os.getpid()}-{threading.get_ident()}.tmp"
    try:
        dump_graph(store, tmp, RdfFormat.N_TRIPLES, graph)
        suffix = f" <{graph}> .\n".encode() if graph is not None else b" .\n"
        for lines in _lines(tmp):
            stats.add(graph, lines)
            if take is not None:
                take(graph, lines)
            nquads.write(b"".join([line[:-3] + suffix for line in lines]))
        nquads.end_member()
        dump_graph(store, tmp, RdfFormat.TURTLE, graph, pfx)
        with tmp.open("rb") as f:
            header = b""
            while (line := f.readline()).startswith(b"@prefix "):  # the serializer's own directives
                header += line
            trig.write(header + (f"<{graph}> {{\n" if graph is not None else "{\n").encode() + line)
            for o in own:
                o.write(header + line)
            while chunk := f.read(1 << 22):
                trig.write(chunk)
                for o in own:
                    o.write(chunk)
            trig.write(b"}\n")
            trig.end_member()
    finally:
        tmp.unlink(missing_ok=True)


def write_part(store, graph: str, work: Path, base: str, take=None, piece: int = 0) -> GraphPart:
    """A source graph's dumps (from `piece` on, when a large source is taken apart), written by a
    build worker from its shard (see `write_graph`)."""
    name = graph_file_name(graph, base)
    stem = f"{name.removesuffix('.ttl.gz')}.{piece}"
    turtle = work / name if piece == 0 else work / f".{stem}.ttl.part"
    outputs = [_Output(work / f".{stem}.nq.part"), _Output(work / f".{stem}.trig.part"),
               _Output(turtle, graph=graph)]
    stats = DatasetStats(base)
    try:
        write_graph(store, graph, work, outputs, stats, _prefixes(base), take)
        nquads, trig, own = (o.close() for o in outputs)
    finally:
        for o in outputs:
            o.stop()
    return GraphPart(graph, own, work / nquads.name, work / trig.name, stats, piece)


def count(store, base: str) -> DatasetStats:
    """What VoID counts of a store at rest (when no export pass counted it)."""
    stats = DatasetStats(base)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graph.nt"
        for g in [None, *store.named_graphs()]:
            dump_graph(store, path, RdfFormat.N_TRIPLES, g)
            for lines in _lines(path):
                stats.add(g, lines)
    stats.graphs = {g: n for g, n in stats.graphs.items() if g is not None or n}
    return stats


def _dump(store: EmbeddedStore, work: Path, base: str, prepared: Prepared | None = None
          ) -> tuple[list[DumpFile], DatasetStats]:
    """Write each graph to the N-Quads, TriG and its own Turtle file, counting what VoID
    reports on the way; graphs `prepared` were written by build workers.

    Graphs go in IRI order, one gzip member each. Triples in the default graph, which a
    devkg build never writes, go into the whole-dataset files only.
    """
    pfx, parts = _prefixes(base), prepared.parts if prepared else {}
    stats = prepared.stats if prepared else DatasetStats(base, spill=_spill(work))
    whole = [_Output(work / NQUADS), _Output(work / TRIG)]
    files, names, own = [], set(), None
    try:
        graphs: list[str | None] = sorted(set(store.named_graphs()) | set(parts))
        if next(iter(store.quads(graph=DefaultGraph())), None) is not None:
            graphs.insert(0, None)
        for g in graphs:
            if g is not None:
                name = graph_file_name(g, base)
                if name in names:
                    raise ExportError(f"two named graphs map to the dump file {name}: rename one ({g})")
                names.add(name)
            if g in parts:
                for part in parts[g]:
                    whole[0].append_member(part.nquads)
                    whole[1].append_member(part.trig)
                files.append(parts[g][0].turtle)
                continue
            own = _Output(work / name, graph=g) if g is not None else None
            write_graph(store, g, work, whole + ([own] if own else []), stats, pfx)
            if own is not None:
                files.append(own.close())
                own = None
        done = [o.close() for o in whole]
    finally:
        for o in whole + ([own] if own else []):
            o.stop()
    for part in (p for pieces in parts.values() for p in pieces):
        part.nquads.unlink(missing_ok=True)
        part.trig.unlink(missing_ok=True)
    return [*done, *files], stats


def export(store: EmbeddedStore, out_dir: Path, settings: Settings, *,
           modified: datetime | None = None, build_id: str | None = None) -> ExportReport:
    """Write every dump, `void.ttl` and `SHA256SUMS`, then publish them as `out_dir` in one step.

    `out_dir` becomes a symlink to the new export; a previous export there (a link,
    or a plain directory holding a `SHA256SUMS`) is replaced completely. Any other
    non-empty directory is refused rather than deleted.
    """
    report = stage(store, out_dir, settings, modified=modified, build_id=build_id)
    try:
        publish_export(report)
    except BaseException:
        discard_export(report)
        raise
    return report


def stage(store: EmbeddedStore, out_dir: Path, settings: Settings, *, modified: datetime | None = None,
          build_id: str | None = None, work: Path | None = None, prepared: Prepared | None = None
          ) -> ExportReport:
    """Write a complete export beside `out_dir` without publishing it (see `publish_export`).

    A build stages the export of its new store first, then switches the store and
    the export, so the dumps never describe a graph that is not (about to be) served.
    The export directory is named after `build_id` (default: the store directory's
    name, which is the build's), so the server can tell which build an export is of.
    A build passes the staging directory it made (`work`, from `staging_dir`) with the
    source graphs its workers wrote there (`parts`).
    """
    from graph.describe import describe  # rdflib: only when an export is written

    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    check_target(out_dir)
    work = work or staging_dir(out_dir, build_id or (Path(store.path).name if getattr(store, "path", None)
                                                     else "memory"))
    try:
        files, stats = _dump(store, work, settings.base, prepared)
        stats.settle()  # and its spill files are gone before the directory is sealed
        total = sum(stats.graphs.values())
        body = describe(store, settings, files, modified=modified, stats=stats).serialize(format="turtle",
                                                                                          encoding="utf-8")
        (work / DESCRIPTION).write_bytes(body)
        files.append(DumpFile(DESCRIPTION, len(body), hashlib.sha256(body).hexdigest()))
        (work / SUMS).write_text("".join(f"{f.sha256}  {f.name}\n" for f in files), encoding="utf-8")
        done = seal(work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    named = {g: n for g, n in stats.graphs.items() if g is not None}
    return ExportReport(out_dir, files, total, named, time.perf_counter() - t0, staged=done)


def staging_dir(out_dir: Path, build_id: str) -> Path:
    """A fresh hidden directory beside `out_dir` to write what `build_id` publishes there (then `seal` it).

    Also used for the harvest feed's state (graph/feed.py), which is published the same way.
    """
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tag = "".join(c if c.isalnum() or c in "-_." else "-" for c in build_id)
    return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{_BUILDING}-{tag}{_SEP}", dir=out_dir.parent))


def seal(work: Path) -> Path:
    """A fully written staging directory, made world-readable and renamed as finished (for `publish_dir`)."""
    for p in work.iterdir():
        p.chmod(0o644)
    work.chmod(0o755)
    done = work.with_name(work.name.replace(f".{_BUILDING}-", f".{_DONE}-", 1))
    work.rename(done)
    return done


def publish_staged(report, error: type[Exception]) -> None:
    """Make what a report staged (an export, the feed's state) live as `report.directory` (one atomic rename)."""
    if report.staged is None:
        raise error(f"{report.directory} was already published or discarded")
    publish_dir(report.staged, report.directory)
    report.staged = None


def discard_staged(report) -> None:
    """Remove what a report staged that will not be published (its build failed)."""
    if report.staged is not None:
        shutil.rmtree(report.staged, ignore_errors=True)
        report.staged = None


def publish_export(report: ExportReport) -> None:
    publish_staged(report, ExportError)


discard_export = discard_staged


def export_build(out_dir: Path) -> str | None:
    """The build id an export at `out_dir` was made from, or None (no export, or an older devkg's)."""
    out_dir = Path(out_dir)
    try:
        target = os.readlink(out_dir)
    except OSError:
        return None
    name = Path(target).name
    prefix = f".{out_dir.name}.{_DONE}-"
    if not name.startswith(prefix) or _SEP not in name:
        return None
    return name[len(prefix):].rpartition(_SEP)[0] or None


def check_target(out_dir: Path) -> None:
    """Refuse, before any work, an export directory that holds something else."""
    if out_dir.is_symlink() or not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise ExportError(f"{out_dir} exists and is not a directory; move it away first")
    if any(out_dir.iterdir()) and not (out_dir / SUMS).exists():
        raise ExportError(f"{out_dir} is a directory that holds no devkg export (no {SUMS}); "
                          "refusing to replace it: move it away or choose another directory")


def publish_dir(export_dir: Path, out_dir: Path) -> None:
    """Point `out_dir` at `export_dir` atomically, then remove older exports."""
    link = out_dir.with_name(f".{out_dir.name}.link-{os.getpid()}")
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(export_dir.name, link)
    aside = None
    if out_dir.is_dir() and not out_dir.is_symlink():  # a plain directory: an older devkg export
        aside = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        out_dir.rename(aside / "old")
    os.replace(link, out_dir)
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
    # Earlier exports only: one finished by a concurrent run after ours may be about to go live.
    ours = export_dir.stat().st_mtime
    for old in out_dir.parent.glob(f".{out_dir.name}.{_DONE}-*"):
        if old.name != export_dir.name and old.stat().st_mtime <= ours:
            shutil.rmtree(old, ignore_errors=True)


def read_sums(out_dir: Path) -> dict[str, str]:
    """File name -> SHA-256 from an export's `SHA256SUMS`, for the /dumps/ listing.

    Lines that are not `<64 hex>  <name>` (or `*<name>`, sha256sum's binary mark),
    or that name a path rather than a file, are skipped: the listing never offers them.
    """
    path = Path(out_dir) / SUMS
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return {}
    sums = {}
    for line in text.splitlines():
        digest, sep, name = line.partition(" ")
        name = name[1:] if name[:1] in (" ", "*") else ""
        if sep and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest.lower()) \
                and name and "/" not in name and name not in (".", ".."):
            sums[name] = digest.lower()
    return sums
