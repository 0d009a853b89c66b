"""The account team's forms for issuing and rotating keys, validated by the API's serializers.

The forms only collect input: validation is delegated to `partners.serializers`, so the admin, the
commands and the API accept and refuse exactly the same things.
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest
from rest_framework import serializers

from partners.models import SCOPES, Partner, PartnerKey
from partners.serializers import PartnerKeyCreateSerializer, RotateSerializer

# Session key of the one-time tokens that stop a reloaded form from issuing a second key.
FORM_TOKENS_SESSION_KEY = "partner_key_form_tokens"
FORM_TOKENS_KEPT = 20


def form_token_new(request: HttpRequest) -> str:
    """A one-time token for an issue/rotate form (not a secret: it only marks the form as used)."""
    token = secrets.token_urlsafe(16)
    tokens = request.session.get(FORM_TOKENS_SESSION_KEY, [])[-(FORM_TOKENS_KEPT - 1) :]
    request.session[FORM_TOKENS_SESSION_KEY] = [*tokens, token]
    return token


def form_token_spend(request: HttpRequest, token: str) -> bool:
    """True the first time `token` is spent; a reload or double submit gets False."""
    tokens = request.session.get(FORM_TOKENS_SESSION_KEY, [])
    if token not in tokens:
        return False
    tokens.remove(token)
    request.session[FORM_TOKENS_SESSION_KEY] = tokens
    return True


def validate_with(
    form: forms.Form, serializer_class: type[serializers.Serializer], payload: dict
) -> dict | None:
    """Run the API's serializer on `payload`; its errors become the form's errors."""
    serializer = serializer_class(data=payload)
    if serializer.is_valid():
        return serializer.validated_data
    for field, errors in serializer.errors.items():
        target = field if field in form.fields else None
        for error in errors if isinstance(errors, list) else [errors]:
            form.add_error(target, str(error))
    return None


NO_SCOPES = (
    "A key with no scopes can only list its partner's keys and rotate or revoke itself: it cannot "
    "create or read orgs. Tick the scopes it needs, or confirm below that this is what you want."
)


class PartnerKeyIssueForm(forms.Form):
    once = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField(
        max_length=200, help_text="Who or what uses the key, e.g. acme-ci-pipeline."
    )
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.order_by("name"),
        required=False,
        help_text="Empty: a partner-less key, which manages only the orgs it creates itself.",
    )
    scopes = forms.MultipleChoiceField(
        choices=[(scope, f"{scope}: {grants}") for scope, grants in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Fixed once issued: to change them, issue a new key and revoke this one.",
    )
    no_scopes = forms.BooleanField(
        label="Issue it with no scopes",
        required=False,
        help_text="Only for a key that must do nothing but list its partner's keys.",
    )
    org_id = forms.CharField(
        label="Org binding",
        required=False,
        help_text="An org_… id: the key then sees only this org, which its partner must manage.",
    )
    expires_at = forms.DateTimeField(
        label="Expires at (UTC)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Empty: the key never expires.",
    )
    rate_limit = forms.CharField(required=False, max_length=32)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "rate_limit"
        ].help_text = (
            f"COUNT/PERIOD, e.g. 600/m. Empty: the default ({settings.PARTNER_KEY_DEFAULT_RATE})."
        )
        # The confirmation appears only once a form came back without scopes.
        if not self.is_bound or self.data.get("scopes"):
            del self.fields["no_scopes"]
        self.validated: dict | None = None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "scopes" not in self.errors and not data.get("scopes") and not data.get("no_scopes"):
            self.add_error("scopes", NO_SCOPES)
        if self.errors:
            return data
        expires_at = data.get("expires_at")
        self.validated = validate_with(
            self,
            PartnerKeyCreateSerializer,
            {
                "name": data["name"],
                "scopes": list(data["scopes"]),
                "partner": data["partner"].pk if data.get("partner") else None,
                "org_id": data.get("org_id") or None,
                "expires_at": expires_at.isoformat() if expires_at else None,
                "rate_limit": data.get("rate_limit") or None,
            },
        )
        return data


class PartnerKeyRotateForm(forms.Form):
    validated: dict | None = None
    once = forms.CharField(widget=forms.HiddenInput)
    grace_seconds = forms.IntegerField(
        min_value=0,
        help_text="How long the old key keeps working, in seconds (86400 = one day). "
        "0 revokes it at once.",
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.errors:
            payload = {"grace_seconds": data["grace_seconds"]}
            self.validated = validate_with(self, RotateSerializer, payload)
        return data


class PartnerKeyChangeForm(forms.ModelForm):
    """After issue only the label and the rate limit change (validated by the model's fields)."""

    class Meta:
        model = PartnerKey
        fields = ["name", "rate_limit"]
