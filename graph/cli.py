"""The `devkg` command: build, validate, reason, export, serve, query, import-iati.

Data goes to stdout, logs and progress to stderr. Exit codes: 0 ok, 1 validation
failed (SHACL), 2 bad input or usage. Tracebacks only with `--debug`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graph.config import Settings

EXIT_OK, EXIT_INVALID, EXIT_BAD_INPUT = 0, 1, 2


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _port(text: str) -> int:
    """A TCP port for --port: 1-65535 (a larger number would silently wrap to another port)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is outside 1-65535")
    return port


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
    return value


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", type=Path, help="data directory (DEVKG_DATA, default data/)")
    common.add_argument("--store", type=Path, help="live store link (DEVKG_STORE, default var/store)")
    common.add_argument("--base", help="IRI base (DEVKG_BASE, default https://w3id.org/devkg/)")
    common.add_argument("--debug", action="store_true", default=None, help="show tracebacks")

    parser = argparse.ArgumentParser(prog="devkg", description=__doc__.splitlines()[0], parents=[common])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("build", parents=[common], help="read data/, validate, reason and publish a new store")
    sub.add_parser("validate", parents=[common], help="check data/ and its SHACL shapes; print every problem")
    reason = sub.add_parser("reason", parents=[common],
                            help="run one reasoner (the fast rules, or owlrl) over data/ in memory "
                                 "and count what it infers per predicate")
    reason.add_argument("--reasoner", choices=["rules", "owlrl"], default="rules")
    export = sub.add_parser("export", parents=[common],
                            help="write the live graph's dumps and VoID/DCAT to DIR "
                                 "(a build already publishes its own)")
    export.add_argument("dir", type=Path, nargs="?", help="output directory (default: DEVKG_EXPORTS, beside the store)")
    serve = sub.add_parser("serve", parents=[common], help="serve the SPARQL endpoint and linked data")
    serve.add_argument("--host")
    serve.add_argument("--port", type=_port, help="TCP port, 1-65535 (DEVKG_PORT, default 8000)")
    query = sub.add_parser("query", parents=[common], help="run a SPARQL query (text or .rq file)")
    query.add_argument("query", help="the query, or a path to a .rq file")
    query.add_argument("--format", choices=["table", "csv", "tsv", "json", "turtle", "ntriples"], default="table")
    imp = sub.add_parser("import-iati", parents=[common],
                         help="add IATI 2.0x XML files to data/iati/, from disk or from http(s) URLs")
    imp.add_argument("paths", nargs="+", metavar="FILE|DIR|URL",
                     help="IATI files, directories of them, or http(s) URLs "
                          "(a URL's copy is replaced only when its file changed)")
    imp.add_argument("--xsd", action="store_true", help="validate against the IATI 2.03 XSD first")
    imp.add_argument("--max-bytes", type=_positive, metavar="N",
                     help="largest file to download, decoded bytes (DEVKG_FETCH_MAX_BYTES, default 200000000)")
    imp.add_argument("--allow-private", action="store_true",
                     help="let URLs reach private, loopback and link-local addresses (intranets, tests)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(data=args.data, store=args.store, base=args.base, debug=args.debug,
                                     host=getattr(args, "host", None), port=getattr(args, "port", None))
    except ValueError as e:  # a malformed DEVKG_* variable
        _err(f"devkg {args.command}: {e}")
        return EXIT_BAD_INPUT
    try:
        return COMMANDS[args.command](args, settings)
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # the one place a traceback may be hidden: show it with --debug
        if settings.debug:
            raise
        from graph.store import StoreError

        _err(f"devkg {args.command}: {e}")
        return EXIT_BAD_INPUT if isinstance(e, (StoreError, OSError, ValueError)) else 1


def cmd_build(args, settings: Settings) -> int:
    from graph.build import BuildFailed, build

    try:
        report = build(settings)
    except BuildFailed as e:
        for p in e.problems:
            _err(str(p))
        _err(f"devkg build: {e}; the previous store (if any) is unchanged")
        return EXIT_INVALID if e.stage == "validate" else EXIT_BAD_INPUT
    for line in report.warning_lines():
        _err(line)
    _err(report.summary())
    return EXIT_OK


def cmd_validate(args, settings: Settings) -> int:
    from graph.build import in_memory_graph, shacl_validate

    whole = in_memory_graph(settings)
    for p in whole.problems:
        print(p)
    if whole.errors:
        return EXIT_BAD_INPUT
    report = shacl_validate(whole.asserted, whole.reference, settings)
    for finding in report.results:
        print(finding)
    _err(f"{len(whole.projects)} projects; {len(report.results)} SHACL finding(s); "
         f"{'conforms' if report.conforms else 'does not conform'}")
    return EXIT_OK if report.conforms else EXIT_INVALID


