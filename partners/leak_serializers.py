"""Shapes of the two keyless leak endpoints: GitHub's report and its labels, public revocation."""

from __future__ import annotations

from rest_framework import serializers

from core.serializers import StrictCharField, StrictSerializer
from partners.leaks import FALSE_POSITIVE, MAX_PUBLIC_CREDENTIALS, TRUE_POSITIVE


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


class RevocationReceivedSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="How many credentials the request held.")
