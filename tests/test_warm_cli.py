"""The warm start of the CLI (tests/warm_cli.py) answers as a new interpreter does."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, WARM, run_cli
from tests.warm_cli import WarmCli

DURATION = re.compile(r"\(\d+(\.\d+)? s\)")


@pytest.mark.parametrize("args", [
    ("--version",),
    ("no-such-command",),  # a usage error: exit 2, argparse's message on stderr
    ("check", "--root", "$tmp", "--only", "syntax"),  # no project there: exit 2
    ("check", "--root", str(REPO), "--only", "syntax,lint,shapes,provenance"),
    ("query", "run", "strategies-by-country", "--root", str(REPO), "--format", "csv"),
], ids=["version", "usage-error", "no-project", "check", "query"])
def test_warm_and_fresh_runs_print_the_same_and_exit_the_same(args: tuple[str, ...],
                                                              tmp_path: Path) -> None:
    argv = [a.replace("$tmp", str(tmp_path)) for a in args]
    warm, fresh = run_cli(*argv), run_cli(*argv, fresh=True)
    assert (warm.code, DURATION.sub("", warm.out), DURATION.sub("", warm.err)) == (
        fresh.code, DURATION.sub("", fresh.out), DURATION.sub("", fresh.err))
    assert warm.out or warm.err


def test_each_warm_run_has_its_own_folder_and_environment(tmp_path: Path) -> None:
    bad = run_cli("check", "--root", "instances", "--only", "syntax", cwd=tmp_path)
    assert bad.code == 2 and "instances" in bad.out + bad.err, bad
    limited = run_cli("check", "--root", ".", "--only", "syntax", cwd=REPO,
                      env={"CCBKG_MAX_FILE_BYTES": "10"})
    assert limited.code != 0 and "CCBKG_MAX_FILE_BYTES" in limited.out + limited.err, limited
    good = run_cli("check", "--root", ".", "--only", "syntax", cwd=REPO)  # the limit is gone
    assert good.code == 0, good.out + good.err


def test_a_started_run_that_hangs_fails_with_the_stacks_of_its_threads() -> None:
    """A run started with WARM.start that does not end in time (here: asking a server that
    takes the connection and never answers) fails the test with where each thread of it is,
    and is gone afterwards."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/sparql"
        proc = WARM.start(["query", "run", "strategies-and-objectives", "--endpoint", url,
                           "--timeout", "60"], REPO, dict(os.environ))
        with pytest.raises(AssertionError, match=r"(?s)did not end in 1.5 s:.*"
                                                 r"most recent call first.*query"):
            proc.communicate(timeout=1.5)
    assert proc.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(proc.pid, 0)


def test_two_replies_that_arrive_together_are_both_read() -> None:
    """A child that fails at once has its status written right after its pid: a buffered
    readline took both lines, and select then waited for the second in vain (300 s, then a
    failed test in CI)."""
    server = subprocess.Popen([sys.executable, "-c", 'print(\'{"pid": 7}\\n{"status": 2}\', '
                               "flush=True); import time; time.sleep(30)"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        time.sleep(0.5)  # both lines are in the pipe before the first is read
        assert WarmCli._reply(server, 5) == {"pid": 7}
        assert WarmCli._reply(server, 5) == {"status": 2}
    finally:
        server.kill()
        server.wait()
