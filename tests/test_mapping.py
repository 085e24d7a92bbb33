"""Records to triples: one hand-made project exercising each part of the mapper."""

from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import OWL, PROV, SKOS, XSD

from graph.mapping.iris import Iris, segment
from graph.mapping.project import ProjectMapper
from graph.namespaces import vocab
from graph.records import (
    ActivityDate,
    Budget,
    Indicator,
    IndicatorPeriod,
    Location,
    Money,
    OrgRef,
    PartialDate,
    Participation,
    PolicyMarker,
    Project,
    Result,
    Share,
    Source,
    Tag,
    Text,
)
from graph.reference import Reference

IRIS = Iris()
SDG_IRI = Reference.load(Path(__file__).parent.parent / "data").sdg_iri
DEV = vocab()
P = IRIS.project("XM-TEST-1")


def project() -> Project:
    return Project(
        identifier="XM-TEST-1",
        titles=[Text("Test project", "en"), Text("Projet test", "fr")],
        source=Source(key="curated/test", kind="curated", path="data/projects/test.yaml", sha256="ab" * 32),
        reporting_org=OrgRef(ref="CA-3", names=[Text("Global Affairs Canada")]),
        participations=[
            Participation(OrgRef(ref="CA-3", names=[Text("Global Affairs Canada")]), role="1"),
            Participation(OrgRef(names=[Text("Alinea International Ltd")]), role="4", lead=True),
            Participation(OrgRef(names=[Text("CEDRO")]), role="partner"),
        ],
        status="4",
        dates=[ActivityDate("2", PartialDate(2019, 10)), ActivityDate("3", PartialDate(2024, 9))],
        recipient_countries=[Share("PE", Decimal("100"))],
        recipient_regions=[Share("419", vocabulary="2")],
        locations=[Location(place="PE-PIU"),
                   Location(point=(Decimal("-5.2"), Decimal("-80.6")), names=[Text("Piura")])],
        sectors=[Share("15112", Decimal("100")), Share("16.6", vocabulary="8")],
        policy_markers=[PolicyMarker("1", "1"),
                        PolicyMarker("CHILD", "1", vocabulary="99", names=[Text("Children's issues", "en")])],
        tags=[Tag("16", vocabulary="2")],
        sdg_targets=["5.5"],
        total_budget=Money(Decimal("19075668.00"), "CAD"),
        budgets=[Budget(Money(Decimal("9500000"), "USD"), PartialDate(2010, 4, 1), PartialDate(2011, 3, 31))],
        results=[Result("1", [Text("Wait time")], indicators=[
            Indicator([Text("Days to issue a licence")], unit="days", baseline=Decimal(30),
                      periods=[IndicatorPeriod(actual=Decimal(3))])])],
        linked_data_uri="http://example.org/activity/1",
    )


@pytest.fixture(scope="module")
def g():
    mapper = ProjectMapper(IRIS, SDG_IRI)
    mapper.add(project())
    return mapper.g


def test_project_has_identifier_and_language_tagged_titles(g):
    assert (P, RDF.type, DEV.Project) in g
    assert (P, DEV.identifier, Literal("XM-TEST-1")) in g
    assert (P, DEV.title, Literal("Projet test", lang="fr")) in g


def test_month_precision_dates_keep_what_the_source_said(g):
    assert (P, DEV.startDate, Literal("2019-10-01", datatype=XSD.date)) in g
    assert (P, DEV.endDate, Literal("2024-09-30", datatype=XSD.date)) in g
    assert (P, DEV.startDateAsStated, Literal("2019-10", datatype=XSD.gYearMonth)) in g
    assert (P, DEV.actualStartDate, Literal("2019-10-01", datatype=XSD.date)) in g


def test_roles_become_participations_and_shortcuts(g):
    gac, alinea = IRIS.org("CA-3"), IRIS.org(name="Alinea International Ltd")
    assert (P, DEV.fundedBy, gac) in g
    assert (P, DEV.reportedBy, gac) in g
    assert (P, DEV.implementedBy, alinea) in g
    assert (P, DEV.partnerOrg, IRIS.org(name="CEDRO")) in g
    node = IRIS.child(P, "participation", "implementing", "alinea-international-ltd")
    assert (node, DEV.organisation, alinea) in g
    assert (node, DEV.role, IRIS.code("OrganisationRole", "4")) in g
    assert (node, DEV.isLead, Literal(True)) in g


