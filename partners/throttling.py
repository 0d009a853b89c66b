"""The per-key limit on the /cp/ hot path, and the rate-limit headers on every partner-key response.

DRF runs authentication, then permissions (scopes), then throttles, then the view: a call refused
for scope does not spend the key's budget, but it still carries the headers (read, not counted).
The master key is not limited per key: it is the operators' own credential, and an incident must
never lock them out of the API they use to stop it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from rest_framework.throttling import BaseThrottle

from audit.context import annotate
from config.errors import RateLimited
from partners import ratelimit
from partners.models import PartnerKey

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class PartnerKeyRateThrottle(BaseThrottle):
    """Counts the call against its key (django-ratelimit, group `cp.partner_key`); 429 past it."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        key = request.auth
        if not isinstance(key, PartnerKey):
            return True
        usage = ratelimit.key_usage(request, key, increment=True)
        ratelimit.record(request, usage)
        if usage is not None and usage.exceeded:
            annotate(
                request,
                action="rate_limit.exceeded",
                policy="key",
                rate=ratelimit.rate_of(key).rate,
            )
            raise RateLimited(retry_after=usage.reset)
        return True


class RateLimitHeadersMiddleware:
    """Adds `RateLimit-Policy` and `RateLimit` to every response answered for a partner key.

    Sits outside CPCallMiddleware, so the headers are set after the call's transaction has ended and
    are never stored with an idempotent response (a replay would carry stale numbers).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        usage = ratelimit.recorded(request)
        key = getattr(request, "cp_principal", None)
        if usage is None and isinstance(key, PartnerKey):
            usage = ratelimit.key_usage(request, key, increment=False)
        if usage is not None:
            for header, value in usage.headers().items():
                response[header] = value
        return response
