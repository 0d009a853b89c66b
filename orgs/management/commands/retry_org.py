"""`manage.py retry_org ORG_ID`: put a failed org back into provisioning with fresh attempts."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from config.errors import CPError
from orgs import services
from orgs.models import Org


class Command(BaseCommand):
    help = "Re-queue the provisioning of a failed org (attempts start again from zero)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("org_id")

    def handle(self, *args: Any, org_id: str, **options: Any) -> None:
        org = Org.objects.filter(pk=org_id).first()
        if org is None:
            raise CommandError(f"No org {org_id!r}.")
        try:
            org = services.org_retry(org=org)
        except CPError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Re-queued provisioning of {org.pk} ({org.slug}).")
