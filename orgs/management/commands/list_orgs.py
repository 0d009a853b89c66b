"""`manage.py list_orgs`: orgs with their state, for ops (filters by status, partner, stuck)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from orgs.lifecycle import IN_FLIGHT
from orgs.models import Org
from partners.models import Partner


class Command(BaseCommand):
    help = "List orgs with status, partner, attempts and last error (filters: status, partner)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--status", action="append", choices=Org.Status.values, default=[])
        parser.add_argument("--partner", help="Partner slug or prt_ id.")
        parser.add_argument("--slug", help="Orgs whose slug contains this text.")
        parser.add_argument(
            "--stuck", action="store_true", help="Only orgs in flight whose lease ran out."
        )
        parser.add_argument("--limit", type=int, default=100)

    def handle(
        self,
        *args: Any,
        status: list[str],
        partner: str | None,
        slug: str | None,
        stuck: bool,
        limit: int,
        **options: Any,
    ) -> None:
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        orgs = Org.objects.select_related("partner").order_by("-id")
        if status:
            orgs = orgs.filter(status__in=status)
        if partner:
            found = Partner.objects.by_ref(partner)
            if found is None:
                raise CommandError(f"No partner {partner!r}.")
            orgs = orgs.filter(partner=found)
        if slug:
            orgs = orgs.filter(slug__icontains=slug)
        if stuck:
            orgs = orgs.filter(status__in=IN_FLIGHT, lease_expires_at__lt=timezone.now())
        total = orgs.count()
        for org in orgs[:limit]:
            owner = org.partner.slug if org.partner else f"key:{org.created_by_key_id or 'master'}"
            self.stdout.write(
                f"{org.pk}  {org.slug:<30} {org.status:<12} {owner:<24} "
                f"attempts={org.attempts} {org.error[:80]}".rstrip()
            )
        shown = min(total, limit)
        self.stdout.write(f"{total} org(s) matched; {shown} shown.")
