"""Helpers for `mol-secret-scan`: the installed console script, tokens, and throwaway git repos."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core import tokens as keys

SCANNER = Path(sys.executable).parent / "mol-secret-scan"
# Git isolated from the machine's configuration (hooksPath, signing, templates) and identity.
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def scan(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed console script, as a developer or pre-commit would."""
    if not SCANNER.exists():
        pytest.fail(f"{SCANNER} is missing: run `make install`")
    return subprocess.run(
        [str(SCANNER), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
        check=False,
    )


def look_alike(token: str) -> str:
    """`token` with its last checksum character changed: the right shape, a bad checksum."""
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.fixture
def pk() -> str:
    return keys.generate(keys.PARTNER_KEY_PREFIX)


@pytest.fixture
def ws() -> str:
    return keys.generate(keys.WORKSPACE_TOKEN_PREFIX)


class Git:
    """git(*args) in a fresh repository; fails the test on a git error unless check=False.

    pre-commit, when a test installs it, keeps its store in a temporary PRE_COMMIT_HOME."""

    def __init__(self, path: Path, pre_commit_home: Path) -> None:
        self.path = path
        self.env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(pre_commit_home)}
        self("init", "--quiet", "--initial-branch=main")

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = self.run("git", *args)
        if check and done.returncode != 0:
            pytest.fail(f"git {' '.join(args)} failed: {done.stderr}")
        return done

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=self.path, capture_output=True, text=True, env=self.env, check=False
        )


@pytest.fixture
def git(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Git:
    return Git(tmp_path, tmp_path_factory.mktemp("pre-commit-home"))
