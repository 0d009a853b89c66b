"""GET /cp/admin/audit-events: the trail, newest first; a partner key sees only its partner's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from audit.context import annotate
from audit.models import AuditEvent
from audit.selectors import partner_pk
from audit.serializers import COLUMNS, AuditEventSerializer, EventFilterSerializer


class AnyKey(BasePermission):
    """The master key or any valid partner key; the view narrows what a partner key sees."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.auth is not None


def _unknown_partner() -> serializers.ValidationError:
    return serializers.ValidationError({"partner": ["Unknown partner."]})


def partner_id_for(caller: Any, ref: str) -> str:
    """`?partner=` (slug or id) as a partner id. A partner key may only name its own partner,
    and gets the same answer for another partner as for one that does not exist."""
    if caller.is_master:
        partner = partner_pk(ref)
        if partner is None:
            raise _unknown_partner()
        return partner
    own = caller.partner
    if own is None or ref not in (own.pk, own.slug):
        raise _unknown_partner()
    return own.pk


class AuditEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AuditEventSerializer
    permission_classes = [AnyKey]

    def get_queryset(self) -> QuerySet:
        events = AuditEvent.objects.all()
        caller = self.request.auth
        if not caller.is_master:
            events = (
                events.filter(partner_id=caller.partner_id)
                if caller.partner_id and caller.org_id is None
                else events.filter(key_id=caller.pk)  # partner-less and org-bound: own calls only
            )
        return self._filtered(events).values(*COLUMNS)

    def _filtered(self, events: QuerySet) -> QuerySet:
        query = EventFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        if "partner" in wanted:
            events = events.filter(partner_id=partner_id_for(self.request.auth, wanted["partner"]))
        if "key" in wanted:
            events = events.filter(key_id=wanted["key"])
        if "action" in wanted:
            events = events.filter(action=wanted["action"])
        if "since" in wanted:
            events = events.filter(occurred_at__gte=wanted["since"])
        if "until" in wanted:
            events = events.filter(occurred_at__lt=wanted["until"])
        return events

    def list(self, request: Request) -> Response:
        annotate(request, action="audit_event.list")
        response = super().list(request)
        if not request.auth.is_master:
            for event in response.data["data"]:
                _hide_staff(event)
        return response


def _hide_staff(event: dict) -> None:
    """A partner sees that our staff acted, not who, from where, or with what browser."""
    if event["actor"]["type"] in (AuditEvent.ActorType.ADMIN_USER, AuditEvent.ActorType.MASTER_KEY):
        event["actor"]["admin_user"] = event["ip"] = event["user_agent"] = None
