"""`mol-secret-scan --staged`: what is in git's index, not what is in the working tree."""

from __future__ import annotations

import json

from core import tokens as keys
from tests.scanner.conftest import look_alike, scan


def test_a_staged_token_is_found_even_once_gone_from_the_working_tree(tmp_path, git, pk):
    (tmp_path / "config").mkdir()
    leak = tmp_path / "config" / "prod.env"
    leak.write_text(f"DEBUG=0\nMOL_PK={pk}\n")
    git("add", "config/prod.env")
    leak.unlink()

    out = scan("--staged", cwd=tmp_path)

    assert out.returncode == 1
    assert out.stdout == f"config/prod.env:2:8: {keys.hint(pk)} (partner_key)\n"
    assert pk not in out.stdout + out.stderr


def test_a_token_only_in_the_working_tree_is_not_found(tmp_path, git, pk, ws):
    tracked = tmp_path / "app.py"
    tracked.write_text("KEY = None\n")
    git("add", "app.py")
    tracked.write_text(f"KEY = {pk!r}\n")  # modified after staging
    (tmp_path / "untracked.txt").write_text(ws)

    out = scan("--staged", cwd=tmp_path)

    assert (out.returncode, out.stdout) == (0, "")
    assert scan(cwd=tmp_path).returncode == 1  # while the working tree does hold both


def test_only_files_changed_in_the_index_are_read(tmp_path, git, pk, ws):
    (tmp_path / "old.txt").write_text(pk)
    git("add", "old.txt")
    git("commit", "--quiet", "--no-verify", "-m", "an old leak")
    (tmp_path / "new.txt").write_text(ws)
    git("add", "new.txt")
    git("rm", "--quiet", "--cached", "old.txt")

    out = scan("--staged", "--format", "json", cwd=tmp_path)

    assert [(f["path"], f["type"]) for f in json.loads(out.stdout)] == [
        ("new.txt", "workspace_token")
    ]


def test_pathspecs_limit_the_staged_files_and_paths_are_from_the_repository_root(
    tmp_path, git, pk, ws
):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(pk)
    (tmp_path / "b.py").write_text(ws)
    git("add", ".")

    out = scan("--staged", "a.py", cwd=tmp_path / "src")

    assert out.stdout == f"src/a.py:1:1: {keys.hint(pk)} (partner_key)\n"


def test_staged_binary_files_and_bad_checksums_are_not_reported(tmp_path, git, pk):
    (tmp_path / "blob.bin").write_bytes(b"\0" + pk.encode())
    (tmp_path / "fake.txt").write_text(look_alike(pk))
    git("add", ".")

    out = scan("--staged", cwd=tmp_path)

    assert (out.returncode, out.stdout) == (0, "")


def test_an_empty_index_finds_nothing(tmp_path, git):
    out = scan("--staged", cwd=tmp_path)

    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")
