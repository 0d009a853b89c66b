"""Shapes of orgs, workspaces and billing in the API: strict requests, no token hashes out."""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from rest_framework import serializers

from core.serializers import StrictCharField, StrictIntegerField, StrictSerializer
from orgs.models import Org, Workspace

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$")


def login_url(org: Org) -> str | None:
    """Where the partner sends its customer, once the org is ready (CP_LOGIN_URL_TEMPLATE)."""
    if org.status != Org.Status.READY:
        return None
    template = settings.CP_LOGIN_URL_TEMPLATE
    return template.replace("{slug}", org.slug).replace("{id}", org.pk)


class OrgCreateSerializer(StrictSerializer):
    name = StrictCharField(max_length=200)
    slug = StrictCharField(max_length=63)
    plan = StrictCharField()
    external_id = StrictCharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    ttl_seconds = StrictIntegerField(required=False, allow_null=True, min_value=1)

    def validate_slug(self, slug: str) -> str:
        if not SLUG_PATTERN.match(slug):
            raise serializers.ValidationError(
                "3 to 63 characters of a-z, 0-9 and '-', not starting or ending with '-'."
            )
        return slug

    def validate_plan(self, plan: str) -> str:
        if plan not in settings.ORG_PLANS:
            raise serializers.ValidationError(
                f"Unknown plan. Plans: {', '.join(settings.ORG_PLANS)}."
            )
        return plan

    def validate_ttl_seconds(self, ttl: int | None) -> int | None:
        if ttl is not None and ttl > settings.ORG_MAX_TTL_SECONDS:
            raise serializers.ValidationError(
                f"Must be at most {settings.ORG_MAX_TTL_SECONDS} seconds."
            )
        return ttl


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
        return data


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
    """`{org_id, plan, status, …}`; status and period are null while no subscription exists."""
    subscription = getattr(org, "subscription", None)
    return {
        "org_id": org.pk,
        "plan": subscription.plan if subscription else org.plan,
        "status": subscription.status if subscription else None,
        "current_period_start": _iso(subscription.current_period_start if subscription else None),
        "current_period_end": _iso(subscription.current_period_end if subscription else None),
        "canceled_at": _iso(subscription.canceled_at if subscription else None),
    }


def _iso(value: datetime | None) -> str | None:
    return serializers.DateTimeField().to_representation(value) if value else None
