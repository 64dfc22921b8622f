"""`python -m ccbkg` in a process forked from one that has already imported ccbkg.

Each CLI run of the tests used to start a new interpreter and import ccbkg and its libraries
again (about 0.3 s of CPU each, several hundred runs). The warm start runs the same command the
same way, minus that start-up: a server process (this file run as a script, one per test
worker) imports ccbkg and waits; for each run it forks a child, which takes the run's working
folder, environment and argument list, gets /dev/null as stdin and two files as stdout and
stderr, runs the `ccbkg` module as `__main__` (as `python -m ccbkg` does) and exits with its
code as the interpreter would (threads joined, atexit handlers run, streams flushed). The test
sees a separate process with its own exit status (negative when a signal ended it), as
`subprocess.run` reports it.

What a forked child shares with its siblings and a new interpreter would not: the hash seed
(set and dict order of strings) and whatever Python reads once at start-up (the PYTHON*
variables, the locale's encoding). `run_cli` therefore starts a new interpreter for runs that
set a PYTHON* variable or ask for one (`fresh=True`: the byte-identical build test).
"""

from __future__ import annotations

import atexit
import contextlib
import faulthandler
import gc
import io
import json
import os
import runpy
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import IO, Any, NoReturn

SERVER = Path(__file__).resolve()
TIMEOUT = 300


