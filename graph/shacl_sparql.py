"""SHACL as SPARQL: the shapes compiled to queries that run in the store, with pyshacl as the reference.

Why: pyshacl evaluates every constraint in Python, node by node; devkg's shapes took
426 s of a 10k-activity build and would need over half an hour at 100k even on both
cores in shards. The shapes use a small part of SHACL Core (targets; min/max count,
datatype, node kind, class, pattern, in, hasValue, value ranges, lengths, lessThanOrEquals,
qualified shapes, or, not) plus SHACL-SPARQL constraints on one target node. Each
constraint of each shape becomes one SELECT over the whole dataset, so the store's
indexes do the work, and whole-graph checks (percentage sums) need no sharding.

`compile_shapes()` refuses (lists in `unsupported`) anything outside that part, so a
new shape feature is never silently skipped; tests compare `check()` with one pyshacl
run on every shape example, the fixtures and a generated sample.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD

from graph.store import MemoryStore, NamedNode
from graph.validate import SEVERITY_ORDER, WHOLE_GRAPH, Finding, ValidationReport

_CASTABLE = {XSD.boolean, XSD.integer, XSD.decimal, XSD.float, XSD.double, XSD.date, XSD.dateTime}
_RANGES = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
_PAIRS = {SH.lessThanOrEquals: "<=", SH.lessThan: "<"}
_LENGTHS = {SH.minLength: ">=", SH.maxLength: "<="}
_NODE_KINDS = {SH.IRI: "isIRI({v})", SH.Literal: "isLiteral({v})", SH.BlankNode: "isBlank({v})",
               SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
               SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
               SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))"}
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf)
# Parameters handled below, and those that only describe a shape.
_KNOWN = {SH.path, SH.minCount, SH.maxCount, SH.datatype, SH.nodeKind, SH["class"], SH.pattern, SH.flags, SH["in"],
          SH.hasValue, SH["or"], SH["not"], SH.qualifiedValueShape, SH.qualifiedMinCount, SH.sparql,
          SH.message, SH.severity, SH.property, RDF.type, *_RANGES, *_PAIRS, *_LENGTHS, *_TARGETS}
_DESCRIPTIVE = {"http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2000/01/rdf-schema#comment",
                str(SH.name), str(SH.description), str(SH.order), str(SH.group), str(SH.declare)}


@dataclass(frozen=True)
class Check:
    """One constraint as a query whose rows are its results (`?this`, maybe `?value`)."""

    shape: str  # the named node shape reported
    severity: str
    message: str
    path: str | None
    query: str
    sparql_message: bool = False  # the message has {?var} placeholders filled per row


@dataclass
class CompiledShapes:
    checks: list[Check] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)


def _t(term) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    raise ValueError(f"not a constant: {term!r}")


def _str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_TYPE = f"<{RDF.type}>"


class _Compiler:
    def __init__(self, shapes: Graph, subclasses: dict[str, set[str]] | None = None):
        self.g = shapes
        self.out = CompiledShapes()
        self.n = 0
        self.subclasses = subclasses  # class -> its subclasses in the data; None: follow rdfs:subClassOf*

    def instance(self, x: str, cls) -> str:
        """A pattern: `x` is an instance of `cls` (SHACL: rdf:type/rdfs:subClassOf* in the data)."""
        if self.subclasses is None:
            return f"{x} {_TYPE}/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* {_t(cls)}"
        subs = self.subclasses.get(str(cls), set())
        if not subs:
            return f"{x} {_TYPE} {_t(cls)}"
        t = self.var()
        return f"{x} {_TYPE} {t} VALUES {t} {{ {' '.join(map(_t, sorted({cls, *map(URIRef, subs)})))} }}"

    def var(self) -> str:
        self.n += 1
        return f"?v{self.n}"

    def value(self, node, p):
        return self.g.value(node, p)

    def path(self, shape) -> str | None:
        p = self.value(shape, SH.path)
        if p is None:
            return None
        text = self.path_expr(p)
        if text is None:
            self.out.unsupported.append(f"{shape}: a path that is not a SHACL property path")
        return text

    def path_expr(self, p) -> str | None:
        """A SHACL property path (SHACL §2.3.1) as a SPARQL 1.1 property path; None if malformed."""
        if isinstance(p, URIRef):
            return _t(p)
        if self.value(p, RDF.first) is not None:  # a sequence path: an RDF list of paths
            parts = [self.path_expr(x) for x in Collection(self.g, p)]
            return None if len(parts) < 2 or None in parts else "(" + "/".join(parts) + ")"
        for kind, template in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"),
                               (SH.oneOrMorePath, "{}+"), (SH.zeroOrOnePath, "{}?")):
            inner = self.value(p, kind)
            if inner is not None:
                text = self.path_expr(inner)
                return None if text is None else "(" + template.format(text) + ")"
        head = self.value(p, SH.alternativePath)
        if head is not None:
            parts = [self.path_expr(x) for x in Collection(self.g, head)]
            return None if len(parts) < 2 or None in parts else "(" + "|".join(parts) + ")"
        return None

    def check_known(self, shape) -> None:
        for p in set(self.g.predicates(shape)):
            if p not in _KNOWN and str(p) not in _DESCRIPTIVE:
                self.out.unsupported.append(f"{shape}: {p}")

    # --- value-node tests: a SPARQL expression true when value node `v` fails -------------
    def value_failures(self, shape, v: str) -> list[tuple[URIRef, str]]:
        out = []
        g = self.g
        for dt in g.objects(shape, SH.datatype):
            ok = f"(isLiteral({v}) && datatype({v}) = {_t(dt)}"
            if dt in _CASTABLE:
                ok += f" && {_t(dt)}(STR({v})) = {_t(dt)}(STR({v}))"  # ill-typed: the cast fails
            out.append((SH.datatype, f"!COALESCE({ok}), false)"))
        for kind in g.objects(shape, SH.nodeKind):
            out.append((SH.nodeKind, "!" + _NODE_KINDS[kind].format(v=v)))
        for cls in g.objects(shape, SH["class"]):
            out.append((SH["class"], f"NOT EXISTS {{ {self.instance(v, cls)} }}"))
        for pattern in g.objects(shape, SH.pattern):
            flags = self.value(shape, SH.flags)
            args = f"STR({v}), {_str(str(pattern))}" + (f", {_str(str(flags))}" if flags else "")
            out.append((SH.pattern, f"!COALESCE(!isBlank({v}) && REGEX({args}), false)"))
        for head in g.objects(shape, SH["in"]):
            members = " || ".join(f"sameTerm({v}, {_t(m)})" for m in Collection(g, head)) or "false"
            out.append((SH["in"], f"!({members})"))
        for p, op in _RANGES.items():
            for bound in g.objects(shape, p):
                out.append((p, f"!COALESCE(isLiteral({v}) && {v} {op} {_t(bound)}, false)"))
        for p, op in _LENGTHS.items():
            for n in g.objects(shape, p):  # blank nodes have no length: they fail
                out.append((p, f"!COALESCE(!isBlank({v}) && STRLEN(STR({v})) {op} {int(n)}, false)"))
        for member in g.objects(shape, SH["or"]):
            alternatives = list(Collection(g, member))
            out.append((SH["or"], "(" + " && ".join(self.fails(a, v) for a in alternatives) + ")"))
        for negated in g.objects(shape, SH["not"]):
            out.append((SH["not"], f"!{self.fails(negated, v)}"))
        return out

    def fails(self, shape, x: str) -> str:
        """A boolean expression: node `x` does not conform to `shape` (nested shapes, no report)."""
        self.check_known(shape)
        path = self.path(shape)
        tests = []
        if path is None:
            tests += [e for _, e in self.value_failures(shape, x)]
            for hv in self.g.objects(shape, SH.hasValue):
                tests.append(f"!sameTerm({x}, {_t(hv)})")
        else:
            v = self.var()
            for _, e in self.value_failures(shape, v):
                tests.append(f"EXISTS {{ {x} {path} {v} FILTER ({e}) }}")
            for hv in self.g.objects(shape, SH.hasValue):
                tests.append(f"NOT EXISTS {{ {x} {path} {_t(hv)} }}")
            for n in self.g.objects(shape, SH.minCount):
                if int(n) > 1:
                    self.out.unsupported.append(f"{shape}: nested sh:minCount above 1")
                elif int(n) == 1:
                    tests.append(f"NOT EXISTS {{ {x} {path} {v} }}")
            q = self.value(shape, SH.qualifiedValueShape)
            if q is not None:
                w = self.var()
                tests.append(f"NOT EXISTS {{ {x} {path} {w} FILTER (!{self.fails(q, w)}) }}")
            if self.value(shape, SH.maxCount) is not None:
                self.out.unsupported.append(f"{shape}: nested sh:maxCount")
        for prop in self.g.objects(shape, SH.property):
            tests.append(self.fails(prop, x))
        return "(" + (" || ".join(tests) or "false") + ")"

    # --- top-level shapes: one reporting query per constraint -----------------------------
    def targets(self, shape) -> str | None:
        parts = []
        for c in self.g.objects(shape, SH.targetClass):
            parts.append(f"{{ {self.instance('?this', c)} }}")
        for n in self.g.objects(shape, SH.targetNode):
            parts.append(f"{{ VALUES ?this {{ {_t(n)} }} }}")
        for p in self.g.objects(shape, SH.targetObjectsOf):
            parts.append(f"{{ [] {_t(p)} ?this }}")
        for p in self.g.objects(shape, SH.targetSubjectsOf):
            parts.append(f"{{ ?this {_t(p)} [] }}")
        return f"{{ SELECT DISTINCT ?this WHERE {{ {' UNION '.join(parts)} }} }}" if parts else None

    def severity(self, shape) -> str:
        return str(self.value(shape, SH.severity) or SH.Violation).rsplit("#", 1)[1]

    def message(self, shape) -> str:
        m = self.value(shape, SH.message)
        if m is None:
            self.out.unsupported.append(f"{shape}: no sh:message")
        return str(m or "constraint not met")

    def emit(self, node_shape, shape, path: str | None, query: str) -> None:
        raw_path = self.value(shape, SH.path)
        self.out.checks.append(Check(str(node_shape), self.severity(shape), self.message(shape),
                                     str(raw_path) if isinstance(raw_path, URIRef) else None, query))

    def node_shape(self, shape) -> None:
        target = self.targets(shape)
        if target is None:
            return
        self.check_known(shape)
        # Every value-node test of a shape gives the same result (focus, value, message), so one
        # query with the tests or-ed together finds them all in one pass over the targets.
        failures = [expr for _, expr in self.value_failures(shape, "?this")]
        if failures:
            self.emit(shape, shape, None,
                      f"SELECT ?this (?this AS ?value) WHERE {{ {target} FILTER ({' || '.join(failures)}) }}")
        for hv in self.g.objects(shape, SH.hasValue):
            self.emit(shape, shape, None, f"SELECT ?this WHERE {{ {target} FILTER (!sameTerm(?this, {_t(hv)})) }}")
        for sparql in self.g.objects(shape, SH.sparql):
            self.sparql_constraint(shape, sparql, target)
        for prop in self.g.objects(shape, SH.property):
            self.property_shape(shape, prop, target)

    def property_shape(self, node_shape, prop, target: str) -> None:
        self.check_known(prop)
        path = self.path(prop)
        if path is None:
            return
        g = self.g
        failures = [expr for _, expr in self.value_failures(prop, "?value")]
        if failures:
            self.emit(node_shape, prop, path, f"SELECT DISTINCT ?this ?value WHERE {{ {target} ?this {path} ?value "
                                              f"FILTER ({' || '.join(failures)}) }}")
        # sh:minCount and sh:maxCount report the same result (no value): one count per focus node.
        bounds = [f"?n < {int(n)}" for n in g.objects(prop, SH.minCount)] + \
                 [f"?n > {int(n)}" for n in g.objects(prop, SH.maxCount)]
        if bounds:
            optional = all(int(n) <= 0 for n in g.objects(prop, SH.minCount))
            values = f"OPTIONAL {{ ?this {path} ?x }}" if not optional else f"?this {path} ?x"
            self.emit(node_shape, prop, path,
                      f"""SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?x) AS ?n) WHERE {{
                {target} {values} }} GROUP BY ?this }} FILTER ({' || '.join(bounds)}) }}""")
        for hv in g.objects(prop, SH.hasValue):
            self.emit(node_shape, prop, path,
                      f"SELECT ?this WHERE {{ {target} FILTER NOT EXISTS {{ ?this {path} {_t(hv)} }} }}")
        q = self.value(prop, SH.qualifiedValueShape)
        if q is not None:
            n = int(self.value(prop, SH.qualifiedMinCount) or 0)
            w = self.var()
            fails = self.fails(q, w)
            self.emit(node_shape, prop, path,
                      f"""SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT {w}) AS ?n) WHERE {{
                {target} OPTIONAL {{ ?this {path} {w} FILTER (!{fails}) }} }} GROUP BY ?this }} FILTER (?n < {n}) }}""")
        for p, op in _PAIRS.items():
            for other in g.objects(prop, p):
                self.emit(node_shape, prop, path, f"""SELECT DISTINCT ?this ?value WHERE {{ {target}
                    ?this {path} ?value . ?this {_t(other)} ?o FILTER (!COALESCE(?value {op} ?o, false)) }}""")

    def sparql_constraint(self, shape, node, target: str) -> None:
        select = str(self.value(node, SH.select))
        prefixes = ""
        for decl_owner in self.g.objects(node, SH.prefixes):
            for decl in self.g.objects(decl_owner, SH.declare):
                prefixes += f"PREFIX {self.value(decl, SH.prefix)}: <{self.value(decl, SH.namespace)}>\n"
        body = re.sub(r"\$this\b", "?this", select)
        # Bind ?this to each target: the constraint's SELECT runs once over the whole graph.
        query = f"{prefixes}SELECT * WHERE {{ {target} {{ {body} }} }}"
        m = self.value(node, SH.message) or self.value(shape, SH.message)
        self.out.checks.append(Check(str(shape), self.severity(shape), str(m or "constraint not met"), None, query,
                                     sparql_message=True))


def compile_shapes(shapes: Graph, subclasses: dict[str, set[str]] | None = None) -> CompiledShapes:
    """Every named node shape with a target, as reporting queries.

    With `subclasses` (see `data_subclasses`), class tests name the classes instead of
    following `rdfs:subClassOf*` per node, which is several times faster.
    """
    c = _Compiler(shapes, subclasses)
    named = {s for t in _TARGETS for s in shapes.subjects(t, None)}
    for shape in sorted(named, key=str):
        c.node_shape(shape)
    c.out.unsupported = sorted(set(c.out.unsupported))
    return c.out


def run_checks(store: MemoryStore, compiled: CompiledShapes, *, graphs: list[str] | None = None) -> Iterator[Finding]:
    """The findings of every check over the union of `graphs` (all graphs when None)."""
    kwargs = _dataset(graphs)
    for check in compiled.checks:
        for row in store.query(check.query, **kwargs):
            focus, value = row["this"], _binding(row, "value")
            message = check.message
            if check.sparql_message:
                message = re.sub(r"\{[?$](\w+)\}", lambda m: _fill(row, m.group(1)), message)
            if focus.value == WHOLE_GRAPH and isinstance(value, NamedNode):
                focus = value
            yield Finding(check.severity, focus.value, check.path,
                          value.value if value is not None else None, message, check.shape)


def _binding(row, name: str):
    try:
        return row[name]
    except (KeyError, IndexError):
        return None


def _fill(row, name: str) -> str:
    term = _binding(row, name)
    return "{?" + name + "}" if term is None else term.value


def data_subclasses(store: MemoryStore, shapes: Graph, **kwargs) -> dict[str, set[str]]:
    """For each class the shapes name, its subclasses in the data (`rdfs:subClassOf+`)."""
    classes = set(shapes.objects(None, SH.targetClass)) | set(shapes.objects(None, SH["class"]))
    out = {}
    for c in sorted(classes, key=str):
        rows = store.query("SELECT DISTINCT ?s WHERE "
                           f"{{ ?s <http://www.w3.org/2000/01/rdf-schema#subClassOf>+ {_t(c)} }}",
                           **kwargs)
        out[str(c)] = {r["s"].value for r in rows if isinstance(r["s"], NamedNode)}
    return out


def _dataset(graphs: list[str] | None) -> dict:
    return {"default_graph": [NamedNode(g) for g in graphs]} if graphs is not None \
        else {"use_default_graph_as_union": True}


def check(store: MemoryStore, shapes: Graph, *, graphs: list[str] | None = None) -> ValidationReport:
    """Validate a store against `shapes` in SPARQL; the report pyshacl's `validate()` would give."""
    compiled = compile_shapes(shapes, data_subclasses(store, shapes, **_dataset(graphs)))
    if compiled.unsupported:
        raise ValueError("shapes use SHACL features devkg does not compile: " + "; ".join(compiled.unsupported))
    findings = sorted(set(run_checks(store, compiled, graphs=graphs)),
                      key=lambda f: (SEVERITY_ORDER.get(f.severity, 3), f.focus, f.path or "", f.message))
    return ValidationReport(not any(f.severity == "Violation" for f in findings), findings, report_graph(findings))


def report_graph(findings: list[Finding]) -> Graph:
    """The findings as a SHACL validation report (the build stores it in graph/validation)."""
    g = Graph()
    report = BNode()
    g.add((report, RDF.type, SH.ValidationReport))
    g.add((report, SH.conforms, Literal(not any(f.severity == "Violation" for f in findings))))
    for f in findings:
        r = BNode()
        g.add((report, SH.result, r))
        g.add((r, RDF.type, SH.ValidationResult))
        g.add((r, SH.focusNode, URIRef(f.focus) if ":" in f.focus else BNode(f.focus)))
        g.add((r, SH.resultSeverity, SH[f.severity]))
        g.add((r, SH.resultMessage, Literal(f.message)))
        if f.path:
            g.add((r, SH.resultPath, URIRef(f.path)))
        if f.shape:
            g.add((r, SH.sourceShape, URIRef(f.shape)))
        if f.value is not None:
            g.add((r, SH.value, Literal(f.value)))
    return g
