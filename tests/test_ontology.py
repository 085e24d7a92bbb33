"""The devkg ontology: complete against docs/terms.md, documented, self-contained, and reasoning as promised.

The reasoner only ever sees `ontology/devkg.ttl`; the alignments are published beside it. These
tests pin both halves of that contract: the core file keeps to devkg's own terms, and the
alignment files only say things about devkg terms.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
CORE = ONTOLOGY_DIR / "devkg.ttl"
ALIGNMENTS = sorted((ONTOLOGY_DIR / "alignments").glob("*.ttl"))
TERMS_MD = ROOT / "docs" / "terms.md"

DEV = Namespace("https://w3id.org/devkg/def#")
ONTOLOGY_IRI = URIRef("https://w3id.org/devkg/def")
SDG = Namespace("http://metadata.un.org/sdg/")
SDGO = Namespace("http://metadata.un.org/sdg/ontology#")
ID = Namespace("https://w3id.org/devkg/id/")
CC_BY_4 = URIRef("https://creativecommons.org/licenses/by/4.0/")
# rdflib's XSD namespace object trips pytest's collection (it warns on unknown attributes); spell it out.
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
TERM_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
AXIOM_PREDICATES = {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.inverseOf,
                    OWL.equivalentClass, OWL.equivalentProperty, OWL.propertyChainAxiom, OWL.sameAs,
                    OWL.disjointWith}
# Namespaces the core file may point its axioms at: its own, RDF(S)/OWL/XSD, SKOS and the UN SDG classes.
CORE_AXIOM_NAMESPACES = (str(DEV), str(RDFS), str(RDF), str(OWL), XSD_NS, str(SKOS), str(SDGO))
FOREIGN_IN_CORE = ("https://schema.org/", "http://schema.org/", "http://data.europa.eu/s66#")


@lru_cache(maxsize=None)
def parse(path: Path) -> Graph:
    g = Graph()
    g.parse(path, format="turtle")
    return g


def core() -> Graph:
    return parse(CORE)


def dev_subjects(g: Graph) -> set[URIRef]:
    return {s for s in g.subjects() if isinstance(s, URIRef) and s.startswith(str(DEV))}


def doc_tables() -> list[list[list[str]]]:
    """Each markdown table of docs/terms.md as rows of cells (header and rule lines dropped)."""
    tables, current = [], []
    for line in TERMS_MD.read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("-: "):
                current.append(cells)
        elif current:
            tables.append(current[1:])  # drop the header row
            current = []
    if current:
        tables.append(current[1:])
    return tables


def doc_terms() -> list[str]:
    """Every `dev:` name in the first column of any table in docs/terms.md."""
    names = []
    for table in doc_tables():
        for row in table:
            names += [n for n in re.findall(r"dev:(\w+)", row[0]) if n not in names]
    return names


def doc_object_property_rows() -> list[tuple[str, str, str]]:
    """(local name, domain text, range text) for every `domain → range` row in docs/terms.md."""
    rows = []
    for table in doc_tables():
        for row in table:
            if len(row) > 1 and "→" in row[1]:
                domain, _, rng = (part.strip() for part in row[1].partition("→"))
                rows += [(n, domain, rng) for n in re.findall(r"dev:(\w+)", row[0])]
    return rows


def extended_in_docs() -> set[str]:
    """Terms the docs say are 'also on' other classes, whose domain therefore stays open."""
    return {n for table in doc_tables() for row in table if len(row) > 1 and row[1].startswith("also on")
            for n in re.findall(r"dev:(\w+)", row[0])}


def expected_class(text: str) -> URIRef | None:
    """The IRI a single class name in the docs stands for, or None when the cell is not one class."""
    if text.startswith("skos:"):
        return SKOS[text[5:]]
    if text.startswith("sdgo:"):
        return SDGO[text[5:]]
    if re.fullmatch(r"[A-Z]\w+", text):
        return DEV[text]
    return None


# --- every file parses -------------------------------------------------------------------------

@pytest.mark.parametrize("path", [CORE, *ALIGNMENTS], ids=lambda p: p.name)
def test_ontology_file_parses_as_turtle(path: Path) -> None:
    assert len(parse(path)) > 0


def test_alignments_exist_for_the_promised_vocabularies() -> None:
    names = {p.stem for p in ALIGNMENTS}
    assert {"eurio", "org", "schema", "foaf", "prov", "dcterms"} <= names


# --- the core header and term documentation ---------------------------------------------------

def test_core_header_has_version_licence_dates_and_namespace() -> None:
    g = core()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g
    assert (ONTOLOGY_IRI, OWL.versionIRI, URIRef("https://w3id.org/devkg/def/0.1.0")) in g
    assert (ONTOLOGY_IRI, DCTERMS.license, CC_BY_4) in g
    assert g.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    assert g.value(ONTOLOGY_IRI, DCTERMS.title) is not None
    assert g.value(ONTOLOGY_IRI, DCTERMS.description) is not None
    assert g.value(ONTOLOGY_IRI, DCTERMS.creator) == Literal("devkg contributors")
    for p in (DCTERMS.created, DCTERMS.modified):
        assert g.value(ONTOLOGY_IRI, p) == Literal("2026-11-24", datatype=URIRef(XSD_NS + "date"))
    vann = Namespace("http://purl.org/vocab/vann/")
    assert g.value(ONTOLOGY_IRI, vann.preferredNamespacePrefix) == Literal("dev")
    assert str(g.value(ONTOLOGY_IRI, vann.preferredNamespaceUri)) == str(DEV)


@pytest.mark.parametrize("term", sorted(dev_subjects(parse(CORE))), ids=lambda t: t[len(str(DEV)):])
def test_core_term_has_english_label_definition_and_is_defined_by(term: URIRef) -> None:
    g = core()
    labels = list(g.objects(term, RDFS.label))
    definitions = list(g.objects(term, SKOS.definition))
    assert any(isinstance(x, Literal) and x.language == "en" for x in labels), f"{term}: no rdfs:label@en"
    assert any(isinstance(d, Literal) and d.language == "en" and len(d) >= 20 for d in definitions), \
        f"{term}: no useful skos:definition@en"
    assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in g
    assert len(set(g.objects(term, RDF.type)) & TERM_TYPES) == 1, f"{term}: not exactly one of {TERM_TYPES}"


@pytest.mark.parametrize("name", doc_terms())
def test_every_documented_term_is_declared_in_core(name: str) -> None:
    g = core()
    assert set(g.objects(DEV[name], RDF.type)) & TERM_TYPES, f"dev:{name} (docs/terms.md) not declared in devkg.ttl"


def test_docs_tables_yield_the_whole_vocabulary() -> None:
    """Guards the markdown parsing above: if the docs layout changes, the completeness test must not pass vacuously."""
    names = doc_terms()
    assert len(names) > 120
    assert {"Project", "location", "withinPlace", "path", "documentDate", "tiedStatus",
            "organisationName"} <= set(names)


@pytest.mark.parametrize("name,domain,rng", doc_object_property_rows(), ids=lambda v: str(v))
def test_core_domain_and_range_follow_docs(name: str, domain: str, rng: str) -> None:
    g = core()
    want_domain = None if name in extended_in_docs() else expected_class(domain)
    if want_domain is not None:
        assert set(g.objects(DEV[name], RDFS.domain)) == {want_domain}
    elif "/" in domain:  # several classes: deliberately no domain (a union is outside OWL RL)
        assert not set(g.objects(DEV[name], RDFS.domain))
    want_range = expected_class(rng)
    if want_range is not None:
        assert set(g.objects(DEV[name], RDFS.range)) == {want_range}


@pytest.mark.parametrize("name,parent", [
    ("Country", "Place"), ("Region", "Place"), ("District", "Place"), ("Municipality", "Place"),
    ("MacroRegion", "Place"), ("CountryGroup", "Place"),
])
def test_place_classes_are_subclasses_of_place(name: str, parent: str) -> None:
    assert (DEV[name], RDFS.subClassOf, DEV[parent]) in core()


@pytest.mark.parametrize("name,parent", [
    ("fundedBy", "participatingOrg"), ("accountableOrg", "participatingOrg"),
    ("extendingOrg", "participatingOrg"), ("implementedBy", "participatingOrg"),
    ("reportedBy", "participatingOrg"), ("partnerOrg", "participatingOrg"),
    ("recipientCountry", "location"), ("recipientRegion", "location"),
    ("sdgGoal", "addressesSDG"), ("sdgTarget", "addressesSDG"), ("sdgIndicator", "addressesSDG"),
])
def test_shortcut_is_subproperty_of_general_property(name: str, parent: str) -> None:
    assert (DEV[name], RDFS.subPropertyOf, DEV[parent]) in core()


@pytest.mark.parametrize("name", ["location", "addressesSDG", "fundedBy", "totalBudget"])
def test_key_shortcuts_carry_a_sparql_hint(name: str) -> None:
    g = core()
    hints = [str(o) for p in (SKOS.example, RDFS.comment) for o in g.objects(DEV[name], p)]
    assert any(f"dev:{name}" in h for h in hints)


# --- what the core may and may not say --------------------------------------------------------

def test_core_mentions_no_schema_org_or_eurio_iri() -> None:
    bad = {n for t in core() for n in t if isinstance(n, URIRef) and str(n).startswith(FOREIGN_IN_CORE)}
    assert not bad


def test_core_axioms_point_only_at_devkg_skos_and_sdg_terms() -> None:
    """Anything touching other vocabularies belongs in alignments/, out of the reasoner's sight."""
    g = core()
    outside = []
    for s, p, o in g:
        if p not in AXIOM_PREDICATES:
            continue
        nodes = list(g.items(o)) if p == OWL.propertyChainAxiom else [o]
        outside += [(s, p, n) for n in (s, *nodes)
                    if not isinstance(n, BNode) and not str(n).startswith(CORE_AXIOM_NAMESPACES)]
    assert not outside


