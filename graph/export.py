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
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from graph.config import Settings
from graph.namespaces import prefixes
from graph.store import DefaultGraph, EmbeddedStore, NamedNode, Quad, RdfFormat, serialize

if TYPE_CHECKING:
    from graph.describe import DatasetStats, DumpFile, describe

__all__ = ["DESCRIPTION", "SUMS", "DumpFile", "ExportError", "ExportReport", "describe", "discard_export",
           "discard_staged", "export", "export_build", "graph_file_name", "publish_dir", "publish_export",
           "publish_staged", "read_sums", "seal", "stage", "staging_dir"]

SUMS = "SHA256SUMS"


def __getattr__(name: str):
    """`DumpFile`, `describe`, `DatasetStats` from graph.describe (rdflib), loaded when first asked for:
    the web server imports this module for `export_build` and never needs rdflib to start."""
    if name in ("DatasetStats", "DumpFile", "describe"):
        from graph import describe as module

        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

DESCRIPTION = "void.ttl"
NQUADS = "devkg.nq.gz"
TRIG = "devkg.trig.gz"
_BUILDING, _DONE = "tmp", "export"  # hidden sibling directories: `.dumps.tmp-…`, `.dumps.export-…`
_SEP = "--"  # between the build id and mkdtemp's random part (which never holds "-")
GZIP_LEVEL = 6
BATCH = 100_000  # quads held in memory at once while dumping


class ExportError(Exception):
    """The export cannot be written where it was asked (the message names the path)."""


@dataclass
class ExportReport:
    directory: Path
    files: list[DumpFile] = field(default_factory=list)
    triples: int = 0  # quads written: every triple of every graph
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
    """One dump file being written, gzipped with mtime 0 and no file name in the header.

    Compression runs in a thread of its own (zlib lets go of the GIL), so the three or
    four files of a batch are compressed on another core while the next batch is read.
    """

    def __init__(self, path: Path, *, graph: str | None = None):
        self.path, self.graph, self.file = path, graph, _Hashed(path)
        self.gz = gzip.GzipFile(filename="", mode="wb", fileobj=self.file, mtime=0, compresslevel=GZIP_LEVEL)
        self.pending: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
        self.failed: BaseException | None = None
        self.thread = threading.Thread(target=self._compress, name=f"gzip {path.name}", daemon=True)
        self.thread.start()

    def _compress(self) -> None:
        while (data := self.pending.get()) is not None:
            if self.failed is None:
                try:
                    self.gz.write(data)
                except BaseException as e:  # a full disk: raised by close()
                    self.failed = e

    def write(self, data: bytes) -> None:
        self.pending.put(data)

    def close(self) -> DumpFile:
        self.pending.put(None)
        self.thread.join()
        try:
            if self.failed is not None:
                raise self.failed
            self.gz.close()
        finally:
            self.file.raw.close()
        from graph.describe import DumpFile

        return DumpFile(self.path.name, self.file.size, self.file.sha.hexdigest(), self.graph)


def _batches(quads: Iterator[Quad]) -> Iterator[list[Quad]]:
    while batch := list(islice(quads, BATCH)):
        yield batch


Tap = Callable[[str | None, list[Quad]], None]  # sees each batch of quads the export reads, graph by graph


def _dump(store: EmbeddedStore, work: Path, base: str, tap: Tap | None = None
          ) -> tuple[list[DumpFile], DatasetStats]:
    """Read each graph once and write it to the N-Quads, TriG and its own Turtle file together,
    counting what VoID reports on the way (and showing each batch to `tap`).

    Reading is the slow part (terms are decoded from disk), so one pass serves every
    output, the statistics and the harvest feed (`tap`). Graphs go in IRI order, each in
    batches of `BATCH` quads in the store's index order, so the bytes depend only on the
    data. A batch boundary repeats the prefix lines (valid Turtle/TriG).
    Triples in the default graph, which a devkg build never writes, go into the
    whole-dataset files only.
    """
    # Not `devid:`: instance IRIs have slashes, which Turtle would escape (`devid:org\/US-GOV-1`).
    pfx = {p: ns for p, ns in prefixes(base).items() if p != "devid"}
    from graph.describe import DatasetStats

    stats = DatasetStats(base)
    outputs = [nquads, trig] = [_Output(work / NQUADS), _Output(work / TRIG)]
    files = []
    try:
        graphs: list[str | None] = list(store.named_graphs())
        if next(iter(store.quads(graph=DefaultGraph())), None) is not None:
            graphs.insert(0, None)
        for g in graphs:
            own = None
            if g is not None:
                name = graph_file_name(g, base)
                if any(f.name == name for f in files):
                    raise ExportError(f"two named graphs map to the dump file {name}: rename one ({g})")
                own = _Output(work / name, graph=g)
                outputs.append(own)
            stats.graphs.setdefault(g, 0)
            node = NamedNode(g) if g is not None else DefaultGraph()
            for batch in _batches(store.quads(graph=node)):
                stats.add(g, batch)
                if tap is not None:
                    tap(g, batch)
                nquads.write(serialize(batch, RdfFormat.N_QUADS))
                trig.write(serialize(batch, RdfFormat.TRIG, pfx))
                if own is not None:
                    own.write(serialize(batch, RdfFormat.TURTLE, pfx))
            if own is not None:
                files.append(outputs.pop().close())
        return [nquads.close(), trig.close(), *files], stats
    finally:
        for o in outputs:  # after an error: stop the compression threads
            if o.thread.is_alive():
                o.pending.put(None)


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


def stage(store: EmbeddedStore, out_dir: Path, settings: Settings, *,
          modified: datetime | None = None, build_id: str | None = None, tap: Tap | None = None) -> ExportReport:
    """Write a complete export beside `out_dir` without publishing it (see `publish_export`).

    A build stages the export of its new store first, then switches the store and
    the export, so the dumps never describe a graph that is not (about to be) served.
    The export directory is named after `build_id` (default: the store directory's
    name, which is the build's), so the server can tell which build an export is of.
    `tap` sees every quad as it is read (the build's harvest feed reads them there).
    """
    from graph.describe import DumpFile, describe

    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    _check_target(out_dir)
    work = staging_dir(out_dir, build_id or (Path(store.path).name if getattr(store, "path", None) else "memory"))
    try:
        files, stats = _dump(store, work, settings.base, tap)
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
    return ExportReport(out_dir, files, total, time.perf_counter() - t0, staged=done)


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


def _check_target(out_dir: Path) -> None:
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
