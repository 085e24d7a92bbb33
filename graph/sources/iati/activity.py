"""One `iati-activity` element to a `Project` record.

The activity's children are read in one pass through a table from element name to
reader; each reader adds to the project and notes the first line of its field in
`project.lines`. crs-add, fss, conditions and country-budget-items are read in
`reporting.py`. Elements devkg does not model yet (humanitarian-scope, legacy-data
and extension elements in other namespaces) are skipped without a message.
"""

from __future__ import annotations

from typing import Callable

from lxml import etree

from graph.records import (
    ActivityDate,
    CodedValue,
    Contact,
    OrgRef,
    Participation,
    Project,
    RelatedActivity,
    Source,
)
from graph.sources.iati.context import XML_LANG, Context
from graph.sources.iati.documents import read_document
from graph.sources.iati.geography import (
    read_country,
    read_location,
    read_policy_marker,
    read_region,
    read_sector,
    read_tag,
)
from graph.sources.iati.money import read_budget, read_planned_disbursement, read_transaction
from graph.sources.iati.places import PlaceIndex
from graph.sources.iati.reporting import read_conditions, read_country_budget_items, read_crs_add, read_fss
from graph.sources.iati.results import read_result
from graph.sources.values import language_problem

Reader = Callable[[Project, etree._Element, Context], None]

# Attribute-only classifications: element -> (Project field, message name)
_CODED = {
    "collaboration-type": "collaboration_type",
    "default-finance-type": "finance_type",
    "default-flow-type": "flow_type",
    "default-tied-status": "tied_status",
}
# Facts devkg keeps as labelled values (Project.extra) until the ontology models them.
_EXTRA = {"activity-scope": ("code", "activity-scope"), "capital-spend": ("percentage", "capital-spend percentage")}


def read_activity(el: etree._Element, ctx: Context, source: Source, places: PlaceIndex,
                  file_lang: str | None = None) -> Project | None:
    """The project an activity describes, or None when it has no identifier to key it by.

    An activity without identifier is still read through, so that its other problems
    are reported in the same run.
    """
    ctx.lang = ctx.language(el) or file_lang
    ctx.currency = ctx.code(el, "default-currency")
    ctx.activity = None
    identifiers = list(el.iterchildren("iati-identifier"))
    identifier = " ".join((identifiers[0].text or "").split()) if identifiers else ""
    if not identifiers:
        ctx.error(el, "<iati-activity> has no <iati-identifier>; activity skipped")
    elif not identifier:
        ctx.error(identifiers[0], "<iati-identifier> is empty; activity skipped")
    else:
        ctx.activity = identifier
    for extra in identifiers[1:]:
        ctx.error(extra, f"second <iati-identifier> {(extra.text or '').strip()!r} ignored; "
                         f"an activity has exactly one (first at line {identifiers[0].sourceline})")

    p = Project(identifier=identifier, titles=[], source=source, where=ctx.where(el))
    if identifier:
        p.lines["identifier"] = ctx.where(identifiers[0])
    _activity_attributes(p, el, ctx)
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag == "iati-identifier":
            continue
        reader = _READERS.get(tag)
        if reader is not None:
            reader(p, child, ctx)
        elif tag in _CODED:
            _coded(p, child, ctx, _CODED[tag])
        elif tag in _EXTRA:
            attr, label = _EXTRA[tag]
            value = ctx.code(child, attr)
            if value is not None:
                p.extra[label] = value
    if not p.titles:
        ctx.warning(el, "activity has no <title> narrative")
    for location in p.locations:
        location.place = places.location(location.administrative, location.location_ids)
    ctx.activity = None
    return p if identifier else None


