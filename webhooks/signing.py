"""Standard Webhooks signatures (standardwebhooks.com), pure functions.

`webhook-signature` is `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the
secret's decoded bytes; while a rotated secret overlaps, one signature per secret, space-separated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

from webhooks.vault import secret_bytes


def signature(*, secret: str, msg_id: str, timestamp: int, body: str) -> str:
    signed = f"{msg_id}.{timestamp}.{body}".encode()
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(*, secrets: Sequence[str], msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers (and the content type) for one attempt."""
    signatures = " ".join(
        signature(secret=secret, msg_id=msg_id, timestamp=timestamp, body=body)
        for secret in secrets
    )
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
    }
