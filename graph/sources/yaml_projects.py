"""Curated project files (`data/projects/*.yaml`) to `Project` records.

This reader checks syntax and structure only: broken YAML, wrong types, missing
required fields, unknown or repeated keys. Whether a code exists in its codelist,
dates are in order and percentages add up is checked for every source alike by
`graph.sources.checks`. Every record carries `Where(file, line)`, and
`Project.lines` maps each top-level field to its line, so those checks can point
at the line too. The format is documented in `data/README.md`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from graph.records import (
    ActivityDate,
    Budget,
    CodedValue,
    Contact,
    DocumentLink,
    Indicator,
    IndicatorPeriod,
    Location,
    Money,
    OrgRef,
    Participation,
    PolicyMarker,
    Problem,
    Project,
    RelatedActivity,
    Result,
    Share,
    Source,
    Where,
)
from graph.sources.yaml_fields import FieldReader
from graph.sources.yaml_lines import LineDict, load_with_lines

ROLES = {"funding": "1", "accountable": "2", "extending": "3", "implementing": "4",
         "reporting": "reporting", "partner": "partner", "1": "1", "2": "2", "3": "3", "4": "4"}
RESULT_TYPES = {"output": "1", "outcome": "2", "impact": "3", "other": "9", "1": "1", "2": "2", "3": "3", "9": "9"}
DATE_KEYS = {"planned_start": "1", "actual_start": "2", "planned_end": "3", "actual_end": "4"}
DESCRIPTION_KEYS = {"description": "1", "objectives": "2", "target_groups": "3", "other_descriptions": "4"}
CODED_KEYS = ("aid_type", "finance_type", "collaboration_type", "flow_type", "tied_status")
TOP_LEVEL_KEYS = (
    "identifier", "iati_identifier", "language", "title", "titles", "other_identifiers",
    *DESCRIPTION_KEYS, "reporting_org", "participants", "status", *DATE_KEYS, "last_updated",
    "recipient_countries", "recipient_regions", "country_groups", "locations", "sectors", "policy_markers",
    "sdg_goals", "sdg_targets", "default_currency", "total_budget", "budgets", "results", "contacts",
    "documents", "related", *CODED_KEYS, "programme", "extra", "source",
)
ORG_KEYS = ("ref", "name", "names", "type", "abbreviation", "country", "website", "wikidata")
PARTICIPANT_KEYS = ORG_KEYS + ("role", "lead", "role_as_stated", "activity_id")
SHARE_KEYS = ("code", "percentage", "vocabulary", "name")
MONEY_KEYS = ("value", "currency", "value_date", "label")
INDICATOR_KEYS = ("title", "description", "unit", "measure", "ascending", "baseline", "baseline_year",
                  "baseline_comment", "target", "actual", "target_comment", "actual_comment", "start", "end")
CONTACT_KEYS = ("type", "organisation", "department", "person", "job_title", "telephone", "email", "website",
                "address")
SOURCE_KEYS = ("url", "title", "published", "retrieved")


# --- sections ---------------------------------------------------------------------------
def _org(r: FieldReader, value: Any, where: Where, what: str, allowed: tuple[str, ...] = ORG_KEYS) -> OrgRef | None:
    d = r.single("name", value, where) if isinstance(value, str) else r.mapping(value, where, what, allowed)
    if d is None:
        return None
    names = r.texts(d, "names" if "names" in d else "name")
    ref = r.code(d, "ref", where)
    if not (ref or names):
        r.error(where, f"{what} needs a ref (IATI organisation identifier) or a name")
        return None
    return OrgRef(ref=ref, names=names, type=r.code(d, "type", where), abbreviation=r.text(d, "abbreviation", where),
                  country=r.code(d, "country", where), website=r.text(d, "website", where),
                  wikidata=r.wikidata(d, "wikidata", where), where=where)


def _participants(r: FieldReader, d: LineDict) -> list[Participation]:
    out = []
    for value, where in r.items(d, "participants"):
        org = _org(r, value, where, "participant", PARTICIPANT_KEYS)
        if not isinstance(value, (dict, str)):
            continue  # already reported as not a mapping
        role_text = r.code(value if isinstance(value, dict) else {}, "role", where, required=True)
        role = ROLES.get((role_text or "").lower())
        if role_text and role is None:
            r.error(r.at(value, "role"), f'role "{role_text}" is not one of funding, accountable, extending, '
                    "implementing, reporting, partner (or an IATI OrganisationRole code 1-4)")
        if org is not None and role is not None:
            out.append(Participation(org, role, lead=bool(r.boolean(value, "lead")),
                                     activity_id=r.text(value, "activity_id", where),
                                     description=r.text(value, "role_as_stated", where), where=where))
    return out


def _shares(r: FieldReader, d: LineDict, key: str, default_vocabulary: str | None = None) -> list[Share]:
    out = []
    for value, where in r.items(d, key):
        item = r.mapping(value, where, f"{key} entry", SHARE_KEYS) if isinstance(value, (dict, list)) \
            else r.single("code", value, where)
        code = r.code(item, "code", where, required=True) if item is not None else None
        if code:
            out.append(Share(code=code, percentage=r.decimal(item, "percentage", where),
                             vocabulary=r.code(item, "vocabulary", where) or default_vocabulary,
                             names=r.texts(item, "name"), where=where))
    return out


def _money(r: FieldReader, value: Any, where: Where, what: str,
           extra: tuple[str, ...] = ()) -> tuple[Money | None, LineDict | None]:
    d = r.mapping(value, where, what, MONEY_KEYS + extra)
    if d is None:
        return None, None
    amount = r.decimal(d, "value", where, required=True)
    currency = r.code(d, "currency", where, required=True)
    if amount is None or currency is None:
        return None, d
    return Money(amount, currency.upper(), r.date(d, "value_date"), label=r.text(d, "label", where),
                 where=r.at(d, "value")), d


def _indicator(r: FieldReader, ind: LineDict, where: Where) -> Indicator:
    period = IndicatorPeriod(start=r.date(ind, "start"), end=r.date(ind, "end"),
                             target=r.decimal(ind, "target", where), actual=r.decimal(ind, "actual", where),
                             target_comment=r.text(ind, "target_comment", where),
                             actual_comment=r.text(ind, "actual_comment", where), where=where)
    titles = r.texts(ind, "title")
    if not titles:
        r.error(where, 'indicator needs a "title"')
    year = r.decimal(ind, "baseline_year", where)
    return Indicator(titles=titles, measure=r.code(ind, "measure", where), unit=r.text(ind, "unit", where),
                     ascending=r.boolean(ind, "ascending"), descriptions=r.texts(ind, "description"),
                     baseline=r.decimal(ind, "baseline", where),
                     baseline_comment=r.text(ind, "baseline_comment", where),
                     baseline_year=int(year) if year is not None else None,
                     periods=[period] if _has_values(period) else [],
                     where=where)


def _has_values(period: IndicatorPeriod) -> bool:
    return any(v is not None for v in (period.start, period.end, period.target, period.actual,
                                        period.target_comment, period.actual_comment))


def _results(r: FieldReader, d: LineDict) -> list[Result]:
    out = []
    for value, where in r.items(d, "results"):
        item = r.mapping(value, where, "result", ("type", "title", "description", "indicators"))
        if item is None:
            continue
        stated = r.code(item, "type", where) or "other"
        rtype = RESULT_TYPES.get(stated.lower())
        if rtype is None:
            r.error(r.at(item, "type"), f'result type "{stated}" is not one of output, outcome, impact, other')
        titles = r.texts(item, "title")
        if not titles:
            r.error(where, 'result needs a "title"')
        indicators = [_indicator(r, ind, w) for v, w in r.items(item, "indicators")
                      if (ind := r.mapping(v, w, "indicator", INDICATOR_KEYS)) is not None]
        out.append(Result(rtype or stated, titles, r.texts(item, "description"), indicators, where=where))
    return out


def _contacts(r: FieldReader, d: LineDict) -> list[Contact]:
    out = []
    for value, where in r.items(d, "contacts"):
        c = r.mapping(value, where, "contact", CONTACT_KEYS)
        if c is not None:
            out.append(Contact(type=r.code(c, "type", where), organisation=r.text(c, "organisation", where),
                               department=r.text(c, "department", where), person=r.text(c, "person", where),
                               job_title=r.text(c, "job_title", where), telephone=r.strings(c, "telephone", where),
                               email=r.strings(c, "email", where), website=r.strings(c, "website", where),
                               mailing_address=r.text(c, "address", where), where=where))
    return out


def _documents(r: FieldReader, d: LineDict) -> list[DocumentLink]:
    out = []
    for value, where in r.items(d, "documents"):
        doc = r.mapping(value, where, "document", ("url", "title", "description", "format", "category",
                                                   "language", "date"))
        url = r.text(doc, "url", where, required=True) if doc is not None else None
        if url:
            out.append(DocumentLink(url=url, titles=r.texts(doc, "title"), format=r.code(doc, "format", where),
                                    categories=r.strings(doc, "category", where),
                                    languages=r.strings(doc, "language", where), date=r.date(doc, "date"),
                                    descriptions=r.texts(doc, "description"), where=where))
    return out


def _geography(r: FieldReader, d: LineDict, p: Project) -> None:
    p.recipient_countries = _shares(r, d, "recipient_countries")
    p.recipient_regions = _shares(r, d, "recipient_regions", default_vocabulary="2")  # UN M49 unless said
    p.country_groups = r.strings(d, "country_groups", r.at(d, "country_groups"))
    for value, where in r.items(d, "locations"):
        loc = r.mapping(value, where, "location", ("place", "name", "description")) \
            if isinstance(value, (dict, list)) else r.single("place", value, where)
        place = r.code(loc, "place", where, required=True) if loc is not None else None
        if place:
            p.locations.append(Location(place=place, names=r.texts(loc, "name", None),
                                        descriptions=r.texts(loc, "description"), where=where))


def _classification(r: FieldReader, d: LineDict, p: Project) -> None:
    p.status = r.code(d, "status", r.at(d))
    p.sectors = _shares(r, d, "sectors")
    for value, where in r.items(d, "policy_markers"):
        m = r.mapping(value, where, "policy marker", ("code", "significance", "vocabulary", "name"))
        code = r.code(m, "code", where, required=True) if m is not None else None
        if code:
            p.policy_markers.append(PolicyMarker(code=code, significance=r.code(m, "significance", where),
                                                 vocabulary=r.code(m, "vocabulary", where) or "1",
                                                 names=r.texts(m, "name"), where=where))
    for key in ("sdg_goals", "sdg_targets"):
        getattr(p, key).extend(c for v, w in r.items(d, key) if (c := r.code(r.single(key, v, w), key, w)))
    for key in CODED_KEYS:
        if key in d:
            where = r.at(d, key)
            c = r.mapping(d[key], where, key, ("code", "name", "vocabulary")) if isinstance(d[key], (dict, list)) \
                else r.single("code", d[key], where)
            code = r.code(c, "code", where, required=True) if c is not None else None
            if code:
                setattr(p, key, CodedValue(code, r.text(c, "name", where), where=where,
                                           vocabulary=r.code(c, "vocabulary", where)))


def _money_fields(r: FieldReader, d: LineDict, p: Project) -> None:
    p.default_currency = r.code(d, "default_currency", r.at(d))
    if "total_budget" in d:
        p.total_budget, _ = _money(r, d["total_budget"], r.at(d, "total_budget"), "total_budget")
    for value, where in r.items(d, "budgets"):
        money, b = _money(r, value, where, "budget", ("start", "end", "type", "status"))
        if money is not None:
            p.budgets.append(Budget(money, r.date(b, "start"), r.date(b, "end"), r.code(b, "type", where),
                                    r.code(b, "status", where), label=money.label, where=where))


def _source(r: FieldReader, d: LineDict, path: Path, name: str, raw: bytes) -> Source:
    src = r.mapping(d["source"], r.at(d, "source"), "source", SOURCE_KEYS) if "source" in d else None
    src = src if src is not None else LineDict()
    where = r.at(d, "source")
    return Source(key=f"curated/{path.stem}", kind="curated", path=name, sha256=hashlib.sha256(raw).hexdigest(),
                  url=r.text(src, "url", where), title=r.text(src, "title", where),
                  published=r.date(src, "published"), retrieved=r.date(src, "retrieved"))


# --- files ------------------------------------------------------------------------------
def _load(path: Path, name: str) -> tuple[Any, bytes, list[Problem]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, raw, [Problem(Where(name, raw[:e.start].count(b"\n") + 1), f"not UTF-8 text (byte {e.start})")]
    try:
        doc, duplicates = load_with_lines(text)
    except yaml.reader.ReaderError as e:  # a character YAML does not allow (NUL, C0 controls): it has no mark
        line = text[:e.position].count("\n") + 1 if isinstance(e.position, int) else None
        what = f"character #x{e.character:04x} is not allowed in YAML" if isinstance(e.character, int) else e.reason
        return None, raw, [Problem(Where(name, line), f"broken YAML: {what}")]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        what = " ".join(str(part) for part in (getattr(e, "context", None), getattr(e, "problem", None)) if part)
        return None, raw, [Problem(Where(name, mark.line + 1 if mark else None), f"broken YAML: {what or e}")]
    return doc, raw, [Problem(Where(name, dup.line), f'"{dup.key}" is written twice (first on line {dup.first_line})')
                      for dup in duplicates]


def read_project_file(path: Path, root: Path | None = None) -> tuple[Project | None, list[Problem]]:
    """Read one curated project: the project (None if unusable) and every problem found in the file."""
    name = str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)
    doc, raw, problems = _load(path, name)
    r = FieldReader(name)
    r.problems = problems
    if doc is None and not problems:
        return None, [Problem(Where(name), "the file is empty; a project needs at least identifier and title")]
    d = r.mapping(doc, Where(name, getattr(doc, "line", None) or 1), "the project", TOP_LEVEL_KEYS) \
        if doc is not None else None
    if d is None:
        return None, r.problems
    top = r.at(d)
    r.lang = r.language(d, "language", top) or "en"
    identifier = r.code(d, "identifier", top, required=True)
    if "title" in d and "titles" in d:
        r.error(r.at(d, "titles"), 'write either "title" or "titles", not both')
    titles = r.texts(d, "titles" if "titles" in d else "title")
    if not titles:
        r.error(top, 'missing required field "title"')
    p = Project(identifier=identifier or "", titles=titles, source=_source(r, d, path, name, raw), where=top,
                language=r.lang, lines={key: r.at(d, key) for key in d})
    p.iati_identifier = r.boolean(d, "iati_identifier") is not False
    for value, where in r.items(d, "other_identifiers"):
        o = r.mapping(value, where, "other identifier", ("type", "value"))
        if o is not None and (v := r.text(o, "value", where, required=True)):
            p.other_identifiers.append((r.text(o, "type", where) or "other identifier", v))
    for key, code in DESCRIPTION_KEYS.items():
        p.descriptions += [(code, t) for t in r.texts(d, key)]
    if "reporting_org" in d:
        p.reporting_org = _org(r, d["reporting_org"], r.at(d, "reporting_org"), "reporting_org")
    p.participations = _participants(r, d)
    for key, code in DATE_KEYS.items():
        if (value := r.date(d, key)) is not None:
            p.dates.append(ActivityDate(code, value, where=r.at(d, key)))
    p.last_updated = r.date(d, "last_updated")
    _geography(r, d, p)
    _classification(r, d, p)
    _money_fields(r, d, p)
    p.results = _results(r, d)
    p.contacts = _contacts(r, d)
    p.documents = _documents(r, d)
    for value, where in r.items(d, "related"):
        rel = r.mapping(value, where, "related activity", ("ref", "type"))
        if rel is not None and (ref := r.code(rel, "ref", where, required=True)):
            p.related.append(RelatedActivity(ref, r.code(rel, "type", where, required=True) or "", where=where))
    p.programme = r.text(d, "programme", top)
    if "extra" in d and (e := r.mapping(d["extra"], r.at(d, "extra"), "extra", None)) is not None:
        p.extra = {str(k): v for k in e if (v := r.text(e, k, r.at(e, k))) is not None}
    r.problems.sort(key=lambda problem: problem.where.line or 0)  # in file order, as an editor shows them
    return (p if identifier and titles else None), r.problems


def read_projects(directory: Path, root: Path | None = None) -> tuple[list[Project], list[Problem]]:
    """Every `*.yaml` file in a directory, sorted: all problems of all files, and duplicate identifiers."""
    from graph.sources.checks import first_of_each

    projects: list[Project] = []
    problems: list[Problem] = []
    seen: dict[str, Where] = {}
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        project, found = read_project_file(path, root)
        problems += found
        for item in first_of_each([project] if project is not None else [], seen):
            (problems if isinstance(item, Problem) else projects).append(item)
    return projects, problems