def test_core_declares_transitivity_chains_and_inverse() -> None:
    g = core()
    assert (DEV.withinPlace, RDF.type, OWL.TransitiveProperty) in g
    assert list(g.items(g.value(DEV.location, OWL.propertyChainAxiom))) == [DEV.location, DEV.withinPlace]
    assert list(g.items(g.value(DEV.addressesSDG, OWL.propertyChainAxiom))) == [DEV.addressesSDG, SKOS.broader]
    assert (DEV.participatesIn, OWL.inverseOf, DEV.participatingOrg) in g


def test_core_does_not_declare_organisation_role_concepts() -> None:
    """devkg's `reporting` and `partner` roles are codelist data, not vocabulary."""
    assert not any(str(s).startswith(str(ID)) for s in core().subjects())


# --- alignments -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ALIGNMENTS, ids=lambda p: p.name)
def test_alignment_has_own_header_and_imports_nothing(path: Path) -> None:
    g = parse(path)
    headers = list(g.subjects(RDF.type, OWL.Ontology))
    assert len(headers) == 1
    header = headers[0]
    assert header != ONTOLOGY_IRI and str(header).startswith("https://w3id.org/devkg/def/alignments/")
    assert "alignment" in str(g.value(header, DCTERMS.title)).lower()
    assert (header, DCTERMS.license, CC_BY_4) in g
    assert g.value(header, OWL.versionIRI) is not None
    assert g.value(header, OWL.versionInfo) is not None
    assert not list(g.objects(None, OWL.imports))


