"""`mol-secret-scan` on files and directories: findings, allowlist, formats, exit codes, skips."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from core import tokens as keys
from tests.scanner.conftest import look_alike, scan


def test_valid_partner_keys_and_workspace_tokens_are_reported_by_position_and_hint(
    tmp_path, pk, ws
):
    (tmp_path / "settings.py").write_text(f'DEBUG = True\nKEY = "{pk}"  # and {ws}\n')

    out = scan(cwd=tmp_path)

    assert out.returncode == 1
    assert out.stdout.splitlines() == [
        f"settings.py:2:8: {keys.hint(pk)} (partner_key)",
        f"settings.py:2:{8 + len(pk) + 9}: {keys.hint(ws, 'mol_ws_')} (workspace_token)",
    ]
    assert "found 1 partner key, 1 workspace token" in out.stderr
    assert "POST /cp/credentials/revoke" in out.stderr
    assert pk not in out.stdout + out.stderr
    assert ws not in out.stdout + out.stderr


def test_a_look_alike_with_a_bad_checksum_is_not_reported(tmp_path, pk):
    (tmp_path / "example.env").write_text(f"MOL_PK={look_alike(pk)}\nMOL_PK=mol_pk_xxxxxxxx\n")

    out = scan(cwd=tmp_path)

    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("key={}\n", True),
        ("'{}',\n", True),
        ('"a\\n{}"\n', True),  # after an escaped newline in a JSON string
        ("X{}\n", False),  # inside a longer base62 run
        ("{}Z\n", False),
        ("{}_suffix\n", True),
    ],
)
def test_a_token_counts_only_when_delimited(tmp_path, pk, text, found):
    (tmp_path / "file.txt").write_text(text.format(pk))

    out = scan("file.txt", cwd=tmp_path)

    assert out.returncode == (1 if found else 0)
    assert (keys.hint(pk) in out.stdout) is found


def test_json_lists_every_finding_with_its_sha256_and_never_the_token(tmp_path, pk, ws):
    (tmp_path / "a.txt").write_text(f"\n\n   {ws}\n")
    (tmp_path / "b.txt").write_text(pk)

    out = scan("--format", "json", "a.txt", "b.txt", cwd=tmp_path)

    assert out.returncode == 1
    assert json.loads(out.stdout) == [
        {
            "path": "a.txt",
            "line": 3,
            "column": 4,
            "hint": keys.hint(ws, "mol_ws_"),
            "type": "workspace_token",
            "sha256": keys.hash_token(ws),
        },
        {
            "path": "b.txt",
            "line": 1,
            "column": 1,
            "hint": keys.hint(pk),
            "type": "partner_key",
            "sha256": keys.hash_token(pk),
        },
    ]
    assert pk not in out.stdout + out.stderr


def test_json_with_nothing_found_is_an_empty_array(tmp_path):
    (tmp_path / "a.txt").write_text("nothing here\n")

    out = scan("--format", "json", cwd=tmp_path)

    assert (out.returncode, json.loads(out.stdout)) == (0, [])


def test_the_allowlist_silences_findings_by_hint_or_by_sha256(tmp_path, pk, ws):
    kept = keys.generate()
    (tmp_path / "a.txt").write_text(f"{pk}\n{ws}\n{kept}\n")
    (tmp_path / "allow").write_text(
        f"# known tokens\n\n{keys.hint(pk)}   # README example\n{keys.hash_token(ws).upper()}\n"
    )

    out = scan("--allowlist", "allow", "a.txt", cwd=tmp_path)

    assert out.returncode == 1
    assert out.stdout == f"a.txt:3:1: {keys.hint(kept)} (partner_key)\n"


def test_an_allowlisted_hint_may_be_typed_with_three_dots(tmp_path, pk):
    (tmp_path / "a.txt").write_text(pk)
    (tmp_path / "allow").write_text(keys.hint(pk).replace("…", "..."))

    out = scan("--allowlist", "allow", "a.txt", cwd=tmp_path)

    assert (out.returncode, out.stdout) == (0, "")


def test_an_allowlist_holding_a_whole_token_is_refused_without_echoing_it(tmp_path, pk):
    (tmp_path / "allow").write_text(f"# ok\n{pk}\n")

    out = scan("--allowlist", "allow", cwd=tmp_path)

    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr == (
        "mol-secret-scan: error: allowlist allow, line 2: a whole token; "
        "list its hint or SHA-256 instead, then revoke it\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--format", "xml"], "invalid choice: 'xml'"),
        (["--allowlist", "missing.txt"], "cannot read allowlist missing.txt: No such file"),
        (["--allowlist", "bad.txt"], "allowlist bad.txt, line 1: not a hint"),
        (["nowhere", "."], "no such file or directory: nowhere"),
        (["--staged"], "--staged needs a git repository"),
    ],
)
def test_bad_usage_exits_2_with_one_line_on_stderr(tmp_path, pk, args, message):
    (tmp_path / "leak.txt").write_text(pk)  # would be exit 1: usage is checked before scanning
    (tmp_path / "bad.txt").write_text("not an entry\n")

    out = scan(*args, cwd=tmp_path)

    assert out.returncode == 2
    assert out.stdout == ""
    assert len(out.stderr.splitlines()) == 1
    assert message in out.stderr


def test_a_token_given_as_an_argument_is_redacted_from_the_error(tmp_path, pk):
    out = scan(pk, f"--{pk}", cwd=tmp_path)

    assert out.returncode == 2
    assert keys.hint(pk) in out.stderr
    assert pk not in out.stderr


def test_binary_files_and_tool_directories_are_skipped(tmp_path, pk):
    (tmp_path / "image.bin").write_bytes(b"\x89PNG\0\0" + pk.encode())
    for skipped in ["node_modules/lib", ".venv", "__pycache__", ".git", "src/.tox"]:
        (tmp_path / skipped).mkdir(parents=True)
        (tmp_path / skipped / "leak.txt").write_text(pk)
    for scanned in ["dist", "build", "site-packages", "src"]:
        (tmp_path / scanned).mkdir(exist_ok=True)
        (tmp_path / scanned / "leak.txt").write_text(pk)
    late_nul = tmp_path / "late-nul.txt"  # a NUL past the first 8 KiB: still text
    late_nul.write_bytes(pk.encode() + b"\n" + b"x" * 9000 + b"\0")

    out = scan(cwd=tmp_path)

    assert sorted(line.split(":")[0] for line in out.stdout.splitlines()) == [
        "build/leak.txt",
        "dist/leak.txt",
        "late-nul.txt",
        "site-packages/leak.txt",
        "src/leak.txt",
    ]


def test_a_skipped_directory_named_on_the_command_line_is_scanned(tmp_path, pk):
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "leak.js").write_text(pk)

    out = scan("node_modules", cwd=tmp_path)

    assert out.stdout == f"node_modules/leak.js:1:1: {keys.hint(pk)} (partner_key)\n"


def test_symlinks_are_not_followed_while_walking(tmp_path, pk):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "leak.txt").write_text(pk)
    tree = tmp_path / "tree"
    tree.mkdir()
    os.symlink(outside, tree / "linked-dir")
    os.symlink(outside / "leak.txt", tree / "linked-file.txt")
    os.mkfifo(tree / "fifo")  # would block a scanner that opened it

    out = scan("tree", cwd=tmp_path)

    assert (out.returncode, out.stdout) == (0, "")


def test_the_scanner_runs_without_django():
    code = (
        "import sys; from partners.scanner import main; "
        "assert not any(m.split('.')[0] in ('django', 'rest_framework') for m in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)

    assert done.returncode == 0, done.stderr


def test_help_explains_formats_allowlist_exit_codes_and_skips(tmp_path):
    out = scan("--help", cwd=tmp_path)

    assert out.returncode == 0
    for needle in [
        "--staged",
        "--allowlist FILE",
        "json",
        "SHA-256",
        "exit status",
        "node_modules",
    ]:
        assert needle in out.stdout
