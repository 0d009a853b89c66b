"""The Django admin's login, limited per client IP and per username, counting failed sign-ins only.

Each POST reserves a place in both limits before any password is checked (an atomic `incr`, so
concurrent guesses cannot all slip in), and gives it back when it was refused or signed in: only
failed password checks stay counted. Once a lock runs out the right password works, however often
a guesser knocked in the meantime.

The window slides (the two-window estimate): the count is this window's failures plus the previous
window's, weighted by how much of that window still lies in the last `period` seconds, so failures
bunched on either side of a window boundary still add up.

Unlike /cp/, this limit **fails closed**: when the cache is unreachable nobody can sign in (503,
logged). It is the only thing between a password guesser and staff accounts, the admin is an
internal tool that can wait for the cache, and operators keep the API and its master key.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import LoginView
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _

from core.clientip import client_key
from core.ratelimit import CACHE_ERRORS, parse_rate

logger = logging.getLogger("cp.ratelimit")


class RefusedLoginForm(AdminAuthenticationForm):
    """The admin's login form, refusing before any password is checked."""

    def __init__(self, *args: Any, refusal: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refusal = refusal

    def clean(self) -> dict[str, Any]:
        raise ValidationError(self.refusal, code="rate_limited")


@dataclass(frozen=True)
class Place:
    """One reserved place in one limit: the counter it took, and the count it saw."""

    key: str
    previous: int
    current: int
    elapsed: float
    limit: int
    period: int

    @property
    def refused(self) -> bool:
        """Whether the estimate, this attempt included, is over the limit."""
        weight = 1 - self.elapsed / self.period
        return self.previous * weight + self.current > self.limit

    def retry_after(self) -> int:
        """Seconds until one more attempt fits, if no failure comes meanwhile."""
        room = self.limit - 1  # the estimate at which one more attempt fits
        previous, current = self.previous, self.current - 1  # without the refused attempt
        if current <= room:  # the previous window's share decays enough within this window
            wait = self.period * (1 - (room - current) / previous) - self.elapsed
        else:  # only in the next window, as this window's share decays
            wait = self.period - self.elapsed + self.period * (1 - room / current)
        return max(1, math.ceil(wait))


def admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponseBase:
    """admin.site.login, inside the per-IP and per-username limits on failed sign-ins."""
    if request.method != "POST":
        return admin.site.login(request, extra_context)
    try:
        places = _reserve(request)
    except CACHE_ERRORS:
        logger.error("Admin sign-in refused: the rate limiter is unavailable (fail closed).")
        return _refused(request, 503, _UNAVAILABLE, 30)
    refused = [place for place in places if place.refused]
    if refused:
        _give_back(places)
        wait = max(place.retry_after() for place in refused)
        return _refused(request, 429, _TOO_MANY.format(seconds=wait), wait)
    response = admin.site.login(request, extra_context)
    if request.user.is_authenticated:
        _give_back(places)  # a sign-in is no failure
    return response


def _reserve(request: HttpRequest) -> list[Place]:
    username = request.POST.get("username", "").strip().casefold()
    limits = [("ip", client_key(request), settings.ADMIN_LOGIN_IP_RATE)]
    if username:
        limits.append(("username", username, settings.ADMIN_LOGIN_USERNAME_RATE))
    return [_take(policy, value, rate) for policy, value, rate in limits]


def _take(policy: str, value: str, rate: str) -> Place:
    limit, period = parse_rate(rate)
    now = time.time()
    window = int(now // period)
    stem = f"cp:admin-login:{policy}:{hashlib.sha256(value.encode()).hexdigest()[:32]}:"
    cache = caches["default"]
    cache.add(stem + str(window), 0, timeout=2 * period + 1)
    try:
        current = cache.incr(stem + str(window))
    except ValueError:  # the counter expired between add and incr
        cache.set(stem + str(window), current := 1, timeout=2 * period + 1)
    previous = cache.get(stem + str(window - 1)) or 0
    return Place(stem + str(window), previous, current, now - window * period, limit, period)


def _give_back(places: list[Place]) -> None:
    cache = caches["default"]
    for place in places:
        with contextlib.suppress(ValueError, *CACHE_ERRORS):  # expired or unreachable: gone anyway
            cache.decr(place.key)


_TOO_MANY = (
    "Too many sign-in attempts from this address or for this username. "
    "Try again in {seconds} seconds."
)
_UNAVAILABLE = "Sign-in is temporarily unavailable. Try again in a minute."


def _refused(request: HttpRequest, status: int, message: str, retry_after: int) -> HttpResponseBase:
    """The admin's own login page (same context as admin.site.login), showing the refusal."""
    context = {
        **admin.site.each_context(request),
        "title": _("Log in"),
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
    }
    if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
        context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=admin.site.name)
    request.current_app = admin.site.name
    view = LoginView.as_view(
        extra_context=context,
        authentication_form=partial(RefusedLoginForm, refusal=message),
        template_name=admin.site.login_template or "admin/login.html",
    )
    response = view(request)
    response.status_code = status
    response["Retry-After"] = str(retry_after)
    return response
