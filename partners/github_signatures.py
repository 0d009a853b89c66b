"""GitHub's signature on secret scanning reports: ECDSA P-256 with SHA-256 over the raw body.

The public keys come from `CP_SECRET_SCANNING_PUBLIC_KEYS`, in the format of GitHub's
`/meta/public_keys/secret_scanning` (`{"public_keys": [{"key_identifier", "key", "is_current"}]}`):

- a **file** is read on every report (a small local read, and a replaced file counts at once);
- an **https URL** is fetched (5 s timeout, no redirects) and kept in this process for
  `CP_SECRET_SCANNING_KEYS_CACHE_SECONDS`; a report naming a key identifier the cache lacks makes
  it fetch again early, at most once a minute, so GitHub's key rotation is picked up on first use.

A key list that cannot be read answers `503` (logged as an error), never `401` and never `500`:
GitHub should retry later, and "your signature is wrong" must not hide "our configuration is
broken". A list fetched earlier that holds the report's key is still used when a refresh fails.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature as BadSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.conf import settings

from core.errors import DomainError, ServiceUnavailable

logger = logging.getLogger("cp.leaks")

FETCH_TIMEOUT_SECONDS = 5
REFETCH_UNKNOWN_AFTER_SECONDS = 60  # an unknown identifier refetches at most this often
MAX_KEY_LIST_BYTES = 1024 * 1024
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_ALGORITHM = ec.ECDSA(hashes.SHA256())

PublicKeys = dict[str, ec.EllipticCurvePublicKey]


class InvalidSignature(DomainError):
    code = "invalid_signature"
    message = "The report's GitHub signature does not verify."


class SignatureKeysUnavailable(ServiceUnavailable):
    message = "GitHub's public keys cannot be read right now; retry after the time in Retry-After."

    def __init__(self) -> None:
        super().__init__(retry_after=60)


class KeyListUnreadable(Exception):
    """The configured key list could not be fetched, read or understood (the reason says why)."""


def is_url(source: str) -> bool:
    return source.startswith(("https://", "http://"))


def is_allowed_url(source: str) -> bool:
    """https, or plain http to this machine only (a test or development key server)."""
    parts = urlsplit(source)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)


def verify(*, body: bytes, key_identifier: str, signature: str) -> None:
    """Raise InvalidSignature unless `signature` (base64 DER) signs `body` with the named key."""
    if not key_identifier or not signature:
        raise InvalidSignature(
            "Github-Public-Key-Identifier and Github-Public-Key-Signature are required."
        )
    try:
        der = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidSignature("Github-Public-Key-Signature is not base64.") from None
    key = public_key(key_identifier)
    if key is None:
        raise InvalidSignature("Github-Public-Key-Identifier names no key we know.")
    try:
        key.verify(der, body, _ALGORITHM)
    except BadSignature:
        raise InvalidSignature() from None


def public_key(identifier: str) -> ec.EllipticCurvePublicKey | None:
    """The configured public key with this identifier; None when the list has no such key."""
    source = settings.CP_SECRET_SCANNING_PUBLIC_KEYS
    if is_url(source):
        return _URL_KEYS.get(source, identifier)
    try:
        return parse_key_list(_read_file(source)).get(identifier)
    except KeyListUnreadable as error:
        logger.error("GitHub secret scanning keys unreadable from %s: %s", source, error)
        raise SignatureKeysUnavailable() from None


def parse_key_list(raw: bytes) -> PublicKeys:
    """GitHub's key list → {identifier: key}. Entries that are not P-256 keys are skipped."""
    try:
        entries = json.loads(raw)["public_keys"]
        pairs = [(entry["key_identifier"], entry["key"]) for entry in entries]
    except (ValueError, TypeError, KeyError) as error:
        raise KeyListUnreadable(f"not a public_keys list ({type(error).__name__})") from None
    keys: PublicKeys = {}
    for identifier, pem in pairs:
        key = _p256_key(pem)
        if isinstance(identifier, str) and key is not None:
            keys[identifier] = key
        else:
            logger.warning("Skipped GitHub key %.80r: not an ECDSA P-256 public key.", identifier)
    if not keys:
        raise KeyListUnreadable("no ECDSA P-256 key in the list")
    return keys


def _p256_key(pem: Any) -> ec.EllipticCurvePublicKey | None:
    try:
        key = load_pem_public_key(pem.encode()) if isinstance(pem, str) else None
    except ValueError:
        return None
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    return None


def _read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise KeyListUnreadable(error.strerror or type(error).__name__) from None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError for the 3xx


_OPENER = urllib.request.build_opener(_NoRedirects)


def fetch_key_list(url: str) -> PublicKeys:
    """GET the key list (https only, bar loopback; no redirects; 5 s; at most 1 MiB)."""
    if not is_allowed_url(url):
        raise KeyListUnreadable("only https URLs are fetched")
    request = urllib.request.Request(  # noqa: S310  (the scheme is checked above)
        url, headers={"Accept": "application/json", "User-Agent": "molecule-control-plane"}
    )
    try:
        with _OPENER.open(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
            raw = response.read(MAX_KEY_LIST_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise KeyListUnreadable(f"fetch failed ({error})") from None
    if len(raw) > MAX_KEY_LIST_BYTES:
        raise KeyListUnreadable("the key list is larger than 1 MiB")
    return parse_key_list(raw)


@dataclass
class _Fetched:
    keys: PublicKeys
    at: float  # time.monotonic() of the fetch


class _UrlKeyCache:
    """Key lists fetched from URLs, per URL, for the life of this process (thread-safe)."""

    def __init__(self) -> None:
        self._lists: dict[str, _Fetched] = {}
        self._lock = threading.Lock()

    def get(self, url: str, identifier: str) -> ec.EllipticCurvePublicKey | None:
        with self._lock:
            cached = self._lists.get(url)
            if self._wants_fetch(cached, identifier):
                try:
                    cached = self._lists[url] = _Fetched(fetch_key_list(url), time.monotonic())
                except KeyListUnreadable as error:
                    logger.error("GitHub secret scanning keys unreadable from %s: %s", url, error)
                    if cached is None or identifier not in cached.keys:
                        raise SignatureKeysUnavailable() from None
            assert cached is not None
            return cached.keys.get(identifier)

    @staticmethod
    def _wants_fetch(cached: _Fetched | None, identifier: str) -> bool:
        if cached is None:
            return True
        age = time.monotonic() - cached.at
        if age >= settings.CP_SECRET_SCANNING_KEYS_CACHE_SECONDS:
            return True
        return identifier not in cached.keys and age >= REFETCH_UNKNOWN_AFTER_SECONDS


_URL_KEYS = _UrlKeyCache()