def cmd_reason(args, settings: Settings) -> int:
    """Run one reasoner over the graph the build assembles, in memory, and print what it infers, per predicate."""
    import time
    from collections import Counter

    from rdflib import Graph

    from graph.build import core_ontology, in_memory_graph, write_graphs
    from graph.reason import materialise, owlrl_closure
    from graph.store import EmbeddedStore

    whole = in_memory_graph(settings)
    if whole.errors:
        for p in whole.problems:
            _err(str(p))
        return EXIT_BAD_INPUT
    graphs = whole.graphs()
    inferred_graph = str(whole.iris.graph("inferred"))
    t0 = time.perf_counter()
    if args.reasoner == "owlrl":
        union = Graph()
        for g in graphs.values():
            union += g
        counts = Counter(str(p) for _, p, _ in owlrl_closure(union, core_ontology(settings)))
    else:
        store = EmbeddedStore(None)
        write_graphs(store, graphs)
        materialise(store, core_ontology(settings), inferred_graph)
        rows = store.query(f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ GRAPH <{inferred_graph}> {{ ?s ?p ?o }} }} "
                           "GROUP BY ?p")
        counts = Counter({r["p"].value: int(r["n"].value) for r in rows})
    for predicate, n in counts.most_common():
        print(f"{n}\t{predicate}")
    _err(f"{args.reasoner}: {sum(counts.values())} new triples in {time.perf_counter() - t0:.2f}s")
    return EXIT_OK


def cmd_export(args, settings: Settings) -> int:
    from graph.export import export
    from graph.store import open_store

    out = args.dir or settings.exports
    report = export(open_store(settings), out, settings)
    for f in report.files:
        print(f"{f.sha256}  {f.size:>12}  {f.name}")
    _err(f"exported {report.triples} quads to {out} in {report.seconds:.1f}s")
    return EXIT_OK


def cmd_serve(args, settings: Settings) -> int:
    from graph.feed import page_size
    from graph.serve import serve

    if not 1 <= settings.port <= 65535:
        _err(f"devkg serve: DEVKG_PORT {settings.port} is outside 1-65535")
        return EXIT_BAD_INPUT
    page_size(settings)  # ValueError (exit 2) for a DEVKG_FEED_PAGE /ldes cannot serve
    serve(settings)
    return EXIT_OK


def cmd_query(args, settings: Settings) -> int:
    from graph.querying import print_result, run_query

    text = args.query
    if Path(text).suffix == ".rq" or (Path(text).is_file() and not any(c.isspace() for c in text)):
        if not Path(text).is_file():
            _err(f"devkg query: no query file {text} (a .rq argument is read as a file, never as query text)")
            return EXIT_BAD_INPUT
        text = Path(text).read_text(encoding="utf-8")
    result = run_query(settings, text)
    print_result(result, args.format, sys.stdout)
    return EXIT_OK


def cmd_import_iati(args, settings: Settings) -> int:
    from graph.fetch import Fetcher
    from graph.sources.iati import IatiImportError, import_sources

    fetcher = Fetcher(max_bytes=args.max_bytes or settings.fetch_max_bytes, timeout=settings.fetch_timeout,
                      retries=settings.fetch_retries, backoff=settings.fetch_backoff,
                      wait_max=settings.fetch_wait_max, allow_private=args.allow_private)
    try:
        done = import_sources(list(args.paths), settings.data, xsd=args.xsd, fetcher=fetcher)
    except IatiImportError as e:
        for message in e.messages:
            _err(message)
        _err(f"devkg import-iati: nothing imported; {settings.data / 'iati'} is as it was")
        return EXIT_BAD_INPUT
    for line in done.notes:
        _err(line)
    for path in done.added:
        print(path)
    unchanged = f", {len(done.unchanged)} unchanged" if done.unchanged else ""
    then = "; run `devkg build` to include them" if done.added else ""
    _err(f"added {len(done.added)} IATI file(s) to {settings.data / 'iati'}{unchanged}{then}")
    return EXIT_OK


COMMANDS = {"build": cmd_build, "validate": cmd_validate, "reason": cmd_reason, "export": cmd_export,
            "serve": cmd_serve, "query": cmd_query, "import-iati": cmd_import_iati}

if __name__ == "__main__":
    sys.exit(main())
