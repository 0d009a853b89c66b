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
    if principal.partner_id is not None:
        return orgs.filter(partner_id=principal.partner_id)
    if isinstance(principal, PartnerKey):
        return orgs.filter(partner__isnull=True, created_by_key__family_id=principal.family_id)
    return orgs.none()


def org_list(*, principal: Principal, statuses: Sequence[str] | None = None) -> QuerySet[Org]:
    """Visible orgs (with their partner), newest first; deleted ones only when asked for."""
    orgs = org_visible(principal=principal).select_related("partner")
    if statuses:
        return orgs.filter(status__in=statuses)
    return orgs.exclude(status=Org.Status.DELETED)


def workspace_list(*, org: Org) -> QuerySet[Workspace]:
    return Workspace.objects.filter(org=org)
