"""A real `oxigraph serve` (the PyPI `oxigraph` package's CLI) on a free loopback port, for remote-store tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path


def oxigraph_exe() -> str | None:
    exe = Path(sys.executable).parent / "oxigraph"
    return str(exe) if exe.exists() else shutil.which("oxigraph")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def oxigraph_serve(location: Path, *extra: str):
    """Yield the server's base URL (`/query`, `/update`, `/store` under it); stop the server after."""
    exe = oxigraph_exe()
    if exe is None:
        raise RuntimeError("the oxigraph CLI is missing: install the test extra (pip install -e '.[test]')")
    port = free_port()
    proc = subprocess.Popen([exe, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/query?query=ASK%7B%7D", timeout=2).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > end or proc.poll() is not None:
                    raise RuntimeError("oxigraph serve did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def remote_env(url: str) -> dict[str, str]:
    """The DEVKG_REMOTE_* settings for a server started by `oxigraph_serve`."""
    return {"DEVKG_REMOTE_QUERY_URL": f"{url}/query", "DEVKG_REMOTE_UPDATE_URL": f"{url}/update",
            "DEVKG_REMOTE_GSP_URL": f"{url}/store"}
