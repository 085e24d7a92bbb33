"""Downloading one file from a public web server (`devkg import-iati URL`), standard library only.

The rules, each tested in tests/test_import_urls.py against a real local server:

- Only `http` and `https` URLs, without a user name or password. Proxies named in the
  environment are not used: through a proxy the address checks below would mean nothing.
- Public addresses only. Before every connection (the first and each redirect) the
  host is resolved and *every* address it resolves to must be public: not private,
  loopback, link-local, multicast, reserved, shared (100.64/10) or unspecified
  (`ipaddress`'s `is_global`; IPv4 inside IPv6, mapped or 6to4, is checked as IPv4).
  The socket then connects to one of the addresses just checked, never to a second
  resolution, so a name that resolves differently the next time cannot slip
  through. `allow_private=True` (`--allow-private`) lifts the rule, for intranets and
  tests; `allow_addresses` lifts it for the addresses listed only.
- Redirects (301, 302, 303, 307, 308) are followed here, one hop at a time, each hop
  checked as above, at most `max_redirects`.
- Conditional GET: `If-None-Match` and `If-Modified-Since` when the caller has the
  validators of its copy; 304 means the copy is current and nothing is written.
- Retries for what may pass: a connection that fails or times out, a body cut short,
  429, 502, 503 and 504. `retries` more attempts, the first after `backoff` seconds,
  doubling, at most `wait_max`; a `Retry-After` (seconds or HTTP date) is waited
  exactly, and one asking for more than `wait_max` ends the download with an error
  that says so rather than asking again early. Other statuses fail at once.
- Size: `max_bytes` of decoded body at most. A `Content-Length` over it is refused
  before the body is read; otherwise reading stops one byte past it. `gzip`
  content coding is asked for and decoded as it streams, so the cap counts the bytes
  written, not the bytes sent (a small gzip body cannot unpack into a huge file).
- `timeout` applies to the connection and to every read.

Every failure is a `FetchError` whose message is one line: the URL and the reason.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import zlib
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

REDIRECTS = (301, 302, 303, 307, 308)
TRANSIENT = (429, 502, 503, 504)
CHUNK = 1 << 16
DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchError(Exception):
    """A download failed; the message is `URL: reason` on one line."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url, self.reason = url, reason


class _Transient(Exception):
    """A failure worth another attempt; `retry_after` in seconds when the server asked for a wait."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


@dataclass(frozen=True)
class Fetched:
    status: str  # "fetched" (the body is in the destination file) or "unchanged" (304; nothing written)
    url: str  # the URL that answered, after redirects
    size: int  # bytes written (decoded)
    etag: str | None
    last_modified: str | None


def normal_url(url: str) -> str:
    """`url` with scheme and host in lower case, no default port, no fragment, `/` for an empty path.

    Raises ValueError when it is not an http(s) URL devkg may fetch.
    """
    problem = url_problem(url)
    if problem:
        raise ValueError(problem)
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    scheme = parts.scheme.lower()
    netloc = host if parts.port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{parts.port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def url_problem(url: str) -> str | None:
    """Why `url` cannot be fetched at all (before any look-up), or None."""
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        return "not a valid URL: it contains spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as e:
        return f"not a valid URL: {e}"
    if parts.scheme.lower() not in DEFAULT_PORTS:
        return f"only http:// and https:// URLs can be fetched, not {parts.scheme or 'this'}:"
    if not parts.hostname:
        return "not a valid URL: no host"
    if parts.username is not None or parts.password is not None:
        return "URLs with a user name or password are not fetched"
    return None


def address_kind(address: str) -> str | None:
    """What makes an IP address non-public ("loopback", "private", ...), or None when it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            embedded = address_kind(str(ip.sixtofour))
            if embedded:
                return f"{embedded} (inside 6to4)"
    for kind in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-public"


