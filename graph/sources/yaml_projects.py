"""Curated project files (`data/projects/*.yaml`) to `Project` records.

This reader checks syntax and structure only: broken YAML, wrong types, missing
or unknown keys. Whether a code exists in its codelist, dates are in order and
percentages add up is checked for every source alike by `graph.sources.checks`.
Every record carries `Where(file, line)` so those checks can point at the line.
The format is documented in `data/README.md`.
"""

from __future__ import annotations

import difflib
import hashlib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from graph.records import (
    ActivityDate, Budget, CodedValue, Contact, DocumentLink, Indicator, IndicatorPeriod, Location, Money,
    OrgRef, Participation, PolicyMarker, Problem, Project, RelatedActivity, Result, Share, Source, Text, Where,
)
from graph.sources.dates import parse_stated_date

ROLES = {"funding": "1", "accountable": "2", "extending": "3", "implementing": "4",
         "reporting": "reporting", "partner": "partner", "1": "1", "2": "2", "3": "3", "4": "4"}
RESULT_TYPES = {"output": "1", "outcome": "2", "impact": "3", "other": "9"}
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


# --- YAML with line numbers --------------------------------------------------------
class LineDict(dict):
    """A mapping that remembers the line of each key."""

    lines: dict[str, int]
    line: int


class LineList(list):
    lines: list[int]
    line: int


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    d = LineDict()
    d.lines, d.line = {}, node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        d[str(key)] = loader.construct_object(value_node, deep=True)
        d.lines[str(key)] = key_node.start_mark.line + 1
    return d


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    items = LineList(loader.construct_object(n, deep=True) for n in node.value)
    items.lines, items.line = [n.start_mark.line + 1 for n in node.value], node.start_mark.line + 1
    return items


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


# --- field readers --------------------------------------------------------------------
class _Reader:
    """Reads one file's fields, collecting problems instead of stopping at the first."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def at(self, d: Any, key: str | None = None) -> Where:
        if isinstance(d, LineDict) and key is not None and key in d.lines:
            return Where(self.file, d.lines[key])
        return Where(self.file, getattr(d, "line", None))

    def error(self, where: Where, message: str) -> None:
        self.problems.append(Problem(where, message))

    def mapping(self, value: Any, where: Where, what: str, allowed: tuple[str, ...]) -> LineDict | None:
        if not isinstance(value, dict):
            self.error(where, f"{what} must be a mapping (key: value), not {_kind(value)}")
            return None
        for key in value:
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                self.error(self.at(value, key), f'unknown field "{key}" in {what}'
                           + (f'; did you mean "{hint[0]}"?' if hint else ""))
        return value

    def items(self, d: LineDict, key: str) -> list[tuple[Any, Where]]:
        """A list field as (item, where) pairs; a single value counts as a list of one."""
        value = d.get(key)
        if value is None:
            return []
        if isinstance(value, LineList):
            return [(v, Where(self.file, line)) for v, line in zip(value, value.lines)]
        return [(value, self.at(d, key))]

    def text(self, d: dict, key: str, where: Where, required: bool = False) -> str | None:
        value = d.get(key)
        if value is None:
            if required:
                self.error(where, f'missing required field "{key}"')
            return None
        if isinstance(value, (dict, list)):
            self.error(self.at(d, key), f'"{key}" must be text, not {_kind(value)}')
            return None
        return str(value).strip()

    def code(self, d: dict, key: str, where: Where) -> str | None:
        value = self.text(d, key, where)
        if isinstance(d.get(key), float):  # YAML reads 16.10 as 16.1: codes must be quoted
            self.error(self.at(d, key), f'"{key}" {d[key]!r} was read as a number; quote codes ("16.10")')
        return value

    def decimal(self, d: dict, key: str, where: Where, required: bool = False) -> Decimal | None:
        value = d.get(key)
        if value is None:
            if required:
                self.error(where, f'missing required field "{key}"')
            return None
        if isinstance(value, bool) or isinstance(value, (dict, list)):
            self.error(self.at(d, key), f'"{key}" must be a number, not {_kind(value)}')
            return None
        try:
            return Decimal(str(value).replace(",", "").replace("_", ""))
        except InvalidOperation:
            self.error(self.at(d, key), f'"{key}" must be a number, not "{value}"')
            return None

    def date(self, d: dict, key: str, where: Where):
        value = d.get(key)
        if value is None:
            return None
        try:
            return parse_stated_date(value)
        except ValueError as e:
            self.error(self.at(d, key), f'"{key}": {e}')
            return None

    def boolean(self, d: dict, key: str) -> bool | None:
        value = d.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.error(self.at(d, key), f'"{key}" must be true or false, not "{value}"')
        return None

    def texts(self, value: Any, where: Where, lang: str | None) -> list[Text]:
        """Text in the project's language, or a mapping of language -> text."""
        if isinstance(value, dict):
            return [Text(str(v).strip(), str(k)) for k, v in value.items() if v]
        if isinstance(value, list):
            return [t for item in value for t in self.texts(item, where, lang)]
        if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
            if value is not None:
                return [Text(str(value), lang)]
            return []
        return [Text(str(value).strip(), lang)]


