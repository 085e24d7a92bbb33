"""Streaming IATI activity files into `Project` records and `Problem`s.

`read_iati_file` parses with a pull parser (`elements`), handles one `iati-activity` at a
time and then drops it from the tree, so memory stays flat however many activities
a file holds. `read_iati_files` reads several files in one run and finds identifiers
that more than one activity claims.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from lxml import etree

from graph.config import PROJECT_ROOT
from graph.records import Problem, Project, Source, Where
from graph.sources.checks import first_of_each
from graph.sources.iati.activity import read_activity
from graph.sources.iati.context import XML_LANG, Context
from graph.sources.iati.places import PlaceIndex, default_places
from graph.sources.values import language_problem

SUPPORTED_VERSIONS = ("2.01", "2.02", "2.03")
SCHEMA = PROJECT_ROOT / "data" / "reference" / "schema" / "iati-activities-schema.xsd"
SCHEMA_VERSION = "2.03"
ROOT_TAG = "iati-activities"


def display_path(path: Path, root: Path | None) -> str:
    """The path as messages show it: relative to `root` when it lies inside it."""
    if root is not None:
        try:
            return str(Path(path).resolve().relative_to(Path(root).resolve()))
        except ValueError:
            pass
    return str(path)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def peek_root(path: Path) -> tuple[str, dict[str, str], int]:
    """The root element's tag, attributes and line, read without parsing the rest.

    Raises `etree.XMLSyntaxError` when the file does not even start as XML.
    """
    for el in elements(path, None, "start", chunk=1 << 10):  # the root is near the start: parse little else
        return el.tag, dict(el.attrib), el.sourceline or 1
    raise etree.XMLSyntaxError("Document is empty", None, 1, 1)  # pragma: no cover - lxml raises first


def elements(path: Path, tags: str | tuple[str, ...] | None, event: str = "end",
             chunk: int = 1 << 16) -> Iterator[etree._Element]:
    """Each element named in `tags` (any, when None) at its `event` ("start" or "end"), in file order;
    a syntax error is raised after every event before it.

    A pull parser fed in chunks rather than `etree.iterparse`: when libxml2 finds an error, lxml
    6.2's iterparse drops the events of the chunk it was parsing (a small file's root element and
    activities before the error were lost), while a pull parser keeps them readable.
    """
    parser = etree.XMLPullParser(events=(event,), tag=tags, remove_comments=True, remove_pis=True,
                                 resolve_entities=False, no_network=True)
    with open(path, "rb") as f:
        try:
            for data in iter(lambda: f.read(chunk), b""):
                parser.feed(data)
                yield from (el for _event, el in parser.read_events())
            parser.close()
        except etree.XMLSyntaxError:
            yield from (el for _event, el in parser.read_events())
            raise
    yield from (el for _event, el in parser.read_events())


def check_root(tag: str, attrib: dict[str, str], line: int, file: str) -> tuple[list[Problem], bool]:
    """Problems with the root element, and whether the file can be read at all."""
    where = Where(file, line)
    if tag != ROOT_TAG:
        return [Problem(where, f"not an IATI activity file: the root element is <{tag}>, not <{ROOT_TAG}>")], False
    version = (attrib.get("version") or "").strip()
    if version in SUPPORTED_VERSIONS:
        return [], True
    if version.startswith("1."):
        return [Problem(where, f"IATI version {version} is not supported; devkg reads 2.01-2.03")], False
    if not version:
        return [Problem(where, "<iati-activities> has no @version; read as 2.03", "warning")], True
    return [Problem(where, f"IATI version {version!r} is not one devkg knows (2.01-2.03); read as 2.03",
                    "warning")], True


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def validate_xsd(path: Path, file: str) -> list[Problem]:
    """Every XSD 2.03 error in a file as `file:line: XSD: message` (reads the whole tree)."""
    try:
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return []  # the streaming read reports malformed XML with its line
    dtd = tree.docinfo.internalDTD
    entities = [e.name for e in dtd.iterentities()] if dtd is not None else []
    if entities:  # libxml2's schema validator fails ("internal error") on unexpanded entity references
        return [Problem(Where(file, 1), f"XSD {SCHEMA_VERSION}: the file declares XML entities "
                                        f"({', '.join(entities[:3])}); IATI files have no DTD and devkg never "
                                        "expands entities, so it cannot be validated")]
    schema = _schema()
    try:
        if schema.validate(tree):
            return []
    except etree.XMLSchemaValidateError as e:
        return [Problem(Where(file, 1), f"XSD {SCHEMA_VERSION}: the validator failed on this file ({e})")]
    return [Problem(Where(file, err.line or None), f"XSD {SCHEMA_VERSION}: {err.message}") for err in schema.error_log]


def read_iati_file(path: Path, root: Path | None = None, *, xsd: bool = False,
                   places: PlaceIndex | None = None) -> Iterator[Project | Problem]:
    """Yield the projects of one IATI activity file and every problem found, in file order.

    Projects read before a fatal problem (malformed XML further down) are still
    yielded; the caller decides from the problems' severities whether to use them.
    """
    path = Path(path)
    file = display_path(path, root)
    try:
        digest = sha256(path)
        tag, attrib, line = peek_root(path)
    except OSError as exc:
        yield Problem(Where(file), f"cannot read the file: {exc.strerror or exc}")
        return
    except etree.XMLSyntaxError as exc:
        yield _syntax_problem(exc, file)
        return
    problems, readable = check_root(tag, attrib, line, file)
    yield from problems
    if not readable:
        return
    version = (attrib.get("version") or "").strip()
    if xsd:
        if version in SUPPORTED_VERSIONS and version != SCHEMA_VERSION:
            yield Problem(Where(file, line), f"not validated: devkg has the XSD for {SCHEMA_VERSION} only, "
                                             f"this file is {version}", "warning")
        else:
            yield from validate_xsd(path, file)
    source = Source(key=f"iati/{path.stem}", kind="iati", path=file, sha256=digest)
    file_lang = (attrib.get(XML_LANG) or "").strip() or None
    if file_lang and language_problem(file_lang):
        yield Problem(Where(file, line), f"xml:lang {language_problem(file_lang)}; ignored", "warning")
        file_lang = None
    yield from _stream(path, file, source, file_lang, places or default_places())


def _stream(path: Path, file: str, source: Source, file_lang: str | None,
            places: PlaceIndex) -> Iterator[Project | Problem]:
    ctx = Context(file)
    try:
        for el in elements(path, "iati-activity"):
            project = read_activity(el, ctx, source, places, file_lang)
            _drop(el)
            yield from ctx.problems
            ctx.problems.clear()
            if project is not None:
                yield project
    except etree.XMLSyntaxError as exc:
        yield from ctx.problems
        yield _syntax_problem(exc, file)


def _drop(el: etree._Element) -> None:
    """Free an element read through, and its earlier siblings (the parser keeps building one tree)."""
    el.clear(keep_tail=True)
    parent = el.getparent()
    while el.getprevious() is not None:
        del parent[0]


ORG_ELEMENTS = ("reporting-org", "participating-org", "provider-org", "receiver-org")


def org_names(path: Path) -> Iterator[tuple[str, str]]:
    """(organisation identifier, name) for every organisation element of a file that states both.

    A cheap first pass over the file (no activity is read), so a streamed build can
    resolve names given without `@ref` the way the whole-file mapper does
    (`graph.mapping.organisation.OrgIndex`). A file that does not parse yields what it
    read so far; `read_iati_file` reports the error.
    """
    try:
        for el in elements(path, (*ORG_ELEMENTS, "iati-activity")):
            if el.tag == "iati-activity":  # read through: drop it, so the tree never holds the whole file
                _drop(el)
                continue
            ref = (el.get("ref") or "").strip()
            if ref:
                for n in el.iterchildren("narrative"):
                    name = (n.text or "").strip()
                    if name:
                        yield ref, name
            el.clear(keep_tail=True)
    except etree.XMLSyntaxError:
        return


def _syntax_problem(exc: etree.XMLSyntaxError, file: str) -> Problem:
    line = exc.lineno or (exc.position[0] if exc.position else None)
    message = exc.msg or str(exc)
    line = max(line, 1) if line is not None else None  # lxml puts the error of an empty file at line 0
    return Problem(Where(file, line), f"malformed XML: {message}")


def iati_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, directories as their `*.xml` files in name order."""
    out: list[Path] = []
    for p in map(Path, paths):
        out.extend(sorted(p.glob("*.xml")) if p.is_dir() else [p])
    return out


def read_iati_files(paths: Iterable[Path], root: Path | None = None, *, xsd: bool = False,
                    places: PlaceIndex | None = None) -> tuple[list[Project], list[Problem]]:
    """Read every file (directories: their `*.xml`) and report all problems in one run.

    An identifier already read (in this file or an earlier one) is an error naming both
    places; the later activity is dropped so the graph never merges two publishers' activities.
    """
    projects: list[Project] = []
    problems: list[Problem] = []
    seen: dict[str, Where] = {}
    for path in iati_paths(paths):
        for item in first_of_each(read_iati_file(path, root, xsd=xsd, places=places), seen):
            (problems if isinstance(item, Problem) else projects).append(item)
    return projects, problems
