"""The guide's "Keeping keys safe" snippets work: pre-commit block, gitleaks rule, detect-secrets.

detect-secrets is installed (the dev extra) and runs for real. gitleaks is a Go binary that neither
PyPI nor Debian ships here, so its rule is checked for shape and its regex with Python's `re`
(the rule uses only syntax RE2 and `re` read alike: `\\b`, classes, a group).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

import yaml

from tests.scanner.conftest import look_alike
from tests.scanner.test_pre_commit import ROOT, manifest_hook, pre_commit

GUIDE = ROOT / "docs" / "guides" / "partner-onboarding.md"
DETECT_SECRETS = Path(sys.executable).parent


def snippet(language: str, containing: str) -> str:
    """The guide's one fenced block in `language` that contains `containing`."""
    blocks = re.findall(rf"^```{language}\n(.*?)^```$", GUIDE.read_text(), re.MULTILINE | re.DOTALL)
    (block,) = [block for block in blocks if containing in block]
    return block


def shannon_entropy(text: str) -> float:
    """As gitleaks computes it, in bits per character."""
    return -sum(n / len(text) * math.log2(n / len(text)) for n in Counter(text).values())


def test_the_pre_commit_block_points_at_our_repository_and_hook(tmp_path):
    block = snippet("yaml", "mol-secret-scan")
    (tmp_path / "config.yaml").write_text(block)

    (repo,) = yaml.safe_load(block)["repos"]

    assert repo["repo"] == "https://github.com/molecule-ai/control-plane"
    assert [hook["id"] for hook in repo["hooks"]] == [manifest_hook()["id"]]
    checked = pre_commit("validate-config", "config.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout


def test_the_gitleaks_rule_matches_real_keys_and_tokens_only(pk, ws):
    config = tomllib.loads(snippet("toml", "[[rules]]"))
    (rule,) = config["rules"]
    regex = re.compile(rule["regex"], re.ASCII)

    assert config["extend"] == {"useDefault": True}
    assert {"id", "description", "regex", "keywords"} <= rule.keys()
    assert rule["keywords"] == ["mol_pk_", "mol_ws_"]
    for token in (pk, ws):
        assert regex.search(f'key = "{token}"').group(1) == token
        assert shannon_entropy(token) > rule["entropy"]
        assert regex.search(f"x{token}") is None
        assert regex.search(f"{token}9") is None
    placeholder = "mol_pk_" + "x" * 49
    assert regex.search(placeholder) and shannon_entropy(placeholder) < rule["entropy"]


def test_the_detect_secrets_plugin_finds_a_real_key_and_not_a_look_alike(tmp_path, git, pk, ws):
    (tmp_path / "molecule_keys.py").write_text(snippet("python", "RegexBasedDetector"))
    (tmp_path / "deploy.env").write_text(f"MOL_PK={pk}\nMOL_WS={ws}\n")
    (tmp_path / "example.env").write_text(f"MOL_PK={look_alike(pk)}\n")
    git("add", ".")

    scanned = git.run(
        str(DETECT_SECRETS / "detect-secrets"), "scan", "--plugin", "molecule_keys.py"
    )
    hooked = git.run(
        str(DETECT_SECRETS / "detect-secrets-hook"), "--plugin", "molecule_keys.py", "deploy.env"
    )

    assert scanned.returncode == 0, scanned.stderr
    results = json.loads(scanned.stdout)["results"]
    ours = {
        (name, finding["line_number"], finding["hashed_secret"])
        for name, findings in results.items()
        for finding in findings
        if finding["type"] == "Molecule AI key"
    }
    assert ours == {
        ("deploy.env", 1, hashlib.sha1(pk.encode()).hexdigest()),
        ("deploy.env", 2, hashlib.sha1(ws.encode()).hexdigest()),
    }
    assert "molecule_keys.py" not in results  # the plugin's own source raises no alarm
    assert hooked.returncode == 1
    assert "Secret Type: Molecule AI key" in hooked.stdout
    assert "Location:    deploy.env:1" in hooked.stdout
    assert pk not in scanned.stdout + hooked.stdout + hooked.stderr
