"""Hostile build input: each value the graph cannot hold is a `file:line` error or a warning that drops it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graph.cli import main
from graph.config import PROJECT_ROOT
from graph.records import Problem, Project
from graph.sources.iati import IatiImportError, import_iati, read_iati_file
from graph.sources.yaml_projects import read_project_file

PLACES = Path(__file__).parent / "fixtures" / "iati" / "places-and-sdgs.xml"
GOOD_XML = PLACES.read_text(encoding="utf-8").replace(">1,000<", ">1000<")  # the fixture's one deliberate error
SEED = PROJECT_ROOT / "data" / "projects" / "ca-3-a034224001.yaml"


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def read_xml(tmp_path: Path, text: str) -> tuple[list[Project], list[Problem]]:
    path = tmp_path / "t.xml"
    path.write_text(text, encoding="utf-8")
    items = list(read_iati_file(path, tmp_path))
    return [i for i in items if isinstance(i, Project)], [i for i in items if isinstance(i, Problem)]


def test_the_unmodified_fixture_has_no_errors(tmp_path):
    projects, problems = read_xml(tmp_path, GOOD_XML)
    assert projects and not [p for p in problems if p.severity == "error"]


@pytest.mark.parametrize("value", ["1E+9999999", "-1e999999", "1E-9999999", "1" + "0" * 40])
def test_decimal_out_of_range_is_an_error_at_its_line(tmp_path, value):
    text = GOOD_XML.replace(">2500.50<", f">{value}<")
    _, problems = read_xml(tmp_path, text)
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1 and "out of range" in str(errors[0])
    assert str(errors[0]).startswith(f"t.xml:{line_of(text, value)}:")


@pytest.mark.parametrize("attr, bad", [
    ("linked-data-uri", "http://exa mple.org/x"), ("linked-data-uri", "not an iri"), ("linked-data-uri", "http://x/%zz"),
])
def test_invalid_linked_data_uri_is_a_warning_and_dropped(tmp_path, attr, bad):
    text = GOOD_XML.replace('hierarchy="1">', f'hierarchy="1" {attr}="{bad}">')
    projects, problems = read_xml(tmp_path, text)
    warning = next(p for p in problems if attr in str(p))
    assert warning.severity == "warning" and str(warning).startswith("t.xml:3:")
    assert projects[0].linked_data_uri is None


def test_invalid_vocabulary_uri_is_a_warning_and_dropped(tmp_path):
    text = GOOD_XML.replace('vocabulary-uri="http://example.org/s"', 'vocabulary-uri="no iri here"')
    projects, problems = read_xml(tmp_path, text)
    warning = next(p for p in problems if "vocabulary-uri" in str(p))
    assert warning.severity == "warning" and f"t.xml:{line_of(text, 'no iri here')}:" in str(warning)
    assert all(s.vocabulary_uri != "no iri here" for s in projects[0].sectors)


def test_valid_linked_data_uri_is_kept(tmp_path):
    text = GOOD_XML.replace('hierarchy="1">', 'hierarchy="1" linked-data-uri="https://example.org/a/1">')
    projects, problems = read_xml(tmp_path, text)
    assert projects[0].linked_data_uri == "https://example.org/a/1"


@pytest.mark.parametrize("old, new", [
    ('<narrative xml:lang="en">Regional', '<narrative xml:lang="en us!">Regional'),
    ('<iati-activity xml:lang="es"', '<iati-activity xml:lang="e$"'),
    ('<iati-activities version="2.03">', '<iati-activities version="2.03" xml:lang="12345678901">'),
])
def test_bad_xml_lang_is_a_warning_and_the_text_is_kept(tmp_path, old, new):
    text = GOOD_XML.replace(old, new)
    projects, problems = read_xml(tmp_path, text)
    warning = next(p for p in problems if "xml:lang" in str(p))
    assert warning.severity == "warning" and f"t.xml:{line_of(text, new)}:" in str(warning)
    assert "Regional governance" in {t.value for t in projects[0].titles}
    assert all(t.lang is None or " " not in t.lang for t in projects[0].titles)


def _yaml(tmp_path: Path, text: str):
    path = tmp_path / "projects" / "x.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return read_project_file(path, tmp_path)


@pytest.mark.parametrize("depth", [100, 5000])
def test_deep_yaml_is_an_error_at_its_line(tmp_path, depth):
    project, problems = _yaml(tmp_path, "identifier: X\ntitle: " + "[" * depth + "]" * depth + "\n")
    assert project is None
    assert [str(p) for p in problems] == ["projects/x.yaml:2: broken YAML: nested more than 64 levels deep"]


@pytest.mark.parametrize("old, new, message", [
    ("reporting_org: {ref: CA-3,", 'reporting_org: {wikidata: "Q 1<2>", ref: CA-3,', "not a Wikidata item id"),
    ("reporting_org: {ref: CA-3,", "reporting_org: {wikidata: javascript:1, ref: CA-3,", "not a Wikidata item id"),
])
def test_bad_wikidata_id_in_yaml_is_an_error_at_its_line(tmp_path, old, new, message):
    text = SEED.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    _, problems = _yaml(tmp_path, text)
    assert any(message in str(p) and str(p).startswith(f"projects/x.yaml:{line_of(text, new)}:") for p in problems)


def test_bad_language_in_yaml_is_an_error(tmp_path):
    _, problems = _yaml(tmp_path, "identifier: X\ntitles: {en: A title, 'e s': Un titulo}\n")
    assert any("'e s' is not a language tag" in str(p) and str(p).startswith("projects/x.yaml:2:") for p in problems)


ENTITY = """<?xml version="1.0"?>
<!DOCTYPE iati-activities [<!ENTITY x SYSTEM "file:///etc/hostname">]>
<iati-activities version="2.03"><iati-activity><iati-identifier>XX-1</iati-identifier>
<reporting-org ref="XX" type="10"><narrative>&x;</narrative></reporting-org><title><narrative>&x;</narrative></title>
</iati-activity></iati-activities>
"""


def test_xsd_on_a_file_with_an_entity_is_a_clear_refusal(tmp_path, capsys):
    path = tmp_path / "entity.xml"
    path.write_text(ENTITY, encoding="utf-8")
    assert main(["import-iati", "--data", str(tmp_path / "data"), "--xsd", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:1: XSD 2.03: the file declares XML entities (x)" in err and "Internal error" not in err


def test_import_without_xsd_refuses_what_the_build_would_stop_on(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "reference").symlink_to(PROJECT_ROOT / "data" / "reference")
    bad = tmp_path / "bad.xml"
    text = GOOD_XML.replace('code="15110"', 'code="99999"')
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(IatiImportError) as info:
        import_iati([bad], data)
    assert len(info.value.messages) == 1
    assert info.value.messages[0].startswith(f"{bad}:{line_of(text, '99999')}: sector \"99999\" is not in the IATI")
    assert not (data / "iati").exists()
    good = tmp_path / "good.xml"
    good.write_text(GOOD_XML, encoding="utf-8")
    assert import_iati([good], data) == [data / "iati" / "good.xml"]


def test_build_with_a_decimal_overflow_exits_2_naming_file_and_line(tmp_path, capsys):
    data = tmp_path / "data"
    (data / "iati").mkdir(parents=True)
    (data / "reference").symlink_to(PROJECT_ROOT / "data" / "reference")
    (data / "projects").mkdir()
    text = GOOD_XML.replace(">2500.50<", ">1E+9999999<")
    (data / "iati" / "t.xml").write_text(text, encoding="utf-8")
    assert main(["build", "--data", str(data), "--store", str(tmp_path / "store")]) == 2
    assert f"data/iati/t.xml:{line_of(text, '1E+9999999')}: budget value '1E+9999999' is out of range" \
        in capsys.readouterr().err
    shutil.rmtree(tmp_path / "store", ignore_errors=True)