def _activity_attributes(p: Project, el: etree._Element, ctx: Context) -> None:
    here = ctx.where(el)
    tag = (el.get(XML_LANG) or "").strip()
    p.language = tag if tag and language_problem(tag) is None else None  # reported by read_activity
    p.default_currency = ctx.currency
    p.hierarchy = ctx.integer(el, "hierarchy")
    p.humanitarian = ctx.boolean(el, "humanitarian")
    p.last_updated = ctx.date(el, "last-updated-datetime")
    p.linked_data_uri = ctx.iri(el, "linked-data-uri")
    if ctx.code(el, "budget-not-provided"):
        p.extra["budget-not-provided"] = el.get("budget-not-provided").strip()
    for name in ("language", "default_currency", "hierarchy", "humanitarian", "last_updated", "linked_data_uri"):
        if getattr(p, name) is not None:
            p.lines[name] = here


def _mark(p: Project, name: str, el: etree._Element, ctx: Context) -> None:
    if name not in p.lines:
        p.lines[name] = ctx.where(el)


def _org(el: etree._Element, ctx: Context) -> OrgRef:
    return OrgRef(ref=ctx.code(el, "ref"), names=ctx.narratives(el), type=ctx.code(el, "type"), where=ctx.where(el))


def _reporting_org(p: Project, el: etree._Element, ctx: Context) -> None:
    if p.reporting_org is not None:
        ctx.error(el, "second <reporting-org> ignored; an activity has exactly one "
                      f"(first at line {p.reporting_org.where.line})")
        return
    p.reporting_org = _org(el, ctx)
    _mark(p, "reporting_org", el, ctx)


def _participating_org(p: Project, el: etree._Element, ctx: Context) -> None:
    role = ctx.required(el, "role")
    if role is None:
        return
    org = _org(el, ctx)
    if org.ref is None and not org.names:
        ctx.warning(el, "<participating-org> has neither @ref nor a narrative; it names no organisation")
    p.participations.append(Participation(org=org, role=role, activity_id=ctx.code(el, "activity-id"),
                                          where=ctx.where(el)))
    _mark(p, "participations", el, ctx)


def _title(p: Project, el: etree._Element, ctx: Context) -> None:
    if p.titles:
        ctx.warning(el, "second <title>; its narratives are added to the first")
    p.titles.extend(ctx.narratives(el))
    _mark(p, "titles", el, ctx)


def _description(p: Project, el: etree._Element, ctx: Context) -> None:
    kind = ctx.code(el, "type") or "1"  # DescriptionType 1 (general) is the IATI default
    p.descriptions.extend((kind, text) for text in ctx.narratives(el))
    _mark(p, "descriptions", el, ctx)


def _status(p: Project, el: etree._Element, ctx: Context) -> None:
    if p.status is not None:
        ctx.error(el, f"second <activity-status> ignored (first is {p.status!r})")
        return
    p.status = ctx.required(el, "code")
    _mark(p, "status", el, ctx)


def _date(p: Project, el: etree._Element, ctx: Context) -> None:
    kind = ctx.required(el, "type")
    if el.get("iso-date") is None or not el.get("iso-date").strip():
        ctx.error(el, "<activity-date> has no @iso-date")
        return
    date = ctx.date(el, what="activity-date @iso-date")
    if kind is None or date is None:
        return
    p.dates.append(ActivityDate(kind, date, ctx.where(el), ctx.narratives(el)))
    _mark(p, "dates", el, ctx)


def _aid_type(p: Project, el: etree._Element, ctx: Context) -> None:
    code = ctx.required(el, "code")
    if code is None:
        return
    vocabulary = ctx.code(el, "vocabulary")
    if p.aid_type is None and vocabulary in (None, "1"):
        p.aid_type = CodedValue(code, where=ctx.where(el), vocabulary=vocabulary)
        _mark(p, "aid_type", el, ctx)
    else:  # further vocabularies (2 earmarking, 3 cash/voucher, 4 modality) as stated facts
        p.extra[f"default-aid-type vocabulary {vocabulary or '1'}"] = code


