"""Links from other apps' admin pages to the audit trail of one object (a key, an org, …)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Model
from django.urls import reverse
from django.utils.html import format_html


def events_url(obj: Model) -> str:
    """The audit changelist filtered to `obj`: a key's own calls, a partner's trail, or a target."""
    name = obj._meta.model_name
    param = {"partnerkey": "key", "partner": "partner"}.get(name, "target")
    return f"{reverse('admin:audit_auditevent_changelist')}?{urlencode({param: obj.pk})}"


def events_link(obj: Model, label: str = "Audit events") -> str:
    """An HTML link for a `readonly_fields` entry or a `list_display` column."""
    if obj is None or obj.pk is None:
        return "-"
    return format_html('<a href="{}">{}</a>', events_url(obj), label)
