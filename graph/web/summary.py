"""What a person asks first about a resource, by kind: a project's money, people, places, goals and results;
an organisation's projects by role; a place's projects apart from its sub-places; an SDG's projects.

Each function runs a few small SPARQL SELECTs through the app's store interface
and returns plain dicts for the templates.
"""

from __future__ import annotations

from collections import defaultdict

from graph.web.labels import labels
from graph.web.present import Term, iri_ref, sdg_code, select, settings

PAGE = 50
SORTS = {"title": "LCASE(STR(?title))", "start": "?start", "end": "?end", "budget": "?value"}


def kind_of(iri: str) -> str:
    """`project`, `organisation`, `place`, `sdg` or `other`, from the resource's types."""
    base = settings().base
    if sdg_code(iri):
        return "sdg"
    types = {r["t"].value for r in select(f"SELECT DISTINCT ?t WHERE {{ {iri_ref(iri)} a ?t }}")}
    for name, kind in (("Project", "project"), ("Organisation", "organisation"), ("Place", "place")):
        if f"{base}def#{name}" in types:
            return kind
    if any(t.startswith(f"{base}def#") and t[len(base) + 4:] in ("Country", "Region", "District", "Municipality",
                                                                  "MacroRegion") for t in types):
        return "place"
    return "other"


def _get(row: dict[str, Term], key: str) -> str | None:
    """A solution's value for `key`, or None where the variable is unbound."""
    return row[key].value if key in row else None


def _one(rows: list[dict[str, Term]], key: str) -> str | None:
    return _get(rows[0], key) if rows else None


