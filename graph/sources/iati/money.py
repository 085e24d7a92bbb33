"""Budgets, planned disbursements and transactions. Amounts stay in the currency stated (else default-currency).

A transaction's own sector, recipient-country and recipient-region (IATI allows them
per transaction instead of per activity) are read like the activity's.
"""

from __future__ import annotations

from lxml import etree

from graph.records import Budget, CodedValue, Money, OrgRef, PlannedDisbursement, Transaction
from graph.sources.iati.context import Context
from graph.sources.iati.geography import read_country, read_region, read_sector

# A transaction's own classification and places: element -> (Transaction field, reader)
_GEOGRAPHY = (("sector", "sectors", read_sector), ("recipient-country", "recipient_countries", read_country),
              ("recipient-region", "recipient_regions", read_region))


def _stated_value(el: etree._Element, ctx: Context, what: str) -> Money | None:
    """The <value> of a budget or planned disbursement; None (with the error said) when it is missing or bad."""
    value_el = el.find("value")
    if value_el is None:
        ctx.error(el, f"<{el.tag}> has no <value>; {what} skipped")
        return None
    return ctx.money(value_el, el.tag)


def read_budget(el: etree._Element, ctx: Context) -> Budget | None:
    value = _stated_value(el, ctx, "budget")
    if value is None:
        return None
    return Budget(
        value=value,
        period_start=ctx.date(el.find("period-start"), what="budget period-start @iso-date"),
        period_end=ctx.date(el.find("period-end"), what="budget period-end @iso-date"),
        type=ctx.code(el, "type"), status=ctx.code(el, "status"), where=ctx.where(el),
    )


def read_planned_disbursement(el: etree._Element, ctx: Context) -> PlannedDisbursement | None:
    """A planned disbursement: period, value, type, and who is to provide and receive the money."""
    value = _stated_value(el, ctx, "planned disbursement")
    if value is None:
        return None
    provider_el, receiver_el = el.find("provider-org"), el.find("receiver-org")
    return PlannedDisbursement(
        value=value,
        period_start=ctx.date(el.find("period-start"), what="planned-disbursement period-start @iso-date"),
        period_end=ctx.date(el.find("period-end"), what="planned-disbursement period-end @iso-date"),
        type=ctx.code(el, "type"), where=ctx.where(el),
        provider=_party(provider_el, ctx), receiver=_party(receiver_el, ctx),
        provider_activity_id=ctx.code(provider_el, "provider-activity-id"),
        receiver_activity_id=ctx.code(receiver_el, "receiver-activity-id"),
    )


def _party(el: etree._Element | None, ctx: Context) -> OrgRef | None:
    if el is None:
        return None
    org = OrgRef(ref=ctx.code(el, "ref"), names=ctx.narratives(el), type=ctx.code(el, "type"), where=ctx.where(el))
    return org if (org.ref or org.names or org.type) else None


def read_transaction(el: etree._Element, ctx: Context) -> Transaction | None:
    """A transaction; IATI requires its type, date and value, so without one it is skipped."""
    type_el, date_el, value_el = el.find("transaction-type"), el.find("transaction-date"), el.find("value")
    missing = [name for name, x in (("transaction-type", type_el), ("transaction-date", date_el),
                                    ("value", value_el)) if x is None]
    if missing:
        ctx.error(el, f"<transaction> has no <{'>, <'.join(missing)}>; transaction skipped")
        return None
    kind = ctx.required(type_el, "code")
    if date_el.get("iso-date") is None:
        ctx.error(date_el, "<transaction-date> has no @iso-date")
        return None
    date = ctx.date(date_el, what="transaction-date @iso-date")
    value = ctx.money(value_el, "transaction")
    if kind is None or date is None or value is None:
        return None
    provider_el, receiver_el = el.find("provider-org"), el.find("receiver-org")
    tr = Transaction(
        type=kind, date=date, value=value, ref=ctx.code(el, "ref"),
        description=ctx.narratives(el.find("description")),
        provider=_party(provider_el, ctx), receiver=_party(receiver_el, ctx), where=ctx.where(el),
        provider_activity_id=ctx.code(provider_el, "provider-activity-id"),
        receiver_activity_id=ctx.code(receiver_el, "receiver-activity-id"),
        humanitarian=ctx.boolean(el, "humanitarian"),
    )
    for tag, name in (("flow-type", "flow_type"), ("finance-type", "finance_type"), ("tied-status", "tied_status")):
        found = el.find(tag)
        code = ctx.code(found, "code") if found is not None else None
        if code:
            setattr(tr, name, CodedValue(code, where=ctx.where(found)))
    for aid in el.iterchildren("aid-type"):
        code, vocabulary = ctx.code(aid, "code"), ctx.code(aid, "vocabulary")
        if not code:
            continue
        if vocabulary in (None, "1") and tr.aid_type is None:
            tr.aid_type = CodedValue(code, where=ctx.where(aid), vocabulary=vocabulary)
        else:
            tr.aid_types_other.append((vocabulary or "1", code))
    for tag, field, read in _GEOGRAPHY:
        for found in el.iterchildren(tag):
            share = read(found, ctx)
            if share is not None:
                getattr(tr, field).append(share)
    return tr
