"""IATI files through the whole pipeline: what the XML says is what the graph answers.

Counts are taken independently from the XML with lxml and compared with SPARQL
counts over the built store, so a reader or mapper that drops elements fails.
"""

from __future__ import annotations

import pytest
from lxml import etree
from seedlib import IATI_DIR, PUBLISHER_FILES

DEV = "https://w3id.org/devkg/def#"


@pytest.fixture(scope="module")
def count(iati_settings):
    from graph.store import open_live

    store = open_live(iati_settings.store)

    def run(where: str, graph: str | None = None) -> int:
        q = f"PREFIX dev: <{DEV}> SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"
        return int(next(iter(store.query(q)))["n"].value)

    return run


def xml_count(filename: str, xpath: str) -> int:
    return int(etree.parse(str(IATI_DIR / filename)).xpath(f"count({xpath})"))


def test_every_iom_activity_is_a_project(count):
    iom = xml_count("iom-577-activities-2.03.xml", "//iati-activity")
    assert iom == 577
    total = sum(xml_count(f, "//iati-activity") for f in PUBLISHER_FILES)
    curated = 5
    assert count("?p a dev:Project") == total + curated


@pytest.mark.parametrize("xpath, pattern", [
    ("//iati-activity/transaction", "?p dev:transaction ?t"),
    ("//iati-activity/budget", "?p dev:budget ?b"),
    ("//iati-activity/planned-disbursement", "?p dev:plannedDisbursement ?d"),
    ("//iati-activity/result", "?p dev:result ?r"),
    ("//iati-activity/result/indicator", "?r dev:indicator ?i"),
])
def test_counts_match_the_xml(count, xpath, pattern):
    expected = sum(xml_count(f, xpath) for f in PUBLISHER_FILES)
    # curated projects add their own results; compare IATI sources only
    scoped = f"GRAPH ?g {{ {pattern} }} FILTER STRSTARTS(STR(?g), 'https://w3id.org/devkg/graph/source/iati/')"
    assert count(scoped) == expected


def test_participations_match_distinct_org_roles_in_the_xml(count):
    """Each participating-org (plus the reporting-org) is one participation, unless a file repeats one.

    A mention without @ref whose name the file also uses with exactly one @ref is that
    organisation (docs/terms.md), so it repeats the participation rather than adding one.
    """
    from graph.mapping.iris import slug

    expected = 0
    for f in PUBLISHER_FILES:
        tree = etree.parse(str(IATI_DIR / f))
        refs: dict[str, set] = {}
        for el in tree.iter("participating-org", "reporting-org", "provider-org", "receiver-org"):
            for n in el.findall("narrative"):
                if el.get("ref") and n.text:
                    refs.setdefault(slug(n.text), set()).add(el.get("ref").strip())

        def key(po):
            name = (po.findtext("narrative") or "").strip()
            found = refs.get(slug(name), set()) if name else set()
            return po.get("ref") or (next(iter(found)) if len(found) == 1 else name)

        for act in tree.iter("iati-activity"):
            keys = {(po.get("role"), key(po)) for po in act.findall("participating-org")}
            if act.find("reporting-org") is not None:
                keys.add(("reporting", act.find("reporting-org").get("ref")))
            expected += len({k for k in keys if k[1]})
    scoped = ("GRAPH ?g { ?p dev:participation ?x } "
              "FILTER STRSTARTS(STR(?g), 'https://w3id.org/devkg/graph/source/iati/')")
    assert count(scoped) == expected


def test_sector_shares_match_the_xml(count):
    expected = sum(xml_count(f, "//iati-activity/sector") for f in PUBLISHER_FILES)
    scoped = ("GRAPH ?g { ?p dev:sectorShare ?x } "
              "FILTER STRSTARTS(STR(?g), 'https://w3id.org/devkg/graph/source/iati/')")
    assert count(scoped) == expected


