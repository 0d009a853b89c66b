"""Issue a partner key from the shell: validated exactly like `POST /cp/admin/partner-keys`."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from partners import services
from partners.serializers import PartnerKeyCreateSerializer, PartnerKeySerializer

CREATED_BY = "cli"


def format_errors(errors: dict) -> str:
    """DRF's field errors as one readable line per field."""
    lines = []
    for field, messages in errors.items():
        text = " ".join(str(m) for m in (messages if isinstance(messages, list) else [messages]))
        lines.append(f"  {field}: {text}" if field != "non_field_errors" else f"  {text}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Issue a partner API key and print it once (the key on stdout, details on stderr)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="Who or what uses the key.")
        parser.add_argument(
            "--scopes",
            required=True,
            help="Comma-separated scopes, e.g. orgs:create,orgs:list ('' for none).",
        )
        parser.add_argument("--partner", help="Partner slug or prt_ id (default: partner-less).")
        parser.add_argument("--org", dest="org_id", help="Bind the key to this org_ id.")
        parser.add_argument(
            "--expires-at", help="ISO-8601 expiry, e.g. 2026-01-31T00:00:00Z (default: never)."
        )
        parser.add_argument("--rate-limit", help="e.g. 600/m (default: PARTNER_KEY_DEFAULT_RATE).")
        parser.add_argument(
            "--json", action="store_true", help="Print the key and its details as one JSON object."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        payload = {
            "name": options["name"],
            "scopes": [s.strip() for s in options["scopes"].split(",") if s.strip()],
            "partner": options["partner"],
            "org_id": options["org_id"],
            "expires_at": options["expires_at"],
            "rate_limit": options["rate_limit"],
        }
        serializer = PartnerKeyCreateSerializer(data=payload)
        if not serializer.is_valid():
            raise CommandError("Invalid key request:\n" + format_errors(serializer.errors))
        with transaction.atomic():
            issued = services.partner_key_issue(**serializer.validated_data, created_by=CREATED_BY)
        details = PartnerKeySerializer(issued.key).data
        if options["json"]:
            self.stdout.write(json.dumps({"key": issued.plaintext, **details}))
            return
        key = issued.key
        self.stderr.write(f"id:      {key.id}")
        self.stderr.write(f"name:    {key.name}")
        self.stderr.write(f"hint:    {key.hint}")
        self.stderr.write(f"partner: {details['partner'] or '- (partner-less)'}")
        self.stderr.write(f"org:     {key.org_id or '-'}")
        self.stderr.write(f"scopes:  {', '.join(key.scopes) or '-'}")
        self.stderr.write(f"expires: {details['expires_at'] or 'never'}")
        self.stderr.write("The key (on stdout) is shown only once; only its hash is stored.")
        self.stdout.write(issued.plaintext)
        self.stderr.write(self.style.SUCCESS(f"Issued key {key.id}."))
