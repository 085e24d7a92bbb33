"""IATI codelist XML (`<codelist>/codelist-items/codelist-item`) to plain records.

The files are the IATI Standard's own (data/reference/codelists/*.xml); a few
codes from lists devkg does not ship whole come from a small CSV
(data/reference/extra-codelists.csv). Nothing here knows RDF.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from graph.records import Text

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class CodelistError(ValueError):
    """A reference file that cannot be read; the message starts with its path."""


@dataclass
class Code:
    code: str
    names: list[Text] = field(default_factory=list)
    descriptions: list[Text] = field(default_factory=list)
    category: str | None = None  # e.g. the SectorCategory of a Sector code
    status: str = "active"  # the item's @status ("active" or "withdrawn")
    withdrawn: bool = False

    def name(self, lang: str = "en") -> str | None:
        """The name in `lang`, else the first one given."""
        for t in self.names:
            if (t.lang or "en") == lang:
                return t.value
        return self.names[0].value if self.names else None


@dataclass
class Codelist:
    """One codelist; `items` is keyed by code (in file order) because lookups are what callers do."""

    name: str
    title: str | None = None
    description: str | None = None
    items: dict[str, Code] = field(default_factory=dict)
    source: str | None = None  # where devkg took it from
    complete: bool = True  # False when devkg holds only some of the list's codes

    def codes(self) -> list[Code]:
        return list(self.items.values())


def _narratives(element, default_lang: str) -> list[Text]:
    if element is None:
        return []
    return [Text(n.text.strip(), n.get(XML_LANG, default_lang)) for n in element.findall("narrative")
            if n.text and n.text.strip()]


def read_codelist(path: Path) -> Codelist:
    """Read one IATI codelist file; raises CodelistError naming the file (and line) when it is not one."""
    try:
        root = etree.parse(str(path)).getroot()
    except (OSError, etree.XMLSyntaxError) as e:
        raise CodelistError(f"{path}: cannot read codelist: {e}") from None
    if root.tag != "codelist":
        raise CodelistError(f"{path}:{root.sourceline}: not an IATI codelist (root <{root.tag}>)")
    lang = root.get(XML_LANG, "en")
    meta = root.find("metadata")
    title = _narratives(meta.find("name"), lang) if meta is not None else []
    desc = _narratives(meta.find("description"), lang) if meta is not None else []
    codelist = Codelist(root.get("name") or path.stem, title[0].value if title else None,
                        desc[0].value if desc else None, source=f"IATI codelist {path.name}",
                        complete=root.get("complete", "1") != "0")
    for item in root.iter("codelist-item"):
        code = (item.findtext("code") or "").strip()
        if not code:
            raise CodelistError(f"{path}:{item.sourceline}: codelist-item without a code")
        status = item.get("status") or "active"
        codelist.items[code] = Code(
            code=code,
            names=_narratives(item.find("name"), lang),
            descriptions=_narratives(item.find("description"), lang),
            category=(item.findtext("category") or "").strip() or None,
            status=status,
            withdrawn=status == "withdrawn",
        )
    return codelist


def read_codelists(directory: Path) -> dict[str, Codelist]:
    """Every `*.xml` codelist in a directory, by codelist name."""
    if not directory.is_dir():
        raise CodelistError(f"{directory}: no codelist directory")
    return {c.name: c for c in (read_codelist(p) for p in sorted(directory.glob("*.xml")))}


EXTRA_COLUMNS = ("codelist", "code", "name", "complete", "source")


def read_extra_codelists(path: Path) -> dict[str, Codelist]:
    """Codes from IATI codelists devkg does not ship as files (CSV, `#` comment lines allowed).

    Columns: codelist, code, name, complete ("1" when the rows give the whole list,
    so checks may refuse other codes), source.
    """
    lists: dict[str, Codelist] = {}
    try:
        with path.open(encoding="utf-8") as f:
            rows = [(n, line) for n, line in enumerate(f, 1) if line.strip() and not line.startswith("#")]
    except OSError as e:
        raise CodelistError(f"{path}: cannot read extra codelists: {e}") from None
    reader = csv.DictReader(line for _, line in rows)
    missing = [c for c in EXTRA_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise CodelistError(f"{path}: missing columns {', '.join(missing)}")
    for (line_no, _), row in zip(rows[1:], reader):
        if not row["codelist"] or not row["code"]:
            raise CodelistError(f"{path}:{line_no}: a row needs codelist and code")
        cl = lists.setdefault(row["codelist"], Codelist(row["codelist"], row["codelist"], source=row["source"],
                                                        complete=row["complete"] == "1"))
        cl.items[row["code"]] = Code(row["code"], [Text(row["name"], "en")])
    return lists
