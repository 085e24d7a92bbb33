"""The harvest feed's state: every version of every project, carried from build to build.

Why: a harvester that holds a copy of the graph should not download every dump again
to learn what changed. Each build compares each project's description (its triples
in its source graph: the project and the child nodes under its IRI, `{project}/...`)
with the latest version the feed holds, by the SHA-256 of its sorted N-Triples, and
appends a version only for a project whose description appeared, changed or
disappeared (a delete marker). `/ldes` serves the log as a Linked Data Event Stream
(graph/web/feed.py).

The state is one SQLite file (`feed.sqlite`) in a directory published the way the dumps
are (graph/export.py): a build copies the published state into a staging directory
beside `DEVKG_FEED`, appends to the copy and switches the `DEVKG_FEED` link right after
the store. A build that fails or is killed leaves the published feed as it was, and
the server offers only the feed made by the build it serves.

Time: `prov:generatedAtTime`, the stream's `ldes:timestampPath`, is when a build found
the version (UTC, milliseconds, later than every earlier version). LDES forbids adding a
member older than the latest one, and a publisher's own date is often older than the
build that first sees it, so that date (IATI `last-updated-datetime`, read as
`dev:lastUpdated`) is the version's `dcterms:modified` instead; without one,
`dcterms:modified` is the build time too.

Retention (`DEVKG_FEED_WINDOW` days, W): a version stays while it is younger than W or
is its project's latest; a delete marker stays W days. A dropped version keeps its row
(position and time, no content), so page ranges and their links never change.
"""

from __future__ import annotations

import hashlib
import math
import re
import shutil
import sqlite3
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from graph.config import Settings
from graph.export import discard_staged, export_build, publish_staged, seal, staging_dir
from graph.mapping.iris import Iris
from graph.store import EmbeddedStore, Literal, RdfFormat, dump_graph, parse

FEED_DB = "feed.sqlite"
MAX_PAGE = 1000  # versions per page at most: a page is read and rendered per request
CREATE, UPDATE, DELETE = "create", "update", "delete"
_SCHEMA = """
CREATE TABLE version (
    seq INTEGER PRIMARY KEY,      -- position in the log, 1, 2, ...: never reused
    project TEXT NOT NULL,        -- the project IRI (dcterms:isVersionOf)
    iri TEXT NOT NULL UNIQUE,     -- the version IRI (the member)
    generated TEXT NOT NULL,      -- prov:generatedAtTime, YYYY-MM-DDThh:mm:ss.sssZ (sorts as text)
    modified TEXT,                -- dev:lastUpdated as the source stated it, else NULL
    modified_type TEXT,           -- its datatype IRI
    kind TEXT NOT NULL,           -- create | update | delete
    hash TEXT,                    -- SHA-256 of the sorted N-Triples (NULL for a delete)
    content BLOB,                 -- those N-Triples, zlib; NULL for a delete and once dropped
    kept INTEGER NOT NULL         -- 1 while the retention policy keeps the version in /ldes
);
CREATE INDEX version_project ON version (project, seq);
CREATE INDEX version_generated ON version (generated);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class FeedError(Exception):
    """The feed's state cannot be written or read where the settings say."""


