"""What donors report about an activity beyond its own description: `crs-add` (the OECD CRS++
additions: other flags, loan terms, loan status, channel code), `fss` (the Forward Spending
Survey), `conditions` and `country-budget-items`.

The IATI schema allows each of the four once per activity; a second one is an error and is
ignored, like a second `activity-status`. Codes stay as written (the shared checks judge them
against CRSAddOtherFlags, LoanRepaymentType, LoanRepaymentPeriod, ConditionType,
BudgetIdentifierVocabulary and BudgetIdentifier); numbers, dates and booleans that do not
parse are errors at their own line, and the value is left out.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from graph.records import (
    BudgetItem,
    Condition,
    Forecast,
    LoanStatus,
    LoanTerms,
    Money,
    OtherFlag,
    PartialDate,
    Project,
    SpendingSurvey,
)
from graph.sources.iati.context import Context

LOAN_AMOUNTS = ("interest-received", "principal-outstanding", "principal-arrears", "interest-arrears")


def _once(p: Project, el: etree._Element, ctx: Context, field: str) -> bool:
    """True the first time an activity states this element; a second one is reported and ignored."""
    first = p.lines.get(field)
    if first is not None:
        ctx.error(el, f"second <{el.tag}> ignored; an activity has at most one (first at line {first.line})")
        return False
    p.lines[field] = ctx.where(el)
    return True


def _child_date(el: etree._Element, tag: str, ctx: Context) -> PartialDate | None:
    """The @iso-date of a child element (IATI requires it when the child is there)."""
    found = el.find(tag)
    if found is None:
        return None
    if ctx.required(found, "iso-date") is None:
        return None
    return ctx.date(found, what=f"{el.tag} {tag} @iso-date")


def _year(el: etree._Element, ctx: Context, attr: str = "year") -> int | None:
    """A calendar year: IATI types it xsd:decimal, so "2014" and "2014.0" are both a year; "2014.5" is not."""
    raw = ctx.code(el, attr)
    if raw is None:
        return None
    value = ctx.decimal(el, raw, f"<{el.tag}> @{attr}")
    if value is None:
        return None
    if value != value.to_integral_value() or not 1000 <= value <= 9999:
        ctx.error(el, f"<{el.tag}> @{attr} {raw!r} is not a year")
        return None
    return int(value)


# --- crs-add ---------------------------------------------------------------------------------
def read_crs_add(p: Project, el: etree._Element, ctx: Context) -> None:
    if not _once(p, el, ctx, "crs_add"):
        return
    for child in el:
        tag = child.tag
        if tag == "other-flags":
            flag = _other_flag(child, ctx)
            if flag is not None:
                p.other_flags.append(flag)
        elif tag == "loan-terms":
            if p.loan_terms is not None:
                ctx.error(child, "second <loan-terms> ignored; crs-add has at most one")
            else:
                p.loan_terms = _loan_terms(child, ctx)
        elif tag == "loan-status":
            status = _loan_status(child, ctx)
            if status is not None:
                p.loan_status.append(status)
        elif tag == "channel-code":
            code = " ".join((child.text or "").split())
            if code:
                p.channel_code = code


def _other_flag(el: etree._Element, ctx: Context) -> OtherFlag | None:
    code = ctx.required(el, "code")
    significance = ctx.required(el, "significance")
    flag = ctx.boolean(el, "significance") if significance is not None else None
    if code is None or flag is None:
        return None
    return OtherFlag(code, flag, ctx.where(el))


def _loan_terms(el: etree._Element, ctx: Context) -> LoanTerms:
    def coded(tag: str) -> str | None:
        found = el.find(tag)
        return ctx.required(found, "code") if found is not None else None

    return LoanTerms(
        rate_1=ctx.decimal(el, el.get("rate-1"), "<loan-terms> @rate-1"),
        rate_2=ctx.decimal(el, el.get("rate-2"), "<loan-terms> @rate-2"),
        repayment_type=coded("repayment-type"), repayment_plan=coded("repayment-plan"),
        commitment_date=_child_date(el, "commitment-date", ctx),
        repayment_first_date=_child_date(el, "repayment-first-date", ctx),
        repayment_final_date=_child_date(el, "repayment-final-date", ctx),
        where=ctx.where(el),
    )


def _loan_status(el: etree._Element, ctx: Context) -> LoanStatus | None:
    """One year of a loan; the amounts take @currency (else the activity's default) and @value-date."""
    if ctx.required(el, "year") is None:
        return None
    year = _year(el, ctx)
    currency = ctx.code(el, "currency") or ctx.currency
    value_date = ctx.date(el, "value-date", what="loan-status @value-date")
    status = LoanStatus(year=year, where=ctx.where(el)) if year is not None else None
    for tag in LOAN_AMOUNTS:
        found = el.find(tag)
        if found is None:
            continue
        amount = ctx.decimal(found, found.text, f"loan-status {tag}")
        if amount is None:
            if not (found.text or "").strip():
                ctx.error(found, f"loan-status {tag} is empty")
            continue
        if currency is None:
            ctx.error(found, f"loan-status {tag} has no @currency on <loan-status> and the activity no "
                             "default-currency")
            continue
        if status is not None:
            setattr(status, tag.replace("-", "_"), Money(amount, currency, value_date, where=ctx.where(found)))
    return status


# --- fss ---------------------------------------------------------------------------------------
def read_fss(p: Project, el: etree._Element, ctx: Context) -> None:
    if not _once(p, el, ctx, "fss"):
        return
    if ctx.required(el, "extraction-date") is None:
        extraction = None
    else:
        extraction = ctx.date(el, "extraction-date", what="fss @extraction-date")
    fss = SpendingSurvey(extraction_date=extraction, priority=ctx.boolean(el, "priority"),
                         phaseout_year=_year(el, ctx, "phaseout-year"), where=ctx.where(el))
    for child in el.iterchildren("forecast"):
        if ctx.required(child, "year") is None:
            continue
        year = _year(child, ctx)
        value = ctx.money(child, "fss forecast")
        if year is not None and value is not None:
            fss.forecasts.append(Forecast(year, value, ctx.where(child)))
    p.fss = fss


# --- conditions --------------------------------------------------------------------------------
def read_conditions(p: Project, el: etree._Element, ctx: Context) -> None:
    if not _once(p, el, ctx, "conditions"):
        return
    if ctx.required(el, "attached") is not None:
        p.conditions_attached = ctx.boolean(el, "attached")
    for child in el.iterchildren("condition"):
        kind = ctx.required(child, "type")
        if kind is None:
            continue
        texts = ctx.narratives(child)
        if not texts:
            ctx.warning(child, "<condition> has no narrative; it says only its type")
        p.conditions.append(Condition(kind, texts, ctx.where(child)))


# --- country-budget-items ----------------------------------------------------------------------
def read_country_budget_items(p: Project, el: etree._Element, ctx: Context) -> None:
    if not _once(p, el, ctx, "budget_items"):
        return
    vocabulary = ctx.required(el, "vocabulary")
    items = list(el.iterchildren("budget-item"))
    if not items:
        ctx.error(el, "<country-budget-items> has no <budget-item>")
    for child in items:
        code = ctx.required(child, "code")
        percentage: Decimal | None = ctx.decimal(child, child.get("percentage"), "<budget-item> @percentage")
        if code is None or vocabulary is None:
            continue
        p.budget_items.append(BudgetItem(code=code, vocabulary=vocabulary, percentage=percentage,
                                         descriptions=ctx.narratives(child.find("description")),
                                         where=ctx.where(child)))
