"""The full-text and facet index of projects, organisations and places (SQLite FTS5).

Written by the build from the finished store, into the build's own directory
(`<build>/devkg-search.sqlite`), so it is switched with the store by the same
atomic link swap and pruned with it. Pages read it with `search()` and
`browse()`; nothing here scans the store at request time.

Words are matched with FTS5 (`unicode61`, diacritics folded) and ranked by
BM25 with names and titles weighted above descriptions. A query is built from
the words the user typed, each quoted, never from their raw text, so FTS5
syntax in a query is just more words.

The same file holds the counts the home page and the service description show
(quads per named graph; projects and organisations are the items of their
kind): the build takes them from its export's VoID counting, so the server
never counts a large store (at 100k activities the store's length took 2.5 s and
the 1,607 graphs' counts 8 s, in each server process after each build).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

INDEX_NAME = "devkg-search.sqlite"
INDEX_VERSION = 3  # PRAGMA user_version of the layout written here; an index of another layout is not read
KINDS = ("project", "organisation", "place")
FACETS = {  # facet name -> (kinds it applies to, label)
    "country": ("project", "Country"), "region": ("project", "Region"), "funder": ("project", "Funder"),
    "implementer": ("project", "Implementer"), "sdg": ("project", "SDG"), "sector": ("project", "Sector"),
    "status": ("project", "Status"), "year": ("project", "Year"),
    "type": ("organisation", "Type"), "based": ("organisation", "Based in"),
    "placetype": ("place", "Kind of place"), "within": ("place", "Within"),
}
MARK_START, MARK_END = "\x02", "\x03"  # around matched words in snippets; never in indexed text
SORTS = {"title": "items.label COLLATE NOCASE", "start": "items.start", "end": "items.end_", "budget": "items.value"}
SCHEMA = """
CREATE TABLE items (id INTEGER PRIMARY KEY, iri TEXT UNIQUE NOT NULL, kind TEXT NOT NULL, label TEXT NOT NULL,
                    detail TEXT, start TEXT, end_ TEXT, value REAL, currency TEXT);