def stamp(moment: datetime) -> str:
    """An xsd:dateTime in UTC with milliseconds, the one form the feed writes (it sorts as text)."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?")


def parse_time(text: str) -> datetime | None:
    """An xsd:dateTime (or xsd:date, as its first moment) in UTC; None if `text` is neither.

    Without a time zone the value is read as UTC. Fractions below a millisecond round up,
    so `since=` never takes in a version generated before the asked time.
    """
    text = text.strip()
    if not _DATE_TIME.fullmatch(text):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:  # month 13, hour 25...
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    ms = math.ceil(value.microsecond / 1000)
    return value.replace(microsecond=0) + timedelta(milliseconds=ms)


def _later(moment: datetime, last: str | None) -> datetime:
    """`moment`, or a millisecond after `last` when the clock has not passed it (LDES: never older)."""
    if last is not None:
        floor = parse_time(last) + timedelta(milliseconds=1)
        if moment < floor:
            return floor
    return moment


def page_size(settings: Settings) -> int:
    if not 1 <= settings.feed_page <= MAX_PAGE:
        raise ValueError(f"DEVKG_FEED_PAGE must be 1-{MAX_PAGE}, not {settings.feed_page}")
    return settings.feed_page


# --- what a build finds ---------------------------------------------------------------
@dataclass(frozen=True)
class Description:
    """One project as this build describes it: its sorted N-Triples lines, hashed and zlib-compressed
    where they are read (a build worker), as the feed stores them. Held plain, the descriptions of one
    200 MB IATI file took about 2 GB in its worker and again in the build process."""

    project: str
    sha256: str  # of the content's UTF-8 bytes
    packed: bytes  # the content, zlib level 6
    modified: tuple[str, str] | None  # dev:lastUpdated: (lexical form, datatype IRI)

    @classmethod
    def of(cls, project: str, content: bytes, modified: tuple[str, str] | None = None) -> Description:
        return cls(project, hashlib.sha256(content).hexdigest(), zlib.compress(content, 6), modified)

    @property
    def content(self) -> str:
        return zlib.decompress(self.packed).decode("utf-8")


class ProjectGroups:
    """Source graphs' N-Triples lines grouped by project, as they are read graph by graph (graphs
    and projects in IRI order).

    A build worker's shard writes a source graph in the order it was loaded, its cache entry's
    sorted lines, so a project's lines mostly come together: a project is described (hashed and
    compressed) as soon as the lines move on to another, and opened again if some come later (a
    project whose identifier extends another's sorts between that one's nodes; links added to the
    graph after its entry). In another order (an on-disk store's, by hashed term) projects are
    opened again and again; once more than `REOPENS` projects of a graph, and more than half as
    many as were described, have been opened again, the rest of it is held until it ends, so the
    work stays linear. One 200 MB IATI file's lines, held whole, took about 1.8 GB."""

    REOPENS = 64

    def __init__(self, iris: Iris):
        self.iris, self.prefix = iris, str(iris.source_graph(""))
        self.last_updated = f"<{iris.vocab}lastUpdated>".encode()
        self.graph: str | None = None
        self.groups: dict[str, list[bytes]] = {}  # projects whose lines are coming
        self.described: dict[str, Description] = {}  # projects whose lines stopped coming, so far
        self.current: str | None = None
        self.reopened = self.closed = 0

    def take(self, graph: str | None, lines: list[bytes]) -> list[Description]:
        """Add N-Triples lines of `graph` (as pyoxigraph writes them); returns the descriptions of the
        graph before it, if that one ended."""
        done = self.flush() if graph != self.graph else []
        self.graph = graph
        if graph is None or not graph.startswith(self.prefix):
            return done
        groups, project_of = self.groups, self.iris.project_of
        last, project = None, None
        for line in lines:
            subject = line[:line.index(b" ")]
            if subject != last:
                last = subject
                project = project_of(subject[1:-1].decode("utf-8")) if subject[:1] == b"<" else None
                if project != self.current:
                    self._moved_on()
                    self.current = project
                    if project in self.described:  # more lines of a project already described
                        self.reopened += 1
                        groups[project] = zlib.decompress(self.described.pop(project).packed).splitlines(keepends=True)
            if project is not None:
                groups.setdefault(project, []).append(line)
        return done

    def _moved_on(self) -> None:
        """Describe the project the lines just left, unless this graph's order has shown it is not grouped."""
        if self.current in self.groups and (self.reopened <= self.REOPENS or 2 * self.reopened <= self.closed):
            self.described[self.current] = self._describe(self.current, self.groups.pop(self.current))
            self.closed += 1

    def _describe(self, project: str, lines: list[bytes]) -> Description:
        lines.sort()
        own = f"<{project}> ".encode() + self.last_updated + b" "
        stated = next((line for line in lines if line.startswith(own)), None)
        modified = None
        if stated is not None:
            value = parse(stated, RdfFormat.N_TRIPLES)[0].object
            if isinstance(value, Literal):
                modified = (value.value, value.datatype.value)
        return Description.of(project, b"".join(lines), modified)

    def flush(self) -> list[Description]:
        """The descriptions of the graph being read, by project IRI (call once after the last batch)."""
        for project in list(self.groups):  # each project's lines go as its description is made
            self.described[project] = self._describe(project, self.groups.pop(project))
        out = [self.described[p] for p in sorted(self.described)]
        self.described, self.current, self.reopened, self.closed = {}, None, 0, 0
        return out


def descriptions(store: EmbeddedStore, iris: Iris) -> Iterator[Description]:
    """Every project's asserted description, read from the store source graph by source graph."""
    groups = ProjectGroups(iris)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graph.nt"
        for graph in sorted(g for g in store.named_graphs() if g.startswith(groups.prefix)):
            dump_graph(store, path, RdfFormat.N_TRIPLES, graph)
            with path.open("rb") as f:
                yield from groups.take(graph, f.readlines())
    yield from groups.flush()


# --- a build's turn -------------------------------------------------------------------
@dataclass
class FeedReport:
    directory: Path
    stamp: str = ""
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    dropped: int = 0  # versions the retention policy dropped in this build
    kept: int = 0  # versions /ldes serves after this build
    seconds: float = 0.0
    staged: Path | None = None  # the written state while it waits for `publish_feed`
    fresh: bool = False  # no usable earlier state: every project is a new version
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"  feed: {self.created} new, {self.updated} changed, {self.deleted} deleted, "
                f"{self.unchanged} unchanged projects; {self.kept} versions in /ldes "
                f"({self.dropped} dropped by retention)")


