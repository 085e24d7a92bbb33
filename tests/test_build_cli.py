"""`devkg build` on bad input: every problem as file:line: message, in one run, old store untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graph.cli import main
from graph.config import PROJECT_ROOT
from graph.store import live_target

SEED = PROJECT_ROOT / "data" / "projects" / "ca-3-a034224001.yaml"
ECLAC = PROJECT_ROOT / "data" / "projects" / "unda-2225o-eclac-resilient-public-management.yaml"


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A data dir with two seed projects, built once; each test breaks a copy of it."""
    tmp = tmp_path_factory.mktemp("cli")
    data = tmp / "data"
    (data / "projects").mkdir(parents=True)
    shutil.copy(SEED, data / "projects")
    shutil.copy(ECLAC, data / "projects")
    (data / "reference").symlink_to(PROJECT_ROOT / "data" / "reference")
    store = tmp / "var" / "store"
    assert main(["build", "--data", str(data), "--store", str(store)]) == 0
    return data, store


def run_broken(built, tmp_path, edit, capsys):
    data, store = built
    broken = tmp_path / "data"
    shutil.copytree(data, broken, symlinks=True)
    edit(broken / "projects")
    before = live_target(store)
    code = main(["build", "--data", str(broken), "--store", str(store)])
    err = capsys.readouterr().err
    assert live_target(store) == before, "a failed build must leave the previous store live"
    return code, err


def replace_in(name: str, old: str, new: str):
    def edit(projects: Path) -> None:
        path = projects / name
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return edit


CA = "ca-3-a034224001.yaml"
UN = "unda-2225o-eclac-resilient-public-management.yaml"
CASES = [
    # (case id, file, old text, new text, line fragment in the edited file, message fragment)
    ("wrong-type", CA, "total_budget: {value: 19075668.00", "total_budget: {value: lots",
     "total_budget:", '"value" must be a number'),
    ("missing-identifier", CA, "identifier: CA-3-A034224001\n", "\n", None, 'missing required field "identifier"'),
    ("start-after-end", CA, "actual_end: 2017-12-31", "actual_end: 2009-12-31", "actual_end:", "is after end date"),
    ("unknown-country", CA, "{code: PE, percentage: 100}", "{code: XQ, percentage: 100}",
     "{code: XQ", 'recipient country "XQ" is not an ISO 3166-1 country code'),
    ("unknown-region", CA, "{place: PE-PIU, name: Piura}", "{place: PE-PIX, name: Piura}",
     "PE-PIX", 'location "PE-PIX" is not a known place'),
    ("unknown-currency", CA, "currency: CAD, label: Maximum", "currency: CAX, label: Maximum",
     "total_budget:", 'currency "CAX" is not in the IATI Currency codelist'),
    ("unknown-sector", CA, 'code: "15112"', 'code: "15199"', 'code: "15199"',
     '"15199" is not in the IATI Sector codelist'),
    ("unknown-sdg", UN, '"16.7", "5.5"', '"16.99", "5.5"', "sdg_targets:", 'SDG target "16.99" is not'),
    ("broken-yaml", CA, "title: Strengthening", "title: [Strengthening", None, "broken YAML"),
]


@pytest.mark.parametrize("case, name, old, new, line_fragment, message", CASES, ids=[c[0] for c in CASES])
def test_bad_input_names_file_line_and_field(built, tmp_path, capsys, case, name, old, new, line_fragment, message):
    code, err = run_broken(built, tmp_path, replace_in(name, old, new), capsys)
    assert code == 2
    line = next(x for x in err.splitlines() if message in x)
    assert line.startswith(f"data/projects/{name}:")
    if line_fragment:
        text = (tmp_path / "data" / "projects" / name).read_text(encoding="utf-8")
        assert line.startswith(f"data/projects/{name}:{line_of(text, line_fragment)}: ")


def test_duplicate_identifier_names_both_files(built, tmp_path, capsys):
    def edit(projects: Path) -> None:
        shutil.copy(projects / CA, projects / "copy-of-ca.yaml")
    code, err = run_broken(built, tmp_path, edit, capsys)
    assert code == 2
    assert 'identifier "CA-3-A034224001" is also used at data/projects/ca-3-a034224001.yaml:' in err


def test_every_problem_is_reported_in_one_run(built, tmp_path, capsys):
    def edit(projects: Path) -> None:
        replace_in(CA, "{code: PE, percentage: 100}", "{code: XQ, percentage: 100}")(projects)
        replace_in(CA, 'code: "15112"', 'code: "15199"')(projects)
        replace_in(UN, '"16.7", "5.5"', '"16.99", "5.5"')(projects)
    code, err = run_broken(built, tmp_path, edit, capsys)
    assert code == 2
    assert '"XQ"' in err and '"15199"' in err and '"16.99"' in err


def test_good_build_switches_the_live_store(built, tmp_path, capsys):
    data, store = built
    before = live_target(store)
    assert main(["build", "--data", str(data), "--store", str(store)]) == 0
    after = live_target(store)
    assert after != before and after.is_dir()
    assert "projects 2" in capsys.readouterr().err


