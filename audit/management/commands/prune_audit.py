"""Delete audit events past retention, in batches (the only way events are ever deleted)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from audit.models import AuditEvent


class Command(BaseCommand):
    help = "Delete audit events older than --older-than days (default AUDIT_RETENTION_DAYS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", type=int, default=settings.AUDIT_RETENTION_DAYS)
        parser.add_argument("--batch-size", type=int, default=settings.AUDIT_BATCH_SIZE)
        parser.add_argument("--dry-run", action="store_true", help="Count only; delete nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        days, batch = options["older_than"], options["batch_size"]
        if days < 1:
            raise CommandError("--older-than must be at least 1 day.")
        if batch < 1:
            raise CommandError("--batch-size must be at least 1.")
        cutoff = timezone.now() - timedelta(days=days)
        expired = AuditEvent.objects.filter(occurred_at__lt=cutoff)
        if options["dry_run"]:
            count = expired.count()
            self.stdout.write(
                f"Would delete {count} audit events older than {days} days "
                f"(before {cutoff.isoformat()}); dry run, nothing deleted."
            )
            return
        deleted = 0
        while ids := list(expired.order_by("id").values_list("id", flat=True)[:batch]):
            deleted += AuditEvent.objects.filter(id__in=ids).prune()
            self.stderr.write(f"Deleted {deleted} events so far…")
        AuditEvent.objects.create(
            request_id="",
            actor_type=AuditEvent.ActorType.SYSTEM,
            action="audit.prune",
            details={"deleted": deleted, "older_than_days": days, "before": cutoff.isoformat()},
        )
        self.stdout.write(
            f"Deleted {deleted} audit events older than {days} days (before {cutoff.isoformat()})."
        )