CREATE TABLE facets (item INTEGER NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL);
CREATE TABLE names (iri TEXT PRIMARY KEY, label TEXT NOT NULL);
CREATE TABLE kinds (kind TEXT PRIMARY KEY, first INTEGER NOT NULL, last INTEGER NOT NULL);
CREATE TABLE graphs (iri TEXT PRIMARY KEY, quads INTEGER NOT NULL);
CREATE VIRTUAL TABLE words USING fts5(label, body, tokenize = 'porter unicode61 remove_diacritics 2');
"""
INDEXES = """
CREATE INDEX facets_by_value ON facets (facet, value, item);
CREATE INDEX facets_by_item ON facets (item, facet);
CREATE INDEX items_by_kind ON items (kind, label COLLATE NOCASE);
"""


def index_path(store_dir: Path) -> Path:
    return Path(store_dir) / INDEX_NAME


def kept_index_path(live: Path, build_id: str) -> Path:
    """Where a build into a remote store keeps its index (its local build directory is discarded)."""
    return Path(live).parent / "search" / f"{build_id}.sqlite"


def keep_index(index: Path, live: Path, build_id: str, live_build: str | None) -> Path:
    """Move a finished index to `kept_index_path`; drop the others but the live build's (still served
    until the switch), so those of failed or killed builds do not pile up."""
    target = kept_index_path(live, build_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    Path(index).replace(target)
    for old in target.parent.glob("*.sqlite"):
        if old != target and old.stem != live_build:
            old.unlink(missing_ok=True)
    return target


def _rows(store, query: str, prefixes: dict[str, str]) -> Iterable[list[str | None]]:
    result = store.query(query, prefixes=prefixes)
    names = [v.value for v in result.variables]
    for solution in result:
        yield [solution[n].value if solution[n] is not None else None for n in names]


LABELS = {"project": "dev:title|rdfs:label", "organisation": "dev:name|rdfs:label",
          "place": "rdfs:label|dev:name|skos:prefLabel"}
CLASSES = {"project": "dev:Project", "organisation": "dev:Organisation", "place": "dev:Place"}
WORDS = ("dev:identifier|dev:description|dev:objective|dev:name|dev:abbreviation|skos:altLabel|skos:notation"
         "|dev:title|rdfs:label|dev:iso3166Code")
LINKED = "dev:recipientCountry|dev:recipientRegion|dev:fundedBy|dev:implementedBy"  # their labels are a project's words
FIELDS = """SELECT ?s (SAMPLE(?st) AS ?start) (SAMPLE(?en) AS ?end) (SAMPLE(?v) AS ?value) (SAMPLE(?c) AS ?cur)
    (SAMPLE(?id) AS ?ident) WHERE { ?s a dev:Project .
    OPTIONAL { ?s dev:startDate ?st } OPTIONAL { ?s dev:endDate ?en } OPTIONAL { ?s dev:identifier ?id }
    OPTIONAL { ?s dev:totalBudget ?t . ?t dev:value ?v OPTIONAL { ?t dev:currency/skos:notation ?c } } }
    GROUP BY ?s"""


def _facet_queries(base: str) -> dict[str, str]:
    return {
        "country": "SELECT ?s ?v WHERE { ?s a dev:Project ; dev:location ?v . ?v a dev:Country }",
        "region": f"SELECT ?s ?v WHERE {{ ?s a dev:Project ; dev:location ?v . ?v a dev:MacroRegion "
                  f"FILTER(?v != <{base}id/place/m49-001>) }}",  # not the World: every project is in it
        "funder": "SELECT ?s ?v WHERE { ?s a dev:Project ; dev:fundedBy ?v }",
        "implementer": "SELECT ?s ?v WHERE { ?s a dev:Project ; dev:implementedBy ?v }",
        "sdg": "SELECT ?s ?v WHERE { ?s a dev:Project ; dev:addressesSDG ?v }",
        "sector": "SELECT ?s ?v WHERE { ?s a dev:Project ; dev:sector ?v }",
        "status": "SELECT ?s ?v WHERE { ?s a dev:Project ; dev:status ?v }",
        "year": "SELECT ?s (STR(YEAR(?d)) AS ?v) WHERE { ?s a dev:Project ; dev:startDate ?d }",
        "type": "SELECT ?s ?v WHERE { ?s a dev:Organisation ; dev:organisationType ?v }",
        "based": "SELECT ?s ?v WHERE { ?s a dev:Organisation ; dev:basedIn ?v }",
        "placetype": ("SELECT ?s ?v WHERE { ?s a dev:Place, ?v "
                      "FILTER(?v != dev:Place && STRSTARTS(STR(?v), STR(dev:))) }"),
        "within": "SELECT ?s ?v WHERE { ?s a dev:Place ; dev:withinPlace ?v . ?v a dev:Country }",
    }


@dataclass
class IndexRows:
    """What one kind of resource in one store (a whole store, or a build shard) adds to the index.

    Rows are keyed by IRI, not by row id, so that parts collected apart (each shard's projects,
    the organisations, the places) are joined in the index file by `IndexWriter`.
    """

    items: list[tuple[str, str, str]] = field(default_factory=list)  # iri, kind, label
    words: list[tuple[str, str]] = field(default_factory=list)  # iri, text it is found by
    linked: list[tuple[str, str]] = field(default_factory=list)  # project, node whose labels it is found by too
    fields: list[tuple] = field(default_factory=list)  # project, start, end, budget, currency, identifier
    facets: list[tuple[str, str, str]] = field(default_factory=list)  # iri, facet, value


def collect(store, kind: str, base: str, only: set[str] | None = None) -> IndexRows:
    """The index rows of every `kind` resource in `store` (those in `only`, when given)."""
    from graph.namespaces import prefixes as devkg_prefixes

    px, cls, out = devkg_prefixes(base), CLASSES[kind], IndexRows()
    best: dict[str, tuple] = {}
    for iri, label, rank in _rows(store, f"SELECT ?s ?l (IF(LANG(?l) IN ('', 'en'), 0, 1) AS ?r) "
                                         f"WHERE {{ ?s a {cls} ; {LABELS[kind]} ?l }}", px):
        key = (int(rank), len(label or ""))
        if label and (only is None or iri in only) and (iri not in best or key < best[iri][0]):
            best[iri] = (key, label)
    out.items = [(iri, kind, label) for iri, (_, label) in best.items()]
    out.words = [(iri, v) for iri, v in _rows(store, f"SELECT ?s ?v WHERE {{ ?s a {cls} ; {WORDS} ?v }}", px)
                 if v and iri in best]
    if kind == "project":
        out.linked = [(iri, node) for iri, node in _rows(store, f"SELECT ?s ?x WHERE {{ ?s a {cls} ; {LINKED} ?x }}",
                                                         px) if iri in best]
        out.fields = [(iri, start, end, float(value) if value else None, cur, ident)
                      for iri, start, end, value, cur, ident in _rows(store, FIELDS, px) if iri in best]
    for facet, query in _facet_queries(base).items():
        if FACETS[facet][0] == kind:
            out.facets += [(iri, facet, value) for iri, value in _rows(store, query, px) if value and iri in best]
    return out


STAGING = """
CREATE TEMP TABLE staged_items (iri TEXT NOT NULL, kind TEXT NOT NULL, label TEXT NOT NULL);
CREATE TEMP TABLE staged_words (iri TEXT NOT NULL, part TEXT NOT NULL);
CREATE TEMP TABLE staged_linked (iri TEXT NOT NULL, node TEXT NOT NULL);
CREATE TEMP TABLE staged_fields (iri TEXT NOT NULL, start TEXT, end_ TEXT, value REAL, currency TEXT, detail TEXT);
CREATE TEMP TABLE staged_facets (iri TEXT NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL);
"""


class IndexWriter:
    """The index file written in parts: `add` the rows of each part as they come (a build's shards
    send theirs while others are still being checked), then `finish` with the built store, which
    gives the labels of what projects link to and of facet values. The file appears at `path`
    only when finished."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.tmp = self.path.with_name(self.path.name + ".tmp")
        self.tmp.unlink(missing_ok=True)
        self.db = sqlite3.connect(self.tmp)
        self.db.executescript(SCHEMA + STAGING)

    def add(self, rows: IndexRows) -> None:
        """Rows of one part; an IRI already listed keeps its first kind and label."""
        db = self.db
        db.executemany("INSERT INTO staged_items VALUES (?, ?, ?)", rows.items)
        db.executemany("INSERT INTO staged_words VALUES (?, ?)", ((i, _clean(t)) for i, t in rows.words))
        db.executemany("INSERT INTO staged_linked VALUES (?, ?)", rows.linked)
        db.executemany("INSERT INTO staged_fields VALUES (?, ?, ?, ?, ?, ?)", rows.fields)
        db.executemany("INSERT INTO staged_facets VALUES (?, ?, ?)", rows.facets)

    def finish(self, store, base: str, graphs: dict[str, int] | None = None) -> dict[str, int]:
        """Join the parts, label links and facet values from `store`; returns counts per kind.

        `graphs`: quads per named graph, when the caller counted them (a build's export); else
        they are counted in `store`."""
        from graph.namespaces import prefixes as devkg_prefixes

        db, px = self.db, devkg_prefixes(base)
        if graphs is None:
            graphs = quads_per_graph(store)
        db.executemany("INSERT INTO graphs VALUES (?, ?)", sorted(graphs.items()))
        _number_items(db)
        db.execute("CREATE INDEX temp.staged_linked_by_node ON staged_linked (node)")
        nodes = [n for (n,) in db.execute("SELECT DISTINCT node FROM staged_linked ORDER BY node")]
        for chunk in _chunks(nodes):
            db.executemany("INSERT INTO staged_words SELECT iri, ? FROM staged_linked WHERE node = ?",
                           ((_clean(label), node) for node, label in _rows(
                               store, f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {chunk} }} ?s rdfs:label ?l }}", px)
                            if label))
        db.execute("CREATE INDEX temp.staged_words_by_iri ON staged_words (iri)")
        db.executemany("INSERT INTO words (rowid, label, body) VALUES (?, ?, ?)", _bodies(db.execute(
            "SELECT items.id, items.label, w.part FROM items LEFT JOIN staged_words w ON w.iri = items.iri "
            "ORDER BY items.id, w.rowid")))
        db.execute("""INSERT INTO facets (item, facet, value) SELECT DISTINCT items.id, f.facet, f.value
            FROM staged_facets f JOIN items ON items.iri = f.iri ORDER BY f.facet, items.id, f.value""")
        _write_names(db, store, [v for (v,) in db.execute(
            "SELECT DISTINCT value FROM facets WHERE value LIKE '%://%' ORDER BY value")], px)
        counts = seal(db)
        self.close()
        self.tmp.replace(self.path)
        return counts

    def close(self) -> None:
        """Stop writing (a failed build); the unfinished file is left for the caller to discard."""
        self.db.close()


