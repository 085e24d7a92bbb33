"""Copy YASGUI's built files, and the map and chart libraries, from node_modules into graph/web/static/.

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


# Maps and charts for devkg's own pages: (npm package, files to copy, its licence file), into static/<package>/.
PAGE_ASSETS = {
    "leaflet": (("dist/leaflet.js", "dist/leaflet.css"), "LICENSE"),
    "world-atlas": (("countries-110m.json",), "LICENSE"),  # Natural Earth outlines, public domain data
    "topojson-client": (("dist/topojson-client.min.js",), "LICENSE"),
    "chart.js": (("dist/chart.umd.js",), "LICENSE.md"),
}
STATIC_ROOT = Path(__file__).resolve().parent / "static"


def vendor_page_assets(node_modules: Path = PROJECT_ROOT / "node_modules", dest: Path = STATIC_ROOT) -> list[Path]:
    """Copy Leaflet, the world-atlas outlines, topojson-client and Chart.js, each with its own licence."""
    written = []
    for package, (files, licence) in PAGE_ASSETS.items():
        source = node_modules / package
        meta = json.loads((source / "package.json").read_text(encoding="utf-8"))
        target = dest / package
        target.mkdir(parents=True, exist_ok=True)
        for name in files + (licence,):
            if not (source / name).is_file():
                raise FileNotFoundError(f"{source / name}: not found; run `npm ci` first")
            shutil.copyfile(source / name, target / Path(name).name)
            written.append(target / Path(name).name)
        (target / "VERSION").write_text(f"{meta['name']} {meta['version']}, licence {meta['license']}\n",
                                        encoding="utf-8")
        written.append(target / "VERSION")
    return written


if __name__ == "__main__":
    for path in vendor_yasgui() + vendor_page_assets():
        print(path, file=sys.stderr)
