"""Which orgs a caller may see: the one visibility rule every /cp/orgs endpoint goes through.

A partner key sees its partner's orgs; a partner-less key the orgs its rotation family created;
an org-bound key only its org; the master key all. Anything else is "not found".
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet

from core.credentials import Principal
from orgs.models import Org, Workspace
from partners.models import PartnerKey


def org_visible(*, principal: Principal) -> QuerySet[Org]:
    orgs = Org.objects.all()
    if principal.is_master:
        return orgs
    if principal.org_id is not None:
        orgs = orgs.filter(pk=principal.org_id)
        return orgs.filter(partner_id=principal.partner_id) if principal.partner_id else orgs
    if isinstance(principal, PartnerKey):  # its partner's orgs, or its rotation family's
        return orgs.filter(managed_by=principal.partner_id or principal.family_id)
    return orgs.none()


def org_list(
    *, principal: Principal, statuses: Sequence[str] | None = None, external_id: str | None = None
) -> QuerySet[Org]:
    """Visible orgs (with their partner), newest first; deleted ones only when asked for by status.

    `external_id` narrows the visible orgs, never widens them: another partner's org with the
    same reference is not found.
    """
    orgs = org_visible(principal=principal).select_related("partner")
    if external_id is not None:
        orgs = orgs.filter(external_id=external_id)
    if statuses:
        return orgs.filter(status__in=statuses)
    return orgs.exclude(status=Org.Status.DELETED)


def workspace_list(*, org: Org) -> QuerySet[Workspace]:
    return Workspace.objects.filter(org=org)