def _number_items(db: sqlite3.Connection) -> None:
    """Items numbered kind by kind (places, organisations, projects) and, within a kind, most
    important first: projects that end latest (running and recent work), then by label.

    Search ranks the first `RANKED` matches in this order by relevance (see `search`), and
    kind filters become ranges of row ids (`kinds`), which FTS5 reads without a join.
    An IRI given by several parts keeps its first kind and label.
    """
    db.execute("CREATE INDEX temp.staged_fields_by_iri ON staged_fields (iri)")
    db.execute("""INSERT INTO items (iri, kind, label, detail, start, end_, value, currency)
        SELECT i.iri, i.kind, i.label, f.detail, f.start, f.end_, f.value, f.currency
        FROM (SELECT iri, kind, label, MIN(rowid) FROM staged_items GROUP BY iri) AS i
        LEFT JOIN (SELECT iri, detail, start, end_, value, currency, MIN(rowid) FROM staged_fields GROUP BY iri) AS f
          ON f.iri = i.iri
        ORDER BY CASE i.kind WHEN 'place' THEN 0 WHEN 'organisation' THEN 1 ELSE 2 END,
                 f.end_ IS NULL, f.end_ DESC, f.start DESC, i.label, i.iri""")


def seal(db: sqlite3.Connection) -> dict[str, int]:
    """Finish an index whose items, words, facets and names are written: the lookup indexes, the
    stored facet counts, the kinds' row-id ranges, FTS5 merged into one segment, the layout version.
    Commits; returns the items per kind."""
    db.executescript(INDEXES)
    db.execute("""CREATE TABLE facet_counts AS SELECT items.kind AS kind, facets.facet AS facet,
        facets.value AS value, COUNT(*) AS n FROM facets JOIN items ON items.id = facets.item
        GROUP BY items.kind, facets.facet, facets.value""")
    db.execute("CREATE INDEX facet_counts_by_facet ON facet_counts (kind, facet, n)")
    db.execute("INSERT INTO kinds SELECT kind, MIN(id), MAX(id) FROM items GROUP BY kind")
    db.execute("INSERT INTO words (words) VALUES ('optimize')")
    db.execute(f"PRAGMA user_version = {INDEX_VERSION}")
    db.commit()
    return dict(db.execute("SELECT kind, COUNT(*) FROM items GROUP BY kind").fetchall())


