"""Copy YASGUI's built files from node_modules into graph/web/static/yasgui/ (run after `npm ci`).

The copied files are committed, so serving needs no npm and no CDN; this only
runs when the pinned @zazuko/yasgui version in package.json changes:

    npm ci && python -m graph.web.vendor
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from graph.config import PROJECT_ROOT

FILES = ("yasgui.min.js", "yasgui.min.css")
STATIC = Path(__file__).resolve().parent / "static" / "yasgui"

MIT = """Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the
following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO
EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE
USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


def vendor_yasgui(node_modules: Path = PROJECT_ROOT / "node_modules", dest: Path = STATIC) -> list[Path]:
    """Copy the YASGUI bundle and stylesheet with a licence notice; returns the files written."""
    package = node_modules / "@zazuko" / "yasgui"
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name in FILES:
        source = package / "build" / name
        if not source.is_file():
            raise FileNotFoundError(f"{source}: not found; run `npm ci` first")
        shutil.copyfile(source, dest / name)
        written.append(dest / name)
    notice = dest / "LICENSE.txt"
    notice.write_text(
        f"{meta['name']} {meta['version']} ({meta.get('homepage', '')}), licence {meta['license']}.\n"
        f"Copyright (c) Triply and Zazuko GmbH (authors: {meta.get('author', 'Triply')}).\n"
        "Copied unmodified from the npm package's build/ by graph/web/vendor.py.\n\n" + MIT, encoding="utf-8")
    (dest / "VERSION").write_text(meta["version"] + "\n", encoding="utf-8")
    return written + [notice, dest / "VERSION"]


if __name__ == "__main__":
    for path in vendor_yasgui():
        print(path, file=sys.stderr)
