"""Semantic checks of project records, the same for curated YAML and IATI XML.

Errors stop a build; warnings are reported and the build goes on:
- error: a code not in its codelist (status, role, organisation type, country,
  region, place, currency, sector, policy marker, significance, SDG, result type,
  indicator measure, budget/transaction type, date type, document category,
  related activity type, collaboration type, tied status, CRS other flag, loan
  repayment type and period, condition type, budget identifier vocabulary and,
  for vocabulary 1, budget identifier; transaction-level sectors, countries and
  regions like the activity's), an end before its start (project, budget, planned
  disbursement, indicator period, loan repayments), a negative amount, a percentage
  outside 0-100, and percentages that do not sum to 100 where the IATI rules require
  it (recipient countries and regions together; sectors and country budget items per
  vocabulary) when every item of the group has a percentage.
- warning: percentages given for only some items of a group, codes that
  the IATI codelists mark as withdrawn, a budget period wholly outside the
  project's dates (CA-3-A034224001's 2010-04-01..2011-03-31 budget, before its 2011-07-20 start),
  and a transaction's own sector, country or region outside its list: one
  transaction's code does not make the activity unusable (the IATI Standard's own
  example has transaction region 616, which the Region codelist no longer has).
- error for curated files, warning for IATI files: percentages that do not sum
  to 100 and negative budgets. Published IATI data gets these wrong often (the
  real IOM file has a country and a region at 100% each); refusing a whole file
  of 577 activities for it would lose far more than it protects. Curated data
  is ours to fix, so there it stops the build.
Publisher-defined vocabularies (98, 99) and vocabularies devkg has no list for
are not checked, nor are codes of lists devkg holds only in part (AidType,
FinanceType, FlowType: see data/reference/extra-codelists.csv). Transaction
amounts may be negative (IATI uses negative values for corrections and
decommitments); budgets and the total budget may not.
Dates are compared by `first()` of the start and `last()` of the end, so
"2019-10" .. "2019-10" is a valid one-month period. Messages name the field and
the value, and suggest the closest valid code or place when there is one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from decimal import Decimal

from graph.records import CodedValue, DocumentLink, PartialDate, Problem, Project, Share, Where
from graph.reference import Reference

SDG_SECTOR_VOCABULARIES = {"7": "goal", "8": "target", "9": "indicator"}
CHECKED_SECTOR_VOCABULARIES = {"1": "Sector", "2": "SectorCategory"}


def duplicate(identifier: str, here: Where, first: Where) -> Problem:
    """The one wording of a repeated identifier: the later project is skipped."""
    return Problem(here, f'identifier "{identifier}" is also used at {first}; this one is skipped')


def first_of_each(items: Iterable[Project | Problem], seen: dict[str, Where] | None = None
                  ) -> Iterator[Project | Problem]:
    """Pass records through, keeping the first project of each identifier and reporting the others.

    The one duplicate check: within a file, across files and across curated and IATI
    sources, so the graph never merges two projects that share an identifier. A
    stream in, a stream out (problems pass through), so it works while reading
    activity by activity; `seen` may be shared between calls to span several streams.
    """
    seen = {} if seen is None else seen
    for item in items:
        if isinstance(item, Project):
            here = item.at("identifier")
            first = seen.setdefault(item.identifier, here)
            if first is not here:
                yield duplicate(item.identifier, here, first)
                continue
        yield item


class _Checker:
    def __init__(self, project: Project, ref: Reference):
        self.p, self.ref = project, ref
        self.problems: list[Problem] = []
        self.quality = "warning" if project.source.kind == "iati" else "error"  # see module docstring

    def error(self, where: Where | None, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(where or self.p.at("identifier"), message, severity, project=self.p.identifier))

    def code(self, codelist: str, code: str | None, where: Where | None, field: str, note: str = "") -> None:
        if code is None or code == "":
            return
        cl = self.ref.codelist(codelist)
        if cl is None:
            return
        item = cl.items.get(str(code))
        if item is None:
            close = difflib.get_close_matches(str(code), list(cl.items), n=1)
            hint = f'; did you mean "{close[0]}" ({cl.items[close[0]].name()})?' if close else ""
            self.error(where, f'{field} "{code}" is not in the IATI {codelist} codelist{note}{hint}')
        elif item.withdrawn:
            self.error(where, f'{field} "{code}" is withdrawn from the IATI {codelist} codelist', "warning")

    def place(self, key: str, where: Where | None, field: str, country: str | None = None) -> None:
        if self.ref.place(key) is not None:
            return
        guess = self.ref.find_place(key, country)
        hint = f'; did you mean "{guess.key}" ({guess.name})?' if guess else ""
        self.error(where, f'{field} "{key}" is not a known place{hint}')

    def country(self, code: str, where: Where | None, field: str) -> None:
        """An ISO 3166-1 alpha-2 code (or one the IATI Country codelist adds, such as XK)."""
        place = self.ref.place(code)
        if place is not None and place.kind == "country" and place.key == code.upper():
            return
        guess = self.ref.find_place(code)
        hint = f'; did you mean "{guess.key}" ({guess.name})?' if guess and guess.kind == "country" else ""
        self.error(where, f'{field} "{code}" is not an ISO 3166-1 country code{hint}')

    def coded(self, codelist: str, value: CodedValue | None, field: str) -> None:
        """A default aid/finance/flow/collaboration type or tied status, when devkg holds the whole list."""
        if value is None or value.vocabulary not in (None, "1"):
            return
        cl = self.ref.codelist(codelist)
        if cl is not None and cl.complete:
            self.code(codelist, value.code, value.where or self.p.at(field), field)

    def sdg(self, code: str, where: Where | None, field: str) -> None:
        if not self.ref.has_sdg(code):
            close = difflib.get_close_matches(code, [c for c in self.ref.sdg if "." in c or c.isdigit()], n=1)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            self.error(where, f'{field} "{code}" is not an SDG goal, target or indicator in the UN SDG KOS{hint}')

    def period(self, start: PartialDate | None, end: PartialDate | None, where: Where | None, what: str) -> bool:
        """False (and an error) when the period ends before it starts."""
        if start and end and start.first() > end.last():
            self.error(where, f"{what}: start date {start} is after end date {end}")
            return False
        return True

    def amount(self, value: Decimal, currency: str | None, where: Where | None, what: str) -> None:
        if value < 0:
            self.error(where, f"{what}: amount {value} is negative", self.quality)
        self.code("Currency", currency, where, f"{what} currency")

    def percentages(self, shares: list[Share], what: str) -> None:
        out_of_range = [s for s in shares if s.percentage is not None and not (0 <= s.percentage <= 100)]
        for s in out_of_range:
            self.error(s.where or self.p.at(what),
                       f'{what} "{s.code}": percentage {s.percentage} is not between 0 and 100')
        if out_of_range:
            return  # the sum is wrong too; one error is enough
        given = [s for s in shares if s.percentage is not None]
        if not given:
            return
        where = shares[0].where or self.p.at(what)
        if len(given) < len(shares):
            self.error(where, f"{what}: percentages are given for {len(given)} of {len(shares)} items", "warning")
            return
        total = sum(s.percentage for s in given)
        if abs(total - 100) > Decimal("0.5"):  # IATI allows rounding
            self.error(where, f"{what}: percentages sum to {total}, not 100", self.quality)


def check_project(project: Project, ref: Reference) -> list[Problem]:
    """Every semantic problem of one project, as `Problem`s that name file, line and field."""
    c = _Checker(project, ref)
    p = project
    c.code("ActivityStatus", p.status, p.at("status"), "status")
    for part in p.participations:
        c.code("OrganisationRole", part.role, part.where, "participant role")
        c.code("OrganisationType", part.org.type, part.where or part.org.where, "organisation type")
        if part.org.country:
            c.country(part.org.country, part.org.where or part.where, "organisation country")
    if p.reporting_org:
        c.code("OrganisationType", p.reporting_org.type, p.reporting_org.where or p.at("reporting_org"),
               "reporting_org type")
    _dates(c, p)
    for s in p.recipient_countries:
        c.country(s.code, s.where or p.at("recipient_countries"), "recipient country")
    for s in p.recipient_regions:
        _region(c, s, s.where or p.at("recipient_regions"))
    c.percentages(p.recipient_countries + p.recipient_regions, "recipient countries and regions")
    for key in p.country_groups:
        c.place(key, p.at("country_groups"), "country group")
    country = p.recipient_countries[0].code.upper() if len(p.recipient_countries) == 1 else None
    for loc in p.locations:
        if loc.place:
            c.place(loc.place, loc.where or p.at("locations"), "location", country)
    _sectors(c, p)
    for m in p.policy_markers:
        if m.vocabulary == "1":
            c.code("PolicyMarker", m.code, m.where or p.at("policy_markers"), "policy marker")
        c.code("PolicySignificance", m.significance, m.where or p.at("policy_markers"), "policy marker significance")
    sdg_tags = [t for t in p.tags if t.vocabulary in ("2", "3")]
    for tag in sdg_tags:  # checked once, at the tag's own line (IATI tags also fill sdg_goals/targets)
        c.sdg(tag.code, tag.where, "SDG tag")
    tagged = {t.code for t in sdg_tags}
    for code in p.sdg_goals:
        if code not in tagged:
            c.sdg(code, p.at("sdg_goals"), "SDG goal")
    for code in p.sdg_targets:
        if code not in tagged:
            c.sdg(code, p.at("sdg_targets"), "SDG target")
    _money(c, p)
    for r in p.results:
        c.code("ResultType", r.type, r.where, "result type")
        for ind in r.indicators:
            c.code("IndicatorMeasure", ind.measure, ind.where, "indicator measure")
            for per in ind.periods:
                c.period(per.start, per.end, per.where or ind.where, "indicator period")
    for d in _all_documents(p):
        for cat in d.categories:
            c.code("DocumentCategory", cat, d.where, "document category")
    for rel in p.related:
        c.code("RelatedActivityType", rel.type, rel.where, "related activity type")
    for codelist, field in (("AidType", "aid_type"), ("FinanceType", "finance_type"), ("FlowType", "flow_type"),
                            ("CollaborationType", "collaboration_type"), ("TiedStatus", "tied_status")):
        c.coded(codelist, getattr(p, field), field)
    _reporting(c, p)
    return c.problems


def _region(c: _Checker, s: Share, where: Where | None, what: str = "recipient region") -> None:
    if s.vocabulary == "2":
        c.place(f"m49-{s.code.zfill(3)}", where, f"{what} (UN M49)")
    elif s.vocabulary in (None, "1"):
        c.code("Region", s.code, where, f"{what} (OECD DAC)")


def _all_documents(p: Project) -> Iterator[DocumentLink]:
    """The project's document links and those of its results, indicators, baselines, targets and actuals."""
    yield from p.documents
    for r in p.results:
        yield from r.documents
        for ind in r.indicators:
            yield from ind.documents
            yield from ind.baseline_documents
            for per in ind.periods:
                yield from per.target_documents
                yield from per.actual_documents


