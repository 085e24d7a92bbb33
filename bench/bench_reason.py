"""Benchmark the SPARQL rules against owlrl on synthetic projects shaped like the real data.

    .venv/bin/python bench/bench_reason.py                 # 1000 and 10000 projects
    .venv/bin/python bench/bench_reason.py 500 5000 --owlrl-max 500

Each project has a place several levels deep (district < region < country < M49
sub-regions), SDG targets under their goals, role shortcuts and n-ary participations, a
budget and a sector, all in the real ontology's terms. owlrl runs only up to
`--owlrl-max` projects (it took ~6 minutes at 10k); when it runs, the bench
also checks that both give the same useful triples.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyoxigraph as ox  # noqa: E402
from rdflib import Graph  # noqa: E402

from graph.reason import canonical_triple, inferred_graph, materialise, owlrl_closure  # noqa: E402
from graph.store import EmbeddedStore  # noqa: E402

ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology" / "devkg.ttl"
BASE = "https://w3id.org/devkg/"
DEV, ID, SDG = f"{BASE}def#", f"{BASE}id/", "http://metadata.un.org/sdg/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
ROLES = {"1": "fundedBy", "2": "accountableOrg", "3": "extendingOrg", "4": "implementedBy"}


def _t(s: str, p: str, o: str) -> str:
    return f"<{s}> <{p}> {o} .\n"


def _iri(x: str) -> str:
    return f"<{x}>"


def reference(rng: random.Random) -> tuple[list[str], list[str], list[str], list[str]]:
    """Places (continent > sub-continent > sub-region > country > region > district) and SDGs."""
    lines, countries, leaves, targets = [], [], [], []

    def place(code: str, cls: str, parent: str | None) -> str:
        iri = f"{ID}place/{code}"
        lines.append(_t(iri, TYPE, _iri(DEV + cls)))
        if parent:
            lines.append(_t(iri, DEV + "withinPlace", _iri(parent)))
        return iri

    for c in range(5):
        continent = place(f"m49-c{c}", "MacroRegion", None)
        for s in range(2):
            sub = place(f"m49-c{c}s{s}", "MacroRegion", continent)
            for r in range(2):
                region = place(f"m49-c{c}s{s}r{r}", "MacroRegion", sub)
                for k in range(10):
                    code = f"C{c}{s}{r}{k}"
                    country = place(code, "Country", region)
                    countries.append(country)
                    for a in range(8):
                        adm = place(f"{code}-A{a}", "Region", country)
                        leaves += [adm] + [place(f"{code}-A{a}-D{d}", "District", adm) for d in range(2)]
    for g in range(1, 18):
        goal = f"{SDG}{g}"
        lines.append(_t(goal, TYPE, _iri("http://metadata.un.org/sdg/ontology#Goal")))
        for t in range(1, 11):
            target = f"{SDG}{g}.{t}"
            targets.append(target)
            lines.append(_t(target, TYPE, _iri("http://metadata.un.org/sdg/ontology#Target")))
            lines.append(_t(target, SKOS + "broader", _iri(goal)))
    rng.shuffle(leaves)
    return lines, countries, leaves, targets


def projects(n: int, seed: int = 0) -> str:
    """N-Triples for n projects plus the reference data they point at."""
    rng = random.Random(seed)
    lines, countries, leaves, targets = reference(rng)
    orgs = [f"{ID}org/XM-{i}" for i in range(max(50, n // 20))]
    for org in orgs:
        lines.append(_t(org, TYPE, _iri(DEV + "Organisation")))
        lines.append(_t(org, DEV + "basedIn", _iri(rng.choice(countries))))
    for i in range(n):
        p = f"{ID}project/XM-{i}"
        add = lambda pred, obj: lines.append(_t(p, pred, obj))  # noqa: E731
        add(TYPE, _iri(DEV + "Project"))
        add(DEV + "identifier", f'"XM-{i}"')
        add(DEV + "title", f'"Project {i}"@en')
        add(DEV + "startDate", f'"20{10 + i % 15}-0{1 + i % 9}-01"^^<{XSD}date>')
        leaf = leaves[i % len(leaves)]
        add(DEV + "location", _iri(leaf))
        add(DEV + "recipientCountry", _iri(rng.choice(countries)))
        for target in rng.sample(targets, rng.randint(1, 3)):
            add(DEV + "sdgTarget", _iri(target))
        add(DEV + "sector", _iri(f"{ID}codelist/Sector/{15110 + i % 7}"))
        for code, role in ROLES.items():
            if code in "14" or rng.random() < 0.3:
                org = rng.choice(orgs)
                add(DEV + role, _iri(org))
                part = f"{p}/participation/{code}/{org.rsplit('/', 1)[1]}"
                add(DEV + "participation", _iri(part))
                lines.append(_t(part, DEV + "organisation", _iri(org)))
                lines.append(_t(part, DEV + "role", _iri(f"{ID}codelist/OrganisationRole/{code}")))
        budget, amount = f"{p}/budget/1", f"{p}/budget/1/amount"
        add(DEV + "budget", _iri(budget))
        lines.append(_t(budget, DEV + "amount", _iri(amount)))
        lines.append(_t(amount, DEV + "value", f'"{rng.randint(10, 10**7)}.50"^^<{XSD}decimal>'))
        lines.append(_t(amount, DEV + "currency", _iri(f"{ID}codelist/Currency/CAD")))
    return "".join(lines)


def run(n: int, ontology: Graph, with_owlrl: bool) -> None:
    t0 = time.perf_counter()
    nt = projects(n)
    store = EmbeddedStore(None)
    store.load(nt.encode(), ox.RdfFormat.N_TRIPLES, graph=f"{BASE}graph/source/bench")
    asserted = len(store.raw)
    load = time.perf_counter() - t0
    report = materialise(store, ontology, f"{BASE}graph/inferred")
    line = (f"{n:>7} projects, {asserted:>8} triples (generated+loaded in {load:.1f}s) | rules: "
            f"{report.total:>8} new triples in {report.seconds:7.2f}s, {report.rounds} rounds")
    if with_owlrl:
        data = Graph().parse(data=nt, format="nt")
        t0 = time.perf_counter()
        reference = owlrl_closure(data, ontology)
        owl = time.perf_counter() - t0
        ours = {canonical_triple(t) for t in inferred_graph(store, f"{BASE}graph/inferred")}
        theirs = {canonical_triple(t) for t in reference}
        verdict = ("same triples" if ours == theirs
                   else f"DIFFER: {len(ours - theirs)} rules only, {len(theirs - ours)} owlrl only")
        line += (f" | owlrl: {len(reference):>8} useful triples in {owl:7.1f}s | x{owl / report.seconds:.0f} "
                 f"| {verdict}")
    print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000], help="numbers of projects")
    parser.add_argument("--owlrl-max", type=int, default=1000, help="largest size owlrl is run on")
    args = parser.parse_args(argv)
    ontology = Graph().parse(ONTOLOGY)
    for n in args.sizes:
        run(n, ontology, with_owlrl=n <= args.owlrl_max)
    return 0


if __name__ == "__main__":
    sys.exit(main())