def _bodies(rows) -> Iterable[tuple[int, str, str]]:
    """(item, label, words) per item from rows ordered by item, each text once in first-seen order."""
    item = label = None
    parts: dict[str, None] = {}
    for row_item, row_label, part in rows:
        if row_item != item:
            if item is not None:
                yield item, label, " ".join(parts)
            item, label, parts = row_item, row_label, {}
        if part:
            parts[part] = None
    if item is not None:
        yield item, label, " ".join(parts)


def _chunks(iris: list[str], size: int = 500) -> Iterable[str]:
    """IRIs as the bodies of SPARQL VALUES blocks; an IRI SPARQL cannot write is left out."""
    for start in range(0, len(iris), size):
        yield " ".join(f"<{i}>" for i in iris[start:start + size] if not re.search(r'[<>"{}|^`\\\s]', i))


def build_index(store, path: Path, base: str) -> dict[str, int]:
    """Write the index for everything in `store` to `path` (replaced if present); returns counts per kind."""
    writer = IndexWriter(path)
    for kind in KINDS:
        writer.add(collect(store, kind, base))
    return writer.finish(store, base)


def _clean(text: str) -> str:
    return text.replace(MARK_START, " ").replace(MARK_END, " ")


def _write_names(db: sqlite3.Connection, store, iris: list[str], px: dict[str, str]) -> None:
    """Labels of facet values (SDG targets with their notation first), English or untagged preferred."""
    sdg = "http://metadata.un.org/sdg/"
    best: dict[str, tuple] = {}
    for values in _chunks(iris):
        for iri, label, lang in _rows(store, f"""SELECT ?s ?l (LANG(?l) AS ?lang) WHERE {{ VALUES ?s {{ {values} }}
                ?s rdfs:label|skos:prefLabel|dev:name ?l }}""", px):
            key = (0 if lang in ("", "en") else 1, len(label))
            if iri not in best or key < best[iri][0]:
                best[iri] = (key, label)
    for iri in iris:
        label = best[iri][1] if iri in best else iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        if iri.startswith(sdg):
            label = f"{iri[len(sdg):]} {label if iri in best else ''}".strip()
        db.execute("INSERT OR REPLACE INTO names (iri, label) VALUES (?, ?)", (iri, label))


