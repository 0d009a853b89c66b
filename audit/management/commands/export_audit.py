"""Stream the audit trail out as JSON Lines or CSV, in constant memory."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from audit.models import AuditEvent
from audit.selectors import partner_pk
from audit.serializers import COLUMNS, event_json
from core.exports import RawOutput, csv_cell, parse_when


def pages(events: QuerySet, batch_size: int) -> Iterator[list[dict[str, Any]]]:
    """Keyset pages in id order: each query fetches one bounded page, whatever the table size."""
    last_id = ""
    while True:
        page = list(events.filter(id__gt=last_id).order_by("id").values(*COLUMNS)[:batch_size])
        if not page:
            return
        yield page
        last_id = page[-1]["id"]


class Command(BaseCommand):
    help = "Export audit events (oldest first) as JSON Lines or CSV to a file or stdout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
        parser.add_argument("--since", help="Only events at or after this ISO-8601 time.")
        parser.add_argument("--until", help="Only events before this ISO-8601 time.")
        parser.add_argument("--partner", help="Only this partner's events (slug or prt_ id).")
        parser.add_argument("--output", default="-", help="File to write; '-' (default) = stdout.")
        parser.add_argument("--batch-size", type=int, default=settings.AUDIT_BATCH_SIZE)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        events = self._events(options)
        total = events.count()
        started = time.monotonic()
        to_stdout = options["output"] == "-"
        try:
            out = (
                RawOutput(self.stdout)
                if to_stdout
                else open(options["output"], "w", newline="", encoding="utf-8")  # noqa: SIM115
            )
        except OSError as exc:
            raise CommandError(f"Cannot write {options['output']}: {exc.strerror}.") from exc
        try:
            written = self._write(out, options["format"], events, total, options["batch_size"])
        finally:
            out.close()
        seconds = time.monotonic() - started
        summary = (
            f"Exported {written} audit events as {options['format']} to "
            f"{'stdout' if to_stdout else options['output']} in {seconds:.1f}s."
        )
        (self.stderr if to_stdout else self.stdout).write(summary)

    def _events(self, options: dict[str, Any]) -> QuerySet:
        since = parse_when(options["since"], "--since")
        until = parse_when(options["until"], "--until")
        if since and until and since > until:
            raise CommandError("--since must not be after --until.")
        events = AuditEvent.objects.all()
        if since:
            events = events.filter(occurred_at__gte=since)
        if until:
            events = events.filter(occurred_at__lt=until)
        if options["partner"]:
            ref = options["partner"]
            partner = partner_pk(ref)
            if partner is None:
                raise CommandError(f"No partner with slug or id {ref!r}.")
            events = events.filter(partner_id=partner)
        return events

    def _write(
        self, out: IO[str] | RawOutput, fmt: str, events: QuerySet, total: int, batch: int
    ) -> int:
        writer = csv.writer(out) if fmt == "csv" else None
        if writer:
            writer.writerow(COLUMNS)
        written = 0
        for page in pages(events, batch):
            if writer:
                writer.writerows([csv_cell(row[c]) for c in COLUMNS] for row in page)
            else:
                out.write("".join(json.dumps(event_json(row)) + "\n" for row in page))
            written += len(page)
            self._progress(written, total)
        if total:
            self.stderr.write("")
        return written

    def _progress(self, written: int, total: int) -> None:
        percent = 100 * written // total if total else 100
        self.stderr.write(f"\rExported {written}/{total} events ({percent}%)", ending="")
        self.stderr.flush()
