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
a full API outage for every partner. The admin login fails closed instead (see config.admin_login).
"""

from __future__ import annotations

import ipaddress
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

from audit.context import annotate
from audit.recording import client_ip
from config.errors import RateLimited
from partners.models import PartnerKey

logger = logging.getLogger("cp.ratelimit")

KEY_GROUP = "cp.partner_key"
AUTH_FAILURE_GROUP = "cp.auth_failure"
_BLOCKED_PREFIX = "cp:auth-blocked:"
# COUNT/[MULTIPLIER]PERIOD with COUNT and MULTIPLIER from 1: `0/m` and `1/0s` mean nothing.
_RATE = re.compile(r"([1-9]\d{0,8})/([1-9]\d{0,5})?([smhd])")
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# What a cache outage raises: django-redis re-raises redis' own errors; sockets raise OSError.
CACHE_ERRORS = (RedisError, ConnectionInterrupted, OSError)

# What get_usage answers when the cache returned no count (e.g. the counter vanished mid-way).
_COUNTER_LOST = {"count": 0, "limit": 0, "should_limit": True, "time_left": -1}
# Per-request notes, on the Django request.
_USAGE_ATTR = "cp_rate_limit_usage"
_UNAVAILABLE_ATTR = "cp_rate_limit_unavailable"


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
class KeyRate:
    rate: str
    source: str


def parse_rate(rate: str) -> tuple[int, int]:
    """`120/m`, `5/10s` → (count, seconds), the way django-ratelimit reads them."""
    match = _RATE.fullmatch(rate or "")
    if match is None:
        raise ValueError(f"not a rate: {rate!r} (use COUNT/PERIOD, e.g. 600/m)")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * _PERIODS[unit]


def rate_of(key: PartnerKey) -> KeyRate:
    """The key's own rate, else its partner plan's default, else PARTNER_KEY_DEFAULT_RATE."""
    if key.rate_limit:
        if _RATE.fullmatch(key.rate_limit):
            return KeyRate(key.rate_limit, "key")
        logger.warning(
            "Key %s has an unreadable rate_limit %r; using the default.", key.id, key.rate_limit
        )
    plan = key.partner.plan if key.partner_id else None
    if plan in settings.PARTNER_PLAN_RATES:
        return KeyRate(settings.PARTNER_PLAN_RATES[plan], f"plan {plan}")
    return KeyRate(settings.PARTNER_KEY_DEFAULT_RATE, "default")


def client_key(request: HttpRequest) -> str:
    """The client IP (trusted proxies honoured); an IPv6 client counts as its whole /64."""
    ip = client_ip(_django(request))
    if ip is None:
        return "unknown"
    if ":" in ip:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return ip


def usage_of(
    request: HttpRequest, *, policy: str, group: str, value: str, rate: str, increment: bool
) -> Usage | None:
    """Count (or only read) one request against one limit. None when limits are switched off.

    One cache round trip when the window is new (`add`), two otherwise (`add` fails, `incr`);
    a read of an existing window is `add` + `get`. After a cache failure the rest of the request
    makes no further attempt (it would only wait for the same timeout again).
    """
    django_request = _django(request)
    limit, window = parse_rate(rate)
    if getattr(django_request, _UNAVAILABLE_ATTR, False):
        return Usage(policy, limit, window, None, window)
    try:
        raw = get_usage(
            django_request, group=group, key=lambda _g, _r: value, rate=rate, increment=increment
        )
    except CACHE_ERRORS as exc:
        _mark_unavailable(django_request, group, exc)
        return Usage(policy, limit, window, None, window)
    if raw is None:
        return None
    if raw == _COUNTER_LOST:
        _mark_unavailable(django_request, group, None)
        return Usage(policy, limit, window, None, window)
    return Usage(policy, limit, window, raw["count"], max(1, raw["time_left"]))


def key_usage(request: HttpRequest, key: PartnerKey, *, increment: bool) -> Usage | None:
    """The key's usage in its own group, keyed on the key id (so a rotated key starts afresh)."""
    return usage_of(
        request,
        policy="key",
        group=KEY_GROUP,
        value=key.id,
        rate=rate_of(key).rate,
        increment=increment,
    )


def record(request: HttpRequest, usage: Usage | None) -> None:
    """Keep this request's usage so the response can carry its headers."""
    setattr(_django(request), _USAGE_ATTR, usage)


def recorded(request: HttpRequest) -> Usage | None:
    return getattr(_django(request), _USAGE_ATTR, None)


def refuse_flooding_client(request: HttpRequest) -> None:
    """Before any database work: a client past its failed-auth budget is refused with 429.

    One cache `get` of a block marker (set once the budget runs out), so well-behaved callers pay
    a single round trip and guessers pay nothing but their own wait.
    """
    if not settings.RATELIMIT_ENABLE or getattr(_django(request), _UNAVAILABLE_ATTR, False):
        return
    try:
        blocked_until = _cache().get(_BLOCKED_PREFIX + client_key(request))
    except CACHE_ERRORS as exc:
        _mark_unavailable(_django(request), AUTH_FAILURE_GROUP, exc)
        return
    retry_after = math.ceil((blocked_until or 0) - time.time())
    if retry_after <= 0:
        return
    limit, window = parse_rate(settings.CP_AUTH_FAILURE_RATE)
    record(request, Usage("ip", limit, window, limit, retry_after))
    annotate(request, action="rate_limit.exceeded", policy="ip", reason="too_many_failures")
    raise RateLimited(
        "Too many failed authentication attempts from this address; "
        "retry after the time in Retry-After.",
        retry_after=retry_after,
    )


def auth_failure_record(request: HttpRequest) -> None:
    """Count a malformed or unknown key against the client IP; block the IP once it is spent."""
    ip = client_key(request)
    usage = usage_of(
        request,
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
        _mark_unavailable(_django(request), AUTH_FAILURE_GROUP, exc)


def _mark_unavailable(request: HttpRequest, group: str, error: Any) -> None:
    """Say so loudly: log once per request and note it on the call's audit event."""
    if getattr(request, _UNAVAILABLE_ATTR, False):
        return
    setattr(request, _UNAVAILABLE_ATTR, True)
    logger.error(
        "Rate-limit cache unavailable (%s: %s) on %s %s (group %s, request %s)",
        type(error).__name__ if error else "lost counter",
        error or "the window's counter vanished",
        request.method,
        request.path,
        group,
        getattr(request, "request_id", None),
    )
    annotate(request, rate_limit="unavailable")


def _cache() -> Any:
    return caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]


def _django(request: Any) -> HttpRequest:
    """DRF's Request wraps Django's; per-request notes always go on the Django one."""
    return getattr(request, "_request", request)