# --- reading ---------------------------------------------------------------------------------------
@dataclass
class Hit:
    iri: str
    kind: str
    label: str
    detail: str | None
    start: str | None
    end: str | None
    value: float | None
    currency: str | None
    snippet: str = ""


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def current(path: Path | None) -> bool:
    """Whether `path` is an index this code reads (a build by an older devkg wrote another layout)."""
    if path is None or not Path(path).is_file():
        return False
    with closing(connect(path)) as db:
        return db.execute("PRAGMA user_version").fetchone()[0] == INDEX_VERSION


@dataclass(frozen=True)
class Counts:
    projects: int
    organisations: int
    graphs: list[tuple[str, int]]  # (named graph, quads), by IRI

    @property
    def quads(self) -> int:
        """Quads in all named graphs: the union default graph the endpoint answers over."""
        return sum(n for _, n in self.graphs)


def counts(db: sqlite3.Connection) -> Counts:
    """The counts an index holds (its build's)."""
    kinds = dict(db.execute("SELECT kind, last - first + 1 FROM kinds").fetchall())
    return Counts(kinds.get("project", 0), kinds.get("organisation", 0),
                  db.execute("SELECT iri, quads FROM graphs ORDER BY iri").fetchall())


def count(store, base: str) -> Counts:
    """The same counts made in a store: what the index of a build of it holds (a test keeps them equal)."""
    from graph.namespaces import prefixes as devkg_prefixes

    def instances(cls: str) -> int:
        query = f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a {cls} }}"
        return int(next(iter(store.query(query, prefixes=devkg_prefixes(base))))["n"].value)

    return Counts(instances(CLASSES["project"]), instances(CLASSES["organisation"]),
                  sorted(quads_per_graph(store).items()))


def quads_per_graph(store) -> dict[str, int]:
    return {g: store.count(g) for g in store.named_graphs()}


def match_expression(text: str) -> str | None:
    """The FTS5 query for what a person typed: every word must match, the last as a prefix."""
    words = re.findall(r"\w+", text, flags=re.UNICODE)[:12]
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] = f'({quoted[-1]} OR {quoted[-1]}*)'  # a whole word ranks above a word it begins
    return " AND ".join(quoted)


def _hits(rows) -> list[Hit]:
    return [Hit(*r) for r in rows]


COLUMNS = "items.iri, items.kind, items.label, items.detail, items.start, items.end_, items.value, items.currency"


RANKED = 5_000  # matches ranked by relevance: the first this many in index order, and exact names


