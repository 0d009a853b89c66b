"""Shapes of partners and keys in the API: requests are strict, responses never hold a hash."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from core.serializers import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
)
from partners.leaks import FALSE_POSITIVE, MAX_PUBLIC_CREDENTIALS, TRUE_POSITIVE
from partners.models import (
    PARTNER_SLUG_VALIDATORS,
    SCOPES,
    Partner,
    PartnerKey,
    bindable_org,
    validate_rate,
)


class PartnerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Partner
        fields = ["id", "name", "slug", "plan", "active", "created_at", "deactivated_at"]
        read_only_fields = fields


class PartnerCreateSerializer(StrictSerializer):
    name = StrictCharField(max_length=200)
    slug = StrictCharField(max_length=63, validators=PARTNER_SLUG_VALIDATORS)
    plan = serializers.ChoiceField(choices=Partner.Plan.choices, default=Partner.Plan.PARTNER)


class PartnerUpdateSerializer(StrictSerializer):
    name = StrictCharField(max_length=200, required=False)
    plan = serializers.ChoiceField(choices=Partner.Plan.choices, required=False)
    active = StrictBooleanField(required=False)


class PartnerKeySerializer(serializers.ModelSerializer):
    partner = serializers.CharField(source="partner.slug", default=None, read_only=True)
    partner_id = serializers.CharField(read_only=True)
    org_id = serializers.CharField(read_only=True)
    rotated_from = serializers.CharField(source="rotated_from_id", read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = PartnerKey
        fields = [
            "id",
            "name",
            "hint",
            "status",
            "scopes",
            "partner",
            "partner_id",
            "org_id",
            "rate_limit",
            "expires_at",
            "created_at",
            "created_by",
            "revoked_at",
            "revoked_by",
            "last_used_at",
            "rotated_from",
        ]
        read_only_fields = fields

    def get_status(self, key: PartnerKey) -> str:
        return key.status


class IssuedKeySerializer(PartnerKeySerializer):
    """A key with its plaintext: only in the 201 of create and rotate."""

    key = serializers.SerializerMethodField()

    class Meta(PartnerKeySerializer.Meta):
        fields = ["key", *PartnerKeySerializer.Meta.fields]
        read_only_fields = fields

    def get_key(self, key: PartnerKey) -> str:
        return self.context["plaintext"]


class PartnerKeyCreateSerializer(StrictSerializer):
    name = StrictCharField(max_length=200)
    scopes = serializers.ListField(child=StrictCharField(), allow_empty=True, max_length=20)
    org_id = StrictCharField(allow_null=True, required=False, default=None)
    partner = StrictCharField(allow_null=True, required=False, default=None)
    expires_at = serializers.DateTimeField(allow_null=True, required=False, default=None)
    rate_limit = StrictCharField(
        allow_null=True, allow_blank=True, required=False, default=None, validators=[validate_rate]
    )

    def validate_rate_limit(self, value: str | None) -> str:
        return value or ""

    def validate_scopes(self, scopes: list[str]) -> list[str]:
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(SCOPES)}."
            )
        return scopes

    def validate_partner(self, ref: str | None) -> Partner | None:
        if ref is None:
            return None
        partner = Partner.objects.by_ref(ref)
        if partner is None:
            raise serializers.ValidationError(f"No partner {ref!r}.")
        return partner

    def validate(self, data: dict) -> dict:
        """An org binding must name an org the key's partner manages (or any, partner-less)."""
        org_id = data.get("org_id")
        if org_id is not None and bindable_org(org_id, data.get("partner")) is None:
            raise serializers.ValidationError({"org_id": [f"No org {org_id!r} to bind to."]})
        return data

    def validate_expires_at(self, value: Any) -> Any:
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("Must be in the future.")
        return value


class RotateSerializer(StrictSerializer):
    grace_seconds = StrictIntegerField(min_value=0, max_value=30 * 86400, required=False)


class LeakReportSerializer(serializers.Serializer):
    """One match of GitHub's secret scanning report. Types are strict; fields GitHub may add later
    are ignored rather than refused (GitHub owns this format, and a refusal would lose reports)."""

    token = StrictCharField(allow_blank=True, trim_whitespace=False)
    type = StrictCharField(allow_blank=True, trim_whitespace=False)
    url = StrictCharField(allow_blank=True, allow_null=True, required=False, trim_whitespace=False)
    # `source` and `label` (below) are GitHub's names; DRF keeps declared fields apart from the
    # Field attributes of the same names, which only the type stubs confuse.
    source = StrictCharField(  # type: ignore[assignment]
        allow_blank=True, allow_null=True, required=False, trim_whitespace=False
    )


class LeakLabelSerializer(serializers.Serializer):
    """Our answer for one match: its token's SHA-256, its type as reported, and the verdict."""

    token_hash = serializers.CharField()
    token_type = serializers.CharField()
    label = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[TRUE_POSITIVE, FALSE_POSITIVE]
    )


class PublicRevokeSerializer(StrictSerializer):
    credentials = serializers.ListField(
        child=StrictCharField(allow_blank=True, trim_whitespace=False),
        max_length=MAX_PUBLIC_CREDENTIALS,
    )
