"""Org events for partners' webhooks: the org as the API shows it, recorded with its change."""

from __future__ import annotations

from orgs.models import Org
from orgs.serializers import OrgSerializer
from webhooks.outbox import event_record


def org_event_record(*, org_id: str, type: str) -> None:
    """Record `org.ready`, `org.failed`, `org.deleted` or `org.updated`; call in the change's
    transaction, after the change (the org is read back as it now is)."""
    org = Org.objects.select_related("partner", "created_by_key").get(pk=org_id)
    creator = org.created_by_key
    event_record(
        type=type,
        partner_id=org.partner_id,
        key_family_id=creator.family_id if creator else None,
        data=dict(OrgSerializer(org).data),
    )