def _reporting(c: _Checker, p: Project) -> None:
    """crs-add, fss, conditions and country-budget-items: codes, currencies, periods, percentages."""
    for flag in p.other_flags:
        c.code("CRSAddOtherFlags", flag.code, flag.where, "crs-add other-flags code")
    lt = p.loan_terms
    if lt is not None:
        c.code("LoanRepaymentType", lt.repayment_type, lt.where, "loan-terms repayment-type")
        c.code("LoanRepaymentPeriod", lt.repayment_plan, lt.where, "loan-terms repayment-plan")
        c.period(lt.repayment_first_date, lt.repayment_final_date, lt.where, "loan-terms repayment dates")
    for status in p.loan_status:
        for amount in (status.interest_received, status.principal_outstanding, status.principal_arrears,
                       status.interest_arrears):
            if amount is not None:
                c.code("Currency", amount.currency, amount.where or status.where, "loan-status currency")
    if p.fss is not None:
        for f in p.fss.forecasts:
            c.amount(f.value.value, f.value.currency, f.where, "fss forecast")
    for cond in p.conditions:
        c.code("ConditionType", cond.type, cond.where, "condition type")
    by_vocabulary: dict[str, list[Share]] = {}
    for item in p.budget_items:
        c.code("BudgetIdentifierVocabulary", item.vocabulary, item.where, "country-budget-items vocabulary")
        if item.vocabulary == "1":
            c.code("BudgetIdentifier", item.code, item.where, "budget-item code", " (vocabulary 1)")
        by_vocabulary.setdefault(item.vocabulary, []).append(
            Share(item.code, item.percentage, item.vocabulary, where=item.where))
    for vocabulary, shares in by_vocabulary.items():
        c.percentages(shares, f"country budget items (vocabulary {vocabulary})")


