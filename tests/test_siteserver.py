"""The site server `ccbkg serve` runs beside the SPARQL endpoint: files, negotiation, refusals."""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from ccbkg.core.errors import CcbkgError
from ccbkg.rdf.void import Release
from ccbkg.stores.htaccess import PREFIX, TARGET_HOST, read_rules
from ccbkg.stores.site_server import WORKERS, SiteServer, local_location
from tests.test_redirects import BROWSER, HTACCESS, rows

pytestmark = pytest.mark.slow  # every test starts the site server
COUNTRY = "https://w3id.org/ccbkg/id/country/JPN"


@pytest.fixture(scope="module")
def version(built: Path) -> str:
    quads = list(ox.parse(path=built / "ontology" / "ccb.ttl", format=ox.RdfFormat.TURTLE))
    return Release.from_ontology(quads).version


@pytest.fixture(scope="module")
def server(built: Path, version: str) -> Iterator[SiteServer]:
    running = SiteServer(built, read_rules(HTACCESS), version, "127.0.0.1", 0)
    running.start()
    yield running
    running.stop()


def get(server: SiteServer, path: str, accept: str = BROWSER,
        method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, headers={"Accept": accept})
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        conn.close()


def test_every_expected_redirect_is_answered_locally(server: SiteServer, version: str) -> None:
    local = 0
    for row in rows():
        status, headers, _ = get(server, row["path"], row["accept"])
        if row["status"] == "none":
            assert status == 404, row
            continue
        assert (status, headers.get("location")) == (
            int(row["status"]), local_location(row["location"], version, TARGET_HOST)), row
        assert headers["vary"] == "Accept"
        if headers["location"].startswith("/"):
            target = headers["location"].split("#")[0].replace("%23", "#").split("#")[0]
            assert get(server, target)[0] == 200, f"{row['path']} -> {target}"
            local += 1
    assert local > 30


@pytest.mark.parametrize(("accept", "media", "fmt"), [
    ("text/turtle", "text/turtle", ox.RdfFormat.TURTLE),
    ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
])
def test_an_instance_iri_gives_rdf_about_it(server: SiteServer, accept: str, media: str,
                                            fmt: ox.RdfFormat) -> None:
    status, headers, _ = get(server, COUNTRY.replace("https://w3id.org", ""), accept)
    assert status == 303
    status, headers, body = get(server, headers["location"], accept)
    assert status == 200 and headers["content-type"].startswith(media)
    if fmt == ox.RdfFormat.JSON_LD:  # compacted: the context by its IRI, from this server
        doc = json.loads(body)
        status, headers, _ = get(server, doc["@context"].replace("https://w3id.org", ""))
        status, _, shipped = get(server, headers["location"])
        assert status == 200
        body = json.dumps({**doc, "@context": json.loads(shipped)["@context"]}).encode()
    subjects = {q.subject for q in ox.parse(body, format=fmt)}
    assert ox.NamedNode(COUNTRY) in subjects


def test_a_browser_gets_the_page(server: SiteServer) -> None:
    status, headers, _ = get(server, PREFIX + "id/country/JPN")
    assert (status, headers["location"]) == (303, "/site/id/country/JPN.html")
    status, headers, body = get(server, headers["location"])
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b"<h1" in body and b"Japan" in body


def test_the_root_leads_to_the_index(server: SiteServer) -> None:
    for path in ("/", "/site", "/site/"):
        status, headers, _ = get(server, path)
        assert (status, headers["location"]) == (302, "/site/index.html"), path
    status, _, body = get(server, "/site/index.html")
    assert status == 200 and b"<h1" in body


@pytest.mark.parametrize("path", [
    "/../../etc/passwd", "/site/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
    "/site/nothing.html", PREFIX + "nothing/here", "/site/index.html%00.ttl",
])
def test_nothing_outside_the_build_or_unknown_is_found(server: SiteServer, path: str) -> None:
    status, _, body = get(server, path)
    assert status in (400, 404), path
    assert b"root:" not in body