def test_organisations_are_merged_across_files(count):
    """IOM (XM-DAC-47066) reports 577 activities and is still one resource."""
    assert count("<https://w3id.org/devkg/id/org/XM-DAC-47066> a dev:Organisation") == 1
    assert count("?p dev:reportedBy <https://w3id.org/devkg/id/org/XM-DAC-47066>") == 577



def test_one_organisation_under_three_names_gets_one_label(count):
    """IOM's file names XM-DAC-47066 three ways; it is one organisation with one label and two alternatives."""
    xml_names = set()
    for el in etree.parse(str(IATI_DIR / "iom-577-activities-2.03.xml")).iter("participating-org", "reporting-org"):
        if el.get("ref") == "XM-DAC-47066":
            xml_names.update(n.text.strip() for n in el.iter("narrative") if n.text)
    assert len(xml_names) == 3
    iom = "<https://w3id.org/devkg/id/org/XM-DAC-47066>"
    assert count(f"{iom} <http://www.w3.org/2000/01/rdf-schema#label> ?l") == 1
    assert count(f"{iom} <http://www.w3.org/2004/02/skos/core#altLabel> ?l") == 2
    assert count(f"{iom} <http://www.w3.org/2000/01/rdf-schema#label> "
                 "'International Organization for Migration (IOM)'@en") == 1  # the name it reports under


def test_a_name_used_with_an_identifier_in_the_same_file_is_that_organisation(count):
    """IOM's file also names "IOM Development Fund" without @ref: that is XM-DAC-47066, not a second org."""
    assert count("<https://w3id.org/devkg/id/org/iom-development-fund> ?p ?o") == 0


def test_who_funds_what_has_one_row_per_project_and_funder(count):
    """One label per language: the example queries' English-or-untagged filter gives one row per funder."""
    rows = count("?p dev:fundedBy ?f OPTIONAL { ?f <http://www.w3.org/2000/01/rdf-schema#label> ?name "
                 "FILTER(langMatches(lang(?name), 'en') || lang(?name) = '') }")
    pairs = count("{ SELECT DISTINCT ?p ?f WHERE { ?p dev:fundedBy ?f } }")
    assert rows == pairs > 500


def test_budgets_without_type_or_status_are_original_and_indicative(count):
    """IATI's defaults: every budget line is typed, so filtering on original budgets finds the NL file's lines."""
    files = PUBLISHER_FILES
    untyped = sum(xml_count(f, "//iati-activity/budget[not(@type)]") for f in files)
    original = sum(xml_count(f, "//iati-activity/budget[not(@type) or @type='1']") for f in files)
    indicative = sum(xml_count(f, "//iati-activity/budget[not(@status) or @status='1']") for f in files)
    assert xml_count("nl-mfa-13-activities-2.03.xml", "//iati-activity/budget[not(@type)]") == 13
    iati = "FILTER STRSTARTS(STR(?g), 'https://w3id.org/devkg/graph/source/iati/')"
    assert count(f"GRAPH ?g {{ ?b dev:budgetType <https://w3id.org/devkg/id/codelist/BudgetType/1> }} "
                 f"{iati}") == original
    assert count(f"GRAPH ?g {{ ?b dev:budgetStatus <https://w3id.org/devkg/id/codelist/BudgetStatus/1> }} "
                 f"{iati}") == indicative
    assert count(f"GRAPH ?g {{ ?b a dev:Budget ; dev:defaultApplied dev:budgetType }} {iati}") == untyped