@pytest.mark.parametrize("fmt, expected", [
    ("csv", "id\r\nhttps://w3id.org/devkg/id/project/CA-3-A034224001\r\n"),
    ("tsv", "?id\n<https://w3id.org/devkg/id/project/CA-3-A034224001>\n"),
    ("table", "https://w3id.org/devkg/id/project/CA-3-A034224001"),
    ("json", '"value":"https://w3id.org/devkg/id/project/CA-3-A034224001"'),
])
def test_query_prints_each_format(built, capsys, fmt, expected):
    data, store = built
    q = "SELECT ?id WHERE { ?id dev:identifier 'CA-3-A034224001' }"
    assert main(["query", q, "--store", str(store), "--format", fmt]) == 0
    assert expected in capsys.readouterr().out


def test_query_construct_prints_turtle_and_ask_prints_boolean(built, capsys):
    data, store = built
    assert main(["query", "ASK { ?p dev:recipientCountry <https://w3id.org/devkg/id/place/PE> }",
                 "--store", str(store)]) == 0
    assert capsys.readouterr().out.strip() == "true"
    assert main(["query", "CONSTRUCT { ?p a dev:Project } WHERE { ?p dev:identifier 'CA-3-A034224001' }",
                 "--store", str(store)]) == 0
    assert "<https://w3id.org/devkg/def#Project>" in capsys.readouterr().out


def test_query_with_a_syntax_error_exits_2(built, capsys):
    data, store = built
    assert main(["query", "SELEKT nothing", "--store", str(store)]) == 2
    assert "devkg query:" in capsys.readouterr().err


def test_validate_reports_conformance_and_exit_codes(built, tmp_path, capsys):
    data, _ = built
    assert main(["validate", "--data", str(data)]) == 0
    assert "conforms" in capsys.readouterr().err

    def edit(projects: Path) -> None:
        replace_in(CA, 'code: "15112"', 'code: "15199"')(projects)
    broken = tmp_path / "data"
    shutil.copytree(data, broken, symlinks=True)
    edit(broken / "projects")
    assert main(["validate", "--data", str(broken)]) == 2
    assert f"data/projects/{CA}:" in capsys.readouterr().out


def test_shacl_violation_names_focus_and_message(tmp_path, capsys):
    """A graph-level problem the record checks cannot see: a second total budget."""
    from rdflib import Literal, URIRef

    from graph.build import in_memory_graph, shacl_validate
    from graph.config import Settings

    settings = Settings.from_env({}, data=PROJECT_ROOT / "data")
    whole = in_memory_graph(settings)
    iris, asserted = whole.iris, whole.asserted
    g = next(iter(asserted.values()))
    p = next(iter(g.subjects(URIRef(iris.vocab + "identifier"), None)))
    g.add((p, URIRef(iris.vocab + "identifier"), Literal("SECOND-ID")))
    report = shacl_validate(asserted, whole.reference, settings)
    assert not report.conforms
    line = next(str(f) for f in report.violations)
    assert line.startswith(f"<{p}> dev:identifier: ") and "exactly one identifier" in line


STRICT_SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dev: <https://w3id.org/devkg/def#> .
<https://w3id.org/devkg/shapes#StrictTitleShape> a sh:NodeShape ;
    sh:targetClass dev:Project ;
    sh:property [ sh:path dev:title ; sh:minLength 10000 ;
                  sh:message "title shorter than this test's 10,000 characters" ] .
"""


def test_shacl_violation_exits_1_through_the_cli_and_keeps_the_old_store(built, tmp_path, monkeypatch, capsys):
    """Records pass every check, the graph breaks a shape: validate and build exit 1, nothing is published."""
    data, store = built
    shapes = tmp_path / "shapes"
    shutil.copytree(PROJECT_ROOT / "shapes", shapes)
    (shapes / "strict-title.ttl").write_text(STRICT_SHAPE, encoding="utf-8")
    monkeypatch.setenv("DEVKG_SHAPES", str(shapes))
    before = live_target(store)
    assert main(["validate", "--data", str(data)]) == 1
    assert "10,000 characters" in capsys.readouterr().out
    assert main(["build", "--data", str(data), "--store", str(store)]) == 1
    assert "10,000 characters" in capsys.readouterr().err
    assert live_target(store) == before


def test_same_identifier_in_a_curated_and_an_iati_file_is_an_error(built, tmp_path, capsys):
    """The one duplicate check spans kinds: the curated file is read first and kept."""
    def edit(projects: Path) -> None:
        (projects.parent / "iati").mkdir()
        shutil.copy(PROJECT_ROOT / "tests" / "fixtures" / "iati-seed" / "ca-3-a034224001.xml", projects.parent / "iati")
    code, err = run_broken(built, tmp_path, edit, capsys)
    assert code == 2
    assert 'data/iati/ca-3-a034224001.xml:' in err
    assert 'identifier "CA-3-A034224001" is also used at data/projects/ca-3-a034224001.yaml:' in err
