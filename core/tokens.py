"""The `mol_pk_` / `mol_ws_` token format: generate, checksum, validate, hash, hint (pure Python).

A token is PREFIX + BODY + CHECK, where BODY is 43 random base62 characters (256 bits) and CHECK is
the CRC32 of PREFIX + BODY in 6 base62 characters, as GitHub's tokens do. The checksum refuses
a mistyped or forged token before any database work, and lets secret scanners recognise ours.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
import zlib
from dataclasses import dataclass

ALPHABET = string.digits + string.ascii_letters  # base62
BODY_LENGTH = 43  # 43 * log2(62) ≈ 256 bits of entropy
CHECK_LENGTH = 6  # 62**6 > 2**32, so any CRC32 fits
PARTNER_KEY_PREFIX = "mol_pk_"
WORKSPACE_TOKEN_PREFIX = "mol_ws_"
TOKEN_LENGTH = len(PARTNER_KEY_PREFIX) + BODY_LENGTH + CHECK_LENGTH
_ALPHABET_SET = frozenset(ALPHABET)
# Anything that looks like one of our tokens, whole or cut short (not a hint: hints hold "…"):
# what redaction removes from paths, details and log lines.
TOKEN_LIKE = re.compile(r"mol_[a-z]{2}_[0-9A-Za-z]{16,}")


@dataclass(frozen=True)
class MintedToken:
    """A new token and the two forms of it that may be stored."""

    plaintext: str
    hash: str
    hint: str


def base62(number: int, width: int) -> str:
    """`number` in base62, left-padded with zeros to `width` characters."""
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(ALPHABET[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def checksum(text: str) -> str:
    """The 6-character base62 CRC32 of `text`."""
    return base62(zlib.crc32(text.encode()), CHECK_LENGTH)


def generate(prefix: str = PARTNER_KEY_PREFIX) -> str:
    """A new random token with its checksum."""
    head = prefix + "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return head + checksum(head)


def mint(prefix: str = PARTNER_KEY_PREFIX) -> MintedToken:
    """A new token with its hash and hint: the plaintext is shown once, the rest is stored."""
    plaintext = generate(prefix)
    return MintedToken(plaintext, hash_token(plaintext), hint(plaintext, prefix))


def is_well_formed(token: str, prefix: str = PARTNER_KEY_PREFIX) -> bool:
    """True when `token` has our prefix, length, alphabet and a matching checksum."""
    if len(token) != TOKEN_LENGTH or not token.startswith(prefix):
        return False
    rest = token[len(prefix) :]
    if not _ALPHABET_SET.issuperset(rest):
        return False
    head, check = token[:-CHECK_LENGTH], token[-CHECK_LENGTH:]
    return secrets.compare_digest(checksum(head), check)


def hash_token(token: str) -> str:
    """SHA-256 hex digest: the only form of a token we store."""
    return hashlib.sha256(token.encode()).hexdigest()


def hint(token: str, prefix: str = PARTNER_KEY_PREFIX) -> str:
    """A short, safe label that tells keys apart: `mol_pk_1a2b…9xyz`."""
    return f"{prefix}{token[len(prefix) : len(prefix) + 4]}…{token[-4:]}"
