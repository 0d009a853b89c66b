"""The key list's filters: by state (the same rule as the badge) and by scope."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from partners.models import SCOPES, KeyState, PartnerKey, PartnerKeyQuerySet
from partners.selectors import partner_keys_in_state, partner_keys_with_scope


class KeyStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(KeyState.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[PartnerKey]) -> QuerySet:
        if self.value() in KeyState.values:
            return partner_keys_in_state(cast(PartnerKeyQuerySet, queryset), str(self.value()))
        return queryset


class ScopeFilter(admin.SimpleListFilter):
    title = "scope"
    parameter_name = "scope"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(scope, scope) for scope in SCOPES]

    def queryset(self, request: HttpRequest, queryset: QuerySet[PartnerKey]) -> QuerySet:
        if self.value() in SCOPES:
            return partner_keys_with_scope(queryset, str(self.value()))
        return queryset
