"""`Authorization: Bearer …` for /cp/: partner keys (`mol_pk_…`) and the admin master key.

`check_credential` is the one credential check (`CP_CREDENTIAL_CHECK`): shape and checksum first
(no query), then one indexed lookup of the key's hash. It has no side effects, so whoever needs the
answer first (idempotency, DRF, audit) may make it. The DRF class turns a refusal into 401 or 429,
counts failures per IP and records use. Nothing is cached across calls: a revoke, expiry or partner
deactivation is seen by every worker on the very next request.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from core import ratelimit, tokens
from core.context import call_context
from core.credentials import CHALLENGE, Credential, Principal, credential_of
from partners.models import MASTER_KEY, PartnerKey

REALM = CHALLENGE

_REASONS = {
    "malformed": "The API key is malformed (bad prefix, length or checksum).",
    "unknown": "The API key is not recognised.",
    "revoked": "The API key has been revoked.",
    "expired": "The API key has expired.",
    "partner_inactive": "The API key's partner has been deactivated.",
}
# Failures that say nothing about any key of ours: they count against the client IP.
GUESSES = frozenset({"malformed", "unknown"})


def is_master_key(token: str) -> bool:
    """Constant-time match against CP_ADMIN_MASTER_KEY; always False when it is not set."""
    master = settings.CP_ADMIN_MASTER_KEY
    return bool(master) and hmac.compare_digest(token.encode(), master.encode())


def check_credential(request: HttpRequest, token: str) -> Credential:
    """What `token` proves for this call: a usable key, the master key, or why neither."""
    wait = ratelimit.flood_wait(request)
    if wait:
        return Credential(presented=True, failure="too_many_failures", retry_after=wait)
    if token.startswith(tokens.PARTNER_KEY_PREFIX):
        return _partner_key_credential(token)
    if is_master_key(token):
        return Credential(presented=True, principal=MASTER_KEY)
    return Credential(presented=True, failure="unknown" if token else "malformed")


def _partner_key_credential(token: str) -> Credential:
    if not tokens.is_well_formed(token):
        return Credential(presented=True, failure="malformed")
    key = PartnerKey.objects.for_token(token)
    if key is None:
        return Credential(presented=True, failure="unknown", key_hint=tokens.hint(token))
    reason = key.unusable_reason(timezone.now())
    return Credential(
        presented=True,
        principal=None if reason else key,
        failure=reason or "",
        key_id=key.id,
        key_hint=key.hint,
        partner_id=key.partner_id or "",
    )


class CPBearerAuthentication(authentication.BaseAuthentication):
    """DRF's side of the credential check: (principal, principal), or a 401/429 with its reason."""

    def authenticate(self, request: Request) -> tuple[Principal, Principal] | None:
        credential = credential_of(request)
        if not credential.presented:
            return None
        if credential.failure == "too_many_failures":
            raise ratelimit.flood_refusal(request, credential.retry_after)
        if credential.principal is None:
            raise self._refuse(request, credential)
        if isinstance(credential.principal, PartnerKey):
            PartnerKey.objects.mark_used(credential.principal, timezone.now())
        return credential.principal, credential.principal

    @staticmethod
    def _refuse(request: Request, credential: Credential) -> exceptions.AuthenticationFailed:
        call_context(request).annotate(action="auth.failed", reason=credential.failure)
        if credential.failure in GUESSES:
            ratelimit.auth_failure_record(request)
        return exceptions.AuthenticationFailed(_REASONS[credential.failure])

    def authenticate_header(self, request: Request) -> str:
        return REALM
