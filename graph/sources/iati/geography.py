"""Where and what an activity is about: recipient countries/regions, locations, sectors,
tags and policy markers. Codes stay as written; the shared checks judge them."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from graph.records import Location, PolicyMarker, Share, Tag
from graph.sources.iati.context import Context


def _share(el: etree._Element, ctx: Context, vocabulary: str | None) -> Share | None:
    code = ctx.required(el, "code")
    if code is None:
        return None
    return Share(code=code, percentage=ctx.decimal(el, el.get("percentage"), f"<{el.tag}> @percentage"),
                 vocabulary=vocabulary, vocabulary_uri=ctx.iri(el, "vocabulary-uri"),
                 names=ctx.narratives(el), where=ctx.where(el))


def read_country(el: etree._Element, ctx: Context) -> Share | None:
    return _share(el, ctx, None)


def read_region(el: etree._Element, ctx: Context) -> Share | None:
    return _share(el, ctx, ctx.code(el, "vocabulary"))


def read_sector(el: etree._Element, ctx: Context) -> Share | None:
    return _share(el, ctx, ctx.code(el, "vocabulary"))


def read_tag(el: etree._Element, ctx: Context) -> Tag | None:
    code = ctx.required(el, "code")
    if code is None:
        return None
    return Tag(code=code, vocabulary=ctx.code(el, "vocabulary") or "1", vocabulary_uri=ctx.iri(el, "vocabulary-uri"),
               names=ctx.narratives(el), where=ctx.where(el))


def read_policy_marker(el: etree._Element, ctx: Context) -> PolicyMarker | None:
    code = ctx.required(el, "code")
    if code is None:
        return None
    return PolicyMarker(code=code, significance=ctx.code(el, "significance"),
                        vocabulary=ctx.code(el, "vocabulary") or "1", vocabulary_uri=ctx.iri(el, "vocabulary-uri"),
                        names=ctx.narratives(el), where=ctx.where(el))


def read_location(el: etree._Element, ctx: Context) -> Location:
    """A location; `place` is filled later from the codes (see `places.PlaceIndex`)."""
    loc = Location(ref=ctx.code(el, "ref"), where=ctx.where(el))
    for child in el:
        tag = child.tag
        if tag == "name":
            loc.names.extend(ctx.narratives(child))
        elif tag == "description":
            loc.descriptions.extend(ctx.narratives(child))
        elif tag == "activity-description":
            loc.activity_descriptions.extend(ctx.narratives(child))
        elif tag == "location-reach":
            loc.reach = ctx.code(child)
        elif tag == "location-id":
            vocabulary, code = ctx.required(child, "vocabulary"), ctx.required(child, "code")
            if vocabulary and code:
                loc.location_ids.append((vocabulary, code))
        elif tag == "administrative":
            vocabulary, code = ctx.required(child, "vocabulary"), ctx.required(child, "code")
            if vocabulary and code:
                loc.administrative.append((vocabulary, ctx.code(child, "level"), code))
        elif tag == "point":
            loc.point = _point(child, ctx)
        elif tag == "exactness":
            loc.exactness = ctx.code(child)
        elif tag == "location-class":
            loc.location_class = ctx.code(child)
        elif tag == "feature-designation":
            loc.feature_designation = ctx.code(child)
    return loc


def _point(el: etree._Element, ctx: Context) -> tuple[Decimal, Decimal] | None:
    """`<pos>lat lon</pos>` in WGS 84 (IATI's only srsName), checked to lie on the globe."""
    pos = el.find("pos")
    raw = (pos.text or "").split() if pos is not None else []
    if pos is None or not raw:
        ctx.error(el, "<point> has no <pos>")
        return None
    if len(raw) != 2:
        ctx.error(pos, f"<pos> {' '.join(raw)!r} is not 'latitude longitude'")
        return None
    lat = ctx.decimal(pos, raw[0], "<pos> latitude")
    lon = ctx.decimal(pos, raw[1], "<pos> longitude")
    if lat is None or lon is None:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        ctx.error(pos, f"<pos> {lat} {lon} is off the globe (latitude first, then longitude)")
        return None
    return lat, lon