class FeedTurn:
    """A build's turn at the feed: the state that follows the published one, written beside
    `settings.feed` as the build's workers describe each source's projects (`add`, in graph
    order) and sealed by `finish`. Nothing is published: `publish_feed` switches it in after the
    store, `discard_feed` drops it when the build fails."""

    def __init__(self, settings: Settings, *, build_id: str, now: datetime | None = None):
        self.t0 = time.perf_counter()
        self.settings, self.iris = settings, Iris(settings.base)
        out = Path(settings.feed)
        _check_target(out)
        self.report = FeedReport(out)
        self.work = staging_dir(out, build_id)
        self.build_id = build_id
        try:
            db = self.work / FEED_DB
            self.report.fresh = not _copy_previous(out / FEED_DB, db, settings.base, self.report)
            self.conn = sqlite3.connect(db)
            if self.report.fresh:
                self.conn.executescript(_SCHEMA)
            last = self.conn.execute("SELECT MAX(generated) FROM version").fetchone()[0]
            self.report.stamp = stamp(_later(now or datetime.now(timezone.utc), last))
            self.conn.execute("CREATE TEMP TABLE seen (project TEXT PRIMARY KEY)")
        except BaseException:
            self.abandon()
            raise

    def add(self, d: Description) -> None:
        """Append a version of `d`'s project unless its latest version says the same."""
        conn, report = self.conn, self.report
        conn.execute("INSERT OR IGNORE INTO seen VALUES (?)", (d.project,))
        latest = conn.execute("SELECT kind, hash FROM version WHERE project = ? ORDER BY seq DESC LIMIT 1",
                              (d.project,)).fetchone()
        digest = d.sha256
        if latest is not None and latest[0] != DELETE and latest[1] == digest:
            report.unchanged += 1
            return
        kind = CREATE if latest is None or latest[0] == DELETE else UPDATE
        modified, modified_type = d.modified or (None, None)
        conn.execute("INSERT INTO version (project, iri, generated, modified, modified_type, kind, hash, content,"
                     " kept) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
                     (d.project, str(self.iris.version(d.project, report.stamp)), report.stamp, modified,
                      modified_type, kind, digest, d.packed))
        report.created += kind == CREATE
        report.updated += kind == UPDATE

    def finish(self) -> FeedReport:
        """Delete markers for projects not seen, the retention policy, then seal the state (one transaction)."""
        conn, report, settings, when = self.conn, self.report, self.settings, self.report.stamp
        try:
            gone = [row[0] for row in conn.execute(
                "SELECT v.project FROM version v JOIN (SELECT MAX(seq) AS seq FROM version GROUP BY project) l "
                "ON v.seq = l.seq WHERE v.kind != ? AND v.project NOT IN (SELECT project FROM seen) "
                "ORDER BY v.project", (DELETE,))]
            for project in gone:
                conn.execute("INSERT INTO version (project, iri, generated, kind, kept) VALUES (?, ?, ?, ?, 1)",
                             (project, str(self.iris.version(project, when)), when, DELETE))
            report.deleted = len(gone)
            report.dropped = _retain(conn, settings.feed_window, parse_time(when))
            report.kept = conn.execute("SELECT COUNT(*) FROM version WHERE kept = 1").fetchone()[0]
            for key, value in (("base", settings.base), ("window", str(max(settings.feed_window, 0))),
                               ("built", when), ("build", self.build_id)):
                conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
            conn.execute("DROP TABLE seen")
            conn.commit()
            conn.close()
            report.staged = seal(self.work)
        except BaseException:
            self.abandon()
            raise
        report.seconds = time.perf_counter() - self.t0
        return report

    def abandon(self) -> None:
        """Drop the unfinished state (the build failed before `finish`)."""
        conn = getattr(self, "conn", None)
        if conn is not None:
            conn.close()
        shutil.rmtree(self.work, ignore_errors=True)


def stage(store: EmbeddedStore, settings: Settings, *, build_id: str, now: datetime | None = None) -> FeedReport:
    """The feed state that follows the published one, for `build_id`, read from `store`'s source graphs
    (a build's workers describe them from their in-memory shards instead: `FeedTurn.add`)."""
    turn = FeedTurn(settings, build_id=build_id, now=now)
    try:
        for d in descriptions(store, turn.iris):
            turn.add(d)
    except BaseException:
        turn.abandon()
        raise
    return turn.finish()


