"""Field-level history (django-auditlog) tied to the call that made it.

Every request runs inside one auditlog context whose values are resolved lazily, when a LogEntry is
saved: DRF authenticates long after middleware, so the partner key or master key is only known
then. The context is entered once per request (never nested), by `FieldHistoryMiddleware`.
Changes made in the Django admin also get one `AuditEvent` each, so the trail covers them too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from auditlog.context import set_extra_data
from auditlog.signals import post_log
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from audit.models import AuditEvent
from audit.recording import actor_fields, actor_label, safe_text
from core.clientip import client_ip
from core.context import call_context, current_request

MASKED = "********"
_LOG_ACTIONS = {0: "create", 1: "update", 2: "delete"}


def mask_secret(value: str) -> str:
    """auditlog's mask for hashes: nothing of the value (its default keeps half); None stays."""
    return value if value in ("", "None") else MASKED


class FieldHistoryMiddleware:
    """Runs each request in one auditlog context; its actor is resolved when a change is logged."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        extra = {
            "actor_id": lambda: _admin_user_id(request),
            "actor_email": lambda: actor_label(actor_fields(request)),
            "additional_data": lambda: _additional_data(request),
            "remote_addr": lambda: client_ip(request),
        }
        with set_extra_data(context_data=extra):
            return self.get_response(request)


def _admin_user_id(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    if isinstance(user, get_user_model()) and user.is_authenticated:
        return user.pk
    return None


def _additional_data(request: HttpRequest) -> dict[str, Any]:
    actor = actor_fields(request)
    return {
        "request_id": call_context(request).request_id,
        "actor": {key: str(value) for key, value in actor.items() if value},
    }


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _partner_of(instance: Model) -> str:
    """The partner whose trail shows a change: the instance's own `audit_partner_id`."""
    return getattr(instance, "audit_partner_id", None) or ""


@receiver(post_log, dispatch_uid="audit.history.admin_change_event")
def admin_change_event(
    sender: type[Model], instance: Model, action: int, log_created: bool, **kwargs: Any
) -> None:
    """One AuditEvent per change made outside /cp/ (the Django admin), same transaction."""
    request = current_request()
    if not log_created or request is None or request.path.startswith("/cp/"):
        return
    changes = kwargs.get("changes") or {}
    actor = actor_fields(request)
    AuditEvent(
        request_id=call_context(request).request_id,
        action=f"{_snake(sender.__name__)}.{_LOG_ACTIONS.get(action, 'change')}",
        target_type=instance._meta.model_name or "",
        target_id=str(instance.pk),
        method=request.method or "",
        path=safe_text(request.path),
        ip=client_ip(request),
        user_agent=safe_text(request.META.get("HTTP_USER_AGENT", "")),
        details={"via": "admin", "fields": sorted(changes)},
        **{**actor, "partner_id": actor.get("partner_id") or _partner_of(instance)},
    ).append()
