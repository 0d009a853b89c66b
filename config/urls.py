"""URL map: the /cp/ API (with its two keyless leak endpoints), its index, OpenAPI schema and
docs page, the Django admin and a health check."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from core.admin_login import admin_login
from core.views import DocsView, IndexView, SchemaView, healthz
from partners.api import PartnerKeyViewSet, PartnerViewSet
from partners.leak_api import PublicRevokeView, SecretScanningReportView

router = SimpleRouter(trailing_slash=False)
router.register("cp/admin/partners", PartnerViewSet, basename="partner")
router.register("cp/admin/partner-keys", PartnerKeyViewSet, basename="partner-key")


urlpatterns = [
    path("cp/", IndexView.as_view(), name="cp-index"),
    path("cp/openapi.json", SchemaView.as_view(), name="cp-openapi"),
    path("cp/docs/", DocsView.as_view(), name="cp-docs"),
    path("", include(router.urls)),
    path(
        "cp/secret-scanning/reports",
        SecretScanningReportView.as_view(),
        name="secret-scanning-reports",
    ),
    path("cp/credentials/revoke", PublicRevokeView.as_view(), name="credentials-revoke"),
    path("", include("orgs.urls")),
    path("", include("audit.urls")),
    path("", include("webhooks.urls")),
    path("openapi.json", SchemaView.as_view(), name="openapi"),
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
