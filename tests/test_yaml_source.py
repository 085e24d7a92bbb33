"""Curated YAML projects: the five seeds read cleanly and carry their facts; bad files say file:line: what."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import fields, is_dataclass
from decimal import Decimal

import pytest

from graph.config import PROJECT_ROOT
from graph.records import PartialDate, Project
from graph.sources.dates import parse_stated_date
from graph.sources.yaml_projects import TOP_LEVEL_KEYS, read_project_file, read_projects

PROJECTS = PROJECT_ROOT / "data" / "projects"
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "yaml"
FIX = "tests/fixtures/yaml"


@pytest.fixture(scope="module")
def seeds() -> dict[str, Project]:
    projects, problems = read_projects(PROJECTS, PROJECT_ROOT)
    assert [str(p) for p in problems] == []
    return {p.identifier: p for p in projects}


def indicators(project: Project) -> dict[str, object]:
    return {i.titles[0].value: i for r in project.results for i in r.indicators}


def actuals(project: Project) -> dict[Decimal, str]:
    """Every stated actual value with what it counts."""
    return {per.actual: i.unit for r in project.results for i in r.indicators for per in i.periods
            if per.actual is not None}


def dates(project: Project) -> dict[str, str]:
    return {d.type: str(d.date) for d in project.dates}


# --- the seeds --------------------------------------------------------------------------
def test_the_five_seeds_read_with_their_identifiers(seeds):
    assert set(seeds) == {"CA-3-A034224001", "devkg-usaid-peru-governance-in-action", "devkg-usaid-kg-cami",
                          "devkg-usaid-kg-active-communities", "devkg-unda-2225O"}
    assert {p.identifier for p in seeds.values() if p.iati_identifier} == {"CA-3-A034224001"}


def test_every_seed_names_its_source_by_file_and_hash(seeds):
    for p in seeds.values():
        path = PROJECT_ROOT / p.source.path
        assert p.source.kind == "curated" and p.source.key == f"curated/{path.stem}"
        assert p.source.path.startswith("data/projects/")
        assert p.source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_top_level_field_points_at_its_own_line(seeds):
    for p in seeds.values():
        lines = (PROJECT_ROOT / p.source.path).read_text(encoding="utf-8").splitlines()
        assert p.lines and set(p.lines) <= set(TOP_LEVEL_KEYS)
        for key, where in p.lines.items():
            assert where.file == p.source.path
            assert lines[where.line - 1].startswith(f"{key}:"), (key, where)


def test_records_inside_lists_point_at_their_item(seeds):
    p = seeds["devkg-usaid-peru-governance-in-action"]
    lines = (PROJECT_ROOT / p.source.path).read_text(encoding="utf-8").splitlines()
    for loc in p.locations:
        assert f"place: {loc.place}" in lines[loc.where.line - 1]
    assert "{role: implementing, name: CEDRO" in lines[p.participations[2].where.line - 1]


def test_every_record_knows_its_line(seeds):
    def walk(value):
        if is_dataclass(value):
            yield value
            for f in fields(value):
                yield from walk(getattr(value, f.name))
        elif isinstance(value, (list, tuple)):
            for item in value:
                yield from walk(item)

    for p in seeds.values():
        records = [r for r in walk(p) if hasattr(r, "where") and not isinstance(r, Project)]
        assert len(records) > 10
        assert [r for r in records if r.where is None or r.where.line is None] == []


def test_canadian_project_facts(seeds):
    p = seeds["CA-3-A034224001"]
    assert p.reporting_org.ref == "CA-3" and p.status == "4" and p.programme == "NGM Americas"
    assert dates(p) == {"2": "2011-07-20", "4": "2017-12-31"}
    assert [(s.code, s.percentage) for s in p.sectors] == [("15112", Decimal(100))]
    assert {(m.code, m.vocabulary, m.significance) for m in p.policy_markers} == {
        ("1", "1", "1"), ("3", "1", "2"), ("CHILD", "99", "1"), ("YOUTH", "99", "1"), ("INDIG", "99", "1")}
    assert (p.total_budget.value, p.total_budget.currency) == (Decimal("19075668.00"), "CAD")
    (budget,) = p.budgets
    assert (str(budget.period_start), str(budget.period_end), budget.value.currency) == \
        ("2010-04-01", "2011-03-31", "CAD")
    assert {loc.place for loc in p.locations} == {"PE-TUM", "PE-PIU", "PE-LAM", "PE-LAL"}
    assert (p.aid_type.code, p.collaboration_type.code, p.finance_type.code) == ("D01", "1", "110")
    wait = indicators(p)["Wait-time for the issuance of drivers' licenses in Lambayeque"]
    assert (wait.baseline, wait.periods[0].actual, wait.unit) == (30, 3, "days")
    assert {13: "business plans", 376: "producers", 150: "percent", 55000: "actions per month",
            65000: "actions per month"}.items() <= actuals(p).items()
    assert any(name == "Alinea International Ltd" and pa.role == "4" and pa.description == "Executing Agency"
               for pa in p.participations for name in [pa.org.names[0].value])


def test_governance_in_action_facts(seeds):
    p = seeds["devkg-usaid-peru-governance-in-action"]
    assert dates(p) == {"1": "2024-05-13", "3": "2029-05-12"}
    assert [loc.place for loc in p.locations] == ["PE-SAM", "PE-HUC", "PE-LOR", "PE-UCA", "PE-MDD", "PE-CUS",
                                                  "PE-PUN"]
    assert (p.total_budget.value, p.total_budget.currency) == (12000000, "USD")
    districts = indicators(p)["Districts with improved public services"]
    assert (districts.periods[0].target, districts.unit) == (60, "districts")
    lead = next(pa for pa in p.participations if pa.lead)
    assert (lead.org.abbreviation, lead.role) == ("IEP", "4")
    (contact,) = p.contacts
    assert (contact.person, contact.email, contact.telephone) == \
        ("Sobeida Gonzales", ["sgonzales@usaid.gov"], ["(01) 618 1244", "975 398 620"])


def test_cami_facts(seeds):
    p = seeds["devkg-usaid-kg-cami"]
    start = next(d.date for d in p.dates if d.type == "1")
    assert (str(start), start.precision) == ("2016-10", "month")
    assert {loc.place for loc in p.locations} == {"KG-J", "KG-Y", "KG-N", "KG-O", "KG-Y-TEPLOKLYUCHENKA"}
    assert {453: "LSG bodies", 1000: "copies", 229: "people", 35: "municipalities", 6: "municipalities",
            32: "municipalities", 1126: "people", 3298: "people", 62: "public hearings"}.items() <= actuals(p).items()
    assert p.source.url == "http://www.usaid.gov/kyrgyz-republic"
    assert {c.email[0] for c in p.contacts} == {"tbaiserkeev@usaid.gov", "Robert_Bodo@dai.com"}


def test_active_communities_facts(seeds):
    p = seeds["devkg-usaid-kg-active-communities"]
    assert {(t.lang, t.value) for t in p.titles} >= {("en", "Active Communities (Jigerduu Jarandar) Kyrgyzstan")}
    assert dates(p) == {"1": "2019-10", "3": "2024-09"}
    assert p.source.published == PartialDate(2020, 9, 3)
    assert {(pa.org.names[0].value, pa.role) for pa in p.participations} >= {
        ("FHI 360", "4"), ("ACTED", "partner"), ("Ferghana Valley Lawyers Without Borders", "partner")}
    assert (p.total_budget.value, p.total_budget.currency) == (14000000, "USD")


def test_eclac_project_facts(seeds):
    p = seeds["devkg-unda-2225O"]
    assert p.status == "2" and not p.iati_identifier
    assert p.sdg_goals == ["16", "5", "17"] and p.sdg_targets == ["16.6", "16.7", "5.5", "11.3", "17.4"]
    assert [s.code for s in p.recipient_countries] == ["AR", "DM", "DO", "GT", "JM", "PY"]
    assert [(s.code, s.vocabulary) for s in p.recipient_regions] == [("019", "2")]
    assert p.country_groups == ["group-LLDC", "group-SIDS"]
    assert (p.total_budget.value, p.total_budget.currency) == (Decimal("500000.00"), "USD")
    assert ("Project Code", "2225O") in p.other_identifiers and ("Tranche", "T14") in p.other_identifiers
    lead = next(pa for pa in p.participations if pa.lead)
    assert (lead.org.abbreviation, lead.role) == ("ECLAC", "4")


# --- bad input --------------------------------------------------------------------------
BAD = [
    ("broken-yaml.yaml", 3, "broken YAML: mapping values are not allowed here"),
    ("wrong-type-budget.yaml", 3, "total_budget must be a mapping (key: value), not text"),
    ("wrong-type-amount.yaml", 4, '"value" must be a number, not "lots"'),
    ("list-for-mapping.yaml", 3, "reporting_org must be a mapping (key: value), not a list"),
    ("missing-identifier.yaml", 2, 'missing required field "identifier"'),
    ("missing-title.yaml", 1, 'missing required field "title"'),
    ("unknown-key.yaml", 3, 'unknown field "sector" in the project; did you mean "sectors"?'),
    ("start-not-a-date.yaml", 4,
     '"actual_start": "July 20, 2011" is not a date (write YYYY-MM-DD, YYYY-MM or YYYY)'),
    ("impossible-date.yaml", 4, '"planned_end": "2019-02-30" is not a valid date: day is out of range for month'),
    ("repeated-key.yaml", 4, '"status" is written twice (first on line 3)'),
    ("lead-written-as-yes.yaml", 5, '"lead" must be true or false, not "yes"'),
    ("empty.yaml", None, "the file is empty; a project needs at least identifier and title"),
]


@pytest.mark.parametrize("name, line, message", BAD, ids=[b[0] for b in BAD])
def test_bad_file_reports_file_line_and_message(name, line, message):
    _, problems = read_project_file(FIXTURES / name, PROJECT_ROOT)
    where = f"{FIX}/{name}:{line}" if line else f"{FIX}/{name}"
    assert [str(p) for p in problems] == [f"{where}: {message}"]


def test_duplicate_identifier_names_both_files():
    projects, problems = read_projects(FIXTURES / "duplicate", PROJECT_ROOT)
    assert [p.source.path for p in projects] == [f"{FIX}/duplicate/a-first.yaml"]
    assert [str(p) for p in problems] == [
        f'{FIX}/duplicate/b-second.yaml:2: identifier "devkg-test-twice" is also used at '
        f"{FIX}/duplicate/a-first.yaml:1; this one is skipped"]


def test_one_call_reports_the_problems_of_every_file():
    _, problems = read_projects(FIXTURES, PROJECT_ROOT)
    assert sorted({p.where.file for p in problems}) == sorted(f"{FIX}/{name}" for name, _, _ in BAD)
    assert len(problems) == len(BAD)


def test_a_file_with_only_a_type_error_still_gives_its_project():
    project, problems = read_project_file(FIXTURES / "lead-written-as-yes.yaml", PROJECT_ROOT)
    assert problems and project is not None
    assert [s.code for s in project.recipient_countries] == ["PE", "NO"]  # NO is Norway, not false


def test_many_problems_in_one_file_are_all_reported(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text("identifier: devkg-x\ntitle: X\nstatus: [2]\nsectors:\n  - {code: '15112', percent: 100}\n"
                    "planned_start: soon\ntotal_budget: {value: 1, currency: USD, lable: Budget}\n")
    _, problems = read_project_file(path, tmp_path)
    assert [str(p) for p in problems] == [
        'many.yaml:3: "status" must be a code, not a list',
        'many.yaml:5: unknown field "percent" in sectors entry; did you mean "percentage"?',
        'many.yaml:6: "planned_start": "soon" is not a date (write YYYY-MM-DD, YYYY-MM or YYYY)',
        'many.yaml:7: unknown field "lable" in total_budget; did you mean "label"?',
    ]


def test_numbers_keep_the_text_they_were_written_as(tmp_path):
    path = tmp_path / "codes.yaml"
    path.write_text("identifier: devkg-x\ntitle: X\nrecipient_regions: [021, {code: 019}]\nsdg_targets: [16.10]\n"
                    "sectors: [{code: 15112, percentage: '100%'}]\ntotal_budget: {value: 19075668.10, currency: cad}\n")
    project, problems = read_project_file(path)
    assert problems == []
    assert [r.code for r in project.recipient_regions] == ["021", "019"]
    assert project.sdg_targets == ["16.10"]
    assert project.sectors[0].percentage == Decimal(100)
    assert (project.total_budget.value, project.total_budget.currency) == (Decimal("19075668.10"), "CAD")
    assert project.source.path == str(path)  # no root: the path as given


# --- dates ------------------------------------------------------------------------------
@pytest.mark.parametrize("value, expected, precision", [
    (dt.date(2011, 7, 20), "2011-07-20", "day"),
    (dt.datetime(2014, 9, 10, 7, 15), "2014-09-10", "day"),
    ("2024-05-13", "2024-05-13", "day"),
    ("2019-10", "2019-10", "month"),
    ("2019", "2019", "year"),
    (2019, "2019", "year"),
    ("2014-09-10T07:15:37Z", "2014-09-10", "day"),
    ("2011-07-20+01:00", "2011-07-20", "day"),
])
def test_stated_dates_keep_their_precision(value, expected, precision):
    date = parse_stated_date(value)
    assert (str(date), date.precision) == (expected, precision)


@pytest.mark.parametrize("value, message", [
    ("July 20, 2011", '"July 20, 2011" is not a date'),
    ("2019-13", '"2019-13" is not a valid date'),
    ("2019-02-30", '"2019-02-30" is not a valid date'),
    ("2019-10T10:00", '"2019-10T10:00" is not a date'),
    (20190101, '"20190101" is not a year'),
    ("", '"" is not a date'),
])
def test_unparseable_dates_say_what_was_wrong(value, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")):
        parse_stated_date(value)


def test_month_dates_compare_by_their_first_and_last_day():
    oct_2019 = parse_stated_date("2019-10")
    assert (oct_2019.first(), oct_2019.last()) == (dt.date(2019, 10, 1), dt.date(2019, 10, 31))
