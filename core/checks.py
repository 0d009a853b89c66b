"""Settings checked by Django's check framework (run by `migrate`, `check` and `check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

from core.ratelimit import is_rate

_RATE_SETTINGS = (
    "PARTNER_KEY_DEFAULT_RATE",
    "CP_AUTH_FAILURE_RATE",
    "ADMIN_LOGIN_IP_RATE",
    "ADMIN_LOGIN_USERNAME_RATE",
    "CP_PUBLIC_REVOKE_RATE",
    "CP_SECRET_SCANNING_RATE",
)


@register()
def rates_are_readable(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Every configured rate reads as COUNT/PERIOD, the way the limits will read it."""
    rates = [(name, getattr(settings, name)) for name in _RATE_SETTINGS]
    rates += [
        (f"PARTNER_PLAN_RATES[{plan}]", rate) for plan, rate in settings.PARTNER_PLAN_RATES.items()
    ]
    return [
        Error(f"{name}={rate!r} is not a rate.", hint="Use COUNT/PERIOD, e.g. 600/m.", id="cp.E001")
        for name, rate in rates
        if not is_rate(rate)
    ]


# The per-IP failure limit never refuses a valid credential, so it does not slow down a guesser of
# the master key: only its length does (a partner key carries 190+ bits).
MASTER_KEY_MIN_LENGTH = 32


@register(deploy=True)
def master_key_is_long(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """A configured master key must be long enough that guessing it is hopeless."""
    key = settings.CP_ADMIN_MASTER_KEY
    if not key or len(key) >= MASTER_KEY_MIN_LENGTH:
        return []
    return [
        Warning(
            f"CP_ADMIN_MASTER_KEY is {len(key)} characters long.",
            hint=f"Use at least {MASTER_KEY_MIN_LENGTH} random characters, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'.",
            id="cp.W001",
        )
    ]
