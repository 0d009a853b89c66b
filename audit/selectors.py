"""Reads the audit app needs from other apps, through the app registry (audit imports none)."""

from __future__ import annotations

from django.apps import apps


def partner_pk(ref: str) -> str | None:
    """The id of the partner with this slug or id (the partners app's own rule), or None."""
    partner = apps.get_model("partners", "Partner").objects.by_ref(ref)
    return partner.pk if partner is not None else None