def test_places_and_regions(g):
    assert (P, DEV.recipientCountry, IRIS.place("PE")) in g
    assert (P, DEV.recipientRegion, IRIS.place("m49-419")) in g
    assert (P, DEV.location, IRIS.place("PE-PIU")) in g
    share = IRIS.child(P, "recipient-country", "PE")
    assert (share, DEV.percentage, Literal("100.0", datatype=XSD.decimal)) in g
    wkt = [o for o in g.objects(None, URIRef("http://www.opengis.net/ont/geosparql#asWKT"))]
    assert [str(w) for w in wkt] == ["POINT(-80.6 -5.2)"]


def test_sectors_sdgs_and_markers(g):
    assert (P, DEV.sector, IRIS.code("Sector", "15112")) in g
    assert (P, DEV.sdgTarget, URIRef("http://metadata.un.org/sdg/16.6")) in g  # sector vocabulary 8
    assert (P, DEV.sdgGoal, URIRef("http://metadata.un.org/sdg/16")) in g  # tag vocabulary 2
    assert (P, DEV.sdgTarget, URIRef("http://metadata.un.org/sdg/5.5")) in g
    own = IRIS.publisher_code("CA-3", "PolicyMarker", "CHILD")
    assert (own, SKOS.inScheme, IRIS.publisher_scheme("CA-3", "PolicyMarker")) in g
    assert (None, DEV.marker, own) in g


def test_money_is_decimal_with_currency_concept(g):
    amount = IRIS.child(P, "total-budget")
    assert (P, DEV.totalBudget, amount) in g
    assert (amount, DEV.value, Literal("19075668.0", datatype=XSD.decimal)) in g
    assert (amount, DEV.currency, IRIS.code("Currency", "CAD")) in g
    budget = IRIS.child(P, "budget", "2010-04-01--2011-03-31", "1")  # period and (default) BudgetType
    assert (budget, DEV.periodStart, Literal("2010-04-01", datatype=XSD.date)) in g


def test_results_carry_baseline_and_actual(g):
    ind = IRIS.child(P, "result", "wait-time", "indicator", "days-to-issue-a-licence")  # keyed by title
    assert (ind, DEV.baselineValue, Literal("30.0", datatype=XSD.decimal)) in g
    assert (ind, DEV.unit, Literal("days")) in g
    assert (IRIS.child(ind, "period", "n1"), DEV.actualValue, Literal("3.0", datatype=XSD.decimal)) in g


def test_provenance_and_linked_data_uri(g):
    src = IRIS.source("curated/test")
    assert (P, PROV.wasDerivedFrom, src) in g
    assert (src, DEV.sha256, Literal("ab" * 32)) in g
    # A publisher's linked-data-uri is unchecked: linked, never declared the same resource.
    assert (P, RDFS.seeAlso, URIRef("http://example.org/activity/1")) in g
    assert not list(g.triples((None, OWL.sameAs, None)))


def test_mapping_twice_gives_the_same_graph():
    a, b = ProjectMapper(IRIS, SDG_IRI), ProjectMapper(IRIS, SDG_IRI)
    a.add(project())
    b.add(project())
    assert set(a.g) == set(b.g)


@pytest.mark.parametrize("identifier, expected", [
    ("CA-3-A034224001", "CA-3-A034224001"),
    ("XM-DAC-41114-PROJECT-00089/2", "XM-DAC-41114-PROJECT-00089%2F2"),
    ("GB-1 203 456", "GB-1%20203%20456"),
])
def test_identifiers_become_single_path_segments(identifier, expected):
    assert segment(identifier) == expected
    assert str(IRIS.project(identifier)).endswith("/project/" + expected)


def _keys_of(g, prop):
    return sorted(str(o).removeprefix(str(P) + "/") for o in g.objects(P, prop))


