"""Results, indicators and their periods, keyed by reference code or title (see `graph.mapping.keys`).

Their document links are mapped like the project's (`ProjectMapper.documents`): a result's and an
indicator's with `dev:documentLink`, a baseline's with `dev:baselineDocument` on the indicator (devkg
keeps the baseline on the indicator), a target's and an actual's with `dev:targetDocument` and
`dev:actualDocument` on the period; the last three are sub-properties of `dev:documentLink`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph.mapping import keys
from graph.mapping import terms as t
from graph.mapping.terms import RDF, RDFS, XSD, Literal, URIRef
from graph.records import Indicator, Project, Result

if TYPE_CHECKING:
    from graph.mapping.project import ProjectMapper


def add_results(m: "ProjectMapper", s: URIRef, p: Project) -> None:
    for key, result in keys.keyed(p.results, keys.result_key):
        _result(m, m.iris.child(s, "result", *key), s, result)


def _result(m: "ProjectMapper", node: URIRef, s: URIRef, r: Result) -> None:
    dev, g = m.dev, m.g
    g.add((s, dev.result, node))
    g.add((node, RDF.type, dev.Result))
    m.code(node, dev.resultType, "ResultType", r.type)
    for title in r.titles:
        g.add((node, dev.title, t.text(title)))
    if r.titles:
        g.add((node, RDFS.label, t.text(r.titles[0])))
    for d in r.descriptions:
        g.add((node, dev.description, t.text(d)))
    m.documents(node, dev.documentLink, r.documents)
    for key, ind in keys.keyed(r.indicators, keys.indicator_key):
        _indicator(m, node, m.iris.child(node, "indicator", *key), ind)


def _indicator(m: "ProjectMapper", result: URIRef, node: URIRef, ind: Indicator) -> None:
    dev, g = m.dev, m.g
    g.add((result, dev.indicator, node))
    g.add((node, RDF.type, dev.Indicator))
    for title in ind.titles:
        g.add((node, dev.title, t.text(title)))
    if ind.titles:
        g.add((node, RDFS.label, t.text(ind.titles[0])))
    for d in ind.descriptions:
        g.add((node, dev.description, t.text(d)))
    m.code(node, dev.measure, "IndicatorMeasure", ind.measure)
    if ind.unit:
        g.add((node, dev.unit, Literal(ind.unit)))
    if ind.ascending is not None:
        g.add((node, dev.ascending, Literal(ind.ascending)))
    if ind.baseline is not None:
        g.add((node, dev.baselineValue, t.decimal(ind.baseline)))
    if ind.baseline_year:
        g.add((node, dev.baselineYear, Literal(f"{ind.baseline_year:04d}", datatype=XSD.gYear)))
    if ind.baseline_comment:
        g.add((node, dev.baselineComment, Literal(ind.baseline_comment)))
    for vocabulary, code in ind.references:
        g.add((node, dev.indicatorReference, Literal(f"{vocabulary}:{code}")))
    m.documents(node, dev.documentLink, ind.documents)
    m.documents(node, dev.baselineDocument, ind.baseline_documents, "baseline")
    for key, per in keys.keyed(ind.periods, keys.period_key):
        pnode = m.iris.child(node, "period", *key)
        g.add((node, dev.period, pnode))
        g.add((pnode, RDF.type, dev.IndicatorPeriod))
        if per.start:
            g.add((pnode, dev.periodStart, t.xsd_date(per.start.first())))
        if per.end:
            g.add((pnode, dev.periodEnd, t.xsd_date(per.end.last())))
        if per.target is not None:
            g.add((pnode, dev.targetValue, t.decimal(per.target)))
        if per.actual is not None:
            g.add((pnode, dev.actualValue, t.decimal(per.actual)))
        if per.target_comment:
            g.add((pnode, dev.targetComment, Literal(per.target_comment)))
        if per.actual_comment:
            g.add((pnode, dev.actualComment, Literal(per.actual_comment)))
        m.documents(pnode, dev.targetDocument, per.target_documents, "target")
        m.documents(pnode, dev.actualDocument, per.actual_documents, "actual")