@pytest.mark.parametrize("path", ALIGNMENTS, ids=lambda p: p.name)
def test_alignment_only_says_things_about_devkg_terms(path: Path) -> None:
    g = parse(path)
    header = g.value(None, RDF.type, OWL.Ontology)
    foreign = {s for s in g.subjects() if s != header and not (isinstance(s, URIRef) and s.startswith(str(DEV)))}
    assert not foreign


@pytest.mark.parametrize("path", ALIGNMENTS, ids=lambda p: p.name)
def test_alignment_relates_only_terms_the_core_declares(path: Path) -> None:
    declared = dev_subjects(core())
    assert dev_subjects(parse(path)) <= declared
    assert {o for o in parse(path).objects() if isinstance(o, URIRef) and o.startswith(str(DEV))} <= declared


@pytest.mark.parametrize("path", ALIGNMENTS, ids=lambda p: p.name)
def test_alignment_uses_only_subclass_and_subproperty(path: Path) -> None:
    g = parse(path)
    header = g.value(None, RDF.type, OWL.Ontology)
    predicates = {p for s, p, _ in g if s != header}
    assert predicates <= {RDFS.subClassOf, RDFS.subPropertyOf}


def test_schema_alignment_specialises_project_but_never_equates_it() -> None:
    g = parse(ONTOLOGY_DIR / "alignments" / "schema.ttl")
    schema = Namespace("https://schema.org/")
    assert (DEV.Project, RDFS.subClassOf, schema.Project) in g
    assert (DEV.Project, RDFS.subClassOf, schema.Organization) not in g


