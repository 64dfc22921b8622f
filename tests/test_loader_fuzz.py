"""Property-based tests of the loader's error path: no input makes it crash or lose the place.

Hypothesis damages a real instance file (cuts, insertions, replaced characters, raw bytes) and
the strict loader must either accept it or report errors that name the file and a line inside
it; `ccbkg check` must answer with exit code 0 or 1 and a JSON report, never a traceback.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from ccbkg.cli import main
from ccbkg.core.findings import Severity
from ccbkg.core.textlines import split_lines
from ccbkg.project.layout import Project
from ccbkg.project.load import load
from tests.conftest import REPO

_ALBANIA = (REPO / "instances" / "albania.ttl").read_bytes()
SEED = _ALBANIA[:_ALBANIA.index(b" .\n", 6000) + 3]  # whole statements only
ONTOLOGY = (b"@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
            b"<https://example.org/o> a owl:Ontology .\n")
NAME = "instances/damaged.ttl"
TURTLE_BITS = st.sampled_from([
    "<", ">", '"', "'", '"""', "@", "^^", ":", ".", ";", ",", "[", "]", "(", ")", "\\", "\\u",
    "#", "_:", "@prefix", "a", " ", "\n", "\x00", "\ufeff", "\u200b", "e\u0301", "\ud7ff",
])


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """The seed file with one to three edits, or arbitrary bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300))
    data = bytearray(SEED)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["cut", "insert", "replace", "bytes"]))
        if kind == "cut":
            del data[at:at + draw(st.integers(1, 40))]
        elif kind == "insert":
            data[at:at] = draw(TURTLE_BITS).encode("utf-8", "surrogatepass")
        elif kind == "replace" and at < len(data):
            data[at:at + 1] = draw(TURTLE_BITS).encode("utf-8", "surrogatepass")
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
    return bytes(data)


def _tree(folder: Path, content: bytes) -> Path:
    (folder / "ontology").mkdir()
    (folder / "instances").mkdir()
    (folder / "ontology" / "o.ttl").write_bytes(ONTOLOGY)
    (folder / NAME).write_bytes(content)
    return folder


def test_the_undamaged_seed_loads_clean() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        loaded = load(Project.discover(_tree(Path(tmp), SEED)))
    assert loaded.result.errors == [] and loaded.files[-1].size > 50


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
@example(b"\r\x00")  # a lone CR is a line break to pyoxigraph (it was an IndexError)
@example(b'<http://a/b> <http://a/c> "x" .\r\r<http://a/b> <http://a/c> "c"@en_GB .\r')
def test_damage_is_accepted_or_located(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        loaded = load(Project.discover(_tree(Path(tmp), content)))
    lines = len(split_lines(content.decode("utf-8", "replace")))  # CR, LF and CRLF end lines
    event("rejected" if loaded.result.errors else "accepted")
    for finding in loaded.result.findings:
        if finding.severity is not Severity.ERROR:
            continue
        assert finding.file == NAME, finding
        assert finding.message.strip(), finding
        assert finding.line is None or 1 <= finding.line <= lines, (finding, lines)
        assert finding.column is None or finding.column >= 0, finding


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_check_answers_with_a_report_not_a_traceback(content: bytes) -> None:
    out, err = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory() as tmp:
        root = _tree(Path(tmp), content)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check", "--root", str(root), "--only", "syntax", "--format", "json"])
    assert code in (0, 1), err.getvalue()
    assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue()
    report = json.loads(out.getvalue())
    syntax = next(s for s in report["stages"] if s["stage"] == "syntax")
    assert (code == 1) == any(f["severity"] == "error" for f in syntax["findings"])
