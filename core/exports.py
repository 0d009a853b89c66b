"""What the export commands share: ISO-8601 options, spreadsheet-safe CSV cells, raw stdout."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import CommandError, OutputWrapper
from django.utils import timezone
from django.utils.dateparse import parse_datetime

# Spreadsheets run cells that start with these as formulas; such cells get a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def parse_when(value: str | None, option: str) -> datetime | None:
    """An ISO-8601 option value (naive means UTC), or a CommandError naming the option."""
    if value is None:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise CommandError(f"{option} must be an ISO-8601 date-time, e.g. 2025-01-31T00:00:00Z.")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def csv_cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        value = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


class RawOutput:
    """A command's stdout as a plain text stream (no newline added per write)."""

    def __init__(self, wrapper: OutputWrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def close(self) -> None:
        self.wrapper.flush()