# --- reasoning --------------------------------------------------------------------------------

PIURA, PERU, SOUTH_AMERICA, LATAM = ID["place/PE-PIU"], ID["place/PE"], ID["place/m49-005"], ID["place/m49-419"]
PARAGUAY, LLDC = ID["place/PY"], ID["place/m49-lldc"]
PROJECT, OTHER = ID["project/XM-TEST-1"], ID["project/XM-TEST-2"]
FUNDER = ID["org/XM-FUNDER"]
SECTOR, SECTOR_CATEGORY = ID["codelist/Sector/15112"], ID["codelist/SectorCategory/151"]


def instances() -> Graph:
    g = Graph()
    for s, p, o in [
        (PROJECT, RDF.type, DEV.Project),
        (PROJECT, DEV.location, PIURA),
        (PIURA, DEV.withinPlace, PERU),
        (PERU, DEV.withinPlace, SOUTH_AMERICA),
        (SOUTH_AMERICA, DEV.withinPlace, LATAM),
        (PROJECT, DEV.sdgTarget, SDG["16.6"]),
        (SDG["16.6"], SKOS.broader, SDG["16"]),
        (PROJECT, DEV.fundedBy, FUNDER),
        (PROJECT, DEV.sector, SECTOR),
        (SECTOR, SKOS.broader, SECTOR_CATEGORY),
        (OTHER, DEV.recipientCountry, PARAGUAY),
        (PARAGUAY, DEV.memberOfGroup, LLDC),
        (OTHER, DEV.sdgGoal, SDG["16"]),
    ]:
        g.add((s, p, o))
    return g


@pytest.fixture(scope="module")
def reasoned() -> Graph:
    import owlrl

    g = Graph()
    g += core()
    g += instances()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    return g


@pytest.mark.parametrize("triple", [
    (PROJECT, DEV.location, PERU),
    (PROJECT, DEV.location, SOUTH_AMERICA),
    (PROJECT, DEV.location, LATAM),
    (PIURA, DEV.withinPlace, LATAM),
    (PROJECT, DEV.addressesSDG, SDG["16.6"]),
    (PROJECT, DEV.addressesSDG, SDG["16"]),
    (PROJECT, DEV.participatingOrg, FUNDER),
    (FUNDER, DEV.participatesIn, PROJECT),
    (FUNDER, RDF.type, DEV.Organisation),
    (PIURA, RDF.type, DEV.Place),
    (SDG["16.6"], RDF.type, SDGO.Target),
    (OTHER, DEV.location, PARAGUAY),
    (PARAGUAY, RDF.type, DEV.Country),
], ids=lambda t: " ".join(str(n).rsplit("/", 1)[-1].rsplit("#", 1)[-1] for n in t))
def test_reasoner_derives(reasoned: Graph, triple: tuple) -> None:
    assert triple in reasoned


@pytest.mark.parametrize("triple", [
    (OTHER, DEV.location, LLDC),                   # group membership is not containment
    (PROJECT, DEV.sector, SECTOR_CATEGORY),        # sector does not climb skos:broader
    (OTHER, DEV.addressesSDG, SDG["16.6"]),        # a goal does not imply its targets
    (PROJECT, RDF.type, DEV.Organisation),         # no class pollution between projects and organisations
    (FUNDER, RDF.type, DEV.Project),
    (PERU, DEV.location, LATAM),                   # only projects get dev:location
], ids=lambda t: " ".join(str(n).rsplit("/", 1)[-1].rsplit("#", 1)[-1] for n in t))
def test_reasoner_does_not_derive(reasoned: Graph, triple: tuple) -> None:
    assert triple not in reasoned
