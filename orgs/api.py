"""/cp/orgs…: thin views over orgs.services and orgs.selectors."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.context import annotate
from core.credentials import principal_of
from core.permissions import HasScope
from core.schema import cp_schema, location, retry_after_while
from core.serializers import QueryFilters, query_filters
from orgs import selectors, services
from orgs.lifecycle import IN_FLIGHT
from orgs.models import Org
from orgs.schema_examples import NEW_ORG, NEW_WORKSPACE, ORG_CHANGE
from orgs.serializers import (
    BillingSerializer,
    IssuedWorkspaceSerializer,
    OrgCreateSerializer,
    OrgFilters,
    OrgSerializer,
    OrgStatusSerializer,
    OrgUpdateSerializer,
    WorkspaceCreateSerializer,
    WorkspaceSerializer,
    status_of,
)

TAGS = ["orgs"]


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

    def get_object(self) -> Org:
        # Only an org's full shape names its partner; the status poll reads the org row alone.
        org = selectors.org_get(
            principal=principal_of(self.request),
            pk=self.kwargs["pk"],
            with_partner=self.action == "retrieve",
        )
        if org is None:
            raise Http404
        annotate(self.request, target=org)
        return org

    @cp_schema(
        operation_id="orgs_create",
        summary="Create an org",
        description="The org starts `provisioning`; the worker makes it `ready` (or `failed`). "
        "Poll `GET /cp/orgs/{id}/status`, or subscribe to the `org.ready` webhook. A key bound "
        "to one org cannot create orgs (`403 org_bound_key`).",
        request=OrgCreateSerializer,
        ok={201: OrgSerializer},
        errors=["org_bound_key", "slug_taken", "external_id_taken"],
        parameters=[location("/cp/orgs/{id}")],
        examples=[NEW_ORG],
        tags=TAGS,
    )
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

    @cp_schema(
        operation_id="orgs_list",
        summary="List orgs",
        description="The orgs this key may see, newest first, without deleted ones unless "
        "`?status=` asks for them.",
        request=None,
        ok={200: OrgSerializer(many=True)},
        errors=["validation_error"],
        parameters=[OrgFilters],
        tags=TAGS,
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

    @cp_schema(
        operation_id="orgs_retrieve",
        summary="Read an org",
        request=None,
        ok={200: OrgSerializer},
        tags=TAGS,
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        annotate(request, action="org.read")
        return Response(OrgSerializer(self.get_object()).data)

    @cp_schema(
        operation_id="orgs_update",
        summary="Change an org",
        description="Any of `name`, `plan`, `seats`, `external_id`, `branding`, `metadata`; a "
        "plan or seat change shows in billing at once. Only a ready org can change.",
        request=OrgUpdateSerializer,
        ok={200: OrgSerializer},
        errors=["org_not_ready", "external_id_taken"],
        examples=[ORG_CHANGE],
        tags=TAGS,
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        annotate(request, action="org.update")
        org = self.get_object()
        data = OrgUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        annotate(request, changes=sorted(data.validated_data))
        org = services.org_update(org=org, **data.validated_data)
        return Response(OrgSerializer(org).data)

    @cp_schema(
        operation_id="orgs_status",
        summary="Poll an org's status",
        description="`Retry-After` says when to ask again while the org is `provisioning` or "
        "`deleting`; `login_url` is set once it is `ready`.",
        request=None,
        ok={200: OrgStatusSerializer},
        parameters=[retry_after_while("while the org is provisioning or deleting")],
        tags=TAGS,
    )
    @action(detail=True, methods=["get"], url_path="status")
    def org_status(self, request: Request, pk: str) -> Response:
        annotate(request, action="org.status")
        org = self.get_object()
        headers = {}
        if org.status in IN_FLIGHT:
            headers["Retry-After"] = str(settings.ORG_STATUS_RETRY_AFTER_SECONDS)
        return Response(status_of(org), headers=headers)

    @cp_schema(
        operation_id="orgs_delete",
        summary="Deprovision an org",
        description='`202` with `status: "deleting"`: billing stops at once, the worker tears '
        "the org down. Deleting a deleting or deleted org answers the same (idempotent).",
        request=None,
        ok={202: OrgSerializer},
        tags=TAGS,
    )
    def destroy(self, request: Request, pk: str) -> Response:
        annotate(request, action="org.delete")
        org = services.org_deprovision(org=self.get_object())
        return Response(OrgSerializer(org).data, status=status.HTTP_202_ACCEPTED)

    @cp_schema(
        operation_id="orgs_workspaces_list",
        summary="List an org's workspaces",
        description="Never their tokens.",
        request=None,
        ok={200: WorkspaceSerializer(many=True)},
        errors=["validation_error"],
        parameters=[QueryFilters],
        tags=TAGS,
    )
    @action(detail=True, methods=["get"])
    def workspaces(self, request: Request, pk: str) -> Response:
        annotate(request, action="workspace.list")
        org = self.get_object()
        query_filters(request)
        page = self.paginate_queryset(selectors.workspace_list(org=org))
        return self.get_paginated_response(WorkspaceSerializer(page, many=True).data)

    @cp_schema(
        operation_id="orgs_workspaces_create",
        summary="Create a workspace",
        description="The answer holds the one-time `mol_ws_…` token. Only a ready org takes "
        "workspaces (`409 org_not_ready`).",
        request=WorkspaceCreateSerializer,
        ok={201: IssuedWorkspaceSerializer},
        errors=["org_not_ready"],
        examples=[NEW_WORKSPACE],
        tags=TAGS,
    )
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

    @cp_schema(
        operation_id="orgs_billing",
        summary="Read an org's billing",
        request=None,
        ok={200: BillingSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"])
    def billing(self, request: Request, pk: str) -> Response:
        annotate(request, action="billing.read")
        return Response(BillingSerializer(self.get_object()).data)
