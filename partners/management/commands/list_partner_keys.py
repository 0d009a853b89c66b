"""List partner keys for ops: a table (or JSON) of metadata; never a hash or a plaintext."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from partners.models import Partner, PartnerKey
from partners.selectors import KEY_STATUSES, partner_keys_with_status
from partners.serializers import PartnerKeySerializer

COLUMNS = ["ID", "NAME", "HINT", "PARTNER", "SCOPES", "STATUS", "LAST USED"]


def table(rows: list[list[str]]) -> list[str]:
    """Left-aligned columns, as wide as their widest cell."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


class Command(BaseCommand):
    help = "List partner keys (id, name, hint, partner, scopes, status, last use); never secrets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partner", help="Only this partner's keys (slug or prt_ id).")
        parser.add_argument(
            "--status",
            choices=[*KEY_STATUSES, "all"],
            default="all",
            help="Only keys in this status (default: all).",
        )
        parser.add_argument("--json", action="store_true", help="Print a JSON array instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        found = PartnerKey.objects.select_related("partner").order_by("-id")
        if options["partner"]:
            ref = options["partner"]
            partner = Partner.objects.by_ref(ref)
            if partner is None:
                raise CommandError(f"No partner {ref!r}.")
            found = found.filter(partner=partner)
        keys = partner_keys_with_status(found, options["status"], now)
        if options["json"]:
            data = PartnerKeySerializer(keys, many=True).data
            self.stdout.write(json.dumps(data, indent=2))
            return
        rows = [COLUMNS]
        for key in keys.iterator(chunk_size=500):
            rows.append(
                [
                    key.id,
                    key.name,
                    key.hint,
                    key.partner.slug if key.partner else "-",
                    ",".join(key.scopes) or "-",
                    key.status,
                    key.last_used_at.strftime("%Y-%m-%d %H:%M") if key.last_used_at else "never",
                ]
            )
        for line in table(rows):
            self.stdout.write(line)
        count = len(rows) - 1
        self.stdout.write(f"{count} key{'' if count == 1 else 's'}.")
