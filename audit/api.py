"""GET /cp/admin/audit-events: the trail, newest first; a partner key sees only its partner's."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from audit.models import AuditEvent
from audit.selectors import partner_pk
from audit.serializers import COLUMNS, AuditEventSerializer, EventFilterSerializer
from core.context import annotate
from core.credentials import Principal, principal_of
from core.permissions import IsAuthenticatedPrincipal
from core.schema import cp_schema
from core.serializers import query_filters


def _unknown_partner() -> serializers.ValidationError:
    return serializers.ValidationError({"partner": ["Unknown partner."]})


def partner_id_for(caller: Principal, ref: str) -> str:
    """`?partner=` (slug or id) as a partner id. A partner key may only name its own partner,
    and gets the same answer for another partner as for one that does not exist."""
    partner = partner_pk(ref)
    if partner is None or not (caller.is_master or partner == caller.partner_id):
        raise _unknown_partner()
    return partner


class AuditEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AuditEventSerializer
    permission_classes = [IsAuthenticatedPrincipal]

    def get_queryset(self) -> QuerySet:
        events = AuditEvent.objects.all()
        caller = principal_of(self.request)
        if not caller.is_master:
            events = (
                events.filter(partner_id=caller.partner_id)
                if caller.partner_id and caller.org_id is None
                else events.filter(key_id=caller.id)  # partner-less and org-bound: own calls only
            )
        return self._filtered(events).values(*COLUMNS)

    def _filtered(self, events: QuerySet) -> QuerySet:
        wanted = query_filters(self.request, EventFilterSerializer)
        if "partner" in wanted:
            events = events.filter(
                partner_id=partner_id_for(principal_of(self.request), wanted["partner"])
            )
        if "key" in wanted:
            events = events.filter(key_id=wanted["key"])
        if "action" in wanted:
            events = events.filter(action=wanted["action"])
        if "since" in wanted:
            events = events.filter(occurred_at__gte=wanted["since"])
        if "until" in wanted:
            events = events.filter(occurred_at__lt=wanted["until"])
        return events

    @cp_schema(
        operation_id="audit_events_list",
        summary="Read the audit trail",
        description="One event per /cp/ call, newest first. The master key sees every event "
        "and may filter by `key` and `partner`; a partner key sees its partner's events (a "
        "partner-less or org-bound key: its own calls), without our staff's identity.",
        request=None,
        ok={200: AuditEventSerializer(many=True)},
        errors=["validation_error"],
        parameters=[EventFilterSerializer],
        tags=["audit"],
    )
    def list(self, request: Request) -> Response:
        annotate(request, action="audit_event.list")
        response = super().list(request)
        if not principal_of(request).is_master:
            for event in response.data["data"]:
                _hide_staff(event)
        return response


def _hide_staff(event: dict) -> None:
    """A partner sees that our staff acted, not who, from where, or with what browser."""
    if event["actor"]["type"] in (AuditEvent.ActorType.ADMIN_USER, AuditEvent.ActorType.MASTER_KEY):
        event["actor"]["admin_user"] = event["ip"] = event["user_agent"] = None