def project(iri: str) -> dict:
    s = iri_ref(iri)
    inferred = iri_ref(f"{settings().base}graph/inferred")
    core = select(f"""SELECT ?title ?identifier ?status ?start ?end ?pstart ?pend ?astart ?aend ?description WHERE {{
        OPTIONAL {{ {s} dev:title ?title }} OPTIONAL {{ {s} dev:identifier ?identifier }}
        OPTIONAL {{ {s} dev:status ?status }} OPTIONAL {{ {s} dev:startDate ?start }} """
                  f"""OPTIONAL {{ {s} dev:endDate ?end }}
        OPTIONAL {{ {s} dev:plannedStartDate ?pstart }} OPTIONAL {{ {s} dev:plannedEndDate ?pend }}
        OPTIONAL {{ {s} dev:actualStartDate ?astart }} OPTIONAL {{ {s} dev:actualEndDate ?aend }}
        OPTIONAL {{ {s} dev:description ?description }} }} LIMIT 1""")
    total = select(f"""SELECT ?value ?cur ?label WHERE {{ {s} dev:totalBudget ?t . ?t dev:value ?value .
        OPTIONAL {{ ?t dev:currency/skos:notation ?cur }} OPTIONAL {{ ?t rdfs:label ?label }} }}""")
    budgets = select(f"""SELECT ?start ?end ?value ?cur ?type ?bstatus WHERE {{ {s} dev:budget ?b .
        OPTIONAL {{ ?b dev:periodStart ?start }} OPTIONAL {{ ?b dev:periodEnd ?end }}
        OPTIONAL {{ ?b dev:amount ?a . ?a dev:value ?value OPTIONAL {{ ?a dev:currency/skos:notation ?cur }} }}
        OPTIONAL {{ ?b dev:budgetType ?type }} OPTIONAL {{ ?b dev:budgetStatus ?bstatus }} }} ORDER BY ?start""")
    transactions = select(f"""SELECT ?date ?type ?value ?cur ?provider ?receiver WHERE {{ {s} dev:transaction ?t .
        OPTIONAL {{ ?t dev:transactionDate ?date }} OPTIONAL {{ ?t dev:transactionType ?type }}
        OPTIONAL {{ ?t dev:amount ?a . ?a dev:value ?value OPTIONAL {{ ?a dev:currency/skos:notation ?cur }} }}
        OPTIONAL {{ ?t dev:providerOrg ?provider }} OPTIONAL {{ ?t dev:receiverOrg ?receiver }} }} ORDER BY ?date""")
    people = select(f"""SELECT ?org ?role ?stated WHERE {{ {s} dev:participation ?p . ?p dev:organisation ?org .
        OPTIONAL {{ ?p dev:role ?role }} OPTIONAL {{ ?p dev:roleAsStated ?stated }} }}""")
    places = select(f"SELECT DISTINCT ?place ?pct WHERE {{ "
                    f"""{{ GRAPH ?g {{ {s} dev:location ?place }} FILTER(?g != {inferred}) }}
        UNION {{ {s} dev:geographicShare ?share . ?share dev:place ?place """
                    f"OPTIONAL {{ ?share dev:percentage ?pct }} }} }}")
    sdgs = select(f"""SELECT ?sdg (MIN(IF(?g = {inferred}, 1, 0)) AS ?inf) WHERE {{
        GRAPH ?g {{ {s} dev:addressesSDG|dev:sdgGoal|dev:sdgTarget ?sdg }} }} GROUP BY ?sdg""")
    sectors = select(f"""SELECT DISTINCT ?code ?notation ?pct ?vocab WHERE {{
        {{ {s} dev:sectorShare ?share . ?share dev:code ?code OPTIONAL {{ ?share dev:percentage ?pct }}
           OPTIONAL {{ ?share dev:vocabulary ?vocab }} }} UNION {{ {s} dev:sector ?code }}
        OPTIONAL {{ ?code skos:notation ?notation }} }}""")
    results = select("SELECT ?result ?rtitle ?rtype ?ind ?ititle ?unit ?baseline ?byear ?target ?actual "
                     f"""?pstart ?pend WHERE {{
        {s} dev:result ?result . OPTIONAL {{ ?result dev:title ?rtitle }} OPTIONAL {{ ?result dev:resultType ?rtype }}
        OPTIONAL {{ ?result dev:indicator ?ind . OPTIONAL {{ ?ind dev:title ?ititle }} """
                     f"""OPTIONAL {{ ?ind dev:unit ?unit }}
          OPTIONAL {{ ?ind dev:baselineValue ?baseline }} OPTIONAL {{ ?ind dev:baselineYear ?byear }}
          OPTIONAL {{ ?ind dev:period ?per . OPTIONAL {{ ?per dev:targetValue ?target }} """
                     f"""OPTIONAL {{ ?per dev:actualValue ?actual }}
            OPTIONAL {{ ?per dev:periodStart ?pstart }} OPTIONAL {{ ?per dev:periodEnd ?pend }} }} }} }}
        ORDER BY ?result ?ind ?pstart""")
    sources = select(f"""SELECT ?src ?title ?path ?sha ?kind WHERE {{ {s} prov:wasDerivedFrom ?src .
        OPTIONAL {{ ?src dcterms:title|rdfs:label ?title }} OPTIONAL {{ ?src dev:path ?path }}
        OPTIONAL {{ ?src dev:sha256 ?sha }} OPTIONAL {{ ?src dev:sourceKind ?kind }} }}""")
    iris = [r[k].value for rows in (core, budgets, transactions, people, places, sdgs, sectors, results)
            for r in rows for k in r if r[k].is_iri]
    names = labels(iris)
    summary = {
        "title": _one(core, "title"), "identifier": _one(core, "identifier"),
        "status": _one(core, "status"), "description": _one(core, "description"),
        "dates": [(label, _one(core, key)) for key, label in (
            ("start", "Start"), ("end", "End"), ("pstart", "Planned start"), ("pend", "Planned end"),
            ("astart", "Actual start"), ("aend", "Actual end")) if _one(core, key)],
        "total": [{"value": _get(r, "value"), "currency": _get(r, "cur"), "label": _get(r, "label")} for r in total],
        "budgets": [{k: _get(r, k) for k in ("start", "end", "value", "cur", "type", "bstatus")} for r in budgets],
        "transactions": [{k: _get(r, k) for k in ("date", "type", "value", "cur", "provider", "receiver")}
                         for r in transactions],
        "people": sorted(({"org": _get(r, "org"), "role": _get(r, "role"), "stated": _get(r, "stated")}
                          for r in people),
                         key=lambda p: (names.get(p["role"] or "", "~"), names.get(p["org"], ""))),
        "places": _places(places, names),
        "sdgs": sorted(({"iri": r["sdg"].value, "code": sdg_code(r["sdg"].value) or r["sdg"].value,
                         "inferred": _get(r, "inf") == "1"} for r in sdgs),  # stated by no source
                       key=lambda x: [int(p) if p.isdigit() else 999 for p in x["code"].split(".")]),
        "sectors": [{"iri": _get(r, "code"), "notation": _get(r, "notation"), "pct": _get(r, "pct")} for r in sectors
                    if not any(_get(o, "code") == _get(r, "code") and "pct" in o for o in sectors if "pct" not in r)],
        "results": _results(results),
        "sources": [{k: _get(r, k) for k in ("src", "title", "path", "sha", "kind")} for r in sources],
    }
    if not summary["total"] and budgets:  # no stated total: the budget lines' sums, per currency, marked as such
        sums: dict[str, float] = defaultdict(float)
        from decimal import Decimal
        for b in summary["budgets"]:
            if b["value"]:
                sums[b["cur"] or ""] += Decimal(b["value"])
        summary["total"] = [{"value": str(v), "currency": c, "label": "sum of the budget lines"}
                            for c, v in sums.items()]
    return {"summary": summary, "labels": names}


