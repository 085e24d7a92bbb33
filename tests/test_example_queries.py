"""The example queries (graph/queries/*.rq) give the answers of their plain first formulation.

The examples were rewritten so that oxigraph evaluates them fast (the selective side first,
whole-property passes joined in subqueries, aggregates before names). The plain formulations
they replaced are kept in tests/fixtures/example-queries-original/; on the seed build and on the
IATI fixture build each example must return the same rows (a multiset: blank nodes aside) with
the same variables, and in the same order as far as its ORDER BY decides (rows that tie on every
ORDER BY key may come in any order).
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


def order_keys(query: str, names: list[str]) -> list[int]:
    """The projected variables the query's ORDER BY sorts on, in order (ASC/DESC/functions of them)."""
    m = re.search(r"^ORDER BY (.*)$", query, re.M)
    return [names.index(v) for v in re.findall(r"\?(\w+)", m.group(1)) if v in names] if m else []


def test_every_example_has_its_original():
    assert sorted(QUERIES) == sorted(p.name for p in ORIGINALS.glob("*.rq"))


@pytest.mark.parametrize("build", ["seed", "iati"])
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_example_query_answers_as_its_original_formulation(request, build, name):
    from graph.namespaces import prefixes

    settings = request.getfixturevalue("seed_settings" if build == "seed" else "iati_settings")
    store = request.getfixturevalue("seed_store" if build == "seed" else "iati_store")
    px = prefixes(settings.base)
    query = QUERIES[name].read_text(encoding="utf-8")
    names, rows = answer(store, query, px)
    old_names, old_rows = answer(store, (ORIGINALS / name).read_text(encoding="utf-8"), px)
    assert names == old_names
    assert Counter(rows) == Counter(old_rows)
    keys = order_keys(query, names)
    assert [[r[i] for i in keys] for r in rows] == [[r[i] for i in keys] for r in old_rows]
    assert rows, f"{name} has no answer on the {build} build, so the comparison proves little"
