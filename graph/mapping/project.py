"""A `Project` record (curated YAML or IATI XML alike) to triples.

One function per part of a project, each adding to the same graph. Every child
node gets a readable IRI under its project, built from what identifies it in the
source (`graph.mapping.keys`: `.../budget/2010-04-01--2011-03-31/1`,
`.../policy-marker/99/CHILD`), so a reload, a reordered file or the other route
(curated page or IATI file) of the same project gives the same IRIs. Money is in
`finance.py`, results in `results.py`, what donors report beyond the activity
(crs-add, fss, conditions, country-budget-items) in `reporting.py`. Codes become
concepts of the codelist schemes built by `graph.mapping.reference`; SDG codes
become the UN's own IRIs.
"""

from __future__ import annotations

from collections.abc import Callable

from rdflib import Graph

from graph.mapping import keys
from graph.mapping import terms as t
from graph.mapping.finance import add_money, derived_total, money  # noqa: F401 (re-exported)
from graph.mapping.iris import Iris, slug
from graph.mapping.organisation import OrgIndex, add_organisation
from graph.mapping.reporting import add_reporting
from graph.mapping.results import add_results
from graph.mapping.terms import DCTERMS, PROV, RDF, RDFS, SKOS, Literal, Terms, URIRef
from graph.namespaces import GEO as _GEO
from graph.namespaces import vocab
from graph.records import CodedValue, DocumentLink, Participation, Project, Share, Source

SDG_VOCABULARIES = {"7": "sdgGoal", "8": "sdgTarget", "9": "sdgIndicator"}
TAG_SDG_VOCABULARIES = {"2": "sdgGoal", "3": "sdgTarget"}
GEO = Terms(_GEO)


