"""The partners app's settings, checked by Django's check framework (migrate, check, --deploy)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from partners.github_signatures import is_allowed_url, is_url


@register()
def secret_scanning_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """CP_SECRET_SCANNING_PUBLIC_KEYS: an https URL (plain http only to this machine) or a file."""
    source = settings.CP_SECRET_SCANNING_PUBLIC_KEYS
    if not source:
        return []
    if is_url(source):
        if is_allowed_url(source):
            return []
        return [
            Error(
                f"CP_SECRET_SCANNING_PUBLIC_KEYS={source!r} is not an https URL.",
                hint="Anyone on the path could swap GitHub's keys: use https.",
                id="partners.E001",
            )
        ]
    if Path(source).is_file():
        return []
    return [
        Warning(
            f"CP_SECRET_SCANNING_PUBLIC_KEYS names no file: {source!r}.",
            hint="GitHub's reports are answered 503 until the file exists.",
            id="partners.W001",
        )
    ]
