"""/cp/admin/partners and /cp/admin/partner-keys: thin views over partners.services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.context import annotate
from core.credentials import principal_of
from core.permissions import IsAuthenticatedPrincipal, IsMasterKey
from core.schema import cp_schema, location
from core.serializers import QueryFilters, StrictCharField, query_filters
from partners import services
from partners.models import Partner, PartnerKey
from partners.schema_examples import ISSUE_KEY, NEW_PARTNER
from partners.serializers import (
    IssuedKeySerializer,
    PartnerCreateSerializer,
    PartnerKeyCreateSerializer,
    PartnerKeySerializer,
    PartnerSerializer,
    PartnerUpdateSerializer,
    RotateSerializer,
)

if TYPE_CHECKING:
    from rest_framework.permissions import _SupportsHasPermission


def _issued(issued: services.IssuedKey) -> dict:
    return IssuedKeySerializer(issued.key, context={"plaintext": issued.plaintext}).data


class KeyFilters(QueryFilters):
    """`GET /cp/admin/partner-keys?partner=<slug or prt_ id>`: narrows the keys the caller sees."""

    partner = StrictCharField(max_length=63, required=False)


PARTNER_TAG, KEY_TAG = ["partners"], ["partner-keys"]


class PartnerViewSet(viewsets.GenericViewSet):
    """Partners: master key only."""

    queryset = Partner.objects.all()
    serializer_class = PartnerSerializer
    permission_classes = [IsMasterKey]
    lookup_value_regex = "[^/]+"

    def get_object(self) -> Partner:
        partner = Partner.objects.by_ref(self.kwargs["pk"])
        if partner is None:
            raise Http404
        annotate(self.request, target=partner)
        return partner

    @cp_schema(
        operation_id="partners_create",
        summary="Create a partner",
        request=PartnerCreateSerializer,
        ok={201: PartnerSerializer},
        errors=["slug_taken"],
        parameters=[location("/cp/admin/partners/{id}")],
        examples=[NEW_PARTNER],
        tags=PARTNER_TAG,
    )
    def create(self, request: Request) -> Response:
        annotate(request, action="partner.create")
        data = PartnerCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner = services.partner_create(**data.validated_data)
        annotate(request, target=partner)
        return Response(
            PartnerSerializer(partner).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/cp/admin/partners/{partner.pk}"},
        )

    @cp_schema(
        operation_id="partners_list",
        summary="List partners",
        request=None,
        ok={200: PartnerSerializer(many=True)},
        errors=["validation_error"],
        tags=PARTNER_TAG,
    )
    def list(self, request: Request) -> Response:
        annotate(request, action="partner.list")
        query_filters(request)
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PartnerSerializer(page, many=True).data)

    @cp_schema(
        operation_id="partners_retrieve",
        summary="Read a partner",
        description="`{id}` is the partner's `prt_` id or its slug.",
        request=None,
        ok={200: PartnerSerializer},
        tags=PARTNER_TAG,
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        annotate(request, action="partner.read")
        return Response(PartnerSerializer(self.get_object()).data)

    @cp_schema(
        operation_id="partners_update",
        summary="Change or deactivate a partner",
        description='`{id}` is the partner\'s `prt_` id or its slug. `{"active": false}` '
        "deactivates the partner: every one of its keys is refused from the next request on.",
        request=PartnerUpdateSerializer,
        ok={200: PartnerSerializer},
        tags=PARTNER_TAG,
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        annotate(request, action="partner.update")
        partner = self.get_object()
        data = PartnerUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        annotate(request, changes=sorted(data.validated_data))
        partner = services.partner_update(partner=partner, **data.validated_data)
        return Response(PartnerSerializer(partner).data)


class PartnerKeyViewSet(viewsets.GenericViewSet):
    """Partner keys: the master key manages all; a partner key sees its partner's keys."""

    serializer_class = PartnerKeySerializer
    permission_classes = [IsAuthenticatedPrincipal]
    audit_actions = {"destroy": "partner_key.revoke"}

    def get_permissions(self) -> Sequence[_SupportsHasPermission]:
        if self.action == "create":
            return [IsMasterKey()]
        return super().get_permissions()

    def get_queryset(self) -> QuerySet[PartnerKey]:
        keys = PartnerKey.objects.select_related("partner")
        if getattr(self, "swagger_fake_view", False):  # schema generation has no caller
            return keys.none()
        caller = principal_of(self.request)
        if caller.is_master:
            return keys
        if caller.partner_id is None or caller.org_id is not None:
            return keys.filter(pk=caller.id)  # partner-less and org-bound keys see only themselves
        return keys.filter(partner_id=caller.partner_id)

    def get_object(self) -> PartnerKey:
        key = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        annotate(self.request, target=key)
        return key

    @cp_schema(
        operation_id="partner_keys_list",
        summary="List partner keys",
        description="The master key sees every key (`?partner=` narrows to one partner); a "
        "partner key sees its partner's keys (a partner-less or org-bound key: itself).",
        request=None,
        ok={200: PartnerKeySerializer(many=True)},
        errors=["validation_error"],
        parameters=[KeyFilters],
        tags=KEY_TAG,
    )
    def list(self, request: Request) -> Response:
        annotate(request, action="partner_key.list")
        keys = self.get_queryset()
        ref = query_filters(request, KeyFilters).get("partner")
        if ref:
            partner = Partner.objects.by_ref(ref)
            keys = keys.filter(partner=partner) if partner else keys.none()
        page = self.paginate_queryset(keys)
        return self.get_paginated_response(PartnerKeySerializer(page, many=True).data)

    @cp_schema(
        operation_id="partner_keys_create",
        summary="Issue a partner key",
        description="The answer holds the plaintext `key`, shown this once; only its hash is "
        "stored. Unknown scopes, an unknown partner, or an org the partner does not manage "
        "are `400`.",
        request=PartnerKeyCreateSerializer,
        ok={201: IssuedKeySerializer},
        parameters=[location("/cp/admin/partner-keys/{id}")],
        examples=[ISSUE_KEY],
        tags=KEY_TAG,
    )
    def create(self, request: Request) -> Response:
        annotate(request, action="partner_key.create")
        data = PartnerKeyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.partner_key_issue(**data.validated_data, created_by="master")
        annotate(request, target=issued.key, scopes=issued.key.scopes)
        return Response(
            _issued(issued),
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/cp/admin/partner-keys/{issued.key.pk}"},
        )

    @cp_schema(
        operation_id="partner_keys_retrieve",
        summary="Read a partner key",
        request=None,
        ok={200: PartnerKeySerializer},
        tags=KEY_TAG,
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        annotate(request, action="partner_key.read")
        return Response(PartnerKeySerializer(self.get_object()).data)

    @cp_schema(
        operation_id="partner_keys_revoke",
        summary="Revoke a partner key",
        description="Soft and one-way: the key is refused from the next request on and kept "
        "for the audit trail. Revoking a revoked key changes nothing. The master key may revoke "
        "any key; a partner key only itself (`403 forbidden` for another key it can see).",
        request=None,
        ok={204: None},
        errors=["forbidden"],
        tags=KEY_TAG,
    )
    def destroy(self, request: Request, pk: str) -> Response:
        annotate(request, action="partner_key.revoke")
        key = self.get_object()
        services.partner_key_check_owner(key=key, caller=principal_of(request))
        services.partner_key_revoke(key=key, revoked_by=principal_of(request).actor_label)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @cp_schema(
        operation_id="partner_keys_rotate",
        summary="Rotate a partner key",
        description="Issues a successor with the same partner, org binding, scopes, rate limit "
        "and expiry (plaintext shown once); the old key keeps working for `grace_seconds` "
        "(default 86400; 0 revokes it now). The master key may rotate any key; a partner key "
        "only itself.",
        request=RotateSerializer,
        ok={201: IssuedKeySerializer},
        errors=["forbidden", "key_revoked", "key_expired", "key_already_rotated"],
        parameters=[location("/cp/admin/partner-keys/{successor id}")],
        tags=KEY_TAG,
    )
    @action(detail=True, methods=["post"])
    def rotate(self, request: Request, pk: str) -> Response:
        annotate(request, action="partner_key.rotate")
        key = self.get_object()
        services.partner_key_check_owner(key=key, caller=principal_of(request))
        data = RotateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grace = data.validated_data.get(
            "grace_seconds", settings.PARTNER_KEY_ROTATION_GRACE_SECONDS
        )
        issued = services.partner_key_rotate(
            key=key, grace_seconds=grace, rotated_by=principal_of(request).actor_label
        )
        annotate(request, successor_id=issued.key.id, grace_seconds=grace)
        return Response(
            _issued(issued),
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/cp/admin/partner-keys/{issued.key.pk}"},
        )
