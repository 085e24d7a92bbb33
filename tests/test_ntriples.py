"""The mapping's fast terms and N-Triples lines are the ones rdflib's own constructors would give.

`graph.mapping.terms.Literal`/`URIRef` skip rdflib's parsing, `graph.ntriples` writes lines without a
cache of rdflib terms, and the source writer makes quads from sorted triples with one replace; each is
checked here against the slow, obvious way.
"""

from __future__ import annotations

import gzip
import json
from datetime import date
from decimal import Decimal

import pytest
import rdflib

from graph.mapping import terms as t
from graph.ntriples import TripleSink, nt_line, nt_term
from graph.records import PartialDate, Text

STRINGS = ["", "plain", " spaced ", 'quote " and \\ backslash', "line\nbreak\rreturn", "tab\there", "é ü 中文 🙂",
           "x\ud800y", "ends with .", 'a " .\n b', "1", "true", "2020-01-01"]


def _slots(lit: rdflib.Literal) -> tuple:
    return type(lit), str(lit), lit._language, lit._datatype, lit._value, lit._ill_typed


@pytest.mark.parametrize("value", STRINGS)
@pytest.mark.parametrize("lang", [None, "", "en", "es-PE", "EN-gb"])
def test_fast_literal_is_rdflibs(value, lang):
    fast, slow = t.Literal(value, lang=lang), rdflib.Literal(value, lang=lang)
    assert _slots(fast) == _slots(slow)
    assert fast == slow and hash(fast) == hash(slow)
    assert nt_term(fast) == _reference_nt(slow)


@pytest.mark.parametrize("value, datatype", [
    ("2020-02-29", rdflib.XSD.date), ("2020-02-30", rdflib.XSD.date), ("2019", rdflib.XSD.gYear),
    ("2019-10", rdflib.XSD.gYearMonth),
    ("1.50", rdflib.XSD.decimal), ("http://example.org/a b", rdflib.XSD.anyURI), (True, None), (False, None), (1, None),
    (0, None), (Decimal("1.0"), None), (2.5, None), ("x", rdflib.XSD.string)])
def test_fast_typed_literal_is_rdflibs(value, datatype):
    fast, slow = t.Literal(value, datatype=datatype), rdflib.Literal(value, datatype=datatype)
    assert _slots(fast) == _slots(slow)
    assert nt_term(fast) == _reference_nt(slow)


def test_true_and_one_are_different_literals():
    assert nt_term(t.Literal(True)) != nt_term(t.Literal(1))


def test_bad_language_tag_is_refused_like_rdflib():
    with pytest.raises(ValueError):
        rdflib.Literal("x", lang="en us!")
    with pytest.raises(ValueError):
        t.Literal("x", lang="en us!")


@pytest.mark.parametrize("value", ["https://w3id.org/devkg/id/project/X%20Y", "urn:x", "http://a/b c", "http://a/<b>",
                                   "http://a/{b}|^`\\", ""])
def test_fast_iri_is_rdflibs(value):
    fast = t.URIRef(value)
    assert type(fast) is rdflib.URIRef and fast == rdflib.URIRef(value) and str(fast) == value
    assert nt_term(fast) == f"<{value}>"


def test_terms_namespaces_make_each_term_once():
    assert t.RDF.type == rdflib.RDF.type and t.RDF.type is t.RDF.type
    assert t.SKOS["prefLabel"] == rdflib.SKOS.prefLabel
    dev = t.Terms(rdflib.Namespace("https://w3id.org/devkg/def#"))
    assert dev["format"] == rdflib.URIRef("https://w3id.org/devkg/def#format") == dev.format


