"""`devkg import-iati`: put IATI activity files into `data/iati/` so the next build reads them.

Every file is checked before anything is written, with the build's own reader
(well-formed XML, <iati-activities> in version 2.x, and every error the build
would stop on: bad codes, numbers, dates, identifiers), so an import either adds
all files or none and says, file by file and line by line, what it refused.
"""


from __future__ import annotations

import os
import shutil
from pathlib import Path

from lxml import etree

from graph.sources.iati.reader import (
    SCHEMA_VERSION,
    SUPPORTED_VERSIONS,
    check_root,
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


def _refusals(path: Path, target: Path, *, replace: bool, xsd: bool) -> list[str]:
    """Why `path` cannot be imported to `target` (nothing when it can)."""
    if not path.is_file():
        return [f"{path}: no such file"]
    try:
        tag, attrib, line = peek_root(path)
        problems, readable = check_root(tag, attrib, line, str(path))
        if not readable:
            return [str(problems[0])]
        for _event, el in etree.iterparse(str(path), events=("end",), tag="iati-activity",
                                          resolve_entities=False, no_network=True):
            el.clear(keep_tail=True)  # only well-formedness is checked here
    except etree.XMLSyntaxError as exc:
        return [f"{path}:{exc.lineno or 1}: not an IATI activity file: malformed XML: {exc.msg}"]
    except OSError as exc:
        return [f"{path}: cannot read the file: {exc.strerror or exc}"]
    refusals = []
    version = (attrib.get("version") or "").strip()
    if xsd and (version == SCHEMA_VERSION or version not in SUPPORTED_VERSIONS):
        refusals += [str(p) for p in validate_xsd(path, str(path))]
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

    projects, problems = read_iati_files(files)
    if (data_dir / "reference").is_dir():
        ref = Reference.load(data_dir)
        for project in projects:
            problems += check_project(project, ref)
    return [str(p) for p in problems if p.severity == "error"]


def import_iati(paths: list[Path], data_dir: Path, *, copy: bool = True, replace: bool = False,
                xsd: bool = False) -> list[Path]:
    """Add IATI files (directories: their `*.xml`) to `data_dir/iati/`; return the added paths.

    `copy=False` links to the files instead of copying them, for large files kept
    elsewhere. A file of the same name with other content is refused unless
    `replace=True`. With `xsd=True` a 2.03 file with XSD errors is refused too (2.01 and
    2.02 files are not checked: devkg has only the 2.03 schema). Raises `IatiImportError`
    listing every reason for every refused file.
    """
    target_dir = Path(data_dir) / "iati"
    files = iati_paths(paths)
    if not files:
        raise IatiImportError([f"{', '.join(map(str, paths))}: no .xml files to import"])
    plan = [(f, target_dir / f.name) for f in files]
    refused = [m for f, t in plan for m in _refusals(f, t, replace=replace, xsd=xsd)]
    names: dict[str, Path] = {}
    for f, t in plan:
        if t.name in names and names[t.name] != f.resolve():
            refused.append(f"{f}: two files to import are both called {t.name} ({names[t.name]})")
        names[t.name] = f.resolve()
    if not refused:
        refused = _build_errors(files, Path(data_dir))
    if refused:
        raise IatiImportError(refused)
    target_dir.mkdir(parents=True, exist_ok=True)
    added = []
    for source, target in plan:
        if source.resolve() == target.resolve():
            added.append(target)
            continue
        if copy:
            tmp = target.with_name(f".{target.name}.tmp")
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)  # a half-copied file is never seen by a build
        else:
            if target.exists() or target.is_symlink():
                target.unlink()
            target.symlink_to(source.resolve())
        added.append(target)
    return added