def _dates(c: _Checker, p: Project) -> None:
    by_type = {d.type: d for d in p.dates}
    for d in p.dates:
        c.code("ActivityDateType", d.type, d.where, "activity date type")
    ok = True
    for start, end, what in (("1", "3", "planned dates"), ("2", "4", "actual dates")):
        if start in by_type and end in by_type:
            ok = c.period(by_type[start].date, by_type[end].date, by_type[end].where, what) and ok
    start = by_type.get("2") or by_type.get("1")  # the normalised pair: actual, else planned
    end = by_type.get("4") or by_type.get("3")
    # the same-kind pairs are checked above; one wrong date gives one error
    if ok and start and end and (start.type, end.type) in (("2", "3"), ("1", "4")):
        c.period(start.date, end.date, end.where, "start and end dates (actual, else planned)")


def _sectors(c: _Checker, p: Project) -> None:
    by_vocabulary: dict[str, list[Share]] = {}
    for s in p.sectors:
        by_vocabulary.setdefault(s.vocabulary or "1", []).append(s)
        _sector(c, s, s.where or p.at("sectors"))
    for v, shares in by_vocabulary.items():
        c.percentages(shares, f"sectors (vocabulary {v})")


def _sector(c: _Checker, s: Share, where: Where | None, what: str = "sector") -> None:
    v = s.vocabulary or "1"
    if v in CHECKED_SECTOR_VOCABULARIES:
        c.code(CHECKED_SECTOR_VOCABULARIES[v], s.code, where, what, f" (vocabulary {v})")
    elif v in SDG_SECTOR_VOCABULARIES:
        c.sdg(s.code, where, f"{what} (vocabulary {v}, SDG {SDG_SECTOR_VOCABULARIES[v]})")


