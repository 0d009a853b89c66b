"""`manage.py retry_org ORG_ID`: put a failed org back into provisioning with fresh attempts."""

from __future__ import annotations

from orgs import services
from orgs.management.commands._org_command import OrgCommand
from orgs.models import Org


class Command(OrgCommand):
    help = "Re-queue the provisioning of a failed org (attempts start again from zero)."

    def act(self, org: Org) -> None:
        org = services.org_retry(org=org)
        self.stdout.write(f"Re-queued provisioning of {org.pk} ({org.slug}).")
