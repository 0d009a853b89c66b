"""The account team's read-only view of the audit trail: filter, search by request id, read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from audit.models import AuditEvent
from audit.selectors import partner_pk


class InputFilter(admin.SimpleListFilter):
    """A free-text filter (ids are too many to list as choices)."""

    template = "admin/audit/input_filter.html"
    placeholder = ""

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return []

    def has_output(self) -> bool:
        return True

    # Our template reads other keys than Django's filter choices have.
    def choices(self, changelist: Any) -> Iterator[dict[str, Any]]:  # type: ignore[override]
        hidden = [
            (name, value)
            for name, values in changelist.params.items()
            if name not in (self.parameter_name, "p")
            for value in (values if isinstance(values, list) else [values])
        ]
        yield {
            "parameter": self.parameter_name,
            "value": self.value(),
            "placeholder": self.placeholder,
            "hidden": hidden,
            "clear_url": changelist.get_query_string(remove=[self.parameter_name]),
        }


class KeyFilter(InputFilter):
    title = "key"
    parameter_name = "key"
    placeholder = "pak_…"

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = (self.value() or "").strip()
        return queryset.filter(key_id=value) if value else queryset


class PartnerFilter(InputFilter):
    title = "partner"
    parameter_name = "partner"
    placeholder = "slug or prt_…"

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = (self.value() or "").strip()
        if not value:
            return queryset
        return queryset.filter(partner_id=partner_pk(value) or value)


class TargetFilter(InputFilter):
    title = "target id"
    parameter_name = "target"
    placeholder = "org_…, pak_…"

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = (self.value() or "").strip()
        return queryset.filter(target_id=value) if value else queryset


class ActionFilter(InputFilter):
    title = "action"
    parameter_name = "action"
    placeholder = "org.create"

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = (self.value() or "").strip()
        return queryset.filter(action=value) if value else queryset


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"
    _CLASSES = {"2xx": (200, 300), "4xx": (400, 500), "5xx": (500, 600)}

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        exact = [(str(code), str(code)) for code in (401, 403, 404, 409, 422, 429)]
        return [(name, name) for name in self._CLASSES] + exact

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value in self._CLASSES:
            low, high = self._CLASSES[value]
            return queryset.filter(status_code__gte=low, status_code__lt=high)
        if value and value.isdigit():
            return queryset.filter(status_code=int(value))
        return queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: nobody adds, changes or deletes an event here (only `prune_audit` deletes)."""

    list_display = (
        "occurred_at",
        "action",
        "status_code",
        "actor",
        "target",
        "method",
        "path",
        "request_id",
    )
    list_filter = (
        KeyFilter,
        PartnerFilter,
        ActionFilter,
        TargetFilter,
        StatusFilter,
        "actor_type",
        ("occurred_at", admin.DateFieldListFilter),
    )
    search_fields = ("request_id",)
    search_help_text = "Exact request id (req_…) or event id (evt_…)."
    ordering = ("-id",)
    show_full_result_count = False
    list_per_page = 50

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """Exact, indexed matches only (the default icontains would scan the whole trail)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(request_id=term) | Q(pk=term)), False

    @admin.display(description="actor")
    def actor(self, event: AuditEvent) -> str:
        who = event.key_id or event.admin_user or ""
        return f"{event.actor_type} {who}".strip()

    @admin.display(description="target")
    def target(self, event: AuditEvent) -> str:
        return f"{event.target_type} {event.target_id}".strip()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
