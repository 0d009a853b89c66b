"""`manage.py deprovision_org ORG_ID`: delete an org like DELETE /cp/orgs/{id}, or unstick one."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from orgs import services
from orgs.models import Org


class Command(BaseCommand):
    help = "Deprovision an org (billing stops now); re-queues one stuck in deleting."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("org_id")

    def handle(self, *args: Any, org_id: str, **options: Any) -> None:
        org = Org.objects.filter(pk=org_id).first()
        if org is None:
            raise CommandError(f"No org {org_id!r}.")
        if org.status == Org.Status.DELETED:
            self.stdout.write(f"Org {org.pk} ({org.slug}) is already deleted; nothing to do.")
            return
        org = services.org_deprovision(org=org, restart=True)
        self.stdout.write(f"Deprovisioning {org.pk} ({org.slug}); the worker will finish it.")
