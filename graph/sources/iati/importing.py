"""`devkg import-iati`: put IATI activity files into `data/iati/` so the next build reads them.

Every file is checked before anything is written, with the build's own reader
(well-formed XML, <iati-activities> in version 2.x, and every error the build
would stop on: bad codes, numbers, dates, identifiers), so an import either adds
all files or none and says, file by file and line by line, what it refused.

Arguments may also be http(s) URLs: each is downloaded (`graph.fetch`: public
addresses only, retries, size cap, conditional GET with the validators kept in
`data/iati/harvest.json`) into a temporary file beside its copy, checked the same
way under its URL's name, and only then renamed over its copy
(`graph.sources.iati.harvest` gives the name). A failed download or check leaves
every previous copy as it was.
"""


from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from graph.fetch import Fetcher, FetchError, url_problem
from graph.sources.iati.harvest import Manifest, is_url, now, url_file_name
from graph.sources.iati.reader import (
    SCHEMA_VERSION,
    SUPPORTED_VERSIONS,
    check_root,
    elements,
    iati_paths,
    peek_root,
    sha256,
    validate_xsd,
)


class IatiImportError(ValueError):
    """Some of the files to import are not IATI activity files; nothing was imported."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


def _refusals(path: Path, target: Path, *, replace: bool, xsd: bool, label: str | None = None) -> list[str]:
    """Why `path` cannot be imported to `target` (nothing when it can); messages name it `label`."""
    name = str(path) if label is None else label
    if not path.is_file():
        return [f"{name}: no such file"]
    try:
        tag, attrib, line = peek_root(path)
        problems, readable = check_root(tag, attrib, line, name)
        if not readable:
            return [str(problems[0])]
        for el in elements(path, "iati-activity"):
            el.clear(keep_tail=True)  # only well-formedness is checked here
    except etree.XMLSyntaxError as exc:
        return [f"{name}:{exc.lineno or 1}: not an IATI activity file: malformed XML: {exc.msg}"]
    except OSError as exc:
        return [f"{name}: cannot read the file: {exc.strerror or exc}"]
    refusals = []
    version = (attrib.get("version") or "").strip()
    if xsd and (version == SCHEMA_VERSION or version not in SUPPORTED_VERSIONS):
        refusals += [str(p) for p in validate_xsd(path, name)]
    if not replace and target.is_file() and not target.is_symlink() and sha256(target) != sha256(path):
        refusals.append(f"{path}: {target} already exists with other content; remove it first or import with replace")
    return refusals


def _build_errors(files: list[Path], data_dir: Path) -> list[str]:
    """What the build would stop on in these files: the reader's errors and the shared checks' errors.

    The checks need the codelists in `data_dir/reference/`; a data directory without them
    (which no build can use either) gets the reader's checks only.
    """
    from graph.reference import Reference
    from graph.sources.checks import check_project
    from graph.sources.iati import read_iati_files

    if not files:  # every URL unchanged
        return []
    projects, problems = read_iati_files(files)
    if (data_dir / "reference").is_dir():
        ref = Reference.load(data_dir)
        for project in projects:
            problems += check_project(project, ref)
    return [str(p) for p in problems if p.severity == "error"]


@dataclass
class Imported:
    """What an import did: files written, URL copies found current, and one line per URL."""

    added: list[Path] = field(default_factory=list)  # copied, linked or downloaded into data/iati/
    unchanged: list[Path] = field(default_factory=list)  # copies of URLs that had not changed
    notes: list[str] = field(default_factory=list)  # "URL: fetched ..." / "URL: unchanged ..."


@dataclass
class _Download:
    url: str
    target: Path
    tmp: Path
    size: int = 0
    final_url: str = ""
    etag: str | None = None
    last_modified: str | None = None


def import_iati(paths: list[Path | str], data_dir: Path, *, copy: bool = True, replace: bool = False,
                xsd: bool = False, fetcher: Fetcher | None = None) -> list[Path]:
    """Add IATI files (directories: their `*.xml`; http(s) URLs) to `data_dir/iati/`; return the added paths.

    `copy=False` links to the files instead of copying them, for large files kept
    elsewhere. A file of the same name with other content is refused unless
    `replace=True` (a URL always replaces its own copy). With `xsd=True` a 2.03 file
    with XSD errors is refused too (2.01 and 2.02 files are not checked: devkg has
    only the 2.03 schema). Raises `IatiImportError` listing every reason for every
    refused file or URL. `import_sources` says what happened to each URL as well.
    """
    return import_sources(paths, data_dir, copy=copy, replace=replace, xsd=xsd, fetcher=fetcher).added


def import_sources(items: list[Path | str], data_dir: Path, *, copy: bool = True, replace: bool = False,
                   xsd: bool = False, fetcher: Fetcher | None = None) -> Imported:
    """`import_iati`, saying what happened to each URL too. `fetcher` sets how URLs are downloaded."""
    data_dir = Path(data_dir)
    target_dir = data_dir / "iati"
    urls = list(dict.fromkeys(str(i) for i in items if is_url(str(i))))
    files = iati_paths([Path(i) for i in items if not is_url(str(i))])
    if not files and not urls:
        raise IatiImportError([f"{', '.join(map(str, items))}: no .xml files to import"])
    plan = [(f, target_dir / f.name) for f in files]
    refused = [f"{u}: {problem}" for u in urls if (problem := url_problem(u))]
    refused += [m for f, t in plan for m in _refusals(f, t, replace=replace, xsd=xsd)]
    url_plan: dict[str, str] = {}  # file name -> URL (URLs that differ only in spelling are one)
    if not refused:
        for u in urls:
            url_plan.setdefault(url_file_name(u), u)
    names: dict[str, object] = {}
    for key, name in [(f.resolve(), t.name) for f, t in plan] + [(u, n) for n, u in url_plan.items()]:
        if name in names and names[name] != key:
            refused.append(f"{key}: two files to import are both called {name} ({names[name]})")
        names[name] = key
    if refused:
        raise IatiImportError(refused)
    if not url_plan:
        return _commit(plan, [], [], copy=copy, data_dir=data_dir)
    created = not target_dir.exists()
    target_dir.mkdir(parents=True, exist_ok=True)
    downloads: list[_Download] = []
    try:
        return _fetch_and_commit(plan, url_plan, downloads, fetcher or Fetcher(), copy=copy, data_dir=data_dir,
                                 xsd=xsd)
    finally:
        for d in downloads:  # after a refusal; renamed ones are gone already
            d.tmp.unlink(missing_ok=True)
        if created and not any(target_dir.iterdir()):
            target_dir.rmdir()


def _fetch_and_commit(plan: list[tuple[Path, Path]], url_plan: dict[str, str], downloads: list[_Download],
                      fetcher: Fetcher, *, copy: bool, data_dir: Path, xsd: bool) -> Imported:
    """Download every URL to a temporary file beside its copy, check, then move everything into place.

    `downloads` is filled as the temporary files are made, so the caller can remove
    whatever is left of them however this ends.
    """
    target_dir = data_dir / "iati"
    manifest = Manifest(target_dir)
    refused: list[str] = []
    unchanged: list[tuple[_Download, str]] = []
    for name, url in url_plan.items():
        target = target_dir / name
        etag, last_modified = manifest.validators(url, target, sha256)
        tmp = target_dir / f".{name}.{secrets.token_hex(4)}.part"  # not *.xml, so a build never reads it
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # the umask applies, as for a copy
        d = _Download(url, target, tmp)
        downloads.append(d)
        try:
            got = fetcher.get(url, d.tmp, etag=etag, last_modified=last_modified)
        except FetchError as e:
            refused.append(str(e))
            continue
        d.size, d.final_url, d.etag, d.last_modified = got.size, got.url, got.etag, got.last_modified
        if got.status == "unchanged":
            unchanged.append((d, "HTTP 304 Not Modified"))
        elif target.is_file() and not target.is_symlink() and sha256(target) == sha256(d.tmp):
            unchanged.append((d, "same content"))
    if refused:
        raise IatiImportError(refused)
    same = {id(d) for d, _ in unchanged}
    fresh = [d for d in downloads if id(d) not in same]
    refused = [m for d in fresh for m in _refusals(d.tmp, d.target, replace=True, xsd=xsd, label=d.url)]
    result = _commit(plan, fresh, refused, copy=copy, data_dir=data_dir)
    stamp = now()
    for d in fresh:
        manifest.record(d.url, file=d.target.name, final_url=d.final_url, etag=d.etag,
                        last_modified=d.last_modified, sha256=sha256(d.target), fetched=stamp, checked=stamp)
    for d, why in unchanged:
        manifest.record(d.url, file=d.target.name, etag=d.etag, last_modified=d.last_modified,
                        sha256=sha256(d.target), checked=stamp)
        result.unchanged.append(d.target)
        result.notes.append(f"{d.url}: unchanged ({why}); {d.target} kept")
    manifest.save()
    return result


def _commit(plan: list[tuple[Path, Path]], fresh: list[_Download], refused: list[str], *, copy: bool,
            data_dir: Path) -> Imported:
    """Run the build's checks over all files to import; when they pass, put every file in place."""
    labels = {str(d.tmp): d.url for d in fresh}

    def relabel(message: str) -> str:  # the reader names the temporary file; the user knows the URL
        for tmp, url in labels.items():
            message = message.replace(tmp, url)
        return message

    if not refused:
        refused = [relabel(m) for m in _build_errors([f for f, _ in plan] + [d.tmp for d in fresh], data_dir)]
    if refused:
        raise IatiImportError(refused)
    target_dir = data_dir / "iati"
    target_dir.mkdir(parents=True, exist_ok=True)
    result = Imported()
    for source, target in plan:
        if source.resolve() == target.resolve():
            result.added.append(target)
            continue
        if copy:
            tmp = target.with_name(f".{target.name}.tmp")
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)  # a half-copied file is never seen by a build
        else:
            if target.exists() or target.is_symlink():
                target.unlink()
            target.symlink_to(source.resolve())
        result.added.append(target)
    for d in fresh:
        verb = "updated" if d.target.exists() or d.target.is_symlink() else "added"
        os.replace(d.tmp, d.target)  # the previous copy stays whole until this moment
        result.added.append(d.target)
        via = f" (from {d.final_url})" if d.final_url and d.final_url != d.url else ""
        result.notes.append(f"{d.url}: fetched {d.size:,} bytes{via}; {d.target} {verb}")
    return result
