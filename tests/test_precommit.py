"""The pre-commit hook of .pre-commit-hooks.yaml as another repository uses it: pre-commit
(PyPI), a subprocess, runs the documented `.pre-commit-config.yaml` (docs/ci.md) in a small git
repository the test creates, whose `repo:` is a git repository holding this checkout as it is
now. pre-commit clones it and pip-installs it into a virtual environment of its own
(`language: python`), offline from the wheelhouse (tests/wheelhouse.py). A commit of valid data
passes; one with a SHACL violation is stopped with the file, line and message.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ccbkg.cli import _parser
from tests.conftest import REPO
from tests.wheelhouse import offline_env

MUTANT = REPO / "tests" / "fixtures" / "shapes" / "AgreementShape-invalid-01.ttl"
PRE_COMMIT = str(Path(sys.executable).parent / "pre-commit")


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def git(args: str, cwd: Path, env: dict[str, str]) -> str:
    done = run(["git", *shlex.split(args)], cwd, env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def this_checkout_as_a_repository(dest: Path, tag: str, env: dict[str, str]) -> None:
    """A git repository at dest with one commit, tagged: the files git tracks here, as they
    are in the working tree (uncommitted changes included)."""
    listed = git("ls-files -z", REPO, env).split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
    git("init -q", dest, env)
    git("add -A", dest, env)
    git("commit -q -m ccbkg", dest, env)
    git(f"tag {tag}", dest, env)


def documented_config() -> dict[str, list[dict[str, object]]]:
    """The `.pre-commit-config.yaml` of docs/ci.md."""
    text = (REPO / "docs" / "ci.md").read_text().split("## pre-commit", 1)[1]
    config: dict[str, list[dict[str, object]]] = yaml.safe_load(
        text.split("```yaml\n", 1)[1].split("```", 1)[0])
    return config


@pytest.mark.slow  # pre-commit pip-installs ccbkg into a new virtual environment
def test_the_shipped_hook_stops_a_commit_of_invalid_data(tmp_path: Path) -> None:
    manifest = REPO / ".pre-commit-hooks.yaml"
    venv_bin = str(Path(sys.executable).parent)  # pre-commit's own; ccbkg must not come from it
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if p and Path(p) != Path(venv_bin))
    env = offline_env(tmp_path) | {
        "PATH": path, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org"}
    valid = run([PRE_COMMIT, "validate-manifest", str(manifest)], REPO, env)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    (hook,) = yaml.safe_load(manifest.read_text())
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    assert hook["args"][-2:] == ["--data", "."]  # every data file, not only the staged ones
    config = documented_config()
    (entry,) = config["repos"]
    upstream = tmp_path / "ccbkg"
    upstream.mkdir()
    this_checkout_as_a_repository(upstream, str(entry["rev"]), env)
    entry["repo"] = str(upstream)  # instead of the documented CCBKG_GIT_URL
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    text = MUTANT.read_text()
    (repo / "data").mkdir()
    (repo / "data" / "sources.ttl").write_text(text.split("# --- the case ---")[0])
    (repo / "README.txt").write_text("not RDF: the hook leaves it alone\n")
    (repo / "data" / "README.md").write_text("not RDF either, in the checked folder\n")
    git("init -q", repo, env)
    installed = run([PRE_COMMIT, "install"], repo, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    git("add .", repo, env)
    first = run(["git", "commit", "-q", "-m", "valid data"], repo, env)
    said = first.stdout + first.stderr
    assert first.returncode == 0, said
    assert "ccbkg check --data" in said and "Passed" in said, said  # the hook ran, and passed
    (hook_env,) = (tmp_path / "cache").glob("repo*/py_env-*")  # pre-commit's, with ccbkg in it
    assert (hook_env / "bin" / "ccbkg").is_file()
    # a file whose node cites a passage of another file, committed alone: the staged file
    # checked alone failed ("refers to a node that is not described anywhere")
    prefixes = "".join(line + "\n" for line in text.splitlines() if line.startswith("@prefix"))
    (repo / "data" / "serbia.ttl").write_text(
        prefixes + 'country:SRB a ccb:Country ;\n    rdfs:label "Serbia"@en ;\n'
        '    ccb:iso3166Alpha3 "SRB" ;\n    ccb:iso3166Alpha2 "RS" ;\n'
        "    schema:sameAs wd:Q403 ;\n    ccb:citesPassage passage:fixture .\n")
    git("add data/serbia.ttl", repo, env)
    alone = run(["git", "commit", "-q", "-m", "a country citing a passage"], repo, env)
    assert alone.returncode == 0, alone.stdout + alone.stderr
    (repo / "data" / "agreements.ttl").write_text(text)
    git("add data/agreements.ttl", repo, env)
    second = run(["git", "commit", "-q", "-m", "an agreement with one party"], repo, env)
    said = second.stdout + second.stderr
    assert second.returncode == 1, said
    assert "ccbkg check --data" in said and "Failed" in said, said
    assert "data/agreements.ttl:82" in said and "An agreement needs at least two" in said, said
    assert git("log --format=%s", repo, env).split("\n")[0] == "a country citing a passage"


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
