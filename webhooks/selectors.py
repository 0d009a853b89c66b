"""Who owns what: the one rule for which endpoints and events a key sees, and who receives what.

An endpoint belongs to the calling key's partner, or, for a key issued without a partner, to that
key's rotation family (so a rotated key keeps its endpoints). An event goes to the endpoints of
the partner of the org or key it is about; for a partner-less org or key, to the endpoints of the
rotation family that created the org (or of the key itself). The master key reads everything and
changes nothing; an org-bound key has no webhooks (it may only see its own org).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from core.credentials import Principal
from webhooks.models import Delivery, Event, WebhookEndpoint


@dataclass(frozen=True)
class Owner:
    """A partner (`partner_id`), or a partner-less key's rotation family (`family_id`)."""

    partner_id: str | None
    family_id: str


def owner_of(principal: Principal) -> Owner:
    family = "" if principal.partner_id else str(getattr(principal, "family_id", "") or "")
    return Owner(partner_id=principal.partner_id, family_id=family)


def endpoint_visible(*, principal: Principal) -> QuerySet[WebhookEndpoint]:
    endpoints = WebhookEndpoint.objects.all()
    if principal.is_master:
        return endpoints
    return _owned(endpoints, owner_of(principal))


def endpoints_receiving(
    *, partner_id: str | None, key_family_id: str | None, event_type: str
) -> list[WebhookEndpoint]:
    """The enabled endpoints an event of this type, about this partner or family, goes to."""
    owner = Owner(
        partner_id=partner_id or None, family_id="" if partner_id else key_family_id or ""
    )
    endpoints = _owned(WebhookEndpoint.objects.filter(enabled=True), owner)
    return [endpoint for endpoint in endpoints if endpoint.subscribes_to(event_type)]


def event_visible(*, principal: Principal) -> QuerySet[Event]:
    """The caller's events of the listing window (CP_WEBHOOK_EVENT_WINDOW_DAYS), with deliveries."""
    since = timezone.now() - timedelta(days=settings.CP_WEBHOOK_EVENT_WINDOW_DAYS)
    events = Event.objects.filter(created_at__gte=since).prefetch_related(
        Prefetch("deliveries", queryset=Delivery.objects.order_by("id"))
    )
    if principal.is_master:
        return events
    owner = owner_of(principal)
    if owner.partner_id:
        return events.filter(partner_id=owner.partner_id)
    if owner.family_id:
        return events.filter(partner__isnull=True, key_family_id=owner.family_id)
    return events.none()


def _owned(endpoints: QuerySet[WebhookEndpoint], owner: Owner) -> QuerySet[WebhookEndpoint]:
    if owner.partner_id:
        return endpoints.filter(partner_id=owner.partner_id)
    if owner.family_id:
        return endpoints.filter(partner__isnull=True, owner_family_id=owner.family_id)
    return endpoints.none()


def recorded_dedupe_keys(keys: list[str]) -> set[str]:
    """Which of these once-only events were recorded already."""
    found = Event.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    return {key for key in found if key}