@pytest.mark.parametrize("element, attribute, prop", [
    ("flow-type", "default-flow-type", "flowType"),
    ("finance-type", "default-finance-type", "financeType"),
    ("tied-status", "default-tied-status", "tiedStatus"),
])
def test_transactions_have_their_own_classification_or_the_activitys(count, element, attribute, prop):
    own = sum(xml_count(f, f"//iati-activity/transaction[{element}]") for f in PUBLISHER_FILES)
    inherited = sum(xml_count(f, f"//iati-activity[{attribute}]/transaction[not({element})]") for f in PUBLISHER_FILES)
    assert own + inherited > 0
    iati = "FILTER STRSTARTS(STR(?g), 'https://w3id.org/devkg/graph/source/iati/')"
    assert count(f"GRAPH ?g {{ ?t a dev:Transaction ; dev:{prop} ?c }} {iati}") == own + inherited
    assert count(f"GRAPH ?g {{ ?t a dev:Transaction ; dev:defaultApplied dev:{prop} }} {iati}") == inherited


def test_transactions_inherit_the_humanitarian_flag(count):
    own = sum(xml_count(f, "//iati-activity/transaction[@humanitarian]") for f in PUBLISHER_FILES)
    inherited = sum(xml_count(f, "//iati-activity[@humanitarian]/transaction[not(@humanitarian)]")
                    for f in PUBLISHER_FILES)
    assert count("?t a dev:Transaction ; dev:humanitarian ?h") == own + inherited


def test_planned_disbursements_keep_period_amount_and_are_not_budgets(count):
    expected = sum(xml_count(f, "//iati-activity/planned-disbursement") for f in PUBLISHER_FILES)
    assert expected > 0
    assert count("?d a dev:PlannedDisbursement ; dev:periodStart ?s ; dev:amount/dev:value ?v") == expected
    assert count("?d a dev:PlannedDisbursement, dev:Budget") == 0  # the reasoner must not make them budget lines


IATI_GRAPHS = "FILTER STRSTARTS(STR(?g), 'https://w3id.org/devkg/graph/source/iati/')"


def iati_count(count, pattern: str) -> int:
    return count(f"GRAPH ?g {{ {pattern} }} {IATI_GRAPHS}")


