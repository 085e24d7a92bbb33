"""Every fact about a resource, grouped (what, who, where, money, results, provenance), with its child
nodes (`.../budget/1`, `.../result/2/indicator/1`) shown inline, and each fact marked asserted or inferred.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.web.labels import labels
from graph.web.present import Term, iri_ref, select, settings

DEPTH = 4  # project -> result -> indicator -> period -> ...
MAX_CHILDREN = 2000
PER_PREDICATE = 25  # values of one property shown before "N more"
GROUPS = {
    "what": ("title", "identifier", "iatiIdentifier", "otherIdentifier", "description", "objective", "targetGroup",
             "otherDescription", "status", "sector", "sectorShare", "addressesSDG", "sdgGoal", "sdgTarget",
             "sdgIndicator", "policyMarker", "tag", "aidType", "collaborationType", "humanitarian", "hierarchy",
             "programme", "relatedActivity", "relatedProject", "additionalFact", "otherFlag", "channelCode",
             "conditionsAttached", "condition", "name", "abbreviation", "organisationType", "type", "label",
             "prefLabel", "altLabel", "notation", "definition", "comment", "inScheme", "topConceptOf", "broader",
             "narrower", "exactMatch", "closeMatch", "sameAs", "iso3166Code", "m49Code"),
    "who": ("participation", "participatingOrg", "fundedBy", "implementedBy", "accountableOrg", "extendingOrg",
            "reportedBy", "partnerOrg", "participatesIn", "contact", "organisation", "role"),
    "where": ("location", "recipientCountry", "recipientRegion", "countryGroup", "geographicShare", "locationDetail",
              "withinPlace", "memberOfGroup", "basedIn", "place"),
    "when": ("startDate", "endDate", "plannedStartDate", "plannedEndDate", "actualStartDate", "actualEndDate",
             "startDateAsStated", "endDateAsStated", "plannedStartDateNote", "actualStartDateNote",
             "plannedEndDateNote", "actualEndDateNote"),
    "money": ("totalBudget", "budget", "plannedDisbursement", "transaction", "defaultCurrency", "financeType",
              "flowType", "tiedStatus", "loanTerms", "loanStatus", "forwardSpendingSurvey", "countryBudgetItem"),
    "results": ("result",),
    "provenance": ("wasDerivedFrom", "lastUpdated", "documentLink", "isDefinedBy"),
}
GROUP_OF = {name: group for group, names in GROUPS.items() for name in names}
ORDER = ("what", "who", "where", "when", "money", "results", "provenance", "other")


@dataclass
class Fact:
    predicate: str
    value: Term
    inferred: bool
    children: list["Fact"] = field(default_factory=list)  # the value's own facts, when it is a child node


def _name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _triples(subjects: list[str]) -> list[dict[str, Term]]:
    values = " ".join(iri_ref(s) for s in subjects)
    return select(f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")


def facts(iri: str) -> dict:
    """`{"groups": [(group, [Fact])], "labels": {...}, "inferred": n, "omitted": {predicate: n}}` for the
    resource and its child nodes; past PER_PREDICATE values of one property, only their number."""
    inferred_graph = f"{settings().base}graph/inferred"
    by_subject: dict[str, dict[tuple, Fact]] = {}
    frontier, seen = [iri], {iri}
    for _ in range(DEPTH + 1):
        if not frontier:
            break
        nxt = []
        for r in _triples(frontier):
            s, p, o = r["s"].value, r["p"].value, r["o"]
            key = (p, o)
            entry = by_subject.setdefault(s, {})
            inferred = r["g"].value == inferred_graph
            if key in entry:  # the same triple in an asserted and a reference graph: asserted wins
                entry[key].inferred = entry[key].inferred and inferred
                continue
            entry[key] = Fact(p, o, inferred)
            if o.is_iri and o.value.startswith(iri + "/") and o.value not in seen and len(seen) < MAX_CHILDREN:
                seen.add(o.value)
                nxt.append(o.value)
        frontier = nxt

    def tree(subject: str, depth: int) -> list[Fact]:
        out = sorted(by_subject.get(subject, {}).values(),
                     key=lambda f: (f.inferred, _name(f.predicate), f.value.value))
        for f in out:
            if f.value.is_iri and f.value.value in by_subject and f.value.value.startswith(iri + "/") and depth < DEPTH:
                f.children = [c for c in tree(f.value.value, depth + 1) if not c.inferred or c.value.is_iri]
        return out

    top = tree(iri, 0)
    per_predicate: dict[str, int] = {}
    omitted: dict[str, int] = {}
    kept = []
    for f in top:  # an organisation's 28,000 `participatesIn`: a few here, all in the paged list
        per_predicate[f.predicate] = per_predicate.get(f.predicate, 0) + 1
        if per_predicate[f.predicate] > PER_PREDICATE:
            omitted[f.predicate] = omitted.get(f.predicate, 0) + 1
        else:
            kept.append(f)
    top = kept
    grouped: dict[str, list[Fact]] = {g: [] for g in ORDER}
    for f in top:
        grouped[GROUP_OF.get(_name(f.predicate), "other")].append(f)
    shown: set[str] = set(omitted)

    def collect(fs: list[Fact]) -> None:
        for f in fs:
            shown.add(f.predicate)
            if f.value.is_iri:
                shown.add(f.value.value)
            collect(f.children)

    collect(top)
    names = labels(shown)
    return {"groups": [(g, grouped[g]) for g in ORDER if grouped[g]], "labels": names,
            "inferred": sum(1 for f in top if f.inferred), "omitted": omitted}
