"""The call context: everything one request carries through the layers, typed, in one place.

`RequestIdMiddleware` puts a `CallContext` on every request (`request.cp`) and makes the request the
current one (a context variable) for code that has no request at hand: django-auditlog's
correlation id and the admin-change receiver. Views, the authentication class and the limits note
on it what the audit event of the call will say.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

if TYPE_CHECKING:
    from core.credentials import Credential
    from core.ratelimit import Usage


@dataclass
class CallContext:
    """One request's state: its id, who is calling, what its audit event will say, its limits."""

    request_id: str
    credential: Credential | None = None  # the one credential check's answer, once made
    # Who called when no credential names them: a verified signer (GitHub) or a public reporter.
    actor_type: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    target_partner_id: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    rate_limit: Usage | None = None
    rate_limit_unavailable: bool = False
    database_unavailable: bool = False  # the call failed for want of the database (logged once)

    def annotate(
        self,
        *,
        action: str | None = None,
        target: Any = None,
        target_type: str | None = None,
        target_id: str | None = None,
        actor_type: str | None = None,
        **details: Any,
    ) -> None:
        """Note the action, target (a model instance, or type and id), actor and details."""
        if action:
            self.action = action
        if actor_type:
            self.actor_type = actor_type
        if target is not None:
            self.target_type = target._meta.model_name
            self.target_id = str(target.pk)
            self.target_partner_id = getattr(target, "audit_partner_id", None) or ""
        if target_type:
            self.target_type = target_type
        if target_id:
            self.target_id = target_id
        self.details.update(details)


class _CPHttpRequest(HttpRequest):
    cp: CallContext


_current_request: ContextVar[HttpRequest | None] = ContextVar("cp_request", default=None)


def django_request(request: Any) -> HttpRequest:
    """DRF's Request wraps Django's; the context always lives on the Django one."""
    return getattr(request, "_request", request)


def call_context(request: Any) -> CallContext:
    """The request's context; a request that never passed the middleware gets an empty one."""
    plain: _CPHttpRequest = django_request(request)  # type: ignore[assignment]
    if "cp" not in plain.__dict__:
        plain.cp = CallContext(request_id="")
    return plain.cp


def annotate(request: Any, **notes: Any) -> None:
    """Shorthand for `call_context(request).annotate(...)`."""
    call_context(request).annotate(**notes)


@contextmanager
def bound(request: HttpRequest, request_id: str) -> Iterator[CallContext]:
    """Give `request` its context and make it the current request until the block ends."""
    plain: _CPHttpRequest = request  # type: ignore[assignment]
    plain.cp = CallContext(request_id=request_id)
    token = _current_request.set(request)
    try:
        yield plain.cp
    finally:
        _current_request.reset(token)


def current_request() -> HttpRequest | None:
    return _current_request.get()


def current_request_id() -> str | None:
    """django-auditlog's correlation id getter (AUDITLOG_CID_GETTER)."""
    request = current_request()
    return call_context(request).request_id if request is not None else None
