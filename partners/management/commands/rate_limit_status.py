"""`manage.py rate_limit_status KEY_ID`: a key's rate and current window, read from the cache."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import ratelimit
from partners.models import PartnerKey


class Command(BaseCommand):
    help = "Print a partner key's rate limit and its usage in the current window."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("key_id", help="The key's id (pak_…).")

    def handle(self, *args: Any, key_id: str, **options: Any) -> None:
        key = PartnerKey.objects.select_related("partner").filter(pk=key_id).first()
        if key is None:
            raise CommandError(f"No partner key with id {key_id!r}.")
        rate = key.budget()
        limit, window = ratelimit.parse_rate(rate.rate)
        self.stdout.write(f"Key {key.id} {key.name!r} ({key.hint})")
        reason = key.unusable_reason()
        if reason:
            self.stdout.write(f"  note: this key cannot authenticate ({reason})")
        self.stdout.write(f"  rate: {rate.rate} ({limit} per {window} s, from {rate.source})")
        self.stdout.write(f"  budget: shared by its rotation family {rate.bucket}")
        if "locmem" in settings.CACHES["default"]["BACKEND"].lower():
            self.stderr.write(
                "  warning: the cache is local to each process; this shows only this process's "
                "counts. Set REDIS_URL to share counters across workers."
            )
        try:
            usage = ratelimit.peek(rate)
        except ratelimit.CACHE_ERRORS as exc:
            raise CommandError("The rate-limit cache is unreachable; usage is unknown.") from exc
        if usage is None:
            raise CommandError("Rate limits are switched off (RATELIMIT_ENABLE=false).")
        self.stdout.write(
            f"{key.id}: {usage.used} requests this window (limit {limit}), "
            f"{usage.remaining} remaining, resets in {usage.reset} s."
        )
