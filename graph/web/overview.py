"""Figures for maps and charts: projects per country, projects and budgets per SDG goal, and where one
project or place is. Computed with SPARQL, once per build for the whole-graph figures.

The browser draws them (static/devkg/maps.js with the vendored Leaflet, world-atlas outlines and
Chart.js); countries are matched to the outlines by their UN M49 code.
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify

from graph.web.htmlsafety import href
from graph.web.present import iri_ref, select, settings

bp = Blueprint("overview", __name__)
POINT = re.compile(r"^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*(-?[0-9.]+)\s+(-?[0-9.]+)\s*\)\s*$", re.I)


def _countries(where: str) -> dict[str, dict]:
    """`{m49: {"label", "href", "projects"}}` for countries bound to ?c by `where` (and ?p projects, if any)."""
    rows = select(f"""SELECT ?c ?m49 (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {where}
        ?c a dev:Country ; dev:m49Code ?m49 . OPTIONAL {{ ?c rdfs:label ?l FILTER(LANG(?l) IN ("", "en")) }} }}
        GROUP BY ?c ?m49""")
    return {r["m49"].value: {"label": r["label"].value if "label" in r else r["m49"].value,
                             "href": href(r["c"].value), "projects": int(r["n"].value)} for r in rows}


def projects_per_country() -> dict:
    live = current_app.extensions["devkg"]
    return live.cached("overview-countries", lambda: _countries("?p a dev:Project ; dev:location ?c ."))


def sdg_goals() -> list[dict]:
    """Per goal: its number and title, how many projects address it, and their budgets per currency."""
    def compute() -> list[dict]:
        counts = select("""SELECT ?goal (SAMPLE(?t) AS ?title) (COUNT(DISTINCT ?p) AS ?n) WHERE {
            ?p a dev:Project ; dev:addressesSDG ?goal . ?goal a sdgo:Goal .
            OPTIONAL { ?goal skos:prefLabel ?t FILTER(LANG(?t) = "en") } } GROUP BY ?goal""")
        money = select("""SELECT ?goal ?cur (SUM(?v) AS ?sum) WHERE {
            { SELECT DISTINCT ?goal ?p WHERE { ?p a dev:Project ; dev:addressesSDG ?goal . ?goal a sdgo:Goal } }
            ?p dev:totalBudget ?b . ?b dev:value ?v ; dev:currency/skos:notation ?cur } GROUP BY ?goal ?cur""")
        budgets: dict[str, dict[str, str]] = {}
        for r in money:
            budgets.setdefault(r["goal"].value, {})[r["cur"].value] = r["sum"].value
        out = []
        for r in counts:
            code = r["goal"].value.rsplit("/", 1)[-1]
            out.append({"goal": code, "title": r["title"].value if "title" in r else "", "href": href(r["goal"].value),
                        "projects": int(r["n"].value), "budgets": budgets.get(r["goal"].value, {})})
        return sorted(out, key=lambda g: int(g["goal"]) if g["goal"].isdigit() else 99)
    return current_app.extensions["devkg"].cached("overview-sdgs", compute)


def map_of(iri: str, kind: str) -> dict | None:
    """The countries (and points, where a source gave coordinates) to show on a project's or place's map."""
    s = iri_ref(iri)
    if kind == "project":
        countries = _countries(f"BIND({s} AS ?p) {s} dev:location ?c .")
        points = []
        for r in select(f"""SELECT ?name ?wkt WHERE {{ {s} dev:locationDetail ?l . ?l geo:hasGeometry/geo:asWKT ?wkt .
                OPTIONAL {{ ?l dev:name ?name }} }}"""):
            m = POINT.match(r["wkt"].value)
            if m:
                points.append({"lat": float(m.group(2)), "lon": float(m.group(1)),
                               "label": r["name"].value if "name" in r else ""})
    elif kind == "place":
        countries = _countries(f"""{{ BIND({s} AS ?c) }} UNION {{ {s} dev:withinPlace ?c }}
            UNION {{ ?c dev:withinPlace {s} }} OPTIONAL {{ ?p dev:location ?c }}""")
        points = []
    else:
        return None
    if not countries and not points:
        return None
    return {"countries": countries, "points": points, "fit": True}


def country_codes() -> list[dict]:
    """Every country's IRI, ISO 3166 alpha-2 code, UN M49 code (the world-atlas outline's id) and label:
    what the query page's map view needs to place a result's country column."""
    def compute() -> list[dict]:
        rows = select("""SELECT ?c (SAMPLE(?a2) AS ?code) (SAMPLE(?m) AS ?m49) (SAMPLE(?l) AS ?label) WHERE {
            ?c a dev:Country ; dev:m49Code ?m . OPTIONAL { ?c dev:iso3166Code ?a2 }
            OPTIONAL { ?c rdfs:label ?l FILTER(LANG(?l) IN ("", "en")) } } GROUP BY ?c ORDER BY ?c""")
        return [{"iri": r["c"].value, "code": r["code"].value if "code" in r else None, "m49": r["m49"].value,
                 "label": r["label"].value if "label" in r else r["m49"].value} for r in rows]
    return current_app.extensions["devkg"].cached("overview-country-codes", compute)


@bp.route("/stats/countries.json")
def country_codes_json():
    return jsonify({"countries": country_codes()})


@bp.route("/stats/projects-per-country.json")
def countries_json():
    return jsonify({"countries": projects_per_country(), "base": settings().base})


@bp.route("/stats/sdg-goals.json")
def sdgs_json():
    return jsonify({"goals": sdg_goals(), "note": "budgets are summed per currency, never converted"})
