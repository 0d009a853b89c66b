"""/cp/orgs…: thin views over orgs.services and orgs.selectors."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.context import annotate
from core.credentials import principal_of
from core.permissions import HasScope
from core.serializers import query_filters
from orgs import selectors, services
from orgs.lifecycle import IN_FLIGHT
from orgs.models import Org
from orgs.serializers import (
    IssuedWorkspaceSerializer,
    OrgCreateSerializer,
    OrgFilters,
    OrgSerializer,
    OrgUpdateSerializer,
    WorkspaceCreateSerializer,
    WorkspaceSerializer,
    billing_of,
    status_of,
)


class OrgViewSet(viewsets.GenericViewSet):
    """Orgs the calling key may see; anything else is 404, never 403."""

    serializer_class = OrgSerializer
    permission_classes = [HasScope]
    lookup_value_regex = "[^/]+"
    required_scopes = {
        "create": ("orgs:create",),
        "list": ("orgs:list",),
        "retrieve": ("orgs:list",),
        "org_status": ("orgs:list", "orgs:create"),
        "partial_update": ("orgs:update",),
        "destroy": ("orgs:delete",),
        "workspaces": ("orgs:list",),
        "create_workspace": ("workspaces:create",),
        "billing": ("billing:read",),
    }
    # What the trail calls the extra actions when a call is refused before the view names it.
    audit_actions = {
        "org_status": "org.status",
        "workspaces": "workspace.list",
        "create_workspace": "workspace.create",
        "billing": "billing.read",
    }

    def get_queryset(self) -> QuerySet[Org]:
        orgs = selectors.org_visible(principal=principal_of(self.request))
        # Only an org's full shape names its partner; the status poll reads the org row alone.
        return orgs.select_related("partner") if self.action == "retrieve" else orgs

    def get_object(self) -> Org:
        org = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        annotate(self.request, target=org)
        return org

    def create(self, request: Request) -> Response:
        annotate(request, action="org.create")
        data = OrgCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        org = services.org_create(principal=principal_of(request), **data.validated_data)
        annotate(request, target=org, slug=org.slug, plan=org.plan)
        return Response(
            OrgSerializer(org).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/cp/orgs/{org.pk}"},
        )

    def list(self, request: Request) -> Response:
        annotate(request, action="org.list")
        filters = query_filters(request, OrgFilters)
        orgs = selectors.org_list(
            principal=principal_of(request),
            statuses=filters.get("status"),
            external_id=filters.get("external_id"),
        )
        page = self.paginate_queryset(orgs)
        return self.get_paginated_response(OrgSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        annotate(request, action="org.read")
        return Response(OrgSerializer(self.get_object()).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        annotate(request, action="org.update")
        org = self.get_object()
        data = OrgUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        annotate(request, changes=sorted(data.validated_data))
        org = services.org_update(org=org, **data.validated_data)
        return Response(OrgSerializer(org).data)

    @action(detail=True, methods=["get"], url_path="status")
    def org_status(self, request: Request, pk: str) -> Response:
        annotate(request, action="org.status")
        org = self.get_object()
        headers = {}
        if org.status in IN_FLIGHT:
            headers["Retry-After"] = str(settings.ORG_STATUS_RETRY_AFTER_SECONDS)
        return Response(status_of(org), headers=headers)

    def destroy(self, request: Request, pk: str) -> Response:
        annotate(request, action="org.delete")
        org = services.org_deprovision(org=self.get_object())
        return Response(OrgSerializer(org).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["get"])
    def workspaces(self, request: Request, pk: str) -> Response:
        annotate(request, action="workspace.list")
        org = self.get_object()
        query_filters(request)
        page = self.paginate_queryset(selectors.workspace_list(org=org))
        return self.get_paginated_response(WorkspaceSerializer(page, many=True).data)

    @workspaces.mapping.post
    def create_workspace(self, request: Request, pk: str) -> Response:
        annotate(request, action="workspace.create")
        org = self.get_object()
        data = WorkspaceCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.workspace_create(org=org, **data.validated_data)
        annotate(request, workspace_id=issued.workspace.pk)
        return Response(
            IssuedWorkspaceSerializer(issued.workspace, context={"token": issued.token}).data,
            status=status.HTTP_201_CREATED,
        )

    @action(detail=True, methods=["get"])
    def billing(self, request: Request, pk: str) -> Response:
        annotate(request, action="billing.read")
        return Response(billing_of(self.get_object()))
