"""Shapes of partners and keys in the API: requests are strict, responses never hold a hash."""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
)
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


# What a key's `status` says: `active`, or why it cannot authenticate.
KEY_STATUSES = ["active", "revoked", "expired", "partner_inactive"]


class PartnerKeySerializer(serializers.ModelSerializer):
    """A key as every listing shows it: never its plaintext or hash."""

    partner = serializers.CharField(
        source="partner.slug",
        default=None,
        allow_null=True,
        read_only=True,
        help_text="The partner's slug; null for a partner-less key.",
    )
    partner_id = serializers.CharField(allow_null=True, read_only=True)
    org_id = serializers.CharField(
        allow_null=True, read_only=True, help_text="The one org the key is bound to, if any."
    )
    rotated_from = serializers.CharField(
        source="rotated_from_id",
        allow_null=True,
        read_only=True,
        help_text="The key this one replaced by rotation.",
    )
    status = serializers.SerializerMethodField()
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=list(SCOPES)))

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

    @extend_schema_field(serializers.ChoiceField(choices=KEY_STATUSES))
    def get_status(self, key: PartnerKey) -> str:
        return key.status


class IssuedKeySerializer(PartnerKeySerializer):
    """A key with its plaintext: only in the 201 of create and rotate."""

    key = serializers.SerializerMethodField()

    class Meta(PartnerKeySerializer.Meta):
        fields = ["key", *PartnerKeySerializer.Meta.fields]
        read_only_fields = fields

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text="The plaintext `mol_pk_…` key, shown this once (null in an idempotent "
            "replay: revoke and re-issue a key whose plaintext was lost).",
        )
    )
    def get_key(self, key: PartnerKey) -> str:
        return self.context["plaintext"]


# validate_rate's rule, anchored and in ASCII digits, for the schema's `pattern`.
RATE_SHAPE = r"^[1-9][0-9]{0,8}/([1-9][0-9]{0,5})?[smhd]$"


@extend_schema_field({"type": "string", "enum": list(SCOPES)})
class ScopeField(StrictCharField):
    """One scope; unknown ones are refused by the list's validation, naming every known one."""


class PartnerKeyCreateSerializer(StrictSerializer):
    name = StrictCharField(max_length=200)
    scopes = serializers.ListField(child=ScopeField(), allow_empty=True, max_length=20)
    org_id = StrictCharField(
        allow_null=True,
        required=False,
        default=None,
        max_length=40,
        help_text="Bind the key to this one org (one its partner manages).",
    )
    partner = StrictCharField(
        allow_null=True,
        required=False,
        default=None,
        max_length=63,
        help_text="The partner's slug or `prt_` id; null for a partner-less key.",
    )
    expires_at = serializers.DateTimeField(allow_null=True, required=False, default=None)
    rate_limit = StrictCharField(
        allow_null=True,
        allow_blank=True,
        required=False,
        default=None,
        validators=[validate_rate, RegexValidator(RATE_SHAPE)],
        help_text="COUNT/PERIOD, e.g. `600/m`; null or empty for the plan's default.",
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