class WarmCli:
    """The client side: servers that each take one request at a time (tests that run the CLI
    from several threads at once get a server each)."""

    def __init__(self) -> None:
        self._idle: list[subprocess.Popen[bytes]] = []
        self._all: list[subprocess.Popen[bytes]] = []
        self._started: list[WarmProcess] = []
        self._lock = threading.Lock()

    def _take(self) -> subprocess.Popen[bytes]:
        with self._lock:
            while self._idle:
                server = self._idle.pop()
                if server.poll() is None:
                    return server
        server = subprocess.Popen([sys.executable, str(SERVER)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, cwd=SERVER.parents[1])
        with self._lock:
            self._all.append(server)
        assert self._reply(server) == {"ready": True}
        return server

    @staticmethod
    def _reply(server: subprocess.Popen[bytes], timeout: float = 60) -> dict[str, Any]:
        assert server.stdout is not None
        # Read from the pipe itself, a byte at a time: a buffered readline may take the next
        # reply too (a child that fails at once has its status written right after its pid),
        # and select, which watches the pipe, would then wait for it in vain.
        raw = server.stdout.raw  # type: ignore[attr-defined]
        ready, _, _ = select.select([raw], [], [], timeout)
        line = raw.readline() if ready else b""
        if not line:
            raise RuntimeError("the warm CLI server gave no answer")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def run(self, args: list[str], cwd: Path, env: dict[str, str], out: Path,
            err: Path, umask: int | None = None) -> int:
        """Run `ccbkg *args` in a forked child (with that umask, when given); its exit status
        as subprocess reports it."""
        server = self._take()
        assert server.stdin is not None
        request = {"args": args, "cwd": str(cwd), "env": env, "out": str(out), "err": str(err),
                   "umask": umask}
        server.stdin.write(json.dumps(request).encode() + b"\n")
        server.stdin.flush()
        pid = self._reply(server)["pid"]
        try:
            status: int = self._reply(server, TIMEOUT)["status"]
        except RuntimeError:
            if server.poll() is not None:  # nothing the child does can end the server
                raise RuntimeError(f"the warm CLI server ended (exit {server.returncode}) "
                                   f"while it ran ccbkg {' '.join(args)}: killed from outside "
                                   "(out of memory?)") from None
            os.kill(pid, signal.SIGKILL)
            self._reply(server)  # the killed child's status
            raise subprocess.TimeoutExpired(["ccbkg", *args], TIMEOUT) from None
        self._done(server)
        return status

    def start(self, args: list[str], cwd: Path, env: dict[str, str]) -> WarmProcess:
        """Start `ccbkg *args` in a forked child that leads a session of its own (as a
        terminal's job: its group is its pid) and return at once, for a caller that signals it."""
        server = self._take()
        assert server.stdin is not None
        folder = Path(tempfile.mkdtemp(prefix="ccbkg-cli-"))
        out, err = folder / "out", folder / "err"
        request = {"args": args, "cwd": str(cwd), "env": env, "out": str(out), "err": str(err),
                   "session": True}
        server.stdin.write(json.dumps(request).encode() + b"\n")
        server.stdin.flush()
        started = WarmProcess(self, server, self._reply(server)["pid"], out, err)
        self._started.append(started)
        return started

    def _done(self, server: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._idle.append(server)

    def close(self) -> None:
        """Stop the servers, and any started run a failed test left (stopped, perhaps) with
        the processes it forked."""
        for started in self._started:
            if started.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(started.pid, signal.SIGKILL)
        self._started.clear()
        for server in self._all:
            if server.poll() is None:
                server.kill()
                server.wait()
        self._all.clear()
        self._idle.clear()


class WarmProcess:
    """A started run, as much of `subprocess.Popen` as the tests that signal a run use."""

    def __init__(self, warm: WarmCli, server: subprocess.Popen[bytes], pid: int, out: Path,
                 err: Path) -> None:
        self._warm, self._server, self.pid = warm, server, pid
        self._out, self._err = out, err
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The exit status if the run has ended, else None."""
        if self.returncode is None and self._server.stdout is not None and \
                select.select([self._server.stdout], [], [], 0)[0]:
            self.returncode = WarmCli._reply(self._server)["status"]
            self._warm._done(self._server)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def communicate(self, timeout: float) -> tuple[str, str]:
        """Wait for the end of the run; what it printed."""
        if self.returncode is None:
            try:
                self.returncode = WarmCli._reply(self._server, timeout)["status"]
            except RuntimeError:
                raise AssertionError(f"the run did not end in {timeout} s:\n"
                                     f"{self._stacks()}") from None
            self._warm._done(self._server)
        printed = (self._out.read_text(errors="replace"), self._err.read_text(errors="replace"))
        shutil.rmtree(self._out.parent, ignore_errors=True)
        return printed

    def _stacks(self) -> str:
        """Kill a hung run and its group, first printing the stack of every thread of each of
        its processes (faulthandler, on SIGUSR1); what it printed to stderr."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGUSR1)
            _settled(self._err, at_most=2.0)
            os.killpg(self.pid, signal.SIGKILL)
        self.returncode = WarmCli._reply(self._server)["status"]
        self._warm._done(self._server)
        printed = self._err.read_text(errors="replace")
        shutil.rmtree(self._out.parent, ignore_errors=True)
        return printed


def _settled(path: Path, at_most: float) -> None:
    """Wait until a file has something in it and has not grown for a tenth of a second (the
    stacks faulthandler writes, one process after the other), or at most at_most seconds."""
    deadline = time.monotonic() + at_most
    size, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = path.stat().st_size if path.exists() else 0
        if now != size:
            size, since = now, time.monotonic()
        elif size and time.monotonic() - since >= 0.1:
            return
        time.sleep(0.01)


def _child(request: dict[str, Any], encoding: str) -> NoReturn:
    """In the forked child: become `python -m ccbkg ARGS` and exit with its code."""
    if request.get("session"):
        os.setsid()
    if request.get("umask") is not None:
        os.umask(request["umask"])
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, path, flags in ((0, os.devnull, os.O_RDONLY),
                            (1, request["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                            (2, request["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
        opened = os.open(path, flags, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding=encoding)
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding=encoding)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding=encoding,
                                  errors="backslashreplace", line_buffering=True)
    # A test that gives up on a run signals SIGUSR1 first: each thread's stack to stderr (the
    # processes the run forks inherit it).
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    sys.argv = ["-m", *request["args"]]
    code = 0
    try:
        runpy.run_module("ccbkg", run_name="__main__", alter_sys=True)
    except SystemExit as exc:  # what the interpreter does with it
        if isinstance(exc.code, int) or exc.code is None:
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException as exc:  # printed as the interpreter would
        traceback.print_exc()
        sys.stderr.flush()
        if isinstance(exc, KeyboardInterrupt):  # the interpreter ends by its signal then
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        code = 1
    # The interpreter's shutdown without tearing the shared modules down (that would touch,
    # and so copy, every page of the server's memory): threads joined, atexit, streams flushed.
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _serve(requests: IO[str], replies: IO[str]) -> None:
    """The server loop: fork a child per request, report its pid, then its exit status."""
    encoding = sys.stdout.encoding
    replies.write(json.dumps({"ready": True}) + "\n")
    replies.flush()
    for line in requests:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request, encoding)
        replies.write(json.dumps({"pid": pid}) + "\n")
        replies.flush()
        _, status = os.waitpid(pid, 0)
        replies.write(json.dumps({"status": os.waitstatus_to_exitcode(status)}) + "\n")
        replies.flush()


if __name__ == "__main__":
    import importlib
    import pkgutil

    import ccbkg

    for module in pkgutil.walk_packages(ccbkg.__path__, "ccbkg."):  # what the children share
        if module.name != "ccbkg.__main__":
            importlib.import_module(module.name)
    gc.freeze()  # the children's collector leaves the shared objects (and their pages) alone
    _serve(sys.stdin, sys.stdout)
