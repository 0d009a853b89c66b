"""`manage.py billing_report`: the billable orgs of a period as CSV, per partner, for invoicing."""

from __future__ import annotations

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core.exports import RawOutput, csv_cell, parse_when
from orgs.billing import COLUMNS, billable_orgs, month_start, next_month
from partners.models import Partner


class Command(BaseCommand):
    help = "Billable orgs of a period (default: this month) as CSV: partner, plan, seats, channel."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="Start of the period, ISO-8601 (default: this month).")
        parser.add_argument(
            "--until", help="End, exclusive (default: the start of the month after --since)."
        )
        parser.add_argument("--partner", help="Only this partner's orgs (slug or prt_ id).")
        parser.add_argument("--output", default="-", help="File to write; '-' (default) = stdout.")

    def handle(
        self,
        *args: Any,
        since: str | None,
        until: str | None,
        partner: str | None,
        output: str,
        **options: Any,
    ) -> None:
        start = parse_when(since, "--since") or month_start(timezone.now())
        end = parse_when(until, "--until") or next_month(start)
        if end <= start:
            raise CommandError("--until must be after --since.")
        found = None
        if partner:
            found = Partner.objects.by_ref(partner)
            if found is None:
                raise CommandError(f"No partner {partner!r}.")
        try:
            out = (
                RawOutput(self.stdout)
                if output == "-"
                else open(output, "w", newline="", encoding="utf-8")  # noqa: SIM115
            )
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from exc
        orgs = seats = 0
        try:
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
            for org in billable_orgs(since=start, until=end, partner=found):
                writer.writerow([csv_cell(value) for value in org.row()])
                orgs, seats = orgs + 1, seats + org.seats
        finally:
            out.close()
        self.stderr.write(
            f"{orgs} billable org(s), {seats} seat(s) from {start.isoformat()} "
            f"until {end.isoformat()} to {'stdout' if output == '-' else output}."
        )