def _kind(value: Any) -> str:
    return {dict: "a mapping", LineDict: "a mapping", list: "a list", LineList: "a list", str: "text",
            bool: "true/false", int: "a number", float: "a number"}.get(type(value), type(value).__name__)


# --- sections ---------------------------------------------------------------------
ORG_KEYS = ("ref", "name", "names", "type", "abbreviation", "country", "website", "wikidata")


def _org(r: _Reader, value: Any, where: Where, what: str, extra: tuple[str, ...] = (),
         lang: str | None = None) -> OrgRef | None:
    d = r.mapping(value, where, what, ORG_KEYS + extra) if not isinstance(value, str) else LineDict(name=value)
    if d is None:
        return None
    names = r.texts(d.get("names") or d.get("name"), where, lang)
    ref = r.text(d, "ref", where)
    if not (ref or names):
        r.error(where, f"{what} needs a ref (IATI organisation identifier) or a name")
        return None
    return OrgRef(ref=ref, names=names, type=r.code(d, "type", where), abbreviation=r.text(d, "abbreviation", where),
                  country=r.text(d, "country", where), website=r.text(d, "website", where),
                  wikidata=r.text(d, "wikidata", where), where=where)


def _participants(r: _Reader, d: LineDict, lang: str | None) -> list[Participation]:
    out = []
    for value, where in r.items(d, "participants"):
        org = _org(r, value, where, "participant", ("role", "lead", "role_as_stated", "activity_id"), lang)
        if org is None:
            continue
        role_text = r.text(value, "role", where, required=True)
        role = ROLES.get((role_text or "").lower())
        if role_text and role is None:
            r.error(r.at(value, "role"), f'role "{role_text}" is not one of {", ".join(sorted(set(ROLES) - set("1234")))} '
                    "(or an IATI OrganisationRole code 1-4)")
        if role:
            out.append(Participation(org, role, lead=bool(r.boolean(value, "lead")),
                                     activity_id=r.text(value, "activity_id", where),
                                     description=r.text(value, "role_as_stated", where), where=where))
    return out


def _shares(r: _Reader, d: LineDict, key: str, allowed=("code", "percentage", "vocabulary", "name")) -> list[Share]:
    out = []
    for value, where in r.items(d, key):
        item = LineDict(code=value) if isinstance(value, (str, int)) else r.mapping(value, where, key, allowed)
        if item is None:
            continue
        if not isinstance(item, LineDict):
            item.lines = {}
        code = r.code(item, "code", where) if "code" in item else None
        if not code:
            r.error(where, f'{key} entry needs a "code"')
            continue
        out.append(Share(code=code, percentage=r.decimal(item, "percentage", where),
                         vocabulary=r.code(item, "vocabulary", where),
                         names=r.texts(item.get("name"), where, "en"), where=where))
    return out


def _money(r: _Reader, value: Any, where: Where, what: str, extra: tuple[str, ...] = ()) -> tuple[Money | None, LineDict | None]:
    d = r.mapping(value, where, what, ("value", "currency", "value_date", "label") + extra)
    if d is None:
        return None, None
    amount = r.decimal(d, "value", where, required=True)
    currency = r.text(d, "currency", where, required=True)
    if amount is None or currency is None:
        return None, d
    return Money(amount, currency.upper(), r.date(d, "value_date", where), label=r.text(d, "label", where),
                 where=r.at(d, "value")), d


