"""The pre-commit hook of .pre-commit-hooks.yaml, run by pre-commit itself in a small git
repository the test creates: a commit of valid data passes, one with a SHACL violation is
stopped with the file and line named.

The hook is the manifest's own entry, args and files; only its language is `system` (the
`ccbkg` of this environment) instead of `python`, which would make pre-commit install ccbkg
from PyPI into a virtual environment of its own, and the tests never use the network.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from ccbkg.cli import _parser
from tests.conftest import REPO

MUTANT = REPO / "tests" / "fixtures" / "shapes" / "AgreementShape-invalid-01.ttl"


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def test_pre_commit_hook_stops_a_commit_of_invalid_data(tmp_path: Path) -> None:
    manifest = REPO / ".pre-commit-hooks.yaml"
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_CONFIG_NOSYSTEM": "1",
           "HOME": str(tmp_path), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    valid = run([str(bin_dir / "pre-commit"), "validate-manifest", str(manifest)], REPO, env)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    (hook,) = yaml.safe_load(manifest.read_text())
    assert hook["language"] == "python" and hook["args"][-1] == "--data"
    repo = tmp_path / "repo"
    repo.mkdir()
    config = {"repos": [{"repo": "local", "hooks": [{**hook, "language": "system"}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    text = MUTANT.read_text()
    (repo / "data").mkdir()
    (repo / "data" / "sources.ttl").write_text(text.split("# --- the case ---")[0])
    (repo / "README.txt").write_text("not RDF: the hook leaves it alone\n")
    for args in (["git", "init", "-q"], [str(bin_dir / "pre-commit"), "install"],
                 ["git", "add", "."]):
        done = run(args, repo, env)
        assert done.returncode == 0, done.stdout + done.stderr
    first = run(["git", "commit", "-q", "-m", "valid data"], repo, env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "ccbkg check --data" in first.stdout + first.stderr  # the hook ran, and passed
    (repo / "data" / "agreements.ttl").write_text(text)
    run(["git", "add", "data/agreements.ttl"], repo, env)
    second = run(["git", "commit", "-q", "-m", "an agreement with one party"], repo, env)
    said = second.stdout + second.stderr
    assert second.returncode == 1, said
    assert "ccbkg check --data" in said and "Failed" in said, said
    assert "data/agreements.ttl:82" in said and "An agreement needs at least two" in said, said
    log = run(["git", "log", "--format=%s"], repo, env)
    assert log.stdout.split("\n")[0] == "valid data", log.stdout  # the commit was stopped


def test_documented_github_workflow_runs_ccbkg_with_valid_arguments() -> None:
    """docs/ci.md's workflow is YAML whose ccbkg commands the CLI's parser accepts."""
    text = (REPO / "docs" / "ci.md").read_text()
    block = text.split("## GitHub Actions", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    steps = yaml.safe_load(block)["jobs"]["validate"]["steps"]
    commands = [s["run"].split(" > ")[0] for s in steps if s.get("run", "").startswith("ccbkg ")]
    assert {c.split("--format ")[1].split()[0] for c in commands} == {"github", "sarif"}
    for command in commands:
        args = _parser().parse_args(shlex.split(command)[1:])
        assert args.data and args.only == ("syntax", "shapes"), command