@dataclass(frozen=True)
class Fetcher:
    """How downloads are made; `get` does one."""

    max_bytes: int = 200_000_000
    timeout: float = 60.0
    retries: int = 3
    backoff: float = 1.0
    wait_max: float = 60.0
    max_redirects: int = 5
    allow_private: bool = False
    allow_addresses: frozenset[str] = frozenset()  # non-public addresses allowed all the same
    user_agent: str = "devkg-import-iati/0.1 (+https://w3id.org/devkg/)"
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False, repr=False)  # default: system CAs

    def get(self, url: str, dest: Path, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """Download `url` into `dest` (created or truncated); raise FetchError naming `url` on failure.

        With `etag` or `last_modified` the request is conditional, and a 304 leaves
        `dest` alone and returns status "unchanged".
        """
        problem = url_problem(url)
        if problem:
            raise FetchError(url, problem)
        attempt = 0
        while True:
            try:
                return self._once(url, Path(dest), etag, last_modified)
            except _Transient as t:
                attempts = f"{attempt + 1} attempt{'s' if attempt else ''}"
                if attempt >= max(self.retries, 0):
                    raise FetchError(url, f"{t.reason}; gave up after {attempts}") from None
                wait = min(self.backoff * 2 ** attempt, self.wait_max)
                if t.retry_after is not None:
                    if t.retry_after > self.wait_max:
                        raise FetchError(url, f"{t.reason}; the server asks to retry in {t.retry_after:.0f} s, "
                                              f"longer than the {self.wait_max:g} s devkg waits "
                                              "(DEVKG_FETCH_WAIT_MAX); try again later") from None
                    wait = t.retry_after
                attempt += 1
                time.sleep(max(wait, 0.0))

    # one attempt: follow redirects, write the body
    def _once(self, url: str, dest: Path, etag: str | None, last_modified: str | None) -> Fetched:
        headers = {"User-Agent": self.user_agent, "Accept-Encoding": "gzip",
                   "Accept": "application/xml, text/xml;q=0.9, */*;q=0.1"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for hop in range(self.max_redirects + 1):
            where = "" if hop == 0 else f"redirected to {current}: "
            problem = url_problem(current)
            if problem:
                raise FetchError(url, where + problem)
            parts = urlsplit(current)
            port = parts.port or DEFAULT_PORTS[parts.scheme.lower()]
            addresses = self._addresses(url, where, parts.hostname, port)
            conn = self._connection(parts.scheme.lower(), parts.hostname, port, addresses)
            target = quote(urlunsplit(("", "", parts.path or "/", parts.query, "")), safe="!#$%&'()*+,/:;=?@[]~")
            try:
                conn.request("GET", target, headers=headers)
                resp = conn.getresponse()
                status, reason = resp.status, f"HTTP {resp.status} {resp.reason}".strip()
                if status in REDIRECTS:
                    location = resp.getheader("Location")
                    if not location:
                        raise FetchError(url, f"{where}{reason} without a Location")
                    current = urljoin(current, location.strip()).split("#", 1)[0]
                    continue
                if status == 304:
                    if not (etag or last_modified):
                        raise FetchError(url, f"{where}{reason} to a request that was not conditional")
                    return Fetched("unchanged", current, 0, resp.getheader("ETag") or etag,
                                   resp.getheader("Last-Modified") or last_modified)
                if status in TRANSIENT:
                    raise _Transient(where + reason, _retry_after(resp.getheader("Retry-After")))
                if status != 200:
                    raise FetchError(url, where + reason)
                size = self._body(url, where, resp, dest)
                return Fetched("fetched", current, size, resp.getheader("ETag"), resp.getheader("Last-Modified"))
            except ssl.SSLCertVerificationError as e:
                raise FetchError(url, f"{where}TLS: {e.verify_message or e.reason or e}") from None
            except ssl.SSLError as e:
                raise _Transient(f"{where}TLS: {e.reason or e}") from None
            except (OSError, http.client.HTTPException) as e:
                raise _Transient(where + _describe(e, self.timeout)) from None
            finally:
                conn.close()
        raise FetchError(url, f"more than {self.max_redirects} redirects")

    def _addresses(self, url: str, where: str, host: str, port: int) -> list[tuple]:
        """(family, sockaddr) of every address `host` resolves to, each checked; FetchError when one is refused."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        except socket.gaierror as e:
            if e.errno == socket.EAI_AGAIN:
                raise _Transient(f"{where}cannot resolve {host} now ({e.strerror})") from None
            raise FetchError(url, f"{where}cannot resolve {host} ({e.strerror})") from None
        found = []
        for family, _type, _proto, _name, sockaddr in infos:
            address = sockaddr[0]
            kind = address_kind(address)
            if kind and not self.allow_private and address.split("%", 1)[0] not in self.allow_addresses:
                named = f"{host} is" if host == address else f"{host} resolves to {address},"
                raise FetchError(url, f"{where}{named} a {kind} address; devkg fetches from public addresses "
                                      "only (--allow-private lifts this)")
            found.append((family, sockaddr))
        if not found:
            raise FetchError(url, f"{where}{host} has no address")
        return found

    def _connection(self, scheme: str, host: str, port: int, addresses: list[tuple]) -> http.client.HTTPConnection:
        if scheme == "https":
            return _PinnedHTTPS(host, port, addresses, self.timeout, self.ssl_context or ssl.create_default_context())
        return _PinnedHTTP(host, port, addresses, self.timeout)

    def _body(self, url: str, where: str, resp: http.client.HTTPResponse, dest: Path) -> int:
        coding = (resp.getheader("Content-Encoding") or "identity").strip().lower()
        if coding not in ("identity", "gzip", "x-gzip"):
            raise FetchError(url, f"{where}the server sent Content-Encoding {coding!r}, which devkg did not ask for")
        too_large = (f"{where}larger than the {self.max_bytes:,} byte limit "
                     "(--max-bytes or DEVKG_FETCH_MAX_BYTES)")
        length = (resp.getheader("Content-Length") or "").strip()
        if coding == "identity" and length.isdigit() and int(length) > self.max_bytes:
            raise FetchError(url, f"{too_large}: Content-Length is {int(length):,}")
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS) if coding != "identity" else None
        written = 0
        with _Output(url, dest) as out:
            while True:
                chunk = resp.read(CHUNK)
                if not chunk:
                    break
                while chunk:
                    if decoder is None:
                        data, chunk = chunk, b""
                    else:
                        try:
                            data = decoder.decompress(chunk, CHUNK)  # at most CHUNK bytes out per call
                        except zlib.error as e:
                            raise FetchError(url, f"{where}the gzip-encoded body is corrupt ({e})") from None
                        chunk = decoder.unconsumed_tail
                    written += len(data)
                    if written > self.max_bytes:
                        raise FetchError(url, too_large)
                    out.write(data)
            if resp.length:  # http.client's read(n) returns b"" at an early close; the bytes still due say so
                raise _Transient(f"{where}the connection closed {resp.length:,} bytes before the end of the body")
            if decoder is not None:
                data = decoder.flush()  # what inflate still held (a few hundred bytes at most)
                written += len(data)
                if written > self.max_bytes:
                    raise FetchError(url, too_large)
                out.write(data)
                if not decoder.eof:
                    raise _Transient(f"{where}the gzip-encoded body ends early")
        return written


class _Output:
    """The destination file; a failure to write it is a FetchError (no retry), not a network error."""

    def __init__(self, url: str, dest: Path):
        self.url, self.dest = url, dest

    def __enter__(self) -> "_Output":
        self.file = self._do(open, self.dest, "wb")
        return self

    def write(self, data: bytes) -> None:
        self._do(self.file.write, data)

    def __exit__(self, *exc) -> None:
        self._do(self.file.close)

    def _do(self, action, *args):
        try:
            return action(*args)
        except OSError as e:
            raise FetchError(self.url, f"cannot write {self.dest}: {e.strerror or e}") from None


def _retry_after(value: str | None) -> float | None:
    """Seconds a `Retry-After` asks for (delta-seconds or HTTP date), None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _describe(e: Exception, timeout: float) -> str:
    if isinstance(e, (socket.timeout, TimeoutError)):
        return f"no answer within {timeout:g} s (DEVKG_FETCH_TIMEOUT)"
    if isinstance(e, http.client.IncompleteRead):
        return "the connection closed before the whole body arrived"
    if isinstance(e, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(e, ConnectionRefusedError):
        return "connection refused"
    if isinstance(e, OSError):
        return f"connection failed: {e.strerror or e}"
    return f"bad HTTP answer: {type(e).__name__} {e}".strip()


def _open(addresses: list[tuple], timeout: float) -> socket.socket:
    """A TCP connection to the first of the checked addresses that answers."""
    error: OSError | None = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as e:
            sock.close()
            error = e
    raise error or OSError("no address to connect to")


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to addresses checked beforehand instead of resolving the host again."""

    def __init__(self, host: str, port: int, addresses: list[tuple], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        self.sock = _open(self._addresses, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """As `_PinnedHTTP`, then TLS with the host name for SNI and certificate checks."""

    def __init__(self, host: str, port: int, addresses: list[tuple], timeout: float, context: ssl.SSLContext):
        super().__init__(host, port, timeout=timeout, context=context)
        self._addresses = addresses

    def connect(self) -> None:
        sock = _open(self._addresses, self.timeout)
        try:
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
