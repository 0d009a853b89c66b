"""Shapes of orgs, workspaces and billing in the API: strict requests, no token hashes out."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.conf import settings
from rest_framework import serializers

from core.serializers import (
    QueryFilters,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
)
from orgs.fields import BrandingSerializer, MetadataField, branding_json, seats_field
from orgs.models import SANDBOX_MAX_TTL_SECONDS, BillingChannel, Org, Workspace

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$")


def login_url(org: Org) -> str | None:
    """Where the partner sends its customer, once the org is ready (CP_LOGIN_URL_TEMPLATE)."""
    if org.status != Org.Status.READY:
        return None
    template = settings.CP_LOGIN_URL_TEMPLATE
    return template.replace("{slug}", org.slug).replace("{id}", org.pk)


class _OrgFields(StrictSerializer):
    """What a partner sets on an org, at creation and (these fields) by PATCH."""

    name = StrictCharField(max_length=200)
    plan = StrictCharField()
    seats = seats_field(default=1)
    external_id = StrictCharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    branding = BrandingSerializer(required=False, allow_null=True)
    metadata = MetadataField(required=False, allow_null=True)

    def validate_plan(self, plan: str) -> str:
        if plan not in settings.ORG_PLANS:
            raise serializers.ValidationError(
                f"Unknown plan. Plans: {', '.join(settings.ORG_PLANS)}."
            )
        return plan

    def validate_external_id(self, external_id: str | None) -> str:
        return external_id or ""

    def validate_branding(self, branding: dict | None) -> dict:
        return dict(branding or {})

    def validate_metadata(self, metadata: dict | None) -> dict:
        return metadata or {}


class OrgCreateSerializer(_OrgFields):
    slug = StrictCharField(max_length=63)
    ttl_seconds = StrictIntegerField(required=False, allow_null=True, min_value=1)
    billing_channel = serializers.ChoiceField(
        choices=BillingChannel.choices, default=BillingChannel.DIRECT
    )
    sandbox = StrictBooleanField(default=False)

    def validate_slug(self, slug: str) -> str:
        if not SLUG_PATTERN.match(slug):
            raise serializers.ValidationError(
                "3 to 63 characters of a-z, 0-9 and '-', not starting or ending with '-'."
            )
        return slug

    def validate_ttl_seconds(self, ttl: int | None) -> int | None:
        if ttl is not None and ttl > settings.ORG_MAX_TTL_SECONDS:
            raise serializers.ValidationError(
                f"Must be at most {settings.ORG_MAX_TTL_SECONDS} seconds."
            )
        return ttl

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


class OrgSerializer(serializers.ModelSerializer):
    partner = serializers.CharField(source="partner.slug", default=None, read_only=True)
    partner_id = serializers.CharField(read_only=True)
    error = serializers.CharField(default=None, read_only=True)
    login_url = serializers.SerializerMethodField()

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

    def get_login_url(self, org: Org) -> str | None:
        return login_url(org)

    def to_representation(self, org: Org) -> dict:
        data = super().to_representation(org)
        data["error"] = org.error or None
        data["branding"] = branding_json(org.branding)
        return data


class OrgFilters(QueryFilters):
    """`GET /cp/orgs?status=ready,failed&external_id=…`."""

    status = StrictCharField(required=False, allow_blank=True)
    external_id = StrictCharField(max_length=255, required=False)

    def validate_status(self, raw: str) -> list[str] | None:
        statuses = [part.strip() for part in raw.split(",") if part.strip()]
        if set(statuses) - set(Org.Status.values):
            raise serializers.ValidationError(
                f"Unknown status. Statuses: {', '.join(Org.Status.values)}."
            )
        return statuses or None


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

    def get_token(self, workspace: Workspace) -> str:
        return self.context["token"]


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
