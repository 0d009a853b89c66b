"""The account team's screens for partners and their keys: every write goes through the services.

A key's plaintext exists in exactly one HTTP response (the reveal page rendered in answer to the
POST that issued or rotated it); it is never put in the session, a message or a redirect. Keys
are never deleted here: revoking is the one-way end of a key's life, kept for audit.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from core.errors import DomainError
from partners import services
from partners.forms import (
    PartnerKeyChangeForm,
    PartnerKeyIssueForm,
    PartnerKeyRotateForm,
    form_token_new,
    form_token_spend,
)
from partners.models import Partner, PartnerKey
from partners.selectors import KEY_STATUSES, partner_keys_with_status

TEMPLATES = "admin/partners/partnerkey"
FIXED_AFTER_ISSUE = (
    "Partner, org binding and scopes are fixed when a key is issued: to change them, issue a new "
    "key and revoke this one. To replace the secret, rotate."
)


def admin_actor(request: HttpRequest) -> str:
    """`admin:<username>`: who issued, rotated or revoked a key from these screens."""
    return f"admin:{request.user.get_username()}"


class PartnerKeyInline(admin.TabularInline):
    """The partner's keys, read-only: keys are issued, rotated and revoked on their own pages."""

    model = PartnerKey
    fk_name = "partner"
    fields = ["name", "hint", "scopes", "status", "last_used_at", "expires_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="status")
    def status(self, key: PartnerKey) -> str:
        return key.status


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "plan", "active", "key_count", "created_at"]
    list_filter = ["plan", "active"]
    search_fields = ["name", "slug", "=id"]
    readonly_fields = ["id", "created_at", "deactivated_at"]
    actions = ["deactivate_partners", "activate_partners"]
    inlines = [PartnerKeyInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Partner]:
        return super().get_queryset(request).annotate(key_count=Count("keys"))

    def get_inlines(self, request: HttpRequest, obj: Partner | None = None) -> list:
        return self.inlines if obj else []

    def get_fields(self, request: HttpRequest, obj: Partner | None = None) -> list[str]:
        if obj is None:
            return ["name", "slug", "plan"]
        return ["id", "name", "slug", "plan", "active", "created_at", "deactivated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Partner | None = None) -> list[str]:
        # The slug is how API callers name a partner: it does not change.
        return [*self.readonly_fields, "slug"] if obj else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="keys", ordering="key_count")
    def key_count(self, partner: Partner) -> int:
        return partner.key_count

    def save_model(self, request: HttpRequest, obj: Partner, form: Any, change: bool) -> None:
        if not change:
            created = services.partner_create(name=obj.name, slug=obj.slug, plan=obj.plan)
            obj.pk, obj.created_at = created.pk, created.created_at
            obj._state.adding, obj._state.db = False, created._state.db
            return
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f != "slug"}
        # Compare against the stored row: the form has already written its values onto `obj`.
        stored = Partner.objects.select_for_update().get(pk=obj.pk)
        services.partner_update(partner=stored, **changes)
        obj.deactivated_at = stored.deactivated_at

    def _set_active(self, request: HttpRequest, queryset: QuerySet[Partner], active: bool) -> int:
        ids = list(queryset.values_list("pk", flat=True))  # the changelist's query has a GROUP BY
        with transaction.atomic():
            locked = Partner.objects.select_for_update().filter(pk__in=ids)
            changed = [p for p in locked if p.active != active]
            for partner in changed:
                services.partner_update(partner=partner, active=active)
        return len(changed)

    @admin.action(description="Deactivate selected partners (their keys stop working at once)")
    def deactivate_partners(self, request: HttpRequest, queryset: QuerySet[Partner]) -> None:
        count = self._set_active(request, queryset, active=False)
        self.message_user(request, f"Deactivated {count} partner(s): their keys are now refused.")

    @admin.action(description="Activate selected partners")
    def activate_partners(self, request: HttpRequest, queryset: QuerySet[Partner]) -> None:
        count = self._set_active(request, queryset, active=True)
        self.message_user(request, f"Activated {count} partner(s).")


class KeyStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(status, status.replace("_", " ")) for status in KEY_STATUSES]

    def queryset(self, request: HttpRequest, queryset: QuerySet[PartnerKey]) -> QuerySet:
        if self.value() in KEY_STATUSES:
            return partner_keys_with_status(queryset, self.value())
        return queryset


