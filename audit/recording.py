"""Writes the one audit event of a /cp/ call from the request, its notes and the response."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from audit.context import notes_of
from audit.models import AuditEvent


def client_ip(request: HttpRequest) -> str | None:
    """The caller's IP; X-Forwarded-For is believed only from proxies in CP_TRUSTED_PROXIES."""
    remote = request.META.get("REMOTE_ADDR") or None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and remote in settings.CP_TRUSTED_PROXIES:
        # The right-most address not added by one of our proxies is the client.
        for hop in reversed([part.strip() for part in forwarded.split(",")]):
            if hop not in settings.CP_TRUSTED_PROXIES:
                return hop if _is_ip(hop) else remote
    return remote if _is_ip(remote) else None


def _is_ip(value: str | None) -> bool:
    try:
        ipaddress.ip_address(value or "")
    except ValueError:
        return False
    return True


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
    return f"{match.url_name or 'unknown'}.{request.method.lower()}"


def _actor_fields(request: HttpRequest) -> dict:
    principal = getattr(request, "cp_principal", None)
    if principal is not None and getattr(principal, "is_master", False):
        return {"actor_type": AuditEvent.ActorType.MASTER_KEY}
    if principal is not None:
        return {
            "actor_type": AuditEvent.ActorType.PARTNER_KEY,
            "key_id": principal.id,
            "key_hint": principal.hint,
            "partner_id": principal.partner_id or "",
        }
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False) and user.pk:
        return {"actor_type": AuditEvent.ActorType.ADMIN_USER, "admin_user": user.get_username()}
    return {"actor_type": AuditEvent.ActorType.ANONYMOUS}


def record_call(request: HttpRequest, response: HttpResponse) -> AuditEvent:
    """Insert the event for this call; the caller decides which transaction it joins."""
    notes = notes_of(request)
    details = dict(notes["details"])
    if response.status_code >= 400:
        details.setdefault("error", _error_code(response))
    event = AuditEvent(
        request_id=getattr(request, "request_id", ""),
        action=notes.get("action") or default_action(request, response.status_code),
        target_type=notes.get("target_type", ""),
        target_id=notes.get("target_id", ""),
        method=request.method or "",
        path=request.path[:300],
        status_code=response.status_code,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        details=details,
        **_actor_fields(request),
    )
    if not event.key_hint and details.get("key_hint"):
        event.key_hint = details.pop("key_hint")
        event.details = details
    event.save(force_insert=True)
    return event


def _error_code(response: HttpResponse) -> str:
    data = getattr(response, "data", None)
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return str(data["error"].get("code", ""))
    return ""
