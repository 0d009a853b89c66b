"""Which orgs a caller may see: the one visibility rule every /cp/orgs endpoint goes through.

A partner key sees its partner's orgs; a partner-less key the orgs its rotation family created;
an org-bound key only its org; the master key all. Anything else is "not found".
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet

from core.credentials import Principal
from core.statements import Compiled
from orgs.models import Org, Workspace, manager_of
from partners.models import PartnerKey


def org_visible(*, principal: Principal) -> QuerySet[Org]:
    orgs = Org.objects.all()
    if principal.is_master:
        return orgs
    if principal.org_id is not None:
        orgs = orgs.filter(pk=principal.org_id)
        return orgs.filter(partner_id=principal.partner_id) if principal.partner_id else orgs
    if isinstance(principal, PartnerKey):
        return _managed_by(manager_of(principal.partner_id, principal))
    return orgs.none()


def org_get(*, principal: Principal, pk: str, with_partner: bool = False) -> Org | None:
    """One visible org by id (`with_partner`: its partner loaded too).

    For a key not bound to an org, the status poll's case, the query is compiled once per
    thread (`core.statements`); the rule is `org_visible`'s all the same.
    """
    if isinstance(principal, PartnerKey) and principal.org_id is None:
        one = _ONE_MANAGED_WITH_PARTNER if with_partner else _ONE_MANAGED
        return one.first(manager_of(principal.partner_id, principal), pk)
    orgs = org_visible(principal=principal)
    return (orgs.select_related("partner") if with_partner else orgs).filter(pk=pk).first()


def _managed_by(manager: str) -> QuerySet[Org]:
    """A partner key sees the orgs it would manage if it created one: its partner's, or (a
    partner-less key) its rotation family's."""
    return Org.objects.filter(managed_by=manager)


_ONE_MANAGED: Compiled[Org] = Compiled(lambda manager, pk: _managed_by(manager).filter(pk=pk))
_ONE_MANAGED_WITH_PARTNER: Compiled[Org] = Compiled(
    lambda manager, pk: _managed_by(manager).select_related("partner").filter(pk=pk)
)


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
