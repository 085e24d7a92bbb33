"""Property-based tests of the build's input: mutated YAML project files and IATI XML.

Each example writes one mutated file into a fresh data directory and runs the build's
read+map stage on it (`graph.assemble.run_sources`: read, shared checks, mapping to
N-Triples, as `devkg build` does, in this process). Whatever the file holds, the
stage must end with projects or `Problem`s naming the file and a line, never an
exception (a hang would stall the suite; bench/reliability.py times it). Examples per test: the counts below times
`DEVKG_FUZZ_SCALE` (bench/reliability.py raises it); profiles in tests/conftest.py.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from fuzzlib import examples
from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from lxml import etree
from seedlib import IATI_DIR

from graph.config import PROJECT_ROOT, Settings
from graph.records import Problem

SEEDS = sorted((PROJECT_ROOT / "data" / "projects").glob("*.yaml"))
SMALL_IATI = sorted(p for p in IATI_DIR.glob("*.xml") if p.stat().st_size < 50_000)


# --- running the build's read+map stage on one file ---------------------------------------------------------

class _Line:
    total = 0

    def update(self, *_args) -> None:
        pass


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """One data directory for every example, so the reference data is loaded once (it is cached per directory)."""
    data = tmp_path_factory.mktemp("fuzz") / "data"
    data.mkdir()
    os.symlink(PROJECT_ROOT / "data" / "reference", data / "reference")
    return data


def read_and_map(data: Path, name: str, raw: bytes) -> tuple[list[str], list[Problem]]:
    """(identifiers, problems) of `data/{name}` after the build's read+map stage; raises what the stage raises."""
    from graph.assemble import run_sources
    from graph.mapping.iris import Iris
    from graph.reference import Reference

    for sub in ("projects", "iati", "cache"):
        shutil.rmtree(data / sub, ignore_errors=True)
    (data / name).parent.mkdir(parents=True)
    (data / name).write_bytes(raw)
    (data / "cache").mkdir()
    settings_ = Settings.from_env({}, data=data, store=data / "var" / "store")
    metas = run_sources(settings_, Iris(settings_.base), Reference.load(data), data / "cache", _Line(), workers=1)
    return [i for m in metas for i, _line in m.identifiers], [p for m in metas for p in m.problem_list()]


def assert_located(problems: list[Problem], file: str, lines: int) -> None:
    """Every problem names the file and a line in it (a file that cannot be read at all: no line)."""
    event("with errors" if any(p.severity == "error" for p in problems) else
          "with warnings only" if problems else "no problem")
    for p in problems:
        assert p.where.file == file, str(p)
        assert p.message and "Traceback" not in p.message, str(p)
        if p.where.line is None:
            assert WHOLE_FILE.search(p.message), f"no line: {p}"
        else:
            assert 1 <= p.where.line <= max(lines, 1), str(p)


WHOLE_FILE = re.compile(r"the file is empty|cannot read the file|Document is empty|"
                        r"no activity|Start tag expected|Extra content|Premature end|EndTag|Couldn't find end")


# --- YAML project files -------------------------------------------------------------------------------------

KEYS = ["identifier", "title", "titles", "language", "participants", "role", "ref", "name", "names", "code",
        "percentage", "value", "currency", "recipient_countries", "locations", "sectors", "sdgs", "budgets",
        "transactions", "results", "indicators", "periods", "planned_start", "actual_end", "total_budget",
        "source", "extra", "related", "type", "vocabulary", "wikidata", "point", "period_start"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
    st.dates(), st.sampled_from(["2019-02-30", "2024-13", "0000-00-00", "2019-10", "9999-12-31T25:61",
                                 "1E+9999999", "-1e999999", "NaN", "-0", "1,000", "0x10", "021", "16.10",
                                 "PE", "PE-PIU", "m49-419", "group-SIDS", "XX", "USD", "EUR", "xx-Latn-ZZ",
                                 "Q0", "Q99999999999999999999", "US-GOV-1", "http://exa mple.org/", "", " ",
                                 "\u202e", "\ufeff", "ÿ" * 3, "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "NO", "yes", "~"])
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=3),
                      max_leaves=8)


def _places(doc, path=()):
    """Every (container, key) in a loaded document, the document itself as (None, None)."""
    yield path
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _places(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _places(v, (*path, i))


def _get(doc, path):
    for k in path:
        doc = doc[k]
    return doc


@st.composite
def mutated_tree(draw):
    """A seed project, loaded, with keys dropped, values replaced by other types, items duplicated."""
    doc = copy.deepcopy(yaml.safe_load(draw(st.sampled_from(SEEDS)).read_text(encoding="utf-8")))
    for _ in range(draw(st.integers(1, 6))):
        paths = [p for p in _places(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = _get(doc, path[:-1]), path[-1]
        op = draw(st.sampled_from(["drop", "replace", "replace", "duplicate", "rename", "nest"]))
        if op == "drop":
            del parent[key]
        elif op == "replace":
            parent[key] = draw(VALUES)
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS) | st.text(min_size=1, max_size=8))] = parent.pop(key)
        elif op == "nest":
            value = parent[key]
            for _ in range(draw(st.integers(1, 70))):
                value = draw(st.sampled_from([[value], {"value": value}]))
            parent[key] = value
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=10_000)


