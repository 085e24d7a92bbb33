"""Plain records that every source reader produces and every mapper consumes.

The records mirror the IATI 2.03 activity model (a devkg Project *is* an IATI
activity) so that curated YAML and IATI XML give the same shape of graph. They
know nothing of RDF: readers fill them, `graph.mapping` turns them into triples.

Codes are kept as the source wrote them (strings); vocabularies default to the
IATI default for that element. `Where` tells where a value came from so that
every later check can still name file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path


@dataclass(frozen=True)
class Where:
    """A position in an input file, for error messages (`file:line`)."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class Text:
    """A piece of narrative text, optionally language-tagged (IATI `narrative`)."""

    value: str
    lang: str | None = None


@dataclass
class PartialDate:
    """A date as the source stated it: full (`2011-07-20`), month (`2019-10`) or year.

    `first()` and `last()` give the comparable `date` at either end of the stated
    period, so "Oct. 2019 - Sep. 2024" becomes 2019-10-01 .. 2024-09-30 while the
    graph still records that only the month was known.
    """

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def first(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    def last(self) -> date:
        import calendar

        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return date(self.year, month, day)

    def __str__(self) -> str:
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"


@dataclass
class Money:
    """An amount in one currency. Never converted: sums are per currency."""

    value: Decimal
    currency: str  # ISO 4217, e.g. "USD"
    value_date: PartialDate | None = None
    label: str | None = None  # how the source named the amount ("Maximum contribution")
    where: Where | None = None


@dataclass
class OrgRef:
    """An organisation as a project names it: IATI org identifier and/or name."""

    ref: str | None = None  # IATI organisation identifier, e.g. "US-GOV-1"
    names: list[Text] = field(default_factory=list)
    type: str | None = None  # OrganisationType code, e.g. "10"
    abbreviation: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2 of the organisation's seat
    website: str | None = None
    wikidata: str | None = None  # QID, e.g. "Q193554"
    where: Where | None = None


@dataclass
class Participation:
    """An organisation's part in a project.

    `role` is an IATI OrganisationRole code ("1" funding, "2" accountable,
    "3" extending, "4" implementing) or one of devkg's own roles for what IATI
    has no code for: "reporting" and "partner" (a sub-partner or collaborator).
    """

    org: OrgRef
    role: str
    lead: bool = False  # the lead of several organisations with the same role
    activity_id: str | None = None  # the organisation's own id for the activity
    description: str | None = None  # the role as the source worded it
    where: Where | None = None


@dataclass
class ActivityDate:
    """IATI activity-date: type "1" planned start, "2" actual start, "3" planned end, "4" actual end."""

    type: str
    date: PartialDate
    where: Where | None = None
    # IATI activity-date/narrative: mapped as the note beside the date of the same type (dev:plannedStartDateNote, ...)
    narratives: list[Text] = field(default_factory=list)


@dataclass
class Share:
    """A coded thing with an optional percentage: recipient country/region, sector.

    `vocabulary` follows the element's IATI vocabulary codelist (RegionVocabulary,
    SectorVocabulary); None means the element's default.
    """

    code: str
    percentage: Decimal | None = None
    vocabulary: str | None = None
    vocabulary_uri: str | None = None
    names: list[Text] = field(default_factory=list)
    where: Where | None = None


@dataclass
class Location:
    """A place inside the recipient country (IATI `location`).

    `place` is a devkg place key when the location is a known place (ISO 3166-2
    code such as "PE-PIU", or a key from the place table such as "KG-Y-AKSUU").
    """

    place: str | None = None
    ref: str | None = None
    names: list[Text] = field(default_factory=list)
    descriptions: list[Text] = field(default_factory=list)
    administrative: list[tuple[str, str | None, str]] = field(default_factory=list)  # (vocabulary, level, code)
    point: tuple[Decimal, Decimal] | None = None  # (latitude, longitude), WGS 84
    exactness: str | None = None
    location_class: str | None = None
    feature_designation: str | None = None
    where: Where | None = None
    location_ids: list[tuple[str, str]] = field(default_factory=list)  # IATI location-id (vocabulary, code)
    activity_descriptions: list[Text] = field(default_factory=list)  # what the activity does there
    reach: str | None = None  # GeographicLocationReach: "1" activity site, "2" beneficiaries


@dataclass
class PolicyMarker:
    """A policy marker with significance; vocabulary "1" is OECD DAC CRS, "99" the publisher's own."""

    code: str
    significance: str | None = None
    vocabulary: str = "1"
    vocabulary_uri: str | None = None
    names: list[Text] = field(default_factory=list)
    where: Where | None = None


@dataclass
class Tag:
    """An IATI tag; vocabularies "2" (SDG goal) and "3" (SDG target) become SDG links."""

    code: str
    vocabulary: str = "1"
    vocabulary_uri: str | None = None
    names: list[Text] = field(default_factory=list)
    where: Where | None = None


@dataclass
class Budget:
    value: Money
    period_start: PartialDate | None = None
    period_end: PartialDate | None = None
    type: str | None = None  # BudgetType: "1" original, "2" revised
    status: str | None = None  # BudgetStatus: "1" indicative, "2" committed
    label: str | None = None  # how the source named it, e.g. "Maximum contribution"
    where: Where | None = None


@dataclass
class PlannedDisbursement:
    """IATI planned-disbursement: money expected to move in a period (type is BudgetType: 1 original, 2 revised)."""

    value: Money
    period_start: PartialDate | None = None
    period_end: PartialDate | None = None
    type: str | None = None
    where: Where | None = None
    provider: OrgRef | None = None
    receiver: OrgRef | None = None
    provider_activity_id: str | None = None  # IATI provider-org/@provider-activity-id
    receiver_activity_id: str | None = None  # IATI receiver-org/@receiver-activity-id


@dataclass
class Transaction:
    type: str  # TransactionType code
    date: PartialDate
    value: Money
    ref: str | None = None
    description: list[Text] = field(default_factory=list)
    provider: OrgRef | None = None
    receiver: OrgRef | None = None
    where: Where | None = None
    provider_activity_id: str | None = None  # IATI provider-org/@provider-activity-id
    receiver_activity_id: str | None = None  # IATI receiver-org/@receiver-activity-id
    # Stated on the transaction itself; None means the activity's default applies (IATI).
    flow_type: "CodedValue | None" = None
    finance_type: "CodedValue | None" = None
    aid_type: "CodedValue | None" = None  # AidType vocabulary 1 (others are kept in `aid_types_other`)
    tied_status: "CodedValue | None" = None
    humanitarian: bool | None = None
    aid_types_other: list[tuple[str, str]] = field(default_factory=list)  # (vocabulary, code)
    # IATI allows sector and recipient country/region per transaction instead of per activity.
    sectors: list["Share"] = field(default_factory=list)
    recipient_countries: list["Share"] = field(default_factory=list)
    recipient_regions: list["Share"] = field(default_factory=list)


@dataclass
class IndicatorPeriod:
    start: PartialDate | None = None
    end: PartialDate | None = None
    target: Decimal | None = None
    actual: Decimal | None = None
    target_comment: str | None = None
    actual_comment: str | None = None
    where: Where | None = None
    target_documents: list["DocumentLink"] = field(default_factory=list)  # target/document-link
    actual_documents: list["DocumentLink"] = field(default_factory=list)  # actual/document-link


@dataclass
class Indicator:
    """What a result counts. `unit` says what the numbers count ("districts", "days")."""

    titles: list[Text]
    measure: str | None = None  # IndicatorMeasure: "1" unit, "2" percentage, ...
    unit: str | None = None
    ascending: bool | None = None
    descriptions: list[Text] = field(default_factory=list)
    baseline: Decimal | None = None
    baseline_year: int | None = None
    baseline_comment: str | None = None
    periods: list[IndicatorPeriod] = field(default_factory=list)
    references: list[tuple[str, str]] = field(default_factory=list)  # (vocabulary, code), e.g. SDG indicator
    where: Where | None = None
    documents: list["DocumentLink"] = field(default_factory=list)  # indicator/document-link
    baseline_documents: list["DocumentLink"] = field(default_factory=list)  # baseline/document-link


@dataclass
class Result:
    """IATI ResultType: "1" output, "2" outcome, "3" impact, "9" other."""

    type: str
    titles: list[Text]
    descriptions: list[Text] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    where: Where | None = None
    references: list[tuple[str, str]] = field(default_factory=list)  # result/reference (vocabulary, code)
    documents: list["DocumentLink"] = field(default_factory=list)  # result/document-link


@dataclass
class Contact:
    type: str | None = None  # ContactType code
    organisation: str | None = None
    department: str | None = None
    person: str | None = None
    job_title: str | None = None
    telephone: list[str] = field(default_factory=list)
    email: list[str] = field(default_factory=list)
    website: list[str] = field(default_factory=list)
    mailing_address: str | None = None
    where: Where | None = None


@dataclass
class DocumentLink:
    url: str
    titles: list[Text] = field(default_factory=list)
    format: str | None = None
    categories: list[str] = field(default_factory=list)  # DocumentCategory codes
    languages: list[str] = field(default_factory=list)
    date: PartialDate | None = None
    where: Where | None = None
    descriptions: list[Text] = field(default_factory=list)


@dataclass
class RelatedActivity:
    ref: str
    type: str  # RelatedActivityType code
    where: Where | None = None


@dataclass
class OtherFlag:
    """IATI crs-add/other-flags: a CRSAddOtherFlags code and whether it applies (@significance)."""

    code: str
    significant: bool
    where: Where | None = None


@dataclass
class LoanTerms:
    """IATI crs-add/loan-terms: interest rates (percent), LoanRepaymentType and LoanRepaymentPeriod codes, dates."""

    rate_1: Decimal | None = None
    rate_2: Decimal | None = None
    repayment_type: str | None = None
    repayment_plan: str | None = None
    commitment_date: PartialDate | None = None
    repayment_first_date: PartialDate | None = None
    repayment_final_date: PartialDate | None = None
    where: Where | None = None


@dataclass
class LoanStatus:
    """IATI crs-add/loan-status: a loan's position in one year; each amount carries the element's currency."""

    year: int
    interest_received: Money | None = None
    principal_outstanding: Money | None = None
    principal_arrears: Money | None = None
    interest_arrears: Money | None = None
    where: Where | None = None


@dataclass
class Forecast:
    """IATI fss/forecast: the spending forecast for one calendar year."""

    year: int
    value: Money
    where: Where | None = None


@dataclass
class SpendingSurvey:
    """IATI fss, the OECD DAC Forward Spending Survey: when it was extracted, priority, phase-out, forecasts."""

    extraction_date: PartialDate | None = None
    priority: bool | None = None
    phaseout_year: int | None = None
    forecasts: list[Forecast] = field(default_factory=list)
    where: Where | None = None


@dataclass
class Condition:
    """IATI conditions/condition: a ConditionType code ("1" policy, "2" performance, "3" fiduciary) and its text."""

    type: str
    texts: list[Text] = field(default_factory=list)
    where: Where | None = None


@dataclass
class BudgetItem:
    """IATI country-budget-items/budget-item: a code of the recipient's budget classification.

    `vocabulary` is the BudgetIdentifierVocabulary of the enclosing country-budget-items
    ("1" IATI, "2" the country's chart of accounts, "4" the reporting organisation's, ...).
    """

    code: str
    vocabulary: str
    percentage: Decimal | None = None
    descriptions: list[Text] = field(default_factory=list)
    where: Where | None = None


@dataclass
class CodedValue:
    """A code from a codelist devkg may not ship (AidType, FinanceType, ...), with its label."""

    code: str
    name: str | None = None
    where: Where | None = None
    vocabulary: str | None = None  # e.g. AidTypeVocabulary; None means the codelist's default


@dataclass
class Source:
    """The document a record was read from: a curated page or an IATI file."""

    key: str  # unique slug, also the named-graph key: "yaml/peru-governance-in-action"
    kind: str  # "curated" or "iati"
    path: str  # as given to the reader (messages use it)
    data_path: str | None = None  # relative to the data directory ("projects/x.yaml"), for dev:path
    sha256: str | None = None
    url: str | None = None  # where the facts were published (seed page URL)
    title: str | None = None
    retrieved: PartialDate | None = None
    published: PartialDate | None = None

    def locate(self, root: Path, data: Path) -> None:
        """Set `data_path` from `path` (relative to `root`, as messages show it) when it lies in `data`."""
        if self.data_path is not None:  # located already (every project of a file shares its Source)
            return
        full = Path(root) / self.path
        if full.is_relative_to(data):
            self.data_path = full.relative_to(data).as_posix()


@dataclass
class Project:
    """One development project (IATI activity) with everything a source says about it."""

    identifier: str  # IATI activity identifier, or a curated one when none exists
    titles: list[Text]
    source: Source
    where: Where | None = None
    iati_identifier: bool = True  # False when devkg minted the identifier (then no dev:iatiIdentifier)
    other_identifiers: list[tuple[str, str]] = field(default_factory=list)  # (type/label, value)
    descriptions: list[tuple[str, Text]] = field(default_factory=list)  # (DescriptionType code, text)
    reporting_org: OrgRef | None = None
    participations: list[Participation] = field(default_factory=list)
    status: str | None = None  # ActivityStatus code
    dates: list[ActivityDate] = field(default_factory=list)
    recipient_countries: list[Share] = field(default_factory=list)
    recipient_regions: list[Share] = field(default_factory=list)  # vocabulary "1" OECD DAC, "2" UN M49
    country_groups: list[str] = field(default_factory=list)  # place keys such as "group-SIDS"
    locations: list[Location] = field(default_factory=list)
    sectors: list[Share] = field(default_factory=list)  # vocabulary "1" DAC 5-digit (default)
    policy_markers: list[PolicyMarker] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    sdg_goals: list[str] = field(default_factory=list)  # "16"
    sdg_targets: list[str] = field(default_factory=list)  # "16.6"
    default_currency: str | None = None
    budgets: list[Budget] = field(default_factory=list)
    total_budget: Money | None = None  # the project's whole budget, as the source states it
    transactions: list[Transaction] = field(default_factory=list)
    planned_disbursements: list[PlannedDisbursement] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    documents: list[DocumentLink] = field(default_factory=list)
    related: list[RelatedActivity] = field(default_factory=list)
    # crs-add
    other_flags: list[OtherFlag] = field(default_factory=list)
    loan_terms: LoanTerms | None = None
    loan_status: list[LoanStatus] = field(default_factory=list)
    channel_code: str | None = None  # CRSChannelCode
    fss: SpendingSurvey | None = None
    conditions_attached: bool | None = None  # conditions/@attached
    conditions: list[Condition] = field(default_factory=list)
    budget_items: list[BudgetItem] = field(default_factory=list)  # country-budget-items
    aid_type: CodedValue | None = None
    finance_type: CodedValue | None = None
    collaboration_type: CodedValue | None = None
    flow_type: CodedValue | None = None
    tied_status: CodedValue | None = None
    hierarchy: int | None = None
    humanitarian: bool | None = None
    last_updated: PartialDate | None = None
    linked_data_uri: str | None = None
    language: str | None = None  # default xml:lang of narratives
    programme: str | None = None  # the funder's programme, e.g. "NGM Americas"
    extra: dict[str, str] = field(default_factory=dict)  # other stated facts: label -> value
    lines: dict[str, Where] = field(default_factory=dict)  # field name -> where it was written

    def at(self, field_name: str) -> Where:
        """Where a field was written, falling back to the project itself."""
        return self.lines.get(field_name) or self.where or Where(self.source.path)

    def title(self) -> str:
        return self.titles[0].value if self.titles else self.identifier


@dataclass
class Problem:
    """One thing wrong with an input, reported as `file:line: message`."""

    where: Where
    message: str
    severity: str = "error"  # or "warning"
    project: str | None = None  # the identifier of the project it is about, when known

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.where}: {prefix}{self.message}"
