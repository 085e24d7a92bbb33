"""The IATI activity reader on the real files in tests/fixtures/iati-real and on small bad fixtures."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from seedlib import IATI_DIR

from graph.config import PROJECT_ROOT
from graph.records import PartialDate, Problem, Project, Text
from graph.sources.iati import IatiImportError, import_iati, read_iati_file, read_iati_files

FIXTURES = Path(__file__).parent / "fixtures" / "iati"
IOM = IATI_DIR / "iom-577-activities-2.03.xml"
EXAMPLE = IATI_DIR / "iati-standard-example-annotated-2.03.xml"
TWO_REPORTING_ORGS = IATI_DIR / "schema-test-fail-two-reporting-orgs.xml"


def read(path: Path, **kw) -> tuple[list[Project], list[Problem]]:
    items = list(read_iati_file(path, path.parent, **kw))
    return [i for i in items if isinstance(i, Project)], [i for i in items if isinstance(i, Problem)]


def errors(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems if p.severity == "error"]


@pytest.fixture(scope="module")
def iom() -> tuple[list[Project], list[Problem]]:
    return read(IOM)


@pytest.fixture(scope="module")
def example() -> Project:
    projects, problems = read(EXAMPLE)
    assert problems == []
    assert len(projects) == 1
    return projects[0]


# --- the IOM benchmark file: everything read, counts equal to an independent count -----------
def test_iom_reads_all_577_activities_without_problems(iom):
    projects, problems = iom
    assert problems == []
    assert len(projects) == 577
    assert len({p.identifier for p in projects}) == 577


@pytest.mark.parametrize("xpath, field", [
    ("participating-org", "participations"),
    ("transaction", "transactions"),
    ("sector", "sectors"),
    ("budget", "budgets"),
    ("recipient-country", "recipient_countries"),
    ("recipient-region", "recipient_regions"),
    ("activity-date", "dates"),
    ("contact-info", "contacts"),
])
def test_iom_counts_match_the_xml(iom, xpath, field):
    tree = etree.parse(str(IOM))
    expected = int(tree.xpath(f"count(/iati-activities/iati-activity/{xpath})"))
    assert expected > 0
    assert sum(len(getattr(p, field)) for p in iom[0]) == expected


def test_iom_sector_vocabulary_uri_and_names_stay_with_the_code(iom):
    tree = etree.parse(str(IOM))
    first = tree.xpath("/iati-activities/iati-activity[1]/sector[@vocabulary-uri]")[0]
    share = next(s for s in iom[0][0].sectors if s.vocabulary_uri)
    assert (share.code, share.vocabulary, share.vocabulary_uri) == (
        first.get("code"), first.get("vocabulary"), first.get("vocabulary-uri"))
    assert share.names[0].value == first.findtext("narrative").strip()
    assert share.where.line == first.sourceline


def test_iom_records_carry_file_and_line(iom):
    p = iom[0][0]
    assert p.source.key == "iati/iom-577-activities-2.03"
    assert p.source.kind == "iati"
    assert p.source.path == IOM.name
    assert p.source.sha256 == hashlib.sha256(IOM.read_bytes()).hexdigest()
    assert (p.where.file, p.where.line) == (IOM.name, 2)
    assert p.at("identifier").line == 3
    assert p.at("reporting_org").line == 4
    assert all(t.where.file == IOM.name and t.where.line for t in p.transactions)


def test_iom_file_is_read_as_a_stream_of_577_activities():
    """Records come one by one (speed and memory are measured in bench/, not here)."""
    items = read_iati_file(IOM)
    first = next(items)
    assert isinstance(first, Project) and first.identifier
    assert 1 + sum(isinstance(i, Project) for i in items) == 577


# --- the official annotated example: every element it fills ------------------------------------
def test_example_activity_attributes(example):
    p = example
    assert p.identifier == "AA-AAA-123456789-ABC123"
    assert (p.language, p.default_currency, p.hierarchy, p.humanitarian) == ("en", "USD", 1, True)
    assert p.last_updated == PartialDate(2014, 9, 10)
    assert p.linked_data_uri == "http://data.example.org/123456789"
    assert p.status == "2"
    assert p.at("status").line == 66


def test_example_texts_in_every_language(example):
    p = example
    assert [(t.value, t.lang) for t in p.titles] == [
        ("Activity title", "en"), ("Titre de l'activité", "fr"), ("Título de la actividad", "es")]
    assert [code for code, _ in p.descriptions] == ["1", "1", "2", "2", "3", "3"]
    assert p.descriptions[3] == ("2", Text("Objectifs de l'activité, par exemple à partir d'un cadre logique.", "fr"))


def test_example_organisations(example):
    p = example
    assert p.reporting_org.ref == "AA-AAA-123456789" and p.reporting_org.type == "40"
    assert [n.lang for n in p.reporting_org.names] == ["en", "fr"]
    assert [(x.role, x.org.ref, x.org.type, x.activity_id) for x in p.participations] == [
        ("1", "BB-BBB-123456789", "40", "BB-BBB-123456789-1234"),
        ("2", "CC-CCC-123456789", "10", "CC-CCC-123456789-1234"),
        ("3", "AA-AAA-123456789", "21", "AA-AAA-123456789-1234"),
    ]
    assert p.participations[2].org.names[1] == Text("Nom de l'agence A", "fr")
    assert p.other_identifiers == [("other-identifier type A1 of AA-AAA-123456789", "ABC123-XYZ")]


def test_example_dates_with_narratives(example):
    dates = {d.type: d for d in example.dates}
    assert {k: str(d.date) for k, d in dates.items()} == {"1": "2012-04-15", "2": "2012-04-28", "3": "2015-12-31"}
    assert [n.lang for n in dates["1"].narratives] == ["en", "fr"]


def test_example_geography(example):
    p = example
    assert [(s.code, s.percentage, s.vocabulary) for s in p.recipient_countries] == [
        ("AF", Decimal(25), None), ("AG", Decimal(25), None)]
    assert [(s.code, s.vocabulary, s.vocabulary_uri) for s in p.recipient_regions] == [
        ("489", "1", None), ("A1", "99", "http://example.com/vocab.html")]
    loc = p.locations[0]
    assert (loc.ref, loc.names[0].value, loc.descriptions[0].value) == (
        "AF-KAN", "Location name", "Location description")
    assert loc.administrative == [("G1", "1", "1453782")]
    assert loc.location_ids == [("G1", "1453782")]
    assert loc.point == (Decimal("31.616944"), Decimal("65.716944"))
    assert (loc.exactness, loc.location_class, loc.feature_designation, loc.reach) == ("1", "2", "ADMF", "1")
    assert loc.place is None  # GeoNames 1453782 is not a devkg place; the ref is never taken as one


def test_example_classifications(example):
    p = example
    assert [(s.code, s.vocabulary, s.percentage) for s in p.sectors] == [
        ("111", "2", Decimal(50)), ("112", "2", Decimal(50)), ("A1", "99", Decimal(100))]
    assert p.sectors[2].names[0].value == "A description of the sector"
    assert [(t.code, t.vocabulary) for t in p.tags] == [("1", "1"), ("T1", "99")]
    assert [(m.code, m.vocabulary, m.significance) for m in p.policy_markers] == [
        ("2", "1", "3"), ("9", "1", "4"), ("A1", "99", "3")]
    assert p.policy_markers[2].vocabulary_uri == "http://example.com/vocab.html"
    assert (p.aid_type.code, p.aid_type.vocabulary) == ("A01", "1")
    assert p.extra["default-aid-type vocabulary 2"] == "1"
    assert [c.code for c in (p.collaboration_type, p.finance_type, p.flow_type, p.tied_status)] == [
        "1", "110", "10", "3"]
    assert p.extra["activity-scope"] == "3"


def test_example_money(example):
    budget, = example.budgets
    assert (budget.type, budget.status, str(budget.period_start), str(budget.period_end)) == (
        "1", "1", "2014-01-01", "2014-12-31")
    assert (budget.value.value, budget.value.currency, str(budget.value.value_date)) == (
        Decimal(3000), "EUR", "2014-01-01")
    tr, = example.transactions
    assert (tr.type, str(tr.date), tr.value.value, tr.value.currency, tr.ref) == (
        "1", "2012-01-01", Decimal(1000), "EUR", "1234")
    assert tr.description[0].value == "Transaction description text"
    assert (tr.provider.ref, tr.provider.type, tr.provider.names[0].value) == ("BB-BBB-123456789", "10", "Agency B")
    assert (tr.receiver.ref, tr.receiver_activity_id) == ("AA-AAA-123456789", "AA-AAA-123456789-1234")


def test_example_result_indicator_baseline_and_period(example):
    result, = example.results
    assert (result.type, result.titles[0].value, result.descriptions[0].value) == (
        "1", "Result title", "Result description text")
    assert result.references == [("99", "B1")]
    ind, = result.indicators
    assert (ind.measure, ind.ascending, ind.titles[0].value) == ("1", True, "Indicator title")
    assert ind.references == [("1", "3429"), ("7", "861"), ("99", "B1")]
    assert (ind.baseline_year, ind.baseline, ind.baseline_comment) == (2012, Decimal(10), "Baseline comment text")
    period, = ind.periods
    assert (str(period.start), str(period.end)) == ("2013-01-01", "2013-03-31")
    assert (period.target, period.target_comment) == (Decimal(10), "Target comment text")
    assert (period.actual, period.actual_comment) == (Decimal(11), "Actual comment text")


def test_example_contact_documents_and_related(example):
    c, = example.contacts
    assert (c.type, c.organisation, c.department, c.person, c.job_title) == (
        "1", "Agency A", "Department B", "A. Example", "Transparency Lead")
    assert (c.telephone, c.email, c.website) == (["0044111222333444"], ["transparency@example.org"], ["http://www.example.org"])
    assert c.mailing_address.startswith("Transparency House")
    doc, = example.documents
    assert (doc.url, doc.format, doc.categories, doc.languages, str(doc.date)) == (
        "http:www.example.org/docs/report_en.odt", "application/vnd.oasis.opendocument.text", ["A01"], ["en"],
        "2014-02-05")
    assert [t.lang for t in doc.titles] == ["en", "fr"]
    assert [(r.ref, r.type) for r in example.related] == [("AA-AAA-123456789-6789", "1")]


def test_example_planned_disbursement_names_its_provider_and_receiver(example):
    tree = etree.parse(str(EXAMPLE))
    pd_el = tree.xpath("//planned-disbursement[provider-org]")[0]
    pd = next(d for d in example.planned_disbursements if d.provider is not None)
    assert (pd.provider.ref, pd.provider.type, pd.provider.names[0].value) == (
        pd_el.find("provider-org").get("ref"), "10", "Agency B")
    assert (pd.provider_activity_id, pd.receiver_activity_id) == (
        pd_el.find("provider-org").get("provider-activity-id"), pd_el.find("receiver-org").get("receiver-activity-id"))
    assert pd.receiver.ref == "AA-AAA-123456789"
    assert [d.provider for d in example.planned_disbursements].count(None) == 1  # the second one names nobody


def test_example_transaction_sector_and_places(example):
    tr, = example.transactions
    assert [(s.code, s.vocabulary) for s in tr.sectors] == [("111", "2")]
    assert [s.code for s in tr.recipient_countries] == ["TM"]
    assert [(s.code, s.vocabulary) for s in tr.recipient_regions] == [("616", "1")]
    assert tr.provider_activity_id == "BB-BBB-123456789-1234AA"
    assert tr.recipient_countries[0].where.line == 281


def test_example_document_links_of_results_indicators_baselines_targets_and_actuals(example):
    result, = example.results
    ind, = result.indicators
    period, = ind.periods
    urls = [d.url for d in (*result.documents, *ind.documents, *ind.baseline_documents, *period.target_documents,
                            *period.actual_documents)]
    tree = etree.parse(str(EXAMPLE))
    assert urls == tree.xpath("//result//document-link/@url")
    assert [d.titles[0].value for d in period.target_documents] == ["Results Period Target Report 2013"]
    assert (ind.baseline_documents[0].categories, str(ind.baseline_documents[0].date)) == (["A01"], "2014-02-05")


def test_example_crs_add(example):
    tree = etree.parse(str(EXAMPLE))
    flag, = example.other_flags
    assert (flag.code, flag.significant) == ("1", True)
    lt = example.loan_terms
    terms = tree.find(".//crs-add/loan-terms")
    assert (lt.rate_1, lt.rate_2) == (Decimal(terms.get("rate-1")), Decimal(terms.get("rate-2")))
    assert (lt.repayment_type, lt.repayment_plan) == ("1", "4")
    assert [str(d) for d in (lt.commitment_date, lt.repayment_first_date, lt.repayment_final_date)] == [
        terms.find(tag).get("iso-date") for tag in ("commitment-date", "repayment-first-date", "repayment-final-date")]
    status, = example.loan_status
    assert status.year == 2014
    assert (status.interest_received.value, status.interest_received.currency,
            str(status.interest_received.value_date)) == (Decimal(200000), "GBP", "2013-05-24")
    assert (status.principal_outstanding.value, status.principal_arrears.value, status.interest_arrears.value) == (
        Decimal(1500000), Decimal(0), Decimal(0))
    assert example.channel_code == tree.findtext(".//crs-add/channel-code") == "21039"


def test_example_fss_conditions_and_country_budget_items(example):
    fss = example.fss
    assert (str(fss.extraction_date), fss.priority, fss.phaseout_year) == ("2014-05-06", True, 2016)
    forecast, = fss.forecasts
    assert (forecast.year, forecast.value.value, forecast.value.currency, str(forecast.value.value_date)) == (
        2014, Decimal(10000), "GBP", "2013-07-03")
    assert example.conditions_attached is True
    condition, = example.conditions
    assert (condition.type, [(t.value, t.lang) for t in condition.texts]) == (
        "1", [("Conditions text", "en"), ("Conditions texte", "fr")])
    assert [(b.vocabulary, b.code, b.percentage, b.descriptions[0].value) for b in example.budget_items] == [
        ("4", "1844", Decimal(50), "Description text"), ("4", "1900", Decimal(50), "Description text")]


def test_iom_activity_date_narratives_and_budget_items_match_the_xml(iom):
    tree = etree.parse(str(IOM))
    narratives = tree.xpath("//iati-activity/activity-date/narrative[normalize-space()]")
    assert len(narratives) == 1969
    assert sum(len(d.narratives) for p in iom[0] for d in p.dates) == len(narratives)
    assert sorted({n.value for p in iom[0] for d in p.dates for n in d.narratives}) == ["Actual", "Planned"]
    items = [b for p in iom[0] for b in p.budget_items]
    assert [(b.vocabulary, b.code, b.percentage) for b in items] == [("2", "1.1.1", None)]


def test_nl_mfa_conditions_not_attached_and_crs_add():
    projects, _ = read(IATI_DIR / "nl-mfa-13-activities-2.03.xml")
    tree = etree.parse(str(IATI_DIR / "nl-mfa-13-activities-2.03.xml"))
    not_attached = len(tree.xpath("//conditions[@attached='0']"))
    assert [p.conditions_attached for p in projects].count(False) == not_attached == 13
    assert sum(p.loan_terms is not None for p in projects) == len(tree.xpath("//crs-add/loan-terms")) == 1
    assert sum(len(p.fss.forecasts) for p in projects if p.fss) == len(tree.xpath("//fss/forecast")) == 1


# --- the other real files ---------------------------------------------------------------------
def test_nl_mfa_budgets_without_currency_take_the_default_currency():
    projects, problems = read(IATI_DIR / "nl-mfa-13-activities-2.03.xml")
    assert errors(problems) == []
    assert len(projects) == 13
    budgets = [(p.default_currency, b.value.currency) for p in projects for b in p.budgets]
    assert len(budgets) == 13 and all(default == currency == "EUR" for default, currency in budgets)
    tree = etree.parse(str(IATI_DIR / "nl-mfa-13-activities-2.03.xml"))
    assert sum(len(p.policy_markers) for p in projects) == int(tree.xpath("count(//iati-activity/policy-marker)"))


def test_dfid_equity_reads_hierarchy_2_and_default_currency_transactions():
    projects, problems = read(IATI_DIR / "dfid-purchase-of-equity-2.03.xml")
    assert problems == []
    assert [p.hierarchy for p in projects] == [2, 2]
    assert all(t.value.currency == p.default_currency for p in projects for t in p.transactions)


def test_dfid_2_01_file_reads_with_2_01_conventions():
    path = IATI_DIR / "dfid-albania-governance-2.01.xml"
    projects, problems = read(path)
    assert problems == []
    assert len(projects) == 8
    assert all(code == "1" for p in projects for code, _ in p.descriptions)  # 2.01 descriptions have no @type
    assert projects[0].reporting_org.ref == "GB-GOV-1"
    assert all(p.budgets and all(b.status is None for b in p.budgets) for p in projects if p.budgets)
    tree = etree.parse(str(path))
    assert sum(len(p.transactions) for p in projects) == int(tree.xpath("count(//iati-activity/transaction)"))


def test_two_reporting_orgs_noticed_by_the_reader_itself():
    _, problems = read(TWO_REPORTING_ORGS)
    assert "schema-test-fail-two-reporting-orgs.xml:9: second <reporting-org> ignored; an activity has exactly one " \
           "(first at line 8)" in errors(problems)
    assert "schema-test-fail-two-reporting-orgs.xml:5: <iati-identifier> is empty; activity skipped" in errors(problems)


def test_two_reporting_orgs_fail_the_xsd_with_line():
    _, problems = read(TWO_REPORTING_ORGS, xsd=True)
    xsd = [str(p) for p in problems if "XSD" in p.message]
    assert xsd == ["schema-test-fail-two-reporting-orgs.xml:9: XSD 2.03: Element 'reporting-org': "
                   "This element is not expected. Expected is ( title )."]


@pytest.mark.parametrize("name", ["iom-577-activities-2.03.xml", "iati-standard-example-annotated-2.03.xml",
                                  "nl-mfa-13-activities-2.03.xml", "dfid-purchase-of-equity-2.03.xml"])
def test_valid_files_pass_the_xsd(name):
    _, problems = read(IATI_DIR / name, xsd=True)
    assert errors(problems) == []


def test_2_01_file_is_not_checked_against_the_2_03_xsd():
    _, problems = read(IATI_DIR / "dfid-albania-governance-2.01.xml", xsd=True)
    assert [(p.severity, p.where.line) for p in problems] == [("warning", 1)]
    assert "2.01" in problems[0].message


# --- bad input: file:line messages, all in one run ----------------------------------------------
@pytest.mark.parametrize("fixture, expected", [
    ("malformed.xml",
     "malformed.xml:9: malformed XML: Opening and ending tag mismatch: title line 8 and iati-activity"),
    ("version-1.xml", "version-1.xml:1: IATI version 1.05 is not supported; devkg reads 2.01-2.03"),
    ("not-iati.xml", "not-iati.xml:1: not an IATI activity file: the root element is <iati-organisations>"),
    ("missing-identifier.xml", "missing-identifier.xml:2: <iati-activity> has no <iati-identifier>; activity skipped"),
    ("missing-identifier.xml", "missing-identifier.xml:5: second <reporting-org> ignored"),
    ("missing-identifier.xml", "missing-identifier.xml:8: <iati-identifier> is empty; activity skipped"),
    ("missing-identifier.xml",
     "missing-identifier.xml:14: <participating-org> has no @role (activity XX-TEST-BAD-VALUES)"),
    ("missing-identifier.xml", 'missing-identifier.xml:15: activity-date @iso-date: "2020-13-01" is not a valid date'),
    ("missing-identifier.xml", "missing-identifier.xml:16: <recipient-country> @percentage 'fifty' is not a number"),
    ("missing-identifier.xml",
     "missing-identifier.xml:19: budget value has no @currency and the activity no default-currency"),
    ("missing-identifier.xml",
     "missing-identifier.xml:20: <transaction> has no <transaction-date>; transaction skipped"),
    ("missing-identifier.xml", "missing-identifier.xml:21: <pos> 200 10 is off the globe"),
    ("missing-identifier.xml", "missing-identifier.xml:22: <budget> has no <value>; budget skipped"),
    ("missing-identifier.xml",
     "missing-identifier.xml:23: <planned-disbursement> has no <value>; planned disbursement skipped"),
    ("places-and-sdgs.xml", "places-and-sdgs.xml:38: budget value '1,000' is not a number"),
])
def test_bad_input_gives_file_line_message(fixture, expected):
    _, problems = read(FIXTURES / fixture)
    assert any(e.startswith(expected) for e in errors(problems)), errors(problems)


def test_activities_before_malformed_xml_are_still_read():
    projects, _ = read(FIXTURES / "malformed.xml")
    assert [p.identifier for p in projects] == ["XX-TEST-MALFORMED-1"]


def test_percentages_not_summing_to_100_are_left_to_the_shared_checks():
    projects, problems = read(FIXTURES / "missing-identifier.xml")
    assert not any("percent" in p.message and "sum" in p.message for p in problems)
    assert [s.percentage for s in projects[0].sectors] == [Decimal(60), Decimal(60)]


def test_budget_and_planned_disbursement_without_value_are_skipped():
    projects, _ = read(FIXTURES / "missing-identifier.xml")
    """Neither is kept with no amount (line 19's budget goes too: its value has no currency)."""
    assert projects[0].budgets == [] and projects[0].planned_disbursements == []


def test_read_iati_files_reports_every_problem_and_cross_file_duplicates():
    projects, problems = read_iati_files([FIXTURES], FIXTURES.parent)
    files = {p.where.file for p in problems if p.severity == "error"}
    assert files == {f"iati/{n}" for n in ("duplicate-a.xml", "duplicate-b.xml", "malformed.xml",
                                           "missing-identifier.xml", "not-iati.xml", "places-and-sdgs.xml",
                                           "version-1.xml")}
    assert 'iati/duplicate-a.xml:11: identifier "XX-TEST-DUP-2" is also used at iati/duplicate-a.xml:7; ' \
           "this one is skipped" in errors(problems)
    assert 'iati/duplicate-b.xml:3: identifier "XX-TEST-DUP-1" is also used at iati/duplicate-a.xml:3; ' \
           "this one is skipped" in errors(problems)
    kept = [p for p in projects if p.identifier == "XX-TEST-DUP-1"]
    assert [p.titles[0].value for p in kept] == ["First copy"]


# --- languages, places and SDGs ------------------------------------------------------------------
@pytest.fixture(scope="module")
def places_project() -> Project:
    projects, _ = read(FIXTURES / "places-and-sdgs.xml")
    return projects[0]


def test_narratives_take_the_activity_language_unless_they_state_one(places_project):
    assert [(t.value, t.lang) for t in places_project.titles] == [
        ("Gobernanza regional", "es"), ("Regional governance", "en")]
    assert places_project.humanitarian is False


@pytest.mark.parametrize("index, place", [
    (0, "PE-PIU"),  # ISO 3166-2 code, even under another vocabulary
    (1, "KG-Y"),  # GeoNames id of a place in the place table
    (2, "JO"),  # ISO 3166-1 country under vocabulary A4
    (3, None),  # GADM: devkg has no table for it
])
def test_location_place_from_administrative_codes(places_project, index, place):
    assert places_project.locations[index].place == place


def test_sdg_tags_become_goals_and_targets_once(places_project):
    assert places_project.sdg_goals == ["16"]
    assert places_project.sdg_targets == ["16.6", "16.7"]
    assert [(s.vocabulary, s.code) for s in places_project.sectors if s.vocabulary in ("7", "8")] == [
        ("7", "16"), ("8", "16.6")]


def test_publisher_policy_marker_keeps_its_names(places_project):
    marker, = places_project.policy_markers
    assert (marker.vocabulary, marker.code, marker.names) == ("99", "CHILD", [Text("Children", "en")])


def test_budget_with_bad_value_is_dropped_and_good_one_kept(places_project):
    assert [(b.value.value, b.value.currency, b.status) for b in places_project.budgets] == [
        (Decimal("2500.50"), "PEN", "2")]


# --- import ------------------------------------------------------------------------------------
def test_import_copies_iati_files_into_data_iati(tmp_path):
    added = import_iati([EXAMPLE, FIXTURES / "duplicate-b.xml"], tmp_path)
    assert added == [tmp_path / "iati" / EXAMPLE.name, tmp_path / "iati" / "duplicate-b.xml"]
    assert added[0].read_bytes() == EXAMPLE.read_bytes() and not added[0].is_symlink()


def test_import_without_copy_links(tmp_path):
    added, = import_iati([EXAMPLE], tmp_path, copy=False)
    assert added.is_symlink() and added.resolve() == EXAMPLE.resolve()


@pytest.mark.parametrize("fixture, message", [
    ("not-iati.xml", "not an IATI activity file: the root element is <iati-organisations>"),
    ("version-1.xml", "IATI version 1.05 is not supported"),
    ("malformed.xml", "malformed.xml:9: not an IATI activity file: malformed XML"),
])
def test_import_refuses_non_iati_files_and_imports_nothing(tmp_path, fixture, message):
    with pytest.raises(IatiImportError) as info:
        import_iati([EXAMPLE, FIXTURES / fixture], tmp_path)
    assert len(info.value.messages) == 1 and message in info.value.messages[0]
    assert not (tmp_path / "iati" / EXAMPLE.name).exists()


def test_import_refuses_to_overwrite_other_content_unless_replace(tmp_path):
    target = tmp_path / "iati" / "duplicate-b.xml"
    target.parent.mkdir()
    target.write_text("<iati-activities version='2.03'/>")
    with pytest.raises(IatiImportError, match="already exists with other content"):
        import_iati([FIXTURES / "duplicate-b.xml"], tmp_path)
    import_iati([FIXTURES / "duplicate-b.xml"], tmp_path, replace=True)
    assert target.read_bytes() == (FIXTURES / "duplicate-b.xml").read_bytes()


def test_import_with_xsd_refuses_schema_errors_with_line(tmp_path):
    with pytest.raises(IatiImportError) as info:
        import_iati([TWO_REPORTING_ORGS], tmp_path, xsd=True)
    assert info.value.messages == [f"{TWO_REPORTING_ORGS}:9: XSD 2.03: Element 'reporting-org': "
                                   "This element is not expected. Expected is ( title )."]
    # without --xsd the build's own checks still apply: this file would stop every build
    with pytest.raises(IatiImportError) as info:
        import_iati([TWO_REPORTING_ORGS], tmp_path)
    assert f"{TWO_REPORTING_ORGS}:5: <iati-identifier> is empty" in info.value.messages[0]
    assert not (tmp_path / "iati").exists()


def test_a_bad_sdg_tag_gives_one_error_at_its_own_line(tmp_path):
    from graph.reference import Reference
    from graph.sources.checks import check_project

    text = (FIXTURES / "places-and-sdgs.xml").read_text(encoding="utf-8")
    (tmp_path / "bad-sdg.xml").write_text(text.replace('<tag vocabulary="3" code="16.7"/>',
                                                       '<tag vocabulary="3" code="16.99"/>'), encoding="utf-8")
    projects, _ = read(tmp_path / "bad-sdg.xml")
    found = [str(p) for p in check_project(projects[0], Reference.load(PROJECT_ROOT / "data")) if "16.99" in p.message]
    assert len(found) == 1, found
    assert found[0].startswith("bad-sdg.xml:34: SDG tag \"16.99\"")


BAD_REPORTING = """<iati-activities version="2.03">
 <iati-activity default-currency="EUR">
  <iati-identifier>XX-TEST-CRS</iati-identifier>
  <title><narrative>Loan</narrative></title>
  <crs-add>
   <other-flags code="1" significance="yes"/>
   <loan-terms rate-1="four">
    <repayment-type/>
    <repayment-first-date iso-date="2014-13-01"/>
   </loan-terms>
   <loan-status year="2014.5" value-date="2013-05-24">
    <interest-received>lots</interest-received>
   </loan-status>
  </crs-add>
  <crs-add/>
  <fss extraction-date="yesterday" phaseout-year="2016">
   <forecast year="2014" currency="GBP"></forecast>
  </fss>
  <conditions attached="maybe">
   <condition><narrative>No type</narrative></condition>
   <condition type="2"/>
  </conditions>
  <country-budget-items vocabulary="1">
   <budget-item code="1.1.1" percentage="half"/>
  </country-budget-items>
  <country-budget-items vocabulary="2"/>
 </iati-activity>
</iati-activities>
"""


@pytest.mark.parametrize("line, message", [
    (6, "@significance 'yes' is not a boolean (1, 0, true or false)"),
    (7, "<loan-terms> @rate-1 'four' is not a number"),
    (8, "<repayment-type> has no @code"),
    (9, 'loan-terms repayment-first-date @iso-date: "2014-13-01" is not a valid date'),
    (11, "<loan-status> @year '2014.5' is not a year"),
    (12, "loan-status interest-received 'lots' is not a number"),
    (15, "second <crs-add> ignored; an activity has at most one (first at line 5)"),
    (16, 'fss @extraction-date: "yesterday"'),
    (17, "fss forecast value is empty"),
    (19, "@attached 'maybe' is not a boolean"),
    (20, "<condition> has no @type"),
    (24, "<budget-item> @percentage 'half' is not a number"),
    (26, "second <country-budget-items> ignored; an activity has at most one (first at line 23)"),
])
def test_bad_reporting_values_give_file_line_errors(tmp_path, line, message):
    (tmp_path / "crs.xml").write_text(BAD_REPORTING, encoding="utf-8")
    projects, problems = read(tmp_path / "crs.xml")
    assert any(e.startswith(f"crs.xml:{line}: {message}") for e in errors(problems)), errors(problems)
    p, = projects  # the activity is still read, without the values that did not parse
    assert p.other_flags == [] and p.loan_terms.rate_1 is None and p.loan_status == []
    assert p.conditions_attached is None and [c.type for c in p.conditions] == ["2"]
    assert [(b.code, b.percentage) for b in p.budget_items] == [("1.1.1", None)]


def test_a_condition_without_text_is_a_warning(tmp_path):
    (tmp_path / "crs.xml").write_text(BAD_REPORTING, encoding="utf-8")
    _, problems = read(tmp_path / "crs.xml")
    assert "crs.xml:21: warning: <condition> has no narrative; it says only its type (activity XX-TEST-CRS)" in [
        str(p) for p in problems]


def test_codes_of_the_new_codelists_are_checked_at_their_line(tmp_path):
    from graph.reference import Reference
    from graph.sources.checks import check_project

    text = (BAD_REPORTING.replace('significance="yes"', 'significance="1"').replace("<repayment-type/>",
                                                                                  '<repayment-type code="4"/>')
            .replace('<condition type="2"/>', '<condition type="7"><narrative>x</narrative></condition>'))
    (tmp_path / "codes.xml").write_text(text, encoding="utf-8")
    projects, _ = read(tmp_path / "codes.xml")
    found = [str(p) for p in check_project(projects[0], Reference.load(PROJECT_ROOT / "data"))]
    assert 'codes.xml:7: loan-terms repayment-type "4" is not in the IATI LoanRepaymentType codelist' in " ".join(found)
    assert any(f.startswith('codes.xml:21: condition type "7" is not in the IATI ConditionType') for f in found)
    assert not any("other-flags" in f for f in found)  # code 1 is a CRSAddOtherFlags code