@pytest.mark.parametrize("xpath, pattern", [
    # who gives and who gets the money of a planned disbursement, and from/to which activity
    ("//iati-activity/planned-disbursement/provider-org[@ref or narrative]",
     "?d a dev:PlannedDisbursement ; dev:providerOrg ?o"),
    ("//iati-activity/planned-disbursement/receiver-org[@ref or narrative]",
     "?d a dev:PlannedDisbursement ; dev:receiverOrg ?o"),
    ("//iati-activity/planned-disbursement/provider-org[normalize-space(@provider-activity-id)]",
     "?d a dev:PlannedDisbursement ; dev:providerActivityIdentifier ?a"),
    ("//iati-activity/planned-disbursement/receiver-org[normalize-space(@receiver-activity-id)]",
     "?d a dev:PlannedDisbursement ; dev:receiverActivityIdentifier ?a"),
    ("//iati-activity/transaction/provider-org[normalize-space(@provider-activity-id)]",
     "?t a dev:Transaction ; dev:providerActivityIdentifier ?a"),
    ("//iati-activity/transaction/receiver-org[normalize-space(@receiver-activity-id)]",
     "?t a dev:Transaction ; dev:receiverActivityIdentifier ?a"),
    # a transaction's own sector and places
    ("//iati-activity/transaction/sector", "?t a dev:Transaction ; dev:transactionSector ?s"),
    ("//iati-activity/transaction/recipient-country", "?t a dev:Transaction ; dev:transactionCountry ?c"),
    ("//iati-activity/transaction/recipient-region", "?t a dev:Transaction ; dev:transactionRegion ?r"),
    # document links inside results (only the first baseline, target and actual are read)
    ("//iati-activity/result/document-link", "?r a dev:Result ; dev:documentLink ?d"),
    ("//iati-activity/result/indicator/document-link", "?i a dev:Indicator ; dev:documentLink ?d"),
    ("//iati-activity/result/indicator/baseline[1]/document-link", "?i dev:baselineDocument ?d"),
    ("//iati-activity/result/indicator/period/target[1]/document-link", "?p dev:targetDocument ?d"),
    ("//iati-activity/result/indicator/period/actual[1]/document-link", "?p dev:actualDocument ?d"),
    # crs-add, fss, conditions, country-budget-items
    ("//iati-activity/crs-add/other-flags", "?p dev:otherFlag ?f . ?f dev:flag ?c ; dev:significant ?s"),
    ("//iati-activity/crs-add/loan-terms", "?p dev:loanTerms ?l"),
    ("//iati-activity/crs-add/loan-status", "?p dev:loanStatus [ dev:year ?y ]"),
    ("//iati-activity/crs-add/loan-status/*", "?p dev:loanStatus/(dev:interestReceived|dev:principalOutstanding|"
                                              "dev:principalArrears|dev:interestArrears)/dev:value ?v"),
    ("//iati-activity/crs-add/channel-code", "?p dev:channelCode ?c"),
    ("//iati-activity/fss", "?p dev:forwardSpendingSurvey [ dev:extractionDate ?d ]"),
    ("//iati-activity/fss/forecast",
     "?p dev:forwardSpendingSurvey/dev:forecast [ dev:year ?y ; dev:amount/dev:value ?v ]"),
    ("//iati-activity/conditions", "?p dev:conditionsAttached ?a"),
    ("//iati-activity/conditions[@attached='0' or @attached='false']", "?p dev:conditionsAttached false"),
    ("//iati-activity/conditions/condition", "?p dev:condition [ dev:conditionType ?t ]"),
    ("//iati-activity/conditions/condition/narrative", "?p dev:condition/dev:description ?text"),
    ("//iati-activity/country-budget-items/budget-item",
     "?p dev:countryBudgetItem [ dev:budgetIdentifier ?c ; dev:budgetIdentifierVocabulary ?v ]"),
    # activity-date narratives: one note per narrative, beside the date of the same type
    ("//iati-activity/activity-date[@type][normalize-space(@iso-date)]/narrative[normalize-space()]",
     "VALUES ?note { dev:plannedStartDateNote dev:actualStartDateNote dev:plannedEndDateNote dev:actualEndDateNote } "
     "?p ?note ?text"),
])
def test_every_element_is_in_the_graph(count, xpath, pattern):
    expected = sum(xml_count(f, xpath) for f in PUBLISHER_FILES)
    assert expected > 0, xpath  # each pattern is exercised by at least one real file
    assert iati_count(count, pattern) == expected


def test_iati_identifiers_are_stated_for_iati_projects_and_not_for_minted_ones(count):
    activities = sum(xml_count(f, "//iati-activity") for f in PUBLISHER_FILES)
    assert iati_count(count, "?p a dev:Project ; dev:iatiIdentifier ?i FILTER EXISTS { ?p dev:identifier ?i }") \
        == activities
    # the curated seeds: CA-3-A034224001 states an IATI identifier, the four others' are minted by devkg
    curated = "FILTER STRSTARTS(STR(?g), 'https://w3id.org/devkg/graph/source/curated/')"
    assert count(f"GRAPH ?g {{ ?p a dev:Project ; dev:iatiIdentifier ?i }} {curated}") == 1
    assert count(f"GRAPH ?g {{ ?p a dev:Project FILTER NOT EXISTS {{ ?p dev:iatiIdentifier ?i }} }} {curated}") == 4


def xml_values(filename: str, xpath: str) -> list[str]:
    return sorted(str(v).strip() for v in etree.parse(str(IATI_DIR / filename)).xpath(xpath))


def graph_values(iati_settings, query: str) -> list[str]:
    from graph.store import open_live

    rows = open_live(iati_settings.store).query(f"PREFIX dev: <{DEV}> {query}")
    return sorted(str(row[0].value) for row in rows)


EXAMPLE_FILE = "iati-standard-example-annotated-2.03.xml"
EXAMPLE_PROJECT = "<https://w3id.org/devkg/id/project/AA-AAA-123456789-ABC123>"


