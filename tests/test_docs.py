"""Docs checked by tests: what the README and data docs promise must exist."""

import re

import pytest

from graph.cli import COMMANDS, _parser
from graph.config import PROJECT_ROOT, Settings

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
QUERIES = sorted((PROJECT_ROOT / "graph" / "queries").glob("*.rq"))


def test_quick_start_is_two_commands():
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", README, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert commands[0].startswith("make run") and commands[1].startswith("make test")


def test_ci_runs_the_readme_test_command():
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert re.search(r"^test:", makefile, re.M) and re.search(r"^run:", makefile, re.M)


def test_every_command_in_the_readme_exists():
    listed = re.search(r"`devkg ([^`]+)`, each", README).group(1)
    names = {part.split()[0] for part in listed.split("|")}
    assert names == set(COMMANDS)
    help_text = _parser().format_help()
    for name in COMMANDS:
        assert name in help_text


@pytest.mark.parametrize("path", QUERIES, ids=[q.name for q in QUERIES])
def test_example_queries_have_title_and_description(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# title: ") and len(lines[0]) > len("# title: ") + 5
    assert lines[1].startswith("# description: ") and len(lines[1]) > 30


def test_at_least_twelve_example_queries():
    assert len(QUERIES) >= 12


def test_every_setting_is_documented_in_config():
    source = (PROJECT_ROOT / "graph" / "config.py").read_text()
    for name in Settings.__dataclass_fields__:
        line = next(x for x in source.splitlines() if x.strip().startswith(f"{name}:"))
        assert "#" in line, f"setting {name} has no comment"


def test_data_readme_documents_every_yaml_field():
    from graph.sources import yaml_projects

    doc = (PROJECT_ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for key in yaml_projects.TOP_LEVEL_KEYS:
        assert f"`{key}`" in doc, f"data/README.md does not document `{key}`"
