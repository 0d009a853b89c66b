"""The public shape of an audit event (the read API and `export_audit` share it)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from rest_framework import serializers

from audit.models import AuditEvent
from core.serializers import QueryFilters

# The columns the shape is built from: read with `.values(*COLUMNS)`, no model instances needed.
COLUMNS = (
    "id",
    "occurred_at",
    "request_id",
    "actor_type",
    "key_id",
    "key_hint",
    "partner_id",
    "admin_user",
    "action",
    "target_type",
    "target_id",
    "method",
    "path",
    "status_code",
    "ip",
    "user_agent",
    "details",
)


def timestamp(value: datetime) -> str:
    """ISO-8601 in UTC with a `Z`, as DRF renders datetimes (without its per-call overhead)."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """One event as the API shows it; empty strings become null."""
    by_key = row["actor_type"] == AuditEvent.ActorType.PARTNER_KEY
    return {
        "id": row["id"],
        "occurred_at": timestamp(row["occurred_at"]),
        "request_id": row["request_id"] or None,
        "partner_id": row["partner_id"] or None,
        "actor": {
            "type": row["actor_type"],
            "key_id": row["key_id"] or None,
            "key_hint": row["key_hint"] or None,
            "partner_id": (row["partner_id"] or None) if by_key else None,
            "admin_user": row["admin_user"] or None,
        },
        "action": row["action"],
        "target": {"type": row["target_type"], "id": row["target_id"] or None}
        if row["target_type"]
        else None,
        "method": row["method"] or None,
        "path": row["path"] or None,
        "status": row["status_code"],
        "ip": row["ip"],
        "user_agent": row["user_agent"] or None,
        "details": row["details"] or {},
    }


class _ActorSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=AuditEvent.ActorType.choices)
    key_id = serializers.CharField(allow_null=True)
    key_hint = serializers.CharField(allow_null=True)
    partner_id = serializers.CharField(allow_null=True)
    admin_user = serializers.CharField(allow_null=True)


class _TargetSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.CharField(allow_null=True)


class AuditEventSerializer(serializers.Serializer):
    """Rows from `.values(*COLUMNS)` to the public shape; fields declared for the OpenAPI schema."""

    id = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    request_id = serializers.CharField(allow_null=True)
    partner_id = serializers.CharField(allow_null=True)
    actor = _ActorSerializer()
    action = serializers.CharField()
    target = _TargetSerializer(allow_null=True)
    method = serializers.CharField(allow_null=True)
    path = serializers.CharField(allow_null=True)
    status = serializers.IntegerField(allow_null=True)
    ip = serializers.IPAddressField(allow_null=True)
    user_agent = serializers.CharField(allow_null=True)
    details = serializers.DictField()

    def to_representation(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        return event_json(instance)


class Iso8601Field(serializers.DateTimeField):
    """ISO-8601; a `+01:00` offset whose `+` a query string turned into a space is forgiven."""

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, str):
            value = re.sub(r" (\d\d:?\d\d)$", r"+\1", value.strip())
        return super().to_internal_value(value)


class EventFilterSerializer(QueryFilters):
    """The read API's query filters; anything malformed or unknown is a 400 naming it."""

    key = serializers.RegexField(r"^pak_[0-9a-z]{1,36}$", required=False)
    partner = serializers.RegexField(r"^[A-Za-z0-9_-]{1,63}$", required=False)
    action = serializers.RegexField(r"^[a-z0-9_.-]{1,64}$", required=False)
    since = Iso8601Field(required=False)
    until = Iso8601Field(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since > until:
            raise serializers.ValidationError({"until": ["Must not be before since."]})
        return attrs
