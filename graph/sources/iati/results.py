"""Results and their indicators, baselines and periods.

IATI 2.03 types indicator values as strings, so qualitative indicators (measure 5)
may state words where others state numbers. A value that is not a number is kept
in the comment beside it, with a warning, rather than lost.

Document links of a result, an indicator, a baseline, a target and an actual (IATI
2.03 allows one or more on each) are read like the activity's (`read_document`).
Not read yet: the `location` and `dimension` children of baselines, targets and
actuals, and @aggregation-status.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from graph.records import DocumentLink, Indicator, IndicatorPeriod, Result
from graph.sources.iati.context import Context
from graph.sources.iati.documents import read_document
from graph.sources.values import decimal_problem


def read_result(el: etree._Element, ctx: Context) -> Result | None:
    kind = ctx.required(el, "type")
    if kind is None:
        return None
    result = Result(type=kind, titles=ctx.narratives(el.find("title")),
                    descriptions=ctx.narratives(el.find("description")), where=ctx.where(el))
    for ref in el.iterchildren("reference"):
        vocabulary, code = ctx.required(ref, "vocabulary"), ctx.required(ref, "code")
        if vocabulary and code:
            result.references.append((vocabulary, code))
    result.documents = _documents(el, ctx)
    for ind in el.iterchildren("indicator"):
        result.indicators.append(_indicator(ind, ctx))
    return result


def _documents(el: etree._Element, ctx: Context) -> list[DocumentLink]:
    return [d for d in (read_document(x, ctx) for x in el.iterchildren("document-link")) if d is not None]


def _indicator(el: etree._Element, ctx: Context) -> Indicator:
    ind = Indicator(titles=ctx.narratives(el.find("title")), measure=ctx.code(el, "measure"),
                    ascending=ctx.boolean(el, "ascending"), descriptions=ctx.narratives(el.find("description")),
                    where=ctx.where(el), documents=_documents(el, ctx))
    for ref in el.iterchildren("reference"):
        vocabulary, code = ctx.required(ref, "vocabulary"), ctx.required(ref, "code")
        if vocabulary and code:
            ind.references.append((vocabulary, code))
    baselines = list(el.iterchildren("baseline"))
    if baselines:
        base = baselines[0]
        ind.baseline_year = ctx.integer(base, "year")
        ind.baseline, ind.baseline_comment = _value(base, ctx, "baseline")
        ind.baseline_documents = _documents(base, ctx)
        for extra in baselines[1:]:
            ctx.warning(extra, "only the first <baseline> of an indicator is kept (devkg has one per indicator)")
    for period in el.iterchildren("period"):
        ind.periods.append(_period(period, ctx))
    return ind


def _period(el: etree._Element, ctx: Context) -> IndicatorPeriod:
    period = IndicatorPeriod(start=ctx.date(el.find("period-start"), what="period-start @iso-date"),
                             end=ctx.date(el.find("period-end"), what="period-end @iso-date"), where=ctx.where(el))
    for kind in ("target", "actual"):
        found = list(el.iterchildren(kind))
        if not found:
            continue
        value, comment = _value(found[0], ctx, kind)
        setattr(period, kind, value)
        setattr(period, f"{kind}_comment", comment)
        setattr(period, f"{kind}_documents", _documents(found[0], ctx))
        for extra in found[1:]:
            ctx.warning(extra, f"only the first <{kind}> of a period is kept (devkg has one per period)")
    return period


def _value(el: etree._Element, ctx: Context, what: str) -> tuple[Decimal | None, str | None]:
    """The numeric @value and the comment; a non-numeric value moves into the comment."""
    comment = ctx.first_text(el.find("comment"))
    raw = (el.get("value") or "").strip()
    if not raw:
        return None, comment
    try:
        value = Decimal(raw)
        if decimal_problem(value) is None:
            return value, comment
    except ArithmeticError:
        pass
    ctx.warning(el, f"{what} value {raw!r} is not a number; kept as the {what} comment")
    return None, f"{raw}; {comment}" if comment else raw
