"""`devkg import-iati URL`: real HTTP against a local server serving the real IATI files, no mocks.

The server (`Site`, a `ThreadingHTTPServer` in a thread) serves tests/fixtures/iati-real/
files at /files/NAME with ETag and Last-Modified and answers conditional requests with
304; other routes are scripted per test (503s, redirects, big or broken bodies). It
records every request, so a test can say the client sent no request at all.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from graph.cli import main
from graph.config import PROJECT_ROOT
from graph.fetch import Fetcher, FetchError, address_kind, normal_url
from graph.sources.iati import IatiImportError, import_sources
from graph.sources.iati.harvest import MANIFEST, url_file_name

REAL = Path(__file__).parent / "fixtures" / "iati-real"
NL = "nl-mfa-13-activities-2.03.xml"  # 13 activities, passes the build's checks
DFID = "dfid-purchase-of-equity-2.03.xml"  # 2 activities, passes too
BROKEN = "schema-test-fail-two-reporting-orgs.xml"  # <iati-identifier> empty at line 5: stops a build
FAST = {"backoff": 0.01, "wait_max": 2.0, "timeout": 5.0}


class _QuietServer(ThreadingHTTPServer):
    """Keeps a handler's exception (a client that hung up on purpose) instead of printing it to stderr,
    where it would land in whichever test is capturing stderr at that moment."""

    def handle_error(self, request, client_address):
        self.errors = getattr(self, "errors", []) + [sys.exc_info()[1]]


class Site:
    """A local web server: real files with validators, scripted answers, and a log of every request."""

    def __init__(self, host: str = "127.0.0.1"):
        self.files: dict[str, bytes] = {}
        self.modified: dict[str, datetime] = {}
        self.etags = True  # send ETag (and honour If-None-Match)
        self.last_modified = True  # send Last-Modified (and honour If-Modified-Since)
        self.gzip = False  # gzip the files for clients that accept it
        self.routes: dict[str, object] = {}  # path -> handler(request) for one-off answers
        self.script: dict[str, list] = {}  # path -> answers to give first, one per request
        self.requests: list[tuple[str, dict[str, str]]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                site.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                site.answer(self)

        self.server = _QuietServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.host, self.port = host, self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def put(self, name: str, body: bytes) -> str:
        """Serve `body` at /files/name, modified now (a second later than before); its URL."""
        before = self.modified.get(name)
        stamp = datetime.now(timezone.utc).replace(microsecond=0)
        if before is not None and stamp <= before:
            stamp = before + timedelta(seconds=1)
        self.files[name], self.modified[name] = body, stamp
        return self.url(f"/files/{name}")

    def seen(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == path]

    def answer(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path
        if self.script.get(path):
            step = self.script[path].pop(0)
            if step == "drop":  # close without a word
                h.close_connection = True
                return
            status, headers = step
            send(h, status, b"busy\n", headers)
            return
        if path in self.routes:
            self.routes[path](h)
            return
        name = path.removeprefix("/files/")
        if not path.startswith("/files/") or name not in self.files:
            send(h, 404, b"not here\n")
            return
        body, modified = self.files[name], self.modified[name]
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        headers = {"Content-Type": "application/xml"}
        if self.etags:
            headers["ETag"] = etag
        if self.last_modified:
            headers["Last-Modified"] = format_datetime(modified, usegmt=True)
        inm, ims = h.headers.get("If-None-Match"), h.headers.get("If-Modified-Since")
        if self.etags and inm is not None:
            if etag in [t.strip() for t in inm.split(",")]:
                send(h, 304, b"", headers)
                return
        elif self.last_modified and ims is not None and modified <= parsedate_to_datetime(ims):
            send(h, 304, b"", headers)
            return
        if self.gzip and "gzip" in (h.headers.get("Accept-Encoding") or ""):
            body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
        send(h, 200, body, headers)


def send(h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict | None = None, *,
         length: bool = True) -> None:
    h.send_response(status)
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    if length:
        h.send_header("Content-Length", str(len(body)))
    else:  # length unknown: the body ends when the connection does
        h.send_header("Connection", "close")
        h.close_connection = True
    h.end_headers()
    if status != 304:
        h.wfile.write(body)


@pytest.fixture
def site():
    s = Site()
    s.thread.start()
    yield s
    s.server.shutdown()
    s.server.server_close()


@pytest.fixture
def data(tmp_path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    (d / "reference").symlink_to(PROJECT_ROOT / "data" / "reference")
    return d


@pytest.fixture
def fast_env(monkeypatch):
    """Tiny retry waits for the CLI, which reads them from DEVKG_FETCH_*."""
    monkeypatch.setenv("DEVKG_FETCH_BACKOFF", "0.01")
    monkeypatch.setenv("DEVKG_FETCH_TIMEOUT", "5")


def cli(data: Path, *args: str) -> int:
    return main(["import-iati", "--data", str(data), "--allow-private", *args])


def fetch(data: Path, *urls: str, **options):
    return import_sources(list(urls), data, fetcher=Fetcher(allow_private=True, **{**FAST, **options}))


def copy_of(data: Path, url: str) -> Path:
    return data / "iati" / url_file_name(url)


def manifest(data: Path) -> dict:
    return json.loads((data / "iati" / MANIFEST).read_text(encoding="utf-8"))["urls"]


def leftovers(data: Path) -> list[str]:
    return sorted(p.name for p in (data / "iati").iterdir() if p.name.endswith(".part"))


# --- file names -----------------------------------------------------------------------------------
def test_a_url_names_its_copy_by_its_last_segment_and_a_hash_of_the_url():
    url = "https://example.org/files/IOM%20activities.XML"
    name = url_file_name(url)
    digest = hashlib.sha256(b"https://example.org/files/IOM%20activities.XML").hexdigest()[:10]
    assert name == f"IOM-activities-{digest}.xml"
    assert url_file_name("HTTPS://Example.ORG:443/files/IOM%20activities.XML#top") == name  # same URL
    assert url_file_name("https://example.org/other/IOM%20activities.XML") != name  # same file name elsewhere
    assert url_file_name(url + "?page=2") != name
    assert url_file_name("https://iati.example.org").startswith("iati.example.org-")  # no path: the host
    assert url_file_name("https://example.org/export?format=xml").startswith("export-")
    assert url_file_name("https://example.org/..%2F..%2Fetc%2F.passwd").startswith("etc-.passwd-")
    assert normal_url("HTTP://Example.org:80") == "http://example.org/"


# --- conditional GET ------------------------------------------------------------------------------
def test_first_import_stores_the_file_and_the_second_gets_304_and_leaves_it_alone(site, data, fast_env, capsys):
    url = site.put(NL, (REAL / NL).read_bytes())
    assert cli(data, url) == 0
    out, err = capsys.readouterr()
    copy = copy_of(data, url)
    assert out.splitlines() == [str(copy)]
    assert copy.read_bytes() == (REAL / NL).read_bytes()
    assert f"{url}: fetched 113,033 bytes; {copy} added" in err
    entry = manifest(data)[url]
    assert entry["file"] == copy.name and entry["etag"].startswith('"') and entry["last_modified"]
    assert entry["sha256"] == hashlib.sha256(copy.read_bytes()).hexdigest()
    first = site.seen(f"/files/{NL}")[0]
    assert "if-none-match" not in first and "if-modified-since" not in first
    before = copy.stat()

    assert cli(data, url) == 0
    out, err = capsys.readouterr()
    second = site.seen(f"/files/{NL}")[1]
    assert second["if-none-match"] == entry["etag"] and second["if-modified-since"] == entry["last_modified"]
    assert out == "" and f"{url}: unchanged (HTTP 304 Not Modified); {copy} kept" in err
    assert "1 unchanged" in err
    after = copy.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(p.name for p in (data / "iati").iterdir()) == sorted([copy.name, MANIFEST])


@pytest.mark.parametrize("etags, last_modified", [(True, False), (False, True)])
def test_either_validator_alone_gives_304(site, data, etags, last_modified):
    site.etags, site.last_modified = etags, last_modified
    url = site.put(NL, (REAL / NL).read_bytes())
    fetch(data, url)
    done = fetch(data, url)
    assert done.added == [] and done.unchanged == [copy_of(data, url)]
    sent = site.seen(f"/files/{NL}")[1]
    assert ("if-none-match" in sent) == etags and ("if-modified-since" in sent) == last_modified


def test_a_changed_file_is_fetched_again_and_replaces_the_copy(site, data, fast_env, capsys):
    url = site.put("publisher.xml", (REAL / NL).read_bytes())
    assert cli(data, url) == 0
    old_etag = manifest(data)[url]["etag"]
    site.put("publisher.xml", (REAL / DFID).read_bytes())
    capsys.readouterr()
    assert cli(data, url) == 0
    copy = copy_of(data, url)
    assert copy.read_bytes() == (REAL / DFID).read_bytes()
    assert f"{copy} updated" in capsys.readouterr().err
    assert site.seen("/files/publisher.xml")[1]["if-none-match"] == old_etag
    assert manifest(data)[url]["etag"] != old_etag
    assert manifest(data)[url]["sha256"] == hashlib.sha256((REAL / DFID).read_bytes()).hexdigest()


def test_a_copy_deleted_or_edited_by_hand_is_fetched_whole(site, data):
    url = site.put(NL, (REAL / NL).read_bytes())
    fetch(data, url)
    copy = copy_of(data, url)
    copy.write_bytes(copy.read_bytes().replace(b"XM-DAC-7", b"XM-DAC-8"))
    assert fetch(data, url).added == [copy]
    copy.unlink()
    assert fetch(data, url).added == [copy]
    assert copy.read_bytes() == (REAL / NL).read_bytes()
    assert ["if-none-match" in h for h in site.seen(f"/files/{NL}")] == [False, False, False]


def test_a_server_without_validators_sending_the_same_bytes_leaves_the_copy_alone(site, data):
    site.etags = site.last_modified = False
    url = site.put(NL, (REAL / NL).read_bytes())
    fetch(data, url)
    copy = copy_of(data, url)
    mtime = copy.stat().st_mtime_ns
    done = fetch(data, url)
    assert done.added == [] and done.notes == [f"{url}: unchanged (same content); {copy} kept"]
    assert copy.stat().st_mtime_ns == mtime


# --- transfer -------------------------------------------------------------------------------------
def test_gzip_content_coding_is_decoded(site, data):
    site.gzip = True
    url = site.put(NL, (REAL / NL).read_bytes())
    fetch(data, url)
    assert site.seen(f"/files/{NL}")[0]["accept-encoding"] == "gzip"
    assert copy_of(data, url).read_bytes() == (REAL / NL).read_bytes()


def test_a_redirect_is_followed_and_the_copy_is_named_after_the_url_given(site, data):
    target = site.put(NL, (REAL / NL).read_bytes())
    site.routes["/latest.xml"] = lambda h: send(h, 302, b"", {"Location": f"/files/{NL}"})
    url = site.url("/latest.xml")
    done = fetch(data, url)
    assert done.added == [copy_of(data, url)] and copy_of(data, url).read_bytes() == (REAL / NL).read_bytes()
    assert manifest(data)[url]["final_url"] == target
    assert fetch(data, url).unchanged == [copy_of(data, url)]  # the validators go along the redirect


def test_a_redirect_loop_ends(site, data):
    site.routes["/loop"] = lambda h: send(h, 301, b"", {"Location": "/loop"})
    with pytest.raises(IatiImportError) as info:
        fetch(data, site.url("/loop"))
    assert info.value.messages == [f"{site.url('/loop')}: more than 5 redirects"]
    assert len(site.seen("/loop")) == 6


def test_mixed_files_and_urls_import_together(site, data):
    url = site.put(NL, (REAL / NL).read_bytes())
    done = fetch(data, REAL / DFID, url)
    assert done.added == [data / "iati" / DFID, copy_of(data, url)]


# --- retries --------------------------------------------------------------------------------------
@pytest.mark.parametrize("first", [(503, {}), (502, {}), (504, {}), (429, {"Retry-After": "0"}), "drop"])
def test_a_transient_failure_is_retried(site, data, first):
    url = site.put(NL, (REAL / NL).read_bytes())
    site.script[f"/files/{NL}"] = [first, first]
    done = fetch(data, url)
    assert done.added == [copy_of(data, url)] and len(site.seen(f"/files/{NL}")) == 3


def test_a_body_cut_short_is_fetched_again(site, data):
    body, calls = (REAL / NL).read_bytes(), []

    def half_then_whole(h):
        calls.append(1)
        if len(calls) == 1:  # promises the whole file, sends half, hangs up
            h.send_response(200)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body[: len(body) // 2])
            h.close_connection = True
        else:
            send(h, 200, body)

    site.routes["/cut.xml"] = half_then_whole
    url = site.url("/cut.xml")
    assert fetch(data, url).added == [copy_of(data, url)] and len(calls) == 2
    assert copy_of(data, url).read_bytes() == body


def test_503_then_200_through_the_cli(site, data, fast_env, capsys):
    url = site.put(NL, (REAL / NL).read_bytes())
    site.script[f"/files/{NL}"] = [(503, {})]
    assert cli(data, url) == 0
    assert copy_of(data, url).read_bytes() == (REAL / NL).read_bytes()


def test_retry_after_is_waited(site, data, monkeypatch):
    import graph.fetch

    waits = []
    monkeypatch.setattr(graph.fetch.time, "sleep", waits.append)  # what the client waits, not how long it took
    url = site.put(NL, (REAL / NL).read_bytes())
    site.script[f"/files/{NL}"] = [(503, {"Retry-After": "1"})]
    fetch(data, url)
    assert len(waits) == 1 and 0.95 <= waits[0] <= 1.0 and len(site.requests) == 2


def test_a_retry_after_beyond_the_cap_ends_at_once(site, data):
    url = site.put(NL, (REAL / NL).read_bytes())
    site.script[f"/files/{NL}"] = [(503, {"Retry-After": "3600"})]
    with pytest.raises(IatiImportError) as info:
        fetch(data, url)
    assert info.value.messages == [f"{url}: HTTP 503 Service Unavailable; the server asks to retry in 3600 s, "
                                   "longer than the 2 s devkg waits (DEVKG_FETCH_WAIT_MAX); try again later"]
    assert len(site.seen(f"/files/{NL}")) == 1


def test_gives_up_after_the_retries_with_one_line_and_exit_2(site, data, fast_env, capsys):
    url = site.put(NL, (REAL / NL).read_bytes())
    site.script[f"/files/{NL}"] = [(503, {})] * 10
    assert cli(data, url) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f"{url}: HTTP 503 Service Unavailable; gave up after 4 attempts"
    assert len(site.seen(f"/files/{NL}")) == 4 and "Traceback" not in err
    assert not (data / "iati").exists()


def test_an_http_error_is_not_retried(site, data, fast_env, capsys):
    url = site.url("/files/missing.xml")
    assert cli(data, url) == 2
    assert capsys.readouterr().err.splitlines()[0] == f"{url}: HTTP 404 Not Found"
    assert len(site.requests) == 1


def test_a_slow_server_times_out(site, data):
    site.routes["/slow.xml"] = lambda h: (time.sleep(0.6), send(h, 200, b"<x/>"))
    with pytest.raises(IatiImportError) as info:
        fetch(data, site.url("/slow.xml"), timeout=0.2, retries=0)
    assert info.value.messages == [f"{site.url('/slow.xml')}: no answer within 0.2 s (DEVKG_FETCH_TIMEOUT); "
                                   "gave up after 1 attempt"]


# --- size -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["content-length", "no length", "gzip bomb"])
def test_a_body_over_the_size_cap_is_refused(site, data, how):
    body = (REAL / NL).read_bytes()  # 113,033 bytes
    if how == "content-length":
        site.routes["/big.xml"] = lambda h: send(h, 200, body)
    elif how == "no length":
        site.routes["/big.xml"] = lambda h: send(h, 200, body, length=False)
    else:  # 10 KB on the wire, 10 MB unpacked
        packed = gzip.compress(b"<" + b" " * 10_000_000)
        site.routes["/big.xml"] = lambda h: send(h, 200, packed, {"Content-Encoding": "gzip"})
    url = site.url("/big.xml")
    with pytest.raises(IatiImportError) as info:
        fetch(data, url, max_bytes=50_000)
    message, = info.value.messages
    assert message.startswith(f"{url}: larger than the 50,000 byte limit (--max-bytes or DEVKG_FETCH_MAX_BYTES)")
    assert not (data / "iati").exists()


def test_the_size_cap_flag_and_setting(site, data, fast_env, monkeypatch, capsys):
    url = site.put(NL, (REAL / NL).read_bytes())
    assert cli(data, "--max-bytes", "1000", url) == 2
    assert "larger than the 1,000 byte limit" in capsys.readouterr().err
    monkeypatch.setenv("DEVKG_FETCH_MAX_BYTES", "2000")
    assert cli(data, url) == 2
    assert "larger than the 2,000 byte limit" in capsys.readouterr().err
    assert cli(data, "--max-bytes", "200000", url) == 0


# --- checks ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("body, reason", [
    (b"Service down for maintenance\n", ":1: not an IATI activity file: malformed XML: Start tag expected"),
    (b"<html><body>Log in</body></html>", ":1: not an IATI activity file: the root element is <html>"),
])
def test_a_body_that_is_not_iati_xml_is_refused_naming_the_url(site, data, fast_env, capsys, body, reason):
    site.routes["/export"] = lambda h: send(h, 200, body, {"Content-Type": "text/html"})
    url = site.url("/export")
    assert cli(data, url) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0].startswith(url + reason) and "Traceback" not in err
    assert not (data / "iati").exists()


def test_a_failed_check_keeps_the_previous_copy(site, data, fast_env, capsys):
    url = site.put("publisher.xml", (REAL / NL).read_bytes())
    assert cli(data, url) == 0
    copy, before = copy_of(data, url), manifest(data)
    site.put("publisher.xml", (REAL / BROKEN).read_bytes())
    capsys.readouterr()
    assert cli(data, url) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{url}:5: <iati-identifier> is empty")
    assert str(data / "iati") + " is as it was" in err
    assert copy.read_bytes() == (REAL / NL).read_bytes()
    assert manifest(data) == before and leftovers(data) == []


def test_xsd_checks_a_downloaded_file_too(site, data, fast_env, capsys):
    url = site.put(BROKEN, (REAL / BROKEN).read_bytes())
    assert cli(data, "--xsd", url) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{url}:9: XSD 2.03: Element 'reporting-org': This element is not expected. Expected is ( title ).")


# --- addresses ------------------------------------------------------------------------------------
@pytest.mark.parametrize("address, kind", [
    ("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.1", "private"),
    ("169.254.169.254", "link-local"), ("100.64.0.1", "non-public"), ("0.0.0.0", "unspecified"),
    ("224.0.0.1", "multicast"), ("::1", "loopback"), ("fe80::1%eth0", "link-local"), ("fc00::1", "private"),
    ("::ffff:127.0.0.1", "loopback"), ("2002:7f00:1::", "loopback (inside 6to4)"),
    ("8.8.8.8", None), ("::ffff:8.8.8.8", None), ("2606:4700:4700::1111", None),
])
def test_address_kinds(address, kind):
    assert address_kind(address) == kind


def test_loopback_urls_are_refused_without_the_opt_in_and_nothing_is_requested(site, data, capsys):
    url = site.put(NL, (REAL / NL).read_bytes())
    by_name = f"http://localhost:{site.port}/files/{NL}"
    assert main(["import-iati", "--data", str(data), url, by_name]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f"{url}: 127.0.0.1 is a loopback address; devkg fetches from public addresses only "
                      "(--allow-private lifts this)")
    assert err[1].startswith(f"{by_name}: localhost resolves to ") and "a loopback address" in err[1]
    assert site.requests == [] and not (data / "iati").exists()


def test_a_redirect_to_a_non_public_address_is_refused_before_connecting(site, data):
    try:
        inner = Site("127.0.0.2")  # also loopback: stands for "an address inside"
    except OSError:
        pytest.skip("cannot listen on 127.0.0.2 here")
    inner.thread.start()
    try:
        secret = inner.put(NL, (REAL / NL).read_bytes())
        site.routes["/go"] = lambda h: send(h, 302, b"", {"Location": secret})
        url = site.url("/go")
        # 127.0.0.1 stands for a public address: the only one allowed
        with pytest.raises(IatiImportError) as info:
            import_sources([url], data, fetcher=Fetcher(allow_addresses=frozenset({"127.0.0.1"}), **FAST))
        assert info.value.messages == [f"{url}: redirected to {secret}: 127.0.0.2 is a loopback address; devkg "
                                       "fetches from public addresses only (--allow-private lifts this)"]
        assert len(site.seen("/go")) == 1 and inner.requests == []
    finally:
        inner.server.shutdown()
        inner.server.server_close()


@pytest.mark.parametrize("url, reason", [
    ("ftp://example.org/a.xml", "only http:// and https:// URLs can be fetched, not ftp:"),
    ("file:///etc/passwd", "only http:// and https:// URLs can be fetched, not file:"),
    ("https://user:secret@example.org/a.xml", "URLs with a user name or password are not fetched"),
    ("https://exa mple.org/a.xml", "not a valid URL: it contains spaces or control characters"),
    ("https:///a.xml", "not a valid URL: no host"),
])
def test_urls_that_cannot_be_fetched_are_refused(data, url, reason, capsys):
    assert main(["import-iati", "--data", str(data), url]) == 2
    assert capsys.readouterr().err.splitlines()[0] == f"{url}: {reason}"


def test_a_redirect_to_another_scheme_is_refused(site, data):
    site.routes["/ftp"] = lambda h: send(h, 302, b"", {"Location": "ftp://example.org/a.xml"})
    with pytest.raises(IatiImportError) as info:
        fetch(data, site.url("/ftp"))
    assert info.value.messages == [f"{site.url('/ftp')}: redirected to ftp://example.org/a.xml: only http:// "
                                   "and https:// URLs can be fetched, not ftp:"]


# --- https ----------------------------------------------------------------------------------------
@pytest.fixture
def tls_site(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("no openssl to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    s = Site()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    s.server.socket = context.wrap_socket(s.server.socket, server_side=True)
    s.thread.start()
    yield s, cert
    s.server.shutdown()
    s.server.server_close()


def test_https_checks_the_certificate_against_the_host(tls_site, data):
    s, cert = tls_site
    s.put(NL, (REAL / NL).read_bytes())
    url = f"https://127.0.0.1:{s.port}/files/{NL}"
    trusting = ssl.create_default_context(cafile=str(cert))
    assert fetch(data, url, ssl_context=trusting).added == [copy_of(data, url)]
    assert copy_of(data, url).read_bytes() == (REAL / NL).read_bytes()
    other = f"https://127.0.0.1:{s.port}/files/{DFID}"
    with pytest.raises(IatiImportError) as info:  # the system's CAs do not know this certificate
        fetch(data, other)
    message, = info.value.messages
    assert message.startswith(f"{other}: TLS: ") and "certificate" in message and "gave up" not in message


def test_fetch_error_is_one_line_naming_the_url(site, tmp_path):
    url = site.url("/files/none.xml")
    with pytest.raises(FetchError) as info:
        Fetcher(allow_private=True, **FAST).get(url, tmp_path / "x")
    assert str(info.value) == f"{url}: HTTP 404 Not Found" and "\n" not in str(info.value)


def test_a_closed_port_is_retried_then_reported(data):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/a.xml"
    with pytest.raises(IatiImportError) as info:
        fetch(data, url, retries=1)
    assert info.value.messages == [f"{url}: connection refused; gave up after 2 attempts"]
