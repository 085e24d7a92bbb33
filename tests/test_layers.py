"""The layering the README promises, read from the code's parsed imports (not its text)."""

from __future__ import annotations

import ast
from pathlib import Path

from graph.config import PROJECT_ROOT

CODE = sorted((PROJECT_ROOT / "graph").rglob("*.py")) + [PROJECT_ROOT / "server.py"]


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_only_the_store_module_imports_the_storage_engine():
    importers = {str(p.relative_to(PROJECT_ROOT)) for p in CODE
                 if any(m == "pyoxigraph" or m.startswith("pyoxigraph.") for m in imported_modules(p))}
    assert importers == {"graph/store.py"}


def test_readers_know_no_rdf_and_mapping_never_touches_the_store():
    for path in CODE:
        rel = path.relative_to(PROJECT_ROOT).as_posix()
        modules = imported_modules(path)
        if rel.startswith("graph/sources/"):
            assert not {m for m in modules if m.split(".")[0] in ("rdflib", "pyoxigraph")}, rel
        if rel.startswith("graph/mapping/"):
            assert "graph.store" not in modules, rel
