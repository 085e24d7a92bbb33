"""What donors report beyond the activity itself: crs-add, fss, conditions and country-budget-items.

- crs-add: each other-flag is a `dev:OtherFlag` (`other-flag/{code}`: a CRSAddOtherFlags concept and
  whether it applies); the loan terms one `dev:LoanTerms` (`loan-terms`: interest rates in percent,
  LoanRepaymentType and LoanRepaymentPeriod concepts, commitment and repayment dates); each loan status
  a `dev:LoanStatus` (`loan-status/{year}`) whose four amounts are `dev:MonetaryAmount`s in the stated
  currency; the channel code a concept of the CRSChannelCode scheme (a list devkg does not load).
- fss: one `dev:ForwardSpendingSurvey` (`fss`) with its extraction date, priority flag and phase-out year,
  and one `dev:Forecast` per year (`fss/forecast/{year}`) with a `dev:amount`.
- conditions: `dev:conditionsAttached` on the project, and each condition a `dev:Condition`
  (`condition/{type}/{slug of its text}`) with its ConditionType concept and text.
- country-budget-items: each budget-item a `dev:CountryBudgetItem` (`budget-item/{vocabulary}/{code}`)
  with its BudgetIdentifierVocabulary concept, its code as a concept (BudgetIdentifier for vocabulary 1,
  the reporting organisation's own scheme for vocabulary 4, `BudgetIdentifierVocabulary-{n}` for the
  others), percentage and description.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph.mapping import keys
from graph.mapping import terms as t
from graph.mapping.finance import money
from graph.mapping.terms import RDF, SKOS, XSD, Literal, URIRef
from graph.records import BudgetItem, LoanTerms, Project

if TYPE_CHECKING:
    from graph.mapping.project import ProjectMapper

LOAN_AMOUNTS = (("interest_received", "interestReceived"), ("principal_outstanding", "principalOutstanding"),
                ("principal_arrears", "principalArrears"), ("interest_arrears", "interestArrears"))
PUBLISHER_BUDGET_VOCABULARY = "4"  # BudgetIdentifierVocabulary 4: the reporting organisation's own codes


def add_reporting(m: "ProjectMapper", s: URIRef, p: Project) -> None:
    _crs(m, s, p)
    _fss(m, s, p)
    _conditions(m, s, p)
    _budget_items(m, s, p)


def _year(year: int) -> Literal:
    return Literal(f"{year:04d}", datatype=XSD.gYear)


def _crs(m: "ProjectMapper", s: URIRef, p: Project) -> None:
    dev, g, iris = m.dev, m.g, m.iris
    for key, flag in keys.keyed(p.other_flags, lambda f, n: (f.code,)):
        node = iris.child(s, "other-flag", *key)
        g.add((s, dev.otherFlag, node))
        g.add((node, RDF.type, dev.OtherFlag))
        m.code(node, dev.flag, "CRSAddOtherFlags", flag.code)
        g.add((node, dev.significant, Literal(flag.significant)))
    if p.loan_terms is not None:
        _loan_terms(m, s, p.loan_terms)
    for key, status in keys.keyed(p.loan_status, lambda x, n: (str(x.year),)):
        node = iris.child(s, "loan-status", *key)
        g.add((s, dev.loanStatus, node))
        g.add((node, RDF.type, dev.LoanStatus))
        g.add((node, dev.year, _year(status.year)))
        for field, prop in LOAN_AMOUNTS:
            amount = getattr(status, field)
            if amount is not None:
                g.add((node, dev[prop], money(m, iris.child(node, field.replace("_", "-")), amount)))
    m.code(s, dev.channelCode, "CRSChannelCode", p.channel_code)


def _loan_terms(m: "ProjectMapper", s: URIRef, lt: LoanTerms) -> None:
    dev, g = m.dev, m.g
    node = m.iris.child(s, "loan-terms")
    g.add((s, dev.loanTerms, node))
    g.add((node, RDF.type, dev.LoanTerms))
    for prop, rate in (("interestRate1", lt.rate_1), ("interestRate2", lt.rate_2)):
        if rate is not None:
            g.add((node, dev[prop], t.decimal(rate)))
    m.code(node, dev.repaymentType, "LoanRepaymentType", lt.repayment_type)
    m.code(node, dev.repaymentPlan, "LoanRepaymentPeriod", lt.repayment_plan)
    for prop, date, last in (("commitmentDate", lt.commitment_date, False),
                             ("repaymentFirstDate", lt.repayment_first_date, False),
                             ("repaymentFinalDate", lt.repayment_final_date, True)):
        if date is not None:
            g.add((node, dev[prop], t.xsd_date(date.last() if last else date.first())))


def _fss(m: "ProjectMapper", s: URIRef, p: Project) -> None:
    dev, g, iris = m.dev, m.g, m.iris
    fss = p.fss
    if fss is None:
        return
    node = iris.child(s, "fss")
    g.add((s, dev.forwardSpendingSurvey, node))
    g.add((node, RDF.type, dev.ForwardSpendingSurvey))
    if fss.extraction_date is not None:
        g.add((node, dev.extractionDate, t.xsd_date(fss.extraction_date.first())))
    if fss.priority is not None:
        g.add((node, dev.priority, Literal(fss.priority)))
    if fss.phaseout_year is not None:
        g.add((node, dev.phaseoutYear, _year(fss.phaseout_year)))
    for key, forecast in keys.keyed(fss.forecasts, lambda f, n: (str(f.year),)):
        fnode = iris.child(node, "forecast", *key)
        g.add((node, dev.forecast, fnode))
        g.add((fnode, RDF.type, dev.Forecast))
        g.add((fnode, dev.year, _year(forecast.year)))
        g.add((fnode, dev.amount, money(m, iris.child(fnode, "amount"), forecast.value)))


def _conditions(m: "ProjectMapper", s: URIRef, p: Project) -> None:
    dev, g = m.dev, m.g
    if p.conditions_attached is not None:
        g.add((s, dev.conditionsAttached, Literal(p.conditions_attached)))
    for key, c in keys.keyed(p.conditions, keys.condition_key):
        node = m.iris.child(s, "condition", *key)
        g.add((s, dev.condition, node))
        g.add((node, RDF.type, dev.Condition))
        m.code(node, dev.conditionType, "ConditionType", c.type)
        for text in c.texts:
            g.add((node, dev.description, t.text(text)))


def budget_identifier(m: "ProjectMapper", item: BudgetItem, publisher: str | None) -> URIRef:
    """The concept a budget-item's code stands for, by its BudgetIdentifierVocabulary."""
    if item.vocabulary == "1":
        return m.iris.code("BudgetIdentifier", item.code)
    if item.vocabulary == PUBLISHER_BUDGET_VOCABULARY and publisher:
        concept = m.iris.publisher_code(publisher, "BudgetIdentifier", item.code)
        m.publisher_concept(concept, publisher, "BudgetIdentifier", item.code, [])
        return concept
    concept = m.iris.code(f"BudgetIdentifierVocabulary-{item.vocabulary}", item.code)
    m.g.add((concept, RDF.type, SKOS.Concept))
    m.g.add((concept, SKOS.notation, Literal(item.code)))
    return concept


def _budget_items(m: "ProjectMapper", s: URIRef, p: Project) -> None:
    dev, g = m.dev, m.g
    publisher = m.publisher(p) if p.budget_items else None
    for key, item in keys.keyed(p.budget_items, keys.budget_item_key):
        node = m.iris.child(s, "budget-item", *key)
        g.add((s, dev.countryBudgetItem, node))
        g.add((node, RDF.type, dev.CountryBudgetItem))
        g.add((node, dev.budgetIdentifier, budget_identifier(m, item, publisher)))
        m.code(node, dev.budgetIdentifierVocabulary, "BudgetIdentifierVocabulary", item.vocabulary)
        if item.percentage is not None:
            g.add((node, dev.percentage, t.decimal(item.percentage)))
        for d in item.descriptions:
            g.add((node, dev.description, t.text(d)))
