"""OWL RL materialisation: fast rules derived from the ontology, with owlrl as the reference.

`derive_rules()` reads the axioms of `ontology/devkg.ttl` (sub-class, sub-property,
equivalence, inverse, symmetric, transitive, domain, range, property chains) and
turns each kind into one SPARQL CONSTRUCT; `materialise()` runs them in pyoxigraph
over the union of all graphs until nothing new appears, writing only new triples
into the inferred graph. `owlrl_closure()` is the reference: owlrl's full OWL RL
closure, cut down by `useful()` to the same kind of triples (DESIGN §8: half of
what owlrl adds is noise). A test checks both give the same set on fixtures.

Only the core ontology is reasoned over: alignments (schema.org, EURIO...) are
published but not materialised, so `schema:Project ⊑ schema:Organization` can
never make projects into organisations.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD

BUILTIN = (str(OWL), str(RDF), str(RDFS), str(XSD))


@dataclass
class Rule:
    name: str
    construct: str  # a SPARQL CONSTRUCT run over the union of all graphs


@dataclass
class ReasonReport:
    rounds: int = 0
    added: dict[str, int] = field(default_factory=dict)  # rule name -> triples added
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.added.values())


def _iri(n) -> str:
    return f"<{n}>"


def _pairs(g: Graph, predicate) -> list[tuple[URIRef, URIRef]]:
    return sorted((s, o) for s, o in g.subject_objects(predicate) if isinstance(s, URIRef) and isinstance(o, URIRef))


def _values(pairs) -> str:
    return " ".join(f"({_iri(a)} {_iri(b)})" for a, b in pairs)


def _not_builtin(n) -> bool:
    return not str(n).startswith(BUILTIN)


def derive_rules(ontology: Graph) -> list[Rule]:
    """One CONSTRUCT per kind of axiom, each with a VALUES table of the axioms of that kind."""
    rules: list[Rule] = []
    sub_class = [(a, b) for a, b in _pairs(ontology, RDFS.subClassOf) if _not_builtin(b) and a != b]
    for a, b in _pairs(ontology, OWL.equivalentClass):
        sub_class += [(a, b), (b, a)]
    sub_prop = [(a, b) for a, b in _pairs(ontology, RDFS.subPropertyOf) if a != b]
    for a, b in _pairs(ontology, OWL.equivalentProperty):
        sub_prop += [(a, b), (b, a)]
    inverse = _pairs(ontology, OWL.inverseOf)
    inverse += [(b, a) for a, b in inverse]
    if sub_class:
        rules.append(Rule("subClassOf", f"""CONSTRUCT {{ ?x a ?d }} WHERE {{
            VALUES (?c ?d) {{ {_values(sorted(set(sub_class)))} }} ?x a ?c . FILTER NOT EXISTS {{ ?x a ?d }} }}"""))
    if sub_prop:
        rules.append(Rule("subPropertyOf", f"""CONSTRUCT {{ ?s ?q ?o }} WHERE {{
            VALUES (?p ?q) {{ {_values(sorted(set(sub_prop)))} }} ?s ?p ?o . FILTER NOT EXISTS {{ ?s ?q ?o }} }}"""))
    if inverse:
        rules.append(Rule("inverseOf", f"""CONSTRUCT {{ ?o ?q ?s }} WHERE {{
            VALUES (?p ?q) {{ {_values(sorted(set(inverse)))} }} ?s ?p ?o . FILTER(!isLiteral(?o))
            FILTER NOT EXISTS {{ ?o ?q ?s }} }}"""))
    symmetric = sorted(p for p in ontology.subjects(RDF.type, OWL.SymmetricProperty) if isinstance(p, URIRef))
    if symmetric:
        rules.append(Rule("SymmetricProperty", f"""CONSTRUCT {{ ?o ?p ?s }} WHERE {{
            VALUES ?p {{ {' '.join(map(_iri, symmetric))} }} ?s ?p ?o . FILTER(!isLiteral(?o))
            FILTER NOT EXISTS {{ ?o ?p ?s }} }}"""))
    for p in sorted(p for p in ontology.subjects(RDF.type, OWL.TransitiveProperty) if isinstance(p, URIRef)):
        # One path query closes the whole hierarchy instead of one step per round.
        rules.append(Rule(f"TransitiveProperty {p}", f"""CONSTRUCT {{ ?x {_iri(p)} ?z }} WHERE {{
            ?x {_iri(p)} ?y . ?y {_iri(p)}+ ?z . FILTER(?x != ?z) FILTER NOT EXISTS {{ ?x {_iri(p)} ?z }} }}"""))
    domains = [(p, c) for p, c in _pairs(ontology, RDFS.domain) if _not_builtin(c)]
    if domains:
        rules.append(Rule("domain", f"""CONSTRUCT {{ ?s a ?c }} WHERE {{
            VALUES (?p ?c) {{ {_values(domains)} }} ?s ?p ?o . FILTER NOT EXISTS {{ ?s a ?c }} }}"""))
    ranges = [(p, c) for p, c in _pairs(ontology, RDFS.range) if _not_builtin(c) and not _is_datatype(ontology, c)]
    if ranges:
        rules.append(Rule("range", f"""CONSTRUCT {{ ?o a ?c }} WHERE {{
            VALUES (?p ?c) {{ {_values(ranges)} }} ?s ?p ?o . FILTER(!isLiteral(?o)) FILTER NOT EXISTS {{ ?o a ?c }} }}"""))
    for p, chain in _chains(ontology):
        vars_ = [f"?v{i}" for i in range(len(chain) + 1)]
        steps = " . ".join(f"{vars_[i]} {_iri(q)} {vars_[i + 1]}" for i, q in enumerate(chain))
        rules.append(Rule(f"propertyChainAxiom {p}", f"""CONSTRUCT {{ ?v0 {_iri(p)} {vars_[-1]} }} WHERE {{
            {steps} . FILTER NOT EXISTS {{ ?v0 {_iri(p)} {vars_[-1]} }} }}"""))
    return rules


def _is_datatype(ontology: Graph, c) -> bool:
    return str(c).startswith(str(XSD)) or (c, RDF.type, RDFS.Datatype) in ontology


def _chains(ontology: Graph) -> list[tuple[URIRef, list[URIRef]]]:
    chains = []
    for p, head in ontology.subject_objects(OWL.propertyChainAxiom):
        items = list(Collection(ontology, head))
        if isinstance(p, URIRef) and items and all(isinstance(i, URIRef) for i in items):
            chains.append((p, items))
    return sorted(chains)


def materialise(store, ontology: Graph, inferred_graph: str, *, max_rounds: int = 50) -> ReasonReport:
    """Run the rules over the union of all graphs to a fixpoint; new triples go to `inferred_graph`."""
    raw: ox.Store = store.raw if hasattr(store, "raw") else store
    target = ox.NamedNode(inferred_graph)
    report = ReasonReport()
    rules = derive_rules(ontology)
    t0 = time.perf_counter()
    for report.rounds in range(1, max_rounds + 1):
        added_this_round = 0
        for rule in rules:
            new = {t for t in raw.query(rule.construct, use_default_graph_as_union=True)
                   if not isinstance(t.subject, ox.Literal)}
            if new:
                raw.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in new)
                report.added[rule.name] = report.added.get(rule.name, 0) + len(new)
                added_this_round += len(new)
        if not added_this_round:
            break
    report.seconds = time.perf_counter() - t0
    return report


# --- the reference ------------------------------------------------------------------
def useful(triple, tbox_terms: set) -> bool:
    """The inferences worth storing: not about literals, built-ins or the ontology's own terms."""
    s, p, o = triple
    if isinstance(s, Literal):
        return False
    if p in (OWL.sameAs, OWL.differentFrom) and s == o or p == OWL.sameAs:
        return False
    if s in tbox_terms or str(s).startswith(BUILTIN):
        return False
    if p == RDF.type and (str(o).startswith(BUILTIN) or isinstance(o, BNode)):
        return False
    if str(p).startswith(BUILTIN) and p != RDF.type:
        return False
    return True


def _tbox_terms(ontology: Graph) -> set:
    return {s for s in ontology.subjects() if isinstance(s, URIRef)} | {
        o for o in ontology.objects() if isinstance(o, URIRef)}


def owlrl_closure(graph: Graph, ontology: Graph) -> Graph:
    """owlrl's OWL RL closure of data + ontology, reduced to the useful new triples."""
    import owlrl

    work = Graph()
    for t in graph:
        work.add(t)
    for t in ontology:
        work.add(t)
    before = set(work)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False,
                           datatype_axioms=False).expand(work)
    tbox = _tbox_terms(ontology)
    out = Graph()
    for t in work:
        if t not in before and useful(t, tbox):
            out.add(t)
    return out
