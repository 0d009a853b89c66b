"""The org fields marketplaces and platforms send: seats, branding and metadata, strictly checked.

Limits (also in the partner guide): seats 1 to 1,000,000; branding `display_name` ≤ 100 characters,
`logo_url` an https URL ≤ 2,048 characters, `primary_color` `#rrggbb` (returned in lower case);
metadata ≤ 20 keys of 1 to 40 characters, string values ≤ 500 characters. Text refuses control,
format and bidi-override characters everywhere.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator, URLValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import (
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
    safe_char_class,
    unsafe_character,
)
from core.uris import HTTPS_URL_PATTERN
from orgs.models import Org

SEATS_MAX = 1_000_000
BRANDING_KEYS = ("display_name", "logo_url", "primary_color")
METADATA_MAX_KEYS = 20
METADATA_KEY_MAX_LENGTH = 40
METADATA_VALUE_MAX_LENGTH = 500


def seats_field(**kwargs: Any) -> StrictIntegerField:
    return StrictIntegerField(min_value=1, max_value=SEATS_MAX, **kwargs)


class BrandingSerializer(StrictSerializer):
    """`{"display_name"?, "logo_url"?, "primary_color"?}`; any other key is refused."""

    display_name = StrictCharField(max_length=100, required=False)
    logo_url = StrictCharField(
        max_length=2048,
        required=False,
        # The pattern first: drf-spectacular takes the first regex for the schema's `pattern`.
        validators=[
            RegexValidator(HTTPS_URL_PATTERN, "Must be an https URL of a host name."),
            URLValidator(schemes=["https"], message="Must be an https URL."),
        ],
    )
    primary_color = StrictCharField(
        required=False,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Must be a colour as #rrggbb.")],
    )

    def validate_primary_color(self, color: str) -> str:
        return color.lower()


def branding_json(branding: dict[str, str]) -> dict[str, str | None]:
    """Every branding key, null when not set: one shape for clients to read."""
    return {key: branding.get(key) for key in BRANDING_KEYS}


def _metadata_schema() -> dict[str, Any]:
    safe = safe_char_class()
    return {
        "type": "object",
        "maxProperties": METADATA_MAX_KEYS,
        "propertyNames": {"pattern": f"^{safe}{{1,{METADATA_KEY_MAX_LENGTH}}}$"},
        "additionalProperties": {
            "type": "string",
            "maxLength": METADATA_VALUE_MAX_LENGTH,
            "pattern": f"^{safe}*$",
        },
        "description": "Your own references: string keys and values, kept as sent.",
    }


@extend_schema_field(_metadata_schema())
class MetadataField(serializers.Field):
    """The partner's own key-value references: a flat object of strings, within the limits."""

    default_error_messages = {
        "not_an_object": "Must be an object of string keys and string values.",
        "too_many": f"At most {METADATA_MAX_KEYS} keys.",
        "bad_key": (
            f"Keys must be 1 to {METADATA_KEY_MAX_LENGTH} characters, without control, format "
            "or bidirectional-override characters."
        ),
    }

    def to_internal_value(self, data: Any) -> dict[str, str]:
        if not isinstance(data, dict):
            self.fail("not_an_object")
        if len(data) > METADATA_MAX_KEYS:
            self.fail("too_many")
        if not all(_good_key(key) for key in data):
            self.fail("bad_key")  # the bad key is not echoed back
        problems = {key: _value_problem(value) for key, value in data.items()}
        errors = {key: [problem] for key, problem in problems.items() if problem}
        if errors:
            raise serializers.ValidationError(errors)
        return dict(data)

    def to_representation(self, value: dict[str, str]) -> dict[str, str]:
        return value


def _good_key(key: str) -> bool:
    return 1 <= len(key) <= METADATA_KEY_MAX_LENGTH and unsafe_character(key) is None


def _value_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return "Must be a string."
    if len(value) > METADATA_VALUE_MAX_LENGTH:
        return f"At most {METADATA_VALUE_MAX_LENGTH} characters."
    char = unsafe_character(value)
    if char is not None:
        return (
            "Must not contain control, format or bidirectional-override characters "
            f"(found U+{ord(char):04X})."
        )
    return None


@extend_schema_field({"type": "string", "enum": list(settings.ORG_PLANS)})
class PlanField(StrictCharField):
    """One of the configured plans (ORG_PLANS; read when called, the schema's enum at startup)."""

    def to_internal_value(self, data: Any) -> str:
        plan = super().to_internal_value(data)
        if plan not in settings.ORG_PLANS:
            raise serializers.ValidationError(
                f"Unknown plan. Plans: {', '.join(settings.ORG_PLANS)}."
            )
        return plan


_STATUS = "(" + "|".join(Org.Status.values) + ")"


@extend_schema_field(
    {
        "type": "string",
        "pattern": rf"^\s*({_STATUS}\s*)?(,\s*({_STATUS}\s*)?)*$",
        "description": "Statuses, comma-separated (e.g. `ready,failed`); without it, every "
        "status but `deleted`.",
    }
)
class StatusListField(serializers.Field):
    """`ready,failed` → ["ready", "failed"]; blank → None (no filter)."""

    def to_internal_value(self, data: Any) -> list[str] | None:
        if not isinstance(data, str):
            raise serializers.ValidationError("Must be a string.")
        statuses = [part.strip() for part in data.split(",") if part.strip()]
        if set(statuses) - set(Org.Status.values):
            raise serializers.ValidationError(
                f"Unknown status. Statuses: {', '.join(Org.Status.values)}."
            )
        return statuses or None
