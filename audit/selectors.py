"""Reads the audit app needs from other apps, through the app registry (audit imports neither)."""

from __future__ import annotations

from django.apps import apps
from django.db.models import Q


def partner_pk(ref: str) -> str | None:
    """The id of the partner with this slug or id, or None."""
    return (
        apps.get_model("partners", "Partner")
        .objects.filter(Q(pk=ref) | Q(slug=ref))
        .values_list("pk", flat=True)
        .first()
    )
