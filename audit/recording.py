"""Writes the one audit event of a /cp/ call from the request, its notes and the response.

Audit never imports the partners app (cross-app imports go one way); the few facts it needs about
a bearer token (its SHA-256 is the key's stored hash, the master key is a setting) it reads through
the app registry and settings.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from audit.context import notes_of
from audit.models import AuditEvent

PARTNER_KEY_PREFIX = "mol_pk_"
# Anything that looks like a full token (not a hint: hints hold "…") never reaches the trail.
_TOKEN_PATTERN = re.compile(r"mol_[a-z]{2}_[0-9A-Za-z]{16,}")
_SECRET_NAMES = frozenset(
    {"key", "token", "plaintext", "secret", "password", "authorization", "key_hash", "token_hash"}
)
_MAX_DETAIL_STRING = 200
_MAX_DETAIL_ITEMS = 50
# Authentication already knows these tokens match no key (or, for a client past its failed-auth
# budget, refused them unread so the flood costs no query): no lookup.
_NO_SUCH_KEY = frozenset({"malformed", "unknown", "too_many_failures"})
REDACTED = "[redacted]"


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
    return _viewset_action(match.func, request.method) or (
        f"{match.url_name or 'unknown'}.{request.method.lower()}"
    )


# DRF's viewset action names, in the words the views use when they annotate.
_VERBS = {"retrieve": "read", "destroy": "delete", "partial_update": "update"}


def _viewset_action(view: Any, method: str | None) -> str | None:
    """`partner_key.create` for a call refused before its viewset ran (permission, 405, 429)."""
    basename = (getattr(view, "initkwargs", None) or {}).get("basename")
    actions = getattr(view, "actions", None) or {}
    if not basename or not method:
        return None
    action = actions.get(method.lower())
    if action is None:
        return f"{basename.replace('-', '_')}.{method.lower()}"
    return f"{basename.replace('-', '_')}.{_VERBS.get(action, action)}"


def actor_fields(request: HttpRequest) -> dict[str, Any]:
    """Who made this call: the authenticated principal, else what the bearer token proves."""
    principal = getattr(request, "cp_principal", None)
    if principal is not None and getattr(principal, "is_master", False):
        return {"actor_type": AuditEvent.ActorType.MASTER_KEY}
    if principal is not None:
        return _key_actor(principal.id, principal.hint, principal.partner_id)
    user = getattr(request, "user", None)
    # Under /cp/ only the bearer token counts: a browser's admin session proves nothing there.
    on_api = request.path.startswith("/cp/")
    if not on_api and isinstance(user, get_user_model()) and user.is_authenticated:
        return {"actor_type": AuditEvent.ActorType.ADMIN_USER, "admin_user": user.get_username()}
    return _bearer_actor(request)


def actor_label(fields: dict[str, Any]) -> str:
    """One short string for the actor (django-auditlog's `actor_email`)."""
    kind = fields["actor_type"]
    if kind == AuditEvent.ActorType.MASTER_KEY:
        return "master"
    return fields.get("key_id") or fields.get("admin_user") or kind


def _key_actor(key_id: str, hint: str, partner_id: str | None) -> dict[str, Any]:
    return {
        "actor_type": AuditEvent.ActorType.PARTNER_KEY,
        "key_id": key_id,
        "key_hint": hint,
        "partner_id": partner_id or "",
    }


def _bearer_actor(request: HttpRequest) -> dict[str, Any]:
    """A call nobody authenticated (refused key, unknown route, 413, idempotency conflict).

    A revoked or expired key still names its key; an unknown one only its hint (set by the
    authentication class when the token was well-formed); anything else no actor at all.
    """
    anonymous = {"actor_type": AuditEvent.ActorType.ANONYMOUS}
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return anonymous
    master = settings.CP_ADMIN_MASTER_KEY
    if master and hmac.compare_digest(token.encode(), master.encode()):
        return {"actor_type": AuditEvent.ActorType.MASTER_KEY}
    reason = notes_of(request)["details"].get("reason")
    if not token.startswith(PARTNER_KEY_PREFIX) or reason in _NO_SUCH_KEY:
        return anonymous
    key = (
        apps.get_model("partners", "PartnerKey")
        .objects.filter(key_hash=hashlib.sha256(token.encode()).hexdigest())
        .values("id", "hint", "partner_id")
        .first()
    )
    if key is None:
        return anonymous
    return _key_actor(key["id"], key["hint"], key["partner_id"])


def safe_text(value: str, limit: int = 300) -> str:
    """A path or user agent as stored: token-like strings redacted, NULs dropped, truncated."""
    return _TOKEN_PATTERN.sub(REDACTED, value.replace("\x00", ""))[:limit]


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
    return _TOKEN_PATTERN.sub(REDACTED, str(value))[:_MAX_DETAIL_STRING]


def record_call(request: HttpRequest, response: HttpResponse) -> AuditEvent:
    """Insert the event for this call; the caller decides which transaction it joins."""
    notes = notes_of(request)
    details = dict(notes["details"])
    hint = details.pop("key_hint", None) or ""
    if response.status_code >= 400:
        details.setdefault("error", _error_code(response))
    actor = actor_fields(request)
    if not actor.get("key_hint") and hint:
        actor["key_hint"] = hint
    if not actor.get("partner_id") and notes.get("target_partner_id"):
        actor["partner_id"] = notes["target_partner_id"]
    event = AuditEvent(
        request_id=getattr(request, "request_id", ""),
        action=(notes.get("action") or default_action(request, response.status_code))[:64],
        target_type=notes.get("target_type", "")[:32],
        target_id=notes.get("target_id", "")[:40],
        method=request.method or "",
        path=safe_text(request.path),
        status_code=response.status_code,
        ip=client_ip(request),
        user_agent=safe_text(request.META.get("HTTP_USER_AGENT", "")),
        details=safe_details(details),
        **actor,
    )
    event.save(force_insert=True)
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
    return _PLAIN_ERROR_CODES.get(response.status_code if response.status_code < 500 else 500, "")


_PLAIN_ERROR_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    500: "internal_error",
}


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")
