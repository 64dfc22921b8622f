"""Real SPARQL servers for tests, on free 127.0.0.1 ports, and a proxy that breaks on purpose.

- `OxigraphServer`: `oxigraph serve --location DIR --bind 127.0.0.1:PORT --union-default-graph`.
- `VirtuosoServer`: Debian's `virtuoso-t +foreground` with a copy of the packaged virtuoso.ini
  rewritten for a private database folder and 127.0.0.1 ports (the packaged service cannot
  start on these machines). A fresh database has dba/dba; `set_password` changes it by isql.
- `TdbEndpoint`: a read-only SPARQL query endpoint on a Jena TDB2 database
  (tests/jena/Endpoint.java), with TDB2's default settings, as Fuseki serves a dataset.
- `FaultProxy`: forwards HTTP requests to a server and lets a test drop, reject or otherwise
  interfere with the N-th one.
- `StoreUnderTest`: a running store with its endpoints, credentials and independent read-back
  (SPARQLWrapper); `check_bundled_queries` runs the bundled query suite on an endpoint.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import owlrl
import pyoxigraph as ox
import rdflib
from SPARQLWrapper import POST, TURTLE, SPARQLWrapper

from ccbkg.core.namespaces import GRAPH
from ccbkg.stores.http_client import PASSWORD_ENV, USER_ENV, HttpClient
from ccbkg.stores.profiles import Endpoints, endpoints
from ccbkg.stores.publish import digest
from tests.conftest import REPO
from tests.kept import kept

VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
# Debian's libapache-jena-java: the jars Jena's ARQ and TDB2 need, without its command scripts.
JENA_JARS = tuple(Path("/usr/share/java") / f"{name}.jar" for name in (
    "jena-arq jena-base jena-core jena-iri jena-cmds jena-dboe-base jena-dboe-index "
    "jena-dboe-storage jena-dboe-trans-data jena-dboe-transaction jena-tdb jena-tdb2 "
    "jena-rdfconnection jena-shacl jena-shex commons-cli "
    "commons-codec commons-compress commons-csv commons-io commons-lang3 guava gson "
    "jackson-core jackson-databind jackson-annotations jsonld-java titanium-json-ld "
    "jakarta.json-api httpclient httpcore dexx.collection protobuf thrift slf4j-api slf4j-nop"
).split())
VIRTUOSO_VAD = Path("/usr/share/virtuoso-opensource-7/vad")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts connections on host:port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def jena_classpath(work: Path) -> str | None:
    """The Java class path for Debian's Jena, or None when Java or a jar is missing. Debian's
    Jena lacks the xerces message files where it looks them up: they are copied under work."""
    if shutil.which("java") is None or not all(j.exists() for j in JENA_JARS):
        return None
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    import bench  # the benchmark's copy of the xerces message files

    bench._xerces_messages(work)
    return ":".join([*map(str, JENA_JARS), str(work)])


def oxigraph_binary() -> str:
    """The oxigraph server of this virtual environment."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.is_file() else (shutil.which("oxigraph") or "oxigraph")


def _launch(command: list[str], log: Path, query: str, seconds: float, *,
            server_log: Path | None = None, **options: Any) -> subprocess.Popen[bytes]:
    """Start a server (its output appended to log) and wait until its query endpoint answers
    `ASK {}`; a server that exits or stays silent is an error quoting the end of its log
    (server_log, when it keeps one of its own)."""
    with log.open("ab") as sink:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=sink,
                                   stderr=subprocess.STDOUT, **options)
    _wait_http(f"{query}?{urlencode({'query': 'ASK {}'})}", process, seconds, server_log or log)
    return process


def _wait_http(url: str, process: subprocess.Popen[bytes], seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"no answer from {url} within {seconds} s: {_tail(log)}")