def _span(p: Project) -> tuple[PartialDate | None, PartialDate | None]:
    """The project's start and end (actual, else planned); none when they contradict each other
    (that is reported on its own, once)."""
    by_type = {d.type: d.date for d in p.dates}
    start, end = by_type.get("2") or by_type.get("1"), by_type.get("4") or by_type.get("3")
    if start and end and start.first() > end.last():
        return None, None
    return start, end


def _money(c: _Checker, p: Project) -> None:
    c.code("Currency", p.default_currency, p.at("default_currency"), "default currency")
    if p.total_budget:
        c.amount(p.total_budget.value, p.total_budget.currency, p.total_budget.where or p.at("total_budget"),
                 "total_budget")
    start, end = _span(p)
    for b in p.budgets:
        c.amount(b.value.value, b.value.currency, b.where, "budget")
        c.period(b.period_start, b.period_end, b.where, "budget period")
        if start and b.period_end and b.period_end.last() < start.first():
            c.error(b.where, f"budget period {b.period_start}..{b.period_end} ends before the project starts "
                             f"({start})", "warning")
        elif end and b.period_start and b.period_start.first() > end.last():
            c.error(b.where, f"budget period {b.period_start}..{b.period_end} starts after the project ends "
                             f"({end})", "warning")
        c.code("BudgetType", b.type, b.where, "budget type")
        c.code("BudgetStatus", b.status, b.where, "budget status")
    for pd in p.planned_disbursements:
        c.code("Currency", pd.value.currency, pd.where, "planned-disbursement currency")
        c.period(pd.period_start, pd.period_end, pd.where, "planned-disbursement period")
        c.code("BudgetType", pd.type, pd.where, "planned-disbursement type")
    for t in p.transactions:
        c.code("TransactionType", t.type, t.where, "transaction type")
        c.code("Currency", t.value.currency, t.where, "transaction currency")
        first = len(c.problems)
        for s in t.sectors:
            _sector(c, s, s.where or t.where, "transaction sector")
        for s in t.recipient_countries:
            c.country(s.code, s.where or t.where, "transaction recipient country")
        for s in t.recipient_regions:
            _region(c, s, s.where or t.where, "transaction recipient region")
        for problem in c.problems[first:]:  # see the module docstring
            problem.severity = "warning"
