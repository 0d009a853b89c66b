"""POST /cp/secret-scanning/reports (GitHub's secret scanning) and POST /cp/credentials/revoke
(anyone): no bearer key, limited per client IP, thin views over partners.leaks."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditEvent
from core.context import annotate, django_request
from core.errors import DomainError, RateLimited
from core.schema import cp_schema
from core.throttling import ClientIPRateThrottle
from partners import github_signatures, leaks
from partners.leak_serializers import (
    LeakLabelSerializer,
    LeakReportSerializer,
    PublicRevokeSerializer,
    RevocationReceivedSerializer,
)

LEAK_TAG = ["leaks"]
GITHUB_HEADERS = [
    OpenApiParameter(name, str, OpenApiParameter.HEADER, required=True, description=text)
    for name, text in (
        ("Github-Public-Key-Identifier", "Which of GitHub's keys signed the body."),
        ("Github-Public-Key-Signature", "Base64 ECDSA P-256 SHA-256 signature of the raw body."),
    )
]


class SecretScanningOff(DomainError):
    """Nothing configured in CP_SECRET_SCANNING_PUBLIC_KEYS: answered like a route that is not."""

    code = "not_found"
    message = "No such endpoint or resource."


class _ReporterEndpoint(APIView):
    """Anyone may call: no bearer key is read, and the limit is per client IP, in the view's own
    counter group, never against a key's budget."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientIPRateThrottle]
    ip_rate_group = ""
    ip_rate_setting = ""

    def throttled(self, request: Request, wait: float | None) -> NoReturn:
        raise RateLimited(
            "Too many requests from this address; retry after the time in Retry-After.",
            retry_after=int(wait or 1),
        )


class SecretScanningReportView(_ReporterEndpoint):
    """GitHub's secret scanning partner program: verify, revoke, label."""

    ip_rate_group = "cp.secret_scanning"
    ip_rate_setting = "CP_SECRET_SCANNING_RATE"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        annotate(request, action="secret_scanning.report")
        if not settings.CP_SECRET_SCANNING_PUBLIC_KEYS:
            raise SecretScanningOff()
        super().initial(request, *args, **kwargs)

    @cp_schema(
        operation_id="secret_scanning_reports",
        summary="Report leaked keys (GitHub secret scanning)",
        description="GitHub's secret scanning partner program calls this with the tokens it "
        "found; each one that is an active key of ours is revoked at once. Signed by GitHub "
        "(no key); off (`404`) until CP_SECRET_SCANNING_PUBLIC_KEYS is configured.",
        request=LeakReportSerializer(many=True),
        ok={200: LeakLabelSerializer(many=True)},
        errors=["not_found", "invalid_signature"],
        parameters=GITHUB_HEADERS,
        tags=LEAK_TAG,
    )
    def post(self, request: Request) -> Response:
        # The signature covers the raw bytes: verify them before anything parses the body.
        github_signatures.verify(
            body=django_request(request).body,
            key_identifier=request.headers.get("Github-Public-Key-Identifier", ""),
            signature=request.headers.get("Github-Public-Key-Signature", ""),
        )
        annotate(request, actor_type=AuditEvent.ActorType.GITHUB)
        matches = LeakReportSerializer(data=request.data, many=True)
        matches.is_valid(raise_exception=True)
        reports = [
            leaks.LeakReport(m["token"], m["type"], m.get("url") or "", m.get("source") or "")
            for m in matches.validated_data
        ]
        labels, done = leaks.partner_keys_report_leaks(reports=reports)
        annotate(
            request,
            reported=len(labels),
            true_positives=sum(label.label == leaks.TRUE_POSITIVE for label in labels),
            revoked=len(done.revoked),
            failed_key_ids=done.failed,
        )
        return Response(LeakLabelSerializer(labels, many=True).data)


class PublicRevokeView(_ReporterEndpoint):
    """Anyone who finds a key may revoke it; the answer is the same whatever was sent."""

    ip_rate_group = "cp.public_revoke"
    ip_rate_setting = "CP_PUBLIC_REVOKE_RATE"

    @cp_schema(
        operation_id="credentials_revoke",
        summary="Revoke keys you found",
        description="Anyone who finds a `mol_pk_` key may revoke it here, without a key. The "
        "answer is the same whatever was sent (it reveals nothing).",
        request=PublicRevokeSerializer,
        ok={202: RevocationReceivedSerializer},
        tags=LEAK_TAG,
    )
    def post(self, request: Request) -> Response:
        actor = AuditEvent.ActorType.PUBLIC_REPORT
        annotate(request, action="credentials.revoke_public", actor_type=actor)
        data = PublicRevokeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        credentials = data.validated_data["credentials"]
        done = leaks.partner_keys_revoke_public(credentials=credentials)
        annotate(
            request,
            received=len(credentials),
            revoked=len(done.revoked),
            failed_key_ids=done.failed,
        )
        return Response({"received": len(credentials)}, status=202)
