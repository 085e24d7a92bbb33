"""The shared semantic checks: one bad field per case gives one problem that names field, value and line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from graph.config import PROJECT_ROOT
from graph.records import (
    ActivityDate,
    Budget,
    CodedValue,
    DocumentLink,
    Indicator,
    IndicatorPeriod,
    Location,
    Money,
    OrgRef,
    PartialDate,
    Participation,
    PolicyMarker,
    Problem,
    Project,
    Result,
    Share,
    Source,
    Tag,
    Text,
    Transaction,
    Where,
)
from graph.reference import Reference
from graph.sources.checks import check_project

FILE = "projects/example.yaml"


def at(line: int) -> Where:
    return Where(FILE, line)


@pytest.fixture(scope="module")
def ref() -> Reference:
    return Reference.load(PROJECT_ROOT / "data")


def good_project(kind: str = "curated") -> Project:
    """A project where every checked field is right; each record sits on its own line."""
    return Project(
        identifier="XM-EXAMPLE-1", titles=[Text("Example", "en")], where=at(1),
        source=Source(key="yaml/example", kind=kind, path=FILE),
        status="2",
        participations=[Participation(OrgRef(ref="US-GOV-1", type="10", country="US", where=at(3)), "1", where=at(3)),
                        Participation(OrgRef(names=[Text("IEP")]), "partner", where=at(4)),
                        Participation(OrgRef(names=[Text("USAID")]), "reporting", where=at(5))],
        dates=[ActivityDate("1", PartialDate(2019, 10), at(6)), ActivityDate("3", PartialDate(2024, 9), at(7)),
               ActivityDate("2", PartialDate(2019, 10, 15), at(8))],
        recipient_countries=[Share("PE", Decimal(60), where=at(9))],
        recipient_regions=[Share("489", Decimal(40), vocabulary="1", where=at(10))],
        country_groups=["group-LLDC"],
        locations=[Location(place="PE-PIU", where=at(11)), Location(place="KG-Y-AKSUU", where=at(12))],
        sectors=[Share("15112", Decimal(70), vocabulary="1", where=at(13)),
                 Share("15110", Decimal(30), vocabulary="1", where=at(14)),
                 Share("151", vocabulary="2", where=at(15)), Share("16.6", vocabulary="8", where=at(16)),
                 Share("X1", vocabulary="99", where=at(17))],
        policy_markers=[PolicyMarker("1", significance="2", where=at(18)),
                        PolicyMarker("CH", significance="1", vocabulary="99", where=at(19))],
        tags=[Tag("16", vocabulary="2", where=at(20)), Tag("16.6", vocabulary="3", where=at(21))],
        sdg_goals=["16"], sdg_targets=["16.6", "16.6.1"],
        default_currency="USD",
        total_budget=Money(Decimal(12000000), "USD", where=at(22)),
        budgets=[Budget(Money(Decimal(1000), "CAD"), PartialDate(2020, 1, 1), PartialDate(2020, 12, 31),
                        type="1", status="2", where=at(23))],
        transactions=[Transaction("3", PartialDate(2020, 5, 1), Money(Decimal(-50), "EUR"), where=at(24))],
        results=[Result("2", [Text("Outcome")], where=at(25), indicators=[
            Indicator([Text("Districts")], measure="1", where=at(26),
                      periods=[IndicatorPeriod(PartialDate(2020), PartialDate(2020), where=at(27))])])],
        documents=[DocumentLink("https://example.org/a.pdf", categories=["A01"], where=at(28))],
        collaboration_type=CodedValue("1", where=at(29)), aid_type=CodedValue("D01", where=at(30)),
        finance_type=CodedValue("110", where=at(31)), tied_status=CodedValue("5", where=at(32)),
        lines={"status": at(2), "sdg_goals": at(33), "sdg_targets": at(34), "default_currency": at(35),
               "country_groups": at(36)},
    )


def test_good_project_has_no_problems(ref):
    assert check_project(good_project(), ref) == []


def test_good_iati_project_has_no_problems(ref):
    assert check_project(good_project("iati"), ref) == []


def _set(path: str, value):
    """A mutation that sets `a.b.c` (with list indexes) on the project."""
    def mutate(p: Project) -> None:
        *parents, last = path.split(".")
        obj = p
        for part in parents:
            obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
        if last.isdigit():
            obj[int(last)] = value
        else:
            setattr(obj, last, value)
    return mutate


# (case id, mutation, fragment of the message, line the problem points at)
CASES = [
    ("status", _set("status", "9"), 'status "9" is not in the IATI ActivityStatus codelist', 2),
    ("role", _set("participations.0.role", "7"), 'participant role "7" is not in the IATI OrganisationRole', 3),
    ("org-type", _set("participations.0.org.type", "99"),
     'organisation type "99" is not in the IATI OrganisationType', 3),
    ("org-country", _set("participations.0.org.country", "XX"), 'organisation country "XX" is not an ISO 3166-1', 3),
    ("date-type", _set("dates.0.type", "7"), 'activity date type "7" is not in the IATI ActivityDateType', 6),
    ("planned-dates", _set("dates.1.date", PartialDate(2019, 9)),
     "planned dates: start date 2019-10 is after end date 2019-09", 7),
    ("actual-after-planned-end", _set("dates.2.date", PartialDate(2025, 1, 1)),
     "start and end dates (actual, else planned): start date 2025-01-01 is after end date 2024-09", 7),
    ("country", _set("recipient_countries.0.code", "PU"),
     'recipient country "PU" is not an ISO 3166-1 country code', 9),
    ("country-name", _set("recipient_countries.0.code", "Peru"), '; did you mean "PE" (Peru)?', 9),
    ("dac-region", _set("recipient_regions.0.code", "4890"),
     'recipient region (OECD DAC) "4890" is not in the IATI Region', 10),
    ("m49-region", _set("recipient_regions.0", Share("999", Decimal(40), vocabulary="2", where=at(10))),
     'recipient region (UN M49) "m49-999" is not a known place', 10),
    ("geo-sum", _set("recipient_regions.0.percentage", Decimal(50)),
     "recipient countries and regions: percentages sum to 110, not 100", 9),
    ("geo-range", _set("recipient_countries.0.percentage", Decimal(160)), 'percentage 160 is not between 0 and 100', 9),
    ("group", _set("country_groups", ["group-XYZ"]), 'country group "group-XYZ" is not a known place', 36),
    ("location", _set("locations.0.place", "PE-XXX"), 'location "PE-XXX" is not a known place', 11),
    ("sector", _set("sectors.0.code", "99999"), 'sector "99999" is not in the IATI Sector codelist (vocabulary 1)', 13),
    ("sector-hint", _set("sectors.0.code", "15199"),
     'is not in the IATI Sector codelist (vocabulary 1); did you mean "15196" (', 13),
    ("sector-category", _set("sectors.2.code", "999"),
     'sector "999" is not in the IATI SectorCategory codelist (vocabulary 2)', 15),
    ("sector-sdg", _set("sectors.3.code", "16.99"), 'sector (vocabulary 8, SDG target) "16.99" is not an SDG', 16),
    ("sector-sum", _set("sectors.1.percentage", Decimal(20)),
     "sectors (vocabulary 1): percentages sum to 90, not 100", 13),
    ("marker", _set("policy_markers.0.code", "42"), 'policy marker "42" is not in the IATI PolicyMarker', 18),
    ("significance", _set("policy_markers.1.significance", "8"),
     'significance "8" is not in the IATI PolicySignificance', 19),
    ("tag", _set("tags.1.code", "16.20"), 'SDG tag "16.20" is not an SDG goal, target or indicator', 21),
    ("sdg-goal", _set("sdg_goals", ["18"]),
     'SDG goal "18" is not an SDG goal, target or indicator in the UN SDG KOS', 33),
    ("sdg-target", _set("sdg_targets", ["16.66"]), 'SDG target "16.66"', 34),
    ("currency", _set("default_currency", "USX"), 'default currency "USX" is not in the IATI Currency codelist', 35),
    ("total-negative", _set("total_budget.value", Decimal(-1)), "total_budget: amount -1 is negative", 22),
    ("total-currency", _set("total_budget.currency", "DOLLARS"),
     'total_budget currency "DOLLARS" is not in the IATI Currency', 22),
    ("budget-negative", _set("budgets.0.value.value", Decimal(-5)), "budget: amount -5 is negative", 23),
    ("budget-currency", _set("budgets.0.value.currency", "CAX"), 'budget currency "CAX"', 23),
    ("budget-period", _set("budgets.0.period_end", PartialDate(2019, 12, 31)),
     "budget period: start date 2020-01-01 is after end date 2019-12-31", 23),
    ("budget-type", _set("budgets.0.type", "3"), 'budget type "3" is not in the IATI BudgetType', 23),
    ("budget-status", _set("budgets.0.status", "3"), 'budget status "3" is not in the IATI BudgetStatus', 23),
    ("transaction-type", _set("transactions.0.type", "99"),
     'transaction type "99" is not in the IATI TransactionType', 24),
    ("transaction-currency", _set("transactions.0.value.currency", "EUX"), 'transaction currency "EUX"', 24),
    ("result-type", _set("results.0.type", "5"), 'result type "5" is not in the IATI ResultType', 25),
    ("measure", _set("results.0.indicators.0.measure", "9"),
     'indicator measure "9" is not in the IATI IndicatorMeasure', 26),
    ("indicator-period", _set("results.0.indicators.0.periods.0.end", PartialDate(2019)),
     "indicator period: start date 2020 is after end date 2019", 27),
    ("document-category", _set("documents.0.categories", ["Z99"]),
     'document category "Z99" is not in the IATI DocumentCategory', 28),
    ("collaboration", _set("collaboration_type", CodedValue("5", where=at(29))),
     'collaboration_type "5" is not in the IATI CollaborationType codelist', 29),
    ("tied-status", _set("tied_status", CodedValue("9", where=at(32))),
     'tied_status "9" is not in the IATI TiedStatus', 32),
]


@pytest.mark.parametrize("mutate, fragment, line", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_one_bad_field_gives_one_error_naming_it(ref, mutate, fragment, line):
    project = good_project()
    mutate(project)
    problems = check_project(project, ref)
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert fragment in problem.message
    assert problem.where == at(line)
    assert problem.severity == "error"


@pytest.mark.parametrize("mutate, fragment", [
    (_set("recipient_regions.0.percentage", Decimal(50)), "percentages sum to 110"),
    (_set("budgets.0.value.value", Decimal(-5)), "amount -5 is negative"),
], ids=["geo-sum", "budget-negative"])
def test_published_iati_data_gets_warnings_for_sums_and_negative_budgets(ref, mutate, fragment):
    project = good_project("iati")
    mutate(project)
    problems = check_project(project, ref)
    assert [(p.severity, fragment in p.message) for p in problems] == [("warning", True)]


@pytest.mark.parametrize("mutate, fragment", [
    (_set("sectors.1.percentage", None), "percentages are given for 1 of 2 items"),
    (_set("sectors.0.code", "74010"), 'sector "74010" is withdrawn from the IATI Sector codelist'),
], ids=["some-percentages", "withdrawn-code"])
def test_partial_percentages_and_withdrawn_codes_are_warnings(ref, mutate, fragment):
    project = good_project()
    mutate(project)
    problems = check_project(project, ref)
    assert [(p.severity, fragment in p.message) for p in problems] == [("warning", True)]


def test_codes_of_lists_devkg_holds_in_part_are_not_refused(ref):
    project = good_project()
    project.aid_type = CodedValue("B02", where=at(30))  # a real AidType code not in extra-codelists.csv
    project.finance_type = CodedValue("421", where=at(31))
    assert check_project(project, ref) == []


def test_publisher_vocabularies_are_not_checked(ref):
    project = good_project()
    project.sectors[4] = Share("anything at all", vocabulary="99", where=at(17))
    project.policy_markers[1] = PolicyMarker("whatever", significance="1", vocabulary="99", where=at(19))
    assert check_project(project, ref) == []


def test_month_only_dates_compare_first_day_with_last_day(ref):
    project = good_project()
    project.dates = [ActivityDate("1", PartialDate(2019, 10), at(6)), ActivityDate("3", PartialDate(2019, 10), at(7))]
    project.budgets = []  # its 2020 budget would now lie outside the project (a warning of its own)
    assert check_project(project, ref) == []


def test_problem_without_a_line_falls_back_to_the_project(ref):
    project = good_project()
    project.lines.pop("status")
    project.status = "9"
    [problem] = check_project(project, ref)
    assert problem.where == at(1)
    assert str(problem).startswith(f"{FILE}:1: status")


def test_seed_projects_pass_the_checks(ref):
    from graph.sources.yaml_projects import read_projects

    projects, errors = read_projects(PROJECT_ROOT / "data" / "projects", PROJECT_ROOT)
    assert errors == [] and len(projects) >= 5
    problems: list[Problem] = [p for project in projects for p in check_project(project, ref)]
    # No errors; one warning, the seed finding the data-quality report publishes: GAC's page gives a
    # budget line for 2010-04-01..2011-03-31, before the project's 2011-07-20 start.
    assert [(p.severity, p.project) for p in problems] == [("warning", "CA-3-A034224001")]
    assert "ends before the project starts (2011-07-20)" in problems[0].message


def test_a_budget_period_outside_the_project_is_a_warning_naming_the_project(ref):
    from graph.records import Budget, Money

    project = good_project()
    project.budgets.append(Budget(Money(Decimal(5), "USD"), PartialDate(2001, 1, 1), PartialDate(2001, 12, 31),
                                  where=at(40)))
    problems = check_project(project, ref)
    assert [(p.severity, p.where, p.project) for p in problems] == [("warning", at(40), project.identifier)]
    assert "ends before the project starts" in problems[0].message
