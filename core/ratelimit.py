"""Rate limits on the shared cache: per rotation family of keys, and per client IP for failures.

Each budget is a fixed window: a counter per (group, bucket, window), the window's end staggered
per bucket so that budgets do not all reset in the same second. On Redis (django-redis) counting a
call is **one round trip**: a Lua script increments the counter, and gives it its expiry when it
is new, atomically. Other caches (the local-memory one of `make run` and the SQLite tests, or
memcached) count with `add` then `incr`. With Redis a limit holds exactly across worker processes
and machines; the local-memory cache counts per process.

Every /cp/ limit counts here (the admin login has a sliding window of its own, core.admin_login).
django-ratelimit, which the first versions used, counts with `cache.add` then `cache.incr`: two
round trips once a window is open (and django-redis runs that `incr` as a Lua script of its own),
with no one-round-trip form, and only fixed windows; neither suits the API's hot path or the login.

When the cache is unreachable the /cp/ limits **fail open**: the call is served, the failure is
logged (`cp.ratelimit`, ERROR) and noted on the call's audit event, and the response carries
`RateLimit-Policy` but no `RateLimit` (the remaining count is unknown). Why: the cache is a
fairness control, not a security boundary for /cp/: keys carry 190+ bits of entropy and every call
is still authenticated, scoped and audited, whereas failing closed would turn a cache outage into
a full API outage for every partner. The admin login fails closed instead (see core.admin_login).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import zlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.http import HttpRequest
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import NoScriptError, RedisError

from core.clientip import client_key
from core.context import call_context, django_request
from core.errors import RateLimited

logger = logging.getLogger("cp.ratelimit")

KEY_GROUP = "cp.partner_key"
AUTH_FAILURE_GROUP = "cp.auth_failure"
# COUNT/[MULTIPLIER]PERIOD with COUNT and MULTIPLIER from 1: `0/m` and `1/0s` mean nothing.
RATE_PATTERN = re.compile(r"([1-9]\d{0,8})/([1-9]\d{0,5})?([smhd])")
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# What a cache outage raises: django-redis re-raises redis' own errors; sockets raise OSError.
CACHE_ERRORS = (RedisError, ConnectionInterrupted, OSError)

# One call counted, atomically: the counter, and its expiry the first time (ARGV[1] seconds).
_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
_COUNT_SHA = hashlib.sha1(_COUNT_SCRIPT.encode(), usedforsecurity=False).hexdigest()


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
    """A budget: the counter it spends (`bucket`), its rate, and where that rate is from."""

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


def window_of(group: str, bucket: str, period: int, now: int) -> tuple[str, int]:
    """The counter of `bucket`'s current window, and the seconds until that window ends (≥ 1)."""
    offset = zlib.crc32(bucket.encode()) % period
    end = now - (now - offset) % period + period
    return f"cp:rl:{group}:{period}:{bucket}:{end}", end - now


def spend(request: Any, budget: RateLimit, *, policy: str, group: str) -> Usage | None:
    """Count this call against `budget`: one cache round trip. None when limits are switched off.

    After a cache failure the rest of the request makes no further attempt (it would only wait for
    the same timeout again).
    """
    if not settings.RATELIMIT_ENABLE:
        return None
    plain = django_request(request)
    limit, period = parse_rate(budget.rate)
    if call_context(plain).rate_limit_unavailable:
        return Usage(policy, limit, period, None, period)
    counter, reset = window_of(group, budget.bucket, period, int(time.time()))
    try:
        used = _count(_cache(), counter, expiry=reset + 1)
    except CACHE_ERRORS as exc:
        _mark_unavailable(plain, group, exc)
        return Usage(policy, limit, period, None, period)
    return Usage(policy, limit, period, used, reset)


def peek(budget: RateLimit, *, policy: str = "key", group: str = KEY_GROUP) -> Usage | None:
    """The budget's current window, read without counting (operators' commands, tests).

    Raises the cache's error when it is unreachable: there is no call to fail open for.
    """
    if not settings.RATELIMIT_ENABLE:
        return None
    limit, period = parse_rate(budget.rate)
    counter, reset = window_of(group, budget.bucket, period, int(time.time()))
    return Usage(policy, limit, period, int(_cache().get(counter) or 0), reset)


def _count(cache: BaseCache, counter: str, *, expiry: int) -> int:
    """Add one to a window's counter and return it: the script on Redis, add/incr elsewhere."""
    if isinstance(cache, RedisCache):
        client = cache.client.get_client(write=True)
        name = cache.make_key(counter)
        try:
            return int(client.evalsha(_COUNT_SHA, 1, name, expiry))
        except NoScriptError:  # a new or restarted server: EVAL runs it and caches it there
            return int(client.eval(_COUNT_SCRIPT, 1, name, expiry))
    if cache.add(counter, 1, expiry):
        return 1
    try:
        return cache.incr(counter)
    except ValueError:  # expired between the two calls: this call opens a new count
        cache.add(counter, 1, expiry)
        return 1


def failure_refusal(request: Any) -> RateLimited | None:
    """Count a call whose credential proved nothing against its client IP; past
    CP_AUTH_FAILURE_RATE, the 429 to answer instead of its 401 (noted for headers and audit).

    Only failed calls ever look at this budget: a valid key from the same address (a tenant behind
    the same NAT) is served whatever the count.
    """
    budget = RateLimit(client_key(django_request(request)), settings.CP_AUTH_FAILURE_RATE, "ip")
    usage = spend(request, budget, policy="ip", group=AUTH_FAILURE_GROUP)
    if usage is None or not usage.exceeded:
        return None
    context = call_context(request)
    context.rate_limit = usage
    context.annotate(action="rate_limit.exceeded", policy="ip", reason="too_many_failures")
    return RateLimited(
        "Too many failed authentication attempts from this address; "
        "retry after the time in Retry-After.",
        retry_after=usage.reset,
    )


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
