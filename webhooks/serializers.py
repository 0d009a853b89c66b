"""Webhook endpoints and events in the API: strict requests, no secret after the reveal."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import QueryFilters, StrictBooleanField, StrictCharField, StrictSerializer
from core.uris import HTTPS_URL_PATTERN, is_uri
from webhooks import guard
from webhooks.models import (
    ALL_EVENTS,
    EVENT_TYPES,
    URL_MAX_LENGTH,
    Delivery,
    Event,
    WebhookEndpoint,
)

_URL_SHAPE = URLValidator(schemes=["http", "https"])


def _url(value: str) -> str:
    try:
        _URL_SHAPE(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError("Enter a valid URL.") from exc
    if not is_uri(value):
        raise serializers.ValidationError(
            "Enter a valid URL: only URI characters, with %XX escapes, and no #fragment."
        )
    try:
        guard.check_url(value)
    except guard.URLRefused as exc:
        raise serializers.ValidationError(str(exc)) from exc
    return value


def _events(value: list[str]) -> list[str]:
    unknown = sorted(set(value) - set(EVENT_TYPES) - {ALL_EVENTS})
    if unknown:
        raise serializers.ValidationError(
            f"Unknown event type(s): {', '.join(unknown)}. "
            f"Known: {', '.join(EVENT_TYPES)}, or {ALL_EVENTS!r} for all."
        )
    return [ALL_EVENTS] if ALL_EVENTS in value else sorted(set(value))


@extend_schema_field({"type": "string", "enum": [*EVENT_TYPES, ALL_EVENTS]})
class EventTypeField(StrictCharField):
    """An event type, or `*` for all; unknown ones are refused by the list, naming the known."""


@extend_schema_field(
    {
        "type": "string",
        "format": "uri",
        "pattern": HTTPS_URL_PATTERN,
        "maxLength": URL_MAX_LENGTH,
        "description": "https only; no private, loopback or link-local address.",
    }
)
class ReceiverURLField(StrictCharField):
    """A receiver's URL (`validate_url`: its shape, then webhooks.guard for its address)."""


def url_field(**kwargs: Any) -> StrictCharField:
    return ReceiverURLField(max_length=URL_MAX_LENGTH, **kwargs)


class EndpointCreateSerializer(StrictSerializer):
    url = url_field()
    events = serializers.ListField(child=EventTypeField(), min_length=1, max_length=20)
    description = StrictCharField(max_length=500, required=False, allow_blank=True, default="")

    def validate_url(self, value: str) -> str:
        return _url(value)

    def validate_events(self, value: list[str]) -> list[str]:
        return _events(value)


class EndpointUpdateSerializer(StrictSerializer):
    url = url_field(required=False)
    events = serializers.ListField(
        child=EventTypeField(), min_length=1, max_length=20, required=False
    )
    description = StrictCharField(max_length=500, required=False, allow_blank=True)
    enabled = StrictBooleanField(required=False)

    def validate_url(self, value: str) -> str:
        return _url(value)

    def validate_events(self, value: list[str]) -> list[str]:
        return _events(value)


class EndpointSerializer(serializers.ModelSerializer):
    partner_id = serializers.CharField(allow_null=True, read_only=True)
    disabled_reason = serializers.SerializerMethodField()
    events = serializers.ListField(child=EventTypeField(), read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "events",
            "description",
            "enabled",
            "disabled_at",
            "disabled_reason",
            "failing_since",
            "partner_id",
            "secret_rotated_at",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_disabled_reason(self, endpoint: WebhookEndpoint) -> str | None:
        return endpoint.disabled_reason or None


class IssuedEndpointSerializer(EndpointSerializer):
    """The one response that carries the plaintext signing `secret` (create, rotate-secret)."""

    secret = serializers.SerializerMethodField()

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text="The `whsec_…` signing secret, shown this once (null in an idempotent "
            "replay).",
        )
    )
    def get_secret(self, endpoint: WebhookEndpoint) -> str:
        return self.context["secret"]


class RotateSecretSerializer(StrictSerializer):
    """No fields: the overlap is fixed (CP_WEBHOOK_SECRET_OVERLAP_SECONDS)."""


class DeliverySerializer(serializers.ModelSerializer):
    endpoint_id = serializers.CharField(read_only=True)
    last_error = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = [
            "id",
            "endpoint_id",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "delivered_at",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_last_error(self, item: Delivery) -> str | None:
        return item.last_error or None


class EventSerializer(serializers.ModelSerializer):
    # The event's `data`, as the contract names it. DRF's metaclass takes declared fields off the
    # class, so the serializer's own `.data` is untouched.
    data = serializers.SerializerMethodField()  # type: ignore[assignment]
    type = serializers.ChoiceField(choices=list(EVENT_TYPES), read_only=True)
    deliveries = DeliverySerializer(many=True, read_only=True)

    class Meta:
        model = Event
        fields = ["id", "type", "created_at", "data", "deliveries"]
        read_only_fields = fields

    @extend_schema_field(
        serializers.DictField(help_text="The org or key as the API shows it (see `type`).")
    )
    def get_data(self, event: Event) -> dict[str, Any]:
        return event.data


class EventFilterSerializer(QueryFilters):
    """`GET /cp/events?type=…&since=…`; anything else is a 400 naming it."""

    type = serializers.ChoiceField(choices=list(EVENT_TYPES), required=False)
    since = serializers.DateTimeField(required=False)


class RedeliveredSerializer(serializers.Serializer):
    """The answer of a redelivery: the event and the deliveries queued for it."""

    event_id = serializers.CharField()
    deliveries = DeliverySerializer(many=True)


class RedeliverSerializer(StrictSerializer):
    endpoint_id = StrictCharField(max_length=40, required=False)
