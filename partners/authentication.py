"""`Authorization: Bearer …` for /cp/: partner keys (`mol_pk_…`) and the admin master key.

`check_credential` is the one credential check (`CP_CREDENTIAL_CHECK`): shape and checksum first
(no query), then one indexed lookup of the key's hash. It has no side effects, so whoever needs the
answer first (idempotency, DRF, audit) may make it. The DRF class counts a valid key's call against
its budget, and a refused one against the client IP (429 instead of 401 past that budget), and
records use. Nothing is cached across calls: a revoke, expiry or partner deactivation is seen by
every worker on the very next request.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from core import ratelimit, throttling, tokens
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


def is_master_key(token: str) -> bool:
    """Constant-time match against CP_ADMIN_MASTER_KEY; always False when it is not set."""
    master = settings.CP_ADMIN_MASTER_KEY
    return bool(master) and hmac.compare_digest(token.encode(), master.encode())


def check_credential(request: HttpRequest, token: str) -> Credential:
    """What `token` proves for this call: a usable key, the master key, or why neither."""
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
    """DRF's side of the credential check: (principal, principal), or a 401/429 with its reason.

    Every refused credential counts against the client IP, whatever the reason: a guess, but also
    a revoked or expired key (a leaked key keeps being tried after its revoke; it must not spend
    its successor's budget, and a loop of 401s should slow down). A call with no Bearer at all is
    counted by the permission that refuses it (`core.permissions`), not here: DRF's contract is
    that `None` means "not ours", and an endpoint open to anyone must not count its callers.
    """

    def authenticate(self, request: Request) -> tuple[Principal, Principal] | None:
        credential = credential_of(request)
        if not credential.presented:
            return None
        principal = credential.principal
        if principal is None:
            raise self._refuse(request, credential)
        refusal = throttling.charge(request)
        if refusal is not None:
            raise refusal
        if isinstance(principal, PartnerKey):
            PartnerKey.objects.mark_used(principal, timezone.now())
        return principal, principal

    @staticmethod
    def _refuse(request: Request, credential: Credential) -> Exception:
        call_context(request).annotate(action="auth.failed", reason=credential.failure)
        refusal = ratelimit.failure_refusal(request)
        return refusal or exceptions.AuthenticationFailed(_REASONS[credential.failure])

    def authenticate_header(self, request: Request) -> str:
        return REALM
