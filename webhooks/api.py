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
from webhooks import selectors, services
from webhooks.models import Event, WebhookEndpoint
from webhooks.serializers import (
    DeliverySerializer,
    EndpointCreateSerializer,
    EndpointSerializer,
    EndpointUpdateSerializer,
    EventFilterSerializer,
    EventSerializer,
    IssuedEndpointSerializer,
    RedeliverSerializer,
    RotateSecretSerializer,
)

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

    def list(self, request: Request) -> Response:
        annotate(request, action="webhook_endpoint.list")
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(EndpointSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        annotate(request, action="webhook_endpoint.read")
        return Response(EndpointSerializer(self.get_object()).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        annotate(request, action="webhook_endpoint.update")
        endpoint = self.get_object()
        data = EndpointUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        annotate(request, changes=sorted(data.validated_data))
        endpoint = services.endpoint_update(endpoint=endpoint, **data.validated_data)
        return Response(EndpointSerializer(endpoint).data)

    def destroy(self, request: Request, pk: str) -> Response:
        annotate(request, action="webhook_endpoint.delete")
        services.endpoint_delete(endpoint=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

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

    def list(self, request: Request) -> Response:
        annotate(request, action="event.list")
        query = EventFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        events = self.get_queryset()
        if "type" in query.validated_data:
            events = events.filter(type=query.validated_data["type"])
        if "since" in query.validated_data:
            events = events.filter(created_at__gte=query.validated_data["since"])
        page = self.paginate_queryset(events)
        return self.get_paginated_response(EventSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        annotate(request, action="event.read")
        return Response(EventSerializer(self.get_object()).data)

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
