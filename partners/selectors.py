"""Reads on partner keys shared by the admin and the ops commands: filtering by status and state."""

from __future__ import annotations

import json
from datetime import datetime

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from core import tokens
from partners.models import EXPIRING_WITHIN, KeyState, PartnerKey, PartnerKeyQuerySet

# A key's status, in the order `PartnerKey.unusable_reason` decides it.
KEY_STATUSES = ("active", "revoked", "expired", "partner_inactive")


def partner_keys_with_status(
    queryset: PartnerKeyQuerySet, status: str, now: datetime | None = None
) -> QuerySet[PartnerKey]:
    """Keys whose status (as `unusable_reason` reports it) is `status`; `all` keeps every key."""
    now = now or timezone.now()
    not_revoked = Q(revoked_at__isnull=True)
    not_expired = Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    if status == "active":
        return queryset.usable(now)
    if status == "revoked":
        return queryset.filter(revoked_at__isnull=False)
    if status == "expired":
        return queryset.filter(not_revoked, expires_at__lte=now)
    if status == "partner_inactive":
        return queryset.filter(not_revoked, not_expired, partner__active=False)
    if status == "all":
        return queryset
    raise ValueError(f"Unknown key status {status!r}.")


def partner_keys_in_state(
    queryset: PartnerKeyQuerySet, state: str, now: datetime | None = None
) -> QuerySet[PartnerKey]:
    """Keys whose `PartnerKey.state()` is `state`, as one filter (the same rule, in SQL)."""
    now = now or timezone.now()
    if state not in KeyState.values:
        raise ValueError(f"Unknown key state {state!r}.")
    if state not in (KeyState.ACTIVE, KeyState.EXPIRING, KeyState.IN_GRACE):
        return partner_keys_with_status(queryset, state, now)
    rotated = Exists(PartnerKey.objects.filter(rotated_from=OuterRef("pk")))
    usable = queryset.usable(now)
    if state == KeyState.IN_GRACE:
        return usable.filter(rotated)
    soon = Q(expires_at__lte=now + EXPIRING_WITHIN)
    not_rotated = usable.exclude(rotated)
    return not_rotated.filter(soon) if state == KeyState.EXPIRING else not_rotated.exclude(soon)


def partner_keys_with_scope(queryset: QuerySet[PartnerKey], scope: str) -> QuerySet[PartnerKey]:
    """Keys that carry `scope` (JSON containment where the database has it, else exact text)."""
    if connection.features.supports_json_field_contains:
        return queryset.filter(scopes__contains=[scope])
    return queryset.filter(scopes__icontains=json.dumps(scope))


def partner_keys_matching_plaintext(
    queryset: QuerySet[PartnerKey], term: str
) -> QuerySet[PartnerKey] | None:
    """The key a pasted plaintext is (matched on its hash), or None when `term` is no whole key.

    The plaintext is only hashed: it is never stored, logged or compared in the clear.
    """
    candidate = term.strip()
    if not tokens.is_well_formed(candidate):
        return None
    return queryset.filter(key_hash=tokens.hash_token(candidate))