def test_helpers_give_rdflibs_literals():
    assert _slots(t.text(Text("Titre", "fr"))) == _slots(rdflib.Literal("Titre", lang="fr"))
    assert _slots(t.text(Text("Title"))) == _slots(rdflib.Literal("Title"))
    assert _slots(t.xsd_date(date(2020, 1, 31))) == _slots(rdflib.Literal("2020-01-31", datatype=rdflib.XSD.date))
    assert _slots(t.stated(PartialDate(2019, 10))) == _slots(rdflib.Literal("2019-10", datatype=rdflib.XSD.gYearMonth))
    assert _slots(t.stated(PartialDate(2019))) == _slots(rdflib.Literal("2019", datatype=rdflib.XSD.gYear))
    assert _slots(t.uri("https://x.org/")) == _slots(rdflib.Literal("https://x.org/", datatype=rdflib.XSD.anyURI))
    assert str(t.decimal(Decimal("1E+3"))) == "1000.0"


def test_sink_lines_are_nt_lines():
    s, p = t.URIRef("https://w3id.org/devkg/id/project/A"), t.URIRef("https://w3id.org/devkg/def#title")
    objects = [t.URIRef("https://w3id.org/devkg/id/project/B"), rdflib.BNode("b1"),
               *(t.Literal(v, lang="en") for v in STRINGS), *(t.Literal(v) for v in STRINGS),
               t.Literal("2020-01-01", datatype=rdflib.XSD.date), t.Literal(True)]
    sink = TripleSink()
    for o in objects:
        sink.add((s, p, o))
    sink.add((rdflib.BNode("b2"), p, objects[0]))
    expected = {f"{_reference_nt(s)} {_reference_nt(p)} {_reference_nt(o)} .\n" for o in objects}
    expected.add(f"_:b2 {_reference_nt(p)} {_reference_nt(objects[0])} .\n")
    assert sink.drain() == expected == {nt_line(tr) for tr in [(s, p, o) for o in objects]} | {
        nt_line((rdflib.BNode("b2"), p, objects[0]))}


def test_source_writer_writes_sorted_quads(tmp_path):
    from graph.sourcework import SourceWriter, meta_path_of, nq_path

    base = "https://w3id.org/devkg/"
    graph = f"{base}graph/source/iati/x"
    w = SourceWriter(tmp_path, "iati/x", graph, "0" * 64, "fp", base, lambda code: f"urn:sdg:{code}", "iati", "x.xml")
    dev = rdflib.Namespace(f"{base}def#")
    projects = [t.URIRef(f"{base}id/project/{name}") for name in ("A", "A-1", "A%20B", "B")]
    for i, s in enumerate(projects):
        for value in (v for v in STRINGS if "\ud800" not in v):  # a lone surrogate cannot be written
            w.sink.add((s, dev.title, t.Literal(value)))
        w.sink.add((s, dev.title, t.Literal('a " .\n b', lang="en")))
        w.sink.add((s, dev.relatedProject, projects[i - 1]))
        w.sink.add((t.URIRef(f"{s}/budget/1"), dev.value, t.Literal(f"{i}.5", datatype=rdflib.XSD.decimal)))
    w.sink.add((t.URIRef(f"{base}id/source/iati/x"), dev.path, t.Literal("x.xml")))
    lines = [line for line in w.sink.lines if "relatedProject" not in line]
    meta = w.close()
    text = gzip.decompress(nq_path(tmp_path, "iati/x").read_bytes()).decode("utf-8")
    quads = sorted(line[:-3] + f" <{graph}> .\n" for line in lines)
    document = [q for q in quads if q.startswith(f"<{base}id/source/")]
    assert text == "".join(q for q in quads if q not in document) + "".join(document)
    assert meta.triples == len(quads) and len(meta.related) == len(projects)
    assert json.loads(meta_path_of(tmp_path, "iati/x").read_text())["triples"] == len(quads)


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _reference_nt(term) -> str:
    """N-Triples of a term the obvious way (the former `nt_term`)."""
    if isinstance(term, rdflib.Literal):
        lexical = '"' + str(term).translate(_ESCAPES) + '"'
        if term.language:
            return f"{lexical}@{term.language}"
        if term.datatype is not None and str(term.datatype) != str(rdflib.XSD.string):
            return f"{lexical}^^<{term.datatype}>"
        return lexical
    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    return f"_:{term}"