def _tail(log: Path, lines: int = 5) -> str:
    try:
        return " | ".join(log.read_text("utf-8", "replace").strip().splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(process: subprocess.Popen[bytes] | None, seconds: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@dataclass
class OxigraphServer:
    """A read-write Oxigraph server on a persistent folder (so it survives a kill)."""

    location: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    union: bool = True  # --union-default-graph (False: the default graph is a graph of its own)
    read_only: bool = False  # `oxigraph serve-read-only`

    @property
    def base(self) -> str:
        """The server URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def query(self) -> str:
        """The SPARQL query endpoint."""
        return f"{self.base}/query"

    def start(self) -> OxigraphServer:
        """Start it and wait until it answers."""
        self.process = _launch(
            [oxigraph_binary(), "serve-read-only" if self.read_only else "serve", "--location",
             str(self.location), "--bind",
             f"127.0.0.1:{self.port}", *(["--union-default-graph"] if self.union else [])],
            self.location.with_suffix(".log"), self.query, 30)
        return self

    def kill(self) -> None:
        """Kill it hard (SIGKILL), as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop it cleanly."""
        _stop(self.process)


def virtuoso_missing() -> str | None:
    """Why the Virtuoso tests cannot run here, or None when they can."""
    missing = [b for b in ("virtuoso-t", "isql-vt") if shutil.which(b) is None]
    if missing:
        return (f"Virtuoso is not installed ({', '.join(missing)} not on PATH): "
                "apt-get install virtuoso-opensource (.ci/run does)")
    if not VIRTUOSO_INI.is_file():
        return f"{VIRTUOSO_INI} is missing: reinstall virtuoso-opensource-7"
    return None


def virtuoso_ini(template: str, folder: Path, sql_port: int, http_port: int) -> str:
    """The packaged virtuoso.ini with a private database folder and 127.0.0.1 ports."""
    db = folder / "db"
    overrides: dict[str, dict[str, str]] = {
        "Database": {
            "DatabaseFile": f"{db}/virtuoso.db", "ErrorLogFile": f"{db}/virtuoso.log",
            "LockFile": f"{db}/virtuoso.lck", "TransactionFile": f"{db}/virtuoso.trx",
            "xa_persistent_file": f"{db}/virtuoso.pxa"},
        "TempDatabase": {
            "DatabaseFile": f"{db}/virtuoso-temp.db", "TransactionFile": f"{db}/virtuoso-temp.trx"},
        "Parameters": {
            "ServerPort": f"127.0.0.1:{sql_port}", "DirsAllowed": f"., {folder}, {VIRTUOSO_VAD}",
            "NumberOfBuffers": "10000", "MaxDirtyBuffers": "6000", "CheckpointInterval": "60"},
        "HTTPServer": {"ServerPort": f"127.0.0.1:{http_port}"},
        "URIQA": {"DefaultHost": f"127.0.0.1:{http_port}"},
    }
    out: list[str] = []
    section = ""
    pending: dict[str, str] = {}

    def flush() -> None:
        out.extend(f"{k} = {v}" for k, v in pending.items())
        pending.clear()

    for raw in template.splitlines():
        header = re.match(r"^\s*\[([^\]]+)\]", raw)
        if header:
            flush()
            section = header.group(1).strip()
            pending.update(overrides.get(section, {}))
            out.append(raw)
            continue
        setting = re.match(r"^\s*([A-Za-z_][\w]*)\s*=", raw)
        if setting and setting.group(1) in overrides.get(section, {}):
            key = setting.group(1)
            if key in pending:
                out.append(f"{key} = {pending.pop(key)}")
            continue  # a duplicate of an overridden key: drop it
        out.append(raw)
    flush()
    return "\n".join(out) + "\n"


@dataclass
class VirtuosoServer:
    """A private Virtuoso (SQL and HTTP on 127.0.0.1) with its database under folder."""

    folder: Path
    sql_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    password: str = "dba"
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        """The HTTP server URL."""
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def query(self) -> str:
        """The public SPARQL endpoint (reads)."""
        return f"{self.base}/sparql"

    @property
    def ini(self) -> Path:
        """The private configuration file."""
        return self.folder / "virtuoso.ini"

    def start(self, seconds: float = 90) -> VirtuosoServer:
        """Start virtuoso-t in the foreground and wait until /sparql answers."""
        (self.folder / "db").mkdir(parents=True, exist_ok=True)
        if not self.ini.exists():
            self.ini.write_text(virtuoso_ini(VIRTUOSO_INI.read_text(), self.folder,
                                             self.sql_port, self.http_port))
        self.process = _launch(
            ["virtuoso-t", "+foreground", "+configfile", str(self.ini)],
            self.folder / "console.log", self.query, seconds,
            server_log=self.folder / "db" / "virtuoso.log", cwd=self.folder / "db",
            start_new_session=True)
        return self

    def isql(self, *statements: str, timeout: float = 60) -> str:
        """Run SQL statements through isql-vt as dba; returns its output."""
        done = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", self.password,
             *(f"exec={s}" for s in statements)],
            capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql failed: {done.stdout[-500:]} {done.stderr[-500:]}")
        return done.stdout

    def set_password(self, password: str) -> None:
        """Change the dba password (SQL and HTTP digest auth)."""
        self.isql(f"USER_SET_PASSWORD('dba', '{password}')")
        self.password = password

    def kill(self) -> None:
        """Kill it hard (SIGKILL), as a crash would; the next start recovers from its log."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop it cleanly."""
        _stop(self.process, seconds=30)


@dataclass
class TdbEndpoint:
    """A query endpoint on a TDB2 database folder: the union default graph off (TDB2's default,
    and Fuseki's for a dataset made without the assembler file)."""

    database: Path
    classpath: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def query(self) -> str:
        """The SPARQL query endpoint."""
        return f"http://127.0.0.1:{self.port}/query"

    def start(self) -> TdbEndpoint:
        """Start it (a JVM) and wait until it answers."""
        self.process = _launch(
            ["java", "-cp", self.classpath, str(REPO / "tests" / "jena" / "Endpoint.java"),
             str(self.database), str(self.port)],
            self.database.with_suffix(".log"), self.query, 60)
        return self

    def stop(self) -> None:
        """Stop it."""
        _stop(self.process)


Policy = Callable[[int, str, str, bytes], str]
"""Given (request number from 1, method, path, body): 'forward', 'drop', 'reject' (HTTP 500),
or 'lose-answer' (forward; if the server acted on it, drop the connection instead of
answering; a 401 challenge or other error goes back as it is), or 'no-rows' (an empty table
of SPARQL results, whatever was asked)."""


class FaultProxy:
    """An HTTP proxy on 127.0.0.1 in front of one server, breaking requests by a policy."""

    def __init__(self, target: str, policy: Policy) -> None:
        parts = urlsplit(target)
        self.host, self.port_to = parts.hostname or "127.0.0.1", parts.port or 80
        self.policy = policy
        self.count = 0
        self.log: list[tuple[int, str, str, str]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with proxy._lock:
                    proxy.count += 1
                    number = proxy.count
                action = proxy.policy(number, self.command, self.path, body)
                proxy.log.append((number, self.command, self.path, action))
                if action == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if action == "no-rows":  # a SPARQL endpoint that sees nothing
                    self._answer(200, [("Content-Type", "application/sparql-results+json")],
                                 b'{"head":{"vars":["x"]},"results":{"bindings":[]}}')
                    return
                if action == "reject":
                    self._answer(500, [("Content-Type", "text/plain")], b"injected failure")
                    return
                try:
                    status, headers, data = proxy._forward(self.command, self.path,
                                                           self.headers.items(), body)
                except OSError:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if action == "lose-answer" and status < 400:  # acted on, answer lost
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if action == "half-lines":  # an answer cut short after a whole line
                    lines = data.splitlines(keepends=True)
                    data = b"".join(lines[:len(lines) // 2])
                self._answer(status, headers, data)

            def _answer(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
                self.send_response(status)
                for key, value in headers:
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        """The proxy's URL (use it in place of the server's)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _forward(self, method: str, path: str, headers: list[tuple[str, str]],
                 body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(self.host, self.port_to, timeout=60)
        try:
            sent = {k: v for k, v in headers if k.lower() not in ("host", "connection")}
            sent["Host"] = f"{self.host}:{self.port_to}"
            connection.request(method, path, body=body or None, headers=sent)
            answer = connection.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        finally:
            connection.close()

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def http_get(url: str, accept: str, timeout: float = 30) -> bytes:
    """GET a URL (loopback only), raising on HTTP errors."""
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            data: bytes = answer.read()
            return data
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"GET {url}: HTTP {exc.code}: {exc.read()[:300]!r}") from None


@dataclass
class StoreUnderTest:
    """A running store and how to talk to it."""

    kind: str
    server: OxigraphServer | VirtuosoServer
    password: str | None = None

    @property
    def env(self) -> dict[str, str]:
        """The environment for the CLI (credentials for Virtuoso)."""
        if self.password is None:
            return {USER_ENV: "", PASSWORD_ENV: ""}
        return {USER_ENV: "dba", PASSWORD_ENV: self.password}

    def endpoints(self, base: str | None = None, **changes: int) -> Endpoints:
        """The store's endpoints (through base, e.g. a proxy, when given)."""
        found = endpoints(self.kind, base or self.server.base,
                          authenticated=self.password is not None)
        return replace(found, **changes) if changes else found

    def client(self, where: Endpoints, *, retries: int = 0, timeout: float = 30) -> HttpClient:
        """An HTTP client with the store's credentials and fast retries."""
        credentials = ("dba", self.password) if self.password is not None else None
        return HttpClient(timeout=timeout, retries=retries, backoff=0.01,
                          credentials=credentials, auth_urls=where.urls())

    def restart(self) -> None:
        """Start the server again on the same data (after a kill)."""
        self.server.start()

    def construct(self, graph: str) -> list[ox.Triple]:
        """A named graph read back with SPARQLWrapper (a CONSTRUCT on the query endpoint)."""
        wrapper = SPARQLWrapper(self.server.query)
        wrapper.setMethod(POST)
        wrapper.setQuery(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        wrapper.setReturnFormat(TURTLE)
        # N-Triples: Virtuoso's Turtle writes "27700000"^^xsd:decimal as a bare integer.
        wrapper.setOnlyConneg(True)
        wrapper.addCustomHttpHeader("Accept", "application/n-triples")
        response = wrapper.query().response
        data = response.read()
        media = (response.headers.get("Content-Type") or "").split(";")[0].strip()
        fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
        return [q.triple for q in ox.parse(data, format=fmt)]

    def state(self, graph: str) -> tuple[int, str]:
        """Triple count and digest of a named graph, as read back."""
        triples = self.construct(graph)
        return len(set(triples)), digest(triples)

    def graphs(self, prefix: str) -> set[str]:
        """The named graphs whose IRI starts with prefix."""
        wrapper = SPARQLWrapper(self.server.query)
        wrapper.setMethod(POST)
        wrapper.setQuery("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                         f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }}')
        wrapper.setReturnFormat("json")
        rows = wrapper.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
        return {r["g"]["value"] for r in rows}


def changed_release(quads: list[ox.Quad]) -> list[ox.Quad]:
    """A second release: one triple more in the Japan graph, one fewer in the ontology."""
    japan = ox.NamedNode("https://w3id.org/ccbkg/graph/data/japan")
    ontology = ox.NamedNode("https://w3id.org/ccbkg/graph/ontology")
    dropped = next(q for q in quads if q.graph_name == ontology)
    extra = ox.Quad(ox.NamedNode("https://w3id.org/ccbkg/id/country/JPN"),
                    ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
                    ox.Literal("added by the second release", language="en"), japan)
    return [q for q in quads if q != dropped] + [extra]


def bundled_query_names() -> list[str]:
    """The names of the bundled queries (an empty list fails the caller's test)."""
    from ccbkg.query.catalogue import catalogue

    return [info.name for info in catalogue(REPO)]


def compare_bundled_query(endpoint: str, name: str, store: ox.Store,
                          values: dict[str, str] | None = None) -> str | None:
    """Run a bundled query on the endpoint (through ccbkg.query's remote path, on ccbkg's HTTP
    client) and compare its CSV with the expected one stored beside it or, with parameter values
    bound or without an expected file, with pyoxigraph's answer on the same release (`store`).
    Returns what differs, or None."""
    from ccbkg.query.catalogue import bind, find
    from ccbkg.query.render import render
    from ccbkg.query.run import run_embedded, run_remote

    info = find(name, REPO)
    bindings = bind(info, values or {})
    remote = render(run_remote(endpoint, info.text, bindings), "csv")
    expected_file = _expected(info)
    if not values and expected_file is not None and expected_file.is_file():
        expected = expected_file.read_text("utf-8")
        where = f"{name}: expected/{expected_file.name}"
    else:
        expected = render(run_embedded(store, info.text, bindings), "csv")
        where = f"{name} {values or 'defaults'}: pyoxigraph"
    got, want = remote.splitlines(), expected.splitlines()  # CSV has CRLF, files LF
    if got == want:
        return None
    if sorted(got) == sorted(want):
        return f"{where}: the same rows, ties in another order (the ORDER BY is not total)"
    extra = sorted(set(got) - set(want))[:3]
    missing = sorted(set(want) - set(got))[:3]
    return (f"{where}: {len(got) - 1} rows instead of {len(want) - 1}; unexpected {extra}; "
            f"missing {missing}")


def _expected(info: object) -> Path | None:
    expected = getattr(info, "expected", None)
    path = getattr(info, "path", None)
    if not expected or path is None:
        return None
    return Path(path).parent / str(expected)


def rdfs_closure(quads: list[ox.Quad], work: Path) -> list[ox.Triple] | None:
    """What Jena's RDFS reasoner (`riot --rdfs=VOCABULARY`) infers from the release, with the
    release's ontology and vocabularies as the vocabulary: the closure of every triple of every
    graph, or None when Java or Jena is missing. Triples with a literal subject (generalised RDF,
    which riot prints too) are left out: no store holds them."""
    classpath = jena_classpath(work / "classes")
    if classpath is None:
        return None
    terms = [q for q in quads if isinstance(q.graph_name, ox.NamedNode)
             and q.graph_name.value.startswith((str(GRAPH["ontology"]), str(GRAPH["vocab/"])))]
    vocabulary, data = work / "vocabulary.nt", work / "release.nt"
    vocabulary.write_bytes(_ntriples(terms))
    data.write_bytes(_ntriples(quads))

    def infer() -> bytes:
        done = subprocess.run(
            ["java", "-cp", classpath, "riotcmd.riot", f"--rdfs={vocabulary}", "--out=nt",
             str(data)], capture_output=True, timeout=120, check=True)
        return b"".join(line for line in done.stdout.splitlines(keepends=True)
                        if not line.startswith(b'"'))
    jars = [f"{jar.name} {jar.stat().st_size}" for jar in JENA_JARS]
    lines = kept(["jena riot --rdfs", *jars, vocabulary.read_bytes(), data.read_bytes()], infer)
    return [ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(lines, format=ox.RdfFormat.N_TRIPLES)]


def owl_rl_closure(quads: list[ox.Quad]) -> list[ox.Triple]:
    """The OWL 2 RL closure of the release (all graphs merged but the shapes, which no query
    reads and which would double owlrl's time) by owlrl, without triples whose subject is a
    literal."""
    release = _ntriples([q for q in quads if q.graph_name != ox.NamedNode(GRAPH["shapes"])])

    def infer() -> bytes:
        graph = rdflib.Graph()
        graph.parse(data=release, format="nt")
        # improved_datatypes=False: owlrl's own lexical conversions would replace rdflib's for
        # the whole process (and make later tests in it judge literals differently).
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, improved_datatypes=False).expand(graph)
        closure = rdflib.Graph()
        for triple in graph:
            if not isinstance(triple[0], rdflib.Literal):
                closure.add(triple)
        return closure.serialize(format="nt", encoding="utf-8")
    lines = kept(["owlrl", owlrl.__version__, rdflib.__version__, release], infer)
    return [ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(lines, format=ox.RdfFormat.N_TRIPLES)]


def _ntriples(quads: list[ox.Quad]) -> bytes:
    """The quads' triples, every graph merged, as N-Triples."""
    return ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                        format=ox.RdfFormat.N_TRIPLES) or b""


def with_entailments(quads: list[ox.Quad], closure: set[ox.Triple]) -> ox.Store:
    """The release in pyoxigraph plus the triples of a closure it does not hold, in a named
    graph of their own (where a reasoning store keeps them apart from the asserted ones; a
    triple already asserted is not added twice, which Oxigraph's union default graph would
    return twice)."""
    store = ox.Store()
    store.extend(quads)
    asserted = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    graph = ox.NamedNode("urn:x-test:entailed")
    store.extend(ox.Quad(t.subject, t.predicate, t.object, graph)
                 for t in closure if t not in asserted)
    return store