BOMB = "\n".join(["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
                 + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)])


@st.composite
def mutated_text(draw, tree):
    """The text of a (mutated) project with lines deleted, duplicated or swapped and odd text inserted."""
    lines = tree.splitlines(keepends=True)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))):
        if not lines:
            break
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "indent", "bomb", "alias"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(j, lines[i])
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            lines.insert(i, draw(st.text(max_size=40) | st.sampled_from(
                ["\t- x\n", "? [a, b]\n: c\n", "<<: *nothing\n", "!!python/object:os.system ls\n", "---\n",
                 "...\n", "%YAML 1.1\n", "key: !!binary AAAA\n", "key: !!timestamp x\n", "key: !!int\n",
                 "key: !!float x\n", "key: !!map [a]\n", "key: !!seq {a: 1}\n", "&a key: *a\n",
                 "x: " + "[" * 200 + "\n", "x: '" + "y" * 200_000 + "'\n"])))
        elif op == "indent":
            lines[i] = " " * draw(st.integers(1, 9)) + lines[i]
        elif op == "bomb":  # a billion laughs, then one of the bomb's names used as a field's value
            key = draw(st.sampled_from(["titles", "description", "participants", "sectors", "extra", "results",
                                        "recipient_countries", "budgets", "identifier", "source"]))
            use = draw(st.sampled_from([f"{key}: *l9\n", f"? *l9\n: {key}\n", f"{key}: {{ *l9 : x }}\n"]))
            lines += ["\n", BOMB, "\n", use]
        elif op == "alias":  # a node that contains itself
            lines.insert(i, draw(st.sampled_from(["rec: &r [*r]\n", "rec: &r {a: *r}\n", "titles: &t [*t]\n",
                                                  "participants: &p [{role: funding, names: *p}]\n"])))
    text = "".join(lines)
    raw = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 5)) == 0 and raw:  # a few raw bytes: invalid UTF-8, NUL, a BOM
        at = draw(st.integers(0, len(raw)))
        odd = draw(st.sampled_from([b"\xff", b"\x00", b"\xef\xbb\xbf", b"\xc3", b"\r", b"\x1b[2J"]))
        raw = raw[:at] + odd + raw[at:]
    return raw


@st.composite
def yaml_files(draw):
    return draw(mutated_text(draw(mutated_tree())))


@settings(max_examples=examples(60))
@given(raw=yaml_files())
@example(raw=f"identifier: x\ntitle: y\n{BOMB}\nextra: *l9\n".encode())
@example(raw=b"identifier: x\ntitle: y\nparticipants: &p [{role: funding, names: *p}]\n")
@example(raw=b"identifier: x\ntitle: y\n\x00language: en\n")  # found by this test: a NUL gave no line
@example(raw=f"identifier: x\ntitle: y\n{BOMB}\n? *l9\n: z\n".encode())  # found writing this test: a hang
@example(raw=b"k: !!timestamp\nidentifier: x\ntitle: y\n")  # found by this test: AttributeError in PyYAML
@example(raw=b"identifier: !!int\ntitle: !!map [y]\nsectors: !!seq {a: 1}\n")  # IndexError, TypeError, ...
def test_mutated_yaml_gives_projects_or_located_problems(data_dir, raw):
    identifiers, problems = read_and_map(data_dir, "projects/fuzz.yaml", raw)
    event("mapped" if identifiers else "nothing to map")
    assert_located(problems, "data/projects/fuzz.yaml", raw.count(b"\n") + 1)
    assert identifiers or any(p.severity == "error" for p in problems)


