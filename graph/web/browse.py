"""Browse and search: `/id/project/`, `/id/org/`, `/id/place/` with facets and paging, `/search` ranked
by words; every list also as CSV (`?format=csv`). Reads the build's full-text index (graph/search.py).
"""

from __future__ import annotations

import csv
import io
import tempfile
from contextlib import closing
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request
from markupsafe import Markup, escape

from graph import search
from graph.web.errors import ApiError
from graph.web.htmlsafety import href
from graph.web.present import money

bp = Blueprint("browse", __name__)
PAGE = 50
LISTS = {"project": ("project", "Projects"), "org": ("organisation", "Organisations"), "place": ("place", "Places")}
KIND_LABELS = {"project": "Project", "organisation": "Organisation", "place": "Place"}


def _fallback_index(store) -> Path:
    """An index for a store that was not made by `devkg build` (given directly, or in memory),
    or whose index an older devkg wrote."""
    path = Path(tempfile.mkdtemp(prefix="devkg-search-")) / search.INDEX_NAME
    search.build_index(store, path, current_app.config["DEVKG"].base)
    return path


def index_file() -> Path:
    """The live build's index, checked once per build (not on every request): the file its build
    wrote (kept beside the live link for a remote store), else one made from the store."""
    live = current_app.extensions["devkg"]
    return live.cached("search-index", lambda: _build_index() or _fallback_index(live.get()))


def _build_index() -> Path | None:
    """The index the live build wrote (kept beside the live link for a remote store), if this code reads it."""
    live = current_app.extensions["devkg"]
    store = live.get()
    if store.path is not None:
        path = search.index_path(store.path)
    elif live.remote is not None:
        path = search.kept_index_path(live.settings.store, live.remote.build_id())
    else:
        path = None
    return path if search.current(path) else None


def open_index():
    return search.connect(index_file())


def counts() -> search.Counts:
    """Projects, organisations and quads per named graph of the live build, once per build: read from the
    index its build wrote (the home page and the service description show them; counting a large store takes
    seconds), else counted in the store (a store no current build made, which has no such index)."""
    live = current_app.extensions["devkg"]

    def read() -> search.Counts:
        path = _build_index()
        if path is None:
            return search.count(live.get(), live.settings.base)
        with closing(search.connect(path)) as db:
            return search.counts(db)

    return live.cached("counts", read)


@lru_cache(maxsize=512)
def _kind_counts(index: Path, text: str) -> dict[str, int]:
    """Matches per kind, kept per index file (each build writes its own), so that paging through a
    common word does not count its matches again (three passes over them: ~0.5 s at 1M activities)."""
    with closing(search.connect(index)) as db:
        return search.kind_counts(db, text)


def _query_string(**changes) -> str:
    """The current query string with some parameters replaced (None removes one); always drops `page`."""
    args = request.args.copy()
    args.pop("page", None)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return "?" + urlencode(list(args.items(multi=True)))


def _toggle(facet: str, value: str) -> str:
    args = request.args.copy()
    args.pop("page", None)
    values = args.getlist(facet)
    args.setlist(facet, [v for v in values if v != value] if value in values else values + [value])
    return "?" + urlencode(list(args.items(multi=True)))


def highlight(snippet: str) -> Markup:
    """A search snippet, escaped, with the matched words (between FTS5's markers) in <mark>."""
    return escape(snippet).replace(search.MARK_START, Markup("<mark>")).replace(search.MARK_END, Markup("</mark>"))


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _csv(hits: list[search.Hit], name: str) -> Response:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["iri", "kind", "label", "identifier", "start", "end", "total_budget", "currency"])
    for h in hits:
        label = "'" + h.label if h.label[:1] in ("=", "+", "-", "@") else h.label  # not a spreadsheet formula
        w.writerow([h.iri, h.kind, label, h.detail or "", h.start or "", h.end or "",
                    "" if h.value is None else repr(h.value) if h.value % 1 else int(h.value), h.currency or ""])
    resp = Response(out.getvalue(), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return resp


def _wants_csv() -> bool:
    return request.args.get("format") == "csv"


@bp.route("/id/<any(project, org, place):which>/")
def listing(which: str):
    kind, title = LISTS[which]
    filters = {f: request.args.getlist(f) for f, (k, _) in search.FACETS.items()
               if k == kind and request.args.getlist(f)}
    sort = request.args.get("sort", "title")
    desc = request.args.get("order") == "desc"
    text = request.args.get("q", "").strip()[:200]
    page = _page()
    csv_out = _wants_csv()
    with closing(open_index()) as db:
        result = search.browse(db, kind, filters, text=text, sort=sort, desc=desc,
                               limit=current_app.config["DEVKG"].max_rows if csv_out else PAGE,
                               offset=0 if csv_out else (page - 1) * PAGE)
    if csv_out:
        return _csv(result["hits"], f"devkg-{which}s")
    return render_template("browse.html", kind=kind, which=which, title=title, result=result, filters=filters,
                           facet_labels={f: label for f, (k, label) in search.FACETS.items()}, text=text,
                           sort=sort, desc=desc, page=page, page_size=PAGE, link=href, money=money,
                           toggle=_toggle, qs=_query_string, max_rows=current_app.config["DEVKG"].max_rows)


@bp.route("/search")
def search_page():
    text = request.args.get("q", "").strip()[:200]
    kind = request.args.get("kind")
    kinds = (kind,) if kind in search.KINDS else search.KINDS
    page = _page()
    csv_out = _wants_csv()
    if not text and csv_out:
        raise ApiError(400, "give some words to search for: /search?q=...")
    index = index_file()
    with closing(search.connect(index)) as db:
        counts = dict(_kind_counts(index, text)) if text else {}
        total, hits = search.search(db, text, kinds, limit=current_app.config["DEVKG"].max_rows if csv_out else PAGE,
                                    offset=0 if csv_out else (page - 1) * PAGE, counts=counts) if text else (0, [])
        per_kind = {k: counts.get(k, 0) for k in search.KINDS} if text else {}
    if csv_out:
        return _csv(hits, "devkg-search")
    return render_template("search.html", text=text, search_query=text, kind=kind if kind in search.KINDS else None,
                           total=total, hits=hits, per_kind=per_kind, page=page, page_size=PAGE, link=href,
                           money=money, qs=_query_string, kind_labels=KIND_LABELS, highlight=highlight)
