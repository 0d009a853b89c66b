"""The bench-only targets beside the product's endpoints: the ceiling, the floor and the peer.

- ceiling: the stack's own cost (gunicorn, WSGI, the middleware), no auth, no database.
- floor: the statements our design needs for a status poll, run by hand and nothing else: the key
  by the SHA-256 of the bearer token (with the revoked/expired/partner-active check), the org row,
  one audit insert filling the columns our audit insert fills, one commit. No rate limit (Redis),
  no DRF, no ORM: what `GET /cp/orgs/{id}/status` could cost at best with this schema.
- peer: the same status read guarded the way a Django user would pick instead,
  djangorestframework-api-key's `HasAPIKey` with its default hasher (SHA-512), without and with
  one ORM audit insert.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_api_key.permissions import HasAPIKey

from audit.models import AuditEvent
from core.context import call_context
from core.ids import new_id
from orgs.lifecycle import IN_FLIGHT
from orgs.models import Org
from orgs.serializers import status_of

STATUS_SCOPES = ("orgs:list", "orgs:create")
# DRF's JSONRenderer output: compact, UTF-8.
DRF_JSON = {"separators": (",", ":"), "ensure_ascii": False}

# The key by hash, with PartnerKeyQuerySet.usable()'s conditions; the partner join is the
# partner-active check.
FLOOR_KEY_SQL = """
SELECT k.id, k.hint, k.partner_id, k.org_id, k.scopes
FROM partners_partnerkey k LEFT JOIN partners_partner p ON p.id = k.partner_id
WHERE k.key_hash = %s AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > %s)
  AND (k.partner_id IS NULL OR p.active)
"""
FLOOR_ORG_SQL = """
SELECT id, slug, status, ready_at, error FROM orgs_org WHERE id = %s AND partner_id = %s
"""
# Every column audit.recording.record_call fills for a status read.
FLOOR_AUDIT_SQL = """
INSERT INTO audit_auditevent (id, occurred_at, request_id, actor_type, key_id, key_hint,
    partner_id, admin_user, action, target_type, target_id, method, path, status_code, ip,
    user_agent, details)
VALUES (%s, %s, %s, 'partner_key', %s, %s, %s, '', 'org.status', 'org', %s, %s, %s, 200, %s, %s,
    '{}')
"""


def ceiling(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _error(status: int, code: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code}}, status=status)


def _iso(value: object) -> str | None:
    """DRF's DateTimeField form, so the floor's body is byte-for-byte the endpoint's."""
    return value.isoformat().replace("+00:00", "Z") if value else None  # type: ignore[attr-defined]


def floor(request: HttpRequest, org_id: str) -> JsonResponse:
    """The status poll by hand (a partner key of a partner; other principals are out of scope)."""
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return _error(401, "unauthenticated")
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FLOOR_KEY_SQL, [hashlib.sha256(token.encode()).hexdigest(), now])
        key = cursor.fetchone()
        if key is None:
            return _error(401, "unknown")
        key_id, hint, partner_id, bound_org_id, scopes = key
        if not set(STATUS_SCOPES) & set(json.loads(scopes)):
            return _error(403, "insufficient_scope")
        if partner_id is None or bound_org_id not in (None, org_id):
            return _error(404, "not_found")
        cursor.execute(FLOOR_ORG_SQL, [org_id, partner_id])
        org = cursor.fetchone()
        if org is None:
            return _error(404, "not_found")
        ident, slug, status, ready_at, error = org
        cursor.execute(
            FLOOR_AUDIT_SQL,
            [
                new_id("evt"),
                now,
                call_context(request).request_id,
                key_id,
                hint,
                partner_id,
                ident,
                request.method,
                request.path[:300],
                request.META.get("REMOTE_ADDR"),
                request.META.get("HTTP_USER_AGENT", "")[:300],
            ],
        )
    ready = status == Org.Status.READY
    response = JsonResponse(
        {
            "id": ident,
            "slug": slug,
            "status": status,
            "ready_at": _iso(ready_at),
            "login_url": (
                settings.CP_LOGIN_URL_TEMPLATE.replace("{slug}", slug).replace("{id}", ident)
                if ready
                else None
            ),
            "error": error or None,
        },
        json_dumps_params=DRF_JSON,
    )
    if status in IN_FLIGHT:
        response["Retry-After"] = str(settings.ORG_STATUS_RETRY_AFTER_SECONDS)
    return response


class PeerStatus(APIView):
    """`Authorization: Api-Key <prefix>.<secret>`: one SELECT by prefix, then a SHA-512 compare.

    The peer at its best: no authentication class, no throttle, no object-permission pass (which
    would check the key a second time), no owner rule (the library has no notion of one).
    """

    authentication_classes: list = []
    permission_classes = [HasAPIKey]
    throttle_classes: list = []

    def get(self, request: Request, org_id: str) -> Response:
        org = get_object_or_404(Org, pk=org_id)
        return Response(status_of(org))


class PeerStatusWithAudit(PeerStatus):
    """The peer plus one audit event through the ORM, as ours writes it (autocommit: one commit)."""

    def get(self, request: Request, org_id: str) -> Response:
        response = super().get(request, org_id)
        prefix = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")[2].partition(".")[0]
        AuditEvent(
            request_id=call_context(request).request_id,
            actor_type=AuditEvent.ActorType.PARTNER_KEY,
            key_id=prefix,
            key_hint=prefix,
            action="org.status",
            target_type="org",
            target_id=org_id,
            method=request.method,
            path=request.path[:300],
            status_code=response.status_code,
            ip=request.META.get("REMOTE_ADDR"),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        ).save(force_insert=True)
        return response