def _results(r: _Reader, d: LineDict, lang: str | None) -> list[Result]:
    out = []
    for value, where in r.items(d, "results"):
        item = r.mapping(value, where, "result", ("type", "title", "description", "indicators"))
        if item is None:
            continue
        rtype = r.text(item, "type", where) or "9"
        rtype = RESULT_TYPES.get(rtype.lower(), rtype)
        indicators = []
        for ivalue, iwhere in r.items(item, "indicators"):
            ind = r.mapping(ivalue, iwhere, "indicator", (
                "title", "description", "unit", "measure", "ascending", "baseline", "baseline_year",
                "baseline_comment", "target", "actual", "target_comment", "actual_comment", "start", "end"))
            if ind is None:
                continue
            period = IndicatorPeriod(start=r.date(ind, "start", iwhere), end=r.date(ind, "end", iwhere),
                                     target=r.decimal(ind, "target", iwhere), actual=r.decimal(ind, "actual", iwhere),
                                     target_comment=r.text(ind, "target_comment", iwhere),
                                     actual_comment=r.text(ind, "actual_comment", iwhere), where=iwhere)
            has_period = any(v is not None for v in (period.start, period.end, period.target, period.actual,
                                                     period.target_comment, period.actual_comment))
            titles = r.texts(ind.get("title"), iwhere, lang)
            if not titles:
                r.error(iwhere, 'indicator needs a "title"')
            baseline_year = r.decimal(ind, "baseline_year", iwhere)
            indicators.append(Indicator(
                titles=titles, measure=r.code(ind, "measure", iwhere), unit=r.text(ind, "unit", iwhere),
                ascending=r.boolean(ind, "ascending"), descriptions=r.texts(ind.get("description"), iwhere, lang),
                baseline=r.decimal(ind, "baseline", iwhere), baseline_comment=r.text(ind, "baseline_comment", iwhere),
                baseline_year=int(baseline_year) if baseline_year is not None else None,
                periods=[period] if has_period else [], where=iwhere))
        titles = r.texts(item.get("title"), where, lang)
        if not titles:
            r.error(where, 'result needs a "title"')
        out.append(Result(rtype, titles, r.texts(item.get("description"), where, lang), indicators, where=where))
    return out


def _list_of_text(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v).strip() for v in value] if isinstance(value, list) else [str(value).strip()]


def _contacts(r: _Reader, d: LineDict) -> list[Contact]:
    out = []
    for value, where in r.items(d, "contacts"):
        c = r.mapping(value, where, "contact", ("type", "organisation", "department", "person", "job_title",
                                                "telephone", "email", "website", "address"))
        if c is not None:
            out.append(Contact(type=r.code(c, "type", where), organisation=r.text(c, "organisation", where),
                               department=r.text(c, "department", where), person=r.text(c, "person", where),
                               job_title=r.text(c, "job_title", where), telephone=_list_of_text(c.get("telephone")),
                               email=_list_of_text(c.get("email")), website=_list_of_text(c.get("website")),
                               mailing_address=r.text(c, "address", where), where=where))
    return out


def _documents(r: _Reader, d: LineDict, lang: str | None) -> list[DocumentLink]:
    out = []
    for value, where in r.items(d, "documents"):
        doc = r.mapping(value, where, "document", ("url", "title", "format", "category", "language", "date"))
        if doc is not None and r.text(doc, "url", where, required=True):
            out.append(DocumentLink(url=r.text(doc, "url", where), titles=r.texts(doc.get("title"), where, lang),
                                    format=r.text(doc, "format", where), categories=_list_of_text(doc.get("category")),
                                    languages=_list_of_text(doc.get("language")), date=r.date(doc, "date", where),
                                    where=where))
    return out


