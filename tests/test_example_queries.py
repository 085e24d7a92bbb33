"""The example queries (graph/queries/*.rq) answer on both fixture builds, and those written for
oxigraph's planner give the answers of their plain formulation.

Some examples were rewritten so that oxigraph evaluates them fast (the selective side first,
whole-property passes joined in subqueries, aggregates before names, nested OPTIONALs). Their
plain formulations are kept in tests/fixtures/example-queries-original/; on the seed build and on
the IATI fixture build each such example must return the same rows (a multiset: blank nodes aside)
with the same variables, and in the same order as far as its ORDER BY decides (rows that tie on
every ORDER BY key may come in any order).
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from graph.config import PROJECT_ROOT

QUERIES = {p.name: p for p in sorted((PROJECT_ROOT / "graph" / "queries").glob("*.rq"))}
ORIGINALS = PROJECT_ROOT / "tests" / "fixtures" / "example-queries-original"


@pytest.fixture(scope="module")
def iati_store(iati_settings):
    from graph.store import open_live

    return open_live(iati_settings.store)


def answer(store, query: str, prefixes: dict[str, str]) -> tuple[list[str], list[tuple[str, ...]]]:
    result = store.query(query, prefixes=prefixes)
    names = [v.value for v in result.variables]
    rows = []
    for row in result:
        rows.append(tuple("" if row[n] is None else "_:b" if type(row[n]).__name__ == "BlankNode" else str(row[n])
                          for n in names))
    return names, rows


def concat_separators(query: str, names: list[str]) -> dict[int, str]:
    """The projected GROUP_CONCATs and their separators: SPARQL leaves the order of their parts open."""
    found = re.findall(r'GROUP_CONCAT\((?:DISTINCT )?\?\w+; separator="([^"]*)"\) AS \?(\w+)', query)
    return {names.index(v): sep for sep, v in found if v in names}


def unordered_concats(rows: list[tuple[str, ...]], separators: dict[int, str]) -> list[tuple[str, ...]]:
    def parts(term: str, separator: str) -> str:
        m = re.fullmatch(r'"(.*)"(.*)', term, re.S)  # a literal in N-Triples form: its value, then any tag
        return (" | ".join(sorted(m.group(1).split(separator))) + m.group(2)) if m else term
    return [tuple(parts(v, separators[i]) if i in separators else v for i, v in enumerate(r)) for r in rows]


def order_keys(query: str, names: list[str]) -> list[int]:
    """The projected variables the query's ORDER BY sorts on, in order (ASC/DESC/functions of them)."""
    m = re.search(r"^ORDER BY (.*)$", query, re.M)
    return [names.index(v) for v in re.findall(r"\?(\w+)", m.group(1)) if v in names] if m else []


def test_every_plain_formulation_belongs_to_an_example():
    originals = sorted(p.name for p in ORIGINALS.glob("*.rq"))
    assert originals and set(originals) <= set(QUERIES)


@pytest.mark.parametrize("build", ["seed", "iati"])
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_example_answers_on_both_builds(request, build, name):
    from graph.namespaces import prefixes

    settings = request.getfixturevalue("seed_settings" if build == "seed" else "iati_settings")
    store = request.getfixturevalue("seed_store" if build == "seed" else "iati_store")
    _names, rows = answer(store, QUERIES[name].read_text(encoding="utf-8"), prefixes(settings.base))
    assert rows, f"{name} has no answer on the {build} build: an empty example teaches nothing"


@pytest.mark.parametrize("build", ["seed", "iati"])
@pytest.mark.parametrize("name", sorted(p.name for p in ORIGINALS.glob("*.rq")))
def test_example_query_answers_as_its_original_formulation(request, build, name):
    from graph.namespaces import prefixes

    settings = request.getfixturevalue("seed_settings" if build == "seed" else "iati_settings")
    store = request.getfixturevalue("seed_store" if build == "seed" else "iati_store")
    px = prefixes(settings.base)
    query = QUERIES[name].read_text(encoding="utf-8")
    names, rows = answer(store, query, px)
    old_names, old_rows = answer(store, (ORIGINALS / name).read_text(encoding="utf-8"), px)
    assert names == old_names
    separators = concat_separators(query, names)
    assert Counter(unordered_concats(rows, separators)) == Counter(unordered_concats(old_rows, separators))
    keys = order_keys(query, names)
    assert [[r[i] for i in keys] for r in rows] == [[r[i] for i in keys] for r in old_rows]
