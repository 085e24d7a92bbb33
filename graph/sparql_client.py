"""A small HTTP client for the SPARQL 1.1 Protocol and the Graph Store Protocol (standard library only).

`graph/store.py`'s RemoteStore speaks to a triplestore through it. It knows HTTP,
not devkg: one new connection per request (so a reader that stops early simply
closes its socket and the server stops streaming), a deadline for the whole
answer as well as for each socket operation, a cap on the bytes read, and
errors that never carry the endpoint's address or credentials, so callers may
show their messages to the public.

Credentials (`user:password@` in the URL, or given apart) are sent only when the
server asks, by the scheme its `401` challenge names: Digest (RFC 7616, MD5 or
SHA-256, `qop=auth`; Virtuoso's `-auth` endpoints ask for it) is preferred to
Basic (RFC 7617). The answer to a challenge is then sent with every later
request (a Digest nonce with the next nonce count), and a `401` saying the nonce
is stale is answered once more. A request with a large body and credentials
says `Expect: 100-continue` (RFC 9110 §10.1.1), so a server that refuses it
(`401`) does so before the body is sent: servers close the connection after
such a refusal, and a client still writing the body gets a broken pipe, not the
answer. A server that does not answer `100 Continue` gets the body after a second.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import os
import re
import select
import socket
import threading
import time
from urllib.parse import unquote, urlencode, urlsplit
from urllib.request import parse_http_list, parse_keqv_list

ERROR_BODY = 2000  # bytes of a server's error message kept for the caller
EXPECT_BYTES = 65_536  # bodies at least this long wait for `100 Continue` when credentials are set
CONTINUE_WAIT = 1.0  # seconds to wait for `100 Continue` before sending the body anyway
AFTER_CONTINUE = 0.05  # seconds to wait for a refusal right after `100 Continue`
_HASHES = {"MD5": hashlib.md5, "MD5-SESS": hashlib.md5, "SHA-256": hashlib.sha256,
           "SHA-256-SESS": hashlib.sha256}


class ProtocolError(Exception):
    """The server answered with an error status, or could not be reached; `status` is None then."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Timeout(ProtocolError):
    """No complete answer before the deadline."""


class TooLarge(ProtocolError):
    """The answer is longer than the caller allowed."""


def allow_headers(n: int) -> None:
    """Let answers carry `n` header lines (http.client refuses more than 100 by default).

    Virtuoso echoes the dataset of a query as one `X-SPARQL-default-graph` or
    `X-SPARQL-named-graph` header per graph, and RemoteStore names every live graph.
    The limit is process-wide (http.client has no other); it is only ever raised, and
    only in processes that read a remote store.
    """
    http.client._MAXHEADERS = max(http.client._MAXHEADERS, n)


def _challenges(headers: list[str]) -> dict[str, dict[str, str]]:
    """The schemes of `WWW-Authenticate` headers (lower case) with their parameters (the first challenge of each)."""
    found: dict[str, dict[str, str]] = {}
    for header in headers:
        current: dict[str, str] | None = None
        for item in parse_http_list(header):  # split at commas outside quoted strings
            m = re.match(r"([A-Za-z][\w!#$%&'*+.^`|~-]*)(?:\s+(.*))?$", item.strip(), re.S)
            if m and not (m.group(2) or "").startswith("="):  # a scheme name, maybe with its first parameter
                current = found.setdefault(m.group(1).lower(), {}) if m.group(1).lower() not in found else None
                item = m.group(2) or ""
            if current is not None and "=" in item:
                current.update({k.lower(): v for k, v in parse_keqv_list([item.strip()]).items()})
    return found