def test_parts_are_keyed_by_what_identifies_them_not_by_position():
    """Reordering a project's budgets, transactions and results changes none of their IRIs."""
    from graph.records import Transaction

    base = project()
    base.budgets = [Budget(Money(Decimal(5), "USD"), PartialDate(2020, 1, 1), PartialDate(2020, 12, 31), type="1"),
                    Budget(Money(Decimal(6), "USD"), PartialDate(2020, 1, 1), PartialDate(2020, 12, 31), type="2"),
                    Budget(Money(Decimal(7), "USD"), PartialDate(2021, 1, 1), PartialDate(2021, 12, 31))]
    base.transactions = [Transaction("3", PartialDate(2020, 3, 1), Money(Decimal("150000.00"), "USD")),
                         Transaction("3", PartialDate(2020, 3, 1), Money(Decimal("150000"), "USD")),  # a repeat
                         Transaction("2", PartialDate(2020, 2, 1), Money(Decimal(9), "USD"), ref="T-1")]
    base.results = [Result("1", [Text("Wait time")]), Result("2", [Text("Other")])]
    graphs = []
    for order in (lambda x: x, lambda x: list(reversed(x))):
        p = project()
        p.budgets, p.results = order(base.budgets), order(base.results)
        p.transactions = base.transactions if order(base.transactions) is base.transactions else \
            [base.transactions[2], base.transactions[0], base.transactions[1]]  # keep the two repeats in order
        mapper = ProjectMapper(IRIS, SDG_IRI)
        mapper.add(p)
        graphs.append(mapper.g)
    first, second = graphs
    assert _keys_of(first, DEV.budget) == _keys_of(second, DEV.budget) == [
        "budget/2020-01-01--2020-12-31/1", "budget/2020-01-01--2020-12-31/2", "budget/2021-01-01--2021-12-31/1"]
    assert _keys_of(first, DEV.transaction) == _keys_of(second, DEV.transaction) == [
        "transaction/2020-03-01/3/150000-USD", "transaction/2020-03-01/3/150000-USD-2", "transaction/ref/T-1"]
    assert _keys_of(first, DEV.result) == _keys_of(second, DEV.result) == ["result/other", "result/wait-time"]


def test_a_long_title_gives_a_short_key_with_a_hash():
    from graph.mapping.keys import MAX_SLUG, short_slug

    long = "Tumbes: PROCOMPITE was implemented, a fund to support the productivity of small producers " * 2
    key = short_slug(long)
    assert len(key) <= MAX_SLUG + 9 and key.startswith("tumbes-procompite-was-implemented")
    assert short_slug(long.upper()) == key and short_slug(long + "!") == key  # case and punctuation do not count
    assert short_slug(long + " more") != key


def test_other_identifiers_keep_their_kind():
    p = project()
    p.other_identifiers = [("Project Code", "2225O")]
    mapper = ProjectMapper(IRIS, SDG_IRI)
    mapper.add(p)
    node = IRIS.child(P, "other-identifier", "project-code", "2225O")
    assert (P, DEV.otherIdentifier, Literal("2225O")) in mapper.g
    assert (P, DEV.identifiedBy, node) in mapper.g
    assert (node, DEV.identifierKind, Literal("Project Code")) in mapper.g


def test_names_settle_to_one_label_per_language_across_sources():
    from rdflib import Graph

    from graph.mapping.organisation import add_organisation, settle_names

    a, b = Graph(), Graph()
    add_organisation(a, IRIS, OrgRef(ref="XM-DAC-47066", names=[Text("IOM Development Fund", "en")]))
    add_organisation(b, IRIS, OrgRef(ref="XM-DAC-47066",
                                      names=[Text("International Organization for Migration (IOM)", "en")]),
                     preferred=True)  # the name it reports under
    add_organisation(b, IRIS, OrgRef(ref="XM-DAC-47066", names=[Text("Private Individual Donations")]))
    settle_names([a, b], IRIS)
    iom = IRIS.org("XM-DAC-47066")
    for g in (a, b):
        assert set(g.objects(iom, RDFS.label)) == {Literal("International Organization for Migration (IOM)", lang="en")}
        assert set(g.objects(iom, DEV.name)) == set(g.objects(iom, RDFS.label))
        assert set(map(str, g.objects(iom, SKOS.altLabel))) == {"IOM Development Fund", "Private Individual Donations"}


