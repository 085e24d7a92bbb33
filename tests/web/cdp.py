"""A minimal Chrome DevTools Protocol client over `--remote-debugging-pipe` (no websocket library).

Chromium reads JSON commands from fd 3 and writes replies and events to fd 4,
each message ending in a NUL byte.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-extensions",
         "--remote-debugging-pipe"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    def __init__(self, exe: str, profile: Path):
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire():  # in the child, before exec: our pipe ends become fds 3 and 4
            a, b = os.dup(to_child_r), os.dup(from_child_w)  # never clobber one with the other
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                     preexec_fn=wire, close_fds=False,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._id = 0
        self.events: list[dict] = []  # events that arrived while waiting for replies (Runtime.*, Log.* once enabled)
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def call(self, method: str, session: str | None = None, **params) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if "method" in reply and "id" not in reply:
                if len(self.events) < 10000:
                    self.events.append(reply)
                continue
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def _read(self) -> dict:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_child, 65536)
            if not chunk:
                raise RuntimeError("chromium closed the debugging pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def goto(self, url: str) -> None:
        self.call("Page.navigate", self.session, url=url)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", self.session, expression=expression, awaitPromise=True,
                           returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"].get("text", "script error"))
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20.0):
        """Poll a JS expression until it is truthy; returns its value."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                value = self.evaluate(expression)
            except RuntimeError:
                value = None
            if value:
                return value
            time.sleep(0.2)
        raise TimeoutError(expression)

    def close(self) -> None:
        try:
            os.write(self._to_child, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(5)
        os.close(self._to_child)
        os.close(self._from_child)


def open_page(browser: Browser, url: str, width: int = 1280) -> None:
    """Load `url` in a window `width` px wide (a phone below 600) and wait until it has loaded."""
    browser.call("Emulation.setDeviceMetricsOverride", browser.session, width=width, height=900,
                 deviceScaleFactor=1, mobile=width < 600)
    browser.goto(url)
    browser.wait_for(f"location.href === {json.dumps(url)} && document.readyState === 'complete'")


def keep_screenshot(browser: Browser, name: str, width: int) -> None:
    """With DEVKG_SCREENSHOTS=<dir>, keep `<dir>/<name>-<width>.png` of the whole page for a person to look at."""
    folder = os.environ.get("DEVKG_SCREENSHOTS")
    if not folder:
        return
    height = min(browser.evaluate("document.documentElement.scrollHeight"), 4000)
    shot = browser.call("Page.captureScreenshot", browser.session, format="png", captureBeyondViewport=True,
                        clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / f"{name}-{width}.png").write_bytes(base64.b64decode(shot["data"]))


def console_problems(browser: Browser) -> list[str]:
    """Errors and warnings the page reported since the last call (exceptions, console.error/warn, failed
    loads, CSP reports); needs `Runtime.enable` and `Log.enable` on the session first."""
    out = []
    for event in browser.events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            out.append(details.get("exception", {}).get("description") or details.get("text", "exception"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
            out.append(f"console.{params['type']}: " + " ".join(str(a.get("value", a.get("description", "")))
                                                          for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
            out.append(params["entry"]["text"] + " " + params["entry"].get("url", ""))
    browser.events.clear()
    return out
