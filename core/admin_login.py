"""The Django admin's login, limited per client IP and per username with django-ratelimit.

Every POST counts against both limits (groups `admin.login.ip` and `admin.login.username`, apart
from the /cp/ key limits). Past either one, the login page says so and no password is checked.

Unlike /cp/, this limit **fails closed**: when the cache is unreachable nobody can sign in (503,
logged). It is the only thing between a password guesser and staff accounts, the admin is an
internal tool that can wait for the cache, and operators keep the API and its master key.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _

from core import ratelimit
from core.clientip import client_key

logger = logging.getLogger("cp.ratelimit")


class RefusedLoginForm(AdminAuthenticationForm):
    """The admin's login form, refusing before any password is checked."""

    def __init__(self, *args: Any, refusal: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refusal = refusal

    def clean(self) -> dict[str, Any]:
        raise ValidationError(self.refusal, code="rate_limited")


def admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponseBase:
    """admin.site.login, after counting a POST against the per-IP and per-username limits."""
    if request.method == "POST":
        refused = _refusal(request)
        if refused is not None:
            status, message, retry_after = refused
            response = _refused_page(request, message)
            response.status_code = status
            response["Retry-After"] = str(retry_after)
            return response
    return admin.site.login(request, extra_context)


def _refusal(request: HttpRequest) -> tuple[int, str, int] | None:
    """(status, message, Retry-After) when this attempt may not proceed, else None."""
    username = request.POST.get("username", "").strip().casefold()
    limits = [("ip", client_key(request), settings.ADMIN_LOGIN_IP_RATE)]
    if username:
        limits.append(("username", username, settings.ADMIN_LOGIN_USERNAME_RATE))
    wait = 0
    for policy, value, rate in limits:
        usage = ratelimit.usage_of(
            request,
            policy=policy,
            group=f"admin.login.{policy}",
            value=value,
            rate=rate,
            increment=True,
        )
        if usage is not None and usage.used is None:
            logger.error("Admin sign-in refused: the rate limiter is unavailable (fail closed).")
            return 503, _UNAVAILABLE, 30
        if usage is not None and usage.exceeded:
            wait = max(wait, usage.reset)
    if wait:
        return 429, _TOO_MANY.format(seconds=wait), wait
    return None


_TOO_MANY = (
    "Too many sign-in attempts from this address or for this username. "
    "Try again in {seconds} seconds."
)
_UNAVAILABLE = "Sign-in is temporarily unavailable. Try again in a minute."


def _refused_page(request: HttpRequest, message: str) -> HttpResponseBase:
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
    return view(request)