def _ranges(db: sqlite3.Connection, kinds: tuple[str, ...]) -> list[tuple[str, int, int]]:
    marks = ",".join("?" * len(kinds))
    return db.execute(f"SELECT kind, first, last FROM kinds WHERE kind IN ({marks}) ORDER BY first", kinds).fetchall()


def kind_counts(db: sqlite3.Connection, text: str) -> dict[str, int]:
    """How many matches for `text` of each kind (the search page shows all three): each kind is a
    range of row ids, which FTS5 counts from its own lists, without reading the items."""
    expr = match_expression(text)
    if expr is None:
        return {}
    counts = {kind: db.execute("SELECT COUNT(*) FROM words WHERE words MATCH ? AND rowid BETWEEN ? AND ?",
                               (expr, first, last)).fetchone()[0] for kind, first, last in _ranges(db, KINDS)}
    return {kind: n for kind, n in counts.items() if n}


def search(db: sqlite3.Connection, text: str, kinds: tuple[str, ...] = KINDS, limit: int = 20,
           offset: int = 0, counts: dict[str, int] | None = None) -> tuple[int, list[Hit]]:
    """Matches for `text` among `kinds`: (how many in all, this page). `counts` is `kind_counts`
    for `text` when the caller has it (each pass over a common word's matches costs).

    Ranked first: items named exactly `text`, then the first `RANKED` matches in index
    order (places, organisations, then projects ending latest; see `_number_items`) by
    BM25, titles and names weighted 8 to 1 over descriptions. Matches beyond those follow
    in index order. BM25 reads every match it ranks, so ranking all of a common word's
    matches at a million activities would take seconds; this keeps a page's cost bounded
    while every match stays reachable and counted.
    """
    expr = match_expression(text)
    ranges = _ranges(db, kinds)
    if expr is None or not ranges:
        return 0, []
    counts = kind_counts(db, text) if counts is None else counts
    total = sum(counts.get(k, 0) for k in kinds)
    lo, hi = ranges[0][1], ranges[-1][2]
    contiguous = all(a[2] + 1 == b[1] for a, b in zip(ranges, ranges[1:]))
    marks = ",".join("?" * len(kinds))
    of_kinds, kind_args = ("", ()) if contiguous else (f"AND items.kind IN ({marks})", kinds)
    cut = hi
    if not contiguous or total > RANKED:
        row = db.execute("SELECT rowid FROM words WHERE words MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid "
                         "LIMIT 1 OFFSET ?", (expr, lo, hi, RANKED - 1)).fetchone()
        cut = row[0] if row else hi
    select = (f"SELECT {COLUMNS}, snippet(words, 1, char(2), char(3), ' … ', 16) FROM words "
              f"JOIN items ON items.id = words.rowid WHERE words MATCH ?")
    exact = [i for (i,) in db.execute(f"SELECT id FROM items WHERE kind IN ({marks}) AND label = ? COLLATE NOCASE "
                                      f"AND id > ? ORDER BY label, id", (*kinds, text.strip(), cut))
             if db.execute("SELECT 1 FROM words WHERE words MATCH ? AND rowid = ?", (expr, i)).fetchone()]
    not_exact = f"AND words.rowid NOT IN ({','.join(map(str, exact))})" if exact else ""  # row ids: integers
    ranked = min(total, RANKED) if contiguous else db.execute(
        f"SELECT COUNT(*) FROM words JOIN items ON items.id = words.rowid WHERE words MATCH ? "
        f"AND words.rowid BETWEEN ? AND ? {of_kinds}", (expr, lo, cut, *kind_args)).fetchone()[0]
    segments = [  # (rows in it, rows [start, start + n) of it), in the order they are shown
        (len(exact), lambda start, n: [db.execute(f"{select} AND words.rowid = ?", (expr, i)).fetchone()
                                       for i in exact[start:start + n]]),
        (ranked, lambda start, n: db.execute(
            f"{select} AND words.rowid BETWEEN ? AND ? {of_kinds} ORDER BY items.label = ? COLLATE NOCASE DESC, "
            f"bm25(words, 8.0, 1.0), items.label LIMIT ? OFFSET ?",
            (expr, lo, cut, *kind_args, text.strip(), n, start)).fetchall()),
        (total - len(exact) - ranked, lambda start, n: db.execute(
            f"{select} AND words.rowid BETWEEN ? AND ? {of_kinds} {not_exact} ORDER BY words.rowid LIMIT ? OFFSET ?",
            (expr, cut + 1, hi, *kind_args, n, start)).fetchall()),
    ]
    rows, skip = [], offset
    for size, fetch in segments:
        if len(rows) >= limit:
            break
        if skip >= size:
            skip -= size
            continue
        rows += fetch(skip, min(limit - len(rows), size - skip))
        skip = 0
    return total, _hits(rows)


