"""The full-text and facet index of projects, organisations and places (SQLite FTS5).

Written by the build from the finished store, into the build's own directory
(`<build>/devkg-search.sqlite`), so it is switched with the store by the same
atomic link swap and pruned with it. Pages read it with `search()` and
`browse()`; nothing here scans the store at request time.

Words are matched with FTS5 (`unicode61`, diacritics folded) and ranked by
BM25 with names and titles weighted above descriptions. A query is built from
the words the user typed, each quoted, never from their raw text, so FTS5
syntax in a query is just more words.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

INDEX_NAME = "devkg-search.sqlite"
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
CREATE VIRTUAL TABLE words USING fts5(label, body, tokenize = 'porter unicode61 remove_diacritics 2');
"""
INDEXES = """
CREATE INDEX facets_by_value ON facets (facet, value, item);
CREATE INDEX facets_by_item ON facets (item, facet);
CREATE INDEX items_by_kind ON items (kind, label COLLATE NOCASE);
"""


def index_path(store_dir: Path) -> Path:
    return Path(store_dir) / INDEX_NAME


def _rows(store, query: str, prefixes: dict[str, str]) -> Iterable[list[str | None]]:
    result = store.query(query, prefixes=prefixes)
    names = [v.value for v in result.variables]
    for solution in result:
        yield [solution[n].value if solution[n] is not None else None for n in names]


