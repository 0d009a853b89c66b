"""The per-principal limit on the /cp/ hot path, the per-IP limit of endpoints that take no key,
and the rate-limit headers on limited responses.

Every call of a valid key counts once against its budget (one Redis round trip), in the
authentication step: before scopes, so a call refused for scope or permission counts too (a buggy
integration cannot write audit rows without limit), and before the idempotency claim, so replays
and idempotency conflicts count and carry the headers. `charge` remembers that it counted, so the
layers that call it (idempotency, DRF authentication, the headers middleware) count a call once.

A principal without a budget (the master key) is not limited: it is the operators' own credential,
and an incident must never lock them out of the API they use to stop it. It costs no round trip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework.throttling import BaseThrottle

from core import ratelimit
from core.clientip import client_key
from core.context import call_context, django_request
from core.credentials import credential_of
from core.errors import RateLimited

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


def charge(request: Any) -> RateLimited | None:
    """Count the call against its principal's budget, once; the 429 to answer when it is past it."""
    context = call_context(request)
    if context.rate_limit is not None:
        return None
    principal = credential_of(request).principal
    budget = principal.budget() if principal is not None else None
    if budget is None:
        return None
    usage = ratelimit.spend(request, budget, policy="key", group=ratelimit.KEY_GROUP)
    context.rate_limit = usage
    if usage is None or not usage.exceeded:
        return None
    context.annotate(action="rate_limit.exceeded", policy="key", rate=budget.rate)
    return RateLimited(retry_after=usage.reset)


class IPLimitedView(Protocol):
    ip_rate_group: str  # the counter group, e.g. `cp.public_revoke`
    ip_rate_setting: str  # the setting that holds the rate, e.g. `CP_PUBLIC_REVOKE_RATE`


class ClientIPRateThrottle(BaseThrottle):
    """For endpoints anyone may call without a key: counts the call against its client IP.

    The view names its own counter group (`ip_rate_group`) and the setting that holds its rate
    (`ip_rate_setting`), so these limits share no budget with any other. One round trip, and like
    the key limits it fails open when the cache is unreachable.
    """

    reset: int | None = None  # DRF makes one throttle per call: the window's reset, once refused

    def allow_request(self, request: Request, view: APIView) -> bool:
        limited = cast(IPLimitedView, view)
        rate: str = getattr(settings, limited.ip_rate_setting)
        budget = ratelimit.RateLimit(client_key(django_request(request)), rate, "ip")
        context = call_context(request)
        context.rate_limit = usage = ratelimit.spend(
            request, budget, policy="ip", group=limited.ip_rate_group
        )
        if usage is not None and usage.exceeded:
            context.annotate(action="rate_limit.exceeded", policy="ip", rate=rate)
            self.reset = usage.reset
            return False
        return True

    def wait(self) -> float | None:
        """Seconds until the window resets: DRF raises `Throttled(wait)`, answered as 429."""
        return self.reset


class RateLimitHeadersMiddleware:
    """Adds `RateLimit-Policy` and `RateLimit` to every response answered for a limited principal.

    Sits outside CPCallMiddleware, so the headers are set after the call's transaction has ended and
    are never stored with an idempotent response (a replay carries its own numbers), and outside
    CPJsonErrorsMiddleware, so the JSON envelope it puts in place of Django's own error pages keeps
    them. A call of a valid key that reached no view (an unknown /cp/ route, a body over the size
    limit) is counted here, after the fact.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        context = call_context(request)
        if context.credential is not None and context.credential.principal is not None:
            charge(request)
        if context.rate_limit is not None:
            for header, value in context.rate_limit.headers().items():
                response[header] = value
        return response
