"""Writes on partners and keys: issue, rotate, revoke, (de)activate. Each holds its own rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import Conflict
from partners import keys
from partners.models import Partner, PartnerKey


class PartnerSlugTaken(Conflict):
    code = "slug_taken"
    message = "A partner with this slug already exists."


class KeyRevoked(Conflict):
    code = "key_revoked"
    message = "This key is revoked and cannot be rotated."


class KeyAlreadyRotated(Conflict):
    """A second successor would inherit the grace deadline as its own expiry: refuse instead."""

    code = "key_already_rotated"
    message = "This key was already rotated; rotate its successor, or revoke it."


@dataclass(frozen=True)
class IssuedKey:
    """A freshly issued key and its plaintext: the only moment the plaintext exists."""

    key: PartnerKey
    plaintext: str


def partner_create(*, name: str, slug: str, plan: str = Partner.Plan.PARTNER) -> Partner:
    try:
        with transaction.atomic():
            return Partner.objects.create(name=name, slug=slug, plan=plan)
    except IntegrityError as exc:
        raise PartnerSlugTaken() from exc


def partner_update(*, partner: Partner, **changes: object) -> Partner:
    """Change name, plan or `active`; deactivating stops every key of the partner at once."""
    if "active" in changes and changes["active"] != partner.active:
        partner.deactivated_at = None if changes["active"] else timezone.now()
    for field, value in changes.items():
        setattr(partner, field, value)
    partner.save()
    return partner


def partner_key_issue(
    *,
    name: str,
    scopes: list[str],
    partner: Partner | None = None,
    org_id: str | None = None,
    expires_at: datetime | None = None,
    rate_limit: str = "",
    created_by: str = "",
    rotated_from: PartnerKey | None = None,
) -> IssuedKey:
    """Create a key; returns its plaintext once. Only the hash and a hint are stored."""
    plaintext = keys.generate()
    key = PartnerKey.objects.create(
        name=name,
        scopes=sorted(set(scopes)),
        partner=partner,
        org_id=org_id,
        expires_at=expires_at,
        rate_limit=rate_limit or "",
        key_hash=keys.hash_token(plaintext),
        hint=keys.hint(plaintext),
        created_by=created_by,
        rotated_from=rotated_from,
    )
    return IssuedKey(key=key, plaintext=plaintext)


def partner_key_revoke(*, key: PartnerKey, revoked_by: str) -> PartnerKey:
    """Soft, one-way revoke; revoking a revoked key changes nothing (idempotent)."""
    if key.revoked_at is None:
        key.revoked_at, key.revoked_by = timezone.now(), revoked_by
        key.save(update_fields=["revoked_at", "revoked_by"])
    return key


def partner_key_rotate(*, key: PartnerKey, grace_seconds: int, rotated_by: str) -> IssuedKey:
    """Issue a successor with the same partner, org, scopes and rate; retire the old key.

    The old key keeps working for `grace_seconds` (0 revokes it at once), so a deployment can roll
    the new key out without downtime.
    """
    key = PartnerKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        raise KeyRevoked()
    if key.successors.exists():
        raise KeyAlreadyRotated()
    successor = partner_key_issue(
        name=key.name,
        scopes=key.scopes,
        partner=key.partner,
        org_id=key.org_id,
        expires_at=key.expires_at,
        rate_limit=key.rate_limit,
        created_by=rotated_by,
        rotated_from=key,
    )
    if grace_seconds == 0:
        partner_key_revoke(key=key, revoked_by=rotated_by)
    else:
        ends = timezone.now() + timedelta(seconds=grace_seconds)
        key.expires_at = min(key.expires_at, ends) if key.expires_at else ends
        key.save(update_fields=["expires_at"])
    return successor
