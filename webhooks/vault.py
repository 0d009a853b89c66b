"""Endpoint signing secrets at rest: encrypted with Fernet, never stored or logged in the clear.

Signing needs the plaintext, so a hash would not do. Each secret is a Fernet token (AES-128-CBC
with an HMAC-SHA256 tag) under a key derived with HKDF-SHA256 from `CP_WEBHOOK_SECRET_KEY`, or from
`SECRET_KEY` when that is unset. The key ring for reading is the current key, then
`CP_WEBHOOK_SECRET_KEY_FALLBACKS`, then `SECRET_KEY` and `SECRET_KEY_FALLBACKS`: rotate by moving
the old value into the fallbacks and running `manage.py reencrypt_webhook_secrets`.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
_SALT = b"molecule-cp/webhook-endpoint-secrets/v1"


class SecretUnreadable(Exception):
    """No key of the ring opens this secret (the encryption key changed without a fallback)."""


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes (the Standard Webhooks format)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_bytes(secret: str) -> bytes:
    """The key an HMAC is made with: the base64-decoded part after `whsec_`."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def _fernet(material: str) -> Fernet:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=b"fernet")
    return Fernet(base64.urlsafe_b64encode(hkdf.derive(material.encode())))


def _ring() -> MultiFernet:
    configured = settings.CP_WEBHOOK_SECRET_KEY
    materials = [
        configured or settings.SECRET_KEY,
        *settings.CP_WEBHOOK_SECRET_KEY_FALLBACKS,
        settings.SECRET_KEY,
        *settings.SECRET_KEY_FALLBACKS,
    ]
    unique = [m for i, m in enumerate(materials) if m and m not in materials[:i]]
    return MultiFernet([_fernet(material) for material in unique])


def encrypt(secret: str) -> str:
    return _ring().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _ring().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("No configured key opens this endpoint secret.") from exc


def reencrypt(token: str) -> str:
    """The same secret under the current key (for key rotation)."""
    try:
        return _ring().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("No configured key opens this endpoint secret.") from exc
