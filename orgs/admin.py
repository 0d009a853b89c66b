"""Read-mostly screens for orgs, workspaces and subscriptions: the API and the worker change them.

The fields are read-only: an org's lifecycle runs through the API and the provisioning worker; an
org's page adds only "retry provisioning" and "deprovision" (`orgs.admin_actions`). A workspace
token's hash is never shown.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin_readonly import ReadOnly, ReadOnlyInline
from orgs.admin_actions import OrgLifecycleActions
from orgs.models import Org, Subscription, Workspace


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    """View-only: every field shown read-only, no add, change or delete."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*self.get_fields(request, obj)]


class WorkspaceInline(ReadOnlyInline, admin.TabularInline):
    model = Workspace
    readonly_fields = (
        "id",
        "name",
        "token_hint",
        "is_default",
        "created_at",
    )
    fields = readonly_fields
    show_change_link = True


class SeatsFilter(admin.SimpleListFilter):
    """Seats in ranges: a filter by every distinct seat count would be as long as the list."""

    title = "seats"
    parameter_name = "seats"
    RANGES = {"1": (1, 1), "2-10": (2, 10), "11-100": (11, 100), "101+": (101, None)}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, key) for key in self.RANGES]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Org]) -> QuerySet[Org]:
        value = self.value()
        if value not in self.RANGES:
            return queryset
        low, high = self.RANGES[value]
        queryset = queryset.filter(seats__gte=low)
        return queryset if high is None else queryset.filter(seats__lte=high)


# What a subscription's page and an org's subscription inline show, in this order.
SUBSCRIPTION_TERMS = (
    "plan",
    "seats",
    "status",
    "started_at",
    "current_period_start",
    "current_period_end",
    "canceled_at",
)


class SubscriptionInline(ReadOnlyInline, admin.StackedInline):
    model = Subscription
    readonly_fields = SUBSCRIPTION_TERMS
    fields = readonly_fields


@admin.register(Org)
class OrgAdmin(OrgLifecycleActions, ReadOnlyAdmin):
    change_form_template = "admin/orgs/org/change_form.html"
    list_display = [
        "slug",
        "name",
        "status",
        "plan",
        "seats",
        "billing_channel",
        "sandbox",
        "partner",
        "external_id",
        "created_at",
    ]
    list_filter = ["status", "partner", "plan", "billing_channel", "sandbox", SeatsFilter]
    list_select_related = ["partner"]
    search_fields = ["slug", "=id", "external_id", "name"]
    fields = [
        "id",
        "name",
        "slug",
        "plan",
        "status",
        "partner",
        "created_by_key",
        "managed_by",
        "external_id",
        "seats",
        "billing_channel",
        "sandbox",
        "branding",
        "metadata",
        "created_at",
        "ready_at",
        "failed_at",
        "deleting_at",
        "deleted_at",
        "expires_at",
        "error",
        "attempts",
        "lease_expires_at",
    ]
    inlines = [SubscriptionInline, WorkspaceInline]


@admin.register(Workspace)
class WorkspaceAdmin(ReadOnlyAdmin):
    list_display = ["name", "org", "token_hint", "is_default", "created_at"]
    list_select_related = ["org"]
    list_filter = ["is_default"]
    search_fields = ["name", "=id", "org__slug", "=org__id"]
    fields = ["id", "org", "name", "token_hint", "is_default", "created_at"]


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["org", "plan", "seats", "status", "current_period_start", "current_period_end"]
    list_select_related = ["org"]
    list_filter = ["status", "plan"]
    search_fields = ["org__slug", "=org__id", "org__external_id"]
    fields = ["org", *SUBSCRIPTION_TERMS]
