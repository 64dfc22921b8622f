"""The site server `ccbkg serve` runs beside the SPARQL endpoint: files, negotiation, refusals."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from ccbkg.describe import Release
from ccbkg.errors import CcbkgError
from ccbkg.rewrite import PREFIX, read_rules
from ccbkg.siteserver import SiteServer, local_location
from tests.test_redirects import BROWSER, HTACCESS, rows
from tests.test_site import built  # noqa: F401 (the session-scoped build, shared)

COUNTRY = "https://w3id.org/ccbkg/id/country/JPN"


@pytest.fixture(scope="module")
def version(built: Path) -> str:  # noqa: F811
    quads = list(ox.parse(path=built / "ontology" / "ccb.ttl", format=ox.RdfFormat.TURTLE))
    return Release.from_ontology(quads).version


@pytest.fixture(scope="module")
def server(built: Path, version: str) -> Iterator[SiteServer]:  # noqa: F811
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
            int(row["status"]), local_location(row["location"], version)), row
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


def test_a_taken_port_is_a_clear_error(server: SiteServer, built: Path,  # noqa: F811
                                       version: str) -> None:
    with pytest.raises(CcbkgError, match=rf"127\.0\.0\.1:{server.port} for the site.*--site-port"):
        SiteServer(built, read_rules(HTACCESS), version, "127.0.0.1", server.port)