class Endpoint:
    """One HTTP(S) URL; credentials (`user:password@` in it, or `user`/`password`) are never echoed."""

    def __init__(self, url: str, *, timeout: float = 30.0, user: str | None = None, password: str | None = None):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("a remote store URL must be an http:// or https:// URL with a host")
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if parts.username is not None:
            user, password = unquote(parts.username), unquote(parts.password or "")
        self._user, self._password = user, password or ""
        self._scheme: str | None = None  # "basic" or "digest" once the server has asked
        self._digest: dict[str, str] = {}  # the server's last Digest challenge
        self._nc = 0  # requests sent with its nonce
        self._continue = True  # False once the server ignored `Expect: 100-continue`
        self._lock = threading.Lock()
        self._secrets = [s for s in {url, url.split("?")[0], parts.netloc, parts.hostname, password} if s]
        self.timeout = timeout

    # --- authentication ---------------------------------------------------------------
    def _authorization(self, method: str, path: str) -> str | None:
        """The `Authorization` header for the scheme the server asked for (None before it asked)."""
        if self._user is None or self._scheme is None:
            return None
        if self._scheme == "basic":
            pair = f"{self._user}:{self._password}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        with self._lock:
            self._nc += 1
            nc, c = f"{self._nc:08x}", dict(self._digest)
        algorithm = c.get("algorithm", "MD5").upper()
        h = _HASHES[algorithm]

        def digest(text: str) -> str:
            return h(text.encode("utf-8")).hexdigest()
        cnonce = os.urandom(8).hex()
        ha1 = digest(f"{self._user}:{c.get('realm', '')}:{self._password}")
        if algorithm.endswith("-SESS"):
            ha1 = digest(f"{ha1}:{c['nonce']}:{cnonce}")
        ha2 = digest(f"{method}:{path}")
        fields = {"username": self._user, "realm": c.get("realm", ""), "nonce": c["nonce"], "uri": path,
                  "algorithm": c.get("algorithm", "MD5")}
        if "auth" in [q.strip() for q in c.get("qop", "").split(",")]:
            fields["response"] = digest(f"{ha1}:{c['nonce']}:{nc}:{cnonce}:auth:{ha2}")
            fields.update(qop="auth", nc=nc, cnonce=cnonce)
        else:
            fields["response"] = digest(f"{ha1}:{c['nonce']}:{ha2}")
        if "opaque" in c:
            fields["opaque"] = c["opaque"]
        bare = ("algorithm", "qop", "nc")  # tokens, not quoted strings
        return "Digest " + ", ".join(f"{k}={v}" if k in bare else f'{k}="{v}"' for k, v in fields.items())

    def _answer_challenge(self, headers: list[str], sent: str | None) -> bool:
        """Take up a `401` challenge; False when it is not worth another try (wrong credentials, no scheme)."""
        if self._user is None:
            return False
        offered = _challenges(headers)
        digest = offered.get("digest")
        with self._lock:
            if digest and "nonce" in digest and digest.get("algorithm", "MD5").upper() in _HASHES:
                stale = digest.get("stale", "").lower() == "true"
                if sent and sent.startswith("Digest ") and not stale and digest["nonce"] == self._digest.get("nonce"):
                    return False  # the server refused these credentials, not the nonce
                self._scheme, self._digest, self._nc = "digest", digest, 0
                return True
            if "basic" in offered and not (sent or "").startswith("Basic "):
                self._scheme = "basic"
                return True
        return False

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
        for attempt in (1, 2):
            auth = self._authorization(method, path)
            if auth:
                hdrs["Authorization"] = auth
            conn, resp, early = self._exchange(method, path, body, hdrs, seconds)
            if resp.status == 401 and attempt == 1 and self._answer_challenge(resp.challenges, auth):
                conn.close()
                continue
            break
        if resp.status >= 300:
            try:
                text = early if early is not None else resp.read(ERROR_BODY).decode("utf-8", "replace").strip()
            except (OSError, http.client.HTTPException):
                text = ""
            conn.close()
            raise ProtocolError(self.redact(text) or f"HTTP {resp.status}", resp.status)
        return Answer(conn, resp, deadline, max_bytes, translate)

    def _exchange(self, method: str, path: str, body: bytes | None, hdrs: dict[str, str], seconds: float):
        """Send one request: (connection, response, None), or (connection, final status, its text)
        when the server answered before the body was sent (after `Expect: 100-continue`)."""
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        conn = cls(self._host, self._port, timeout=seconds)
        expect = (self._user is not None and self._continue and body is not None and len(body) >= EXPECT_BYTES)
        try:
            if not expect:
                conn.request(method, path, body=body, headers=hdrs)
                return conn, _Status.of(conn.getresponse()), None
            conn.putrequest(method, path)
            for k, v in {**hdrs, "Content-Length": str(len(body)), "Expect": "100-continue"}.items():
                conn.putheader(k, v)
            conn.endheaders()
            early = self._await_continue(conn)
            if early is not None:
                if early.status < 300:
                    raise http.client.HTTPException("a success before the body was sent")
                return conn, early, early.text
            conn.send(body)
            return conn, _Status.of(conn.getresponse()), None
        except (socket.timeout, TimeoutError):
            conn.close()
            raise Timeout("the remote store did not answer in time") from None
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            raise ProtocolError(f"the remote store cannot be reached ({type(e).__name__})") from None

    def _await_continue(self, conn) -> "_Status | None":
        """None when the body should follow (`100 Continue`, or silence); else the server's final answer.

        Some servers (Virtuoso) send `100 Continue` for every request and their refusal
        right after it, so a short wait follows a `100` before the body is sent.
        """
        sock, buffer, interim = conn.sock, b"", False
        end = time.monotonic() + CONTINUE_WAIT
        while True:
            head, sep, rest = buffer.partition(b"\r\n\r\n")
            if sep:
                lines = head.decode("latin-1").split("\r\n")
                status = int(lines[0].split()[1])
                if status >= 200:
                    fields = [line.split(":", 1) for line in lines[1:] if ":" in line]
                    return _Status(status, [(k.strip(), v.strip()) for k, v in fields],
                                   rest[:ERROR_BODY].decode("utf-8", "replace").strip())
                buffer, interim = rest, True  # an interim answer: the final one may follow at once
                if status == 100:
                    end = min(end, time.monotonic() + AFTER_CONTINUE)
                continue
            left = end - time.monotonic()
            pending = getattr(sock, "pending", lambda: 0)()
            if not pending and (left <= 0 or not select.select([sock], [], [], max(left, 0))[0]):
                if buffer:
                    raise http.client.BadStatusLine(buffer[:40].decode("latin-1"))
                if not interim:
                    self._continue = False  # this server ignores `Expect`: later bodies go at once
                return None
            chunk = sock.recv(65536)
            if not chunk:
                raise http.client.RemoteDisconnected("the server closed the connection")
            buffer += chunk


class _Status:
    """A response's status and headers, from http.client or read by hand before a body was sent."""

    def __init__(self, status: int, headers: list[tuple[str, str]], text: str = "", response=None):
        self.status, self._headers, self.text, self._response = status, headers, text, response

    @classmethod
    def of(cls, response: http.client.HTTPResponse) -> "_Status":
        return cls(response.status, response.getheaders(), response=response)

    @property
    def challenges(self) -> list[str]:
        """The values of every `WWW-Authenticate` header."""
        return [v for k, v in self._headers if k.lower() == "www-authenticate"]

    def __getattr__(self, name):  # the rest of http.client.HTTPResponse (read, readinto, getheader, close)
        return getattr(self._response, name)


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
