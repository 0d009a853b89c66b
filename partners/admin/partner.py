"""The partner screens: create and (de)activate through the services; a partner's keys and orgs.

Orgs are read through the `orgs` reverse relation and the admin's URL names: the partners app
imports nothing of the orgs app.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from core.admin_readonly import ReadOnlyInline
from core.errors import DomainError
from partners import services
from partners.admin.display import key_state_badge, short_datetime
from partners.models import Partner, PartnerKey, PartnerKeyQuerySet

ORGS_SHOWN = 10


class PartnerKeyInline(ReadOnlyInline, admin.TabularInline):
    """The partner's keys, read-only: keys are issued, rotated and revoked on their own pages."""

    model = PartnerKey
    fk_name = "partner"
    readonly_fields = (
        "name",
        "hint",
        "scope_list",
        "state",
        "last_used",
        "expires",
    )
    fields = readonly_fields
    show_change_link = True
    verbose_name_plural = "keys"

    def get_queryset(self, request: HttpRequest) -> QuerySet[PartnerKey]:
        return cast(PartnerKeyQuerySet, super().get_queryset(request)).with_successor()

    @admin.display(description="scopes")
    def scope_list(self, key: PartnerKey) -> str:
        return ", ".join(key.scopes) or "none"

    @admin.display(description="state")
    def state(self, key: PartnerKey) -> SafeString:
        return key_state_badge(key)

    @admin.display(description="last used")
    def last_used(self, key: PartnerKey) -> str:
        return short_datetime(key.last_used_at, "never")

    @admin.display(description="expires")
    def expires(self, key: PartnerKey) -> str:
        return short_datetime(key.expires_at, "never")


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    change_form_template = "admin/partners/partner/change_form.html"
    list_display = ["name", "slug", "plan", "active", "key_count", "created_at"]
    list_filter = ["plan", "active"]
    search_fields = ["name", "slug", "=id"]
    readonly_fields = ["id", "created_at", "deactivated_at", "org_list"]
    actions = ["deactivate_partners", "activate_partners"]
    inlines = [PartnerKeyInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Partner]:
        return super().get_queryset(request).annotate(key_count=Count("keys"))

    def get_inlines(self, request: HttpRequest, obj: Partner | None = None) -> list:
        return self.inlines if obj else []

    def get_fields(self, request: HttpRequest, obj: Partner | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("name", "slug", "plan")
        return ("id", "name", "slug", "plan", "active", "created_at", "deactivated_at", "org_list")

    def get_readonly_fields(self, request: HttpRequest, obj: Partner | None = None) -> list[str]:
        # The slug is how API callers name a partner: it does not change.
        return [*self.readonly_fields, "slug"] if obj else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="keys", ordering="key_count")
    def key_count(self, partner: Partner) -> int:
        return int(getattr(partner, "key_count", 0))  # annotated by get_queryset

    @admin.display(description="orgs")
    def org_list(self, partner: Partner) -> SafeString:
        """The partner's newest orgs with their status, and a link to all of them."""
        orgs = partner.orgs  # the orgs app's reverse relation
        all_url = (
            reverse("admin:orgs_org_changelist")
            + "?"
            + urlencode({"partner__id__exact": partner.pk})
        )
        rows = [
            {
                "org": org,
                "url": reverse("admin:orgs_org_change", args=[quote(org.pk)]),
                "created": short_datetime(org.created_at),
            }
            for org in orgs.order_by("-id")[:ORGS_SHOWN]
        ]
        context = {"rows": rows, "total": orgs.count(), "all_url": all_url}
        return mark_safe(render_to_string("admin/partners/partner/_orgs.html", context))  # noqa: S308

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        """A service's refusal (a slug taken by a concurrent create) is a message, not a 500;
        Django's own transaction around the form has rolled everything back by then."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def response_add(
        self, request: HttpRequest, obj: Partner, post_url_continue: Any = None
    ) -> HttpResponse:
        """After "Save", the new partner's page: its next step is a key."""
        if "_addanother" in request.POST or "_continue" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(
            request,
            f"Partner {obj} created. Next: issue it a key (button above).",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:partners_partner_change", args=[quote(obj.pk)]))

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
