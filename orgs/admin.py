"""Read-mostly screens for orgs, workspaces and subscriptions: the API and the worker change them.

The fields are read-only: an org's lifecycle runs through the API and the provisioning worker; an
org's page adds only "retry provisioning" and "deprovision" (`orgs.admin_actions`). A workspace
token's hash is never shown.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from orgs.admin_actions import OrgLifecycleActions
from orgs.models import Org, Subscription, Workspace


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only: every field shown read-only, no add, change or delete."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*self.get_fields(request, obj)]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class WorkspaceInline(admin.TabularInline):
    model = Workspace
    fields = ["id", "name", "token_hint", "is_default", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SubscriptionInline(admin.StackedInline):
    model = Subscription
    fields = ["plan", "status", "current_period_start", "current_period_end", "canceled_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Org)
class OrgAdmin(OrgLifecycleActions, ReadOnlyAdmin):
    change_form_template = "admin/orgs/org/change_form.html"
    list_display = ["slug", "name", "status", "plan", "partner", "external_id", "created_at"]
    list_filter = ["status", "partner", "plan"]
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
        "external_id",
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
    list_display = ["org", "plan", "status", "current_period_start", "current_period_end"]
    list_select_related = ["org"]
    list_filter = ["status", "plan"]
    search_fields = ["org__slug", "=org__id", "org__external_id"]
    fields = [
        "org",
        "plan",
        "status",
        "current_period_start",
        "current_period_end",
        "canceled_at",
    ]
