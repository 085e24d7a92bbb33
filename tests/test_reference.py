"""Reference data from the real files: codelists, UN SDG KOS, places, and their graphs."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS

from graph.config import PROJECT_ROOT
from graph.mapping.iris import Iris
from graph.mapping.reference import codelists_graph, places_graph, sdg_graph
from graph.namespaces import SDGO, vocab
from graph.reference import Reference
from graph.sources.codelists import CodelistError, read_codelist, read_extra_codelists

DATA = PROJECT_ROOT / "data"
IRIS = Iris()
DEV = vocab(IRIS.base)


@pytest.fixture(scope="module")
def ref() -> Reference:
    return Reference.load(DATA)


@pytest.fixture(scope="module")
def places(ref):
    return places_graph(ref, IRIS, DEV)


@pytest.fixture(scope="module")
def codelists(ref):
    return codelists_graph(ref, IRIS)


def test_load_is_cached_per_directory(ref):
    assert Reference.load(DATA) is ref
    assert Reference.load(Path(str(DATA) + "/../data")) is ref


# --- codelists ----------------------------------------------------------------------
@pytest.mark.parametrize("name, count", [
    ("ActivityStatus", 6), ("OrganisationRole", 4 + 2), ("Sector", 325), ("SectorCategory", 44), ("Currency", 176),
    ("UNSDG-Goals", 17), ("UNSDG-Targets", 169), ("Region", 26), ("PolicySignificance", 5), ("CollaborationType", 7),
])
def test_codelist_sizes(ref, name, count):
    assert len(ref.codelist(name).items) == count


@pytest.mark.parametrize("codelist, code, expected", [
    ("OrganisationRole", "1", True), ("OrganisationRole", "partner", True), ("OrganisationRole", "reporting", True),
    ("OrganisationRole", "5", False), ("Sector", "15112", True), ("Sector", 15112, True), ("Currency", "PEN", True),
    ("Currency", "XYZ", False), ("AidType", "D01", True), ("FinanceType", "110", True), ("NoSuchList", "1", False),
])
def test_has_code(ref, codelist, code, expected):
    assert ref.has_code(codelist, code) is expected


@pytest.mark.parametrize("codelist, code, label", [
    ("ActivityStatus", "2", "Implementation"),
    ("Sector", "15112", "Decentralisation and support to subnational government"),
    ("FinanceType", "110", "Standard grant"), ("CollaborationType", "2", "Multilateral (inflows)"),
    ("OrganisationRole", "partner", "Partner"), ("Sector", "00000", None),
])
def test_label(ref, codelist, code, label):
    assert ref.label(codelist, code) == label


def test_codes_keep_languages_and_withdrawn_status(ref):
    code = ref.codelist("Sector").items["15112"]
    assert {t.lang for t in code.names} >= {"en", "fr"}
    assert code.category == "151"
    withdrawn = ref.codelist("Sector").items["74010"]
    assert withdrawn.withdrawn and withdrawn.status == "withdrawn"


def test_partial_extra_lists_say_so(ref):
    assert ref.codelist("AidType").complete is False
    assert ref.codelist("CollaborationType").complete is True
    assert ref.codelist("Sector").complete is True


def test_unreadable_codelist_names_the_file(tmp_path):
    bad = tmp_path / "Broken.xml"
    bad.write_text("<codelist><codelist-items><codelist-item>")
    with pytest.raises(CodelistError, match=str(bad)):
        read_codelist(bad)
    other = tmp_path / "Other.xml"
    other.write_text("<iati-activities/>")
    with pytest.raises(CodelistError, match=rf"{other}:1: not an IATI codelist"):
        read_codelist(other)


def test_extra_codelists_need_their_columns(tmp_path):
    bad = tmp_path / "extra.csv"
    bad.write_text("# comment\ncodelist,code\nAidType,D01\n")
    with pytest.raises(CodelistError, match="missing columns name, complete, source"):
        read_extra_codelists(bad)


# --- SDGs ---------------------------------------------------------------------------
def test_sdg_kos_has_17_goals_169_targets_232_indicators(ref):
    iris = set(ref.sdg.values())
    goals = {i for i in iris if i.rsplit("/", 1)[1].isdigit()}
    targets = {i for i in iris if "." in i.rsplit("/", 1)[1]}
    indicators = {i for i in iris if i.rsplit("/", 1)[1].startswith("C")}
    assert (len(goals), len(targets), len(indicators)) == (17, 169, 232)


@pytest.mark.parametrize("code, known, iri", [
    ("16", True, "http://metadata.un.org/sdg/16"),
    ("16.6", True, "http://metadata.un.org/sdg/16.6"),
    ("16.a", True, "http://metadata.un.org/sdg/16.a"),
    ("16.6.1", True, "http://metadata.un.org/sdg/C160601"),
    ("C160601", True, "http://metadata.un.org/sdg/C160601"),
    (" 5 ", True, "http://metadata.un.org/sdg/5"),
    ("18", False, None), ("16.13", False, None), ("16.6.9", False, None),
])
def test_sdg_codes(ref, code, known, iri):
    assert ref.has_sdg(code) is known
    if iri:
        assert ref.sdg_iri(code) == iri


def test_sdg_graph_is_the_un_kos_as_published(ref):
    g = sdg_graph(ref)
    assert len(set(g.subjects(RDF.type, SDGO.Goal))) == 17
    assert (URIRef("http://metadata.un.org/sdg/16.6"), SKOS.broader, URIRef("http://metadata.un.org/sdg/16")) in g


# --- places -------------------------------------------------------------------------
@pytest.mark.parametrize("key, found, kind", [
    ("PE", "PE", "country"), ("pe", "PE", "country"), ("PE-PIU", "PE-PIU", "region"), ("pe-piu", "PE-PIU", "region"),
    ("m49-419", "m49-419", "macro-region"), ("M49-419", "m49-419", "macro-region"),
    ("m49-001", "m49-001", "macro-region"),
    ("group-SIDS", "group-SIDS", "country-group"), ("group-sids", "group-SIDS", "country-group"),
    ("KG-Y-AKSUU", "KG-Y-AKSUU", "district"), ("KG-Y-TEPLOKLYUCHENKA", "KG-Y-TEPLOKLYUCHENKA", "municipality"),
    ("dac-489", "dac-489", "macro-region"), ("XK", "XK", "country"), ("419", None, None), ("Peru", None, None),
])
def test_place_by_key(ref, key, found, kind):
    place = ref.place(key)
    assert (place.key if place else None, place.kind if place else None) == (found, kind)


@pytest.mark.parametrize("text, country, key", [
    ("Piura", "PE", "PE-PIU"), ("piura", "pe", "PE-PIU"),
    ("San Martín", "PE", "PE-SAM"), ("san martin", "PE", "PE-SAM"),
    ("Issyk-Kul", "KG", "KG-Y"), ("Ysyk-Köl", "KG", "KG-Y"), ("Osh", "KG", "KG-O"), ("Osh region", "KG", "KG-O"),
    ("Jalalabad", "KG", "KG-J"), ("Jalal-Abad Oblast", "KG", "KG-J"), ("Naryn", "KG", "KG-N"),
    ("Ak-Suu", "KG", "KG-Y-AKSUU"), ("Teploklyuchenka", "KG", "KG-Y-TEPLOKLYUCHENKA"),
    ("Peru", None, "PE"), ("Latin America and the Caribbean", None, "m49-419"), ("SIDS", None, "group-SIDS"),
    ("Piura", "KG", None), ("Atlantis", "PE", None),
])
def test_find_place_by_name(ref, text, country, key):
    place = ref.find_place(text, country)
    assert (place.key if place else None) == key


def test_ancestors_of_a_region_reach_the_world(ref):
    assert ref.ancestors("PE-PIU") == ["PE", "m49-005", "m49-419", "m49-019", "m49-001"]
    assert ref.ancestors("KG-Y-TEPLOKLYUCHENKA")[:3] == ["KG-Y-AKSUU", "KG-Y", "KG"]
    assert "m49-143" in ref.ancestors("KG")
    assert ref.ancestors("dac-1032") == ["dac-389", "dac-498"]


def test_group_membership_is_not_containment(ref):
    assert "group-LLDC" in ref.place("PY").groups
    assert "group-LLDC" not in ref.ancestors("PY")


@pytest.mark.parametrize("group, members, non_members", [
    ("group-LLDC", {"PY", "BO", "KG", "AF"}, {"PE", "DM"}),
    ("group-SIDS", {"DM", "DO", "JM", "SG"}, {"PE", "PY"}),
    ("group-LDC", {"HT", "AF"}, {"PE", "BT"}),  # Bhutan left the LDCs in 2023
])
def test_country_groups(ref, group, members, non_members):
    assert all(group in ref.place(m).groups for m in members)
    assert not any(group in ref.place(m).groups for m in non_members)


def test_every_iso_country_and_subdivision_is_a_place(ref):
    import pycountry

    assert all(c.alpha_2 in ref.places for c in pycountry.countries)
    assert all(s.code in ref.places for s in pycountry.subdivisions)


# --- graphs -------------------------------------------------------------------------
def test_places_graph_links_and_types(places):
    pe, piu = IRIS.place("PE"), IRIS.place("PE-PIU")
    assert (pe, SKOS.exactMatch, URIRef("http://www.wikidata.org/entity/Q419")) in places
    assert (pe, SKOS.exactMatch, URIRef("https://sws.geonames.org/3932488/")) in places
    assert (pe, RDF.type, DEV.Country) in places
    assert (pe, DEV.iso3166Code, Literal("PE")) in places
    assert (pe, DEV.m49Code, Literal("604")) in places
    assert (piu, RDF.type, DEV.Region) in places
    assert set(places.objects(piu, DEV.withinPlace)) == {pe}  # direct parents only
    assert (IRIS.place("PY"), DEV.memberOfGroup, IRIS.place("group-LLDC")) in places
    assert (IRIS.place("group-LLDC"), RDF.type, DEV.CountryGroup) in places
    assert (IRIS.place("m49-419"), RDF.type, DEV.MacroRegion) in places
    assert (IRIS.place("KG-Y-TEPLOKLYUCHENKA"), RDF.type, DEV.Municipality) in places
    assert (IRIS.place("KG-Y-AKSUU"), RDF.type, DEV.District) in places


def test_codelists_graph_is_skos(codelists, ref):
    scheme, concept = IRIS.scheme("Sector"), IRIS.code("Sector", "15112")
    assert (scheme, RDF.type, SKOS.ConceptScheme) in codelists
    assert (concept, SKOS.notation, Literal("15112")) in codelists
    assert (concept, SKOS.inScheme, scheme) in codelists
    assert (concept, SKOS.broader, IRIS.code("SectorCategory", "151")) in codelists
    assert {label.language for label in codelists.objects(concept, SKOS.prefLabel)} >= {"en", "fr"}
    assert (IRIS.code("Sector", "74010"), OWL.deprecated, Literal(True)) in codelists
    assert (IRIS.code("UNSDG-Targets", "16.6"), SKOS.exactMatch, URIRef("http://metadata.un.org/sdg/16.6")) in codelists
    partner = IRIS.code("OrganisationRole", "partner")
    assert (partner, SKOS.inScheme, IRIS.scheme("OrganisationRole")) in codelists
    assert "devkg" in str(codelists.value(partner, DCTERMS.source))
    assert codelists.value(partner, SKOS.definition) is not None
    concepts = set(codelists.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) == sum(len(cl.items) for cl in ref.codelists.values())


def test_graphs_are_copies(ref):
    g = codelists_graph(ref, IRIS)
    g.remove((None, None, None))
    assert len(codelists_graph(ref, IRIS)) > 0


def test_reference_is_loaded_once_per_data_directory(ref):
    """Every stage asks for the reference data; the files are parsed once (Reference.load is cached)."""
    assert Reference.load(DATA) is ref
