"""Writes on webhook endpoints and events: create, update, delete, rotate the secret, redeliver."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.credentials import Principal
from core.errors import DomainError
from webhooks import delivery, vault
from webhooks.models import Delivery, Event, WebhookEndpoint
from webhooks.outbox import deliveries_create
from webhooks.selectors import endpoint_visible, endpoints_receiving, owner_of

DISABLED_BY_API = "Disabled through the API."


class EndpointLimitReached(DomainError):
    code = "webhook_endpoint_limit"


class EndpointDisabled(DomainError):
    code = "webhook_endpoint_disabled"
    message = "This endpoint is disabled; enable it (PATCH enabled: true) first."


class NoEndpoint(DomainError):
    code = "no_webhook_endpoint"
    message = "No enabled webhook endpoint subscribes to this event's type."


class UnknownEndpoint(DomainError):
    code = "validation_error"

    def __init__(self, endpoint_id: str) -> None:
        super().__init__(
            "The request body is not valid; see fields.",
            fields={"endpoint_id": [f"No webhook endpoint {endpoint_id!r}."]},
        )


@dataclass(frozen=True)
class IssuedSecret:
    """An endpoint and its new signing secret: the only moment the plaintext leaves the vault."""

    endpoint: WebhookEndpoint
    secret: str


def endpoint_create(
    *, principal: Principal, url: str, events: list[str], description: str = ""
) -> IssuedSecret:
    """A new endpoint of the caller's partner (or partner-less key family), with its secret."""
    owner = owner_of(principal)
    limit = settings.CP_WEBHOOK_MAX_ENDPOINTS
    if endpoint_visible(principal=principal).count() >= limit:
        raise EndpointLimitReached(f"At most {limit} webhook endpoints; delete one first.")
    secret = vault.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        partner_id=owner.partner_id,
        owner_family_id=owner.family_id,
        created_by_key_id=principal.id,
        url=url,
        events=events,
        description=description,
        secret_encrypted=vault.encrypt(secret),
    )
    return IssuedSecret(endpoint=endpoint, secret=secret)


def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given; enabling clears the disabled state, disabling cancels pending sends."""
    now = timezone.now()
    changed = ["updated_at"]
    for name, value in (("url", url), ("events", events), ("description", description)):
        if value is not None:
            setattr(endpoint, name, value)
            changed.append(name)
    if enabled is True and not endpoint.enabled:
        endpoint.enabled, endpoint.disabled_at, endpoint.disabled_reason = True, None, ""
        endpoint.failing_since = None
        changed += ["enabled", "disabled_at", "disabled_reason", "failing_since"]
    elif enabled is False and endpoint.enabled:
        endpoint.enabled, endpoint.disabled_at, endpoint.disabled_reason = (
            False,
            now,
            DISABLED_BY_API,
        )
        changed += ["enabled", "disabled_at", "disabled_reason"]
        delivery.cancel_pending(endpoint.pk)
    endpoint.updated_at = now
    endpoint.save(update_fields=changed)
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint with its deliveries (the events stay, for the other endpoints).

    The row is locked first: a delivery another transaction (the worker recording an event)
    commits from then on waits for this one and then finds no endpoint, instead of slipping in
    between the collection of the deliveries and the endpoint's DELETE (a 500 at COMMIT).
    """
    WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> IssuedSecret:
    """A new secret; the old one keeps signing beside it for CP_WEBHOOK_SECRET_OVERLAP_SECONDS.

    Rotating again within the overlap retires the oldest secret: at most two ever sign.
    """
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    now = timezone.now()
    secret = vault.new_secret()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    overlap = timedelta(seconds=settings.CP_WEBHOOK_SECRET_OVERLAP_SECONDS)
    endpoint.previous_secret_expires_at = now + overlap
    endpoint.secret_encrypted = vault.encrypt(secret)
    endpoint.secret_rotated_at = endpoint.updated_at = now
    endpoint.save(
        update_fields=[
            "previous_secret_encrypted",
            "previous_secret_expires_at",
            "secret_encrypted",
            "secret_rotated_at",
            "updated_at",
        ]
    )
    return IssuedSecret(endpoint=endpoint, secret=secret)


def event_redeliver(
    *, event: Event, principal: Principal, endpoint_id: str | None = None
) -> list[Delivery]:
    """Send the event again (same `webhook-id`) to one endpoint, or to all that want it now."""
    if endpoint_id is not None:
        endpoint = endpoint_visible(principal=principal).filter(pk=endpoint_id).first()
        if endpoint is None:
            raise UnknownEndpoint(endpoint_id)
        if not endpoint.enabled:
            raise EndpointDisabled()
        endpoints = [endpoint]
    else:
        endpoints = endpoints_receiving(
            partner_id=event.partner_id, key_family_id=event.key_family_id, event_type=event.type
        )
        if not endpoints:
            raise NoEndpoint()
    return deliveries_create(event=event, endpoints=endpoints)
