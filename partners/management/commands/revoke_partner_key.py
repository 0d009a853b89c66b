"""Revoke partner keys by id: one-way and idempotent; all ids are checked before any revoke."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from partners import services
from partners.models import PartnerKey

REVOKED_BY = "cli"


class Command(BaseCommand):
    help = "Revoke partner keys by id (pak_…): one-way; already-revoked keys are left as they are."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("key_ids", nargs="+", metavar="KEY_ID", help="A pak_ key id.")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = list(dict.fromkeys(options["key_ids"]))
        with transaction.atomic():
            found = PartnerKey.objects.select_for_update().in_bulk(ids)
            unknown = [key_id for key_id in ids if key_id not in found]
            if unknown:
                raise CommandError(f"Unknown key id(s): {', '.join(unknown)}. Nothing was revoked.")
            already = 0
            for key_id in ids:
                key = found[key_id]
                if key.revoked_at is not None:
                    already += 1
                    self.stdout.write(f"{key.id} {key.hint} {key.name}: already revoked")
                    continue
                services.partner_key_revoke(key=key, revoked_by=REVOKED_BY)
                self.stdout.write(f"{key.id} {key.hint} {key.name}: revoked")
        revoked = len(ids) - already
        noun = "key" if revoked == 1 else "keys"
        note = f" ({already} already revoked)" if already else ""
        self.stdout.write(self.style.SUCCESS(f"Revoked {revoked} {noun}{note}."))
