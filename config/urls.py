"""URL map: the /cp/ API (with its two keyless leak endpoints), its OpenAPI schema, the Django
admin and a health check."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import SimpleRouter

from core.admin_login import admin_login
from core.views import healthz
from partners.api import PartnerKeyViewSet, PartnerViewSet
from partners.leak_api import PublicRevokeView, SecretScanningReportView

router = SimpleRouter(trailing_slash=False)
router.register("cp/admin/partners", PartnerViewSet, basename="partner")
router.register("cp/admin/partner-keys", PartnerKeyViewSet, basename="partner-key")


urlpatterns = [
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
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