def _coded(p: Project, el: etree._Element, ctx: Context, name: str) -> None:
    code = ctx.required(el, "code")
    if code is None:
        return
    if getattr(p, name) is not None:
        ctx.error(el, f"second <{el.tag}> ignored")
        return
    setattr(p, name, CodedValue(code, where=ctx.where(el), vocabulary=ctx.code(el, "vocabulary")))
    _mark(p, name, el, ctx)


def _other_identifier(p: Project, el: etree._Element, ctx: Context) -> None:
    ref = ctx.required(el, "ref")
    if ref is None:
        return
    label = f"other-identifier type {ctx.code(el, 'type') or '?'}"
    owner = el.find("owner-org")
    if owner is not None:
        names = ctx.narratives(owner)
        owner_ref = ctx.code(owner, "ref")
        label += f" of {owner_ref or (names[0].value if names else '?')}"
    p.other_identifiers.append((label, ref))
    _mark(p, "other_identifiers", el, ctx)


def _contact(p: Project, el: etree._Element, ctx: Context) -> None:
    def texts(tag: str) -> list[str]:
        return [" ".join(c.text.split()) for c in el.iterchildren(tag) if c.text and c.text.strip()]

    p.contacts.append(Contact(
        type=ctx.code(el, "type"),
        organisation=ctx.first_text(el.find("organisation")),
        department=ctx.first_text(el.find("department")),
        person=ctx.first_text(el.find("person-name")),
        job_title=ctx.first_text(el.find("job-title")),
        telephone=texts("telephone"), email=texts("email"), website=texts("website"),
        mailing_address=ctx.first_text(el.find("mailing-address")),
        where=ctx.where(el),
    ))
    _mark(p, "contacts", el, ctx)


def _document(p: Project, el: etree._Element, ctx: Context) -> None:
    doc = read_document(el, ctx)
    if doc is not None:
        p.documents.append(doc)
        _mark(p, "documents", el, ctx)


def _related(p: Project, el: etree._Element, ctx: Context) -> None:
    ref, kind = ctx.required(el, "ref"), ctx.required(el, "type")
    if ref and kind:
        p.related.append(RelatedActivity(ref, kind, ctx.where(el)))
        _mark(p, "related", el, ctx)


def _adder(field: str, read: Callable) -> Reader:
    """A reader that appends what `read(el, ctx)` gives (if anything) to a list field."""
    def add(p: Project, el: etree._Element, ctx: Context) -> None:
        item = read(el, ctx)
        if item is not None:
            getattr(p, field).append(item)
            _mark(p, field, el, ctx)
    return add


def _tag(p: Project, el: etree._Element, ctx: Context) -> None:
    tag = read_tag(el, ctx)
    if tag is None:
        return
    p.tags.append(tag)
    _mark(p, "tags", el, ctx)
    sdgs = {"2": p.sdg_goals, "3": p.sdg_targets}.get(tag.vocabulary)
    if sdgs is not None and tag.code not in sdgs:
        sdgs.append(tag.code)


_READERS: dict[str, Reader] = {
    "reporting-org": _reporting_org,
    "title": _title,
    "description": _description,
    "participating-org": _participating_org,
    "other-identifier": _other_identifier,
    "activity-status": _status,
    "activity-date": _date,
    "contact-info": _contact,
    "recipient-country": _adder("recipient_countries", read_country),
    "recipient-region": _adder("recipient_regions", read_region),
    "location": _adder("locations", read_location),
    "sector": _adder("sectors", read_sector),
    "tag": _tag,
    "policy-marker": _adder("policy_markers", read_policy_marker),
    "default-aid-type": _aid_type,
    "budget": _adder("budgets", read_budget),
    "planned-disbursement": _adder("planned_disbursements", read_planned_disbursement),
    "transaction": _adder("transactions", read_transaction),
    "document-link": _document,
    "related-activity": _related,
    "result": _adder("results", read_result),
    "crs-add": read_crs_add,
    "fss": read_fss,
    "conditions": read_conditions,
    "country-budget-items": read_country_budget_items,
}
