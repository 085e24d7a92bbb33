"""IATI codelist XML (`<codelist>/codelist-items/codelist-item`) to plain records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from graph.records import Text

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass
class Code:
    code: str
    names: list[Text] = field(default_factory=list)
    descriptions: list[Text] = field(default_factory=list)
    category: str | None = None
    withdrawn: bool = False

    def name(self, lang: str = "en") -> str | None:
        for t in self.names:
            if (t.lang or "en") == lang:
                return t.value
        return self.names[0].value if self.names else None


@dataclass
class Codelist:
    name: str
    title: str | None = None
    description: str | None = None
    items: dict[str, Code] = field(default_factory=dict)
    source: str | None = None  # where devkg took it from


def _narratives(element, default_lang: str) -> list[Text]:
    if element is None:
        return []
    return [Text(n.text.strip(), n.get(XML_LANG, default_lang)) for n in element.findall("narrative")
            if n.text and n.text.strip()]


def read_codelist(path: Path) -> Codelist:
    """Read one IATI codelist file; raises ValueError naming the file when it is not one."""
    try:
        root = etree.parse(str(path)).getroot()
    except (OSError, etree.XMLSyntaxError) as e:
        raise ValueError(f"{path}: cannot read codelist: {e}") from None
    if root.tag != "codelist":
        raise ValueError(f"{path}:{root.sourceline}: not an IATI codelist (root <{root.tag}>)")
    lang = root.get(XML_LANG, "en")
    meta = root.find("metadata")
    title = _narratives(meta.find("name"), lang) if meta is not None else []
    desc = _narratives(meta.find("description"), lang) if meta is not None else []
    codelist = Codelist(root.get("name") or path.stem, title[0].value if title else None,
                        desc[0].value if desc else None, source=f"IATI codelist {path.name}")
    for item in root.iter("codelist-item"):
        code = (item.findtext("code") or "").strip()
        if not code:
            continue
        codelist.items[code] = Code(
            code=code,
            names=_narratives(item.find("name"), lang),
            descriptions=_narratives(item.find("description"), lang),
            category=(item.findtext("category") or "").strip() or None,
            withdrawn=item.get("status") == "withdrawn",
        )
    return codelist


def read_codelists(directory: Path) -> dict[str, Codelist]:
    return {c.name: c for c in (read_codelist(p) for p in sorted(directory.glob("*.xml")))}


def read_extra_codelists(path: Path) -> dict[str, Codelist]:
    """Codes from IATI codelists devkg does not ship whole (CSV: codelist,code,name,source)."""
    import csv

    lists: dict[str, Codelist] = {}
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(line for line in f if not line.startswith("#")):
            cl = lists.setdefault(row["codelist"], Codelist(row["codelist"], row["codelist"], source=row["source"]))
            cl.items[row["code"]] = Code(row["code"], [Text(row["name"], "en")])
    return lists
