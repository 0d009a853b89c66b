"""Which orgs a caller may see: the one visibility rule every /cp/orgs endpoint goes through.

A partner key sees its partner's orgs; a partner-less key the orgs it (or its rotation family)
created; an org-bound key only its org; the master key all. Anything else is "not found".
"""

from __future__ import annotations

from django.db.models import QuerySet

from orgs.models import Org, Workspace
from partners.models import MasterKey, PartnerKey

Principal = PartnerKey | MasterKey

# A rotation family deeper than this is not a real one; stop walking rather than loop.
MAX_ROTATIONS = 100


def key_family_ids(key: PartnerKey) -> set[str]:
    """The key with its predecessors and successors: a rotated key keeps seeing the same orgs."""
    root_id, parent_id = key.pk, key.rotated_from_id
    for _ in range(MAX_ROTATIONS):
        if parent_id is None:
            break
        root_id = parent_id
        parent_id = (
            PartnerKey.objects.filter(pk=parent_id)
            .values_list("rotated_from_id", flat=True)
            .first()
        )
    family, frontier = {root_id}, {root_id}
    for _ in range(MAX_ROTATIONS):
        frontier = (
            set(
                PartnerKey.objects.filter(rotated_from_id__in=frontier).values_list("pk", flat=True)
            )
            - family
        )
        if not frontier:
            break
        family |= frontier
    return family


def org_visible(*, principal: Principal) -> QuerySet[Org]:
    orgs = Org.objects.select_related("partner")
    if principal.is_master:
        return orgs
    if principal.org_id is not None:
        orgs = orgs.filter(pk=principal.org_id)
        return orgs.filter(partner_id=principal.partner_id) if principal.partner_id else orgs
    if principal.partner_id is not None:
        return orgs.filter(partner_id=principal.partner_id)
    return orgs.filter(partner__isnull=True, created_by_key_id__in=key_family_ids(principal))


def org_list(*, principal: Principal, statuses: list[str] | None = None) -> QuerySet[Org]:
    """Visible orgs, newest first; deleted ones only when asked for by status."""
    orgs = org_visible(principal=principal)
    if statuses:
        return orgs.filter(status__in=statuses)
    return orgs.exclude(status=Org.Status.DELETED)


def workspace_list(*, org: Org) -> QuerySet[Workspace]:
    return Workspace.objects.filter(org=org)
