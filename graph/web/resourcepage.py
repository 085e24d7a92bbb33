"""The HTML page of one resource: a summary for its kind, then every fact grouped; and local SDG pages.

SDG goals and targets keep the UN's IRIs (`http://metadata.un.org/sdg/16.6`);
`/sdg/16.6` is devkg's page about that IRI, in HTML or any RDF format.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from graph.web import facts as facts_mod
from graph.web import negotiate, overview, summary
from graph.web.errors import ApiError
from graph.web.htmlsafety import href
from graph.web.labels import labels
from graph.web.present import SDG_NS, money, number, sdg_code, settings

bp = Blueprint("resourcepage", __name__)

SCHEMA_TYPES = {"project": "Project", "organisation": "Organization", "place": "Place", "sdg": "DefinedTerm",
                "other": "Thing"}


def _sorting() -> tuple[str, bool, int]:
    sort = request.args.get("sort", "title")
    sort = sort if sort in summary.SORTS else "title"
    desc = request.args.get("order") == "desc"
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    return sort, desc, page


def json_ld(iri: str, kind: str, title: str, info: dict) -> dict:
    """A schema.org description of the page's subject, for search engines and dataset crawlers."""
    doc = {"@context": "https://schema.org/", "@type": SCHEMA_TYPES[kind], "@id": iri, "name": title, "url": iri}
    s = info.get("summary") or {}
    if kind == "project":
        if s.get("identifier"):
            doc["identifier"] = s["identifier"]
        if s.get("description"):
            doc["description"] = s["description"][:500]
        starts = [v for k, v in s.get("dates", []) if k == "Start"]
        ends = [v for k, v in s.get("dates", []) if k == "End"]
        if starts:
            doc["startDate"] = starts[0]
        if ends:
            doc["endDate"] = ends[0]
        funders = [p["org"] for p in s.get("people", []) if info["labels"].get(p["role"] or "") == "Funding"]
        if funders:
            doc["funder"] = [{"@type": "Organization", "@id": o, "name": info["labels"].get(o, o)} for o in funders]
        doc["subjectOf"] = {"@type": "Dataset", "name": "devkg", "url": settings().base}
    if kind == "sdg" and info.get("code"):
        doc["termCode"] = info["code"]
        doc["inDefinedTermSet"] = SDG_NS.rstrip("/")
    return doc


def render_html(iri: str, d, page: int) -> str:
    """The page for `iri`; `d` is resources.describe()'s view, used for the generic 'Linked from' list."""
    kind = summary.kind_of(iri)
    sort, desc, list_page = _sorting()
    info: dict = {}
    if kind == "project":
        info = summary.project(iri)
    elif kind == "organisation":
        info = summary.organisation(iri, sort, desc, list_page, request.args.get("role") or None)
    elif kind == "place":
        info = summary.place(iri, sort, desc, list_page)
    elif kind == "sdg":
        info = summary.sdg(iri, sort, desc, list_page)
    all_facts = facts_mod.facts(iri)
    names = {**all_facts["labels"], **info.get("labels", {})}
    if iri not in names:
        names.update(labels([iri]))
    title = (info.get("summary") or {}).get("title") or names.get(iri) or iri
    if kind == "sdg" and info.get("code"):
        title = f"{info['code']} {names.get(iri, '')}".strip()
    where = overview.map_of(iri, kind)
    return render_template(
        "page.html", map=where, iri=iri, kind=kind, title=title, info=info, s=info.get("summary", {}), facts=all_facts,
        names=names, d=d, page=page, sort=sort, desc=desc, list_page=list_page, page_size=summary.PAGE,
        formats=negotiate.GRAPHS, link=href, money=money, number=number, sdg_code=sdg_code,
        json_ld=json_ld(iri, kind, title, info), show_incoming=kind in ("other",))


@bp.route("/sdg/<code>")
def sdg_page(code: str):
    """devkg's page about a UN SDG goal, target or indicator; the UN IRI stays the identifier."""
    from graph.web.resources import render_resource

    if not sdg_code(SDG_NS + code):
        raise ApiError(404, f"no SDG code {code!r}")
    fmt = negotiate.by_extension(negotiate.GRAPHS, code.rsplit(".", 1)[1]) if code.count(".") and \
        code.rsplit(".", 1)[1].isalpha() else None
    if fmt is not None:  # /sdg/16.6.ttl
        code = code.rsplit(".", 1)[0]
    return render_resource(SDG_NS + code, fmt)
