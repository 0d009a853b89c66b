"""Writes the one audit event of a /cp/ call from its context, its credential and the response,
and (`record_event`) the events beside it about single objects the call changed.

Audit imports no domain app: who called comes from the call's credential (`core.credentials`),
what was done from the notes views left on the call context.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from audit.models import AuditEvent
from core.clientip import client_ip
from core.context import call_context, current_request
from core.credentials import ANONYMOUS, credential_of
from core.errors import PLAIN_ERRORS
from core.tokens import TOKEN_LIKE

_SECRET_NAMES = frozenset(
    {"key", "token", "plaintext", "secret", "password", "authorization", "key_hash", "token_hash"}
)
_MAX_DETAIL_STRING = 200
_MAX_DETAIL_ITEMS = 50
REDACTED = "[redacted]"


def default_action(request: HttpRequest, status_code: int) -> str:
    """An action name for calls no view named: failed auth, unknown routes, or the route name."""
    if status_code == 401:
        return "auth.failed"
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "http.not_found"
    return _viewset_action(match.func, request.method) or (
        f"{match.url_name or 'unknown'}.{(request.method or '').lower()}"
    )


# DRF's viewset action names, in the words the views use when they annotate.
_VERBS = {"retrieve": "read", "destroy": "delete", "partial_update": "update"}


def _viewset_action(view: Any, method: str | None) -> str | None:
    """`partner_key.create` for a call refused before its viewset ran (permission, 405, 429).

    A viewset whose extra actions are named otherwise in the trail says so in `audit_actions`
    (`{"billing": "billing.read"}`), so a refused call has the name an accepted one has."""
    basename = (getattr(view, "initkwargs", None) or {}).get("basename")
    actions = getattr(view, "actions", None) or {}
    if not basename or not method:
        return None
    action = actions.get(method.lower())
    if action is None:
        return f"{basename.replace('-', '_')}.{method.lower()}"
    named = getattr(getattr(view, "cls", None), "audit_actions", {}).get(action)
    return named or f"{basename.replace('-', '_')}.{_VERBS.get(action, action)}"


def actor_fields(request: HttpRequest) -> dict[str, Any]:
    """Who made this call: what its bearer token proves, else (outside /cp/) the admin user."""
    user = getattr(request, "user", None)
    # Under /cp/ only the bearer token counts: a browser's admin session proves nothing there.
    on_api = request.path.startswith("/cp/")
    if not on_api and isinstance(user, get_user_model()) and user.is_authenticated:
        return {"actor_type": AuditEvent.ActorType.ADMIN_USER, "admin_user": user.get_username()}
    credential = credential_of(request)
    actor_type = credential.actor_type
    if actor_type == ANONYMOUS and call_context(request).actor_type:
        actor_type = call_context(request).actor_type  # a verified signer, a public reporter
    fields: dict[str, Any] = {"actor_type": actor_type}
    if credential.key_hint:
        fields["key_hint"] = credential.key_hint
    if credential.key_id:
        fields.update(key_id=credential.key_id, partner_id=credential.partner_id)
    return fields


def actor_label(fields: dict[str, Any]) -> str:
    """One short string for the actor (django-auditlog's `actor_email`)."""
    kind = fields["actor_type"]
    if kind == AuditEvent.ActorType.MASTER_KEY:
        return "master"
    return fields.get("key_id") or fields.get("admin_user") or kind


def safe_text(value: str, limit: int = 300) -> str:
    """A path or user agent as stored: token-like strings redacted, NULs dropped, truncated."""
    return TOKEN_LIKE.sub(REDACTED, value.replace("\x00", ""))[:limit]


def safe_details(value: Any) -> Any:
    """Small, secret-free details: token-like strings and secret-named fields are redacted."""
    if isinstance(value, dict):
        return {
            str(k): REDACTED if str(k).lower() in _SECRET_NAMES else safe_details(v)
            for k, v in list(value.items())[:_MAX_DETAIL_ITEMS]
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        return [safe_details(v) for v in list(value)[:_MAX_DETAIL_ITEMS]]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return TOKEN_LIKE.sub(REDACTED, str(value))[:_MAX_DETAIL_STRING]


def record_call(request: HttpRequest, response: HttpResponse) -> AuditEvent:
    """Insert the event for this call; the caller decides which transaction it joins."""
    context = call_context(request)
    details = dict(context.details)
    if response.status_code >= 400:
        details.setdefault("error", _error_code(response))
    actor = actor_fields(request)
    if not actor.get("partner_id") and context.target_partner_id:
        actor["partner_id"] = context.target_partner_id
    event = AuditEvent(
        request_id=context.request_id,
        action=(context.action or default_action(request, response.status_code))[:64],
        target_type=context.target_type[:32],
        target_id=context.target_id[:40],
        method=(request.method or "")[:10],  # the column holds 10: a longer method (a 405) is cut
        path=safe_text(request.path),
        status_code=response.status_code,
        ip=client_ip(request),
        user_agent=safe_text(request.META.get("HTTP_USER_AGENT", "")),
        details=safe_details(details),
        **actor,
    )
    event.append()
    return event


def record_event(
    *,
    action: str,
    actor_type: str,
    target_type: str,
    target_id: str,
    partner_id: str = "",
    key_id: str = "",
    key_hint: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """An event beside the call's own, about one object the call changed (a key a leak report
    revoked), so that object's partner finds it in its trail. It carries the current request's id,
    method, path and client; it has no status (the call's own event has it)."""
    request = current_request()
    event = AuditEvent(
        actor_type=actor_type,
        action=action[:64],
        target_type=target_type[:32],
        target_id=target_id[:40],
        partner_id=partner_id,
        key_id=key_id,
        key_hint=key_hint,
        details=safe_details(details or {}),
    )
    if request is not None:
        event.request_id = call_context(request).request_id
        event.method = request.method or ""
        event.path = safe_text(request.path)
        event.ip = client_ip(request)
        event.user_agent = safe_text(request.META.get("HTTP_USER_AGENT", ""))
    event.append()
    return event


def _error_code(response: HttpResponse) -> str:
    """The envelope's error code, from a DRF response or a plain JSON one (middleware errors)."""
    data = getattr(response, "data", None)
    if data is None and not response.streaming and _is_json(response):
        try:
            data = json.loads(response.content)
        except ValueError:
            data = None
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return str(data["error"].get("code", ""))
    # Django's own error pages: CPJsonErrorsMiddleware turns them into these codes on the way out.
    return PLAIN_ERRORS.get(min(response.status_code, 500), ("", ""))[0]


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")
