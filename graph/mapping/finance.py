"""Money of a project: total budget, budgets, planned disbursements and transactions, keyed by what identifies them.

IATI's stated defaults are applied and recorded (`dev:defaultApplied`): a budget
without @type is original (1), without @status indicative (1); a transaction
without its own flow, finance or aid type, tied status or humanitarian flag has
its activity's. The effective value is stated as usual, so queries need no special case.

IRIs come from `graph.mapping.keys` (period and type for budgets; ref, else date,
type and amount for transactions), so the same budget line has the same IRI
whichever source states it.

Planned disbursements and transactions name who provides and who receives the money
(`dev:providerOrg`, `dev:receiverOrg`) and, as a plain identifier, the IATI activity it
comes from or goes to (`dev:providerActivityIdentifier`, `dev:receiverActivityIdentifier`;
no link to a project node, since that activity is usually another publisher's).
A transaction's own sectors and recipient countries and regions are
`dev:transactionSector`, `dev:transactionCountry`, `dev:transactionRegion`; when the
activity states none of its own (IATI: they are then given per transaction), each is
also the project's `dev:sector`, `dev:recipientCountry` or `dev:recipientRegion`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from graph.mapping import keys
from graph.mapping import terms as t
from graph.mapping.organisation import add_organisation
from graph.mapping.terms import RDF, RDFS, Literal, URIRef
from graph.records import Budget, Money, OrgRef, PlannedDisbursement, Project, Transaction

if TYPE_CHECKING:
    from graph.mapping.project import ProjectMapper

DEFAULT_BUDGET_STATUS = "1"  # IATI: a budget without @status is indicative


def money(m: "ProjectMapper", node: URIRef, amount: Money) -> URIRef:
    dev, g = m.dev, m.g
    g.add((node, RDF.type, dev.MonetaryAmount))
    g.add((node, dev.value, t.decimal(amount.value)))
    g.add((node, dev.currency, m.iris.code("Currency", amount.currency.upper())))
    if amount.value_date:
        g.add((node, dev.valueDate, t.xsd_date(amount.value_date.first())))
    if amount.label:
        g.add((node, RDFS.label, Literal(amount.label)))
    return node


def _planned_amount(m: "ProjectMapper", s: URIRef, link: URIRef, node: URIRef, kind: URIRef,
                    item: Budget | PlannedDisbursement) -> URIRef:
    """A budget line or planned disbursement: its node, amount and period (what both have alike)."""
    dev, g = m.dev, m.g
    g.add((s, link, node))
    g.add((node, RDF.type, kind))
    g.add((node, dev.amount, money(m, m.iris.child(node, "amount"), item.value)))
    if item.period_start:
        g.add((node, dev.periodStart, t.xsd_date(item.period_start.first())))
    if item.period_end:
        g.add((node, dev.periodEnd, t.xsd_date(item.period_end.last())))
    return node


def add_money(m: "ProjectMapper", s: URIRef, p: Project) -> None:
    dev, g, iris = m.dev, m.g, m.iris
    m.code(s, dev.defaultCurrency, "Currency", p.default_currency)
    total = p.total_budget or derived_total(p)
    if total:
        node = money(m, iris.child(s, "total-budget"), total)
        g.add((s, dev.totalBudget, node))
        if p.total_budget is None:
            g.add((node, RDFS.comment, Literal("Sum of the project's IATI budgets (revised over original).")))
    for key, b in keys.keyed(p.budgets, keys.budget_key):
        node = _planned_amount(m, s, dev.budget, iris.child(s, "budget", *key), dev.Budget, b)
        _with_default(m, node, dev.budgetType, "BudgetType", b.type, keys.DEFAULT_BUDGET_TYPE)
        _with_default(m, node, dev.budgetStatus, "BudgetStatus", b.status, DEFAULT_BUDGET_STATUS)
        if b.label:
            g.add((node, RDFS.label, Literal(b.label)))
    for key, pd in keys.keyed(p.planned_disbursements, keys.planned_disbursement_key):
        node = _planned_amount(m, s, dev.plannedDisbursement, iris.child(s, "planned-disbursement", *key),
                               dev.PlannedDisbursement, pd)
        m.code(node, dev.disbursementType, "BudgetType", pd.type)
        _parties(m, node, p, pd.provider, pd.receiver, pd.provider_activity_id, pd.receiver_activity_id)
    publisher = m.publisher(p)
    for key, tr in keys.transaction_keys(p.transactions):
        node = iris.child(s, "transaction", *key)
        g.add((s, dev.transaction, node))
        g.add((node, RDF.type, dev.Transaction))
        m.code(node, dev.transactionType, "TransactionType", tr.type)
        g.add((node, dev.transactionDate, t.xsd_date(tr.date.first())))
        g.add((node, dev.amount, money(m, iris.child(node, "amount"), tr.value)))
        if tr.ref:
            g.add((node, dev.identifier, Literal(tr.ref)))
        for d in tr.description:
            g.add((node, dev.description, t.text(d)))
        _inherited(m, node, tr, p)
        _parties(m, node, p, tr.provider, tr.receiver, tr.provider_activity_id, tr.receiver_activity_id)
        _transaction_geography(m, s, node, tr, p, publisher)


def _parties(m: "ProjectMapper", node: URIRef, p: Project, provider: OrgRef | None, receiver: OrgRef | None,
             provider_activity: str | None, receiver_activity: str | None) -> None:
    """Who provides and who receives the money, and the identifiers of the activities it comes from and goes to."""
    dev, g, iris = m.dev, m.g, m.iris
    for prop, org in ((dev.providerOrg, provider), (dev.receiverOrg, receiver)):
        org_node = add_organisation(g, iris, org, m.orgs, source=iris.source(p.source.key)) if org else None
        if org_node is not None:
            g.add((node, prop, org_node))
    if provider_activity:
        g.add((node, dev.providerActivityIdentifier, Literal(provider_activity)))
    if receiver_activity:
        g.add((node, dev.receiverActivityIdentifier, Literal(receiver_activity)))


def _transaction_geography(m: "ProjectMapper", s: URIRef, node: URIRef, tr: Transaction, p: Project,
                           publisher: str | None) -> None:
    """A transaction's own sectors, recipient countries and regions; the project's too when it states none."""
    dev, g = m.dev, m.g
    for share in tr.sectors:
        concept = m.sector_concept(share, publisher)
        g.add((node, dev.transactionSector, concept))
        if share.vocabulary in ("98", "99") and publisher:
            m.publisher_concept(concept, publisher, "Sector", share.code, share.names)
        if not p.sectors:
            g.add((s, dev.sector, concept))
    per_activity = bool(p.recipient_countries or p.recipient_regions)
    for share in tr.recipient_countries:
        place = m.iris.place(share.code.upper())
        g.add((node, dev.transactionCountry, place))
        if not per_activity:
            g.add((s, dev.recipientCountry, place))
    for share in tr.recipient_regions:
        place = m.region_place(share)
        g.add((node, dev.transactionRegion, place))
        if not per_activity:
            g.add((s, dev.recipientRegion, place))


def _with_default(m: "ProjectMapper", node: URIRef, prop: URIRef, codelist: str, stated: str | None,
                  default: str) -> None:
    """The stated code, else the IATI default, recorded as such (`dev:defaultApplied`)."""
    m.code(node, prop, codelist, stated or default)
    if not stated:
        m.g.add((node, m.dev.defaultApplied, prop))


# Transaction classification -> (property, codelist, the activity's field)
_FROM_ACTIVITY = (("flow_type", "flowType", "FlowType"), ("finance_type", "financeType", "FinanceType"),
                  ("aid_type", "aidType", "AidType"), ("tied_status", "tiedStatus", "TiedStatus"))


def _inherited(m: "ProjectMapper", node: URIRef, tr: Transaction, p: Project) -> None:
    """A transaction's flow, finance and aid type, tied status and humanitarian flag: its own, else the activity's."""
    dev, g = m.dev, m.g
    for field, prop, codelist in _FROM_ACTIVITY:
        own, default = getattr(tr, field), getattr(p, field)
        if default is not None and default.vocabulary not in (None, "1"):
            default = None  # an activity default in another vocabulary is not the same codelist
        value = own or default
        if value is not None:
            m.code(node, dev[prop], codelist, value.code)
            if own is None:
                g.add((node, dev.defaultApplied, dev[prop]))
    for vocabulary, code in tr.aid_types_other:
        m.code(node, dev.aidType, f"AidType-vocabulary-{vocabulary}", code)
    humanitarian = tr.humanitarian if tr.humanitarian is not None else p.humanitarian
    if humanitarian is not None:
        g.add((node, dev.humanitarian, Literal(humanitarian)))
        if tr.humanitarian is None:
            g.add((node, dev.defaultApplied, dev.humanitarian))


def derived_total(p: Project) -> Money | None:
    """The sum of a project's budgets, when the source gives no total and all share one currency.

    Per period a revised budget (BudgetType 2) replaces the original; budgets in
    several currencies give no total, since devkg never converts currencies.
    """
    by_period: dict[tuple, Budget] = {}
    for b in p.budgets:
        key = (str(b.period_start), str(b.period_end))
        if key not in by_period or b.type == "2":
            by_period[key] = b
    currencies = {(b.value.currency or p.default_currency or "").upper() for b in by_period.values()}
    if not by_period or len(currencies) != 1 or "" in currencies:
        return None
    return Money(sum((b.value.value for b in by_period.values()), Decimal(0)), currencies.pop())
