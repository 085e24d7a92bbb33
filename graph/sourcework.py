"""One source file read, checked and mapped to N-Triples, in a worker, cached by content hash.

The streamed build (`graph/build.py`) hands each IATI file to `process_iati` in a
process pool. A worker reads the file activity by activity, runs the shared checks,
maps projects in batches into a `TripleSink` and writes the triples to
`{cache}/{name}.nq.gz` (N-Quads in the source's graph, gzipped), so nothing per activity
crosses back to the main process or stays in memory. What the main process needs to combine sources goes in
`{name}.json` (`SourceMeta`): identifiers with their lines (duplicates across
files), problems, and the few triples that are not the source's alone:

- `orgs`: triples about organisations, merged into `graph/organisations`;
- `shared`: other triples two sources may both state (codelist concepts a source
  names, a publisher's own scheme), which live in the first source graph only;
- `related`: `dev:relatedProject` links, kept only when the target project exists.

Every other triple has a project or the source document as subject, so it belongs
to this source's graph alone and is bulk-loaded from the entry as it is.

Entries are gzipped at level 1 (`ENTRY_LEVEL`): about a tenth of the bytes, so a 1M-activity
build's cache is some 4 GB instead of 40 GB beside a store of about that size, for about 3%
of the build's CPU (zlib writes ~370 MB/s and reads ~480 MB/s of N-Quads here; zstd would be
three times faster but is a dependency for 2%). Written with mtime 0 and no file name, so equal
inputs still give byte-identical entries.

An entry is written as gzip members (`Members`), each readable alone: pieces of whole
projects of up to `PIECE_QUADS` quads, then the source document. The build's shards take
a large source apart by its pieces, so one large file is checked, reasoned over and
dumped on every core, in the memory of a piece rather than of the file (`graph.shards`).

A cache entry is reused when the file's SHA-256 and the pipeline's `fingerprint()`
(code and reference data that shape the triples) are unchanged: a rebuild after one
file of many changed reads and maps that file only.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

from graph.records import Problem, Where

BATCH = 500  # projects mapped per flush of the triple sink
ENTRY_LEVEL = 1  # gzip level of the cache entries (see above)
PIECE_QUADS = 100_000  # an entry's pieces end at the first batch boundary past this many quads
CODE = Path(__file__).resolve().parent
_FINGERPRINT_CODE = ["records.py", "reference.py", "namespaces.py", "ntriples.py", "sourcework.py",
                     "mapping", "sources"]


@dataclass
class SourceMeta:
    key: str  # "iati/{stem}" (the Source key)
    graph: str  # the source's named graph IRI
    sha256: str
    fingerprint: str
    triples: int = 0  # quads in the cache entry
    identifiers: list[tuple[str, int | None]] = field(default_factory=list)
    # file, line, message, severity, project identifier
    problems: list[tuple[str, int | None, str, str, str | None]] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)
    related: list[tuple[str, str]] = field(default_factory=list)  # (N-Triples line, target project IRI)
    # the entry's gzip members: pieces of whole projects, then the source document (none when it is empty),
    # each (offset, length, quads, projects), projects counted in the order of `identifiers`
    pieces: list[tuple[int, int, int, int]] = field(default_factory=list)
    document: tuple[int, int, int, int] | None = None
    kind: str = "iati"
    path: str = ""  # as messages show it
    cached: bool = False  # set by the caller: this run reused the entry

    def problem_list(self) -> list[Problem]:
        return [Problem(Where(f, line), message, severity, project)
                for f, line, message, severity, project in self.problems]


def fingerprint(data_dir: Path, base: str) -> str:
    """A hash of everything besides the file itself that decides a source's triples."""
    h = hashlib.sha256(base.encode())
    paths = []
    for name in _FINGERPRINT_CODE:
        p = CODE / name
        paths += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    ref = Path(data_dir) / "reference"
    if ref.is_dir():
        paths += sorted(p for p in ref.rglob("*") if p.is_file())
    for p in paths:
        h.update(str(p.name).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def entry_name(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def cached(cache: Path, key: str, sha256: str, fp: str) -> SourceMeta | None:
    """The cached result for a source, when it was made from these bytes by this pipeline."""
    meta_path, nq = meta_path_of(cache, key), nq_path(cache, key)
    try:
        raw = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if raw.get("sha256") != sha256 or raw.get("fingerprint") != fp or not nq.exists():
        return None
    meta = SourceMeta(**{k: v for k, v in raw.items() if k != "cached"})
    meta.identifiers = [tuple(x) for x in meta.identifiers]
    meta.related = [tuple(x) for x in meta.related]
    meta.pieces = [tuple(x) for x in meta.pieces]
    meta.document = tuple(meta.document) if meta.document else None
    meta.cached = True
    return meta


def nq_path(cache: Path, key: str) -> Path:
    """A source's cache entry: its N-Quads, gzipped (read them with `open_entry`)."""
    return cache / f"{entry_name(key)}.nq.gz"


def meta_path_of(cache: Path, key: str) -> Path:
    return cache / f"{entry_name(key)}.json"


def entry_files(cache: Path, key: str) -> set[str]:
    """The names of a source's cache files, so that anything else in the cache can be dropped."""
    return {nq_path(cache, key).name, meta_path_of(cache, key).name}


def open_entry(path: Path) -> IO[bytes]:
    """A cache entry's N-Quads, as a stream for the engine's loaders."""
    return gzip.open(path, "rb")


def read_member(path: Path, member: tuple[int, int, int, int]) -> bytes:
    """One gzip member of a cache entry (a piece, or the document), as N-Quads."""
    offset, length = member[:2]
    with path.open("rb") as f:
        f.seek(offset)
        return gzip.decompress(f.read(length))


class Members:
    """A gzip file written as members that each decompress alone; `end` closes one and records
    (offset, length, quads, projects). mtime 0 and no file name: equal data, equal bytes."""

    def __init__(self, path: Path):
        self.file, self.gz, self.start = path.open("wb"), None, 0
        self.quads = self.projects = 0
        self.ended: list[tuple[int, int, int, int]] = []

    def write(self, data: bytes, quads: int, projects: int = 0) -> None:
        if not data:
            return
        if self.gz is None:
            self.start = self.file.tell()
            self.gz = gzip.GzipFile(filename="", mode="wb", fileobj=self.file, mtime=0, compresslevel=ENTRY_LEVEL)
        self.gz.write(data)
        self.quads += quads
        self.projects += projects

    def end(self) -> tuple[int, int, int, int] | None:
        if self.gz is None:
            return None
        self.gz.close()  # writes the member's trailer; the file stays open
        self.gz = None
        self.ended.append((self.start, self.file.tell() - self.start, self.quads, self.projects))
        self.quads = self.projects = 0
        return self.ended[-1]

    def close(self) -> None:
        self.end()
        self.file.close()


class SourceWriter:
    """Maps projects of one source into its cache entry, in batches."""

    def __init__(self, cache: Path, key: str, graph: str, sha256: str, fp: str, base: str, sdg_iri, kind: str,
                 path: str, orgs=None):
        from graph.mapping.iris import Iris
        from graph.mapping.project import ProjectMapper
        from graph.ntriples import TripleSink

        self.cache = cache
        self.meta = SourceMeta(key=key, graph=graph, sha256=sha256, fingerprint=fp, kind=kind, path=path)
        self.iris = Iris(base)
        self.sink = TripleSink()
        self.mapper = ProjectMapper(self.iris, sdg_iri, self.sink, orgs)  # orgs: the source's OrgIndex
        self.own = (f"{self.iris.id}project/", f"{self.iris.id}source/")
        self.org = f"{self.iris.id}org/"
        self.related = self.iris.vocab + "relatedProject"
        self.pending = 0
        self.tmp = nq_path(cache, key).with_name(f"{nq_path(cache, key).name}.{os.getpid()}.tmp")
        self.graph_suffix = f" <{graph}> .\n"
        self.out = Members(self.tmp)  # UTF-8, written a batch at a time (one encode, one write)
        self.orgs: set[str] = set()
        self.shared: set[str] = set()
        self.document: set[str] = set()  # the source document, described again by every project

    def add(self, project) -> None:
        self.mapper.add(project)
        self.meta.identifiers.append((project.identifier, project.at("identifier").line))
        self.pending += 1
        if self.pending >= BATCH:
            self.flush()

    def problem(self, p: Problem) -> None:
        self.meta.problems.append((p.where.file, p.where.line, p.message, p.severity, p.project))

    def flush(self) -> None:
        lines = []
        related = f"> <{self.related}> "
        project, document, org = (f"<{prefix}" for prefix in (*self.own, self.org))  # lines start "<{subject}>"
        suffix = self.graph_suffix
        for line in self.sink.drain():
            if related in line:
                self.meta.related.append((line, line[line.rindex("<", 0, -3) + 1:line.rindex(">")]))
            elif line.startswith(project):
                lines.append(line)
            elif line.startswith(document):
                self.document.add(line[:-3] + suffix)
            elif line.startswith(org) and "/codelist/" not in line[:line.index(">")]:
                self.orgs.add(line)
            else:
                self.shared.add(line)
        # Deterministic files: equal inputs give equal cache entries. Sorted as triples, in the same order as
        # the quads (a line's triple is never a prefix of another's followed by a space); N-Triples escapes
        # newlines in literals, so " .\n" ends each line and one replace makes the quads.
        lines.sort()
        text = "".join(lines)
        if text.count("\n") == len(lines):
            text = text.replace(" .\n", suffix)
        else:  # a raw newline in an IRI (rdflib warned of it): line by line, as quads
            text = "".join(sorted(line[:-3] + suffix for line in lines))
        self.out.write(text.encode("utf-8"), len(lines), self.pending)
        if self.out.quads >= PIECE_QUADS:
            self.out.end()
        self.meta.triples += len(lines)
        self.pending = 0

    def close(self) -> SourceMeta:
        self.flush()
        self.out.end()
        self.meta.pieces = list(self.out.ended)
        if self.document:
            self.out.write("".join(sorted(self.document)).encode("utf-8"), len(self.document))
            self.meta.document = self.out.end()
        self.meta.triples += len(self.document)
        self.out.close()
        self.meta.orgs, self.meta.shared = sorted(self.orgs), sorted(self.shared)
        self.meta.related.sort()
        os.replace(self.tmp, nq_path(self.cache, self.meta.key))
        meta_path = meta_path_of(self.cache, self.meta.key)
        tmp = meta_path.with_suffix(f".json.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({k: v for k, v in asdict(self.meta).items() if k != "cached"}), encoding="utf-8")
        os.replace(tmp, meta_path)
        return self.meta


_places: dict = {}  # data dir -> PlaceIndex, made once per worker


def process_iati(job: tuple) -> SourceMeta:
    """Read, check and map one IATI file into the cache (runs in a worker process)."""
    from graph.mapping.organisation import OrgIndex
    from graph.reference import Reference
    from graph.sources.checks import check_project, first_of_each
    from graph.sources.iati import PlaceIndex, org_names, read_iati_file
    from graph.sources.iati.reader import display_path

    path, root, key, graph, sha256, fp, base, data_dir, cache = job
    ref = Reference.load(data_dir)
    orgs = OrgIndex.of_pairs(org_names(Path(path)))  # names used with an identifier anywhere in the file
    writer = SourceWriter(Path(cache), key, graph, sha256, fp, base, ref.sdg_iri, "iati",
                          display_path(Path(path), root), orgs)
    places = _places.get(data_dir) or _places.setdefault(data_dir, PlaceIndex(ref.places))
    for item in first_of_each(read_iati_file(Path(path), root, places=places)):  # repeats within the file
        if isinstance(item, Problem):
            writer.problem(item)
            continue
        item.source.locate(root, Path(data_dir))
        for p in check_project(item, ref):
            writer.problem(p)
        writer.add(item)
    return writer.close()
