"""Organisations: one resource per real organisation, merged across sources.

The IRI rule (also in docs/terms.md and data/README.md):
1. An organisation with an IATI organisation identifier is `org/{identifier}`,
   whatever name each mention gives it (IOM's file names XM-DAC-47066
   "International Organization for Migration (IOM)", "IOM Development Fund" and
   "Private Individual Donations": one organisation).
2. A mention without an identifier whose name the same source also uses, with
   exactly one identifier, elsewhere is that organisation (IOM's file also
   names "IOM Development Fund" without @ref 30 times).
3. Otherwise the IRI is a slug of the name, `org/{slug}`: names that differ only in
   case, accents or punctuation are one organisation; names that differ otherwise
   are not merged, since nothing in the data says they are the same.

Names: each organisation gets one `rdfs:label` and `dev:name` per language, the
others become `skos:altLabel` (`settle_names`, run over all sources together):
the name it gives itself as reporting organisation or a curator's name wins,
then the alphabetically first, so a query joining on `rdfs:label` sees one row.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import PROV, SKOS

from graph.mapping import terms as t
from graph.mapping.iris import Iris, slug
from graph.namespaces import vocab
from graph.records import OrgRef, Project


class OrgIndex:
    """Names a source uses with exactly one IATI organisation identifier (rule 2)."""

    def __init__(self, refs_by_name: dict[str, set[str]] | None = None):
        self._refs = refs_by_name or {}

    @classmethod
    def of(cls, projects: Iterable[Project]) -> "OrgIndex":
        return cls.of_pairs((org.ref, name.value) for p in projects for org in _mentions(p) if org.ref
                            for name in org.names)

    @classmethod
    def of_pairs(cls, pairs: Iterable[tuple[str, str]]) -> "OrgIndex":
        """From (identifier, name) pairs, e.g. `graph.sources.iati.org_names` of one file."""
        refs: dict[str, set[str]] = {}
        for ref, name in pairs:
            refs.setdefault(slug(name), set()).add(ref.strip())
        return cls(refs)

    def ref(self, org: OrgRef) -> str | None:
        if org.ref:
            return org.ref.strip()
        for name in org.names:
            found = self._refs.get(slug(name.value), set())
            if len(found) == 1:
                return next(iter(found))
        return None


def _mentions(p: Project) -> Iterable[OrgRef]:
    if p.reporting_org is not None:
        yield p.reporting_org
    for part in p.participations:
        yield part.org
    for money in (*p.planned_disbursements, *p.transactions):
        yield from (o for o in (money.provider, money.receiver) if o is not None)


def org_iri(iris: Iris, org: OrgRef, index: OrgIndex | None = None) -> URIRef | None:
    ref = (index or OrgIndex()).ref(org)
    name = org.names[0].value if org.names else None
    if not (ref or name):
        return None
    return iris.org(ref, name)


@lru_cache(maxsize=4)
def _vocab(base: str) -> t.Terms:
    return t.Terms(vocab(base))


def add_organisation(g: Graph, iris: Iris, org: OrgRef, index: OrgIndex | None = None, *,
                     preferred: bool = False, source: URIRef | None = None) -> URIRef | None:
    """Describe an organisation in `g`; returns its IRI (None when it has neither id nor name).

    Names go in as `rdfs:label` when `preferred` (the organisation names itself, or a
    curator named it), else as `skos:altLabel`; `settle_names` picks one per language.
    `source` is the SourceDocument that names it (its `prov:wasDerivedFrom`).
    """
    node = org_iri(iris, org, index)
    if node is None:
        return None
    dev = _vocab(iris.base)
    g.add((node, t.RDF.type, dev.Organisation))
    if source is not None:  # the organisations graph merges sources: each says where it was named
        g.add((node, t.PROV.wasDerivedFrom, source))
    ref = (index or OrgIndex()).ref(org)
    if ref:
        g.add((node, dev.identifier, t.Literal(ref)))
    for name in org.names:
        g.add((node, t.RDFS.label if preferred else t.SKOS.altLabel, t.text(name)))
    if not org.names and ref:
        g.add((node, t.SKOS.altLabel, t.Literal(ref)))
    if org.abbreviation:
        g.add((node, dev.abbreviation, t.Literal(org.abbreviation)))
        g.add((node, t.SKOS.altLabel, t.Literal(org.abbreviation)))
    if org.type:
        g.add((node, dev.organisationType, iris.code("OrganisationType", org.type)))
    if org.country:
        g.add((node, dev.basedIn, iris.place(org.country.upper())))
    if org.website:
        g.add((node, dev.website, t.uri(org.website)))
    if org.wikidata:
        g.add((node, t.SKOS.exactMatch, Iris.wikidata(org.wikidata)))
    return node


def settle_names(graphs: Iterable[Graph], iris: Iris) -> None:
    """One `rdfs:label` + `dev:name` per organisation and language; other names become `skos:altLabel`.

    Runs over every source graph at once, so the choice is the same whichever
    sources mention the organisation; each graph gets the same settled triples.
    """
    graphs = list(graphs)
    dev = vocab(iris.base)
    orgs: set[URIRef] = set()
    for g in graphs:
        orgs.update(s for s in g.subjects(RDF.type, dev.Organisation) if isinstance(s, URIRef))
    for org in orgs:
        preferred: set[Literal] = set()
        other: set[Literal] = set()
        ids: set[Literal] = set()
        abbreviations: set = set()
        for g in graphs:
            preferred.update(o for o in g.objects(org, RDFS.label) if isinstance(o, Literal))
            preferred.update(o for o in g.objects(org, dev.name) if isinstance(o, Literal))
            other.update(o for o in g.objects(org, SKOS.altLabel) if isinstance(o, Literal))
            ids.update(o for o in g.objects(org, dev.identifier) if isinstance(o, Literal))
            abbreviations.update(str(o) for o in g.objects(org, dev.abbreviation))
        settled = list(settled_names(org, preferred, other, {str(i) for i in ids}, abbreviations, dev))
        for g in graphs:
            if (org, RDF.type, dev.Organisation) not in g:
                continue
            for prop in (RDFS.label, dev.name, SKOS.altLabel):
                g.remove((org, prop, None))
            for triple in settled:
                g.add(triple)


def settled_names(org: URIRef, preferred: set[Literal], other: set[Literal], ids: set[str], abbreviations: set[str],
                  dev) -> Iterable[tuple[URIRef, URIRef, Literal]]:
    """An organisation's name triples as every source's names settle them (see `_choose`)."""
    for label, alternatives in _choose(preferred, other, ids, abbreviations):
        yield org, RDFS.label, label
        if str(label) not in ids:
            yield org, dev.name, label
        for alt in alternatives:
            yield org, SKOS.altLabel, alt


def _choose(preferred: set[Literal], other: set[Literal], ids: set[str],
            abbreviations: set[str]) -> list[tuple[Literal, list[Literal]]]:
    """Per language: (the label, the other names).

    The identifier and abbreviations name only an organisation that has no other
    name; abbreviations stay alternative labels. When some names are language-tagged,
    names of unknown language are alternatives, so a query filtering labels on
    `lang = "en" || lang = ""` sees one.
    """
    codes = ids | abbreviations
    names = [(rank, lit) for rank, pool in enumerate((preferred, other)) for lit in pool if str(lit) not in codes]
    coded = sorted({lit for lit in preferred | other if str(lit) in abbreviations}, key=_order)
    if not names:
        fallback = sorted({lit for lit in preferred | other if str(lit) in ids}, key=_order) + coded
        return [(fallback[0], [c for c in coded if c != fallback[0]])] if fallback else []
    by_lang: dict[str | None, list[tuple[int, Literal]]] = {}
    for rank, lit in names:
        by_lang.setdefault(lit.language, []).append((rank, lit))
    out: list[tuple[Literal, list[Literal]]] = []
    for lang in sorted(by_lang, key=lambda x: x or ""):
        ranked = [lit for _, lit in sorted(by_lang[lang], key=lambda rl: (rl[0], *_order(rl[1])))]
        out.append((ranked[0], [lit for lit in ranked[1:] if lit != ranked[0]]))
    tagged = [(label, alts) for label, alts in out if label.language]
    plain = [(label, alts) for label, alts in out if not label.language]
    if tagged and plain:  # a name of unknown language beside language-tagged ones is an alternative
        tagged[0][1].extend([plain[0][0], *plain[0][1]])
        out = tagged
    for label, alts in out[:1]:
        alts.extend(c for c in coded if c not in alts)
    return [(label, sorted(set(alts) - {label}, key=_order)) for label, alts in out]


def _order(lit: Literal) -> tuple[str, str]:
    return (str(lit).casefold(), str(lit))


def derived_from_sources(orgs: Graph, name: URIRef) -> None:
    """The merged organisations graph `name` is derived from every source that describes an organisation."""
    for src in sorted({o for o in orgs.objects(None, PROV.wasDerivedFrom)}):
        orgs.add((name, PROV.wasDerivedFrom, src))
