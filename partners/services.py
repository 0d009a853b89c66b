"""Writes on partners and keys: issue, rotate, revoke, (de)activate. Each holds its own rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import tokens
from core.credentials import Principal
from core.errors import DomainError
from partners.events import key_event_record
from partners.models import Partner, PartnerKey


class PartnerSlugTaken(DomainError):
    code = "slug_taken"
    message = "A partner with this slug already exists."


class KeyRevoked(DomainError):
    code = "key_revoked"
    message = "This key is revoked and cannot be rotated."


class KeyExpired(DomainError):
    """Its successor would inherit the expiry and be dead on arrival: issue a new key instead."""

    code = "key_expired"
    message = "This key has expired and cannot be rotated; issue a new key instead."


class KeyAlreadyRotated(DomainError):
    """A second successor would inherit the grace deadline as its own expiry: refuse instead."""

    code = "key_already_rotated"
    message = "This key was already rotated; rotate its successor, or revoke it."


class NotYourKey(DomainError):
    code = "forbidden"
    message = "Only the master key or the key itself may revoke or rotate a key."


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


def partner_update(
    *,
    partner: Partner,
    name: str | None = None,
    plan: str | None = None,
    active: bool | None = None,
) -> Partner:
    """Change name, plan or `active`; deactivating stops every key of the partner at once."""
    changed = []
    if name is not None:
        partner.name = name
        changed.append("name")
    if plan is not None:
        partner.plan = plan
        changed.append("plan")
    if active is not None and active != partner.active:
        partner.active, partner.deactivated_at = active, None if active else timezone.now()
        changed += ["active", "deactivated_at"]
    if changed:
        partner.save(update_fields=changed)
    return partner


def partner_key_check_owner(*, key: PartnerKey, caller: Principal) -> None:
    """Only the master key or the key itself may revoke or rotate a key."""
    if not caller.is_master and caller.id != key.pk:
        raise NotYourKey()


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
    token = tokens.mint(tokens.PARTNER_KEY_PREFIX)
    key = PartnerKey.objects.create(
        name=name,
        scopes=sorted(set(scopes)),
        partner=partner,
        org_id=org_id,
        expires_at=expires_at,
        rate_limit=rate_limit or "",
        key_hash=token.hash,
        hint=token.hint,
        created_by=created_by,
        rotated_from=rotated_from,
    )
    return IssuedKey(key=key, plaintext=token.plaintext)


def partner_key_revoke(
    *, key: PartnerKey, revoked_by: str, event: str = "partner_key.revoked"
) -> PartnerKey:
    """Soft, one-way revoke, announced by a webhook `event` (`partner_key.leaked` when a scanner
    found it); revoking a revoked key changes nothing (idempotent)."""
    if key.revoked_at is None:
        with transaction.atomic():
            key.revoked_at, key.revoked_by = timezone.now(), revoked_by
            key.save(update_fields=["revoked_at", "revoked_by"])
            key_event_record(key=key, type=event)
    return key


def partner_key_rotate(*, key: PartnerKey, grace_seconds: int, rotated_by: str) -> IssuedKey:
    """Issue a successor with the same partner, org, scopes and rate; retire the old key.

    The old key keeps working for `grace_seconds` (0 revokes it at once), so a deployment can roll
    the new key out without downtime. `partner_key.rotated` carries the new key.
    """
    key = PartnerKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        raise KeyRevoked()
    if key.expires_at is not None and key.expires_at <= timezone.now():
        raise KeyExpired()
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
    key_event_record(key=successor.key, type="partner_key.rotated")
    return successor