def _places(rows: list[dict[str, Term]], names: dict[str, str]) -> list[dict]:
    merged: dict[str, str | None] = {}
    for r in rows:
        iri = r["place"].value
        if r.get("pct") or iri not in merged:
            merged[iri] = r["pct"].value if "pct" in r else merged.get(iri)
    return sorted(({"iri": i, "pct": p} for i, p in merged.items()), key=lambda x: names.get(x["iri"], ""))


def _results(rows: list[dict[str, Term]]) -> list[dict]:
    out: dict[str, dict] = {}
    for r in rows:
        res = out.setdefault(r["result"].value, {"title": r["rtitle"].value if "rtitle" in r else None,
                                                 "type": r["rtype"].value if "rtype" in r else None, "indicators": []})
        if "ind" in r:
            res["indicators"].append({"title": _get(r, "ititle"), "unit": _get(r, "unit"),
                                      "baseline": _get(r, "baseline"), "byear": _get(r, "byear"),
                                      "target": _get(r, "target"), "actual": _get(r, "actual"),
                                      "period": " – ".join(x for x in (_get(r, "pstart"), _get(r, "pend")) if x)})
    return list(out.values())


def _project_rows(where: str, sort: str, desc: bool, page: int, roles: bool = False) -> tuple[list[dict], int]:
    """Projects matching `where` (binding ?proj, and ?role when `roles`), one page, with title, dates, budget."""
    order = SORTS.get(sort, SORTS["title"])
    total = int(select(f"SELECT (COUNT(DISTINCT ?proj) AS ?n) WHERE {{ {where} }}")[0]["n"].value)
    role_var = '(GROUP_CONCAT(DISTINCT STR(?role); separator=" ") AS ?roles)' if roles else ""
    rows = select(f"""SELECT ?proj {role_var} (SAMPLE(?t) AS ?title) (SAMPLE(?s) AS ?start) (SAMPLE(?e) AS ?end)
        (SAMPLE(?v) AS ?value) (SAMPLE(?c) AS ?cur) WHERE {{ {where}
        OPTIONAL {{ ?proj dev:title ?t }} OPTIONAL {{ ?proj dev:startDate ?s }} OPTIONAL {{ ?proj dev:endDate ?e }}
        OPTIONAL {{ ?proj dev:totalBudget ?tb . ?tb dev:value ?v OPTIONAL {{ ?tb dev:currency/skos:notation ?c }} }}
    }} GROUP BY ?proj ORDER BY {'DESC' if desc else 'ASC'}({order}) ?proj
    LIMIT {PAGE} OFFSET {(page - 1) * PAGE}""")
    return [{"iri": _get(r, "proj"), "title": _get(r, "title"), "start": _get(r, "start"), "end": _get(r, "end"),
             "value": _get(r, "value"), "cur": _get(r, "cur"), "roles": (_get(r, "roles") or "").split()}
            for r in rows], total


