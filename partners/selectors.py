"""Reads on partner keys shared by the admin and the ops commands: filtering by status."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from partners.models import PartnerKey, PartnerKeyQuerySet

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
