"""The pre-commit hook: a commit holding a real key is refused, naming the hint, never the key."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from core import tokens as keys
from tests.scanner.conftest import SCANNER, look_alike, scan

ROOT = Path(__file__).resolve().parents[2]


def manifest_hook() -> dict:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return hook


def pre_commit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def hooked_repo(tmp_path, git):
    """A repository using our hook through pre-commit, offline: the manifest's hook (id, types,
    exclude) as a local `system` hook running this venv's console script instead of a fresh
    virtualenv built from a clone of this repository."""
    hook = {**manifest_hook(), "language": "system", "entry": str(SCANNER)}
    config = {"repos": [{"repo": "local", "hooks": [hook]}]}
    (tmp_path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git("add", ".pre-commit-config.yaml")
    git("commit", "--quiet", "-m", "use pre-commit")
    installed = git("config", "--get", "core.hooksPath", check=False)
    assert installed.stdout == ""
    done = git.run(sys.executable, "-m", "pre_commit", "install")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / ".git" / "hooks" / "pre-commit").exists()
    return tmp_path


@pytest.fixture
def issued_key(master, db) -> str:
    response = master.post("/cp/admin/partner-keys", {"name": "leak", "scopes": [], "org_id": None})
    assert response.status_code == 201
    return response.json()["key"]


def commits(git) -> int:
    return int(git("rev-list", "--count", "HEAD").stdout)


def test_a_commit_holding_a_key_issued_by_the_api_is_refused_and_names_only_its_hint(
    hooked_repo, git, issued_key
):
    (hooked_repo / "deploy.env").write_text(f"REGION=eu\nMOL_PK={issued_key}\n")
    git("add", "deploy.env")

    commit = git("commit", "-m", "deploy settings", check=False)

    output = commit.stdout + commit.stderr
    assert commit.returncode != 0
    assert "mol-secret-scan" in output and "Failed" in output
    assert f"deploy.env:2:8: {keys.hint(issued_key)} (partner_key)" in output
    assert issued_key not in output
    assert commits(git) == 1


def test_a_look_alike_with_a_bad_checksum_is_let_through(hooked_repo, git, issued_key):
    (hooked_repo / "example.env").write_text(f"MOL_PK={look_alike(issued_key)}\n")
    git("add", "example.env")

    commit = git("commit", "-m", "an example", check=False)

    output = commit.stdout + commit.stderr
    assert commit.returncode == 0, output
    assert "Molecule AI keys (mol_pk_ / mol_ws_)....." in output and "Passed" in output
    assert commits(git) == 2


def test_the_hook_manifest_declares_what_the_commit_test_relies_on(tmp_path):
    hook = manifest_hook()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]

    assert (hook["id"], hook["entry"], hook["language"]) == (
        "mol-secret-scan",
        "mol-secret-scan",
        "python",
    )
    assert hook["types"] == ["text"]
    assert scripts[hook["entry"]] == "partners.scanner:main"
    checked = pre_commit("validate-manifest", str(ROOT / ".pre-commit-hooks.yaml"), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout


def test_this_repository_uses_ruff_and_the_scanner_through_pre_commit(tmp_path):
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}

    assert {"ruff-check", "ruff-format", "mol-secret-scan"} <= hooks.keys()
    assert hooks["mol-secret-scan"]["entry"].startswith(".venv/bin/mol-secret-scan")
    checked = pre_commit("validate-config", str(ROOT / ".pre-commit-config.yaml"), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout


def test_no_file_of_this_repository_holds_a_token_but_the_allowlisted_examples():
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    files = [name.decode() for name in tracked if name and (ROOT / name.decode()).is_file()]

    out = scan("--allowlist", ".mol-secret-scan-allowlist", *files, cwd=ROOT)

    assert (out.returncode, out.stdout) == (0, ""), out.stdout
