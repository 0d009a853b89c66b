"""The "done when" script: every call, success or failure, leaves exactly one event."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from core import tokens as keys
from tests.audit.conftest import event_of


@pytest.mark.django_db
def test_a_scripted_sequence_of_calls_leaves_exactly_one_event_per_call(
    master, anon, as_key, make_key, partner, settings
):
    scoped, scoped_token = make_key(scopes=["orgs:list"], partner=partner)
    bare = as_key(scoped_token)
    unknown = keys.generate()
    calls = [
        # (response, status, action, error code)
        (
            master.post("/cp/admin/partners", {"name": "Initech", "slug": "initech"}),
            201,
            "partner.create",
            None,
        ),
        (
            master.post(
                "/cp/admin/partner-keys",
                {"name": "ci", "scopes": ["orgs:list"], "partner": "initech"},
            ),
            201,
            "partner_key.create",
            None,
        ),
        (bare.get("/cp/admin/partner-keys"), 200, "partner_key.list", None),
        (master.get("/cp/admin/audit-events"), 200, "audit_event.list", None),
        (as_key(unknown).get("/cp/admin/partner-keys"), 401, "auth.failed", "unauthenticated"),
        (
            as_key("mol_pk_nope").get("/cp/admin/partner-keys"),
            401,
            "auth.failed",
            "unauthenticated",
        ),
        (anon.get("/cp/admin/partner-keys"), 401, "auth.failed", "unauthenticated"),
        (bare.get("/cp/test/scoped"), 403, None, "insufficient_scope"),
        (
            bare.post("/cp/admin/partner-keys", {"name": "x", "scopes": []}),
            403,
            "partner_key.create",
            "forbidden",
        ),
        (master.get("/cp/admin/partner-keys/pak_missing"), 404, "partner_key.read", "not_found"),
        (master.get("/cp/no-such-route"), 404, "http.not_found", "not_found"),
        (master.patch(f"/cp/admin/partner-keys/{scoped.id}", {}), 405, None, "method_not_allowed"),
        (
            master.post("/cp/admin/partner-keys", {"name": "x", "scopes": [], "bogus": 1}),
            400,
            "partner_key.create",
            "validation_error",
        ),
        (
            master.post("/cp/admin/partners", {"name": "Again", "slug": "initech"}),
            409,
            "partner.create",
            "slug_taken",
        ),
        (
            master.post(
                "/cp/admin/partners",
                {"name": "Idem", "slug": "idem"},
                headers={"Idempotency-Key": "k1"},
            ),
            201,
            "partner.create",
            None,
        ),
        (
            master.post(
                "/cp/admin/partners",
                {"name": "Idem", "slug": "idem"},
                headers={"Idempotency-Key": "k1"},
            ),
            201,
            None,
            None,
        ),
        (
            master.post(
                "/cp/admin/partners",
                {"name": "Other", "slug": "other"},
                headers={"Idempotency-Key": "k1"},
            ),
            422,
            None,
            "idempotency_key_reused",
        ),
        (
            master.post("/cp/admin/partners", "x" * (settings.CP_MAX_BODY_BYTES + 1)),
            413,
            None,
            "payload_too_large",
        ),
        (master.get("/cp/test/boom"), 500, None, "internal_error"),
        (bare.delete(f"/cp/admin/partner-keys/{scoped.id}"), 204, "partner_key.revoke", None),
        (bare.get("/cp/admin/partner-keys"), 401, "auth.failed", "unauthenticated"),
    ]

    for response, status, action, error in calls:
        assert response.status_code == status, response.content
        event = event_of(response)
        assert event.status_code == status
        assert event.method == response.request["REQUEST_METHOD"]
        assert event.path == response.request["PATH_INFO"]
        if action:
            assert event.action == action
        assert event.details.get("error") == error
    assert AuditEvent.objects.count() == len(calls)
    assert len({event.request_id for event in AuditEvent.objects.all()}) == len(calls)