def publish_feed(report: FeedReport) -> None:
    """Make a staged feed state the published one (one atomic rename of the `DEVKG_FEED` link)."""
    publish_staged(report, FeedError)


discard_feed = discard_staged


def feed_build(directory: Path) -> str | None:
    """The build id the published feed state at `directory` was made by, or None."""
    return export_build(directory)


def _check_target(out: Path) -> None:
    """`DEVKG_FEED` is a link devkg made, or nothing yet: never a directory of something else it would replace."""
    if out.is_symlink() or not out.exists():
        return
    raise FeedError(f"{out} exists and is not a devkg feed link; move it away or set DEVKG_FEED elsewhere")


def _copy_previous(previous: Path, db: Path, base: str, report: FeedReport) -> bool:
    """Copy the published state (compacted) to `db`; False when there is none to continue from."""
    if not previous.exists():
        return False
    try:
        src = sqlite3.connect(f"file:{previous}?mode=ro", uri=True)
        try:
            row = src.execute("SELECT value FROM meta WHERE key = 'base'").fetchone()
            if row is None or row[0] != base:  # the state names other IRIs: start a new stream
                report.notes.append(f"the published feed is for another base ({row[0] if row else 'none'}); "
                                    "starting a new one")
                return False
            src.execute("VACUUM INTO ?", (str(db),))
        finally:
            src.close()
    except sqlite3.DatabaseError as e:
        raise FeedError(f"cannot read the published feed state {previous}: {e}") from None
    return True


def _retain(conn: sqlite3.Connection, window_days: int, now: datetime) -> int:
    """Drop what the policy no longer keeps: versions older than the window that are not their
    project's latest, and delete markers older than the window. Returns how many were dropped."""
    if window_days <= 0:
        return 0
    cutoff = stamp(now - timedelta(days=window_days))
    cur = conn.execute(
        "UPDATE version SET kept = 0, content = NULL WHERE kept = 1 AND generated < ? AND "
        "(kind = ? OR seq NOT IN (SELECT MAX(seq) FROM version GROUP BY project))", (cutoff, DELETE))
    return cur.rowcount


# --- reading the published state ----------------------------------------------------------
@dataclass(frozen=True)
class Version:
    seq: int
    iri: str
    project: str
    generated: str
    kind: str
    modified: tuple[str, str] | None
    content: str | None  # N-Triples; None for a delete marker


class FeedState:
    """The published state, read-only: what `/ldes` serves. The file never changes once published."""

    def __init__(self, path: Path):
        try:
            self.conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            meta = dict(self.conn.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as e:
            raise FeedError(f"cannot read the feed state: {e}") from None
        self.base, self.built, self.build = meta.get("base", ""), meta.get("built", ""), meta.get("build", "")
        self.window = int(meta.get("window", "0"))

    @classmethod
    def open(cls, directory: Path) -> "FeedState":
        return cls(Path(directory) / FEED_DB)

    def close(self) -> None:
        self.conn.close()

    def count(self) -> int:
        """Positions used in the log (kept or not): the last one's number."""
        return self.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM version").fetchone()[0]

    def kept(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM version WHERE kept = 1").fetchone()[0]

    def first_kept(self) -> int | None:
        return self.conn.execute("SELECT MIN(seq) FROM version WHERE kept = 1").fetchone()[0]

    def first_at_or_after(self, when: str) -> int | None:
        """The first position generated at or after `when` (a `stamp`)."""
        return self.conn.execute("SELECT MIN(seq) FROM version WHERE generated >= ?", (when,)).fetchone()[0]

    def generated(self, seq: int) -> str | None:
        row = self.conn.execute("SELECT generated FROM version WHERE seq = ?", (seq,)).fetchone()
        return row[0] if row else None

    def kept_in(self, first: int, last: int) -> list[int]:
        """Positions of the versions kept in `first`..`last` (what a page shows; cheap, for its ETag)."""
        return [r[0] for r in self.conn.execute(
            "SELECT seq FROM version WHERE seq BETWEEN ? AND ? AND kept = 1 ORDER BY seq", (first, last))]

    def versions(self, first: int, last: int) -> list[Version]:
        """The kept versions at positions `first`..`last`, in log order, with their content."""
        rows = self.conn.execute(
            "SELECT seq, iri, project, generated, kind, modified, modified_type, content FROM version "
            "WHERE seq BETWEEN ? AND ? AND kept = 1 ORDER BY seq", (first, last))
        return [Version(seq, iri, project, generated, kind, (modified, mtype) if modified is not None else None,
                        zlib.decompress(content).decode("utf-8") if content is not None else None)
                for seq, iri, project, generated, kind, modified, mtype, content in rows]