def browse(db: sqlite3.Connection, kind: str, filters: dict[str, list[str]], *, text: str = "", sort: str = "title",
           desc: bool = False, limit: int = 50, offset: int = 0, facet_limit: int = 30) -> dict:
    """One page of `kind` narrowed by facet values (AND across facets, OR within one), with facet counts."""
    where, args = ["items.kind = ?"], [kind]
    for facet, values in filters.items():
        if facet in FACETS and values:
            marks = ",".join("?" * len(values))
            where.append(f"items.id IN (SELECT item FROM facets WHERE facet = ? AND value IN ({marks}))")
            args += [facet, *values]
    expr = match_expression(text) if text else None
    if expr:
        where.append("items.id IN (SELECT rowid FROM words WHERE words MATCH ?)")
        args.append(expr)
    if len(where) > 1:  # start from the chosen values' items, not from every item of the kind (1M projects)
        where[0] = "+items.kind = ?"
    cond = " AND ".join(where)
    total = db.execute(f"SELECT COUNT(*) FROM items WHERE {cond}", args).fetchone()[0]
    order = SORTS.get(sort, SORTS["title"])
    direction = "DESC" if desc else "ASC"
    nulls_last = "" if sort not in SORTS or sort == "title" else f"{order} IS NULL, "  # titles are never empty
    rows = db.execute(f"SELECT {COLUMNS}, '' FROM items WHERE {cond} ORDER BY {nulls_last}{order} {direction}, "
                      f"items.id LIMIT ? OFFSET ?", (*args, limit, offset)).fetchall()
    counts = {}
    facets = [f for f, (facet_kind, _) in FACETS.items() if facet_kind == kind]
    if len(where) == 1:  # nothing chosen: the counts the build stored
        for facet in facets:
            counts[facet] = db.execute(f"""SELECT value, COALESCE(names.label, value), n FROM facet_counts
                LEFT JOIN names ON names.iri = value WHERE kind = ? AND facet = ?
                ORDER BY {_count_order(facet, "value")} LIMIT ?""", (kind, facet, facet_limit)).fetchall()
    else:  # count over the chosen items only, gathered once; CROSS JOIN makes SQLite start from them
        db.execute("DROP TABLE IF EXISTS temp.chosen")
        db.execute("CREATE TEMP TABLE chosen (id INTEGER PRIMARY KEY)")
        db.execute(f"INSERT INTO temp.chosen SELECT id FROM items WHERE {cond}", args)
        for facet in facets:
            counts[facet] = db.execute(f"""SELECT facets.value, COALESCE(names.label, facets.value), COUNT(*) AS n
                FROM temp.chosen CROSS JOIN facets ON facets.item = chosen.id AND facets.facet = ?
                LEFT JOIN names ON names.iri = facets.value GROUP BY facets.value
                ORDER BY {_count_order(facet, "facets.value")} LIMIT ?""", (facet, facet_limit)).fetchall()
        db.execute("DROP TABLE temp.chosen")
    names = dict(db.execute(f"SELECT iri, label FROM names WHERE iri IN ({','.join('?' * len(_flat(filters)))})",
                            _flat(filters)).fetchall()) if _flat(filters) else {}
    return {"total": total, "hits": _hits(rows), "facets": counts, "names": names}


def _count_order(facet: str, value: str) -> str:
    return f"{value} DESC" if facet == "year" else f"n DESC, {value}"


def _flat(filters: dict[str, list[str]]) -> list[str]:
    return [v for values in filters.values() for v in values]
