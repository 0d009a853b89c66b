"""The key list and a key's page: state, lineage, and only the buttons that apply.

Keys are never deleted here: revoking is the one-way end of a key's life, kept for audit.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import SEARCH_VAR
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from core import tokens
from partners.admin.display import key_link, key_state_badge, muted, short_datetime, time_ago
from partners.admin.filters import KeyStateFilter, ScopeFilter
from partners.admin.key_views import PartnerKeyViews
from partners.forms import PartnerKeyChangeForm
from partners.models import (
    REVOCABLE_STATES,
    ROTATABLE_STATES,
    KeyState,
    PartnerKey,
    PartnerKeyQuerySet,
)
from partners.selectors import partner_keys_matching_plaintext

FIXED_AFTER_ISSUE = (
    "Partner, org binding and scopes are fixed when a key is issued: to change them, issue a new "
    "key and revoke this one. To replace the secret, rotate."
)
SEARCH_HELP = (
    "Key id, name, hint (mol_pk_1a2b…9xyz) or partner. To find a leaked key, paste the whole key: "
    "it is hashed to find its key, never stored, logged or shown."
)


@admin.register(PartnerKey)
class PartnerKeyAdmin(PartnerKeyViews):
    form = PartnerKeyChangeForm
    exclude = ["key_hash"]
    list_display = [
        "name_and_hint",
        "partner_slug",
        "scope_chips",
        "state",
        "last_used",
        "expires",
        "created",
    ]
    list_display_links = ["name_and_hint"]
    list_select_related = ["partner"]
    list_filter = [KeyStateFilter, "partner", ScopeFilter]
    search_fields = ["=id", "name", "hint", "partner__slug", "partner__name", "created_by"]
    search_help_text = SEARCH_HELP
    readonly_fields = [
        "id",
        "hint",
        "state",
        "partner",
        "org",
        "scope_list",
        "expires_at",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "revoked_by",
        "rotated_from_key",
        "rotated_to_key",
        "rotation_chain",
    ]
    fieldsets = [
        (None, {"fields": ["id", "name", "hint", "state"]}),
        ("What the key may do", {"fields": ["partner", "org", "scope_list"]}),
        ("Limits", {"fields": ["rate_limit", "expires_at"]}),
        ("Lineage", {"fields": ["rotated_from_key", "rotated_to_key", "rotation_chain"]}),
        (
            "History",
            {"fields": ["created_at", "created_by", "last_used_at", "revoked_at", "revoked_by"]},
        ),
    ]
    actions = ["revoke_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PartnerKey]:
        return cast(PartnerKeyQuerySet, super().get_queryset(request)).with_successor()

    def get_fieldsets(self, request: HttpRequest, obj: PartnerKey | None = None) -> list:
        fieldsets = [(name, dict(options)) for name, options in self.fieldsets]
        fieldsets[1][1]["description"] = FIXED_AFTER_ISSUE
        if obj is not None and obj.rotated_from_id is None and obj.successor_id is None:
            fieldsets = [(n, o) for n, o in fieldsets if n != "Lineage"]
        return fieldsets

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PartnerKey | None = None) -> bool:
        # A revoked key is history: viewable, no longer editable.
        if obj is not None and obj.revoked_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[PartnerKey], search_term: str
    ) -> tuple[QuerySet[PartnerKey], bool]:
        """A whole pasted key is matched by its hash; anything else shaped like a key matches
        nothing (a secret is never compared as text); other terms search as usual."""
        found = partner_keys_matching_plaintext(queryset, search_term)
        if found is not None:
            return found, False
        if tokens.TOKEN_LIKE.search(search_term):
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """A key pasted into a bookmarked or typed URL is answered with the list by key id."""
        if tokens.TOKEN_LIKE.search(request.GET.get(SEARCH_VAR, "")):
            return self._search_redirect(request, request.GET.copy())
        return super().changelist_view(request, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        key = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if key is not None:
            state = key.state()
            extra["can_rotate"] = state in ROTATABLE_STATES and self.has_rotate_permission(
                request, key
            )
            extra["can_revoke"] = state in REVOCABLE_STATES and self.has_revoke_permission(
                request, key
            )
        return super().change_view(request, object_id, form_url, extra)

    # --- columns and fields -----------------------------------------------------------------------

    @admin.display(description="key", ordering="name")
    def name_and_hint(self, key: PartnerKey) -> SafeString:
        return format_html('{}<br><code class="cp-hint">{}</code>', key.name, key.hint)

    @admin.display(description="partner", ordering="partner__slug")
    def partner_slug(self, key: PartnerKey) -> str:
        return key.partner.slug if key.partner else "—"

    @admin.display(description="scopes")
    def scope_chips(self, key: PartnerKey) -> SafeString:
        if not key.scopes:
            return muted("none")
        return format_html_join(" ", '<span class="cp-chip">{}</span>', ((s,) for s in key.scopes))

    @admin.display(description="scopes")
    def scope_list(self, key: PartnerKey) -> str:
        return ", ".join(key.scopes) or "none: the key may only list its partner's keys"

    @admin.display(description="state")
    def state(self, key: PartnerKey) -> SafeString:
        return key_state_badge(key)

    @admin.display(description="last used", ordering="last_used_at")
    def last_used(self, key: PartnerKey) -> SafeString:
        return time_ago(key.last_used_at)

    @admin.display(description="expires", ordering="expires_at")
    def expires(self, key: PartnerKey) -> SafeString:
        if key.expires_at is None:
            return muted("never")
        return format_html("{}", short_datetime(key.expires_at))

    @admin.display(description="created", ordering="id")
    def created(self, key: PartnerKey) -> SafeString:
        when = short_datetime(key.created_at)
        return format_html('<span title="{} UTC">{}</span>', when, when[:10])

    @admin.display(description="rotated from")
    def rotated_from_key(self, key: PartnerKey) -> SafeString | str:
        old = key.rotated_from
        if old is None:
            return "— (the first key of its chain)"
        return format_html("{} {}", key_link(old), key_state_badge(old))

    @admin.display(description="rotated to")
    def rotated_to_key(self, key: PartnerKey) -> SafeString | str:
        new_id = key.successor_id
        if new_id is None:
            return "— (not rotated)"
        new = PartnerKey.objects.with_successor().select_related("partner").get(pk=new_id)
        if key.state() == KeyState.IN_GRACE:
            ending = (
                f"This key keeps working until {short_datetime(key.expires_at)} UTC, then stops"
            )
        elif key.revoked_at is not None:
            ending = f"This key was revoked {short_datetime(key.revoked_at)} UTC"
        else:
            ending = f"This key's grace ended {short_datetime(key.expires_at)} UTC"
        return format_html(
            "{} {}, issued {} UTC. {}.",
            key_link(new),
            key_state_badge(new),
            short_datetime(new.created_at),
            ending,
        )

    @admin.display(description="rotation chain")
    def rotation_chain(self, key: PartnerKey) -> SafeString:
        count = PartnerKey.objects.filter(family_id=key.family_id).count()
        url = reverse("admin:partners_partnerkey_changelist")
        return format_html(
            '<a href="{}?{}">All {} keys of this chain</a>',
            url,
            urlencode({"family_id": key.family_id}),
            count,
        )
