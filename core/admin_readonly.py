"""Console screens that show what the API, the worker and the services write, and never edit it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class ReadOnly:
    """No add, change or delete (mix in before the ModelAdmin or inline class)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(ReadOnly):
    """An inline that lists rows: no blank forms, no delete boxes."""

    extra = 0
    can_delete = False