class ProjectMapper:
    """Maps projects into one rdflib graph (one per source, so provenance stays per graph)."""

    def __init__(self, iris: Iris, sdg_iri: Callable[[str], str], graph: Graph | None = None,
                 orgs: OrgIndex | None = None):
        self.iris = iris
        self.dev = Terms(vocab(iris.base))  # each term made once
        self.g = graph if graph is not None else Graph()
        # Names this source also uses with an organisation identifier (see graph.mapping.organisation).
        self.orgs = orgs or OrgIndex()
        # The UN KOS IRI of a goal, target or indicator code (`Reference.sdg_iri`: "16.6.1" -> .../C160601).
        self.sdg_iri = sdg_iri

    # --- entry points -------------------------------------------------------------
    def add(self, p: Project) -> URIRef:
        dev, g = self.dev, self.g
        s = self.iris.project(p.identifier)
        g.add((s, RDF.type, dev.Project))
        g.add((s, dev.identifier, Literal(p.identifier)))
        if p.iati_identifier:  # not for the identifiers devkg mints for curated pages (data/README.md)
            g.add((s, dev.iatiIdentifier, Literal(p.identifier)))
        g.add((s, RDFS.label, Literal(p.title(), lang=p.titles[0].lang if p.titles and p.titles[0].lang else None)))
        for title in p.titles:
            g.add((s, dev.title, t.text(title)))
        for key, (kind, value) in keys.keyed(p.other_identifiers, lambda kv, n: (slug(kv[0]), kv[1])):
            # The bare value for joins, and a node that keeps what kind of identifier it is.
            g.add((s, dev.otherIdentifier, Literal(value)))
            node = self.iris.child(s, "other-identifier", *key)
            g.add((s, dev.identifiedBy, node))
            g.add((node, RDF.type, dev.OtherIdentifier))
            g.add((node, dev.identifier, Literal(value)))
            g.add((node, dev.identifierKind, Literal(kind)))
            g.add((node, RDFS.label, Literal(f"{value} ({kind})")))
        for code, desc in p.descriptions:
            g.add((s, dev[t.DESCRIPTION_PROPERTY.get(code, "otherDescription")], t.text(desc)))
        self.code(s, dev.status, "ActivityStatus", p.status)
        self._dates(s, p)
        self._organisations(s, p)
        self._geography(s, p)
        self._sectors(s, p)
        self._markers(s, p)
        self._sdgs(s, p)
        add_money(self, s, p)
        add_results(self, s, p)
        add_reporting(self, s, p)
        self._contacts(s, p)
        self.documents(s, self.dev.documentLink, p.documents)
        self._related(s, p)
        self._classifications(s, p)
        for label, value in p.extra.items():
            self._fact(s, label, value)
        self._provenance(s, p.source)
        return s

    def add_source(self, source: Source) -> URIRef:
        return self._provenance(None, source)

    # --- parts --------------------------------------------------------------------
    def code(self, s: URIRef, prop: URIRef, codelist: str, code: str | None) -> URIRef | None:
        if code is None or code == "":
            return None
        concept = self.iris.code(codelist, str(code))
        self.g.add((s, prop, concept))
        return concept

    def _coded(self, s: URIRef, prop: URIRef, codelist: str, value: CodedValue | None) -> None:
        concept = self.code(s, prop, codelist, value.code if value else None)
        if concept is not None and value.name:
            # Codelists devkg does not ship still get a labelled concept in a scheme.
            self.g.add((concept, RDF.type, SKOS.Concept))
            self.g.add((concept, SKOS.notation, Literal(value.code)))
            self.g.add((concept, SKOS.inScheme, self.iris.scheme(codelist)))
            self.g.add((concept, SKOS.prefLabel, Literal(value.name, lang="en")))

    def _dates(self, s: URIRef, p: Project) -> None:
        dev, g = self.dev, self.g
        by_type = {d.type: d.date for d in p.dates}
        for d in p.dates:
            prop = t.DATE_PROPERTY.get(d.type)
            if prop:
                edge = d.date.first() if d.type in ("1", "2") else d.date.last()
                g.add((s, dev[prop], t.xsd_date(edge)))
                for note in d.narratives:  # IATI activity-date/narrative: what the source says about the date
                    g.add((s, dev[f"{prop}Note"], t.text(note)))
        start = by_type.get("2") or by_type.get("1")
        end = by_type.get("4") or by_type.get("3")
        if start:
            g.add((s, dev.startDate, t.xsd_date(start.first())))
            if start.precision != "day":
                g.add((s, dev.startDateAsStated, t.stated(start)))
        if end:
            g.add((s, dev.endDate, t.xsd_date(end.last())))
            if end.precision != "day":
                g.add((s, dev.endDateAsStated, t.stated(end)))
        if p.last_updated:
            g.add((s, dev.lastUpdated, t.stated(p.last_updated)))

    def _organisations(self, s: URIRef, p: Project) -> None:
        dev, g = self.dev, self.g
        participations = list(p.participations)
        if p.reporting_org is not None:
            participations.append(Participation(org=p.reporting_org, role="reporting", where=p.reporting_org.where))
        for part in participations:
            # An organisation's own name for itself, or a curator's, is preferred as its label.
            preferred = part.role == "reporting" or p.source.kind == "curated"
            org = add_organisation(g, self.iris, part.org, self.orgs, preferred=preferred,
                                   source=self.iris.source(p.source.key))
            if org is None:
                continue
            key = self.orgs.ref(part.org) or slug(part.org.names[0].value)
            node = self.iris.child(s, "participation", t.ROLE_SLUG.get(part.role, part.role), key)
            g.add((s, dev.participation, node))
            g.add((node, RDF.type, dev.Participation))
            g.add((node, dev.organisation, org))
            g.add((node, dev.role, self.iris.code("OrganisationRole", part.role)))
            if part.lead:
                g.add((node, dev.isLead, Literal(True)))
            if part.activity_id:
                g.add((node, dev.activityIdentifier, Literal(part.activity_id)))
            if part.description:
                g.add((node, dev.roleAsStated, Literal(part.description)))
            prop = t.ROLE_PROPERTY.get(part.role)
            if prop:
                g.add((s, dev[prop], org))

    def _geography(self, s: URIRef, p: Project) -> None:
        dev, g, iris = self.dev, self.g, self.iris
        for share in p.recipient_countries:
            place = iris.place(share.code.upper())
            g.add((s, dev.recipientCountry, place))
            self._share(s, "recipient-country", share, place, dev.geographicShare, dev.place)
        for share in p.recipient_regions:
            place = self.region_place(share)
            g.add((s, dev.recipientRegion, place))
            self._share(s, "recipient-region", share, place, dev.geographicShare, dev.place, "1")
        for key in p.country_groups:
            g.add((s, dev.countryGroup, iris.place(key)))
        for key, loc in keys.keyed(p.locations, keys.location_key):
            place = iris.place(loc.place) if loc.place else None
            if place is not None:
                g.add((s, dev.location, place))
            if not (loc.names or loc.point or loc.administrative or loc.ref or loc.descriptions or loc.location_ids):
                continue
            node = iris.child(s, "location", *key)
            g.add((s, dev.locationDetail, node))
            g.add((node, RDF.type, dev.LocationDetail))
            if place is not None:
                g.add((node, dev.place, place))
            if loc.ref:
                g.add((node, dev.locationReference, Literal(loc.ref)))
            for name in loc.names:
                g.add((node, dev.name, t.text(name)))
                g.add((node, RDFS.label, t.text(name)))
            for desc in loc.descriptions:
                g.add((node, dev.description, t.text(desc)))
            for vocabulary, code in loc.location_ids:
                g.add((node, dev.locationReference, Literal(f"{vocabulary}:{code}")))
                if vocabulary == "G1" and code.isdigit():  # GeoNames
                    g.add((node, SKOS.exactMatch, self.iris.geonames(code)))
            for desc in loc.activity_descriptions:
                g.add((node, dev.description, t.text(desc)))
            if loc.reach:
                self.code(node, dev.locationReach, "GeographicLocationReach", loc.reach)
            for vocabulary, level, code in loc.administrative:
                g.add((node, dev.administrativeCode, Literal(f"{vocabulary}:{level or ''}:{code}")))
            if loc.point:
                geom = iris.child(node, "geometry")
                g.add((node, GEO.hasGeometry, geom))
                g.add((geom, RDF.type, GEO.Geometry))
                g.add((geom, GEO.asWKT, t.wkt_point(*loc.point)))
            self.code(node, dev.exactness, "GeographicExactness", loc.exactness)
            self.code(node, dev.locationClass, "GeographicLocationClass", loc.location_class)
            self.code(node, dev.featureDesignation, "LocationType", loc.feature_designation)

    def region_place(self, share: Share) -> URIRef:
        """UN M49 regions (vocabulary 2) and OECD DAC regions (vocabulary 1, the default)."""
        if share.vocabulary == "2":
            return self.iris.m49(share.code)
        if share.vocabulary in (None, "1"):
            return self.iris.place(f"dac-{share.code}")
        return self.iris.place(f"region-v{share.vocabulary}-{share.code}")

    def _share(self, s, kind, share: Share, target, link, target_prop, default_vocabulary: str | None = None) -> URIRef:
        """A share keyed by vocabulary (the element's IATI default when unstated) and code."""
        vocabulary = share.vocabulary or default_vocabulary
        node = self.iris.child(s, kind, *([vocabulary] if vocabulary else []), share.code)
        self.g.add((s, link, node))
        share_class = self.dev.GeographicShare if link == self.dev.geographicShare else self.dev.SectorShare
        self.g.add((node, RDF.type, share_class))
        self.g.add((node, target_prop, target))
        if share.percentage is not None:
            self.g.add((node, self.dev.percentage, t.decimal(share.percentage)))
        return node

    def sector_concept(self, share: Share, publisher: str | None) -> URIRef:
        v = share.vocabulary or "1"
        if v == "1":
            return self.iris.code("Sector", share.code)
        if v == "2":
            return self.iris.code("SectorCategory", share.code)
        if v in SDG_VOCABULARIES:
            return URIRef(self.sdg_iri(share.code))
        if v in ("98", "99") and publisher:
            return self.iris.publisher_code(publisher, "Sector", share.code)
        return self.iris.code(f"SectorVocabulary-{v}", share.code)

    def publisher(self, p: Project) -> str | None:
        if p.reporting_org and p.reporting_org.ref:
            return p.reporting_org.ref
        for part in p.participations:
            if part.role == "1" and part.org.ref:
                return part.org.ref
        return None

    def _sectors(self, s: URIRef, p: Project) -> None:
        dev, g = self.dev, self.g
        publisher = self.publisher(p)
        for share in p.sectors:
            concept = self.sector_concept(share, publisher)
            g.add((s, dev.sector, concept))
            node = self._share(s, "sector", share, concept, dev.sectorShare, dev.code, "1")
            if share.vocabulary:
                g.add((node, dev.vocabulary, self.iris.code("SectorVocabulary", share.vocabulary)))
            prop = SDG_VOCABULARIES.get(share.vocabulary or "1")
            if prop:
                g.add((s, dev[prop], concept))
            if share.vocabulary in ("98", "99") and publisher:
                self.publisher_concept(concept, publisher, "Sector", share.code, share.names)

    def publisher_concept(self, concept, publisher, codelist, code, names) -> None:
        g = self.g
        scheme = self.iris.publisher_scheme(publisher, codelist)
        g.add((scheme, RDF.type, SKOS.ConceptScheme))
        g.add((scheme, RDFS.label, Literal(f"{codelist} codes of {publisher}", lang="en")))
        g.add((scheme, DCTERMS.publisher, self.iris.org(publisher)))
        g.add((concept, RDF.type, SKOS.Concept))
        g.add((concept, SKOS.inScheme, scheme))
        g.add((concept, SKOS.notation, Literal(code)))
        for name in names:
            g.add((concept, SKOS.prefLabel, t.text(name)))

    def _markers(self, s: URIRef, p: Project) -> None:
        dev, g = self.dev, self.g
        publisher = self.publisher(p)
        for m in p.policy_markers:
            if m.vocabulary == "99" and publisher:
                marker = self.iris.publisher_code(publisher, "PolicyMarker", m.code)
                self.publisher_concept(marker, publisher, "PolicyMarker", m.code, m.names)
            else:
                marker = self.iris.code("PolicyMarker", m.code)
            node = self.iris.child(s, "policy-marker", m.vocabulary, m.code)
            g.add((s, dev.policyMarker, node))
            g.add((node, RDF.type, dev.PolicyMarkerAssignment))
            g.add((node, dev.marker, marker))
            self.code(node, dev.significance, "PolicySignificance", m.significance)
            if m.vocabulary_uri:
                g.add((node, RDFS.seeAlso, URIRef(m.vocabulary_uri)))

    def _sdgs(self, s: URIRef, p: Project) -> None:
        dev, g = self.dev, self.g
        for code in p.sdg_goals:
            g.add((s, dev.sdgGoal, URIRef(self.sdg_iri(code))))
        for code in p.sdg_targets:
            g.add((s, dev.sdgTarget, URIRef(self.sdg_iri(code))))
        for tag in p.tags:
            prop = TAG_SDG_VOCABULARIES.get(tag.vocabulary)
            if prop:
                g.add((s, dev[prop], URIRef(self.sdg_iri(tag.code))))
                continue
            concept = self.iris.code(f"TagVocabulary-{tag.vocabulary}", tag.code)
            g.add((s, dev.tag, concept))
            g.add((concept, RDF.type, SKOS.Concept))
            g.add((concept, SKOS.notation, Literal(tag.code)))
            for name in tag.names:
                g.add((concept, SKOS.prefLabel, t.text(name)))

    def _contacts(self, s: URIRef, p: Project) -> None:
        dev, g = self.dev, self.g
        for key, c in keys.keyed(p.contacts, keys.contact_key):
            node = self.iris.child(s, "contact", *key)
            g.add((s, dev.contact, node))
            g.add((node, RDF.type, dev.Contact))
            self.code(node, dev.contactType, "ContactType", c.type)
            for prop, value in (("organisationName", c.organisation), ("department", c.department),
                                ("personName", c.person), ("jobTitle", c.job_title),
                                ("mailingAddress", c.mailing_address)):
                if value:
                    g.add((node, dev[prop], Literal(value)))
            for prop, values in (("telephone", c.telephone), ("email", c.email), ("website", c.website)):
                for value in values:
                    g.add((node, dev[prop], Literal(value)))
            label = c.person or c.organisation
            if label:
                g.add((node, RDFS.label, Literal(label)))

    def documents(self, parent: URIRef, prop: URIRef, docs: list[DocumentLink], *within: str) -> None:
        """Document links of a project, result, indicator, baseline, target or actual, keyed by URL.

        `within` names the part of `parent` they belong to (`baseline`, `target`, `actual`),
        so a baseline's report is `.../indicator/x/baseline/document/{hash}`.
        """
        dev, g = self.dev, self.g
        for key, d in keys.keyed(docs, keys.document_key):
            node = self.iris.child(parent, *within, "document", *key)
            g.add((parent, prop, node))
            g.add((node, RDF.type, dev.DocumentLink))
            g.add((node, dev.url, t.uri(d.url)))
            for title in d.titles:
                g.add((node, dev.title, t.text(title)))
            if d.format:
                g.add((node, dev["format"], Literal(d.format)))
            for desc in d.descriptions:
                g.add((node, dev.description, t.text(desc)))
            for code in d.categories:
                self.code(node, dev.documentCategory, "DocumentCategory", code)
            for lang in d.languages:
                g.add((node, dev.language, Literal(lang)))
            if d.date:
                g.add((node, dev.documentDate, t.stated(d.date)))

    def _related(self, s: URIRef, p: Project) -> None:
        dev, g = self.dev, self.g
        for key, rel in keys.keyed(p.related, lambda r, n: (r.type, r.ref)):
            node = self.iris.child(s, "related", *key)
            g.add((s, dev.relatedActivity, node))
            g.add((node, RDF.type, dev.RelatedActivity))
            g.add((node, dev.relatedIdentifier, Literal(rel.ref)))
            g.add((node, dev.relatedProject, self.iris.project(rel.ref)))
            self.code(node, dev.relationType, "RelatedActivityType", rel.type)

    def _classifications(self, s: URIRef, p: Project) -> None:
        dev, g = self.dev, self.g
        self._coded(s, dev.aidType, "AidType", p.aid_type)
        self._coded(s, dev.financeType, "FinanceType", p.finance_type)
        self._coded(s, dev.collaborationType, "CollaborationType", p.collaboration_type)
        self._coded(s, dev.flowType, "FlowType", p.flow_type)
        self._coded(s, dev.tiedStatus, "TiedStatus", p.tied_status)
        if p.hierarchy is not None:
            g.add((s, dev.hierarchy, Literal(p.hierarchy)))
        if p.humanitarian is not None:
            g.add((s, dev.humanitarian, Literal(p.humanitarian)))
        if p.programme:
            g.add((s, dev.programme, Literal(p.programme)))
        if p.linked_data_uri:
            # Not owl:sameAs: the publisher's IRI is unchecked, and under OWL RL a typo would
            # merge two projects. rdfs:seeAlso links without claiming identity.
            g.add((s, RDFS.seeAlso, URIRef(p.linked_data_uri)))

    def _fact(self, s: URIRef, label: str, value: str) -> None:
        node = self.iris.child(s, "fact", slug(label))
        self.g.add((s, self.dev.additionalFact, node))
        self.g.add((node, RDF.type, self.dev.AdditionalFact))
        self.g.add((node, RDFS.label, Literal(label)))
        self.g.add((node, RDF.value, Literal(value)))

    def _provenance(self, s: URIRef | None, src: Source) -> URIRef:
        dev, g = self.dev, self.g
        node = self.iris.source(src.key)
        if s is not None:
            g.add((s, PROV.wasDerivedFrom, node))
        # The source graph as a whole is derived from its document, so every triple in it has provenance.
        g.add((self.iris.source_graph(src.key), PROV.wasDerivedFrom, node))
        g.add((node, RDF.type, dev.SourceDocument))
        g.add((node, dev.sourceKind, Literal(src.kind)))
        g.add((node, RDFS.label, Literal(src.title or src.data_path or src.path)))
        g.add((node, dev.path, Literal(src.data_path or src.path)))
        if src.url:
            g.add((node, dev.url, t.uri(src.url)))
        if src.title:
            g.add((node, DCTERMS.title, Literal(src.title)))
        if src.sha256:
            g.add((node, dev.sha256, Literal(src.sha256)))
        if src.published:
            g.add((node, DCTERMS.issued, t.stated(src.published)))
        if src.retrieved:
            g.add((node, dev.retrieved, t.stated(src.retrieved)))
        return node

