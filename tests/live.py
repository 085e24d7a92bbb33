"""Helpers for tests that talk HTTP to a real server on loopback (devkg serve, oxigraph serve)."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if the server has not gone within its grace period."""
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def wait_for(url: str, timeout: float = 30, proc: subprocess.Popen | None = None) -> None:
    """Until `url` answers (any HTTP status); give up at `timeout`, or at once if `proc` has exited."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"the server for {url} exited ({proc.returncode}) before it answered") from None
            time.sleep(0.1)
    raise TimeoutError(url)


def select(endpoint: str, query: str, timeout: float = 60) -> list[dict]:
    req = urllib.request.Request(f"{endpoint}?{urllib.parse.urlencode({'query': query})}",
                                 headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        data = json.load(r)
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]
