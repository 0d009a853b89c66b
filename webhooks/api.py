"""/cp/webhook-endpoints… and /cp/events…: thin views over webhooks.services and selectors."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.context import annotate
from core.credentials import principal_of
from core.errors import DomainError
from core.permissions import HasScope
from core.schema import cp_schema, location
from core.serializers import QueryFilters, query_filters
from webhooks import selectors, services
from webhooks.models import Event, WebhookEndpoint
from webhooks.schema_examples import NEW_ENDPOINT
from webhooks.serializers import (
    DeliverySerializer,
    EndpointCreateSerializer,
    EndpointSerializer,
    EndpointUpdateSerializer,
    EventFilterSerializer,
    EventSerializer,
    IssuedEndpointSerializer,
    RedeliveredSerializer,
    RedeliverSerializer,
    RotateSecretSerializer,
)

ENDPOINT_TAG = ["webhooks"]
# Who may manage webhooks: not an org-bound key; the master key only reads.
MANAGE_ERRORS = ["org_bound_key"]
WRITE_ERRORS = [*MANAGE_ERRORS, "forbidden"]

SCOPE = ("webhooks:manage",)


class OrgBoundKey(DomainError):
    code = "org_bound_key"
    message = "This key is bound to one org and cannot manage webhooks."


class MasterKeyReadOnly(DomainError):
    code = "forbidden"
    message = (
        "Webhook endpoints belong to a partner or a partner-less key: the master key may read "
        "them, not change them."
    )


class ManagesWebhooks(BasePermission):
    """Org-bound keys have no webhooks; the master key only reads."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        principal = principal_of(request)
        if principal.org_id is not None:
            raise OrgBoundKey()
        if principal.is_master and request.method not in SAFE_METHODS:
            raise MasterKeyReadOnly()
        return True


def _issued(issued: services.IssuedSecret) -> dict:
    return IssuedEndpointSerializer(issued.endpoint, context={"secret": issued.secret}).data