@admin.register(PartnerKey)
class PartnerKeyAdmin(admin.ModelAdmin):
    form = PartnerKeyChangeForm
    exclude = ["key_hash"]
    list_display = [
        "name",
        "hint",
        "partner",
        "scope_list",
        "status",
        "last_used_at",
        "expires_at",
        "created_at",
    ]
    list_select_related = ["partner"]
    list_filter = [KeyStatusFilter, "partner"]
    search_fields = ["name", "hint", "=id", "partner__slug", "partner__name", "created_by"]
    readonly_fields = [
        "id",
        "hint",
        "status",
        "partner",
        "org",
        "scope_list",
        "expires_at",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "revoked_by",
        "rotated_from",
    ]
    fieldsets = [
        (None, {"fields": ["id", "name", "hint", "status"]}),
        ("What the key may do", {"fields": ["partner", "org", "scope_list"]}),
        ("Limits", {"fields": ["rate_limit", "expires_at"]}),
        (
            "History",
            {"fields": ["created_at", "created_by", "last_used_at", "revoked_at", "revoked_by"]},
        ),
        (None, {"fields": ["rotated_from"]}),
    ]
    actions = ["revoke_selected"]

    def get_fieldsets(self, request: HttpRequest, obj: PartnerKey | None = None) -> list:
        fieldsets = [(name, dict(options)) for name, options in self.fieldsets]
        fieldsets[1][1]["description"] = FIXED_AFTER_ISSUE
        return fieldsets

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PartnerKey | None = None) -> bool:
        # A revoked key is history: viewable, no longer editable.
        if obj is not None and obj.revoked_at is not None:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description="scopes")
    def scope_list(self, key: PartnerKey) -> str:
        return ", ".join(key.scopes) or "—"

    @admin.display(description="status")
    def status(self, key: PartnerKey) -> str:
        return key.status

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("<path:object_id>/rotate/", wrap(self.rotate_view), name=f"{name}_rotate"),
            path("<path:object_id>/revoke/", wrap(self.revoke_view), name=f"{name}_revoke"),
            *super().get_urls(),
        ]

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **extra}

    def _change_url(self, key: PartnerKey) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[key.pk])

    def _reveal(self, request: HttpRequest, issued: services.IssuedKey, **extra: Any) -> Any:
        """The one response that holds the plaintext; admin views are already `never_cache`."""
        context = self._context(
            request, "Copy the new key now", key=issued.key, plaintext=issued.plaintext, **extra
        )
        response = TemplateResponse(request, f"{TEMPLATES}/reveal.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def _already_used(self, request: HttpRequest, url: str) -> HttpResponse:
        self.message_user(
            request,
            "This form was already submitted, so nothing was issued again. A key is shown only "
            "once: if it was lost, revoke it and issue a new one.",
            messages.WARNING,
        )
        return HttpResponseRedirect(url)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> Any:
        """Issue a key through `partner_key_issue` and answer the POST with the reveal page."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            form = PartnerKeyIssueForm(initial={"once": form_token_new(request)})
        else:
            form = PartnerKeyIssueForm(request.POST)
            if form.is_valid() and form.validated is not None:
                if not form_token_spend(request, form.cleaned_data["once"]):
                    return self._already_used(request, reverse("admin:partners_partnerkey_add"))
                with transaction.atomic():
                    issued = services.partner_key_issue(
                        **form.validated, created_by=admin_actor(request)
                    )
                    self.log_addition(request, issued.key, [{"added": {}}])
                return self._reveal(request, issued, action="issued")
        context = self._context(request, "Issue a partner key", form=form)
        return TemplateResponse(request, f"{TEMPLATES}/issue_form.html", context)

    def rotate_view(self, request: HttpRequest, object_id: str) -> Any:
        key = get_object_or_404(PartnerKey, pk=object_id)
        if not self.has_change_permission(request, key):
            raise PermissionDenied
        if request.method != "POST":
            grace = settings.PARTNER_KEY_ROTATION_GRACE_SECONDS
            form = PartnerKeyRotateForm(
                initial={"once": form_token_new(request), "grace_seconds": grace}
            )
        else:
            form = PartnerKeyRotateForm(request.POST)
            if form.is_valid() and form.validated is not None:
                if not form_token_spend(request, form.cleaned_data["once"]):
                    return self._already_used(request, self._change_url(key))
                grace = form.validated["grace_seconds"]
                try:
                    with transaction.atomic():
                        issued = services.partner_key_rotate(
                            key=key, grace_seconds=grace, rotated_by=admin_actor(request)
                        )
                        self.log_change(request, key, f"Rotated to {issued.key.pk}.")
                        self.log_addition(request, issued.key, [{"added": {}}])
                except DomainError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                    return HttpResponseRedirect(self._change_url(key))
                key.refresh_from_db()
                return self._reveal(request, issued, action="rotated", old=key)
        context = self._context(request, f"Rotate {key}", key=key, form=form)
        return TemplateResponse(request, f"{TEMPLATES}/rotate_confirmation.html", context)

    def revoke_view(self, request: HttpRequest, object_id: str) -> Any:
        key = get_object_or_404(PartnerKey, pk=object_id)
        if not super().has_change_permission(request, key):
            raise PermissionDenied
        if request.method == "POST":
            self._revoke(request, [key])
            return HttpResponseRedirect(self._change_url(key))
        context = self._context(request, f"Revoke {key}", keys=[key])
        return TemplateResponse(request, f"{TEMPLATES}/revoke_confirmation.html", context)

    def _revoke(self, request: HttpRequest, keys: list[PartnerKey]) -> None:
        with transaction.atomic():
            locked = PartnerKey.objects.select_for_update().in_bulk([key.pk for key in keys])
            already = sum(1 for key in locked.values() if key.revoked_at is not None)
            for key in locked.values():
                if key.revoked_at is None:
                    services.partner_key_revoke(key=key, revoked_by=admin_actor(request))
                    self.log_change(request, key, "Revoked.")
        revoked = len(locked) - already
        note = f" ({already} already revoked)" if already else ""
        self.message_user(request, f"Revoked {revoked} key(s){note}; they are refused from now on.")

    @admin.action(description="Revoke selected keys (one-way)")
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[PartnerKey]) -> Any:
        """Asks for confirmation first, like Django's own delete action."""
        keys = list(queryset.select_related("partner"))
        if request.POST.get("confirm") == "yes":
            self._revoke(request, keys)
            return None
        context = self._context(request, "Revoke keys", keys=keys, bulk=True)
        return TemplateResponse(request, f"{TEMPLATES}/revoke_confirmation.html", context)