def test_a_name_without_identifier_resolves_within_its_source_only_when_unambiguous():
    from graph.mapping.organisation import OrgIndex

    p = project()
    p.participations += [Participation(OrgRef(ref="XM-DAC-47066", names=[Text("IOM Development Fund")]), role="1"),
                         Participation(OrgRef(ref="XM-1", names=[Text("Shared Name")]), role="4"),
                         Participation(OrgRef(ref="XM-2", names=[Text("Shared name!")]), role="4")]
    index = OrgIndex.of([p])
    assert index.ref(OrgRef(names=[Text("IOM development fund")])) == "XM-DAC-47066"
    assert index.ref(OrgRef(names=[Text("Shared Name")])) is None  # two identifiers: not guessed
    assert OrgIndex().ref(OrgRef(names=[Text("IOM Development Fund")])) is None  # another source knows nothing


def test_iati_defaults_are_applied_and_marked():
    from graph.records import CodedValue, Transaction

    p = project()
    p.budgets = [Budget(Money(Decimal(5), "USD"), PartialDate(2020, 1, 1), PartialDate(2020, 12, 31)),
                 Budget(Money(Decimal(6), "USD"), PartialDate(2021, 1, 1), PartialDate(2021, 12, 31),
                        type="2", status="2")]
    p.flow_type, p.humanitarian = CodedValue("10"), True
    p.transactions = [Transaction("3", PartialDate(2020, 3, 1), Money(Decimal(1), "USD")),
                      Transaction("3", PartialDate(2020, 4, 1), Money(Decimal(2), "USD"), flow_type=CodedValue("20"),
                                  humanitarian=False)]
    mapper = ProjectMapper(IRIS, SDG_IRI)
    mapper.add(p)
    g = mapper.g
    first, second = (IRIS.child(P, "budget", "2020-01-01--2020-12-31", "1"),
                     IRIS.child(P, "budget", "2021-01-01--2021-12-31", "2"))
    assert (first, DEV.budgetType, IRIS.code("BudgetType", "1")) in g
    assert (first, DEV.budgetStatus, IRIS.code("BudgetStatus", "1")) in g
    assert set(g.objects(first, DEV.defaultApplied)) == {DEV.budgetType, DEV.budgetStatus}
    assert not list(g.objects(second, DEV.defaultApplied))
    inherited = IRIS.child(P, "transaction", "2020-03-01", "3", "1-USD")
    own = IRIS.child(P, "transaction", "2020-04-01", "3", "2-USD")
    assert (inherited, DEV.flowType, IRIS.code("FlowType", "10")) in g
    assert (inherited, DEV.humanitarian, Literal(True)) in g
    assert set(g.objects(inherited, DEV.defaultApplied)) == {DEV.flowType, DEV.humanitarian}
    assert (own, DEV.flowType, IRIS.code("FlowType", "20")) in g and (own, DEV.humanitarian, Literal(False)) in g
    assert not list(g.objects(own, DEV.defaultApplied))


def _mapped(p: Project):
    mapper = ProjectMapper(IRIS, SDG_IRI)
    mapper.add(p)
    return mapper.g


def test_transaction_geography_is_the_projects_only_when_the_activity_states_none():
    """IATI: sector and recipient country/region go per activity *or* per transaction."""
    from graph.records import Transaction

    def with_transaction(p: Project) -> Project:
        p.transactions = [Transaction("3", PartialDate(2020, 3, 1), Money(Decimal(1), "USD"), ref="T1",
                                      sectors=[Share("15170")], recipient_countries=[Share("BO")],
                                      recipient_regions=[Share("489", vocabulary="1")])]
        return p

    tr = IRIS.child(P, "transaction", "ref", "T1")
    stated = _mapped(with_transaction(project()))  # the activity has its own sectors and places
    assert (tr, DEV.transactionSector, IRIS.code("Sector", "15170")) in stated
    assert (tr, DEV.transactionCountry, IRIS.place("BO")) in stated
    assert (tr, DEV.transactionRegion, IRIS.place("dac-489")) in stated
    assert (P, DEV.sector, IRIS.code("Sector", "15170")) not in stated
    assert (P, DEV.recipientCountry, IRIS.place("BO")) not in stated
    per_transaction = project()
    per_transaction.sectors, per_transaction.recipient_countries, per_transaction.recipient_regions = [], [], []
    g = _mapped(with_transaction(per_transaction))
    assert (P, DEV.sector, IRIS.code("Sector", "15170")) in g
    assert (P, DEV.recipientCountry, IRIS.place("BO")) in g
    assert (P, DEV.recipientRegion, IRIS.place("dac-489")) in g
    assert not list(g.objects(P, DEV.geographicShare))  # no share: a transaction states no percentage


