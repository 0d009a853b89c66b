"""The platform's own endpoints: the health check, and what a partner meets first under /cp/: the
index, the OpenAPI schema and its docs page.

The index, schema and docs are public (they read no key: a bad one cannot make them 401) and are
not rate limited. Like every /cp/ call each one writes its audit event (`api.index`, `api.schema`,
`api.docs`): one rule for the whole prefix, and no unaudited way in.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from core.context import annotate
from core.schema import cp_schema

DOCS_PATH, SCHEMA_PATH, HEALTH_PATH = "/cp/docs/", "/cp/openapi.json", "/healthz"


@csrf_exempt  # an unsafe method is 405, not the CSRF check's 403
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


class PublicView(APIView):
    """No key read, no limit, any caller."""

    authentication_classes: Sequence[type[BaseAuthentication]] = ()
    permission_classes = (AllowAny,)
    throttle_classes: Sequence[type[BaseThrottle]] = ()


class IndexSerializer(serializers.Serializer):
    name = serializers.CharField()
    docs = serializers.CharField(help_text="The API reference, for people.")
    openapi = serializers.CharField(help_text="The OpenAPI 3.1 schema, for tools.")
    health = serializers.CharField()
    guide = serializers.CharField(help_text="The partner guide: a first integration, step by step.")


class IndexView(PublicView):
    """`GET /cp/`: where to start."""

    @cp_schema(
        operation_id="index",
        summary="Where to start",
        description="Links to the docs page, the OpenAPI schema, the health check and the "
        "partner guide. No key.",
        request=None,
        ok={200: IndexSerializer},
        tags=["meta"],
    )
    def get(self, request: Request) -> Response:
        annotate(request, action="api.index")
        return Response(
            {
                "name": settings.SPECTACULAR_SETTINGS["TITLE"],
                "docs": DOCS_PATH,
                "openapi": SCHEMA_PATH,
                "health": HEALTH_PATH,
                "guide": settings.CP_PARTNER_GUIDE_URL,
            }
        )


@cache
def openapi_document() -> dict[str, Any]:
    """The schema, generated once per process (it depends on the code, not on the caller)."""
    return SchemaGenerator().get_schema(request=None, public=True)


class SchemaView(PublicView, SpectacularJSONAPIView):
    """`GET /cp/openapi.json` (and `/openapi.json`)."""

    def _get_schema_response(self, request: Request) -> Response:
        annotate(request, action="api.schema")
        return Response(openapi_document())


class DocsView(PublicView, SpectacularSwaggerView):
    """`GET /cp/docs/`: Swagger UI, its files served by us (drf-spectacular-sidecar)."""

    url_name = "cp-openapi"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        annotate(request, action="api.docs")
        return super().get(request, *args, **kwargs)