def build_index(store, path: Path, base: str) -> dict[str, int]:
    """Write the index for everything in `store` to `path` (replaced if present); returns counts per kind."""
    from graph.namespaces import prefixes as devkg_prefixes

    px = devkg_prefixes(base)
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.executescript(SCHEMA)
    ids: dict[str, int] = {}
    label_rank = "IF(LANG(?l) IN ('', 'en'), 0, 1)"

    def add_items(kind: str, query: str) -> None:
        best: dict[str, tuple] = {}
        for iri, label, rank in _rows(store, query, px):
            key = (int(rank), len(label or ""))
            if label and (iri not in best or key < best[iri][0]):
                best[iri] = (key, label)
        for iri, (_, label) in best.items():
            if iri not in ids:
                cur = db.execute("INSERT INTO items (iri, kind, label) VALUES (?, ?, ?)", (iri, kind, label))
                ids[iri] = cur.lastrowid

    add_items("project", f"SELECT ?s ?l ({label_rank} AS ?r) WHERE {{ ?s a dev:Project ; dev:title|rdfs:label ?l }}")
    add_items("organisation", f"SELECT ?s ?l ({label_rank} AS ?r) "
                              f"WHERE {{ ?s a dev:Organisation ; dev:name|rdfs:label ?l }}")
    add_items("place", f"SELECT ?s ?l ({label_rank} AS ?r) "
                       f"WHERE {{ ?s a dev:Place ; rdfs:label|dev:name|skos:prefLabel ?l }}")

    text: dict[int, list[str]] = {i: [] for i in ids.values()}
    for iri, value in _rows(store, """SELECT ?s ?v WHERE { ?s dev:identifier|dev:description|dev:objective|dev:name
            |dev:abbreviation|skos:altLabel|skos:notation|dev:title|rdfs:label|dev:iso3166Code ?v }""", px):
        if iri in ids and value:
            text[ids[iri]].append(value)
    for iri, value in _rows(store, """SELECT ?s ?v WHERE { ?s a dev:Project ;
            dev:recipientCountry|dev:recipientRegion|dev:fundedBy|dev:implementedBy ?x . ?x rdfs:label ?v }""", px):
        if iri in ids and value:  # "migration Colombia" finds projects in Colombia that speak of migration
            text[ids[iri]].append(value)
    for iri, start, end, value, cur, ident in _rows(store, """SELECT ?s (SAMPLE(?st) AS ?start) (SAMPLE(?en) AS ?end)
            (SAMPLE(?v) AS ?value) (SAMPLE(?c) AS ?cur) (SAMPLE(?id) AS ?ident) WHERE { ?s a dev:Project .
            OPTIONAL { ?s dev:startDate ?st } OPTIONAL { ?s dev:endDate ?en } OPTIONAL { ?s dev:identifier ?id }
            OPTIONAL { ?s dev:totalBudget ?t . ?t dev:value ?v OPTIONAL { ?t dev:currency/skos:notation ?c } } }
            GROUP BY ?s""", px):
        if iri in ids:
            db.execute("UPDATE items SET start = ?, end_ = ?, value = ?, currency = ?, detail = ? WHERE id = ?",
                       (start, end, float(value) if value else None, cur, ident, ids[iri]))
    db.executemany("INSERT INTO words (rowid, label, body) SELECT id, label, ? FROM items WHERE id = ?",
                   ((_clean(" ".join(dict.fromkeys(parts))), item) for item, parts in text.items()))

    facet_queries = {
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
    values: set[str] = set()
    for facet, query in facet_queries.items():
        batch = []
        for iri, value in _rows(store, query, px):
            if iri in ids and value:
                batch.append((ids[iri], facet, value))
                values.add(value)
        db.executemany("INSERT INTO facets (item, facet, value) VALUES (?, ?, ?)", sorted(set(batch)))
    _write_names(db, store, sorted(v for v in values if "://" in v), px)
    db.executescript(INDEXES)
    db.execute("""CREATE TABLE facet_counts AS SELECT items.kind AS kind, facets.facet AS facet,
        facets.value AS value, COUNT(*) AS n FROM facets JOIN items ON items.id = facets.item
        GROUP BY items.kind, facets.facet, facets.value""")
    db.execute("CREATE INDEX facet_counts_by_facet ON facet_counts (kind, facet, n)")
    db.execute("INSERT INTO words (words) VALUES ('optimize')")
    counts = dict(db.execute("SELECT kind, COUNT(*) FROM items GROUP BY kind").fetchall())
    db.commit()
    db.close()
    tmp.replace(path)
    return counts


def _clean(text: str) -> str:
    return text.replace(MARK_START, " ").replace(MARK_END, " ")


def _write_names(db: sqlite3.Connection, store, iris: list[str], px: dict[str, str]) -> None:
    """Labels of facet values (SDG targets with their notation first), English or untagged preferred."""
    sdg = "http://metadata.un.org/sdg/"
    for start in range(0, len(iris), 500):
        chunk = iris[start:start + 500]
        values = " ".join(f"<{i}>" for i in chunk if not re.search(r'[<>"{}|^`\\\s]', i))
        best: dict[str, tuple] = {}
        for iri, label, lang in _rows(store, f"""SELECT ?s ?l (LANG(?l) AS ?lang) WHERE {{ VALUES ?s {{ {values} }}
                ?s rdfs:label|skos:prefLabel|dev:name ?l }}""", px):
            key = (0 if lang in ("", "en") else 1, len(label))
            if iri not in best or key < best[iri][0]:
                best[iri] = (key, label)
        for iri in chunk:
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


def search(db: sqlite3.Connection, text: str, kinds: tuple[str, ...] = KINDS, limit: int = 20,
           offset: int = 0) -> tuple[int, list[Hit]]:
    """Ranked matches for `text` among `kinds`: (how many in all, this page)."""
    expr = match_expression(text)
    if expr is None:
        return 0, []
    marks = ",".join("?" * len(kinds))
    counts = kind_counts(db, text)
    total = sum(counts.get(k, 0) for k in kinds)
    rows = db.execute(f"""SELECT {COLUMNS}, snippet(words, 1, char(2), char(3), ' … ', 16) FROM words
        JOIN items ON items.id = words.rowid WHERE words MATCH ? AND items.kind IN ({marks})
        ORDER BY items.label = ? COLLATE NOCASE DESC, bm25(words, 8.0, 1.0), items.label LIMIT ? OFFSET ?""",
                      (expr, *kinds, text.strip(), limit, offset)).fetchall()
    return total, _hits(rows)


def kind_counts(db: sqlite3.Connection, text: str) -> dict[str, int]:
    """How many matches for `text` of each kind, in one pass over the matches (the search page shows all three)."""
    expr = match_expression(text)
    if expr is None:
        return {}
    return dict(db.execute("SELECT items.kind, COUNT(*) FROM words JOIN items ON items.id = words.rowid "
                           "WHERE words MATCH ? GROUP BY items.kind", (expr,)).fetchall())


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
