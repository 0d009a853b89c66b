"""Webhook settings checked by Django's check framework (run by `migrate` and `check`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from webhooks.schedule import is_valid_schedule


@register()
def webhook_settings_are_readable(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    if not is_valid_schedule(settings.CP_WEBHOOK_RETRY_SCHEDULE):
        errors.append(
            Error(
                f"CP_WEBHOOK_RETRY_SCHEDULE={settings.CP_WEBHOOK_RETRY_SCHEDULE!r} is not a "
                "schedule.",
                hint="Comma-separated seconds, e.g. 0,5,300,1800,7200,18000,36000,36000.",
                id="cp.E101",
            )
        )
    if settings.CP_WEBHOOK_LEASE_SECONDS <= settings.CP_WEBHOOK_TIMEOUT_SECONDS:
        errors.append(
            Error(
                "CP_WEBHOOK_LEASE_SECONDS must be longer than CP_WEBHOOK_TIMEOUT_SECONDS.",
                hint="Otherwise the sweep re-sends attempts that are still running.",
                id="cp.E102",
            )
        )
    return errors
