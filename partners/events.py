"""Key events for partners' webhooks: the key as the API shows it (never its hash or plaintext)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from partners.models import PartnerKey
from partners.serializers import PartnerKeySerializer
from webhooks.outbox import event_record
from webhooks.selectors import recorded_dedupe_keys

EXPIRING = "partner_key.expiring"


def key_event_record(*, key: PartnerKey, type: str, dedupe_key: str | None = None) -> bool:
    """Record a `partner_key.*` event in the caller's transaction; False if already recorded."""
    recorded = event_record(
        type=type,
        partner_id=key.partner_id,
        key_family_id=key.family_id,
        data=dict(PartnerKeySerializer(key).data),
        dedupe_key=dedupe_key,
    )
    return recorded is not None


def partner_key_expiring_announce(*, now: datetime) -> int:
    """Raise `partner_key.expiring` once per key and expiry date, CP_WEBHOOK_KEY_EXPIRING_DAYS
    before it. A rotated key is left out: its successor replaces it (`partner_key.rotated`)."""
    notice = timedelta(days=settings.CP_WEBHOOK_KEY_EXPIRING_DAYS)
    keys = {
        f"{EXPIRING}:{key.pk}:{key.expires_at.isoformat()}": key
        for key in PartnerKey.objects.usable(now)
        .filter(expires_at__lte=now + notice, successors__isnull=True)
        .select_related("partner")
        if key.expires_at is not None
    }
    announced = 0
    for dedupe_key in sorted(set(keys) - recorded_dedupe_keys(list(keys))):
        with transaction.atomic():
            announced += key_event_record(
                key=keys[dedupe_key], type=EXPIRING, dedupe_key=dedupe_key
            )
    return announced