def test_money_names_the_activities_it_comes_from_and_goes_to_by_identifier_only():
    from graph.records import PlannedDisbursement, Transaction

    p = project()
    p.planned_disbursements = [PlannedDisbursement(Money(Decimal(5), "EUR"), PartialDate(2014, 1, 1),
                                                   PartialDate(2014, 12, 31), "1",
                                                   provider=OrgRef(ref="BB-1", names=[Text("Agency B")]),
                                                   provider_activity_id="BB-1-XYZ")]
    p.transactions = [Transaction("1", PartialDate(2014, 2, 1), Money(Decimal(5), "EUR"), ref="T1",
                                  receiver=OrgRef(ref="CA-3"), receiver_activity_id="XM-TEST-1")]
    g = _mapped(p)
    pd = IRIS.child(P, "planned-disbursement", "2014-01-01--2014-12-31", "1")
    tr = IRIS.child(P, "transaction", "ref", "T1")
    assert (pd, DEV.providerOrg, IRIS.org("BB-1")) in g
    assert (pd, DEV.providerActivityIdentifier, Literal("BB-1-XYZ")) in g
    assert (tr, DEV.receiverActivityIdentifier, Literal("XM-TEST-1")) in g
    assert not [o for o in g.objects(tr, None) if o == IRIS.project("XM-TEST-1")]  # no object link to a project


def test_iati_identifier_only_when_the_identifier_is_one():
    assert (P, DEV.iatiIdentifier, Literal("XM-TEST-1")) in _mapped(project())
    minted = project()
    minted.iati_identifier = False
    g = _mapped(minted)
    assert (P, DEV.identifier, Literal("XM-TEST-1")) in g
    assert not list(g.objects(P, DEV.iatiIdentifier))


def test_activity_date_narratives_are_notes_beside_the_date_of_their_type():
    p = project()
    p.dates = [ActivityDate("1", PartialDate(2012, 4, 15), narratives=[Text("Planned", "en"), Text("Prévue", "fr")]),
               ActivityDate("2", PartialDate(2012, 4, 28))]
    g = _mapped(p)
    assert set(g.objects(P, DEV.plannedStartDateNote)) == {Literal("Planned", lang="en"), Literal("Prévue", lang="fr")}
    assert (P, DEV.plannedStartDate, Literal("2012-04-15", datatype=XSD.date)) in g
    assert not list(g.objects(P, DEV.actualStartDateNote))


def test_result_documents_hang_off_the_part_they_document():
    from graph.records import DocumentLink

    def doc(name: str) -> DocumentLink:
        return DocumentLink(f"https://example.org/{name}.pdf", titles=[Text(name, "en")], categories=["A01"])

    p = project()
    period = IndicatorPeriod(PartialDate(2016, 1, 1), PartialDate(2016, 12, 31), target=Decimal(5),
                             target_documents=[doc("target")], actual_documents=[doc("actual")])
    p.results = [Result("1", [Text("Wait time")], documents=[doc("result")], indicators=[
        Indicator([Text("Days")], documents=[doc("indicator")], baseline_documents=[doc("baseline")],
                  periods=[period])])]
    g = _mapped(p)
    result = IRIS.child(P, "result", "wait-time")
    indicator = IRIS.child(result, "indicator", "days")
    per = IRIS.child(indicator, "period", "2016-01-01--2016-12-31")
    links = {(s, pred) for s, pred, o in g if pred in (DEV.documentLink, DEV.baselineDocument, DEV.targetDocument,
                                                       DEV.actualDocument)}
    assert links == {(result, DEV.documentLink), (indicator, DEV.documentLink), (indicator, DEV.baselineDocument),
                     (per, DEV.targetDocument), (per, DEV.actualDocument)}
    baseline_doc = g.value(indicator, DEV.baselineDocument)
    assert str(baseline_doc).startswith(f"{indicator}/baseline/document/")
    assert (baseline_doc, DEV.documentCategory, IRIS.code("DocumentCategory", "A01")) in g
    assert (baseline_doc, DEV.url, Literal("https://example.org/baseline.pdf", datatype=XSD.anyURI)) in g


