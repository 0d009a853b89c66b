"""The shape of the commands that act on one org by id (`retry_org`, `deprovision_org`)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from orgs.models import Org


class OrgCommand(BaseCommand):
    """Takes ORG_ID, finds the org (or fails clearly), hands it to `act`; domain errors exit 1."""

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("org_id", help="The org's id (org_…).")

    def handle(self, *args: Any, org_id: str, **options: Any) -> None:
        org = Org.objects.filter(pk=org_id).first()
        if org is None:
            raise CommandError(f"No org {org_id!r}.")
        try:
            self.act(org)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def act(self, org: Org) -> None:
        raise NotImplementedError
