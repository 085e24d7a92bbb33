"""Where the files `devkg import-iati URL` fetched came from: their names and `data/iati/harvest.json`.

A URL's file name is stable, so importing the same URL again replaces its own copy and
nothing else (`url_file_name`):

    {stem}-{hash}.xml

- `stem`: the last non-empty segment of the URL's path, percent-decoded, without a
  final `.xml` (any case); every run of characters other than ASCII letters, digits,
  `.`, `_` and `-` becomes one `-`; leading and trailing `.`, `_`, `-` are dropped and it
  is cut to 60 characters. A URL without a path segment, or whose segment leaves
  nothing, uses its host instead.
- `hash`: the first 10 hex digits of the SHA-256 of the URL in its normal form
  (`graph.fetch.normal_url`: scheme and host in lower case, no default port, no
  fragment, `/` for an empty path; the query is kept). Two URLs that end in the same
  file name (or differ only in their query) get different names; the same URL written
  differently gets the same one.

`https://example.org/files/IOM%20activities.XML` becomes `IOM-activities-<hash>.xml`.
The name is also the file's source key in the graph (`iati/{name without .xml}`).

`data/iati/harvest.json` (a `.json` file, so the build, which reads `*.xml`, ignores it)
records for each URL, under its normal form: the file, the URL that answered after
redirects, the `ETag` and `Last-Modified` it sent, the file's SHA-256, when it was
last fetched and when last found unchanged. The validators are sent again only
while the file is still there with that SHA-256: a copy deleted or edited by hand
is fetched whole. It is written whole to a temporary file and renamed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

from graph.fetch import normal_url

MANIFEST = "harvest.json"
URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def is_url(text: str) -> bool:
    """True for `scheme://...` arguments (any scheme: unsupported ones get a clear refusal later)."""
    return bool(URL_RE.match(str(text)))


def url_file_name(url: str) -> str:
    """The stable file name of a URL's copy in `data/iati/` (rule in the module docstring)."""
    normal = normal_url(url)
    parts = urlsplit(normal)
    segment = next((s for s in reversed(parts.path.split("/")) if s), "")
    stem = unquote(segment)
    if stem.lower().endswith(".xml"):
        stem = stem[:-4]
    stem = _UNSAFE.sub("-", stem).strip("._-")[:60].strip("._-")
    if not stem:
        stem = _UNSAFE.sub("-", parts.hostname or "").strip("._-") or "download"
    return f"{stem}-{hashlib.sha256(normal.encode('utf-8')).hexdigest()[:10]}.xml"


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Manifest:
    """`data/iati/harvest.json`: one entry per URL (its normal form)."""

    def __init__(self, directory: Path):
        self.path = Path(directory) / MANIFEST
        self.urls: dict[str, dict] = {}
        if self.path.is_file():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}  # unreadable: start again (every URL is then fetched whole once)
            urls = data.get("urls") if isinstance(data, dict) else None
            if isinstance(urls, dict):
                self.urls = {k: v for k, v in urls.items() if isinstance(v, dict)}

    def validators(self, url: str, target: Path, digest) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) to send for `url`, when its copy `target` is the one they describe."""
        entry = self.urls.get(normal_url(url))
        if not entry or entry.get("file") != target.name or not target.is_file() or target.is_symlink():
            return None, None
        if entry.get("sha256") != digest(target):
            return None, None
        return entry.get("etag"), entry.get("last_modified")

    def record(self, url: str, **values) -> None:
        self.urls.setdefault(normal_url(url), {}).update(values)

    def save(self) -> None:
        """Write the manifest whole, merged with entries another import added meanwhile."""
        current = Manifest(self.path.parent).urls
        current.update(self.urls)
        text = json.dumps({"about": "URLs `devkg import-iati` fetched the files in this directory from; "
                                    "see graph/sources/iati/harvest.py",
                           "urls": dict(sorted(current.items()))}, indent=2, ensure_ascii=False) + "\n"
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.path)
