"""`Authorization: Bearer …` for /cp/: partner keys (`mol_pk_…`) and the admin master key."""

from __future__ import annotations

import hmac
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from audit.context import annotate, set_principal
from partners import keys, ratelimit
from partners.models import MASTER_KEY, MasterKey, PartnerKey

REALM = 'Bearer realm="cp"'

_REASONS = {
    "malformed": "The API key is malformed (bad prefix, length or checksum).",
    "unknown": "The API key is not recognised.",
    "revoked": "The API key has been revoked.",
    "expired": "The API key has expired.",
    "partner_inactive": "The API key's partner has been deactivated.",
}


def _refuse(request: Request, reason: str, hint: str = "") -> exceptions.AuthenticationFailed:
    annotate(request, action="auth.failed", reason=reason, key_hint=hint or None)
    if reason in ("malformed", "unknown"):
        ratelimit.auth_failure_record(request)
    return exceptions.AuthenticationFailed(_REASONS[reason])


def bearer_token(request: Any) -> str | None:
    """The token of an `Authorization: Bearer …` header (scheme case-insensitive), or None."""
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def is_master_key(token: str) -> bool:
    """Constant-time match against CP_ADMIN_MASTER_KEY; always False when it is not set."""
    master = settings.CP_ADMIN_MASTER_KEY
    return bool(master) and hmac.compare_digest(token.encode(), master.encode())


class CPBearerAuthentication(authentication.BaseAuthentication):
    """Shape and checksum first (no query), then one indexed lookup of the key's hash.

    Nothing is cached: a revoke, expiry or partner deactivation is seen by every worker on the very
    next request.
    """

    def authenticate(self, request: Request) -> tuple[PartnerKey | MasterKey, object] | None:
        token = bearer_token(request)
        if token is None:
            return None
        ratelimit.refuse_flooding_client(request)
        if token.startswith(keys.PARTNER_KEY_PREFIX):
            key = self._partner_key(request, token)
            set_principal(request, key)
            return key, key
        if is_master_key(token):
            set_principal(request, MASTER_KEY)
            return MASTER_KEY, MASTER_KEY
        raise _refuse(request, "unknown" if token else "malformed")

    def _partner_key(self, request: Request, token: str) -> PartnerKey:
        if not keys.is_well_formed(token):
            raise _refuse(request, "malformed")
        key = PartnerKey.objects.for_token(token)
        if key is None:
            raise _refuse(request, "unknown", keys.hint(token))
        now = timezone.now()
        reason = key.unusable_reason(now)
        if reason:
            raise _refuse(request, reason, key.hint)
        PartnerKey.objects.mark_used(key, now)
        return key

    def authenticate_header(self, request: Request) -> str:
        return REALM