# --- IATI activity files -------------------------------------------------------------------------------------

BAD_VALUES = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", " ", "2019-02-30", "2019-13-01", "20190101", "2019-1-1", "1999-12-31T23:59:59Z",
                     "0001-01-01", "1E+9999999", "-1e999999", "1,000", "NaN", "Infinity", "-0", "0.0000001",
                     "12345678901234567890123456789012345678901234567890", "999", "XX", "xx", "1", "0", "99",
                     "true", "false", "1.5", "-5", "PE", "m49-419", "\u202e", "&amp;", "http://exa mple.org/x",
                     "https://example.org/%zz", "en-", "x" * 5000, "١٢٣", "𝟙𝟚𝟛"]))
ATTRIBUTES = ["ref", "type", "role", "code", "vocabulary", "percentage", "iso-date", "value-date", "currency",
              "status", "significance", "level", "measure", "ascending", "default-currency", "hierarchy",
              "{http://www.w3.org/XML/1998/namespace}lang", "last-updated-datetime", "version", "format", "url",
              "activity-id", "secondary-reporter", "humanitarian", "srsName", "exactness", "reach"]


@st.composite
def mutated_xml(draw):
    """A small real IATI file with elements dropped or duplicated, attributes dropped or changed, texts changed."""
    path = draw(st.sampled_from(SMALL_IATI + [f for f in SMALL_IATI if not f.name.startswith("schema-test")] * 2))
    root = etree.parse(str(path), etree.XMLParser(remove_blank_text=False, resolve_entities=False)).getroot()
    for _ in range(draw(st.integers(1, 8))):
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        el = draw(st.sampled_from(elements))
        op = draw(st.sampled_from(["drop", "duplicate", "drop-attr", "set-attr", "set-attr", "text", "move"]))
        parent = el.getparent()
        if op == "drop" and parent is not None:
            parent.remove(el)
        elif op == "duplicate" and parent is not None:
            parent.insert(parent.index(el), copy.deepcopy(el))
        elif op == "drop-attr" and el.attrib:
            del el.attrib[draw(st.sampled_from(sorted(el.attrib)))]
        elif op == "set-attr":
            name = draw(st.sampled_from(sorted(el.attrib) + ATTRIBUTES))
            value = draw(BAD_VALUES)
            try:
                el.set(name, value)
            except ValueError:  # text lxml cannot hold (control characters): not a file anyone can write
                pass
        elif op == "text":
            try:
                el.text = draw(BAD_VALUES)
            except ValueError:
                pass
        elif op == "move" and parent is not None:
            target = draw(st.sampled_from(elements))
            if el not in target.iterancestors() and el is not target:
                target.append(el)
    raw = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    tail = draw(st.sampled_from(["none"] * 6 + ["entities", "truncate", "bytes", "doctype-bomb"]))
    if tail == "entities":  # an internal entity used in a code: never expanded
        raw = raw.replace(b"<iati-activities", b'<!DOCTYPE iati-activities [<!ENTITY c "1">]>\n<iati-activities', 1)
        raw = re.sub(rb'code="[^"]*"', b'code="&c;"', raw, count=1)
    elif tail == "doctype-bomb":
        bomb = b"".join(b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;">' % ((i,) + (i - 1,) * 10)
                        for i in range(1, 10))
        raw = raw.replace(b"<iati-activities", b'<!DOCTYPE iati-activities [<!ENTITY l0 "lol">' + bomb
                          + b']>\n<iati-activities', 1)
        raw = raw.replace(b"</title>", b"&l9;</title>", 1).replace(b"</narrative>", b"&l9;</narrative>", 1)
    elif tail == "truncate":
        raw = raw[:draw(st.integers(0, len(raw)))]
    elif tail == "bytes":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.sampled_from([b"\xff", b"\x00", b"<", b"&", b"]]>", b"<!--", b"\xc3("])) + raw[at:]
    return raw


@settings(max_examples=examples(60))
@given(raw=mutated_xml())
@example(raw=b"")  # found by this test: an empty file was "malformed XML" at line 0
def test_mutated_iati_gives_projects_or_located_problems(data_dir, raw):
    identifiers, problems = read_and_map(data_dir, "iati/fuzz.xml", raw)
    event("mapped" if identifiers else "nothing to map")
    assert_located(problems, "data/iati/fuzz.xml", raw.count(b"\n") + 1)
