"""Pages for people: home (with live counts), the example queries, the ontology's documentation."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, current_app, render_template, request

from graph.config import Settings
from graph.web import browse, negotiate

bp = Blueprint("pages", __name__)
QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"


PREFIX_LINE = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>\s*$", re.I)


def example_queries(base: str | None = None) -> list[dict[str, str]]:
    """`graph/queries/*.rq`, each with the title and description from its first two lines; `body` is
    what the query page's editor shows: the query without those lines and without the PREFIX lines
    the endpoint presets (under `base`), so it opens on the question, not on its prologue."""
    from graph.namespaces import DEFAULT_BASE, prefixes

    preset = prefixes(base or DEFAULT_BASE)
    out = []
    for path in sorted(QUERIES_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        head = dict(line[2:].split(": ", 1) for line in text.splitlines()[:2] if line.startswith("# ") and ": " in line)
        out.append({"name": path.stem, "title": head.get("title", path.stem),
                    "description": head.get("description", ""), "query": text, "body": editor_text(text, preset)})
    return out


def editor_text(query: str, preset: dict[str, str]) -> str:
    """`query` without its leading `# title:`/`# description:` comments and the PREFIX lines that
    declare a preset prefix with its preset IRI (any other PREFIX line stays)."""
    lines = query.splitlines()
    while lines and (lines[0].startswith(("# title:", "# description:")) or not lines[0].strip()):
        lines.pop(0)
    kept = []
    for line in lines:
        m = PREFIX_LINE.match(line)
        if m and preset.get(m.group(1) or "") == m.group(2):
            continue
        kept.append(line)
    while kept and not kept[0].strip():
        kept.pop(0)
    return "\n".join(kept).rstrip() + "\n"


def counts() -> dict[str, int]:
    c = browse.counts()
    return {"projects": c.projects, "organisations": c.organisations, "triples": c.quads, "graphs": len(c.graphs)}


def ontology_terms(store, settings: Settings) -> list[dict]:
    query = ("""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    PREFIX owl: <http://www.w3.org/2002/07/owl#>
    SELECT ?term ?kind ?label ?definition (GROUP_CONCAT(DISTINCT STR(?super); separator=" ") AS ?supers)
           (GROUP_CONCAT(DISTINCT STR(?domain); separator=" ") AS ?domains) """
             f"""(GROUP_CONCAT(DISTINCT STR(?range); separator=" ") AS ?ranges)
    WHERE {{ GRAPH <{settings.base}graph/ontology> {{
        VALUES ?kind {{ owl:Class owl:ObjectProperty owl:DatatypeProperty }}
        ?term a ?kind . FILTER STRSTARTS(STR(?term), "{settings.base}def#")
        OPTIONAL {{ ?term rdfs:label ?label }} OPTIONAL {{ ?term skos:definition ?definition }}
        OPTIONAL {{ ?term rdfs:subClassOf|rdfs:subPropertyOf ?super FILTER isIRI(?super) }}
        OPTIONAL {{ ?term rdfs:domain ?domain FILTER isIRI(?domain) }} """
             f"""OPTIONAL {{ ?term rdfs:range ?range FILTER isIRI(?range) }}
    }} }} GROUP BY ?term ?kind ?label ?definition ORDER BY ?kind ?term""")
    rows = []
    for r in store.query(query, union_default_graph=False):
        def value(k: str, r=r) -> str:
            return r[k].value if r[k] is not None else ""

        rows.append({"iri": value("term"), "name": value("term").rsplit("#", 1)[1],
                     "kind": value("kind").rsplit("#", 1)[1],
                     "label": value("label"), "definition": value("definition"),
                     "supers": value("supers").split(), "domains": value("domains").split(),
                     "ranges": value("ranges").split()})
    return rows


def compact(iri: str, base: str) -> str:
    """`https://w3id.org/devkg/def#Project` -> `dev:Project`, for people reading the docs."""
    from graph.namespaces import prefixes

    for prefix, namespace in prefixes(base).items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


@bp.route("/")
def home():
    settings = current_app.config["DEVKG"]
    data = {"counts": counts(), "base": settings.base,
            "examples": example_queries()}
    if negotiate.wants_html(request.headers.get("Accept")):
        return render_template("home.html", **data)
    resp = current_app.json.response({"counts": data["counts"], "sparql": "/sparql", "ontology": "/def",
                                       "dumps": "/dumps/", "description": "/.well-known/void"})
    resp.headers["Vary"] = "Accept"
    return resp
