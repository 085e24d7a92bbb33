"""IATI `document-link`, read the same way wherever the standard allows one: on the activity,
a result, an indicator, a baseline, a target or an actual."""

from __future__ import annotations

from lxml import etree

from graph.records import DocumentLink
from graph.sources.iati.context import Context


def read_document(el: etree._Element, ctx: Context) -> DocumentLink | None:
    """A document link; without @url (required by IATI) it is reported and skipped."""
    url = ctx.required(el, "url")
    if url is None:
        return None
    return DocumentLink(
        url=url, titles=ctx.narratives(el.find("title")), format=ctx.code(el, "format"),
        categories=[c for c in (ctx.code(x) for x in el.iterchildren("category")) if c],
        languages=[c for c in (ctx.code(x) for x in el.iterchildren("language")) if c],
        date=ctx.date(el.find("document-date"), what="document-date @iso-date"),
        where=ctx.where(el), descriptions=ctx.narratives(el.find("description")),
    )