def organisation(iri: str, sort: str, desc: bool, page: int, role: str | None = None) -> dict:
    s = iri_ref(iri)
    roles = select(f"""SELECT ?role ?cur (COUNT(DISTINCT ?proj) AS ?projects) (SUM(?v) AS ?sum) WHERE {{
        {{ SELECT DISTINCT ?proj ?role WHERE {{ ?part dev:organisation {s} ; dev:role ?role . """
                   f"""?proj dev:participation ?part }} }}
        OPTIONAL {{ ?proj dev:totalBudget ?tb . ?tb dev:value ?v . OPTIONAL {{ ?tb dev:currency/skos:notation ?c }} }}
        BIND(COALESCE(?c, "") AS ?cur) }} GROUP BY ?role ?cur ORDER BY ?role ?cur""")
    where = f"?part dev:organisation {s} ; dev:role ?role . ?proj dev:participation ?part ."
    if role:
        where = f"?part dev:organisation {s} ; dev:role ?role, {iri_ref(role)} . ?proj dev:participation ?part ."
    projects, total = _project_rows(where, sort, desc, page, roles=True)
    names = labels([r["role"].value for r in roles] + [p["iri"] for p in projects]
                   + [x for p in projects for x in p["roles"]])
    by_role: dict[str, dict] = {}
    for r in roles:
        entry = by_role.setdefault(r["role"].value, {"role": r["role"].value, "projects": 0, "totals": []})
        entry["projects"] += int(r["projects"].value)
        if "sum" in r and r["cur"].value:
            entry["totals"].append((r["cur"].value, r["sum"].value))
    return {"roles": list(by_role.values()), "projects": projects, "total": total, "labels": names, "role": role}


def place(iri: str, sort: str, desc: bool, page: int) -> dict:
    s = iri_ref(iri)
    inferred = iri_ref(f"{settings().base}graph/inferred")
    subs = select(f"""SELECT DISTINCT ?sub WHERE {{ GRAPH ?g {{ ?sub dev:withinPlace {s} }} """
                  f"""FILTER(?g != {inferred}) }}""")
    within = select(f"""SELECT ?up (SAMPLE(?g) AS ?graph) WHERE {{ GRAPH ?g {{ {s} dev:withinPlace ?up }} }} """
                    """GROUP BY ?up""")
    projects, total = _project_rows(f"?proj dev:location {s} .", sort, desc, page)
    names = labels([r["sub"].value for r in subs] + [r["up"].value for r in within] + [p["iri"] for p in projects])
    infer_g = f"{settings().base}graph/inferred"
    return {"subs": sorted((r["sub"].value for r in subs), key=lambda i: names.get(i, i)),
            "within": [{"iri": r["up"].value, "inferred": r["graph"].value == infer_g} for r in within],
            "projects": projects, "total": total, "labels": names}


def sdg(iri: str, sort: str, desc: bool, page: int) -> dict:
    s = iri_ref(iri)
    info = select(f"SELECT ?type ?broader ?narrower WHERE {{ "
                  f"""OPTIONAL {{ {s} a ?type FILTER(?type IN (sdgo:Goal, sdgo:Target, sdgo:Indicator)) }}
        OPTIONAL {{ {s} skos:broader ?broader }} OPTIONAL {{ {s} skos:narrower ?narrower }} }}""")
    projects, total = _project_rows(f"?proj dev:addressesSDG {s} .", sort, desc, page)
    broader = sorted({r["broader"].value for r in info if "broader" in r})
    narrower = sorted({r["narrower"].value for r in info if "narrower" in r},
                      key=lambda i: [int(p) if p.isdigit() else 999 for p in (sdg_code(i) or "").split(".")])
    types = {r["type"].value.rsplit("#", 1)[1] for r in info if "type" in r}
    names = labels([iri] + broader + narrower + [p["iri"] for p in projects])
    return {"code": sdg_code(iri), "type": next(iter(types), "Concept"), "broader": broader, "narrower": narrower,
            "projects": projects, "total": total, "labels": names}