class WebhookEndpointViewSet(viewsets.GenericViewSet):
    serializer_class = EndpointSerializer
    permission_classes = [HasScope, ManagesWebhooks]
    lookup_value_regex = "[^/]+"
    required_scopes = {
        name: SCOPE
        for name in ("create", "list", "retrieve", "partial_update", "destroy", "rotate_secret")
    }

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no caller
            return WebhookEndpoint.objects.none()
        return selectors.endpoint_visible(principal=principal_of(self.request))

    def get_object(self) -> WebhookEndpoint:
        endpoint = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        annotate(self.request, target=endpoint)
        return endpoint

    @cp_schema(
        operation_id="webhook_endpoints_create",
        summary="Add a webhook endpoint",
        description="The answer holds the signing `secret` (`whsec_…`), shown this once. "
        "Deliveries follow the Standard Webhooks specification.",
        request=EndpointCreateSerializer,
        ok={201: IssuedEndpointSerializer},
        errors=[*WRITE_ERRORS, "webhook_endpoint_limit"],
        parameters=[location("/cp/webhook-endpoints/{id}")],
        examples=[NEW_ENDPOINT],
        tags=ENDPOINT_TAG,
    )
    def create(self, request: Request) -> Response:
        annotate(request, action="webhook_endpoint.create")
        data = EndpointCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.endpoint_create(principal=principal_of(request), **data.validated_data)
        annotate(request, target=issued.endpoint, events=issued.endpoint.events)
        return Response(
            _issued(issued),
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/cp/webhook-endpoints/{issued.endpoint.pk}"},
        )

    @cp_schema(
        operation_id="webhook_endpoints_list",
        summary="List webhook endpoints",
        request=None,
        ok={200: EndpointSerializer(many=True)},
        errors=[*MANAGE_ERRORS, "validation_error"],
        parameters=[QueryFilters],
        tags=ENDPOINT_TAG,
    )
    def list(self, request: Request) -> Response:
        annotate(request, action="webhook_endpoint.list")
        query_filters(request)
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(EndpointSerializer(page, many=True).data)

    @cp_schema(
        operation_id="webhook_endpoints_retrieve",
        summary="Read a webhook endpoint",
        request=None,
        ok={200: EndpointSerializer},
        errors=MANAGE_ERRORS,
        tags=ENDPOINT_TAG,
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        annotate(request, action="webhook_endpoint.read")
        return Response(EndpointSerializer(self.get_object()).data)

    @cp_schema(
        operation_id="webhook_endpoints_update",
        summary="Change a webhook endpoint",
        description="`enabled: false` pauses deliveries (pending ones are canceled).",
        request=EndpointUpdateSerializer,
        ok={200: EndpointSerializer},
        errors=WRITE_ERRORS,
        tags=ENDPOINT_TAG,
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        annotate(request, action="webhook_endpoint.update")
        endpoint = self.get_object()
        data = EndpointUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        annotate(request, changes=sorted(data.validated_data))
        endpoint = services.endpoint_update(endpoint=endpoint, **data.validated_data)
        return Response(EndpointSerializer(endpoint).data)

    @cp_schema(
        operation_id="webhook_endpoints_delete",
        summary="Delete a webhook endpoint",
        request=None,
        ok={204: None},
        errors=WRITE_ERRORS,
        tags=ENDPOINT_TAG,
    )
    def destroy(self, request: Request, pk: str) -> Response:
        annotate(request, action="webhook_endpoint.delete")
        services.endpoint_delete(endpoint=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @cp_schema(
        operation_id="webhook_endpoints_rotate_secret",
        summary="Rotate an endpoint's signing secret",
        description="The new secret is shown this once; the old one keeps signing beside it "
        "for 24 h (both signatures in `webhook-signature`).",
        request=RotateSecretSerializer,
        ok={201: IssuedEndpointSerializer},
        errors=WRITE_ERRORS,
        tags=ENDPOINT_TAG,
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        annotate(request, action="webhook_endpoint.rotate_secret")
        endpoint = self.get_object()
        RotateSecretSerializer(data=request.data).is_valid(raise_exception=True)
        issued = services.endpoint_rotate_secret(endpoint=endpoint)
        return Response(_issued(issued), status=status.HTTP_201_CREATED)


class EventViewSet(viewsets.GenericViewSet):
    serializer_class = EventSerializer
    permission_classes = [HasScope, ManagesWebhooks]
    lookup_value_regex = "[^/]+"
    required_scopes = {name: SCOPE for name in ("list", "retrieve", "redeliver")}

    def get_queryset(self) -> QuerySet[Event]:
        if getattr(self, "swagger_fake_view", False):
            return Event.objects.none()
        return selectors.event_visible(principal=principal_of(self.request))

    def get_object(self) -> Event:
        event = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        annotate(self.request, target=event)
        return event

    @cp_schema(
        operation_id="events_list",
        summary="List events",
        description="The events of the last 30 days sent (or being sent) to this key's "
        "endpoints, newest first, with their delivery state.",
        request=None,
        ok={200: EventSerializer(many=True)},
        errors=[*MANAGE_ERRORS, "validation_error"],
        parameters=[EventFilterSerializer],
        tags=ENDPOINT_TAG,
    )
    def list(self, request: Request) -> Response:
        annotate(request, action="event.list")
        wanted = query_filters(request, EventFilterSerializer)
        events = self.get_queryset()
        if "type" in wanted:
            events = events.filter(type=wanted["type"])
        if "since" in wanted:
            events = events.filter(created_at__gte=wanted["since"])
        page = self.paginate_queryset(events)
        return self.get_paginated_response(EventSerializer(page, many=True).data)

    @cp_schema(
        operation_id="events_retrieve",
        summary="Read an event",
        request=None,
        ok={200: EventSerializer},
        errors=MANAGE_ERRORS,
        tags=ENDPOINT_TAG,
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        annotate(request, action="event.read")
        return Response(EventSerializer(self.get_object()).data)

    @cp_schema(
        operation_id="events_redeliver",
        summary="Send an event again",
        description="To every enabled endpoint that subscribes to its type, or to the one "
        "`endpoint_id` names.",
        request=RedeliverSerializer,
        ok={202: RedeliveredSerializer},
        errors=[*WRITE_ERRORS, "webhook_endpoint_disabled", "no_webhook_endpoint"],
        tags=ENDPOINT_TAG,
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request: Request, pk: str) -> Response:
        annotate(request, action="event.redeliver")
        event = self.get_object()
        data = RedeliverSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deliveries = services.event_redeliver(
            event=event, principal=principal_of(request), **data.validated_data
        )
        annotate(request, deliveries=[item.pk for item in deliveries])
        return Response(
            {"event_id": event.pk, "deliveries": DeliverySerializer(deliveries, many=True).data},
            status=status.HTTP_202_ACCEPTED,
        )
