"""`manage.py deprovision_org ORG_ID`: delete an org like DELETE /cp/orgs/{id}, or unstick one."""

from __future__ import annotations

from orgs import services
from orgs.management.commands._org_command import OrgCommand
from orgs.models import Org


class Command(OrgCommand):
    help = "Deprovision an org (billing stops now); re-queues one stuck in deleting."

    def act(self, org: Org) -> None:
        if org.status == Org.Status.DELETED:
            self.stdout.write(f"Org {org.pk} ({org.slug}) is already deleted; nothing to do.")
            return
        org = services.org_deprovision(org=org, restart=True)
        self.stdout.write(f"Deprovisioning {org.pk} ({org.slug}); the worker will finish it.")