@pytest.mark.parametrize("xpath, query", [
    ("//crs-add/loan-terms/@rate-1 | //crs-add/loan-terms/@rate-2",
     f"SELECT ?v WHERE {{ {EXAMPLE_PROJECT} dev:loanTerms [ dev:interestRate1|dev:interestRate2 ?v ] }}"),
    ("//crs-add/loan-terms/*[@iso-date]/@iso-date",
     f"SELECT ?d WHERE {{ {EXAMPLE_PROJECT} dev:loanTerms [ dev:commitmentDate|dev:repaymentFirstDate|"
     "dev:repaymentFinalDate ?d ] }"),
    ("//crs-add/loan-terms/repayment-type/@code | //crs-add/loan-terms/repayment-plan/@code",
     f"SELECT ?n WHERE {{ {EXAMPLE_PROJECT} dev:loanTerms [ dev:repaymentType|dev:repaymentPlan ?c ] . "
     "BIND(REPLACE(STR(?c), '^.*/', '') AS ?n) }"),
    ("//crs-add/loan-status/*/text()",
     f"SELECT ?v WHERE {{ {EXAMPLE_PROJECT} dev:loanStatus/(dev:interestReceived|dev:principalOutstanding|"
     "dev:principalArrears|dev:interestArrears)/dev:value ?v }"),
    ("//fss/forecast/text()",
     f"SELECT ?v WHERE {{ {EXAMPLE_PROJECT} dev:forwardSpendingSurvey/dev:forecast/dev:amount/dev:value ?v }}"),
    ("//fss/forecast/@currency",
     f"SELECT ?n WHERE {{ {EXAMPLE_PROJECT} dev:forwardSpendingSurvey/dev:forecast/dev:amount/dev:currency ?c . "
     "BIND(REPLACE(STR(?c), '^.*/', '') AS ?n) }"),
    ("//country-budget-items/budget-item/@code",
     f"SELECT ?n WHERE {{ {EXAMPLE_PROJECT} dev:countryBudgetItem/dev:budgetIdentifier ?c . "
     "BIND(REPLACE(STR(?c), '^.*/', '') AS ?n) }"),
    ("//conditions/condition/narrative/text()",
     f"SELECT ?t WHERE {{ {EXAMPLE_PROJECT} dev:condition/dev:description ?t }}"),
    ("//transaction/provider-org/@provider-activity-id | //planned-disbursement/provider-org/@provider-activity-id",
     f"SELECT ?a WHERE {{ {EXAMPLE_PROJECT} (dev:transaction|dev:plannedDisbursement)/"
     "dev:providerActivityIdentifier ?a }"),
    ("//result//document-link/@url",
     f"SELECT ?u WHERE {{ {EXAMPLE_PROJECT} dev:result/(dev:documentLink|dev:indicator/(dev:documentLink|"
     "dev:baselineDocument|dev:period/(dev:targetDocument|dev:actualDocument)))/dev:url ?u }"),
])
def test_the_annotated_examples_values_are_the_graphs(iati_settings, xpath, query):
    from decimal import Decimal

    def norm(values):
        return sorted(str(Decimal(v).normalize()) if v.replace(".", "").isdigit() else v for v in values)

    expected = xml_values(EXAMPLE_FILE, xpath)
    assert expected
    assert norm(graph_values(iati_settings, query)) == norm(expected)


def test_result_documents_are_project_documents_after_reasoning(count):
    """dev:baselineDocument, dev:targetDocument and dev:actualDocument are sub-properties of dev:documentLink."""
    linked = iati_count(count, "?x dev:baselineDocument|dev:targetDocument|dev:actualDocument ?d")
    assert linked > 0
    assert count("?x dev:baselineDocument|dev:targetDocument|dev:actualDocument ?d . ?x dev:documentLink ?d") == linked
    assert count("?d a dev:DocumentLink . ?x dev:documentLink ?d . ?x a dev:Project, dev:Indicator") == 0