def test_crs_fss_conditions_and_budget_items_are_keyed_by_what_identifies_them():
    from graph.records import (
        BudgetItem,
        Condition,
        Forecast,
        LoanStatus,
        LoanTerms,
        OtherFlag,
        SpendingSurvey,
    )

    p = project()
    p.other_flags = [OtherFlag("1", True)]
    p.loan_terms = LoanTerms(Decimal(4), None, "1", "4", PartialDate(2013, 9, 1), PartialDate(2014, 1, 1),
                             PartialDate(2020, 12))
    p.loan_status = [LoanStatus(2014, principal_outstanding=Money(Decimal(1500000), "GBP"))]
    p.channel_code = "21039"
    p.fss = SpendingSurvey(PartialDate(2014, 5, 6), True, 2016, [Forecast(2014, Money(Decimal(10000), "GBP")),
                                                                 Forecast(2015, Money(Decimal(9000), "GBP"))])
    p.conditions_attached, p.conditions = True, [Condition("1", [Text("Policy reform", "en")])]
    p.budget_items = [BudgetItem("1.1.1", "1", Decimal(60)), BudgetItem("1844", "4", Decimal(40))]
    g = _mapped(p)
    flag = IRIS.child(P, "other-flag", "1")
    assert (flag, DEV.flag, IRIS.code("CRSAddOtherFlags", "1")) in g and (flag, DEV.significant, Literal(True)) in g
    terms = IRIS.child(P, "loan-terms")
    assert (terms, DEV.interestRate1, Literal("4.0", datatype=XSD.decimal)) in g
    assert (terms, DEV.repaymentType, IRIS.code("LoanRepaymentType", "1")) in g
    assert (terms, DEV.repaymentPlan, IRIS.code("LoanRepaymentPeriod", "4")) in g
    # a final repayment stated as a month is that month's last day
    assert (terms, DEV.repaymentFinalDate, Literal("2020-12-31", datatype=XSD.date)) in g
    assert not list(g.objects(terms, DEV.interestRate2))
    status = IRIS.child(P, "loan-status", "2014")
    assert (status, DEV.year, Literal("2014", datatype=XSD.gYear)) in g
    outstanding = g.value(status, DEV.principalOutstanding)
    assert (outstanding, DEV.currency, IRIS.code("Currency", "GBP")) in g
    assert (P, DEV.channelCode, IRIS.code("CRSChannelCode", "21039")) in g
    fss = IRIS.child(P, "fss")
    assert set(g.objects(fss, DEV.forecast)) == {IRIS.child(fss, "forecast", y) for y in ("2014", "2015")}
    assert (fss, DEV.phaseoutYear, Literal("2016", datatype=XSD.gYear)) in g
    assert (P, DEV.conditionsAttached, Literal(True)) in g
    condition = IRIS.child(P, "condition", "1", "policy-reform")
    assert (condition, DEV.conditionType, IRIS.code("ConditionType", "1")) in g
    iati_item, own_item = IRIS.child(P, "budget-item", "1", "1.1.1"), IRIS.child(P, "budget-item", "4", "1844")
    assert (iati_item, DEV.budgetIdentifier, IRIS.code("BudgetIdentifier", "1.1.1")) in g
    assert (own_item, DEV.budgetIdentifier, IRIS.publisher_code("CA-3", "BudgetIdentifier", "1844")) in g
    assert (own_item, DEV.budgetIdentifierVocabulary, IRIS.code("BudgetIdentifierVocabulary", "4")) in g
    assert (iati_item, DEV.percentage, Literal("60.0", datatype=XSD.decimal)) in g
