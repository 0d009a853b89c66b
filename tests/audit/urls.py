"""Test-only routes under /cp/ (500s, scope checks, failures after a change), plus the real ones."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as real_urlpatterns
from core.context import annotate
from core.errors import DomainError
from core.permissions import HasScope
from partners.models import Partner, PartnerKey


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


class ScopedView(APIView):
    permission_classes = [HasScope]
    required_scopes = {"GET": ("billing:read",)}

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class ChangeAndSucceed(APIView):
    """Makes a change with no savepoint of its own, so its row carries the call's transaction id."""

    def post(self, request: Request) -> Response:
        partner = Partner.objects.create(name="Kept", slug="kept")
        annotate(request, action="partner.create", target=partner)
        return Response({"id": partner.id}, status=201)


class ChangedMyMind(DomainError):
    code = "conflict"


class ChangeThenConflict(APIView):
    """Makes a change, then fails with a domain error: the change must not survive."""

    def post(self, request: Request) -> Response:
        partner = Partner.objects.create(name="Doomed", slug="doomed")
        annotate(request, action="partner.create", target=partner)
        raise ChangedMyMind("Changed my mind.")


class ChangeThenFailAtCommit(APIView):
    """Makes a change and answers 201, but the transaction fails when it commits.

    The key points at a partner that does not exist; the foreign key is checked at COMMIT
    (Django creates it DEFERRABLE INITIALLY DEFERRED), after the audit event was written.
    """

    def post(self, request: Request) -> Response:
        partner = Partner.objects.create(name="Doomed", slug="doomed")
        PartnerKey.objects.create(
            name="dangling", key_hash="0" * 64, hint="x", partner_id="prt_none"
        )
        annotate(request, action="partner.create", target=partner)
        return Response({"id": partner.id}, status=201)


# A plain admin site, so admin-change tests don't depend on the partners app's own screens.
test_admin = admin.AdminSite(name="test_admin")
test_admin.register(Partner, admin.ModelAdmin)

urlpatterns = [
    path("test-admin/", test_admin.urls),
    path("cp/test/boom", boom),
    path("cp/test/scoped", ScopedView.as_view()),
    path("cp/test/change", ChangeAndSucceed.as_view()),
    path("cp/test/change-then-conflict", ChangeThenConflict.as_view()),
    path("cp/test/change-then-fail-at-commit", ChangeThenFailAtCommit.as_view()),
    *real_urlpatterns,
]