def test_head_has_no_body_and_writes_are_refused(server: SiteServer) -> None:
    status, headers, body = get(server, "/site/index.html", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 1000
    for method in ("POST", "PUT", "DELETE"):
        status, headers, _ = get(server, "/site/index.html", method=method)
        assert (status, headers["allow"]) == (405, "GET, HEAD"), method


def test_a_taken_port_is_a_clear_error(server: SiteServer, built: Path,
                                       version: str) -> None:
    with pytest.raises(CcbkgError, match=rf"127\.0\.0\.1:{server.port} for the site.*--site-port"):
        SiteServer(built, read_rules(HTACCESS), version, "127.0.0.1", server.port)


def raw(server: SiteServer, data: bytes) -> list[bytes]:
    """Send bytes as they are, then read until the server closes: the status of each answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return re.findall(rb"(?m)^HTTP/1\.[01] (\d{3}) ", answer)


SECOND = b"GET /site/index.html HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.mark.parametrize(("method", "status"), [(b"POST", b"405"), (b"GET", b"200")])
def test_a_body_is_read_never_taken_for_a_second_request(server: SiteServer, method: bytes,
                                                         status: bytes) -> None:
    request = (method + b" /site/index.html HTTP/1.1\r\nHost: x\r\nContent-Length: "
               + str(len(SECOND)).encode() + b"\r\n\r\n" + SECOND)
    assert raw(server, request) == [status]


@pytest.mark.parametrize("headers", [
    b"Transfer-Encoding: chunked\r\n",
    b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: identity\r\n",
    b"Content-Length: 5\r\nContent-Length: 40\r\n",
    b"Content-Length: -5\r\n",
])
def test_a_body_framing_it_does_not_take_is_refused(server: SiteServer, headers: bytes) -> None:
    body = b"0\r\n\r\n" + SECOND
    request = b"POST /site/index.html HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n" + body
    assert raw(server, request) == [b"400"]


def test_a_huge_body_is_refused_without_reading_it(server: SiteServer) -> None:
    request = b"POST /site/index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 9000000000\r\n\r\n"
    assert raw(server, request) == [b"413"]


@pytest.fixture
def quick(built: Path, version: str) -> Iterator[SiteServer]:
    running = SiteServer(built, read_rules(HTACCESS), version, "127.0.0.1", 0, timeout=0.5)
    running.start()
    yield running
    running.stop()


@pytest.mark.parametrize("sent", [b"", b"GET /site/index.html HTTP/1.1\r\n"])
def test_a_silent_connection_is_closed_after_the_timeout(quick: SiteServer, sent: bytes) -> None:
    with socket.create_connection(("127.0.0.1", quick.port), timeout=10) as sock:
        sock.sendall(sent)
        start = time.monotonic()
        assert sock.recv(65536) == b""
        assert 0.4 < time.monotonic() - start < 5


def test_a_trickling_request_is_cut_at_the_timeout(quick: SiteServer) -> None:
    with socket.create_connection(("127.0.0.1", quick.port), timeout=10) as sock:
        start = time.monotonic()
        sock.sendall(b"GET /site/index.html HTTP/1.1\r\n")
        with contextlib.suppress(OSError):  # a write to the closed connection
            while time.monotonic() - start < 5:  # a header every 0.1 s, never the end
                time.sleep(0.1)
                sock.sendall(b"X: y\r\n")
                if select.select([sock], [], [], 0)[0] and sock.recv(1) == b"":
                    break
        assert 0.4 < time.monotonic() - start < 3, "the trickle was not cut"


def test_idle_connections_hold_no_threads_and_others_get_answers(server: SiteServer) -> None:
    before = threading.active_count()
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=10)
            for _ in range(200)]
    try:
        time.sleep(0.5)
        assert threading.active_count() - before <= WORKERS
        assert get(server, "/site/index.html")[0] == 200
    finally:
        for sock in idle:
            sock.close()


@pytest.mark.parametrize(("opening", "trickled"), [
    (b"GET /site/index.html HTTP/1.1\r\n", b"X: y\r\n"),
    (b"POST /site/index.html HTTP/1.1\r\nContent-Length: 60000\r\n\r\n", b"x"),
], ids=["heads", "bodies"])
def test_more_trickling_connections_than_workers_do_not_hold_up_a_page(
        server: SiteServer, opening: bytes, trickled: bytes) -> None:
    """Connections trickling their requests (a header or a byte of body a second, never the
    end) each held a thread until cut at the 10 s deadline: with more of them than threads (20
    held the 8 threads there were; 40, the 32 there are) a page waited for them. A page is
    answered while three times as many as there are threads trickle."""
    stop = threading.Event()
    socks = [socket.create_connection(("127.0.0.1", server.port), timeout=10)
             for _ in range(3 * WORKERS)]

    def trickle() -> None:
        with contextlib.suppress(OSError):
            for sock in socks:
                sock.sendall(opening)
            while not stop.wait(1):
                for sock in socks:
                    sock.sendall(trickled)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        time.sleep(1.5)  # every trickler has a thread by now, if it takes one
        start = time.monotonic()
        assert get(server, "/site/index.html")[0] == 200
        assert time.monotonic() - start < 5, "the page waited for a trickler to be cut"
    finally:
        stop.set()
        thread.join(timeout=5)
        for sock in socks:
            sock.close()


def test_a_client_that_expects_100_continue_gets_it_before_it_sends_its_body(
        server: SiteServer) -> None:
    """The server read whole requests before a worker answered: a client that asks `Expect:
    100-continue` (curl does, for a body over 1 KiB) waits for the answer to its head before
    it sends the body, and the two waited for each other."""
    body = b"x" * 2000
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /site/index.html HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        sock.settimeout(3)
        assert sock.recv(65536).startswith(b"HTTP/1.1 100"), "no 100 Continue before the body"
        sock.sendall(body)
        answer = b""
        with contextlib.suppress(OSError):
            while chunk := sock.recv(65536):
                answer += chunk
    assert b"HTTP/1.1 405" in answer, answer[:200]


@pytest.mark.parametrize("cut", range(1, 8))
def test_a_request_is_whole_however_its_bytes_arrive(cut: int) -> None:
    """The waiter searches each byte for the head's end once (it searched the whole buffer
    at each read: a few ms a read for a long head), so an end split across two reads must
    still be found."""
    from ccbkg.stores.site_server import _Arriving
    request = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
    at = request.index(b"\r\n\r\n") + cut - 3
    arriving = _Arriving(None)
    assert not arriving.add(request[:at])
    parts = [request[at:-2], request[-2:]]
    assert not arriving.add(parts[0]) and arriving.add(parts[1])
    assert bytes(arriving.sent) == request
