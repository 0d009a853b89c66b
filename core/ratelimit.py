"""Rate limits on the shared cache: per partner key, and per client IP for failed authentication.

Counting is django-ratelimit's fixed window (`cache.add`, then an atomic `incr`), so with Redis as
the cache a limit holds exactly across worker processes and machines. Every counter lives in a
group of its own (`cp.partner_key`, `cp.auth_failure`, `admin.login.*`), so limits never share
a budget.

When the cache is unreachable the /cp/ limits **fail open**: the call is served, the failure is
logged (`cp.ratelimit`, ERROR) and noted on the call's audit event, and the response carries
`RateLimit-Policy` but no `RateLimit` (the remaining count is unknown). Why: the cache is a
fairness control, not a security boundary for /cp/: keys carry 190+ bits of entropy and every call
is still authenticated, scoped and audited, whereas failing closed would turn a cache outage into
a full API outage for every partner. The admin login fails closed instead (see core.admin_login).
"""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

from core.clientip import client_key
from core.context import call_context, django_request
from core.errors import RateLimited

logger = logging.getLogger("cp.ratelimit")

KEY_GROUP = "cp.partner_key"
AUTH_FAILURE_GROUP = "cp.auth_failure"
_BLOCKED_PREFIX = "cp:auth-blocked:"
# COUNT/[MULTIPLIER]PERIOD with COUNT and MULTIPLIER from 1: `0/m` and `1/0s` mean nothing.
RATE_PATTERN = re.compile(r"([1-9]\d{0,8})/([1-9]\d{0,5})?([smhd])")
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# What a cache outage raises: django-redis re-raises redis' own errors; sockets raise OSError.
CACHE_ERRORS = (RedisError, ConnectionInterrupted, OSError)

# What get_usage answers when the cache returned no count (e.g. the counter vanished mid-way).
_COUNTER_LOST = {"count": 0, "limit": 0, "should_limit": True, "time_left": -1}


@dataclass(frozen=True)
class Usage:
    """One limit's state for the current window; `used` is None when the cache is unreachable."""

    policy: str
    limit: int
    window: int
    used: int | None
    reset: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit - (self.used or 0))

    @property
    def exceeded(self) -> bool:
        return self.used is not None and self.used > self.limit

    def headers(self) -> dict[str, str]:
        """draft-ietf-httpapi-ratelimit-headers, structured form."""
        headers = {"RateLimit-Policy": f'"{self.policy}";q={self.limit};w={self.window}'}
        if self.used is not None:
            headers["RateLimit"] = f'"{self.policy}";r={self.remaining};t={self.reset}'
        return headers


@dataclass(frozen=True)
class RateLimit:
    """A principal's budget: the counter it spends (`bucket`), its rate, and where that is from."""

    bucket: str
    rate: str
    source: str


def is_rate(rate: str) -> bool:
    return RATE_PATTERN.fullmatch(rate or "") is not None


def parse_rate(rate: str) -> tuple[int, int]:
    """`120/m`, `5/10s` → (count, seconds), the way django-ratelimit reads them."""
    match = RATE_PATTERN.fullmatch(rate or "")
    if match is None:
        raise ValueError(f"not a rate: {rate!r} (use COUNT/PERIOD, e.g. 600/m)")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * _PERIODS[unit]


def usage_of(
    request: Any, *, policy: str, group: str, value: str, rate: str, increment: bool
) -> Usage | None:
    """Count (or only read) one request against one limit. None when limits are switched off.

    One cache round trip when the window is new (`add`), two otherwise (`add` fails, `incr`);
    a read of an existing window is `add` + `get`. After a cache failure the rest of the request
    makes no further attempt (it would only wait for the same timeout again).
    """
    plain = django_request(request)
    limit, window = parse_rate(rate)
    if call_context(plain).rate_limit_unavailable:
        return Usage(policy, limit, window, None, window)
    try:
        raw = get_usage(
            plain, group=group, key=lambda _g, _r: value, rate=rate, increment=increment
        )
    except CACHE_ERRORS as exc:
        _mark_unavailable(plain, group, exc)
        return Usage(policy, limit, window, None, window)
    if raw is None:
        return None
    if raw == _COUNTER_LOST:
        _mark_unavailable(plain, group, None)
        return Usage(policy, limit, window, None, window)
    return Usage(policy, limit, window, raw["count"], max(1, raw["time_left"]))


def key_usage(request: Any, limit: RateLimit, *, increment: bool) -> Usage | None:
    """A principal's usage in the key group, counted on its bucket."""
    return usage_of(
        request,
        policy="key",
        group=KEY_GROUP,
        value=limit.bucket,
        rate=limit.rate,
        increment=increment,
    )


def flood_wait(request: HttpRequest) -> int:
    """Seconds this client stays blocked for failed authentications (0: not blocked).

    One cache `get` of a block marker (set once the budget runs out), so well-behaved callers pay
    a single round trip and guessers pay nothing but their own wait.
    """
    if not settings.RATELIMIT_ENABLE or call_context(request).rate_limit_unavailable:
        return 0
    try:
        blocked_until = _cache().get(_BLOCKED_PREFIX + client_key(request))
    except CACHE_ERRORS as exc:
        _mark_unavailable(request, AUTH_FAILURE_GROUP, exc)
        return 0
    return max(0, math.ceil((blocked_until or 0) - time.time()))


def flood_refusal(request: Any, retry_after: int) -> RateLimited:
    """The 429 for a client past its failed-auth budget, noted for the headers and the audit."""
    context = call_context(request)
    limit, window = parse_rate(settings.CP_AUTH_FAILURE_RATE)
    context.rate_limit = Usage("ip", limit, window, limit, retry_after)
    context.annotate(action="rate_limit.exceeded", policy="ip", reason="too_many_failures")
    return RateLimited(
        "Too many failed authentication attempts from this address; "
        "retry after the time in Retry-After.",
        retry_after=retry_after,
    )


def auth_failure_record(request: Any) -> None:
    """Count a malformed or unknown key against the client IP; block the IP once it is spent."""
    plain = django_request(request)
    ip = client_key(plain)
    usage = usage_of(
        plain,
        policy="ip",
        group=AUTH_FAILURE_GROUP,
        value=ip,
        rate=settings.CP_AUTH_FAILURE_RATE,
        increment=True,
    )
    if usage is None or usage.used is None or usage.used < usage.limit:
        return
    try:
        _cache().set(_BLOCKED_PREFIX + ip, time.time() + usage.reset, timeout=usage.reset + 1)
    except CACHE_ERRORS as exc:
        _mark_unavailable(plain, AUTH_FAILURE_GROUP, exc)


def _mark_unavailable(request: HttpRequest, group: str, error: Any) -> None:
    """Say so loudly: log once per request and note it on the call's audit event."""
    context = call_context(request)
    if context.rate_limit_unavailable:
        return
    context.rate_limit_unavailable = True
    logger.error(
        "Rate-limit cache unavailable (%s: %s) on %s %s (group %s, request %s)",
        type(error).__name__ if error else "lost counter",
        error or "the window's counter vanished",
        request.method,
        request.path,
        group,
        context.request_id,
    )
    context.annotate(rate_limit="unavailable")


def _cache() -> Any:
    return caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
