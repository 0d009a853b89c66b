"""The per-key limit on the /cp/ hot path, the per-IP limit of endpoints that take no key, and the
rate-limit headers on every limited response.

DRF runs authentication, then permissions (scopes), then throttles, then the view: a call refused
for scope does not spend the key's budget, but it still carries the headers (read, not counted).
A principal without a budget (the master key) is not limited: it is the operators' own credential,
and an incident must never lock them out of the API they use to stop it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework.throttling import BaseThrottle

from core import ratelimit
from core.clientip import client_key
from core.context import call_context
from core.credentials import credential_of

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class PrincipalRateThrottle(BaseThrottle):
    """Counts the call against its principal's budget (group `cp.partner_key`); 429 past it."""

    reset: int | None = None  # DRF makes one throttle per call: the window's reset, once refused

    def allow_request(self, request: Request, view: APIView) -> bool:
        principal = credential_of(request).principal
        limit = principal.budget() if principal is not None else None
        if limit is None:
            return True
        context = call_context(request)
        context.rate_limit = usage = ratelimit.key_usage(request, limit, increment=True)
        if usage is not None and usage.exceeded:
            context.annotate(action="rate_limit.exceeded", policy="key", rate=limit.rate)
            self.reset = usage.reset
            return False
        return True

    def wait(self) -> float | None:
        """Seconds until the window resets: DRF raises `Throttled(wait)`, answered as 429."""
        return self.reset


class IPLimitedView(Protocol):
    ip_rate_group: str  # the counter group, e.g. `cp.public_revoke`
    ip_rate_setting: str  # the setting that holds the rate, e.g. `CP_PUBLIC_REVOKE_RATE`


class ClientIPRateThrottle(BaseThrottle):
    """For endpoints anyone may call without a key: counts the call against its client IP.

    The view names its own counter group (`ip_rate_group`, e.g. `cp.public_revoke`) and the setting
    that holds its rate (`ip_rate_setting`), so these limits share no budget with any other. Like
    the key limits it fails open when the cache is unreachable.
    """

    reset: int | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        limited = cast(IPLimitedView, view)
        rate: str = getattr(settings, limited.ip_rate_setting)
        context = call_context(request)
        context.rate_limit = usage = ratelimit.usage_of(
            request,
            policy="ip",
            group=limited.ip_rate_group,
            value=client_key(request),
            rate=rate,
            increment=True,
        )
        if usage is not None and usage.exceeded:
            context.annotate(action="rate_limit.exceeded", policy="ip", rate=rate)
            self.reset = usage.reset
            return False
        return True

    def wait(self) -> float | None:
        return self.reset


class RateLimitHeadersMiddleware:
    """Adds `RateLimit-Policy` and `RateLimit` to every response answered for a limited principal.

    Sits outside CPCallMiddleware, so the headers are set after the call's transaction has ended and
    are never stored with an idempotent response (a replay would carry stale numbers).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        context = call_context(request)
        usage = context.rate_limit
        principal = context.credential.principal if context.credential else None
        limit = principal.budget() if principal is not None else None
        if usage is None and limit is not None:
            usage = ratelimit.key_usage(request, limit, increment=False)
        if usage is not None:
            for header, value in usage.headers().items():
                response[header] = value
        return response
