"""How keys look on the account team's screens: state badges, short dates, links by quoted id."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.admin.utils import quote
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from partners.models import KeyState, PartnerKey

SHORT_DATETIME = "%Y-%m-%d %H:%M"
JUST_NOW = timedelta(minutes=1)


def admin_actor(request: HttpRequest) -> str:
    """`admin:<username>`: who issued, rotated or revoked a key from these screens."""
    return f"admin:{request.user.get_username()}"


def short_datetime(value: datetime | None, empty: str = "—") -> str:
    """`2025-12-01 08:41` in the site's time zone (UTC): fits a list column, sorts as it reads."""
    return timezone.localtime(value).strftime(SHORT_DATETIME) if value else empty


def muted(text: str) -> SafeString:
    """A quiet word for an empty cell: `never`, `none`."""
    return format_html('<span class="cp-muted">{}</span>', text)


def time_ago(value: datetime | None) -> SafeString:
    """`5 minutes ago` (the exact time in its tooltip), or `never`."""
    if value is None:
        return muted("never")
    ago = "just now" if timezone.now() - value < JUST_NOW else f"{timesince(value, depth=1)} ago"
    return format_html('<span title="{} UTC">{}</span>', short_datetime(value), ago)


def badge(kind: str, label: str, title: str = "") -> SafeString:
    """A coloured label (styles in core/static/core/console.css, one class per state)."""
    return format_html(
        '<span class="cp-badge cp-badge-{}" title="{}">{}</span>', kind, title, label
    )


# Badges are short (the key list must fit 1280 px); their tooltip and the filter say it whole.
BADGE_LABELS = {KeyState.EXPIRING: "expiring", KeyState.IN_GRACE: "in grace"}
STATE_MEANINGS = {
    KeyState.ACTIVE: "Works.",
    KeyState.EXPIRING: "Expires within 7 days.",
    KeyState.IN_GRACE: "Rotated: keeps working until its grace deadline, then stops.",
    KeyState.REVOKED: "Refused: revoked for good.",
    KeyState.EXPIRED: "Refused: its expiry has passed.",
    KeyState.PARTNER_INACTIVE: "Refused while its partner is deactivated.",
}


def key_state_badge(key: PartnerKey) -> SafeString:
    """The key's `state()` as a badge; its tooltip says what that means, and until when."""
    state = key.state()
    title = STATE_MEANINGS[state]
    if state in (KeyState.IN_GRACE, KeyState.EXPIRING):
        title += f" Works until {short_datetime(key.expires_at)} UTC."
    return badge(state.value, BADGE_LABELS.get(state, state.label), title)


def key_change_url(key_id: str) -> str:
    """A key's page; the admin quotes ids in URLs (`_` becomes `_5F`), so must every link."""
    return reverse("admin:partners_partnerkey_change", args=[quote(key_id)])


def key_link(key: PartnerKey) -> SafeString:
    return format_html(
        '<a href="{}">{}</a> <code>{}</code>', key_change_url(key.pk), key.pk, key.hint
    )
