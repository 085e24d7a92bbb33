"""A small HTTP client for the SPARQL 1.1 Protocol and the Graph Store Protocol (standard library only).

`graph/store.py`'s RemoteStore speaks to a triplestore through it. It knows HTTP,
not devkg: one new connection per request (so a reader that stops early simply
closes its socket and the server stops streaming), a deadline for the whole
answer as well as for each socket operation, a cap on the bytes read, and
errors that never carry the endpoint's address or credentials, so callers may
show their messages to the public.
"""

from __future__ import annotations

import base64
import http.client
import io
import socket
import time
from urllib.parse import unquote, urlencode, urlsplit

ERROR_BODY = 2000  # bytes of a server's error message kept for the caller


class ProtocolError(Exception):
    """The server answered with an error status, or could not be reached; `status` is None then."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Timeout(ProtocolError):
    """No complete answer before the deadline."""


class TooLarge(ProtocolError):
    """The answer is longer than the caller allowed."""


class Endpoint:
    """One HTTP(S) URL; `user:password@` in it becomes Basic authentication and is never echoed."""

    def __init__(self, url: str, *, timeout: float = 30.0):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("a remote store URL must be an http:// or https:// URL with a host")
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._auth = None
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            self._auth = "Basic " + base64.b64encode(pair).decode("ascii")
        self._secrets = [s for s in {url, url.split("?")[0], parts.netloc, parts.hostname} if s]
        self.timeout = timeout

    def redact(self, text: str) -> str:
        """`text` with this endpoint's address and credentials taken out."""
        for s in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(s, "<remote store>")
        return text

    def request(self, method: str, *, params: list[tuple[str, str]] | None = None,
                form: list[tuple[str, str]] | None = None, body: bytes | None = None,
                headers: dict[str, str] | None = None, timeout: float | None = None,
                max_bytes: int | None = None, translate=None) -> "Answer":
        """Send one request; return the open answer (status < 300) or raise ProtocolError.

        `translate(error)` turns errors met while the answer is read (often inside
        a parser, far from the caller) into the caller's own exceptions.
        """
        seconds = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + seconds
        path = self._path
        if params:
            path += ("&" if "?" in path else "?") + urlencode(params)
        hdrs = dict(headers or {})
        if form is not None:
            body = urlencode(form).encode("utf-8")
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        if self._auth:
            hdrs["Authorization"] = self._auth
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        conn = cls(self._host, self._port, timeout=seconds)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
        except (socket.timeout, TimeoutError):
            conn.close()
            raise Timeout("the remote store did not answer in time") from None
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            raise ProtocolError(f"the remote store cannot be reached ({type(e).__name__})") from None
        if resp.status >= 300:
            try:
                text = resp.read(ERROR_BODY).decode("utf-8", "replace").strip()
            except (OSError, http.client.HTTPException):
                text = ""
            conn.close()
            raise ProtocolError(self.redact(text) or f"HTTP {resp.status}", resp.status)
        return Answer(conn, resp, deadline, max_bytes, translate)


class Answer(io.RawIOBase):
    """A response body read under the deadline and byte cap; closing it closes the connection."""

    def __init__(self, conn, resp, deadline: float, max_bytes: int | None, translate=None):
        super().__init__()
        self._translate = translate or (lambda e: e)
        self._conn, self._resp = conn, resp
        self.status = resp.status
        self.content_type = (resp.getheader("Content-Type") or "").split(";")[0].strip().lower()
        self._deadline, self._max = deadline, max_bytes
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            return self._readinto(buffer)
        except ProtocolError as e:
            raise self._translate(e) from None

    def _readinto(self, buffer) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise Timeout("the remote store did not finish its answer in time")
        if self._max is not None and self.read_bytes >= self._max:
            raise TooLarge(f"the answer is longer than {self._max} bytes")
        view = memoryview(buffer)
        if self._max is not None:
            view = view[: self._max - self.read_bytes]
        try:
            self._conn.sock.settimeout(left) if self._conn.sock else None
            n = self._resp.readinto(view)
        except (socket.timeout, TimeoutError):
            raise Timeout("the remote store did not finish its answer in time") from None
        except (OSError, http.client.HTTPException) as e:
            raise ProtocolError(f"the remote store's answer broke off ({type(e).__name__})") from None
        self.read_bytes += n
        return n

    def close(self) -> None:
        if not self.closed:
            self._resp.close()
            self._conn.close()
        super().close()
