"""Shapes of orgs, workspaces and billing in the API: strict requests, no token hashes out."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import (
    QueryFilters,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
)
from orgs.fields import (
    BrandingSerializer,
    MetadataField,
    PlanField,
    StatusListField,
    branding_json,
    seats_field,
)
from orgs.models import SANDBOX_MAX_TTL_SECONDS, BillingChannel, Org, Subscription, Workspace

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$")
SLUG_RULE = "3 to 63 characters of a-z, 0-9 and '-', not starting or ending with '-'."


LOGIN_URL_HELP = "Where to send the customer; set once the org is ready."


def login_url(org: Org) -> str | None:
    """Where the partner sends its customer, once the org is ready (CP_LOGIN_URL_TEMPLATE)."""
    if org.status != Org.Status.READY:
        return None
    template = settings.CP_LOGIN_URL_TEMPLATE
    return template.replace("{slug}", org.slug).replace("{id}", org.pk)


class _OrgFields(StrictSerializer):
    """What a partner sets on an org, at creation and (these fields) by PATCH."""

    name = StrictCharField(max_length=200)
    plan = PlanField()
    seats = seats_field(default=1)
    external_id = StrictCharField(
        max_length=255,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Your own reference (unique among your orgs); find the org by it with "
        "`GET /cp/orgs?external_id=`.",
    )
    branding = BrandingSerializer(required=False, allow_null=True)
    metadata = MetadataField(required=False, allow_null=True)

    def validate_external_id(self, external_id: str | None) -> str:
        return external_id or ""

    def validate_branding(self, branding: dict | None) -> dict:
        return dict(branding or {})

    def validate_metadata(self, metadata: dict | None) -> dict:
        return metadata or {}


class OrgCreateSerializer(_OrgFields):
    slug = StrictCharField(max_length=63, validators=[RegexValidator(SLUG_PATTERN, SLUG_RULE)])
    ttl_seconds = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=settings.ORG_MAX_TTL_SECONDS,
        error_messages={"max_value": "Must be at most {max_value} seconds."},
        help_text="Make the org ephemeral: it is deprovisioned this many seconds from now "
        "(at most ORG_MAX_TTL_SECONDS; a sandbox org needs it, at most 7 days).",
    )
    billing_channel = serializers.ChoiceField(
        choices=BillingChannel.choices, default=BillingChannel.DIRECT
    )
    sandbox = StrictBooleanField(default=False, help_text="Never billed; needs ttl_seconds.")
    # `validate`'s rule, for the schema (JSON Schema's if/then).
    schema_rules = {
        "if": {"required": ["sandbox"], "properties": {"sandbox": {"const": True}}},
        "then": {
            "required": ["ttl_seconds"],
            "properties": {
                "ttl_seconds": {"type": "integer", "minimum": 1, "maximum": SANDBOX_MAX_TTL_SECONDS}
            },
        },
    }

    def validate(self, data: dict) -> dict:
        """A sandbox org is a throw-away: it must say when it goes, within a week."""
        ttl = data.get("ttl_seconds")
        if data["sandbox"] and (ttl is None or ttl > SANDBOX_MAX_TTL_SECONDS):
            raise serializers.ValidationError(
                {
                    "ttl_seconds": [
                        "A sandbox org needs ttl_seconds of at most "
                        f"{SANDBOX_MAX_TTL_SECONDS} (7 days)."
                    ]
                }
            )
        return data


class OrgUpdateSerializer(_OrgFields):
    """PATCH: any of the fields, none required; fields set at creation only are named as such."""

    CREATION_ONLY = ("slug", "billing_channel", "sandbox", "ttl_seconds")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, partial=True, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            fixed = [name for name in self.CREATION_ONLY if name in data]
            if fixed:
                message = "Set when the org is created; it cannot be changed."
                raise serializers.ValidationError({name: [message] for name in fixed})
        return super().to_internal_value(data)


class BrandingOutputSerializer(serializers.Serializer):
    """Every branding key, null when not set."""

    display_name = serializers.CharField(allow_null=True)
    logo_url = serializers.CharField(allow_null=True)
    primary_color = serializers.CharField(allow_null=True)


class OrgSerializer(serializers.ModelSerializer):
    partner = serializers.CharField(
        source="partner.slug", default=None, allow_null=True, read_only=True
    )
    partner_id = serializers.CharField(allow_null=True, read_only=True)
    error = serializers.CharField(
        default=None, allow_null=True, read_only=True, help_text="Why provisioning failed."
    )
    login_url = serializers.SerializerMethodField()
    branding = BrandingOutputSerializer(read_only=True)
    metadata = serializers.DictField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Org
        fields = [
            "id",
            "name",
            "slug",
            "plan",
            "status",
            "external_id",
            "seats",
            "branding",
            "metadata",
            "billing_channel",
            "sandbox",
            "partner",
            "partner_id",
            "created_at",
            "ready_at",
            "failed_at",
            "deleting_at",
            "deleted_at",
            "expires_at",
            "error",
            "login_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True, help_text=LOGIN_URL_HELP))
    def get_login_url(self, org: Org) -> str | None:
        return login_url(org)

    def to_representation(self, org: Org) -> dict:
        data = super().to_representation(org)
        data["error"] = org.error or None
        data["branding"] = branding_json(org.branding)
        return data


class OrgFilters(QueryFilters):
    """`GET /cp/orgs?status=ready,failed&external_id=…`."""

    status = StatusListField(required=False)
    external_id = StrictCharField(max_length=255, required=False)


class OrgStatusSerializer(serializers.Serializer):
    """`GET /cp/orgs/{id}/status` (`status_of`): what a partner polls until the org is ready."""

    id = serializers.CharField()
    slug = serializers.CharField()
    status = serializers.ChoiceField(choices=Org.Status.choices)
    ready_at = serializers.DateTimeField(allow_null=True)
    login_url = serializers.URLField(allow_null=True, help_text=LOGIN_URL_HELP)
    error = serializers.CharField(allow_null=True, help_text="Why it failed.")

    def to_representation(self, org: Org) -> dict:
        return status_of(org)


def status_of(org: Org) -> dict:
    """`{id, slug, status, ready_at, login_url, error}`, built by hand: it is the response partners
    poll in loops, and a serializer instance (its fields deep-copied on every call) would be the
    costliest part of rendering it."""
    return {
        "id": org.pk,
        "slug": org.slug,
        "status": org.status,
        "ready_at": _iso(org.ready_at),
        "login_url": login_url(org),
        "error": org.error or None,
    }


class WorkspaceCreateSerializer(StrictSerializer):
    name = StrictCharField(max_length=200)


class WorkspaceSerializer(serializers.ModelSerializer):
    org_id = serializers.CharField(read_only=True)

    class Meta:
        model = Workspace
        fields = ["id", "org_id", "name", "is_default", "token_hint", "created_at"]
        read_only_fields = fields


class IssuedWorkspaceSerializer(WorkspaceSerializer):
    """The one response that carries the plaintext `token`."""

    token = serializers.SerializerMethodField()

    class Meta(WorkspaceSerializer.Meta):
        fields = [*WorkspaceSerializer.Meta.fields, "token"]
        read_only_fields = fields

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text="The `mol_ws_…` token, shown this once (null in an idempotent replay).",
        )
    )
    def get_token(self, workspace: Workspace) -> str:
        return self.context["token"]


class BillingSerializer(serializers.Serializer):
    """`GET /cp/orgs/{id}/billing` (`billing_of`): status and period are null until the org's
    subscription exists (plan and seats are then the org's own)."""

    org_id = serializers.CharField()
    plan = serializers.CharField()
    seats = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=BillingChannel.choices)
    status = serializers.ChoiceField(choices=Subscription.Status.choices, allow_null=True)
    current_period_start = serializers.DateTimeField(allow_null=True)
    current_period_end = serializers.DateTimeField(allow_null=True)
    canceled_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, org: Org) -> dict:
        return billing_of(org)


def billing_of(org: Org) -> dict:
    """`{org_id, plan, seats, channel, status, …}`; status and period are null while no
    subscription exists (plan and seats are then the org's)."""
    subscription = getattr(org, "subscription", None)
    return {
        "org_id": org.pk,
        "plan": subscription.plan if subscription else org.plan,
        "seats": subscription.seats if subscription else org.seats,
        "channel": org.billing_channel,
        "status": subscription.status if subscription else None,
        "current_period_start": _iso(subscription.current_period_start if subscription else None),
        "current_period_end": _iso(subscription.current_period_end if subscription else None),
        "canceled_at": _iso(subscription.canceled_at if subscription else None),
    }


def _iso(value: datetime | None) -> str | None:
    return serializers.DateTimeField().to_representation(value) if value else None
