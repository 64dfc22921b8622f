"""Guards that must hold everywhere: no network, no vacuous checks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import assert_no_traceback, run_cli


def test_network_guard_refuses_remote_hosts() -> None:
    code = (
        "import socket, sys\n"
        "from ccbkg import netguard\n"
        "netguard.install()\n"
        "try:\n"
        "    socket.create_connection(('192.0.2.1', 80), timeout=1)\n"
        "except netguard.NetworkRefused as exc:\n"
        "    print('refused:', exc); sys.exit(0)\n"
        "sys.exit(3)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "refused: network access to 192.0.2.1 refused" in proc.stdout


def test_network_guard_allows_loopback() -> None:
    code = (
        "import socket\n"
        "from ccbkg import netguard\n"
        "netguard.install()\n"
        "server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen()\n"
        "socket.create_connection(server.getsockname(), timeout=1).close()\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.stdout.strip() == "ok", proc.stderr


def test_lint_without_rules_fails_instead_of_passing(scratch: Path) -> None:
    shutil.rmtree(scratch / "shapes" / "lint")
    shutil.rmtree(scratch / "queries" / "checks")
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,lint", "--quiet")
    assert result.code == 1
    assert_no_traceback(result)
    assert "the lint would check nothing" in result.out


def test_validation_without_shapes_fails_instead_of_passing(scratch: Path) -> None:
    for shapes in (scratch / "shapes").glob("*.ttl"):
        shapes.unlink()
    result = run_cli("check", "--root", str(scratch), "--only", "syntax,shapes", "--quiet")
    assert result.code == 1
    assert "validation would check nothing" in result.out
