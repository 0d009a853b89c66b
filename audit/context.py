"""What the current call has told the audit trail about itself: actor, action, target, details.

Views and the authentication class annotate the Django request; the middleware turns the notes into
one `AuditEvent`. Context variables carry the request and its id to django-auditlog (the id is its
correlation id), so field-level history made anywhere in the call can be tied back to it.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest

_current_request_id: ContextVar[str | None] = ContextVar("cp_request_id", default=None)
_current_request: ContextVar[HttpRequest | None] = ContextVar("cp_request", default=None)


def bind_request_id(request_id: str | None) -> object:
    return _current_request_id.set(request_id)


def unbind_request_id(token: object) -> None:
    _current_request_id.reset(token)  # type: ignore[arg-type]


def current_request_id() -> str | None:
    """django-auditlog's correlation id getter (AUDITLOG_CID_GETTER)."""
    return _current_request_id.get()


def bind_request(request: HttpRequest) -> tuple[object, object]:
    """Make `request` (and its id) the current one until `unbind_request`."""
    return _current_request.set(request), bind_request_id(getattr(request, "request_id", None))


def unbind_request(tokens: tuple[object, object]) -> None:
    request_token, id_token = tokens
    unbind_request_id(id_token)
    _current_request.reset(request_token)  # type: ignore[arg-type]


def current_request() -> HttpRequest | None:
    return _current_request.get()


def _django_request(request: Any) -> HttpRequest:
    """A DRF Request wraps the Django one; notes always go on the Django request."""
    return getattr(request, "_request", request)


def _partner_of(target: Any) -> str | None:
    """The partner a target belongs to, so that partner's trail shows what was done to it."""
    if target._meta.model_name == "partner":
        return str(target.pk)
    return getattr(target, "partner_id", None)


def annotate(
    request: Any,
    *,
    action: str | None = None,
    target: Any = None,
    target_type: str | None = None,
    target_id: str | None = None,
    **details: Any,
) -> None:
    """Note the action, target (a model instance, or type and id) and details of this call."""
    notes = _django_request(request).__dict__.setdefault("audit_notes", {"details": {}})
    if action:
        notes["action"] = action
    if target is not None:
        notes["target_type"] = target._meta.model_name
        notes["target_id"] = str(target.pk)
        notes["target_partner_id"] = _partner_of(target)
    if target_type:
        notes["target_type"] = target_type
    if target_id:
        notes["target_id"] = target_id
    notes["details"].update(details)


def set_principal(request: Any, principal: Any) -> None:
    """Note who is calling (a partner key or the master key) once authentication knows."""
    _django_request(request).cp_principal = principal


def notes_of(request: HttpRequest) -> dict:
    return request.__dict__.get("audit_notes", {"details": {}})
