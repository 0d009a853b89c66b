"""GitHub's side of secret scanning, played by the tests: a P-256 key pair, its public key list in
GitHub's format, and reports signed as GitHub signs them (base64 DER ECDSA over the raw body)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import CPClient

REPORTS_URL = "/cp/secret-scanning/reports"
REVOKE_URL = "/cp/credentials/revoke"
TOKEN_TYPE = "molecule_partner_key"
LEAK_URL = "https://github.com/octocat/Hello-World/blob/12345600b9cbe38a219f39a9941c9319b600c002/deploy.env"


@dataclass(frozen=True)
class GitHubKey:
    """One of GitHub's signing keys: its identifier, as GitHub derives it, and the private half."""

    identifier: str
    private: ec.EllipticCurvePrivateKey

    @classmethod
    def new(cls) -> GitHubKey:
        private = ec.generate_private_key(ec.SECP256R1())
        der = private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(hashlib.sha256(der).hexdigest(), private)

    def sign(self, body: bytes) -> str:
        return base64.b64encode(self.private.sign(body, ec.ECDSA(hashes.SHA256()))).decode()

    def entry(self, *, is_current: bool = True) -> dict[str, Any]:
        pem = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return {"key_identifier": self.identifier, "key": pem.decode(), "is_current": is_current}


def key_list(*keys: GitHubKey) -> bytes:
    """The body of GitHub's /meta/public_keys/secret_scanning for these keys."""
    return json.dumps({"public_keys": [key.entry() for key in keys]}).encode()


def match(token: str, **fields: str) -> dict[str, str]:
    """One match as GitHub reports it."""
    return {"token": token, "type": TOKEN_TYPE, "url": LEAK_URL, "source": "content", **fields}


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@pytest.fixture
def github_key() -> GitHubKey:
    return GitHubKey.new()


@pytest.fixture
def keys_file(tmp_path: Path, settings: Any, github_key: GitHubKey) -> Path:
    """CP_SECRET_SCANNING_PUBLIC_KEYS: a file holding `github_key`'s public half."""
    path = tmp_path / "secret_scanning_keys.json"
    path.write_bytes(key_list(github_key))
    settings.CP_SECRET_SCANNING_PUBLIC_KEYS = str(path)
    return path


Report = Callable[..., Any]


@pytest.fixture
def report(keys_file: Path, github_key: GitHubKey) -> Report:
    """report(matches or raw bytes, key=github_key, headers={...}) -> response, signed by GitHub."""

    def send(
        body: list[dict[str, str]] | bytes, key: GitHubKey | None = None, **kwargs: Any
    ) -> Any:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        signer = key or github_key
        headers = {
            "Github-Public-Key-Identifier": signer.identifier,
            "Github-Public-Key-Signature": signer.sign(raw),
            **kwargs.pop("headers", {}),
        }
        return CPClient().post(REPORTS_URL, raw, headers=headers, **kwargs)

    return send