# --- the file -----------------------------------------------------------------------
def read_project_file(path: Path, root: Path | None = None) -> tuple[Project | None, list[Problem]]:
    """Read one curated project; returns the project (None if unusable) and every problem found."""
    name = str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)
    r = _Reader(name)
    raw = path.read_bytes()
    try:
        doc = yaml.load(raw.decode("utf-8"), Loader=_Loader)
    except UnicodeDecodeError as e:
        return None, [Problem(Where(name), f"not UTF-8 text: {e}")]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        what = getattr(e, "problem", None) or str(e)
        return None, [Problem(Where(name, mark.line + 1 if mark else None), f"broken YAML: {what}")]
    d = r.mapping(doc, Where(name, 1), "the project", TOP_LEVEL_KEYS)
    if d is None:
        return None, r.problems
    top = Where(name, 1)
    lang = r.text(d, "language", top) or "en"
    identifier = r.text(d, "identifier", top, required=True)
    titles = r.texts(d.get("titles") or d.get("title"), r.at(d, "title"), lang)
    if not titles:
        r.error(top, 'missing required field "title"')
    src = r.mapping(d.get("source", LineDict()), r.at(d, "source"), "source", ("url", "title", "published", "retrieved"))
    src = src if src is not None else {}
    source = Source(key=f"curated/{path.stem}", kind="curated", path=name, sha256=hashlib.sha256(raw).hexdigest(),
                    url=r.text(src, "url", top), title=r.text(src, "title", top),
                    published=r.date(src, "published", top), retrieved=r.date(src, "retrieved", top))
    p = Project(identifier=identifier or "", titles=titles, source=source, where=top, language=lang)
    p.lines = {key: r.at(d, key) for key in d}
    p.iati_identifier = r.boolean(d, "iati_identifier") is not False
    for value, where in r.items(d, "other_identifiers"):
        o = r.mapping(value, where, "other identifier", ("type", "value"))
        if o is not None and r.text(o, "value", where, required=True):
            p.other_identifiers.append((r.text(o, "type", where) or "other identifier", r.text(o, "value", where)))
    for key, code in DESCRIPTION_KEYS.items():
        p.descriptions += [(code, t) for t in r.texts(d.get(key), r.at(d, key), lang)]
    if "reporting_org" in d:
        p.reporting_org = _org(r, d["reporting_org"], r.at(d, "reporting_org"), "reporting_org", lang=lang)
    p.participations = _participants(r, d, lang)
    p.status = r.code(d, "status", top)
    for key, code in DATE_KEYS.items():
        value = r.date(d, key, top)
        if value:
            p.dates.append(ActivityDate(code, value, where=r.at(d, key)))
    p.last_updated = r.date(d, "last_updated", top)
    p.recipient_countries = _shares(r, d, "recipient_countries")
    p.recipient_regions = _shares(r, d, "recipient_regions")
    for s in p.recipient_regions:
        s.vocabulary = s.vocabulary or "2"  # curated regions are UN M49 unless said otherwise
    p.country_groups = [str(v) for v, _ in r.items(d, "country_groups")]
    for value, where in r.items(d, "locations"):
        loc = LineDict(place=value) if isinstance(value, str) else r.mapping(value, where, "location", ("place", "name"))
        if loc is not None:
            p.locations.append(Location(place=r.text(loc, "place", where, required=True),
                                        names=r.texts(loc.get("name"), where, None), where=where))
    p.sectors = _shares(r, d, "sectors")
    for value, where in r.items(d, "policy_markers"):
        m = r.mapping(value, where, "policy marker", ("code", "significance", "vocabulary", "name"))
        if m is not None and r.code(m, "code", where) is not None:
            p.policy_markers.append(PolicyMarker(code=r.code(m, "code", where), significance=r.code(m, "significance", where),
                                                 vocabulary=r.code(m, "vocabulary", where) or "1",
                                                 names=r.texts(m.get("name"), where, "en"), where=where))
        elif m is not None:
            r.error(where, 'policy marker needs a "code"')
    for key in ("sdg_goals", "sdg_targets"):
        for value, where in r.items(d, key):
            if isinstance(value, float):
                r.error(where, f'{key} entry {value!r} was read as a number; quote SDG codes ("16.10")')
            getattr(p, key).append(str(value).strip())
    p.default_currency = r.text(d, "default_currency", top)
    if "total_budget" in d:
        p.total_budget, _ = _money(r, d["total_budget"], r.at(d, "total_budget"), "total_budget")
    for value, where in r.items(d, "budgets"):
        money, b = _money(r, value, where, "budget", ("start", "end", "type", "status"))
        if money is not None:
            p.budgets.append(Budget(money, r.date(b, "start", where), r.date(b, "end", where), r.code(b, "type", where),
                                    r.code(b, "status", where), label=money.label, where=where))
    p.results = _results(r, d, lang)
    p.contacts = _contacts(r, d)
    p.documents = _documents(r, d, lang)
    for value, where in r.items(d, "related"):
        rel = r.mapping(value, where, "related activity", ("ref", "type"))
        if rel is not None and r.text(rel, "ref", where, required=True):
            p.related.append(RelatedActivity(r.text(rel, "ref", where), r.code(rel, "type", where) or "", where=where))
    for key in CODED_KEYS:
        if key in d:
            c = r.mapping(d[key], r.at(d, key), key, ("code", "name"))
            if c is not None and r.code(c, "code", r.at(d, key)):
                setattr(p, key, CodedValue(r.code(c, "code", r.at(d, key)), r.text(c, "name", top), where=r.at(d, key)))
    p.programme = r.text(d, "programme", top)
    extra = d.get("extra")
    if extra is not None:
        e = r.mapping(extra, r.at(d, "extra"), "extra", tuple(extra) if isinstance(extra, dict) else ())
        p.extra = {str(k): str(v) for k, v in (e or {}).items()}
    return (p if identifier and titles else None), r.problems


def read_projects(directory: Path, root: Path | None = None) -> tuple[list[Project], list[Problem]]:
    """Every `*.yaml` file in a directory; all problems of all files, and duplicate identifiers."""
    projects: list[Project] = []
    problems: list[Problem] = []
    seen: dict[str, Project] = {}
    for path in sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml")):
        project, found = read_project_file(path, root)
        problems += found
        if project is None:
            continue
        first = seen.get(project.identifier)
        if first is not None:
            problems.append(Problem(project.at("identifier"),
                                    f'identifier "{project.identifier}" is also used in {first.at("identifier")}'))
            continue
        seen[project.identifier] = project
        projects.append(project)
    return projects, problems
